/* import_opps.c: OPPS Addendum B status indicators into payment_status
 * (setting hospital). Columns: hcpcs, status_indicator, payment_rate (the
 * ../shared/cms copies) or CMS's "HCPCS Code", "SI", "Payment Rate", ...
 * after any preamble; the payment rate ($ and thousands commas allowed) is
 * kept when given, and so is the APC (CMS's column "APC": the payment group,
 * 1-5 digits, kept as 4 or more with leading zeros) when the file has one.
 * Every code of the file becomes known (a codes row of
 * family 'other' when radcode does not curate it). Rows hold from opts.from (default
 * 2015-01-01) to opts.to (default open): give the edition's dates, e.g.
 * --to 2025-12-31 for 2025Q4 and --from 2026-01-01 for 2026Q2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "import_table.h"
#include "utf8.h"

enum { CODE, SI, RATE, APC, NCOLUMNS };

typedef struct opps_state {
  sqlite3_stmt *insert;
} opps_state;

static const char *const n_code[] = {"hcpcs", "hcpcs code", "~hcpcs", NULL};
static const char *const n_si[] = {"status_indicator", "si", "~status indicator", NULL};
static const char *const n_rate[] = {"payment_rate", "payment rate", "~payment rate", NULL};

static const char *const n_apc[] = {"apc", NULL};

static const rc_table_column columns[NCOLUMNS] = {{n_code, 1}, {n_si, 1}, {n_rate, 0}, {n_apc, 0}};

static const char sql_insert[] =
  "INSERT INTO payment_status (code, setting, valid_from, valid_to, status, source, payment_rate, apc)"
  " VALUES (?1, 'hospital', ?2, ?3, ?4, ?5, ?6, ?7)"
  " ON CONFLICT (code, setting, valid_from) DO UPDATE SET valid_to = excluded.valid_to,"
  " status = excluded.status, source = excluded.source, payment_rate = excluded.payment_rate,"
  " apc = excluded.apc"
  " WHERE payment_status.source <> excluded.source";

/* A payment rate as CMS writes it ("$1,234.56", "1234.56"); 0 if it is not one. */
static int parse_rate(const char *s, double *out)
{
  char digits[32], *end;
  size_t n = 0;
  for (; *s && n + 1 < sizeof digits; s++)
    if (*s != '$' && *s != ',' && *s != ' ') digits[n++] = *s;
  digits[n] = '\0';
  if (n == 0) return 0;
  *out = strtod(digits, &end);
  return *end == '\0' && *out >= 0;
}

/* An APC as CMS writes it (1-5 digits; a spreadsheet may have dropped its
 * leading zeros): at least 4 digits into out; "" when none; 0 if not one. */
static int parse_apc(const char *s, char out[8])
{
  size_t n = strlen(s);
  out[0] = '\0';
  if (n == 0) return 1;
  if (n > 5 || strspn(s, "0123456789") != n) return 0;
  snprintf(out, 8, "%.*s%s", n < 4 ? (int)(4 - n) : 0, "000", s);
  return 1;
}

static rc_row_result row(rc_import_job *job, void *state, char **f, long line)
{
  opps_state *s = state;
  char code[6], apc[8];
  size_t n = strlen(f[SI]);
  double rate = 0;
  if (!rc_import_code(f[CODE], code, NULL)) return rc_import_reject(job, line, "malformed code '%.*s'", rc_utf8_cut(f[CODE], 20), f[CODE]);
  if (n < 1 || n > 2 || strspn(f[SI], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
    return rc_import_reject(job, line, "bad status indicator '%.*s'", rc_utf8_cut(f[SI], 20), f[SI]);
  sqlite3_bind_text(s->insert, 1, code, 5, SQLITE_STATIC);
  sqlite3_bind_text(s->insert, 4, f[SI], -1, SQLITE_STATIC);
  if (f[RATE][0] == '\0') sqlite3_bind_null(s->insert, 6);
  else if (parse_rate(f[RATE], &rate)) sqlite3_bind_double(s->insert, 6, rate);
  else return rc_import_reject(job, line, "bad payment rate '%.*s'", rc_utf8_cut(f[RATE], 20), f[RATE]);
  if (!parse_apc(f[APC], apc)) return rc_import_reject(job, line, "bad APC '%.*s'", rc_utf8_cut(f[APC], 20), f[APC]);
  rc_import_bind_text(s->insert, 7, apc);
  return rc_import_step(job, s->insert, line);
}

int rc_import_opps(rc_import_job *job)
{
  static const rc_table_spec spec = {columns, NCOLUMNS, ',', 0, row, NULL, NULL};
  opps_state s = {NULL};
  int ok = rc_import_exec(job, "DELETE FROM payment_status WHERE source = ?1 AND setting = 'hospital'", NULL) &&
           rc_import_prepare(job, sql_insert, &s.insert);
  if (ok) {
    rc_import_bind_range(job, s.insert, 2, 3);
    sqlite3_bind_text(s.insert, 5, job->name, -1, SQLITE_STATIC);
    ok = rc_table_import(job, &spec, &s) &&
         rc_import_name_codes(job, "SELECT code AS c FROM payment_status WHERE source = ?1 AND setting = 'hospital'");
  }
  sqlite3_finalize(s.insert);
  return ok;
}
