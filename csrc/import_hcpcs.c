/* import_hcpcs.c: the CMS HCPCS Level II annual file (fixed width, 320
 * bytes a record, after a disclaimer preamble) into tables codes and
 * modifiers. Record id (column 11) 3 starts a procedure, 4 continues its
 * long description (columns 12-91, the pieces joined by one space); 7
 * starts a modifier (columns 4-5), 8 continues its description. Short
 * description 92-119, added date 269-276 (else the action effective date
 * 277-284), termination date 285-292 (the last valid date of service). A
 * code radcode does not curate gets a row of family 'other' whose summary
 * is the short description; a curated code keeps its family, summary, dates
 * and source, and gets the long description as its descriptor (and the
 * termination date if it had none). A modifier radcode does not list gets
 * kind 'other', no bypass, any code, and the long description as meaning;
 * a listed one keeps its row (and gets the termination date if it had
 * none). Text that is not UTF-8 is read as Latin-1. */
#include <stdlib.h>
#include <string.h>
#include "importer.h"
#include "reader.h"

#define DESC_LEN 4096

typedef struct item {
  char code[6];
  const char *system;
  char descriptor[DESC_LEN];
  char summary[64];
  char added[9], action[9], term[9];
  long line;
  int modifier;                      /* a modifier (id 7), not a procedure */
  int open;                          /* a procedure is being read */
  int bad;                           /* ... and it was rejected */
} item;

typedef struct hcpcs_state {
  sqlite3_stmt *upsert, *upsert_modifier;
  rc_reader *reader;
  int started;                       /* past the preamble */
  item it;
} hcpcs_state;

static const char sql_upsert[] =
  "INSERT INTO codes (code, system, family, summary, descriptor, effective, terminated, source)"
  " VALUES (?1, ?2, 'other', ?3, ?4, ?5, ?6, ?7)"
  " ON CONFLICT (code) DO UPDATE SET descriptor = excluded.descriptor,"
  " summary = CASE WHEN codes.family = 'other' THEN excluded.summary ELSE codes.summary END,"
  " effective = CASE WHEN codes.family = 'other' THEN excluded.effective ELSE codes.effective END,"
  " terminated = CASE WHEN codes.family = 'other' THEN excluded.terminated"
  "   ELSE coalesce(codes.terminated, excluded.terminated) END,"
  " source = CASE WHEN codes.family = 'other' THEN excluded.source ELSE codes.source END";

static const char sql_modifier[] =
  "INSERT INTO modifiers (modifier, kind, bypass, applies_to, terminated, meaning, source)"
  " VALUES (?1, 'other', 0, '*', ?2, ?3, ?4)"
  " ON CONFLICT (modifier) DO UPDATE SET terminated = coalesce(modifiers.terminated, excluded.terminated)";

/* Copies columns [from, to] (1-based, inclusive) of a record, trimmed. */
static void field(const char *line, size_t len, size_t from, size_t to, char *out, size_t cap)
{
  size_t n = 0;
  char *trimmed;
  if (from <= len) {
    n = (to <= len ? to : len) - from + 1;
    if (n >= cap) n = cap - 1;
    memcpy(out, line + from - 1, n);
  }
  out[n] = '\0';
  trimmed = rc_import_trim(out);
  memmove(out, trimmed, strlen(trimmed) + 1);
}

static int is_record(const char *line, size_t len)
{
  return len >= 11 && strspn(line + 5, "0123456789") >= 5 && strchr("3478", line[10]) && line[10];
}

static int utf8_tail(const unsigned char *s, int n)
{
  int i;
  for (i = 1; i <= n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  return 1;
}

static int is_utf8(const unsigned char *s)
{
  for (; *s; s++) {
    int n = *s < 0x80 ? 0 : (*s & 0xE0) == 0xC0 ? 1 : (*s & 0xF0) == 0xE0 ? 2 : (*s & 0xF8) == 0xF0 ? 3 : -1;
    if (n < 0 || !utf8_tail(s, n)) return 0;
    s += n;
  }
  return 1;
}

/* Re-encodes Latin-1 text as UTF-8 in place (cap bytes available). */
static void latin1_to_utf8(char *s, size_t cap)
{
  char tmp[DESC_LEN * 2];
  size_t i, n = 0;
  for (i = 0; s[i] && n + 2 < sizeof tmp; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) tmp[n++] = (char)c;
    else { tmp[n++] = (char)(0xC0 | (c >> 6)); tmp[n++] = (char)(0x80 | (c & 0x3F)); }
  }
  tmp[n < cap ? n : cap - 1] = '\0';
  memcpy(s, tmp, strlen(tmp) + 1);
}

