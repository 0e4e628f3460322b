/* import_lcd.c: the CMS Medicare Coverage Database "current article" CSV
 * export (its folder, or its zip read directly: zip.c) into lcd_article, lcd_article_code,
 * lcd_article_dx and lcd_article_contractor. Files read from the folder:
 * article.csv (article_id, article_version, title, dates), and
 * article_x_hcpc_code.csv (article_id, hcpc_code_id, hcpc_code_group),
 * article_x_icd10_covered.csv (article_id, icd10_code_id,
 * icd10_covered_group, description), article_x_contractor.csv (article_id,
 * contractor_id); optional: article_x_icd10_noncovered.csv, contractor.csv
 * (contractor_id, contractor_number, contractor_bus_name),
 * contractor_jurisdiction.csv (contractor_id, state_id) and state_lookup.csv
 * (state_id, state_abbrev), which give contractors their numbers and states.
 * The export is a snapshot: an import replaces every article loaded before.
 * In a zip the files are found by base name in any folder of it (the export
 * nests them, e.g. current_article_csv/article.csv) and streamed. The MCD
 * download wraps that zip in another (current_article.zip holding
 * current_article_csv.zip): a zip without article.csv but with one member
 * named *csv.zip is read through that inner zip, copied to a temporary
 * file first (a zip is read from its end). */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "import_table.h"
#include "zip.h"
#include "utf8.h"

typedef struct lcd_state {
  sqlite3_stmt *insert;
  int covered;            /* for the ICD-10 files: 1 covered, 0 not covered */
} lcd_state;

typedef struct lcd_file {
  const char *name;
  int required;
  const rc_table_column *columns;
  int ncolumns;
  rc_table_row_fn row;
  const char *sql;
  int covered;
} lcd_file;

static const char *const n_article[] = {"article_id", NULL};
static const char *const n_version[] = {"article_version", NULL};
static const char *const n_title[] = {"title", "article_title", NULL};
static const char *const n_from[] = {"article_eff_date", "article_efctv_dt", "effective_date", "~eff", NULL};
static const char *const n_to[] = {"article_end_date", "article_end_dt", "end_date", "~end", NULL};
static const char *const n_hcpc[] = {"hcpc_code_id", "hcpc_code", "~hcpc_code_id", NULL};
static const char *const n_hgroup[] = {"hcpc_code_group", NULL};
static const char *const n_dx[] = {"icd10_code_id", "icd10_code", NULL};
static const char *const n_cgroup[] = {"icd10_covered_group", "icd10_noncovered_group", "~group", NULL};
static const char *const n_desc[] = {"description", "icd10_description", NULL};
static const char *const n_contractor[] = {"contractor_id", NULL};
static const char *const n_number[] = {"contractor_number", NULL};
static const char *const n_name[] = {"contractor_bus_name", "contractor_name", NULL};
static const char *const n_state[] = {"state_id", NULL};
static const char *const n_abbrev[] = {"state_abbrev", "state_abbreviation", NULL};

static const rc_table_column c_article[] = {{n_article, 1}, {n_version, 0}, {n_title, 1}, {n_from, 0}, {n_to, 0}};
static const rc_table_column c_code[] = {{n_article, 1}, {n_hcpc, 1}, {n_hgroup, 0}};
static const rc_table_column c_dx[] = {{n_article, 1}, {n_dx, 1}, {n_cgroup, 0}, {n_desc, 0}};
static const rc_table_column c_acontr[] = {{n_article, 1}, {n_contractor, 1}};
static const rc_table_column c_contr[] = {{n_contractor, 1}, {n_number, 0}, {n_name, 0}};
static const rc_table_column c_juris[] = {{n_contractor, 1}, {n_state, 1}};
static const rc_table_column c_states[] = {{n_state, 1}, {n_abbrev, 1}};

