/* zip.c: the members of a ZIP archive, read strictly (see zip.h). The end
 * of central directory record is looked for in the file's last 64 KiB; the
 * central directory gives each member's method, sizes, CRC-32 and local
 * header. A member's bytes are streamed from its own file handle: stored
 * ones as they are, deflated ones through zlib's raw inflate
 * (inflateInit2 with -MAX_WBITS). Every size and offset is checked against
 * the file before it is used; at a member's end its size and CRC-32 must
 * be those of the directory. */
#define _POSIX_C_SOURCE 200809L
#include "zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#define EOCD_SIG 0x06054b50UL
#define CDIR_SIG 0x02014b50UL
#define LOCAL_SIG 0x04034b50UL
#define ZIP64_LOCATOR_SIG 0x07064b50UL
#define EOCD_LEN 22
#define CDIR_LEN 46
#define LOCAL_LEN 30
#define TAIL_MAX (EOCD_LEN + 65535L)
#define INBUF (1u << 16)

typedef struct zip_entry {
  char *name;
  unsigned method, flags;
  unsigned long crc, csize, usize, offset;
} zip_entry;

struct rc_zip {
  char *path;
  long size;                 /* of the file */
  long cdir;                 /* where the central directory starts */
  int n;
  zip_entry *e;
};

typedef struct zip_member {
  FILE *fp;
  const zip_entry *e;
  const char *zip_path;
  unsigned long in_left;     /* compressed bytes not yet read */
  unsigned long out;         /* bytes given */
  unsigned long crc;
  int inited, inflating, done;
  z_stream z;
  unsigned char in[INBUF];
} zip_member;

static unsigned long get16(const unsigned char *p)
{
  return (unsigned long)p[0] | (unsigned long)p[1] << 8;
}

static unsigned long get32(const unsigned char *p)
{
  return get16(p) | get16(p + 2) << 16;
}

static int fail(char *err, size_t errlen, const char *msg)
{
  snprintf(err, errlen, "%s", msg);
  return 0;
}

/* Reads n bytes at offset; 0 when the file has fewer. */
static int read_at(FILE *fp, long offset, void *buf, size_t n)
{
  return fseek(fp, offset, SEEK_SET) == 0 && fread(buf, 1, n, fp) == n;
}

/* Finds the end of central directory record in the file's tail: its
 * offset, or -1. The last record whose comment length reaches the end. */
static long find_eocd(FILE *fp, long size, unsigned char *tail, long *taillen)
{
  long len = size < TAIL_MAX ? size : TAIL_MAX, i;
  *taillen = len;
  if (len < EOCD_LEN || !read_at(fp, size - len, tail, (size_t)len)) return -1;
  for (i = len - EOCD_LEN; i >= 0; i--)
    if (get32(tail + i) == EOCD_SIG && i + EOCD_LEN + (long)get16(tail + i + 20) == len)
      return size - len + i;
  return -1;
}

/* Checks the end record; sets the directory's offset, size and count. */
static int read_eocd(rc_zip *z, FILE *fp, unsigned long *cdsize, char *err, size_t errlen)
{
  unsigned char *tail = malloc(TAIL_MAX), *p;
  long taillen, at;
  unsigned long disk, cdisk, here, total, cdoff;
  if (tail == NULL) return fail(err, errlen, "out of memory");
  at = find_eocd(fp, z->size, tail, &taillen);
  if (at < 0) {
    free(tail);
    return fail(err, errlen, "not a zip file, or a truncated one (no end of central directory record)");
  }
  p = tail + (at - (z->size - taillen));
  disk = get16(p + 4); cdisk = get16(p + 6); here = get16(p + 8); total = get16(p + 10);
  *cdsize = get32(p + 12); cdoff = get32(p + 16);
  if (p - tail >= 20 && get32(p - 20) == ZIP64_LOCATOR_SIG) return free(tail), fail(err, errlen, "ZIP64 archives are not supported");
  free(tail);
  if (total == 0xFFFF || *cdsize == 0xFFFFFFFFUL || cdoff == 0xFFFFFFFFUL)
    return fail(err, errlen, "ZIP64 archives are not supported");
  if (disk != 0 || cdisk != 0 || here != total) return fail(err, errlen, "multi-part (spanned) zips are not supported");
  if (cdoff > (unsigned long)at || *cdsize > (unsigned long)at - cdoff)
    return fail(err, errlen, "damaged zip: the central directory lies outside the file (truncated?)");
  z->cdir = (long)cdoff;
  z->n = (int)total;
  return 1;
}

