/* import_ncci.c: NCCI procedure-to-procedure edits into table ptp, for one
 * setting. Reads the CMS tab-delimited part files (preamble, then `Column 1`,
 * `Column 2`, `*=in existence prior to 1996`, `Effective Date`, `Deletion
 * Date *=no data`, `Modifier ...`, `PTP Edit Rationale`) and CSV copies with
 * columns column_1, column_2, prior_1996, deletion_date, modifier, rationale.
 * Dates: valid_from is the effective date; CMS's deletion date is the last
 * day the edit applied (deletions fall on a quarter's last day, 20191231,
 * and the next version starts the day after), so valid_to is the deletion
 * date (NULL when it is `*`). A file without effective dates gets them
 * inferred per pair: its rows of one pair, in deletion order, follow each
 * other (each starts the day after the deletion date of the one before),
 * the first starting on opts.from (default 2015-01-01), or on its own last
 * day when it was deleted before then (it never applies to the dates
 * radcode covers); indicator 9 rows (deleted retroactively, never applied)
 * are skipped and counted in rows_skipped, so they date none of the pair's
 * other rows (tools/extract_ptp.lua follows the same rules); two rows of
 * one pair with the same deletion date are duplicates. Such files must list
 * a pair's rows together, as CMS's files do. Rows go straight into the compact table
 * ptp_edit, dates as day numbers, their rationale and the dataset name as ids into ptp_text
 * (a file has about ten rationales, kept in a small cache).
 * Speed (the national file has 2.5 million rows): a row whose key (col1,
 * col2, valid_from) comes after every key this import has inserted cannot
 * collide with one of them (the import's dataset has no other rows), so such
 * rows, all of them in a file sorted by pair as CMS's are, go in BATCH at a
 * time through one multi-row INSERT; any other row goes alone through the
 * INSERT that makes a collision a reject. Should SQLite refuse a row of a
 * batch anyway (its OR FAIL keeps the rows before it), that row and the
 * rest go alone; so do all rows when ptp_edit has a trigger that could skip
 * a row unseen (any but an AFTER trigger). The codes of the rows kept are
 * marked in a bitmap and named (rc_import_name_list) in code order at the
 * end, as a UNION over ptp_edit would give them. Every row stored goes to
 * a pack feed (ptp_pack.h), which packs the codes new to ptp_edit from the
 * rows themselves and drops the packs of the others, once a code (import.c
 * packs those from ptp_edit after). When the only triggers on the tables
 * the load writes are the schema's (each drops the ptp_pack row of a
 * changed row's column 1 code: a trigger program a row, as dear as the
 * row), triggers are off while the rows load: the feed does their work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "import_table.h"
#include "ptp_pack.h"
#include "utf8.h"

#define GROUP_MAX 16
#define RATIONALE_LEN 200
#define TEXT_CACHE 32
#define BATCH 64                      /* rows of one multi-row INSERT */
#define BATCH_COLUMNS 6               /* parameters a row of it binds */
#define FIRST_DAY (-25567L)           /* 1900-01-01: the dates rc_date_parse takes */
#define LAST_DAY 2932896L             /* 9999-12-31 */
#define CODE_SPACE (36L * 36 * 36 * 36 * 36)   /* codes of five 0-9 A-Z */

enum { C1, C2, PRIOR, EFFECTIVE, DELETION, MODIFIER, RATIONALE, NCOLUMNS };

typedef struct ptp_row {
  char col1[6], col2[6];
  long effective;                    /* day number (files with effective dates) */
  long deletion;                     /* day number, when deleted */
  int deleted;                       /* 0 while in force */
  int modifier;
  char rationale[RATIONALE_LEN];
  long line;
} ptp_row;

/* A row as ptp_edit stores it (setting and source are the job's). */
typedef struct ptp_edit {
  char col1[5], col2[5];
  long from, to;                     /* day numbers; to < FIRST_DAY: NULL */
  int modifier;
  sqlite3_int64 rationale;           /* 0: NULL */
  long line;
} ptp_edit;

