/* ptp_pack.c: the packed PTP rows of a column-1 code (format in
 * ptp_pack.h): reading a pack, which checks every byte (a pack comes from
 * a user's file), and making the packs ptp_pack lacks. */
#include "ptp_pack.h"

#include <stdlib.h>
#include <string.h>

/* ---- reading ---- */

static int get_varint(rc_pack_reader *rd, uint64_t *v)
{
  uint64_t x = 0;
  int shift;
  for (shift = 0; shift < 64 && rd->p < rd->end; shift += 7) {
    unsigned b = *rd->p++;
    x |= (uint64_t)(b & 0x7Fu) << shift;
    if ((b & 0x80u) == 0) {
      *v = x;
      return 1;
    }
  }
  return 0;
}

static int get_signed(rc_pack_reader *rd, sqlite3_int64 *v)
{
  uint64_t z;
  if (!get_varint(rd, &z)) return 0;
  *v = (sqlite3_int64)((z >> 1) ^ (~(z & 1) + 1));
  return 1;
}

int rc_pack_begin(rc_pack_reader *rd, const void *blob, size_t len)
{
  memset(rd, 0, sizeof *rd);
  if (blob == NULL || len < 3) return 0;   /* SQLite gives NULL for an empty blob */
  rd->p = blob;
  rd->end = rd->p + len;
  if (rd->p[0] != 'R' || rd->p[1] != 'P' || rd->p[2] != 1) return 0;
  rd->p += 3;
  if (!get_varint(rd, &rd->shapes) || rd->shapes > (uint64_t)(rd->end - rd->p)) return 0;
  rd->shapes_left = rd->shapes;
  return 1;
}

int rc_pack_next_shape(rc_pack_reader *rd, rc_pack_shape *s)
{
  memset(s, 0, sizeof *s);
  if (rd->shapes_left == 0 || rd->p >= rd->end) return 0;
  rd->shapes_left--;
  s->flags = *rd->p++;
  return s->flags < 16 && get_signed(rd, &s->setting) && get_signed(rd, &s->modifier) &&
         ((s->flags & RC_PACK_FROM_NULL) || get_signed(rd, &s->from)) &&
         ((s->flags & RC_PACK_TO_NULL) || get_signed(rd, &s->to)) &&
         ((s->flags & RC_PACK_RATIONALE_NULL) || get_signed(rd, &s->rationale)) &&
         ((s->flags & RC_PACK_SOURCE_NULL) || get_signed(rd, &s->source));
}

int rc_pack_rows(rc_pack_reader *rd)
{
  if (rd->shapes_left != 0 || !get_varint(rd, &rd->rows) || rd->rows > (uint64_t)(rd->end - rd->p)) return 0;
  rd->rows_left = rd->rows;
  return 1;
}

int rc_pack_next_row(rc_pack_reader *rd, uint64_t *shape)
{
  uint64_t shared, more;
  if (rd->rows_left == 0 || !get_varint(rd, &shared) || !get_varint(rd, &more) ||
      shared > rd->col2_len || more > RC_PACK_COL2_MAX - shared || more > (uint64_t)(rd->end - rd->p))
    return 0;
  memcpy(rd->col2 + shared, rd->p, (size_t)more);
  rd->p += more;
  rd->col2_len = (size_t)(shared + more);
  rd->col2[rd->col2_len] = '\0';
  rd->rows_left--;
  return get_varint(rd, shape) && *shape < rd->shapes;
}

int rc_pack_end(const rc_pack_reader *rd)
{
  return rd->shapes_left == 0 && rd->rows_left == 0 && rd->p == rd->end;
}

/* ---- writing ---- */

typedef struct buf { unsigned char *p; size_t n, cap; int oom; } buf;

static void put_bytes(buf *b, const void *bytes, size_t n)
{
  if (b->oom || n == 0) return;
  if (b->n + n > b->cap) {
    size_t cap = b->cap ? b->cap : 1024;
    unsigned char *p;
    while (cap < b->n + n) cap *= 2;
    if ((p = realloc(b->p, cap)) == NULL) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->n, bytes, n);
  b->n += n;
}

static void put_varint(buf *b, uint64_t v)
{
  unsigned char out[10];
  size_t n = 0;
  while (v >= 0x80u) {
    out[n++] = (unsigned char)(v | 0x80u);
    v >>= 7;
  }
  out[n++] = (unsigned char)v;
  put_bytes(b, out, n);
}