/* One central directory entry at p (left bytes remain); its length, or 0. */
static size_t parse_entry(const unsigned char *p, size_t left, zip_entry *e, long cdir, char *err, size_t errlen)
{
  size_t nlen, xlen, clen;
  if (left < CDIR_LEN || get32(p) != CDIR_SIG) return fail(err, errlen, "damaged zip: bad central directory entry");
  nlen = get16(p + 28); xlen = get16(p + 30); clen = get16(p + 32);
  if (CDIR_LEN + nlen + xlen + clen > left) return fail(err, errlen, "damaged zip: central directory entry overruns it");
  e->flags = (unsigned)get16(p + 8);
  e->method = (unsigned)get16(p + 10);
  e->crc = get32(p + 16);
  e->csize = get32(p + 20);
  e->usize = get32(p + 24);
  e->offset = get32(p + 42);
  if (e->csize == 0xFFFFFFFFUL || e->usize == 0xFFFFFFFFUL || e->offset == 0xFFFFFFFFUL)
    return fail(err, errlen, "ZIP64 members are not supported");
  if (e->offset >= (unsigned long)cdir) return fail(err, errlen, "damaged zip: a member starts past its data");
  if ((e->name = malloc(nlen + 1)) == NULL) return fail(err, errlen, "out of memory");
  memcpy(e->name, p + CDIR_LEN, nlen);
  e->name[nlen] = '\0';
  if (strlen(e->name) != nlen) return fail(err, errlen, "damaged zip: a member name holds a NUL byte");
  return CDIR_LEN + nlen + xlen + clen;
}

static int read_directory(rc_zip *z, FILE *fp, unsigned long cdsize, char *err, size_t errlen)
{
  unsigned char *cd = malloc(cdsize ? cdsize : 1);
  size_t at = 0, used;
  int i, ok = 1;
  if (cd == NULL || (z->e = calloc((size_t)z->n + 1, sizeof *z->e)) == NULL) {
    free(cd);
    return fail(err, errlen, "out of memory");
  }
  if (!read_at(fp, z->cdir, cd, cdsize)) ok = fail(err, errlen, "damaged zip: cannot read the central directory");
  for (i = 0; ok && i < z->n; i++) {
    used = parse_entry(cd + at, cdsize - at, &z->e[i], z->cdir, err, errlen);
    ok = used > 0;
    at += used;
  }
  free(cd);
  return ok;
}

rc_zip *rc_zip_open(const char *path, char *err, size_t errlen)
{
  rc_zip *z = calloc(1, sizeof *z);
  FILE *fp = fopen(path, "rb");
  unsigned long cdsize = 0;
  int ok;
  if (z == NULL || fp == NULL) {
    snprintf(err, errlen, z ? "cannot open the file" : "out of memory");
    if (fp) fclose(fp);
    free(z);
    return NULL;
  }
  ok = fseek(fp, 0, SEEK_END) == 0 && (z->size = ftell(fp)) >= 0;
  if (!ok) fail(err, errlen, "cannot read the file");
  ok = ok && read_eocd(z, fp, &cdsize, err, errlen) && read_directory(z, fp, cdsize, err, errlen);
  ok = ok && (z->path = malloc(strlen(path) + 1)) != NULL;
  if (ok) strcpy(z->path, path);
  else if (z->e != NULL && z->path == NULL && err[0] == '\0') fail(err, errlen, "out of memory");
  fclose(fp);
  if (!ok) {
    rc_zip_close(z);
    return NULL;
  }
  return z;
}