typedef struct text_id {
  char text[RATIONALE_LEN];
  sqlite3_int64 id;
} text_id;

typedef struct ncci_state {
  sqlite3_stmt *insert, *batch;      /* one row (collisions rejected), BATCH rows */
  sqlite3_stmt *add_text, *find_text;  /* into and from ptp_text */
  text_id texts[TEXT_CACHE];
  int ntexts, last_text;
  int dated;                         /* the file has effective dates */
  long from;                         /* opts.from as a day number */
  int n;
  ptp_row group[GROUP_MAX + 1];      /* rows of one pair, when not dated */
  ptp_edit pending[BATCH];           /* rows waiting for the batch INSERT */
  int npending;
  ptp_edit last;                     /* the greatest key inserted so far */
  int have_last;
  unsigned char *named;              /* bitmap of the codes of the rows kept */
  long *marked;                      /* ... and their list, in the order first seen */
  size_t nmarked, capmarked;
  int marked_oom;                    /* the list could not grow */
  int own_triggers;                  /* triggers are off while the rows load */
  rc_pack_feed *feed;                /* packs the codes new to ptp_edit from the rows stored */
  int setting;                       /* 1 practitioner, 2 hospital */
  sqlite3_int64 source;              /* the dataset's ptp_text id */
  int feed_rc;                       /* the feed's first error (SQLite's code) */
  char memo_text[RC_DATE_LEN + 1];   /* the last date read (never "") and its day */
  long memo_day;
} ncci_state;

static const char *const n_c1[] = {"column 1", "column_1", "column1", NULL};
static const char *const n_c2[] = {"column 2", "column_2", "column2", NULL};
static const char *const n_prior[] = {"prior_1996", "~prior to 1996", NULL};
static const char *const n_eff[] = {"effective_date", "~effective", NULL};
static const char *const n_del[] = {"deletion_date", "~deletion", NULL};
static const char *const n_mod[] = {"modifier", "~modifier", NULL};
static const char *const n_rat[] = {"rationale", "~rationale", NULL};

static const rc_table_column columns[NCOLUMNS] = {
  {n_c1, 1}, {n_c2, 1}, {n_prior, 0}, {n_eff, 0}, {n_del, 1}, {n_mod, 1}, {n_rat, 0}
};

static const char sql_insert[] =
  "INSERT OR IGNORE INTO ptp_edit (col1, col2, setting, valid_from, valid_to, modifier, rationale, source)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
  " ON CONFLICT (col1, col2, setting, valid_from, source) DO NOTHING";   /* versions side by side */

/* The id of a text in ptp_text, added when new; 0 on a database error. */
static sqlite3_int64 stored_text_id(ncci_state *s, const char *text)
{
  sqlite3_int64 id = 0;
  sqlite3_bind_text(s->add_text, 1, text, -1, SQLITE_STATIC);
  sqlite3_bind_text(s->find_text, 1, text, -1, SQLITE_STATIC);
  if (sqlite3_step(s->add_text) == SQLITE_DONE && sqlite3_step(s->find_text) == SQLITE_ROW)
    id = sqlite3_column_int64(s->find_text, 0);
  sqlite3_reset(s->add_text);
  sqlite3_reset(s->find_text);
  return id;
}

/* The id of a text, from the cache when it has it (the last one found
 * first: rows of one rationale come in runs). */
static sqlite3_int64 text_id_of(ncci_state *s, const char *text)
{
  sqlite3_int64 id;
  int i;
  if (s->ntexts > 0 && strcmp(s->texts[s->last_text].text, text) == 0) return s->texts[s->last_text].id;
  for (i = 0; i < s->ntexts; i++)
    if (strcmp(s->texts[i].text, text) == 0) return s->texts[s->last_text = i].id;
  id = stored_text_id(s, text);
  if (id != 0 && s->ntexts < TEXT_CACHE && strlen(text) < RATIONALE_LEN) {
    strcpy(s->texts[s->ntexts].text, text);
    s->texts[s->ntexts++].id = id;
  }
  return id;
}

