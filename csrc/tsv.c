/* tsv.c: loads one curated data file (data/<table>.tsv) into its table.
 * The format is documented in data/README.md: '#' lines are comments, blank
 * lines are skipped, the first other line names the columns, fields are
 * separated by single tabs and an empty field is NULL. Every row is checked
 * by the schema's constraints; the first bad row stops the load with its
 * file and line in the message (curated data must be right, not skipped). */
#define _POSIX_C_SOURCE 200809L
#include "tsv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 64
#define MAX_NAME 64

typedef struct loader {
  const char *path;
  long line;
  sqlite3 *conn;
  sqlite3_stmt *insert;
  int columns;
  char *err;
  size_t errlen;
} loader;

static int fail(loader *ld, const char *what)
{
  snprintf(ld->err, ld->errlen, "%s:%ld: %s", ld->path, ld->line, what);
  return 0;
}

static int is_name(const char *s)
{
  size_t i, n = strlen(s);
  if (n == 0 || n >= MAX_NAME) return 0;
  for (i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) return 0;
  return 1;
}

/* The table a file loads into: its base name without ".tsv". */
static int table_of(const char *path, char out[MAX_NAME])
{
  const char *base = strrchr(path, '/');
  size_t n;
  base = base ? base + 1 : path;
  n = strlen(base);
  if (n < 5 || n - 4 >= MAX_NAME || strcmp(base + n - 4, ".tsv") != 0) return 0;
  memcpy(out, base, n - 4);
  out[n - 4] = '\0';
  return is_name(out);
}

/* Splits a line in place at tabs; drops the line end. */
static int split(char *line, char *fields[MAX_FIELDS + 1])
{
  int n = 0;
  char *p = line;
  line[strcspn(line, "\r\n")] = '\0';
  fields[n++] = p;
  while ((p = strchr(p, '\t')) != NULL && n <= MAX_FIELDS) {
    *p++ = '\0';
    fields[n++] = p;
  }
  return n;
}

static int prepare_insert(loader *ld, const char *table, char *fields[], int n)
{
  char sql[4096];
  size_t used = (size_t)snprintf(sql, sizeof sql, "INSERT INTO \"%s\" (", table);
  int i;
  if (n > MAX_FIELDS) return fail(ld, "too many columns");
  for (i = 0; i < n; i++) {
    if (!is_name(fields[i])) return fail(ld, "bad column name in header");
    used += (size_t)snprintf(sql + used, sizeof sql - used, "%s\"%s\"", i ? ", " : "", fields[i]);
  }
  used += (size_t)snprintf(sql + used, sizeof sql - used, ") VALUES (");
  for (i = 0; i < n; i++) used += (size_t)snprintf(sql + used, sizeof sql - used, i ? ", ?" : "?");
  snprintf(sql + used, sizeof sql - used, ")");
  if (sqlite3_prepare_v2(ld->conn, sql, -1, &ld->insert, NULL) != SQLITE_OK)
    return fail(ld, sqlite3_errmsg(ld->conn));
  ld->columns = n;
  return 1;
}

static int insert_row(loader *ld, char *fields[], int n)
{
  char msg[128];
  int i;
  if (n != ld->columns) {
    snprintf(msg, sizeof msg, "expected %d fields, found %d", ld->columns, n);
    return fail(ld, msg);
  }
  sqlite3_reset(ld->insert);
  for (i = 0; i < n; i++) {
    if (fields[i][0] == '\0') sqlite3_bind_null(ld->insert, i + 1);
    else sqlite3_bind_text(ld->insert, i + 1, fields[i], -1, SQLITE_TRANSIENT);
  }
  if (sqlite3_step(ld->insert) != SQLITE_DONE) return fail(ld, sqlite3_errmsg(ld->conn));
  return 1;
}

static int load_lines(loader *ld, FILE *fp, const char *table, long *rows)
{
  char *line = NULL, *fields[MAX_FIELDS + 1];
  size_t cap = 0;
  int ok = 1, n;
  while (ok && getline(&line, &cap, fp) != -1) {
    ld->line++;
    if (line[0] == '#' || line[strspn(line, " \t\r\n")] == '\0') continue;
    n = split(line, fields);
    if (ld->insert == NULL) ok = prepare_insert(ld, table, fields, n);
    else if ((ok = insert_row(ld, fields, n))) (*rows)++;
  }
  free(line);
  if (ok && ld->insert == NULL) ok = fail(ld, "no header line");
  return ok;
}

/* Loads the file into the table its name gives. Returns 1 and the row count,
 * or 0 with the reason in err. */
int rc_tsv_load(sqlite3 *conn, const char *path, long *rows, char *err, size_t errlen)
{
  loader ld = {0};
  char table[MAX_NAME];
  FILE *fp;
  int ok;
  ld.path = path;
  ld.conn = conn;
  ld.err = err;
  ld.errlen = errlen;
  *rows = 0;
  if (!table_of(path, table)) return fail(&ld, "file name must be <table>.tsv");
  if ((fp = fopen(path, "r")) == NULL) return fail(&ld, "cannot open");
  ok = load_lines(&ld, fp, table, rows);
  fclose(fp);
  sqlite3_finalize(ld.insert);
  return ok;
}
