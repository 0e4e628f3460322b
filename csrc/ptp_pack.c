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
  rd->p = blob;
  rd->end = rd->p + len;
  if (blob == NULL || len < 3 || rd->p[0] != 'R' || rd->p[1] != 'P' || rd->p[2] != 1) return 0;
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
  if (b->oom) return;
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

/* What one pack is made with (reused from code to code). */
typedef struct packer {
  sqlite3_stmt *first, *next, *has, *rows, *put;
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

/* Appends the current row to the body; 0 when out of memory, -1 when its
 * column 2 is too long to pack. */
static int put_row(packer *pk, char *prev, size_t *prev_len)
{
  const char *col2 = (const char *)sqlite3_column_text(pk->rows, 0);
  size_t len = col2 ? strlen(col2) : 0, shared = 0;
  rc_pack_shape s;
  uint32_t index;
  if (len > RC_PACK_COL2_MAX) return -1;
  shape_of(pk->rows, &s);
  if (!shape_index(&pk->set, &s, &index)) return 0;
  while (shared < len && shared < *prev_len && prev[shared] == col2[shared]) shared++;
  put_varint(&pk->body, shared);
  put_varint(&pk->body, len - shared);
  put_bytes(&pk->body, col2 + shared, len - shared);
  put_varint(&pk->body, index);
  if (len) memcpy(prev, col2, len);
  *prev_len = len;
  return !pk->body.oom;
}

/* The pack of the code bound to pk->rows into pk->out; 1 made, 0 out of
 * memory, -1 no pack for this code, or SQLite's error negated less one. */
static int make_pack(packer *pk)
{
  static const unsigned char head[3] = {'R', 'P', 1};
  char prev[RC_PACK_COL2_MAX + 1];
  size_t prev_len = 0;
  uint64_t nrows = 0;
  uint32_t i;
  int rc, ok = 1;
  shapes_clear(&pk->set);
  pk->body.n = pk->out.n = 0;
  while (ok == 1 && (rc = sqlite3_step(pk->rows)) == SQLITE_ROW) {
    ok = put_row(pk, prev, &prev_len);
    nrows++;
  }
  if (ok == 1 && rc != SQLITE_DONE) ok = -2 - rc;
  sqlite3_reset(pk->rows);
  if (ok != 1) return ok;
  put_bytes(&pk->out, head, sizeof head);
  put_varint(&pk->out, pk->set.n);
  for (i = 0; i < pk->set.n; i++) put_shape(&pk->out, &pk->set.shapes[i]);
  put_varint(&pk->out, nrows);
  put_bytes(&pk->out, pk->body.p, pk->body.n);
  return pk->out.oom ? 0 : 1;
}

/* Packs one code (its value from ptp_edit) unless it has a pack. */
static int pack_code(packer *pk, sqlite3_value *code)
{
  int rc, made;
  sqlite3_bind_value(pk->has, 1, code);
  rc = sqlite3_step(pk->has);
  sqlite3_reset(pk->has);
  if (rc == SQLITE_ROW) return SQLITE_OK;
  if (rc != SQLITE_DONE) return rc;
  sqlite3_bind_value(pk->rows, 1, code);
  made = make_pack(pk);
  if (made == 0) return SQLITE_NOMEM;
  if (made < -1) return -2 - made;
  if (made == -1) return SQLITE_OK;
  sqlite3_bind_value(pk->put, 1, code);
  sqlite3_bind_blob(pk->put, 2, pk->out.p, (int)pk->out.n, SQLITE_STATIC);
  rc = sqlite3_step(pk->put);
  sqlite3_reset(pk->put);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
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

static void packer_free(packer *pk)
{
  sqlite3_finalize(pk->first);
  sqlite3_finalize(pk->next);
  sqlite3_finalize(pk->has);
  sqlite3_finalize(pk->rows);
  sqlite3_finalize(pk->put);
  free(pk->set.shapes);
  free(pk->set.slots);
  free(pk->body.p);
  free(pk->out.p);
}

int rc_ptp_pack_build(sqlite3 *conn)
{
  packer pk;
  sqlite3_value *code = NULL, *next = NULL;
  int rc;
  memset(&pk, 0, sizeof pk);
  rc = sqlite3_prepare_v2(conn, sql_first, -1, &pk.first, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_next, -1, &pk.next, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_has, -1, &pk.has, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_rows, -1, &pk.rows, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(conn, sql_put, -1, &pk.put, NULL);
  if (rc == SQLITE_OK) rc = next_code(&pk, NULL, &code);
  while (rc == SQLITE_OK && code != NULL) {
    rc = pack_code(&pk, code);
    if (rc == SQLITE_OK) rc = next_code(&pk, code, &next);
    sqlite3_value_free(code);
    code = rc == SQLITE_OK ? next : NULL;
  }
  sqlite3_value_free(code);
  packer_free(&pk);
  return rc;
}