/* Binds a day number, or NULL for one outside the dates radcode reads
 * (the day after 9999-12-31; "no deletion date"). */
static void bind_day(sqlite3_stmt *st, int i, long day)
{
  if (day < FIRST_DAY || day > LAST_DAY) sqlite3_bind_null(st, i);
  else sqlite3_bind_int64(st, i, day);
}

static long code_index(const char code[5])
{
  long i = 0;
  int k;
  for (k = 0; k < 5; k++) i = i * 36 + (code[k] <= '9' ? code[k] - '0' : code[k] - 'A' + 10);
  return i;
}

/* A stored row to the pack feed, with the values ptp_edit holds. */
static void feed_row(ncci_state *s, const ptp_edit *e)
{
  char col1[6], col2[6];
  rc_pack_shape shape;
  memset(&shape, 0, sizeof shape);
  memcpy(col1, e->col1, 5);
  memcpy(col2, e->col2, 5);
  col1[5] = col2[5] = '\0';
  shape.setting = s->setting;
  shape.modifier = e->modifier;
  shape.from = e->from;
  if (e->to < FIRST_DAY || e->to > LAST_DAY) shape.flags |= RC_PACK_TO_NULL;   /* as bind_day stores it */
  else shape.to = e->to;
  if (e->rationale == 0) shape.flags |= RC_PACK_RATIONALE_NULL;
  else shape.rationale = e->rationale;
  shape.source = s->source;
  if (s->feed_rc == SQLITE_OK) s->feed_rc = rc_pack_feed_row(s->feed, col1, col2, &shape);
}

/* Marks a code (its index) named; a code marked for the first time joins
 * the list (the bitmap is never scanned: it spans 60 million codes). */
static void mark_code(ncci_state *s, long i)
{
  unsigned char bit = (unsigned char)(1u << (i & 7));
  if (s->named[i >> 3] & bit) return;
  if (s->nmarked == s->capmarked) {
    size_t cap = s->capmarked ? s->capmarked * 2 : 1024;
    long *grown = realloc(s->marked, cap * sizeof *grown);
    if (grown == NULL) {
      s->marked_oom = 1;
      return;
    }
    s->marked = grown;
    s->capmarked = cap;
  }
  s->named[i >> 3] |= bit;
  s->marked[s->nmarked++] = i;
}

/* A row was stored: its codes are named, its column 1 code packed. */
static void mark_named(ncci_state *s, const ptp_edit *e)
{
  long a = code_index(e->col1), b = code_index(e->col2);
  mark_code(s, a);
  mark_code(s, b);
  feed_row(s, e);
}

/* Inserts one row through the statement that rejects a collision. */
static rc_row_result insert_one(rc_import_job *job, ncci_state *s, const ptp_edit *e)
{
  sqlite3_stmt *st = s->insert;
  rc_row_result r;
  sqlite3_bind_text(st, 1, e->col1, 5, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, e->col2, 5, SQLITE_STATIC);
  bind_day(st, 4, e->from);
  bind_day(st, 5, e->to);
  sqlite3_bind_int(st, 6, e->modifier);
  if (e->rationale == 0) sqlite3_bind_null(st, 7);
  else sqlite3_bind_int64(st, 7, e->rationale);
  r = rc_import_step(job, st, e->line);
  if (r == RC_ROW_KEPT) mark_named(s, e);
  return r;
}

/* Counts pending rows [from, to) as kept (the batch stored them). */
static void kept(rc_import_job *job, ncci_state *s, int from, int to)
{
  int i;
  for (i = from; i < to; i++) {
    mark_named(s, &s->pending[i]);
    rc_import_count(job, RC_ROW_KEPT);
  }
}

/* Inserts pending rows from the first one at a time (a short batch, or
 * what follows the row SQLite refused in one) and counts them. 0 on a
 * fatal error. */
