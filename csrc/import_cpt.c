/* import_cpt.c: a licensed AMA CPT descriptor file (`code<TAB>text`, such
 * as LONGULT.txt; a header line is allowed) into codes.descriptor. A known
 * code gets the official text as its descriptor (a code of family 'other',
 * known from another CMS file, also the summary below), nothing else; an
 * unknown one gets a row of its own (system from the code, family 'other',
 * summary "CPT code (official text imported)", effective opts.from). The
 * text stays in the user's database: radcode never ships it. */
#include <string.h>
#include "import_table.h"
#include "utf8.h"

enum { CODE, TEXT, NCOLUMNS };

typedef struct cpt_state {
  sqlite3_stmt *insert;
} cpt_state;

static const char *const n_code[] = {"code", NULL};
static const char *const n_text[] = {"descriptor", NULL};

static const rc_table_column columns[NCOLUMNS] = {{n_code, 1}, {n_text, 1}};

static const char sql_insert[] =
  "INSERT INTO codes (code, system, family, summary, descriptor, effective, source)"
  " VALUES (?1, ?2, 'other', 'CPT code (official text imported)', ?3, ?4, ?5)"
  " ON CONFLICT (code) DO UPDATE SET descriptor = excluded.descriptor,"
  " summary = CASE WHEN codes.family = 'other' THEN excluded.summary ELSE codes.summary END";

static rc_row_result row(rc_import_job *job, void *state, char **f, long line)
{
  cpt_state *s = state;
  const char *system;
  char code[6];
  if (!rc_import_code(f[CODE], code, &system)) return rc_import_reject(job, line, "malformed code '%.*s'", rc_utf8_cut(f[CODE], 20), f[CODE]);
  if (f[TEXT][0] == '\0') return rc_import_reject(job, line, "no descriptor text for %s", code);
  sqlite3_bind_text(s->insert, 1, code, 5, SQLITE_STATIC);
  sqlite3_bind_text(s->insert, 2, system, -1, SQLITE_STATIC);
  sqlite3_bind_text(s->insert, 3, f[TEXT], -1, SQLITE_STATIC);
  return rc_import_step(job, s->insert, line);
}

int rc_import_cpt(rc_import_job *job)
{
  static const rc_table_spec spec = {columns, NCOLUMNS, '\t', 1, row, NULL, NULL};
  cpt_state s = {NULL};
  int ok = rc_import_exec(job, "DELETE FROM codes WHERE source = ?1", NULL) &&
           rc_import_prepare(job, sql_insert, &s.insert);
  if (ok) {
    sqlite3_bind_text(s.insert, 4, job->from, -1, SQLITE_STATIC);
    sqlite3_bind_text(s.insert, 5, job->name, -1, SQLITE_STATIC);
    ok = rc_table_import(job, &spec, &s);
  }
  sqlite3_finalize(s.insert);
  job->codes_changed = 1;
  return ok;
}