static void put_signed(buf *b, sqlite3_int64 v)
{
  put_varint(b, ((uint64_t)v << 1) ^ (v < 0 ? ~(uint64_t)0 : 0));
}

/* A code's distinct shapes, found by open addressing (slot = index + 1). */
typedef struct shape_set {
  rc_pack_shape *shapes;
  uint32_t n, cap, *slots, nslots;
} shape_set;

static uint32_t shape_hash(const rc_pack_shape *s)
{
  uint64_t h = (uint64_t)s->flags * 0x9E3779B97F4A7C15u;
  h = (h ^ (uint64_t)s->setting) * 0x100000001B3u;
  h = (h ^ (uint64_t)s->modifier) * 0x100000001B3u;
  h = (h ^ (uint64_t)s->from) * 0x100000001B3u;
  h = (h ^ (uint64_t)s->to) * 0x100000001B3u;
  h = (h ^ (uint64_t)s->rationale) * 0x100000001B3u;
  h = (h ^ (uint64_t)s->source) * 0x100000001B3u;
  return (uint32_t)(h ^ (h >> 32));
}

static int same_shape(const rc_pack_shape *a, const rc_pack_shape *b)
{
  return a->flags == b->flags && a->setting == b->setting && a->modifier == b->modifier && a->from == b->from &&
         a->to == b->to && a->rationale == b->rationale && a->source == b->source;
}

static int shapes_grow(shape_set *set)
{
  uint32_t i, nslots = set->nslots ? set->nslots * 2 : 64, cap = nslots / 2;
  uint32_t *slots = calloc(nslots, sizeof *slots);
  rc_pack_shape *shapes = slots ? realloc(set->shapes, cap * sizeof *shapes) : NULL;
  if (shapes == NULL) {
    free(slots);
    return 0;
  }
  set->shapes = shapes;
  set->cap = cap;
  for (i = 0; i < set->n; i++) {
    uint32_t k = shape_hash(&shapes[i]) & (nslots - 1);
    while (slots[k] != 0) k = (k + 1) & (nslots - 1);
    slots[k] = i + 1;
  }
  free(set->slots);
  set->slots = slots;
  set->nslots = nslots;
  return 1;
}

/* The index of shape s in the set, added when new; 0 when out of memory. */
static int shape_index(shape_set *set, const rc_pack_shape *s, uint32_t *index)
{
  uint32_t k;
  if (set->n + 1 > set->cap && !shapes_grow(set)) return 0;
  for (k = shape_hash(s) & (set->nslots - 1); set->slots[k] != 0; k = (k + 1) & (set->nslots - 1))
    if (same_shape(&set->shapes[set->slots[k] - 1], s)) {
      *index = set->slots[k] - 1;
      return 1;
    }
  set->shapes[set->n] = *s;
  set->slots[k] = ++set->n;
  *index = set->n - 1;
  return 1;
}

static void shapes_clear(shape_set *set)
{
  set->n = 0;
  if (set->slots) memset(set->slots, 0, set->nslots * sizeof *set->slots);
}

/* A row of the code being packed. */
typedef struct pack_row {
  char col2[RC_PACK_COL2_MAX + 1];
  rc_pack_shape s;
} pack_row;

/* What packs are made with (reused from code to code). */
typedef struct packer {
  sqlite3_stmt *first, *next, *has, *rows, *put;
  pack_row *row;                 /* the code's rows, in ptp_edit's key order when encoded */
  size_t nrows, caprows;
  int too_long;                  /* a column 2 too long to pack: the code gets no pack */
  shape_set set;
  buf body, out;                 /* the rows; the whole pack */
} packer;

static const char sql_first[] = "SELECT col1 FROM ptp_edit ORDER BY col1 LIMIT 1";
static const char sql_next[] = "SELECT col1 FROM ptp_edit WHERE col1 > ?1 ORDER BY col1 LIMIT 1";
static const char sql_has[] = "SELECT 1 FROM ptp_pack WHERE col1 = ?1";
/* the columns and order the rule loader reads (rules.c) */
static const char sql_rows[] =
  "SELECT col2, setting, valid_from, valid_to, modifier, rationale, source FROM ptp_edit WHERE col1 = ?1";
static const char sql_put[] = "INSERT OR REPLACE INTO ptp_pack (col1, rows) VALUES (?1, ?2)";

static int packer_prepare(packer *pk, sqlite3 *conn)
{
  int rc = sqlite3_prepare_v2(conn, sql_first, -1, &pk->first, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_next, -1, &pk->next, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_has, -1, &pk->has, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_rows, -1, &pk->rows, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_put, -1, &pk->put, NULL);
  return rc;
}