static int one_by_one(rc_import_job *job, ncci_state *s, int first)
{
  int i;
  for (i = first; i < s->npending; i++) {
    rc_row_result r = insert_one(job, s, &s->pending[i]);
    if (r == RC_ROW_FATAL) return 0;
    rc_import_count(job, r);
  }
  return 1;
}

static void bind_batch(ncci_state *s)
{
  sqlite3_stmt *st = s->batch;
  int i;
  for (i = 0; i < BATCH; i++) {
    const ptp_edit *e = &s->pending[i];
    int p = i * BATCH_COLUMNS;
    sqlite3_bind_text(st, p + 1, e->col1, 5, SQLITE_STATIC);
    sqlite3_bind_text(st, p + 2, e->col2, 5, SQLITE_STATIC);
    sqlite3_bind_int64(st, p + 3, e->from);
    bind_day(st, p + 4, e->to);
    sqlite3_bind_int(st, p + 5, e->modifier);
    if (e->rationale == 0) sqlite3_bind_null(st, p + 6);
    else sqlite3_bind_int64(st, p + 6, e->rationale);
  }
}

/* Inserts the pending rows and counts them: a full batch with one
 * statement, fewer (or all, when a trigger could skip a row unseen) one
 * by one. The batch's OR FAIL keeps the rows before one
 * that breaks a constraint (sqlite3_changes counts them); that row and the
 * rest then go one by one, so it is rejected as it would have been alone.
 * 0 on a fatal error. */
static int land(rc_import_job *job, ncci_state *s)
{
  int rc, done, ok = 1;
  if (s->npending < BATCH || s->batch == NULL) {
    ok = one_by_one(job, s, 0);
  } else {
    bind_batch(s);
    rc = sqlite3_step(s->batch);
    done = rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT ? sqlite3_changes(job->conn) : 0;
    if (rc != SQLITE_CONSTRAINT && (rc != SQLITE_DONE || done != BATCH))
      ok = rc_import_db_fail(job, rc == SQLITE_DONE ? "inserting rows (some were not stored)" : "inserting rows");
    sqlite3_reset(s->batch);
    if (ok) kept(job, s, 0, done);
    if (ok && rc == SQLITE_CONSTRAINT) ok = one_by_one(job, s, done);
  }
  s->npending = 0;
  return ok;
}

/* Does e's key come after every key inserted so far? */
static int after_last(const ncci_state *s, const ptp_edit *e)
{
  int c;
  if (!s->have_last) return 1;
  if ((c = memcmp(e->col1, s->last.col1, 5)) != 0) return c > 0;
  if ((c = memcmp(e->col2, s->last.col2, 5)) != 0) return c > 0;
  return e->from > s->last.from;
}

/* Inserts a row now or with the next batch (then counted when it lands). */
static rc_row_result insert(rc_import_job *job, ncci_state *s, const ptp_row *r, long from)
{
  ptp_edit e;
  memcpy(e.col1, r->col1, 5);
  memcpy(e.col2, r->col2, 5);
  e.from = from;
  e.to = r->deleted ? r->deletion : FIRST_DAY - 1;
  e.modifier = r->modifier;
  e.line = r->line;
  e.rationale = 0;
  if (r->rationale[0] != '\0' && (e.rationale = text_id_of(s, r->rationale)) == 0)
    return (rc_import_db_fail(job, "storing a rationale"), RC_ROW_FATAL);
  if (from < FIRST_DAY || from > LAST_DAY || !after_last(s, &e))
    return land(job, s) ? insert_one(job, s, &e) : RC_ROW_FATAL;
  s->last = e;
  s->have_last = 1;
  s->pending[s->npending++] = e;
  if (s->npending == BATCH && !land(job, s)) return RC_ROW_FATAL;
  return RC_ROW_DEFERRED;
}

/* Orders a pair's rows by deletion date, those still in force last. */
static int by_deletion(const void *a, const void *b)
{
  const ptp_row *x = a, *y = b;
  if (!x->deleted || !y->deleted) return !x->deleted - !y->deleted;
  return (x->deletion > y->deletion) - (x->deletion < y->deletion);
}

