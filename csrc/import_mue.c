/* import_mue.c: medically unlikely edits into table mue. Reads the CMS
 * CSV files of one setting (a quoted copyright preamble; columns
 * "HCPCS/\nCPT Code", "... MUE Values", "MUE Adjudication Indicator" with
 * text such as "2 Date of Service Edit: Policy", "MUE Rationale"; opts.setting
 * names the setting) and copies with columns hcpcs, mue, mai, adjudication,
 * rationale, service_type, where service_type gives each row's setting
 * (Practitioner, Outpatient Hospital, DME Supplier). Rows hold from
 * opts.from (default 2015-01-01) to opts.to (default open). */
#include <string.h>
#include <ctype.h>
#include "import_table.h"
#include "utf8.h"

enum { CODE, VALUE, MAI, RATIONALE, SERVICE, NCOLUMNS };

typedef struct mue_state {
  sqlite3_stmt *insert;
  int by_row;                        /* the file has service_type */
} mue_state;

static const char *const n_code[] = {"hcpcs", "~cpt code", "code", NULL};
static const char *const n_value[] = {"mue", "~mue value", "mue_value", "value", NULL};
static const char *const n_mai[] = {"mai", "~adjudication indicator", NULL};
static const char *const n_rat[] = {"rationale", "~rationale", NULL};
static const char *const n_service[] = {"service_type", "service type", NULL};

static const rc_table_column columns[NCOLUMNS] = {
  {n_code, 1}, {n_value, 1}, {n_mai, 1}, {n_rat, 0}, {n_service, 0}
};

static const char sql_insert[] =
  "INSERT INTO mue (code, setting, valid_from, valid_to, value, mai, rationale, source)"
  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
  " ON CONFLICT (code, setting, valid_from, source) DO NOTHING";   /* versions side by side */

/* The setting a service_type names, or NULL. */
static const char *setting_of(const char *service)
{
  char low[64];
  size_t i;
  for (i = 0; service[i] && i < sizeof low - 1; i++) low[i] = (char)tolower((unsigned char)service[i]);
  low[i] = '\0';
  if (strstr(low, "practitioner") != NULL) return "practitioner";
  if (strstr(low, "hospital") != NULL) return "hospital";
  if (strstr(low, "dme") != NULL) return "dme";
  return NULL;
}

/* A whole number 0..999999, or -1. */
static long units(const char *s)
{
  long v = 0;
  size_t n = strspn(s, "0123456789");
  if (n == 0 || n > 6 || (s[n] != '\0' && !(s[n] == '.' && strspn(s + n + 1, "0") == strlen(s + n + 1))))
    return -1;
  while (n-- > 0) v = v * 10 + (*s++ - '0');
  return v;
}

static rc_row_result row(rc_import_job *job, void *state, char **f, long line)
{
  mue_state *s = state;
  const char *setting = s->by_row ? setting_of(f[SERVICE]) : job->setting;
  char code[6];
  long value = units(f[VALUE]);
  if (!rc_import_code(f[CODE], code, NULL)) return rc_import_reject(job, line, "malformed code '%.*s'", rc_utf8_cut(f[CODE], 20), f[CODE]);
  if (value < 0) return rc_import_reject(job, line, "MUE value '%.*s' is not a whole number", rc_utf8_cut(f[VALUE], 20), f[VALUE]);
  if (f[MAI][0] < '1' || f[MAI][0] > '3' || (f[MAI][1] != '\0' && f[MAI][1] != ' '))
    return rc_import_reject(job, line, "adjudication indicator '%.*s' is not 1, 2 or 3", rc_utf8_cut(f[MAI], 40), f[MAI]);
  if (setting == NULL) return rc_import_reject(job, line, "unknown service type '%.*s'", rc_utf8_cut(f[SERVICE], 40), f[SERVICE]);
  sqlite3_bind_text(s->insert, 1, code, 5, SQLITE_STATIC);
  sqlite3_bind_text(s->insert, 2, setting, -1, SQLITE_STATIC);
  sqlite3_bind_int64(s->insert, 5, value);
  sqlite3_bind_int(s->insert, 6, f[MAI][0] - '0');
  rc_import_bind_text(s->insert, 7, f[RATIONALE]);
  return rc_import_step(job, s->insert, line);
}

/* The setting comes from the file's service_type or from opts.setting:
 * exactly one of them. */
static int header(rc_import_job *job, void *state, const int *present)
{
  mue_state *s = state;
  s->by_row = present[SERVICE];
  if (s->by_row && job->setting != NULL)
    return rc_import_fail(job, "%s: the file gives each row's setting (service_type); leave out option 'setting'", job->path);
  if (!s->by_row && job->setting == NULL)
    return rc_import_fail(job, "%s: the file does not say its setting; give option 'setting'", job->path);
  return 1;
}

int rc_import_mue(rc_import_job *job)
{
  static const rc_table_spec spec = {columns, NCOLUMNS, ',', 0, row, header, NULL};
  mue_state s = {NULL, 0};
  int ok = rc_import_exec(job, "DELETE FROM mue WHERE source = ?1", NULL) &&
           rc_import_prepare(job, sql_insert, &s.insert);
  if (ok) {
    rc_import_bind_range(job, s.insert, 3, 4);
    sqlite3_bind_text(s.insert, 8, job->name, -1, SQLITE_STATIC);
    ok = rc_table_import(job, &spec, &s) &&
         rc_import_name_codes(job, "SELECT DISTINCT code AS c FROM mue WHERE source = ?1");
  }
  sqlite3_finalize(s.insert);
  return ok;
}
