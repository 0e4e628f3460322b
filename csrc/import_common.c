/* import_common.c: helpers every importer uses: rejecting a row with its
 * line number (the first RC_IMPORT_MAX_REJECTS are kept with their reason),
 * failing the whole import, codes and YYYYMMDD dates as CMS writes them,
 * and stepping an INSERT so that a duplicate or a row that breaks a table
 * constraint is a reject while any other database error is fatal. */
#define _POSIX_C_SOURCE 200809L
#include "importer.h"
#include "db.h"
#include "fsize.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Counts a rejected row and keeps its reason. Returns RC_ROW_REJECTED. */
rc_row_result rc_import_reject(rc_import_job *job, long line, const char *fmt, ...)
{
  rc_import_rejection *r;
  va_list ap;
  if (job->nrejects < RC_IMPORT_MAX_REJECTS) {
    r = &job->rejects[job->nrejects++];
    r->file = job->path;
    r->line = line;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
  }
  return RC_ROW_REJECTED;
}

/* Sets the reason the import fails. Returns 0. */
int rc_import_fail(rc_import_job *job, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(job->err, sizeof job->err, fmt, ap);
  va_end(ap);
  return 0;
}

int rc_import_db_fail(rc_import_job *job, const char *what)
{
  char msg[256];
  return rc_import_fail(job, "%s: database error: %s%s%s", what, rc_db_errmsg(job->conn, msg, sizeof msg),
                        rc_db_damage_hint(job->conn), rc_fsize_hint(job->conn));
}

/* Adds a row's outcome to the counts (a fatal row counts as read only; a
 * deferred one is counted when its handler decides). */
void rc_import_count(rc_import_job *job, rc_row_result r)
{
  if (r == RC_ROW_DEFERRED) return;
  job->read++;
  if (r == RC_ROW_KEPT) job->kept++;
  else if (r == RC_ROW_REJECTED) job->rejected++;
  else if (r == RC_ROW_SKIPPED) job->skipped++;
}

static int is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bytes of blank at s: a space, tab or line end, or a no-break space
 * (UTF-8 C2 A0, or A0 alone as Latin-1 writes it). 0 if none. */
static size_t blank_at(const char *s)
{
  const unsigned char *u = (const unsigned char *)s;
  if (is_blank(s[0])) return 1;
  if (u[0] == 0xC2 && u[1] == 0xA0) return 2;
  return u[0] == 0xA0;
}

static size_t blank_before(const char *s, size_t n)
{
  const unsigned char *u = (const unsigned char *)s;
  if (n == 0) return 0;
  if (is_blank(s[n - 1])) return 1;
  if (u[n - 1] == 0xA0) return (n >= 2 && u[n - 2] == 0xC2) ? 2 : 1;
  return 0;
}

/* Strips outer blanks (no-break spaces too) in place. */
char *rc_import_trim(char *s)
{
  size_t n, k;
  while ((k = blank_at(s)) > 0) s += k;
  n = strlen(s);
  while ((k = blank_before(s, n)) > 0) n -= k;
  s[n] = '\0';
  return s;
}

static int is_alnum_upper(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/* A code as CMS files carry them: five letters or digits (CPT 77407,
 * 0001A, 0002M, 0591T; HCPCS G6003), upper-cased. The system is CPT when
 * it starts with a digit, HCPCS when with a letter. Returns 0 if malformed. */
int rc_import_code(const char *s, char out[6], const char **system)
{
  int i;
  for (i = 0; i < 5; i++) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (!is_alnum_upper(c)) return 0;
    out[i] = c;
  }
  out[5] = '\0';
  if (s[5] != '\0') return 0;
  if (system) *system = (out[0] >= '0' && out[0] <= '9') ? "CPT" : "HCPCS";
  return 1;
}

/* A CMS date YYYYMMDD (or YYYY-MM-DD) as a day number; 0 if it is not one. */
int rc_import_day8(const char *s, long *day)
{
  char tmp[RC_DATE_LEN + 1];
  size_t n = strlen(s);
  if (n == 8 && strspn(s, "0123456789") == 8) {
    memcpy(tmp, s, 4);
    tmp[4] = '-';
    memcpy(tmp + 5, s + 4, 2);
    tmp[7] = '-';
    memcpy(tmp + 8, s + 6, 2);
    tmp[10] = '\0';
    s = tmp;
    n = RC_DATE_LEN;
  }
  return rc_date_parse(s, n, day) == RC_DATE_OK;
}

/* A CMS date YYYYMMDD (or YYYY-MM-DD) as an ISO date; 0 if it is not one. */
int rc_import_date8(const char *s, char iso[RC_DATE_LEN + 1])
{
  long day;
  if (!rc_import_day8(s, &day)) return 0;
  rc_date_format(day, iso);
  return 1;
}