static void as_utf8(char *s, size_t cap)
{
  if (!is_utf8((const unsigned char *)s)) latin1_to_utf8(s, cap);
}

/* Adds a piece of long description, joined by one space. */
static void append(item *it, const char *line, size_t len)
{
  char piece[96];
  size_t n = strlen(it->descriptor);
  field(line, len, 12, 91, piece, sizeof piece);
  if (piece[0] == '\0') return;
  if (n > 0 && n + 1 < DESC_LEN) it->descriptor[n++] = ' ';
  it->descriptor[n] = '\0';
  strncat(it->descriptor, piece, DESC_LEN - n - 1);
}

/* Writes the modifier read so far. */
static rc_row_result store_modifier(rc_import_job *job, hcpcs_state *s)
{
  item *it = &s->it;
  char term[RC_DATE_LEN + 1] = "";
  sqlite3_stmt *st = s->upsert_modifier;
  if (it->term[0] && !rc_import_date8(it->term, term))
    return rc_import_reject(job, it->line, "modifier %s: bad termination date '%s'", it->code, it->term);
  if (it->descriptor[0] == '\0') return rc_import_reject(job, it->line, "modifier %s has no description", it->code);
  as_utf8(it->descriptor, sizeof it->descriptor);
  sqlite3_bind_text(st, 1, it->code, -1, SQLITE_STATIC);
  rc_import_bind_text(st, 2, term);
  sqlite3_bind_text(st, 3, it->descriptor, -1, SQLITE_STATIC);
  return rc_import_step(job, st, it->line);
}

/* Writes the procedure read so far. */
static rc_row_result store(rc_import_job *job, hcpcs_state *s)
{
  item *it = &s->it;
  char added[RC_DATE_LEN + 1], term[RC_DATE_LEN + 1] = "";
  sqlite3_stmt *st = s->upsert;
  if (it->modifier) return store_modifier(job, s);
  if (!rc_import_date8(it->added, added) && !rc_import_date8(it->action, added))
    return rc_import_reject(job, it->line, "%s: bad added date '%s'", it->code, it->added);
  if (it->term[0] && !rc_import_date8(it->term, term))
    return rc_import_reject(job, it->line, "%s: bad termination date '%s'", it->code, it->term);
  as_utf8(it->descriptor, sizeof it->descriptor);
  as_utf8(it->summary, sizeof it->summary);
  sqlite3_bind_text(st, 1, it->code, 5, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, it->system, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, it->summary[0] ? it->summary : it->descriptor, -1, SQLITE_STATIC);
  rc_import_bind_text(st, 4, it->descriptor);
  sqlite3_bind_text(st, 5, added, -1, SQLITE_STATIC);
  rc_import_bind_text(st, 6, term);
  return rc_import_step(job, st, it->line);
}

/* Ends the open procedure, if any: counted when it was started. */
static int flush(rc_import_job *job, hcpcs_state *s)
{
  rc_row_result r;
  if (!s->it.open) return 1;
  s->it.open = 0;
  if (s->it.bad) return 1;
  if ((r = store(job, s)) == RC_ROW_FATAL) return 0;
  rc_import_count(job, r);
  return 1;
}

/* Starts a procedure from its first record (id 3). */
static void start(rc_import_job *job, hcpcs_state *s, const char *line, size_t len, long no)
{
  item *it = &s->it;
  char raw[8];
  memset(it, 0, sizeof *it);
  it->open = 1;
  it->line = no;
  field(line, len, 1, 5, raw, sizeof raw);
  if (!rc_import_code(raw, it->code, &it->system)) {
    it->bad = 1;
    rc_import_count(job, rc_import_reject(job, no, "malformed code '%s'", raw));
    return;
  }
  append(it, line, len);
  field(line, len, 92, 119, it->summary, sizeof it->summary);
  field(line, len, 269, 276, it->added, sizeof it->added);
  field(line, len, 277, 284, it->action, sizeof it->action);
  field(line, len, 285, 292, it->term, sizeof it->term);
}

/* A modifier: two letters or digits, upper case. */
static int is_modifier(const char *m)
{
  int i;
  for (i = 0; i < 2; i++)
    if (!((m[i] >= 'A' && m[i] <= 'Z') || (m[i] >= '0' && m[i] <= '9'))) return 0;
  return m[2] == '\0';
}

