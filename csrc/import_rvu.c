/* import_rvu.c: the Medicare physician fee schedule RVU file into
 * indicators (PC/TC indicator, global period) and payment_status (status,
 * setting practitioner). Reads the row of each code with a blank modifier;
 * rows for 26, TC and other modifiers are skipped. Columns: hcpcs, mod,
 * status, pctc, global, mult_proc, surg_bilat (the ../shared/cms copy) or
 * CMS's HCPCS, MOD, STATUS CODE, PCTC IND, GLOB DAYS, MULT PROC, BILAT SURG
 * (the last two optional). Every code of the file becomes known (a codes
 * row of family 'other' when radcode does not curate it). Rows hold from opts.from (default 2015-01-01)
 * to opts.to (default open). */
#include <string.h>
#include "import_table.h"
#include "utf8.h"

enum { CODE, MOD, STATUS, PCTC, GLOBAL, MULT, BILAT, NCOLUMNS };

typedef struct rvu_state {
  sqlite3_stmt *indicators, *status;
} rvu_state;

static const char *const n_code[] = {"hcpcs", "hcpcs code", "~hcpcs", NULL};
static const char *const n_mod[] = {"mod", "modifier", NULL};
static const char *const n_status[] = {"status", "status code", "~status", NULL};
static const char *const n_pctc[] = {"pctc", "pctc ind", "~pctc", NULL};
static const char *const n_global[] = {"global", "glob days", "~glob", NULL};
static const char *const n_mult[] = {"mult_proc", "mult proc", "~mult", NULL};
static const char *const n_bilat[] = {"surg_bilat", "bilat surg", "~bilat", NULL};

static const rc_table_column columns[NCOLUMNS] = {
  {n_code, 1}, {n_mod, 1}, {n_status, 1}, {n_pctc, 1}, {n_global, 0},
  {n_mult, 0}, {n_bilat, 0}
};

static const char sql_indicators[] =
  "INSERT INTO indicators (code, valid_from, valid_to, pctc, global, source, mult_proc, bilateral)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
  " ON CONFLICT (code, valid_from) DO UPDATE SET valid_to = excluded.valid_to,"
  " pctc = excluded.pctc, global = excluded.global, source = excluded.source,"
  " mult_proc = excluded.mult_proc, bilateral = excluded.bilateral"
  " WHERE indicators.source <> excluded.source";

static const char sql_status[] =
  "INSERT INTO payment_status (code, setting, valid_from, valid_to, status, source)"
  " VALUES (?1, 'practitioner', ?2, ?3, ?4, ?5)"
  " ON CONFLICT (code, setting, valid_from) DO UPDATE SET valid_to = excluded.valid_to,"
  " status = excluded.status, source = excluded.source"
  " WHERE payment_status.source <> excluded.source";

static int is_status(const char *s)
{
  size_t n = strlen(s);
  return n >= 1 && n <= 2 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

static rc_row_result row(rc_import_job *job, void *state, char **f, long line)
{
  rvu_state *s = state;
  char code[6];
  rc_row_result r;
  if (f[MOD][0] != '\0') return RC_ROW_SKIPPED;
  if (!rc_import_code(f[CODE], code, NULL)) return rc_import_reject(job, line, "malformed code '%.*s'", rc_utf8_cut(f[CODE], 20), f[CODE]);
  if (strlen(f[PCTC]) != 1 || f[PCTC][0] < '0' || f[PCTC][0] > '9')
    return rc_import_reject(job, line, "PC/TC indicator '%.*s' is not 0-9", rc_utf8_cut(f[PCTC], 20), f[PCTC]);
  if (!is_status(f[STATUS])) return rc_import_reject(job, line, "bad status '%.*s'", rc_utf8_cut(f[STATUS], 20), f[STATUS]);
  if (strlen(f[GLOBAL]) > 3) return rc_import_reject(job, line, "bad global period '%.*s'", rc_utf8_cut(f[GLOBAL], 20), f[GLOBAL]);
  if (strlen(f[MULT]) > 1 || strlen(f[BILAT]) > 1)
    return rc_import_reject(job, line, "bad multiple-procedure or bilateral indicator '%.*s' '%.*s'", rc_utf8_cut(f[MULT], 20), f[MULT], rc_utf8_cut(f[BILAT], 20), f[BILAT]);
  sqlite3_bind_text(s->indicators, 1, code, 5, SQLITE_STATIC);
  sqlite3_bind_text(s->indicators, 4, f[PCTC], -1, SQLITE_STATIC);
  rc_import_bind_text(s->indicators, 5, f[GLOBAL]);
  rc_import_bind_text(s->indicators, 7, f[MULT]);
  rc_import_bind_text(s->indicators, 8, f[BILAT]);
  if ((r = rc_import_step(job, s->indicators, line)) != RC_ROW_KEPT) return r;
  sqlite3_bind_text(s->status, 1, code, 5, SQLITE_STATIC);
  sqlite3_bind_text(s->status, 4, f[STATUS], -1, SQLITE_STATIC);
  return rc_import_step(job, s->status, line);
}

int rc_import_rvu(rc_import_job *job)
{
  static const rc_table_spec spec = {columns, NCOLUMNS, ',', 0, row, NULL, NULL};
  rvu_state s = {NULL, NULL};
  int ok = rc_import_exec(job, "DELETE FROM indicators WHERE source = ?1", NULL) &&
           rc_import_exec(job, "DELETE FROM payment_status WHERE source = ?1 AND setting = 'practitioner'", NULL) &&
           rc_import_prepare(job, sql_indicators, &s.indicators) &&
           rc_import_prepare(job, sql_status, &s.status);
  if (ok) {
    rc_import_bind_range(job, s.indicators, 2, 3);
    sqlite3_bind_text(s.indicators, 6, job->name, -1, SQLITE_STATIC);
    rc_import_bind_range(job, s.status, 2, 3);
    sqlite3_bind_text(s.status, 5, job->name, -1, SQLITE_STATIC);
    ok = rc_table_import(job, &spec, &s) &&
         rc_import_name_codes(job, "SELECT code AS c FROM indicators WHERE source = ?1");
  }
  sqlite3_finalize(s.indicators);
  sqlite3_finalize(s.status);
  return ok;
}