void rc_zip_close(rc_zip *z)
{
  int i;
  if (z == NULL) return;
  for (i = 0; z->e != NULL && i < z->n; i++) free(z->e[i].name);
  free(z->e);
  free(z->path);
  free(z);
}

int rc_zip_count(const rc_zip *z)
{
  return z->n;
}

const char *rc_zip_name(const rc_zip *z, int i)
{
  return i >= 0 && i < z->n ? z->e[i].name : NULL;
}

int rc_zip_find(const rc_zip *z, const char *base)
{
  int i, found = -1;
  for (i = 0; i < z->n; i++) {
    const char *slash = strrchr(z->e[i].name, '/'), *name = slash ? slash + 1 : z->e[i].name;
    if (strcasecmp(name, base) != 0) continue;
    if (found >= 0) return -2;
    found = i;
  }
  return found;
}

/* ---- a member as a byte stream ---- */

static long member_fail(char *err, size_t errlen, const zip_member *m, const char *what)
{
  snprintf(err, errlen, "zip member %s: %s", m->e->name, what);
  return -1;
}

/* Checks the member's size and CRC-32 once its data is all given. */
static long finish(zip_member *m, char *err, size_t errlen)
{
  m->done = 1;
  if (m->out != m->e->usize) return member_fail(err, errlen, m, "size differs from the directory's (damaged zip)");
  if (m->crc != m->e->crc) return member_fail(err, errlen, m, "CRC-32 mismatch (damaged zip)");
  return 0;
}

static long give(zip_member *m, char *buf, size_t n)
{
  m->crc = crc32(m->crc, (const unsigned char *)buf, (uInt)n);
  m->out += n;
  return (long)n;
}

static long read_stored(zip_member *m, char *buf, size_t cap, char *err, size_t errlen)
{
  size_t want = cap < m->in_left ? cap : m->in_left, got;
  if (want == 0) return finish(m, err, errlen);
  got = fread(buf, 1, want, m->fp);
  if (got == 0) return member_fail(err, errlen, m, "truncated (damaged zip)");
  m->in_left -= got;
  return give(m, buf, got);
}

/* Feeds compressed bytes to inflate when it has used up what it had. */
static int refill(zip_member *m)
{
  size_t want = INBUF < m->in_left ? INBUF : m->in_left, got;
  if (m->z.avail_in > 0 || want == 0) return 1;
  got = fread(m->in, 1, want, m->fp);
  if (got == 0) return 0;
  m->in_left -= got;
  m->z.next_in = m->in;
  m->z.avail_in = (uInt)got;
  return 1;
}

static long read_deflated(zip_member *m, char *buf, size_t cap, char *err, size_t errlen)
{
  int rc;
  uInt room = cap > (1u << 30) ? (1u << 30) : (uInt)cap;
  for (;;) {
    if (!refill(m)) return member_fail(err, errlen, m, "truncated (damaged zip)");
    if (m->z.avail_in == 0) return member_fail(err, errlen, m, "deflate data ends early (damaged zip)");
    m->z.next_out = (unsigned char *)buf;
    m->z.avail_out = room;
    rc = inflate(&m->z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) return member_fail(err, errlen, m, "bad deflate data (damaged zip)");
    if (rc == Z_STREAM_END) {
      m->inflating = 0;
      if (m->z.avail_in != 0 || m->in_left != 0) return member_fail(err, errlen, m, "bytes after its deflate data (damaged zip)");
    }
    if (room - m->z.avail_out > 0) {
      if (m->out + (room - m->z.avail_out) > m->e->usize)
        return member_fail(err, errlen, m, "longer than the directory says (damaged zip)");
      return give(m, buf, room - m->z.avail_out);
    }
    if (rc == Z_STREAM_END) return finish(m, err, errlen);
  }
}