/* Starts a modifier from its first record (id 7). */
static void start_modifier(rc_import_job *job, hcpcs_state *s, const char *line, size_t len, long no)
{
  item *it = &s->it;
  memset(it, 0, sizeof *it);
  it->open = it->modifier = 1;
  it->line = no;
  field(line, len, 1, 5, it->code, sizeof it->code);
  if (!is_modifier(it->code)) {
    it->bad = 1;
    rc_import_count(job, rc_import_reject(job, no, "malformed modifier '%s'", it->code));
    return;
  }
  append(it, line, len);
  field(line, len, 285, 292, it->term, sizeof it->term);
}

/* Is the continuation record (id 4 or 8) about the open item? */
static int continues(const hcpcs_state *s, const char *line, size_t len)
{
  char raw[8], code[6];
  field(line, len, 1, 5, raw, sizeof raw);
  if (s->it.modifier != (line[10] == '8')) return 0;
  if (s->it.modifier) return strcmp(raw, s->it.code) == 0;
  return rc_import_code(raw, code, NULL) && strcmp(code, s->it.code) == 0;
}

/* Continues the open procedure (id 4) or modifier (id 8) if the code is the same. */
static void proceed(rc_import_job *job, hcpcs_state *s, const char *line, size_t len, long no)
{
  char raw[8];
  field(line, len, 1, 5, raw, sizeof raw);
  if (!s->it.open || (!s->it.bad && !continues(s, line, len)))
    rc_import_count(job, rc_import_reject(job, no, "continuation of '%s' without its first record", raw));
  else if (!s->it.bad)
    append(&s->it, line, len);
}

/* One line of the file. Returns 0 on a fatal error. */
static int take_line(rc_import_job *job, hcpcs_state *s, const char *line, size_t len, long no)
{
  const char *bad = rc_reader_bad(s->reader);
  if (bad != NULL) {
    rc_import_count(job, rc_import_reject(job, no, "%s", bad));
    return 1;
  }
  if (!s->started && !(s->started = is_record(line, len))) return 1;
  if (line[strspn(line, " \t\x1a")] == '\0') return 1;
  if (is_record(line, len) && (line[10] == '4' || line[10] == '8')) {
    proceed(job, s, line, len, no);
    return 1;
  }
  if (!flush(job, s)) return 0;
  if (!is_record(line, len)) rc_import_count(job, rc_import_reject(job, no, "not a HCPCS record"));
  else if (line[10] == '3') start(job, s, line, len, no);
  else if (line[10] == '7') start_modifier(job, s, line, len, no);
  return 1;
}

static int load_file(rc_import_job *job, hcpcs_state *s, const char *path)
{
  char *line;
  size_t len;
  int got, ok = 1;
  job->path = path;
  s->started = 0;
  s->it.open = 0;
  if ((s->reader = rc_reader_open(path, job->err, sizeof job->err)) == NULL) return 0;
  while (ok && (got = rc_reader_line(s->reader, &line, &len)) > 0)
    ok = take_line(job, s, line, len, rc_reader_lineno(s->reader));
  if (ok && got < 0) ok = rc_import_fail(job, "%s: %s", path, rc_reader_error(s->reader));
  if (ok && !s->started) ok = rc_import_fail(job, "%s: no HCPCS records (320-byte fixed-width lines)", path);
  ok = ok && flush(job, s);
  rc_reader_close(s->reader);
  return ok;
}

int rc_import_hcpcs(rc_import_job *job)
{
  hcpcs_state *s = calloc(1, sizeof *s);
  int i, ok;
  if (s == NULL) return rc_import_fail(job, "out of memory");
  ok = rc_import_exec(job, "DELETE FROM codes WHERE source = ?1", NULL) &&
       rc_import_prepare(job, sql_upsert, &s->upsert) && rc_import_prepare(job, sql_modifier, &s->upsert_modifier);
  if (ok) sqlite3_bind_text(s->upsert, 7, job->name, -1, SQLITE_STATIC);
  if (ok) sqlite3_bind_text(s->upsert_modifier, 4, job->name, -1, SQLITE_STATIC);
  for (i = 0; ok && i < job->npaths; i++) ok = load_file(job, s, job->paths[i]);
  sqlite3_finalize(s->upsert);
  sqlite3_finalize(s->upsert_modifier);
  free(s);
  job->codes_changed = 1;
  return ok;
}
