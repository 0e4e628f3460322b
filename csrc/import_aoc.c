/* import_aoc.c: NCCI add-on code edits into table aoc. Columns (names as in
 * ../shared/cms/aoc_2024q2.csv.gz, or CMS's own headers): primary, addon,
 * type (1-3), primary_deleted_year, addon_deleted_year, edit_effective_year,
 * edit_deleted_year, notes. A primary that is empty or CMS's `CCCCC` means
 * none is listed (primary_code NULL; type 1 needs one). Dates may be years
 * or YYYYMMDD: the edit holds from its effective date (a year: January 1st)
 * to the day before the earliest of its deletion dates (a year: the edit is
 * taken as gone from January 1st of that year, when CPT deletions start). */
#include <string.h>
#include "import_table.h"
#include "utf8.h"

enum { PDEL, ADEL, EFF, EDEL, ADDON, PRIMARY, TYPE, NCOLUMNS };

typedef struct aoc_state {
  sqlite3_stmt *insert;
} aoc_state;

static const char *const n_pdel[] = {"primary_deleted_year", "~primary code deletion", NULL};
static const char *const n_adel[] = {"addon_deleted_year", "~add-on code deletion", NULL};
static const char *const n_eff[] = {"edit_effective_year", "~effective", NULL};
static const char *const n_edel[] = {"edit_deleted_year", "~edit deletion", "~deleted", NULL};
static const char *const n_addon[] = {"addon", "~add-on code", "~addon code", NULL};
static const char *const n_primary[] = {"primary", "~primary code", NULL};
static const char *const n_type[] = {"type", "~edit type", NULL};

static const rc_table_column columns[NCOLUMNS] = {
  {n_pdel, 0}, {n_adel, 0}, {n_eff, 0}, {n_edel, 0}, {n_addon, 1}, {n_primary, 1}, {n_type, 1}
};

static const char sql_insert[] =
  "INSERT INTO aoc (addon, primary_code, type, valid_from, valid_to, source)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/* A year or a date as the first day it stands for. 0 if neither. */
static int first_day(const char *s, char iso[RC_DATE_LEN + 1])
{
  char date[9];
  if (strlen(s) == 4 && strspn(s, "0123456789") == 4) {
    memcpy(date, s, 4);
    memcpy(date + 4, "0101", 5);
    s = date;
  }
  return rc_import_date8(s, iso);
}

/* valid_to: the day before the earliest deletion. 0 on a bad date. */
static int last_day(char **f, char out[RC_DATE_LEN + 1], const char **bad)
{
  static const int cols[] = {EDEL, PDEL, ADEL};
  char day[RC_DATE_LEN + 1], earliest[RC_DATE_LEN + 1] = "";
  int i;
  for (i = 0; i < 3; i++) {
    if (f[cols[i]][0] == '\0') continue;
    if (!first_day(f[cols[i]], day)) return *bad = f[cols[i]], 0;
    if (earliest[0] == '\0' || strcmp(day, earliest) < 0) strcpy(earliest, day);
  }
  out[0] = '\0';
  if (earliest[0]) rc_import_day_before(earliest, out);
  return 1;
}

static rc_row_result row(rc_import_job *job, void *state, char **f, long line)
{
  aoc_state *s = state;
  char addon[6], primary[6] = "", from[RC_DATE_LEN + 1], to[RC_DATE_LEN + 1];
  const char *bad = NULL;
  int type = f[TYPE][0] - '0';
  if (!rc_import_code(f[ADDON], addon, NULL)) return rc_import_reject(job, line, "malformed add-on code '%.*s'", rc_utf8_cut(f[ADDON], 20), f[ADDON]);
  if (f[TYPE][1] != '\0' || type < 1 || type > 3) return rc_import_reject(job, line, "edit type '%.*s' is not 1, 2 or 3", rc_utf8_cut(f[TYPE], 20), f[TYPE]);
  if (f[PRIMARY][0] != '\0' && strcmp(f[PRIMARY], "CCCCC") != 0 && !rc_import_code(f[PRIMARY], primary, NULL))
    return rc_import_reject(job, line, "malformed primary code '%.*s'", rc_utf8_cut(f[PRIMARY], 20), f[PRIMARY]);
  if (type == 1 && primary[0] == '\0') return rc_import_reject(job, line, "a type 1 edit needs a primary code");
  if (f[EFF][0] == '\0') strcpy(from, job->from);
  else if (!first_day(f[EFF], from)) return rc_import_reject(job, line, "bad effective date '%.*s'", rc_utf8_cut(f[EFF], 20), f[EFF]);
  if (!last_day(f, to, &bad)) return rc_import_reject(job, line, "bad deletion date '%.*s'", rc_utf8_cut(bad, 20), bad);
  sqlite3_bind_text(s->insert, 1, addon, 5, SQLITE_STATIC);
  rc_import_bind_text(s->insert, 2, primary);
  sqlite3_bind_int(s->insert, 3, type);
  sqlite3_bind_text(s->insert, 4, from, -1, SQLITE_STATIC);
  rc_import_bind_text(s->insert, 5, to);
  return rc_import_step(job, s->insert, line);
}

int rc_import_aoc(rc_import_job *job)
{
  static const rc_table_spec spec = {columns, NCOLUMNS, ',', 0, row, NULL, NULL};
  aoc_state s = {NULL};
  int ok = rc_import_exec(job, "DELETE FROM aoc WHERE source = ?1", NULL) &&
           rc_import_prepare(job, sql_insert, &s.insert);
  if (ok) {
    sqlite3_bind_text(s.insert, 6, job->name, -1, SQLITE_STATIC);
    ok = rc_table_import(job, &spec, &s) &&
         rc_import_name_codes(job, "SELECT addon AS c FROM aoc WHERE source = ?1"
                                   " UNION SELECT primary_code FROM aoc WHERE source = ?1");
  }
  sqlite3_finalize(s.insert);
  return ok;
}