/* valid_from of a pair's first row: opts.from, or its last day when it was
 * deleted by then (so the rows of one pair keep distinct start dates). */
static long first_from(const ncci_state *s, const ptp_row *row)
{
  if (row->deleted && row->deletion < s->from) return row->deletion;
  return s->from;
}

/* Inserts the rows of one pair with their inferred effective dates: each
 * starts the day after the deletion date of the one before, the first on
 * first_from. */
static int flush(rc_import_job *job, ncci_state *s)
{
  rc_row_result r;
  int i;
  qsort(s->group, (size_t)s->n, sizeof s->group[0], by_deletion);
  for (i = 0; i < s->n; i++) {
    const ptp_row *row = &s->group[i], *prev = i ? &s->group[i - 1] : NULL;
    if (prev && prev->deleted == row->deleted && (!row->deleted || prev->deletion == row->deletion))
      r = rc_import_reject(job, row->line, "duplicate of line %ld (same pair and deletion date)", prev->line);
    else
      r = insert(job, s, row, prev ? prev->deletion + 1 : first_from(s, row));
    if (r == RC_ROW_FATAL) return 0;
    rc_import_count(job, r);
  }
  s->n = 0;
  return 1;
}

/* A CMS date YYYYMMDD (or YYYY-MM-DD) as a day number; 0 if it is not
 * one. The last date read is remembered (a file has few deletion dates). */
static int date_day(ncci_state *s, const char *text, long *day)
{
  size_t n = strlen(text);
  if (n > 0 && n < sizeof s->memo_text && memcmp(text, s->memo_text, n + 1) == 0) return *day = s->memo_day, 1;
  if (!rc_import_day8(text, day)) return 0;
  if (n < sizeof s->memo_text) {
    memcpy(s->memo_text, text, n + 1);
    s->memo_day = *day;
  }
  return 1;
}

/* Checks and converts one row's fields into r. */
static rc_row_result parse(rc_import_job *job, ncci_state *s, char **f, long line, ptp_row *r)
{
  if (!rc_import_code(f[C1], r->col1, NULL))
    return rc_import_reject(job, line, "malformed column 1 code '%.*s'", rc_utf8_cut(f[C1], 20), f[C1]);
  if (!rc_import_code(f[C2], r->col2, NULL))
    return rc_import_reject(job, line, "malformed column 2 code '%.*s'", rc_utf8_cut(f[C2], 20), f[C2]);
  if (f[MODIFIER][0] == '\0' || f[MODIFIER][1] != '\0' || strchr("019", f[MODIFIER][0]) == NULL)
    return rc_import_reject(job, line, "modifier indicator '%.*s' is not 0, 1 or 9", rc_utf8_cut(f[MODIFIER], 20), f[MODIFIER]);
  r->modifier = f[MODIFIER][0] - '0';
  r->deleted = 0;
  if (strcmp(f[DELETION], "*") != 0 && f[DELETION][0] != '\0') {
    if (!date_day(s, f[DELETION], &r->deletion))
      return rc_import_reject(job, line, "bad deletion date '%.*s' (expected YYYYMMDD or *)", rc_utf8_cut(f[DELETION], 20), f[DELETION]);
    r->deleted = 1;
  }
  if (s->dated && !date_day(s, f[EFFECTIVE], &r->effective))
    return rc_import_reject(job, line, "bad effective date '%.*s' (expected YYYYMMDD)", rc_utf8_cut(f[EFFECTIVE], 20), f[EFFECTIVE]);
  r->line = line;
  return RC_ROW_KEPT;
}