static void packer_free(packer *pk)
{
  sqlite3_finalize(pk->first);
  sqlite3_finalize(pk->next);
  sqlite3_finalize(pk->has);
  sqlite3_finalize(pk->rows);
  sqlite3_finalize(pk->put);
  free(pk->row);
  free(pk->set.shapes);
  free(pk->set.slots);
  free(pk->body.p);
  free(pk->out.p);
}

/* Adds a row to the code's rows; 0 when out of memory. */
static int add_row(packer *pk, const char *col2, const rc_pack_shape *s)
{
  size_t len = col2 ? strlen(col2) : 0;
  pack_row *r;
  if (len > RC_PACK_COL2_MAX) {
    pk->too_long = 1;
    return 1;
  }
  if (pk->nrows == pk->caprows) {
    size_t cap = pk->caprows ? pk->caprows * 2 : 256;
    pack_row *grown = realloc(pk->row, cap * sizeof *grown);
    if (grown == NULL) return 0;
    pk->row = grown;
    pk->caprows = cap;
  }
  r = &pk->row[pk->nrows++];
  memcpy(r->col2, col2 ? col2 : "", len + 1);
  r->s = *s;
  return 1;
}

static void put_shape(buf *b, const rc_pack_shape *s)
{
  unsigned char flags = (unsigned char)s->flags;
  put_bytes(b, &flags, 1);
  put_signed(b, s->setting);
  put_signed(b, s->modifier);
  if (!(s->flags & RC_PACK_FROM_NULL)) put_signed(b, s->from);
  if (!(s->flags & RC_PACK_TO_NULL)) put_signed(b, s->to);
  if (!(s->flags & RC_PACK_RATIONALE_NULL)) put_signed(b, s->rationale);
  if (!(s->flags & RC_PACK_SOURCE_NULL)) put_signed(b, s->source);
}

/* The code's rows (in key order) as a pack in pk->out; 0 when out of
 * memory. */
static int encode(packer *pk)
{
  static const unsigned char head[3] = {'R', 'P', 1};
  const char *prev = "";
  size_t i, prev_len = 0;
  uint32_t k;
  shapes_clear(&pk->set);
  pk->body.n = pk->out.n = 0;
  for (i = 0; i < pk->nrows; i++) {
    const char *col2 = pk->row[i].col2;
    size_t len = strlen(col2), shared = 0;
    uint32_t index;
    if (!shape_index(&pk->set, &pk->row[i].s, &index)) return 0;
    while (shared < len && shared < prev_len && prev[shared] == col2[shared]) shared++;
    put_varint(&pk->body, shared);
    put_varint(&pk->body, len - shared);
    put_bytes(&pk->body, col2 + shared, len - shared);
    put_varint(&pk->body, index);
    prev = col2;
    prev_len = len;
  }
  put_bytes(&pk->out, head, sizeof head);
  put_varint(&pk->out, pk->set.n);
  for (k = 0; k < pk->set.n; k++) put_shape(&pk->out, &pk->set.shapes[k]);
  put_varint(&pk->out, pk->nrows);
  put_bytes(&pk->out, pk->body.p, pk->body.n);
  return !pk->body.oom && !pk->out.oom;
}

/* Encodes the code's rows and stores the pack of the code bound (or not)
 * by bind_code; SQLite's result code. A code with a column 2 too long gets
 * none. */