static long member_read(void *ctx, char *buf, size_t cap, char *err, size_t errlen)
{
  zip_member *m = ctx;
  if (m->done) return 0;
  if (m->e->method == 0) return read_stored(m, buf, cap, err, errlen);
  if (!m->inflating) return finish(m, err, errlen);
  return read_deflated(m, buf, cap, err, errlen);
}

static void member_close(void *ctx)
{
  zip_member *m = ctx;
  if (m == NULL) return;
  if (m->inited) inflateEnd(&m->z);
  if (m->fp) fclose(m->fp);
  free(m);
}

/* Checks the member can be read, then places its file at its data. */
static int seek_data(zip_member *m, long cdir, char *err, size_t errlen)
{
  unsigned char h[LOCAL_LEN];
  unsigned long start;
  const zip_entry *e = m->e;
  if (e->flags & 0x41) return member_fail(err, errlen, m, "encrypted members are not supported"), 0;
  if (e->method != 0 && e->method != 8) {
    char what[96];
    snprintf(what, sizeof what, "compression method %u is not supported (only stored and deflated)", e->method);
    return member_fail(err, errlen, m, what), 0;
  }
  if (e->method == 0 && e->csize != e->usize) return member_fail(err, errlen, m, "stored with two sizes (damaged zip)"), 0;
  if (!read_at(m->fp, (long)e->offset, h, LOCAL_LEN) || get32(h) != LOCAL_SIG)
    return member_fail(err, errlen, m, "bad local header (damaged zip)"), 0;
  start = e->offset + LOCAL_LEN + get16(h + 26) + get16(h + 28);
  if (start > (unsigned long)cdir || e->csize > (unsigned long)cdir - start)
    return member_fail(err, errlen, m, "data runs past the central directory (damaged zip)"), 0;
  return fseek(m->fp, (long)start, SEEK_SET) == 0 || (member_fail(err, errlen, m, "cannot seek"), 0);
}

/* Member i, opened and placed at its data, ready for member_read; NULL
 * (the reason in err) when it cannot be read. */
static zip_member *open_member(rc_zip *z, int i, char *err, size_t errlen)
{
  zip_member *m;
  if (i < 0 || i >= z->n) return fail(err, errlen, "no such zip member"), NULL;
  if ((m = calloc(1, sizeof *m)) == NULL) return fail(err, errlen, "out of memory"), NULL;
  m->e = &z->e[i];
  m->zip_path = z->path;
  m->in_left = m->e->csize;
  m->crc = crc32(0L, Z_NULL, 0);
  if ((m->fp = fopen(z->path, "rb")) == NULL || !seek_data(m, z->cdir, err, errlen)) {
    if (m->fp == NULL) fail(err, errlen, "cannot open the zip again");
    member_close(m);
    return NULL;
  }
  if (m->e->method == 8) {
    if (inflateInit2(&m->z, -MAX_WBITS) != Z_OK) {
      member_close(m);
      return fail(err, errlen, "zlib: cannot start inflate"), NULL;
    }
    m->inited = m->inflating = 1;
  }
  return m;
}

rc_reader *rc_zip_reader(rc_zip *z, int i, char *err, size_t errlen)
{
  zip_member *m = open_member(z, i, err, errlen);
  rc_reader_source src;
  if (m == NULL) return NULL;
  src.ctx = m;
  src.read = member_read;
  src.close = member_close;
  return rc_reader_from(&src, err, errlen);
}

/* Writes member i's bytes to the open file out (its CRC-32 and size checked
 * at the end); 0 with the reason in err. */
int rc_zip_extract(rc_zip *z, int i, FILE *out, char *err, size_t errlen)
{
  char buf[65536];
  long n;
  zip_member *m = open_member(z, i, err, errlen);
  if (m == NULL) return 0;
  while ((n = member_read(m, buf, sizeof buf, err, errlen)) > 0)
    if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
      fail(err, errlen, "cannot write the inner zip to a temporary file");
      n = -1;
      break;
    }
  member_close(m);
  return n == 0;
}