static rc_row_result row(rc_import_job *job, void *state, char **f, long line)
{
  ncci_state *s = state;
  ptp_row *r = &s->group[s->n];
  if (parse(job, s, f, line, r) != RC_ROW_KEPT) return RC_ROW_REJECTED;
  if (r->modifier == 9) return RC_ROW_SKIPPED;   /* deleted retroactively: it never applied */
  r->rationale[0] = '\0';
  strncat(r->rationale, f[RATIONALE], RATIONALE_LEN - 1);
  if (s->dated) return insert(job, s, r, r->effective);
  if (s->n > 0 && (memcmp(s->group[0].col1, r->col1, 5) != 0 || memcmp(s->group[0].col2, r->col2, 5) != 0)) {
    ptp_row next = *r;
    if (!flush(job, s)) return RC_ROW_FATAL;
    s->group[0] = next;
  } else if (s->n == GROUP_MAX) {
    return rc_import_reject(job, line, "more than %d edits of one pair", GROUP_MAX);
  }
  s->n++;
  return RC_ROW_DEFERRED;
}

static int header(rc_import_job *job, void *state, const int *present)
{
  ncci_state *s = state;
  (void)job;
  s->dated = present[EFFECTIVE];
  return 1;
}

/* The end of a file: its last pair, then the rows waiting for a batch. */
static int end_file(rc_import_job *job, void *state)
{
  return flush(job, state) && land(job, state);
}

/* Prepares the INSERT of BATCH rows, setting and source written in. */
static int prepare_batch(rc_import_job *job, ncci_state *s, int setting, sqlite3_int64 source)
{
  static const char head[] =
    "INSERT OR FAIL INTO ptp_edit (col1, col2, setting, valid_from, valid_to, modifier, rationale, source) VALUES ";
  char sql[sizeof head + BATCH * 64];
  size_t n = sizeof head - 1;
  int i, ok;
  memcpy(sql, head, n);
  for (i = 0; i < BATCH; i++)
    n += (size_t)snprintf(sql + n, sizeof sql - n, "%s(?, ?, %d, ?, ?, ?, ?, %lld)", i ? ", " : "", setting,
                          (long long)source);
  ok = n < sizeof sql;
  return (ok || rc_import_fail(job, "preparing the import: statement too long")) &&
         rc_import_prepare(job, sql, &s->batch);
}

/* Steps a prepared question about the schema and finalizes it: 1 yes, 0
 * no, -1 on a database error (recorded in the job). */
static int schema_says(rc_import_job *job, sqlite3_stmt *st)
{
  int rc = sqlite3_step(st), yes = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
  if (rc != SQLITE_ROW) rc_import_db_fail(job, "reading the schema");
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? yes : -1;
}

/* Could a trigger on ptp_edit skip a row (a BEFORE trigger's RAISE(IGNORE))
 * unseen by a batch? 1 when some trigger on it is not written the plain way
 * as an AFTER trigger ("CREATE TRIGGER name AFTER ...", like the schema's
 * own, which drop a code's ptp_pack row), 0 if none, -1 on a database
 * error. An AFTER trigger runs once its row is stored and counted. */
static int may_skip_rows(rc_import_job *job)
{
  static const char sql[] =
    "SELECT EXISTS (SELECT 1 FROM (SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'"
    " AND tbl_name = 'ptp_edit' COLLATE NOCASE UNION ALL SELECT name, sql FROM sqlite_temp_schema"
    " WHERE type = 'trigger' AND tbl_name = 'ptp_edit' COLLATE NOCASE)"
    " WHERE upper(substr(sql, 1, length(name) + 22)) IS NOT upper('CREATE TRIGGER ' || name || ' AFTER '))";
  sqlite3_stmt *st = NULL;
  if (!rc_import_prepare(job, sql, &st)) return -1;
  return schema_says(job, st);
}

/* Prepares the statements and binds what every row shares: the setting
 * (1 practitioner, 2 hospital) and the dataset's name. */