static const char sql_stage[] =
  "DELETE FROM lcd_article; DELETE FROM lcd_article_code; DELETE FROM lcd_article_dx;"
  " DELETE FROM lcd_article_contractor;"
  " CREATE TEMP TABLE IF NOT EXISTS lcd_x_contractor (article_id TEXT, contractor_id TEXT, UNIQUE (article_id, contractor_id));"
  " CREATE TEMP TABLE IF NOT EXISTS lcd_contractor (contractor_id TEXT PRIMARY KEY, number TEXT, name TEXT);"
  " CREATE TEMP TABLE IF NOT EXISTS lcd_juris (contractor_id TEXT, state_id TEXT, UNIQUE (contractor_id, state_id));"
  " CREATE TEMP TABLE IF NOT EXISTS lcd_states (state_id TEXT PRIMARY KEY, abbrev TEXT);"
  " DELETE FROM lcd_x_contractor; DELETE FROM lcd_contractor; DELETE FROM lcd_juris; DELETE FROM lcd_states;";

static const char sql_finish[] =
  "INSERT OR IGNORE INTO lcd_article_contractor (article_id, contractor_id, number, name, state)"
  " SELECT x.article_id, x.contractor_id, coalesce(c.number, ''), coalesce(c.name, ''), coalesce(s.abbrev, '')"
  " FROM lcd_x_contractor x LEFT JOIN lcd_contractor c ON c.contractor_id = x.contractor_id"
  " LEFT JOIN lcd_juris j ON j.contractor_id = x.contractor_id LEFT JOIN lcd_states s ON s.state_id = j.state_id;"
  " DELETE FROM lcd_x_contractor; DELETE FROM lcd_contractor; DELETE FROM lcd_juris; DELETE FROM lcd_states;";

static int is_digits(const char *s)
{
  return s[0] != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 16;
}

/* An ISO date from "YYYY-MM-DD..." or "MM/DD/YYYY"; "" otherwise. */
static void date_of(const char *s, char out[RC_DATE_LEN + 1])
{
  int y, m, d;
  out[0] = '\0';
  if (sscanf(s, "%4d-%2d-%2d", &y, &m, &d) == 3 || sscanf(s, "%2d/%2d/%4d", &m, &d, &y) == 3)
    if (y > 1900 && y < 3000 && m >= 1 && m <= 12 && d >= 1 && d <= 31) snprintf(out, RC_DATE_LEN + 1, "%04d-%02d-%02d", y, m, d);
}

/* Inserts the bound row; a repeat of a row (another version) is skipped. */
static rc_row_result step(rc_import_job *job, sqlite3_stmt *st, long line)
{
  int rc = sqlite3_step(st);
  int changed = sqlite3_changes(job->conn);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return changed ? RC_ROW_KEPT : RC_ROW_SKIPPED;
  if (rc == SQLITE_CONSTRAINT) return rc_import_reject(job, line, "refused by the database: %s", sqlite3_errmsg(job->conn));
  return (rc_import_db_fail(job, "inserting a row"), RC_ROW_FATAL);
}

static rc_row_result bad_article(rc_import_job *job, long line, const char *id)
{
  return rc_import_reject(job, line, "bad article_id '%.*s'", rc_utf8_cut(id, 20), id);
}

static rc_row_result row_article(rc_import_job *job, void *state, char **f, long line)
{
  lcd_state *s = state;
  char from[RC_DATE_LEN + 1], to[RC_DATE_LEN + 1];
  if (!is_digits(f[0])) return bad_article(job, line, f[0]);
  if (f[2][0] == '\0') return rc_import_reject(job, line, "article %s has no title", f[0]);
  date_of(f[3], from);
  date_of(f[4], to);
  sqlite3_bind_text(s->insert, 1, f[0], -1, SQLITE_STATIC);
  rc_import_bind_text(s->insert, 2, f[1]);
  sqlite3_bind_text(s->insert, 3, f[2], -1, SQLITE_STATIC);
  rc_import_bind_text(s->insert, 4, from);
  rc_import_bind_text(s->insert, 5, to);
  sqlite3_bind_text(s->insert, 6, job->name, -1, SQLITE_STATIC);
  return step(job, s->insert, line);
}

