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
 * (a file has about ten rationales, kept in a small cache). */
#include <stdlib.h>
#include <string.h>
#include "import_table.h"
#include "utf8.h"

#define GROUP_MAX 16
#define RATIONALE_LEN 200
#define TEXT_CACHE 32

enum { C1, C2, PRIOR, EFFECTIVE, DELETION, MODIFIER, RATIONALE, NCOLUMNS };

typedef struct ptp_row {
  char col1[6], col2[6];
  char effective[RC_DATE_LEN + 1];
  char deletion[RC_DATE_LEN + 1];    /* "" while in force */
  char valid_to[RC_DATE_LEN + 1];
  int modifier;
  char rationale[RATIONALE_LEN];
  long line;
} ptp_row;

typedef struct text_id {
  char text[RATIONALE_LEN];
  sqlite3_int64 id;
} text_id;

typedef struct ncci_state {
  sqlite3_stmt *insert;
  sqlite3_stmt *add_text, *find_text;  /* into and from ptp_text */
  text_id texts[TEXT_CACHE];
  int ntexts;
  int dated;                         /* the file has effective dates */
  int n;
  ptp_row group[GROUP_MAX + 1];      /* rows of one pair, when not dated */
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

/* The id of a text, from the cache when it has it. */
static sqlite3_int64 text_id_of(ncci_state *s, const char *text)
{
  sqlite3_int64 id;
  int i;
  for (i = 0; i < s->ntexts; i++)
    if (strcmp(s->texts[i].text, text) == 0) return s->texts[i].id;
  id = stored_text_id(s, text);
  if (id != 0 && s->ntexts < TEXT_CACHE && strlen(text) < RATIONALE_LEN) {
    strcpy(s->texts[s->ntexts].text, text);
    s->texts[s->ntexts++].id = id;
  }
  return id;
}

/* Binds a checked date as its day number (ptp_edit's dates); "" as NULL. */
static void bind_day(sqlite3_stmt *st, int i, const char *date)
{
  long day;
  if (date[0] == '\0' || rc_date_parse(date, strlen(date), &day) != RC_DATE_OK) sqlite3_bind_null(st, i);
  else sqlite3_bind_int64(st, i, day);
}

static rc_row_result insert(rc_import_job *job, ncci_state *s, const ptp_row *r, const char *from)
{
  sqlite3_stmt *st = s->insert;
  sqlite3_bind_text(st, 1, r->col1, 5, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, r->col2, 5, SQLITE_STATIC);
  bind_day(st, 4, from);
  bind_day(st, 5, r->valid_to);
  sqlite3_bind_int(st, 6, r->modifier);
  if (r->rationale[0] == '\0') {
    sqlite3_bind_null(st, 7);
  } else {
    sqlite3_int64 id = text_id_of(s, r->rationale);
    if (id == 0) return (rc_import_db_fail(job, "storing a rationale"), RC_ROW_FATAL);
    sqlite3_bind_int64(st, 7, id);
  }
  return rc_import_step(job, st, r->line);
}

/* Orders a pair's rows by deletion date, those still in force last. */
static int by_deletion(const void *a, const void *b)
{
  const ptp_row *x = a, *y = b;
  if (x->deletion[0] == '\0' || y->deletion[0] == '\0')
    return (x->deletion[0] == '\0') - (y->deletion[0] == '\0');
  return strcmp(x->deletion, y->deletion);
}

/* valid_from of a pair's first row: opts.from, or its last day when it was
 * deleted by then (so the rows of one pair keep distinct start dates). */
static const char *first_from(const rc_import_job *job, const ptp_row *row)
{
  if (row->deletion[0] != '\0' && strcmp(row->deletion, job->from) < 0) return row->valid_to;
  return job->from;
}

/* The ISO date after a valid ISO date. */
static void day_after(const char iso[RC_DATE_LEN + 1], char out[RC_DATE_LEN + 1])
{
  long day = 0;
  rc_date_parse(iso, RC_DATE_LEN, &day);
  rc_date_format(day + 1, out);
}

/* Inserts the rows of one pair with their inferred effective dates: each
 * starts the day after the deletion date of the one before, the first on
 * first_from. */
static int flush(rc_import_job *job, ncci_state *s)
{
  char from[RC_DATE_LEN + 1];
  rc_row_result r;
  int i;
  qsort(s->group, (size_t)s->n, sizeof s->group[0], by_deletion);
  for (i = 0; i < s->n; i++) {
    const ptp_row *row = &s->group[i], *prev = i ? &s->group[i - 1] : NULL;
    if (prev && strcmp(prev->deletion, row->deletion) == 0) {
      r = rc_import_reject(job, row->line, "duplicate of line %ld (same pair and deletion date)", prev->line);
    } else {
      if (prev) day_after(prev->deletion, from);
      else strcpy(from, first_from(job, row));
      r = insert(job, s, row, from);
    }
    if (r == RC_ROW_FATAL) return 0;
    rc_import_count(job, r);
  }
  s->n = 0;
  return 1;
}

/* Checks and converts one row's fields into r. */
static rc_row_result parse(rc_import_job *job, char **f, long line, ptp_row *r, int dated)
{
  if (!rc_import_code(f[C1], r->col1, NULL))
    return rc_import_reject(job, line, "malformed column 1 code '%.*s'", rc_utf8_cut(f[C1], 20), f[C1]);
  if (!rc_import_code(f[C2], r->col2, NULL))
    return rc_import_reject(job, line, "malformed column 2 code '%.*s'", rc_utf8_cut(f[C2], 20), f[C2]);
  if (strlen(f[MODIFIER]) != 1 || strchr("019", f[MODIFIER][0]) == NULL)
    return rc_import_reject(job, line, "modifier indicator '%.*s' is not 0, 1 or 9", rc_utf8_cut(f[MODIFIER], 20), f[MODIFIER]);
  r->modifier = f[MODIFIER][0] - '0';
  r->deletion[0] = r->valid_to[0] = '\0';
  if (strcmp(f[DELETION], "*") != 0 && f[DELETION][0] != '\0') {
    if (!rc_import_date8(f[DELETION], r->deletion))
      return rc_import_reject(job, line, "bad deletion date '%.*s' (expected YYYYMMDD or *)", rc_utf8_cut(f[DELETION], 20), f[DELETION]);
    memcpy(r->valid_to, r->deletion, sizeof r->valid_to);
  }
  if (dated && !rc_import_date8(f[EFFECTIVE], r->effective))
    return rc_import_reject(job, line, "bad effective date '%.*s' (expected YYYYMMDD)", rc_utf8_cut(f[EFFECTIVE], 20), f[EFFECTIVE]);
  r->line = line;
  return RC_ROW_KEPT;
}

static rc_row_result row(rc_import_job *job, void *state, char **f, long line)
{
  ncci_state *s = state;
  ptp_row *r = &s->group[s->n];
  if (parse(job, f, line, r, s->dated) != RC_ROW_KEPT) return RC_ROW_REJECTED;
  if (r->modifier == 9) return RC_ROW_SKIPPED;   /* deleted retroactively: it never applied */
  r->rationale[0] = '\0';
  strncat(r->rationale, f[RATIONALE], RATIONALE_LEN - 1);
  if (s->dated) return insert(job, s, r, r->effective);
  if (s->n > 0 && (strcmp(s->group[0].col1, r->col1) != 0 || strcmp(s->group[0].col2, r->col2) != 0)) {
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

static int end_file(rc_import_job *job, void *state)
{
  return flush(job, state);
}

/* Prepares the statements and binds what every row shares: the setting
 * (1 practitioner, 2 hospital) and the dataset's name. */
static int prepare(rc_import_job *job, ncci_state *s)
{
  sqlite3_int64 source;
  if (strcmp(job->setting, "practitioner") != 0 && strcmp(job->setting, "hospital") != 0)
    return rc_import_fail(job, "ncci-ptp edits are for practitioner or hospital claims, not %s", job->setting);
  if (!rc_import_prepare(job, sql_insert, &s->insert) ||
      !rc_import_prepare(job, "INSERT OR IGNORE INTO ptp_text (text) VALUES (?1)", &s->add_text) ||
      !rc_import_prepare(job, "SELECT id FROM ptp_text WHERE text = ?1", &s->find_text))
    return 0;
  if ((source = stored_text_id(s, job->name)) == 0) return rc_import_db_fail(job, "storing the dataset name");
  sqlite3_bind_int(s->insert, 3, strcmp(job->setting, "hospital") == 0 ? 2 : 1);
  sqlite3_bind_int64(s->insert, 8, source);
  return 1;
}

/* Loads the files into ptp_edit after removing the rows of an earlier
 * import of the same dataset (same source). */
int rc_import_ncci(rc_import_job *job)
{
  static const rc_table_spec spec = {columns, NCOLUMNS, 0, 0, row, header, end_file};
  ncci_state *s = calloc(1, sizeof *s);
  int ok;
  if (s == NULL) return rc_import_fail(job, "out of memory");
  ok = rc_import_exec(job, "DELETE FROM ptp_edit WHERE source IN (SELECT id FROM ptp_text WHERE text = ?1)", NULL) &&
       prepare(job, s) && rc_table_import(job, &spec, s) &&
       rc_import_name_codes(job, "SELECT col1 AS c FROM ptp_edit WHERE source IN (SELECT id FROM ptp_text WHERE text = ?1)"
                                 " UNION SELECT col2 FROM ptp_edit WHERE source IN (SELECT id FROM ptp_text WHERE text = ?1)");
  sqlite3_finalize(s->insert);
  sqlite3_finalize(s->add_text);
  sqlite3_finalize(s->find_text);
  free(s);
  return ok;
}