static int prepare(rc_import_job *job, ncci_state *s)
{
  sqlite3_int64 source;
  int setting = strcmp(job->setting, "hospital") == 0 ? 2 : 1;
  if (strcmp(job->setting, "practitioner") != 0 && strcmp(job->setting, "hospital") != 0)
    return rc_import_fail(job, "ncci-ptp edits are for practitioner or hospital claims, not %s", job->setting);
  if (rc_date_parse(job->from, strlen(job->from), &s->from) != RC_DATE_OK)
    return rc_import_fail(job, "option 'from': not a date: %s", job->from);
  if (!rc_import_prepare(job, sql_insert, &s->insert) ||
      !rc_import_prepare(job, "INSERT OR IGNORE INTO ptp_text (text) VALUES (?1)", &s->add_text) ||
      !rc_import_prepare(job, "SELECT id FROM ptp_text WHERE text = ?1", &s->find_text))
    return 0;
  if ((source = stored_text_id(s, job->name)) == 0) return rc_import_db_fail(job, "storing the dataset name");
  s->setting = setting;
  s->source = source;
  if ((s->feed_rc = rc_pack_feed_begin(job->conn, &s->feed)) != SQLITE_OK)
    return rc_import_db_fail(job, "reading the codes ptp_edit holds");
  sqlite3_bind_int(s->insert, 3, setting);
  sqlite3_bind_int64(s->insert, 8, source);
  switch (may_skip_rows(job)) {
  case 0: return prepare_batch(job, s, setting, source);
  case 1: return 1;   /* no batches: every row alone */
  default: return 0;
  }
}

/* Appends the code of index i (in CODE_SPACE) to a growing list of
 * five-character codes; 0 when out of memory. */
static int append_code(char **list, size_t *n, size_t *cap, long i)
{
  static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  int k;
  if (*n == *cap) {
    size_t more = *cap ? *cap * 2 : 1024;
    char *bigger = realloc(*list, more * 5);
    if (bigger == NULL) return 0;
    *list = bigger;
    *cap = more;
  }
  for (k = 4; k >= 0; k--, i /= 36) (*list)[*n * 5 + (size_t)k] = digits[i % 36];
  (*n)++;
  return 1;
}

static int by_index(const void *a, const void *b)
{
  long x = *(const long *)a, y = *(const long *)b;
  return (x > y) - (x < y);
}

/* The codes marked, in code order, as a list of five-character codes
 * (*list NULL when there are none). 0 when out of memory. */
static int codes_of(ncci_state *s, char **list, size_t *n)
{
  size_t cap = 0, k;
  *list = NULL;
  *n = 0;
  if (s->marked_oom) return 0;
  if (s->nmarked > 1) qsort(s->marked, s->nmarked, sizeof *s->marked, by_index);
  for (k = 0; k < s->nmarked; k++)
    if (!append_code(list, n, &cap, s->marked[k])) return 0;
  return 1;
}

/* Makes the codes of the rows kept known (codes rows), in code order. */
static int name_codes(rc_import_job *job, ncci_state *s)
{
  char *list;
  size_t n;
  int ok = codes_of(s, &list, &n) ? rc_import_name_list(job, list, n) : rc_import_fail(job, "out of memory");
  free(list);
  return ok;
}

/* The triggers of data/schema.sql on ptp_edit: each drops the ptp_pack row
 * (a cache, ptp_pack.h) of a changed row's column 1 code. */
static const char trigger_insert[] = "CREATE TRIGGER ptp_edit_insert_unpacks AFTER INSERT ON ptp_edit\nBEGIN\n"
                                     "  DELETE FROM ptp_pack WHERE col1 = NEW.col1;\nEND";
static const char trigger_delete[] = "CREATE TRIGGER ptp_edit_delete_unpacks AFTER DELETE ON ptp_edit\nBEGIN\n"
                                     "  DELETE FROM ptp_pack WHERE col1 = OLD.col1;\nEND";
static const char trigger_update[] = "CREATE TRIGGER ptp_edit_update_unpacks AFTER UPDATE ON ptp_edit\nBEGIN\n"
                                     "  DELETE FROM ptp_pack WHERE col1 = OLD.col1 OR col1 = NEW.col1;\nEND";