static int group_of(const char *s)
{
  int g = 0;
  if (s[0] != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 9) sscanf(s, "%d", &g);
  return g;
}

static rc_row_result row_code(rc_import_job *job, void *state, char **f, long line)
{
  lcd_state *s = state;
  char code[6];
  if (!is_digits(f[0])) return bad_article(job, line, f[0]);
  if (!rc_import_code(f[1], code, NULL)) return rc_import_reject(job, line, "malformed code '%.*s'", rc_utf8_cut(f[1], 20), f[1]);
  sqlite3_bind_text(s->insert, 1, f[0], -1, SQLITE_STATIC);
  sqlite3_bind_text(s->insert, 2, code, 5, SQLITE_STATIC);
  sqlite3_bind_int(s->insert, 3, group_of(f[2]));
  return step(job, s->insert, line);
}

/* An ICD-10-CM code, upper case without its dot, into out; 0 if malformed. */
static int icd10(const char *s, char out[8])
{
  size_t n = 0;
  for (; *s && n < 8; s++) {
    if (*s == '.' && n == 3 && s[-1] != '.') continue;   /* one dot, after the category */
    out[n++] = (char)(*s >= 'a' && *s <= 'z' ? *s - 32 : *s);
  }
  if (*s || n < 3 || n > 7) return 0;
  out[n] = '\0';
  return out[0] >= 'A' && out[0] <= 'Z' && strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

static rc_row_result row_dx(rc_import_job *job, void *state, char **f, long line)
{
  lcd_state *s = state;
  char dx[8];
  if (!is_digits(f[0])) return bad_article(job, line, f[0]);
  if (!icd10(f[1], dx)) return rc_import_reject(job, line, "malformed ICD-10-CM code '%.*s'", rc_utf8_cut(f[1], 20), f[1]);
  sqlite3_bind_text(s->insert, 1, f[0], -1, SQLITE_STATIC);
  sqlite3_bind_text(s->insert, 2, dx, -1, SQLITE_STATIC);
  sqlite3_bind_int(s->insert, 3, s->covered);
  sqlite3_bind_int(s->insert, 4, group_of(f[2]));
  rc_import_bind_text(s->insert, 5, f[3]);
  return step(job, s->insert, line);
}

/* Rows of the contractor files, kept as text in the staging tables. */
static rc_row_result row_pair(rc_import_job *job, void *state, char **f, long line, int n)
{
  lcd_state *s = state;
  int i;
  if (f[0][0] == '\0' || f[1][0] == '\0') return rc_import_reject(job, line, "a row without its ids");
  for (i = 0; i < n; i++) rc_import_bind_text(s->insert, i + 1, f[i]);
  return step(job, s->insert, line);
}

static rc_row_result row_two(rc_import_job *job, void *state, char **f, long line)
{
  return row_pair(job, state, f, line, 2);
}

static rc_row_result row_contractor(rc_import_job *job, void *state, char **f, long line)
{
  lcd_state *s = state;
  int i;
  if (f[0][0] == '\0') return rc_import_reject(job, line, "a row without its contractor_id");
  for (i = 0; i < 3; i++) rc_import_bind_text(s->insert, i + 1, f[i]);
  return step(job, s->insert, line);
}

#define FILE_OF(c) c, (int)(sizeof c / sizeof c[0])

static const lcd_file files[] = {
  {"article.csv", 1, FILE_OF(c_article), row_article,
   "INSERT OR IGNORE INTO lcd_article (article_id, version, title, effective, ended, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", 0},
  {"article_x_hcpc_code.csv", 1, FILE_OF(c_code), row_code,
   "INSERT OR IGNORE INTO lcd_article_code (article_id, code, grp) VALUES (?1, ?2, ?3)", 0},
  {"article_x_icd10_covered.csv", 1, FILE_OF(c_dx), row_dx,
   "INSERT OR IGNORE INTO lcd_article_dx (article_id, dx, covered, grp, description) VALUES (?1, ?2, ?3, ?4, ?5)", 1},
  {"article_x_icd10_noncovered.csv", 0, FILE_OF(c_dx), row_dx,
   "INSERT OR IGNORE INTO lcd_article_dx (article_id, dx, covered, grp, description) VALUES (?1, ?2, ?3, ?4, ?5)", 0},
  {"article_x_contractor.csv", 1, FILE_OF(c_acontr), row_two,
   "INSERT OR IGNORE INTO lcd_x_contractor (article_id, contractor_id) VALUES (?1, ?2)", 0},
  {"contractor.csv", 0, FILE_OF(c_contr), row_contractor,
   "INSERT OR IGNORE INTO lcd_contractor (contractor_id, number, name) VALUES (?1, ?2, ?3)", 0},
  {"contractor_jurisdiction.csv", 0, FILE_OF(c_juris), row_two,
   "INSERT OR IGNORE INTO lcd_juris (contractor_id, state_id) VALUES (?1, ?2)", 0},
  {"state_lookup.csv", 0, FILE_OF(c_states), row_two,
   "INSERT OR IGNORE INTO lcd_states (state_id, abbrev) VALUES (?1, ?2)", 0},
};

static int exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where the export's files are: a folder, or a zip. */
typedef struct lcd_source {
  const char *dir;
  rc_zip *zip;
} lcd_source;

static int missing(rc_import_job *job, const lcd_source *src, const lcd_file *file)
{
  if (!file->required) return 1;
  return rc_import_fail(job, "%s: no %s: give the folder of the MCD article export or its zip", src->dir, file->name);
}

/* Reads one file from the zip: its member of that base name, streamed. */
static int load_member(rc_import_job *job, const lcd_source *src, const lcd_file *file, const rc_table_spec *spec,
                       lcd_state *s)
{
  int i = rc_zip_find(src->zip, file->name), ok;
  rc_reader *r;
  if (i == -1) return missing(job, src, file) ? -1 : 0;
  if (i == -2) return rc_import_fail(job, "%s: more than one member is named %s", src->dir, file->name);
  if ((r = rc_zip_reader(src->zip, i, job->err, sizeof job->err)) == NULL) return 0;
  ok = rc_table_import_reader(job, spec, s, r, file->name);
  rc_reader_close(r);
  return ok;
}

/* Reads one file of the folder (the job's paths point at it meanwhile). */
static int load_path(rc_import_job *job, const lcd_source *src, const lcd_file *file, const rc_table_spec *spec,
                     lcd_state *s)
{
  char path[4096];
  const char *saved = job->paths[0];
  int saved_n = job->npaths, ok;
  snprintf(path, sizeof path, "%s/%s", src->dir, file->name);
  if (!exists(path)) return missing(job, src, file) ? -1 : 0;
  job->paths[0] = path;
  job->npaths = 1;
  ok = rc_table_import(job, spec, s);
  job->paths[0] = saved;
  job->npaths = saved_n;
  return ok;
}

/* Loads one file of the export; an absent optional one is passed over. */
static int load(rc_import_job *job, const lcd_source *src, const lcd_file *file)
{
  int first = job->nrejects, ok, i;
  rc_table_spec spec = {file->columns, file->ncolumns, ',', 0, file->row, NULL, NULL};
  lcd_state s = {NULL, file->covered};
  if (!rc_import_prepare(job, file->sql, &s.insert)) return 0;
  ok = src->zip ? load_member(job, src, file, &spec, &s) : load_path(job, src, file, &spec, &s);
  sqlite3_finalize(s.insert);
  if (ok < 0) return 1;
  job->path = file->name;   /* the file by name: its path is gone on return */
  for (i = first; i < job->nrejects; i++) job->rejects[i].file = file->name;
  return ok;
}

static int load_all(rc_import_job *job, const lcd_source *src)
{
  size_t i;
  if (sqlite3_exec(job->conn, sql_stage, NULL, NULL, NULL) != SQLITE_OK) return rc_import_db_fail(job, "staging");
  for (i = 0; i < sizeof files / sizeof files[0]; i++)
    if (!load(job, src, &files[i])) return 0;
  if (sqlite3_exec(job->conn, sql_finish, NULL, NULL, NULL) != SQLITE_OK) return rc_import_db_fail(job, "contractors");
  return 1;
}

/* The member of a zip that is itself the export's CSV zip (its base name
 * ends in csv.zip): its index, -1 when none, -2 when several. */
static int inner_zip(const rc_zip *z)
{
  int i, found = -1;
  for (i = 0; i < rc_zip_count(z); i++) {
    const char *name = rc_zip_name(z, i), *base = strrchr(name, '/');
    size_t n;
    base = base ? base + 1 : name;
    n = strlen(base);
    if (n < 7 || strcasecmp(base + n - 7, "csv.zip") != 0) continue;
    if (found >= 0) return -2;
    found = i;
  }
  return found;
}

/* Copies member i of outer (the inner zip) to a new temporary file, whose
 * name goes to tmp; 0 with the job failed. */
static int copy_inner(rc_import_job *job, const char *path, rc_zip *outer, int i, char *tmp, size_t size)
{
  const char *dir = getenv("TMPDIR");
  char why[256] = "";
  FILE *fp;
  int fd, ok;
  snprintf(tmp, size, "%s/radcode-lcd-XXXXXX", dir && dir[0] ? dir : "/tmp");
  if ((fd = mkstemp(tmp)) < 0) return rc_import_fail(job, "%s: cannot make a temporary file for its inner zip", path);
  if ((fp = fdopen(fd, "wb")) == NULL) {
    close(fd);
    unlink(tmp);
    return rc_import_fail(job, "%s: cannot write a temporary file for its inner zip", path);
  }
  ok = rc_zip_extract(outer, i, fp, why, sizeof why);
  if (fclose(fp) != 0 && ok) ok = 0, snprintf(why, sizeof why, "cannot write the inner zip to a temporary file");
  if (!ok) unlink(tmp);
  return ok || rc_import_fail(job, "%s: %s", path, why);
}

/* The export zipped twice: reads it from the inner zip, member i of outer. */
static int load_inner(rc_import_job *job, const char *path, rc_zip *outer, int i)
{
  char tmp[4096], why[256] = "";
  lcd_source src = {path, NULL};
  int ok;
  if (!copy_inner(job, path, outer, i, tmp, sizeof tmp)) return 0;
  if ((src.zip = rc_zip_open(tmp, why, sizeof why)) == NULL)
    ok = rc_import_fail(job, "%s: inner zip %s: %s", path, rc_zip_name(outer, i), why);
  else
    ok = load_all(job, &src);
  rc_zip_close(src.zip);
  unlink(tmp);
  return ok;
}

/* A file: the export's zip, read in place (or through its inner CSV zip). */
static int load_zip(rc_import_job *job, const char *path)
{
  char why[256] = "";
  lcd_source src = {path, rc_zip_open(path, why, sizeof why)};
  int ok, inner;
  if (src.zip == NULL)
    return rc_import_fail(job, "%s: %s (give the folder of the MCD article export or its zip)", path, why);
  inner = rc_zip_find(src.zip, "article.csv") == -1 ? inner_zip(src.zip) : -1;
  if (inner == -2) ok = rc_import_fail(job, "%s: more than one inner zip ends in csv.zip", path);
  else ok = inner >= 0 ? load_inner(job, path, src.zip, inner) : load_all(job, &src);
  rc_zip_close(src.zip);
  return ok;
}

int rc_import_lcd(rc_import_job *job)
{
  struct stat st;
  const char *dir = job->paths[0];
  lcd_source src = {dir, NULL};
  if (job->npaths != 1) return rc_import_fail(job, "lcd-articles takes one folder or zip");
  if (stat(dir, &st) == 0 && S_ISREG(st.st_mode)) return load_zip(job, dir);
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return rc_import_fail(job, "%s: not a folder or a zip (give the folder of the MCD article export or its zip)", dir);
  return load_all(job, &src);
}