/* The ISO date before a valid ISO date. */
void rc_import_day_before(const char iso[RC_DATE_LEN + 1], char out[RC_DATE_LEN + 1])
{
  long day = 0;
  rc_date_parse(iso, RC_DATE_LEN, &day);
  rc_date_format(day - 1, out);
}

int rc_import_prepare(rc_import_job *job, const char *sql, sqlite3_stmt **st)
{
  if (sqlite3_prepare_v2(job->conn, sql, -1, st, NULL) == SQLITE_OK) return 1;
  return rc_import_db_fail(job, "preparing the import");
}

/* Runs a statement with ?1 = the dataset name and ?2 = setting (or NULL). */
int rc_import_exec(rc_import_job *job, const char *sql, const char *setting)
{
  sqlite3_stmt *st = NULL;
  int rc;
  if (!rc_import_prepare(job, sql, &st)) return 0;
  sqlite3_bind_text(st, 1, job->name, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(st) >= 2) rc_import_bind_text(st, 2, setting);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || rc_import_db_fail(job, "replacing the previous rows");
}

/* Binds text, or NULL for a NULL or empty string. The text must outlive
 * the next step (SQLITE_STATIC). */
void rc_import_bind_text(sqlite3_stmt *st, int i, const char *s)
{
  if (s == NULL || s[0] == '\0') sqlite3_bind_null(st, i);
  else sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Binds the job's date range (opts.from, opts.to) to two parameters. */
void rc_import_bind_range(rc_import_job *job, sqlite3_stmt *st, int from, int to)
{
  sqlite3_bind_text(st, from, job->from, -1, SQLITE_STATIC);
  rc_import_bind_text(st, to, job->to);
}

/* Steps an INSERT. Nothing inserted (an upsert that found a row of this
 * same import) is a duplicate; a constraint failure rejects the row. */
rc_row_result rc_import_step(rc_import_job *job, sqlite3_stmt *st, long line)
{
  int rc = sqlite3_step(st);
  rc_row_result result = RC_ROW_KEPT;
  if (rc == SQLITE_DONE && sqlite3_changes(job->conn) == 0)
    result = rc_import_reject(job, line, "duplicate of an earlier row of this import (same key)");
  else if (rc == SQLITE_CONSTRAINT)
    result = rc_import_reject(job, line, "refused by the database: %s", sqlite3_errmsg(job->conn));
  else if (rc != SQLITE_DONE)
    result = (rc_import_db_fail(job, "inserting a row"), RC_ROW_FATAL);
  sqlite3_reset(st);
  return result;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static size_t digits_at(const char *s)
{
  size_t n = 0;
  while (is_digit(s[n])) n++;
  return n;
}

/* "v301" (NCCI version 30.1) -> "v30.1". */
static int ncci_version(const char *s, size_t i, char *out, size_t cap)
{
  size_t n = digits_at(s + i + 1);
  if ((s[i] != 'v' && s[i] != 'V') || (i > 0 && is_alpha(s[i - 1])) || n < 3 || n > 4) return 0;
  snprintf(out, cap, "v%.*s.%c", (int)(n - 1), s + i + 1, s[i + n]);
  return 1;
}

/* "2024q2" -> "2024Q2", "2024a" -> "2024A", "2019" -> "2019". */
static int year_edition(const char *s, size_t i, char *out, size_t cap, int year_only)
{
  const char *y = s + i, *t = y + 4;
  if ((i > 0 && is_digit(s[i - 1])) || digits_at(y) != 4 || (y[0] != '1' && y[0] != '2')) return 0;
  if ((t[0] == 'q' || t[0] == 'Q') && t[1] >= '1' && t[1] <= '4' && !is_digit(t[2]) && !year_only)
    return snprintf(out, cap, "%.4sQ%c", y, t[1]), 1;
  if (strchr("abcdABCD", t[0]) && t[0] && !is_alpha(t[1]) && !year_only)
    return snprintf(out, cap, "%.4s%c", y, (char)(t[0] & ~0x20)), 1;
  if (year_only && !is_alpha(t[0])) return snprintf(out, cap, "%.4s", y), 1;
  return 0;
}

/* The edition a file name gives: an NCCI version, a year and quarter or
 * release letter, a year; else the base name without its extensions. */
void rc_import_edition(const char *path, char *out, size_t cap)
{
  const char *slash = strrchr(path, '/');
  char base[128];
  size_t i, n;
  snprintf(base, sizeof base, "%s", slash ? slash + 1 : path);
  base[strcspn(base, ".")] = '\0';
  n = strlen(base);
  for (i = 0; i < n; i++)
    if (ncci_version(base, i, out, cap)) return;
  for (i = 0; i < n; i++)
    if (year_edition(base, i, out, cap, 0)) return;
  for (i = 0; i < n; i++)
    if (year_edition(base, i, out, cap, 1)) return;
  snprintf(out, cap, "%s", base[0] ? base : "unnamed");
}

/* The dates of service an edition covers, from its form: NCCI version
 * "v30.1" is the second quarter of 2024 (version 30 is 2024, .0 to .3 its
 * quarters), "2024Q2" a quarter, "2024A" (a PFS RVU release) and "2019"
 * (HCPCS) a calendar year. Returns 0 (from and to "") for other forms. */
int rc_import_coverage(const char *edition, char from[RC_DATE_LEN + 1], char to[RC_DATE_LEN + 1])
{
  static const char *const first[] = {"01-01", "04-01", "07-01", "10-01"};
  static const char *const last[] = {"03-31", "06-30", "09-30", "12-31"};
  int year = 0, quarter = 0, major, minor, n = 0;
  char tail[4] = "";
  from[0] = to[0] = '\0';
  if (sscanf(edition, "v%d.%d%n", &major, &minor, &n) == 2 && edition[n] == '\0' && major >= 21 &&
      major < 100 && minor >= 0 && minor <= 3)
    year = 1994 + major, quarter = minor + 1;
  else if (sscanf(edition, "%4d%3s", &year, tail) >= 1 && strlen(edition) <= 6 && year >= 1990 && year < 2100 &&
           is_digit(edition[3]))
    quarter = (tail[0] == 'Q' && tail[1] >= '1' && tail[1] <= '4' && !tail[2]) ? tail[1] - '0'
              : (!tail[0] || (strchr("ABCD", tail[0]) && !tail[1])) ? 0 : -1;
  else
    return 0;
  if (year == 0 || quarter < 0) return 0;
  snprintf(from, RC_DATE_LEN + 1, "%04d-%s", year, first[quarter ? quarter - 1 : 0]);
  snprintf(to, RC_DATE_LEN + 1, "%04d-%s", year, last[quarter ? quarter - 1 : 3]);
  return 1;
}

/* Prepares the INSERT of rc_import_name_codes over `select`, ?1 and ?2
 * bound. */
static int prepare_name_codes(rc_import_job *job, const char *select, sqlite3_stmt **st)
{
  char sql[1024];
  snprintf(sql, sizeof sql,
           "INSERT OR IGNORE INTO codes (code, system, family, summary, effective, source)"
           " SELECT c, CASE WHEN substr(c, 1, 1) BETWEEN '0' AND '9' THEN 'CPT' ELSE 'HCPCS' END, 'other',"
           " CASE WHEN substr(c, 1, 1) BETWEEN '0' AND '9'"
           " THEN 'CPT code (no radcode summary; import your licensed CPT file for its descriptor)'"
           " ELSE 'HCPCS Level II code (no radcode summary; import the HCPCS file for its descriptor)' END,"
           " min(?2, '2015-01-01'), ?1 FROM (%s) WHERE c IS NOT NULL AND length(c) = 5",
           select);
  if (!rc_import_prepare(job, sql, st)) return 0;
  sqlite3_bind_text(*st, 1, job->name, -1, SQLITE_STATIC);
  sqlite3_bind_text(*st, 2, job->from, -1, SQLITE_STATIC);
  return 1;
}

/* Makes every code an import named known: a codes row of family 'other'
 * (system from the code, a neutral summary, effective 2015-01-01 or the
 * import's earlier start, source the dataset) for each code `select` (a
 * SELECT of one column, ?1 = the dataset name) gives that codes lacks.
 * Curated rows and rows of other files are left as they are. */
int rc_import_name_codes(rc_import_job *job, const char *select)
{
  sqlite3_stmt *st = NULL;
  int rc;
  if (!prepare_name_codes(job, select, &st)) return 0;
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return rc_import_db_fail(job, "naming the file's codes");
  job->codes_changed = 1;
  return 1;
}

/* The same for a list of n codes of five characters each, one after the
 * other, named in the list's order (sorted, it gives the codes rows the
 * order a SELECT ... UNION would). */
int rc_import_name_list(rc_import_job *job, const char *codes, size_t n)
{
  sqlite3_stmt *st = NULL;
  size_t i;
  int rc = SQLITE_DONE;
  if (!prepare_name_codes(job, "SELECT ?3 AS c", &st)) return 0;
  for (i = 0; i < n && rc == SQLITE_DONE; i++) {
    sqlite3_bind_text(st, 3, codes + 5 * i, 5, SQLITE_STATIC);
    if ((rc = sqlite3_step(st)) != SQLITE_DONE) rc_import_db_fail(job, "naming the file's codes");
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return 0;
  job->codes_changed = 1;
  return 1;
}