/* Are the triggers on the tables the load writes (ptp_edit, ptp_text,
 * ptp_pack) exactly the schema's three? Then the import may turn triggers
 * off while it loads and drop the packs itself, once a code instead of
 * once a row (a trigger program a row costs about as much as the row).
 * 1 yes, 0 no, -1 on a database error. */
static int own_triggers_only(rc_import_job *job)
{
  static const char sql[] =
    "SELECT count(*) = 3 AND sum(sql IN (?1, ?2, ?3)) = 3 FROM (SELECT sql FROM sqlite_schema"
    " WHERE type = 'trigger' AND lower(tbl_name) IN ('ptp_edit', 'ptp_text', 'ptp_pack') UNION ALL"
    " SELECT sql FROM sqlite_temp_schema WHERE type = 'trigger' AND lower(tbl_name) IN ('ptp_edit', 'ptp_text', 'ptp_pack'))";
  sqlite3_stmt *st = NULL;
  if (!rc_import_prepare(job, sql, &st)) return -1;
  sqlite3_bind_text(st, 1, trigger_insert, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, trigger_delete, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, trigger_update, -1, SQLITE_STATIC);
  return schema_says(job, st);
}

/* The feed's packs of the codes new to ptp_edit, the last one stored. */
static int end_feed(rc_import_job *job, ncci_state *s)
{
  if (s->feed_rc == SQLITE_OK) s->feed_rc = rc_pack_feed_end(s->feed);
  if (s->feed_rc != SQLITE_OK) return rc_import_fail(job, "packing the PTP rows: %s", sqlite3_errstr(s->feed_rc));
  return 1;
}

/* Replaces the dataset's rows (the earlier import's go) with the files'. */
static int load(rc_import_job *job, ncci_state *s)
{
  static const rc_table_spec spec = {columns, NCOLUMNS, 0, 0, row, header, end_file};
  static const char old_packs[] =
    "DELETE FROM ptp_pack WHERE col1 IN (SELECT col1 FROM ptp_edit WHERE source IN (SELECT id FROM ptp_text WHERE text = ?1))";
  return (!s->own_triggers || rc_import_exec(job, old_packs, NULL)) &&
         rc_import_exec(job, "DELETE FROM ptp_edit WHERE source IN (SELECT id FROM ptp_text WHERE text = ?1)", NULL) &&
         prepare(job, s) && rc_table_import(job, &spec, s) && end_feed(job, s);
}

/* Loads with triggers off when only the schema's own would run (their
 * work done by the load), else as it is. Triggers are on again after. */
static int load_unpacking(rc_import_job *job, ncci_state *s)
{
  int own = own_triggers_only(job), was = 1, ok;
  if (own < 0) return 0;
  s->own_triggers = own;
  if (own) {   /* the int written is the setting after the call: read it first */
    sqlite3_db_config(job->conn, SQLITE_DBCONFIG_ENABLE_TRIGGER, -1, &was);
    sqlite3_db_config(job->conn, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
  }
  ok = load(job, s);
  if (own) sqlite3_db_config(job->conn, SQLITE_DBCONFIG_ENABLE_TRIGGER, was, NULL);
  return ok;
}

/* Loads the files into ptp_edit after removing the rows of an earlier
 * import of the same dataset (same source). */
int rc_import_ncci(rc_import_job *job)
{
  ncci_state *s = calloc(1, sizeof *s);
  int ok;
  if (s == NULL || (s->named = calloc((size_t)(CODE_SPACE / 8 + 1), 1)) == NULL) {
    free(s);
    return rc_import_fail(job, "out of memory");
  }
  ok = load_unpacking(job, s) && name_codes(job, s);
  sqlite3_finalize(s->insert);
  sqlite3_finalize(s->batch);
  sqlite3_finalize(s->add_text);
  sqlite3_finalize(s->find_text);
  free(s->named);
  free(s->marked);
  rc_pack_feed_free(s->feed);
  free(s);
  return ok;
}
