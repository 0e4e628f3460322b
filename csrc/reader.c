/* reader.c: a fast line reader over plain or gzip-compressed files, or a
 * byte source (rc_reader_from: a zip member). For a file the first two
 * bytes decide: 1f 8b (the gzip magic) is read through zlib, anything else
 * as it is. Lines come back without their line end (LF, CRLF or a CR
 * alone, as old Mac files end them), NUL-terminated, in the reader's own
 * buffer: valid until the next call, and writable (callers split them in
 * place). The buffer never grows past RC_READER_MAX_LINE: a longer line
 * (a gzip bomb of one endless line, say) is read through to its end and
 * given as an empty line that rc_reader_bad names, and so is a line
 * holding a zero byte (C would see only its start). */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define CHUNK (1u << 18)

struct rc_reader {
  FILE *fp;           /* plain file, or NULL */
  gzFile gz;          /* gzip file, or NULL */
  rc_reader_source src;  /* a source, when src.read is set */
  char *buf;
  size_t cap, start, scan, end;
  int eof;
  int skipping;       /* in a line longer than the cap: bytes are dropped */
  const char *bad;    /* why the last line came back empty, or NULL */
  long lineno;
  char err[256];
};

static int is_gzip(FILE *fp)
{
  unsigned char magic[2];
  size_t n = fread(magic, 1, 2, fp);
  rewind(fp);
  return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

static int open_stream(rc_reader *r, const char *path)
{
  r->fp = fopen(path, "rb");
  if (r->fp == NULL || !is_gzip(r->fp)) return r->fp != NULL;
  fclose(r->fp);
  r->fp = NULL;
  r->gz = gzopen(path, "rb");
  if (r->gz != NULL) gzbuffer(r->gz, CHUNK);
  return r->gz != NULL;
}

static rc_reader *new_reader(char *err, size_t errlen)
{
  rc_reader *r = calloc(1, sizeof *r);
  if (r == NULL || (r->buf = malloc(CHUNK)) == NULL) {
    snprintf(err, errlen, "out of memory");
    free(r);
    return NULL;
  }
  r->cap = CHUNK;
  return r;
}

rc_reader *rc_reader_from(const rc_reader_source *src, char *err, size_t errlen)
{
  rc_reader *r = new_reader(err, errlen);
  if (r == NULL) {
    src->close(src->ctx);
    return NULL;
  }
  r->src = *src;
  return r;
}

/* Opens a file for reading; NULL (with the reason in err) when it cannot. */
rc_reader *rc_reader_open(const char *path, char *err, size_t errlen)
{
  rc_reader *r = new_reader(err, errlen);
  if (r == NULL) return NULL;
  if (!open_stream(r, path)) {
    snprintf(err, errlen, "cannot open '%s'", path);
    rc_reader_close(r);
    return NULL;
  }
  return r;
}

/* Checks that a gzip stream ended cleanly (a truncated file is an error). */
static int check_end(rc_reader *r)
{
  int code = Z_OK;
  const char *msg = r->gz ? gzerror(r->gz, &code) : NULL;
  if (code == Z_OK || code == Z_STREAM_END) return 1;
  snprintf(r->err, sizeof r->err, "gzip data error: %s", msg);
  return 0;
}

/* Appends what the stream gives to the buffer; r->eof when it gives none. */
static int read_more(rc_reader *r)
{
  size_t room = r->cap - r->end - 1;
  size_t n;
  if (r->src.read) {
    long got = r->src.read(r->src.ctx, r->buf + r->end, room, r->err, sizeof r->err);
    if (got < 0) return r->err[0] ? 0 : (snprintf(r->err, sizeof r->err, "read error"), 0);
    n = (size_t)got;
  } else if (r->gz) {
    int got = gzread(r->gz, r->buf + r->end, (unsigned)room);
    if (got < 0) return check_end(r) ? (snprintf(r->err, sizeof r->err, "read error"), 0) : 0;
    n = (size_t)got;
  } else {
    n = fread(r->buf + r->end, 1, room, r->fp);
    if (n == 0 && ferror(r->fp)) return snprintf(r->err, sizeof r->err, "read error"), 0;
  }
  r->end += n;
  r->eof = n == 0;
  return 1;
}

/* Drops the bytes of a line longer than the cap (all but a last CR, which
 * may be half of a CRLF); the rest of it is dropped as it comes. */
static void drop_long_line(rc_reader *r)
{
  int cr = r->end > 0 && r->buf[r->end - 1] == '\r';
  r->skipping = 1;
  if (cr) r->buf[0] = '\r';
  r->start = r->scan = 0;
  r->end = (size_t)cr;
}

/* Reads more bytes after the unread ones, growing the buffer when a line
 * fills it, up to the cap. Returns 0 on a read error (message in r->err). */
static int fill(rc_reader *r)
{
  if (r->start > 0) {
    memmove(r->buf, r->buf + r->start, r->end - r->start);
    r->end -= r->start;
    r->scan -= r->start;
    r->start = 0;
  }
  if (r->end > (size_t)RC_READER_MAX_LINE) drop_long_line(r);
  if (r->end + 1 >= r->cap) {
    char *bigger = realloc(r->buf, r->cap * 2);
    if (bigger == NULL) return snprintf(r->err, sizeof r->err, "out of memory"), 0;
    r->buf = bigger;
    r->cap *= 2;
  }
  return read_more(r);
}

static void take(rc_reader *r, size_t stop, size_t next, char **line, size_t *len)
{
  size_t n = stop - r->start;
  char *s = r->buf + r->start;
  s[n] = '\0';
  r->bad = NULL;
  if (r->skipping || n > (size_t)RC_READER_MAX_LINE) r->bad = "the line is longer than " RC_READER_MAX_LINE_TEXT;
  else if (strlen(s) != n) r->bad = "the line holds a zero byte";
  if (r->bad != NULL) s[n = 0] = '\0';
  r->skipping = 0;
  *line = s;
  *len = n;
  r->start = r->scan = next;
  r->lineno++;
}

/* The first line end (LF, CR or CRLF) at or after r->scan: 1 with where
 * the line stops and the next one starts; 0 when more bytes are needed (a
 * CR last in the buffer may be the first half of a CRLF). */
static int line_end(rc_reader *r, size_t *stop, size_t *next)
{
  char *from = r->buf + r->scan, *nl = memchr(from, '\n', r->end - r->scan);
  char *cr = memchr(from, '\r', (size_t)((nl ? nl : r->buf + r->end) - from));
  if (cr == NULL && nl == NULL) return 0;
  if (cr == NULL) {
    *stop = (size_t)(nl - r->buf);
    *next = *stop + 1;
    return 1;
  }
  *stop = (size_t)(cr - r->buf);
  if (*stop + 1 == r->end && !r->eof) return 0;
  *next = *stop + 1 + (*stop + 1 < r->end && r->buf[*stop + 1] == '\n');
  return 1;
}

/* The next line: 1, or 0 at the end of the file, or -1 on a read error. */
int rc_reader_line(rc_reader *r, char **line, size_t *len)
{
  size_t stop, next;
  for (;;) {
    if (line_end(r, &stop, &next)) {
      take(r, stop, next, line, len);
      return 1;
    }
    if (r->end > r->scan && r->buf[r->end - 1] == '\r') r->scan = r->end - 1;
    else r->scan = r->end;
    if (r->eof) {
      if (!check_end(r)) return -1;
      if (r->start == r->end && !r->skipping) return 0;
      take(r, r->end, r->end, line, len);
      return 1;
    }
    if (!fill(r)) return -1;
  }
}

/* Why the line last returned came back empty (too long, a zero byte), or
 * NULL when it is the file's line. */
const char *rc_reader_bad(const rc_reader *r)
{
  return r->bad;
}

/* The number of the line last returned (1 for the first). */
long rc_reader_lineno(const rc_reader *r)
{
  return r->lineno;
}

const char *rc_reader_error(const rc_reader *r)
{
  return r->err[0] ? r->err : "read error";
}

void rc_reader_close(rc_reader *r)
{
  if (r == NULL) return;
  if (r->fp) fclose(r->fp);
  if (r->gz) gzclose(r->gz);
  if (r->src.close) r->src.close(r->src.ctx);
  free(r->buf);
  free(r);
}