static int store(packer *pk, sqlite3_value *code, const char *text)
{
  int rc;
  if (pk->too_long) return SQLITE_OK;
  if (!encode(pk)) return SQLITE_NOMEM;
  if (code) sqlite3_bind_value(pk->put, 1, code);
  else sqlite3_bind_text(pk->put, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_blob(pk->put, 2, pk->out.p, (int)pk->out.n, SQLITE_STATIC);
  rc = sqlite3_step(pk->put);
  sqlite3_reset(pk->put);
  sqlite3_clear_bindings(pk->put);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* ---- packs made from ptp_edit ---- */

static void shape_of(sqlite3_stmt *st, rc_pack_shape *s)
{
  memset(s, 0, sizeof *s);
  s->setting = sqlite3_column_int64(st, 1);
  s->modifier = sqlite3_column_int64(st, 4);
  if (sqlite3_column_type(st, 2) == SQLITE_NULL) s->flags |= RC_PACK_FROM_NULL;
  else s->from = sqlite3_column_int64(st, 2);
  if (sqlite3_column_type(st, 3) == SQLITE_NULL) s->flags |= RC_PACK_TO_NULL;
  else s->to = sqlite3_column_int64(st, 3);
  if (sqlite3_column_type(st, 5) == SQLITE_NULL) s->flags |= RC_PACK_RATIONALE_NULL;
  else s->rationale = sqlite3_column_int64(st, 5);
  if (sqlite3_column_type(st, 6) == SQLITE_NULL) s->flags |= RC_PACK_SOURCE_NULL;
  else s->source = sqlite3_column_int64(st, 6);
}

/* Packs one code (its value from ptp_edit) unless it has a pack. */
static int pack_code(packer *pk, sqlite3_value *code)
{
  int rc;
  rc_pack_shape s;
  sqlite3_bind_value(pk->has, 1, code);
  rc = sqlite3_step(pk->has);
  sqlite3_reset(pk->has);
  if (rc == SQLITE_ROW) return SQLITE_OK;
  if (rc != SQLITE_DONE) return rc;
  pk->nrows = 0;
  pk->too_long = 0;
  sqlite3_bind_value(pk->rows, 1, code);
  while ((rc = sqlite3_step(pk->rows)) == SQLITE_ROW) {
    shape_of(pk->rows, &s);
    if (!add_row(pk, (const char *)sqlite3_column_text(pk->rows, 0), &s)) {
      rc = SQLITE_NOMEM;
      break;
    }
  }
  sqlite3_reset(pk->rows);
  return rc == SQLITE_DONE ? store(pk, code, NULL) : rc;
}

/* The column-1 code after prev (the first when prev is NULL), copied;
 * *code NULL after the last. */
static int next_code(packer *pk, sqlite3_value *prev, sqlite3_value **code)
{
  sqlite3_stmt *st = prev ? pk->next : pk->first;
  int rc;
  *code = NULL;
  if (prev) sqlite3_bind_value(st, 1, prev);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW && (*code = sqlite3_value_dup(sqlite3_column_value(st, 0))) == NULL) rc = SQLITE_NOMEM;
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Calls visit(arg, code) for each column-1 code of ptp_edit, in order;
 * stops at the first result that is not SQLITE_OK and returns it. */
static int each_code(packer *pk, int (*visit)(void *, sqlite3_value *), void *arg)
{
  sqlite3_value *code = NULL, *next = NULL;
  int rc = next_code(pk, NULL, &code);
  while (rc == SQLITE_OK && code != NULL) {
    rc = visit(arg, code);
    if (rc == SQLITE_OK) rc = next_code(pk, code, &next);
    sqlite3_value_free(code);
    code = rc == SQLITE_OK ? next : NULL;
  }
  sqlite3_value_free(code);
  return rc;
}

static int visit_pack(void *pk, sqlite3_value *code)
{
  return pack_code(pk, code);
}

int rc_ptp_pack_build(sqlite3 *conn)
{
  packer pk;
  int rc;
  memset(&pk, 0, sizeof pk);
  rc = packer_prepare(&pk, conn);
  if (rc == SQLITE_OK) rc = each_code(&pk, visit_pack, &pk);
  packer_free(&pk);
  return rc;
}

/* ---- packs made from an import's rows ---- */

struct rc_pack_feed {
  packer pk;
  sqlite3_stmt *drop;            /* a code's pack, when the feed cannot make it */
  char **prior;                  /* column-1 codes with rows before the import, sorted */
  size_t nprior, capprior;
  char col1[RC_PACK_COL2_MAX + 1];   /* the code of the current run of rows; "" none */
  int unpackable;                /* ... had rows before, or came out of order: not gathered */
  char last[RC_PACK_COL2_MAX + 1];   /* the greatest code gathered so far */
};

static int add_prior(rc_pack_feed *fd, const char *code)
{
  char *copy;
  if (fd->nprior == fd->capprior) {
    size_t cap = fd->capprior ? fd->capprior * 2 : 64;
    char **grown = realloc(fd->prior, cap * sizeof *grown);
    if (grown == NULL) return 0;
    fd->prior = grown;
    fd->capprior = cap;
  }
  if ((copy = malloc(strlen(code) + 1)) == NULL) return 0;
  strcpy(copy, code);
  fd->prior[fd->nprior++] = copy;
  return 1;
}

/* Notes a text column-1 code ptp_edit holds now (each_code walks the key,
 * so the list comes sorted). */
static int visit_prior(void *fd, sqlite3_value *code)
{
  if (sqlite3_value_type(code) != SQLITE_TEXT) return SQLITE_OK;
  return add_prior(fd, (const char *)sqlite3_value_text(code)) ? SQLITE_OK : SQLITE_NOMEM;
}

static int by_string(const void *a, const void *b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int rc_pack_feed_begin(sqlite3 *conn, rc_pack_feed **feed)
{
  rc_pack_feed *fd = calloc(1, sizeof *fd);
  int rc = fd ? packer_prepare(&fd->pk, conn) : SQLITE_NOMEM;
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, "DELETE FROM ptp_pack WHERE col1 = ?1", -1, &fd->drop, NULL);
  if (rc == SQLITE_OK) rc = each_code(&fd->pk, visit_prior, fd);
  if (rc != SQLITE_OK) {
    rc_pack_feed_free(fd);
    fd = NULL;
  }
  *feed = fd;
  return rc;
}

/* ptp_edit's key order within a code: column 2 (binary), setting, start,
 * dataset. */
static int by_key(const void *a, const void *b)
{
  const pack_row *x = a, *y = b;
  int c = strcmp(x->col2, y->col2);
  if (c != 0) return c;
  if (x->s.setting != y->s.setting) return x->s.setting < y->s.setting ? -1 : 1;
  if (x->s.from != y->s.from) return x->s.from < y->s.from ? -1 : 1;
  if (x->s.source != y->s.source) return x->s.source < y->s.source ? -1 : 1;
  return 0;
}

/* Stores the pack of the code whose rows gathered, unless it had rows
 * before the import (rc_ptp_pack_build packs it from ptp_edit). */
static int flush_code(rc_pack_feed *fd)
{
  int rc = SQLITE_OK;
  if (!fd->unpackable && fd->pk.nrows > 0) {
    qsort(fd->pk.row, fd->pk.nrows, sizeof *fd->pk.row, by_key);
    rc = store(&fd->pk, NULL, fd->col1);
  }
  fd->pk.nrows = 0;
  fd->pk.too_long = 0;
  return rc;
}

/* Drops the pack of a code the feed cannot make (rc_ptp_pack_build makes
 * it from ptp_edit): the triggers that would drop it may be off. */
static int drop_pack(rc_pack_feed *fd, const char *col1)
{
  int rc;
  sqlite3_bind_text(fd->drop, 1, col1, -1, SQLITE_STATIC);
  rc = sqlite3_step(fd->drop);
  sqlite3_reset(fd->drop);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The first row of a run of col1's rows: the last code's pack is stored,
 * and col1's gathered when it is new to ptp_edit and comes after every
 * code so far; otherwise (it had rows before, or it came before: the pack
 * made of its first run lacks these rows) its pack is dropped. */
static int start_code(rc_pack_feed *fd, const char *col1)
{
  const char *key = col1;
  int rc = flush_code(fd), after = strcmp(col1, fd->last) > 0, fits = strlen(col1) <= RC_PACK_COL2_MAX;
  if (rc != SQLITE_OK) return rc;
  fd->unpackable = !fits || !after ||
                   (fd->nprior > 0 && bsearch(&key, fd->prior, fd->nprior, sizeof *fd->prior, by_string) != NULL);
  if (after && fits) strcpy(fd->last, col1);
  if (fits) strcpy(fd->col1, col1);
  else fd->col1[0] = '\0';   /* never met again as a run: each row drops the pack */
  return fd->unpackable ? drop_pack(fd, col1) : SQLITE_OK;
}

int rc_pack_feed_row(rc_pack_feed *fd, const char *col1, const char *col2, const rc_pack_shape *s)
{
  int rc;
  if (fd == NULL) return SQLITE_OK;
  if (strcmp(col1, fd->col1) != 0 && (rc = start_code(fd, col1)) != SQLITE_OK) return rc;
  if (fd->unpackable) return SQLITE_OK;
  return add_row(&fd->pk, col2, s) ? SQLITE_OK : SQLITE_NOMEM;
}

int rc_pack_feed_end(rc_pack_feed *fd)
{
  return fd == NULL ? SQLITE_OK : flush_code(fd);
}

void rc_pack_feed_free(rc_pack_feed *fd)
{
  size_t i;
  if (fd == NULL) return;
  packer_free(&fd->pk);
  sqlite3_finalize(fd->drop);
  for (i = 0; i < fd->nprior; i++) free(fd->prior[i]);
  free(fd->prior);
  free(fd);
}
