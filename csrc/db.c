/* db.c: opens radcode databases and owns their prepared statements.
 * The embedded default is a SQLite image compiled into the module and opened
 * read-only with sqlite3_deserialize; a user's database is a file of the same
 * schema, opened read-write when it can be and read-only otherwise. Either
 * way the schema version is checked before the handle is used. */
#include "db.h"

#include <stdio.h>
#include <string.h>

static void set_error(char *err, size_t errlen, const char *what, const char *detail)
{
  snprintf(err, errlen, "%s: %s", what, detail);
}

/* The database must say meta.schema_version = RC_SCHEMA_VERSION. */
static int check_schema(sqlite3 *conn, const char *what, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  int ok = 0;
  const char *sql = "SELECT value FROM meta WHERE key = 'schema_version'";
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK) {
    set_error(err, errlen, what, "not a radcode database (no meta table)");
  } else if (sqlite3_step(st) != SQLITE_ROW) {
    set_error(err, errlen, what, "not a radcode database (no schema version)");
  } else if (strcmp((const char *)sqlite3_column_text(st, 0), RC_SCHEMA_VERSION) != 0) {
    snprintf(err, errlen, "%s: schema version %s, this radcode reads version %s",
             what, (const char *)sqlite3_column_text(st, 0), RC_SCHEMA_VERSION);
  } else {
    ok = 1;
  }
  sqlite3_finalize(st);
  return ok;
}

static void init(rc_db *d)
{
  memset(d, 0, sizeof *d);
}

static int fail_open(rc_db *d, char *err, size_t errlen, const char *what)
{
  if (d->conn != NULL && err[0] == '\0')
    set_error(err, errlen, what, sqlite3_errmsg(d->conn));
  sqlite3_close(d->conn);
  d->conn = NULL;
  return 0;
}

/* Opens an existing database file; never creates one. */
int rc_db_open_file(rc_db *d, const char *path, char *err, size_t errlen)
{
  int rc;
  init(d);
  err[0] = '\0';
  rc = sqlite3_open_v2(path, &d->conn, SQLITE_OPEN_READWRITE, NULL);
  if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) {
    sqlite3_close(d->conn);
    d->conn = NULL;
    rc = sqlite3_open_v2(path, &d->conn, SQLITE_OPEN_READONLY, NULL);
  }
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot open database '%s': %s", path,
             d->conn ? sqlite3_errmsg(d->conn) : "out of memory");
    return fail_open(d, err, errlen, path);
  }
  sqlite3_busy_timeout(d->conn, 5000);
  if (!check_schema(d->conn, path, err, errlen)) return fail_open(d, err, errlen, path);
  return 1;
}

/* Opens a read-only in-memory copy-free view of a database image. */
int rc_db_open_image(rc_db *d, const unsigned char *image, size_t size,
                     char *err, size_t errlen)
{
  const char *what = "embedded dataset";
  init(d);
  err[0] = '\0';
  if (sqlite3_open_v2(":memory:", &d->conn, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return fail_open(d, err, errlen, what);
  if (sqlite3_deserialize(d->conn, "main", (unsigned char *)image, (sqlite3_int64)size,
                          (sqlite3_int64)size, SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
    return fail_open(d, err, errlen, what);
  if (!check_schema(d->conn, what, err, errlen)) return fail_open(d, err, errlen, what);
  return 1;
}

/* Idempotent: finalizes every cached statement, then the connection. */
void rc_db_close(rc_db *d)
{
  int i;
  for (i = 0; i < RC_SQL_COUNT; i++) {
    sqlite3_finalize(d->stmt[i]);
    d->stmt[i] = NULL;
  }
  sqlite3_close(d->conn);
  d->conn = NULL;
}

/* The cached statement of a slot, reset and unbound, prepared on first use.
 * Returns NULL when it cannot be prepared (sqlite3_errmsg says why). */
sqlite3_stmt *rc_db_statement(rc_db *d, rc_sql_slot slot, const char *sql)
{
  sqlite3_stmt *st = d->stmt[slot];
  if (st != NULL) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
  }
  if (sqlite3_prepare_v3(d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
    return NULL;
  d->stmt[slot] = st;
  return st;
}

/* Rebuilds the full-text index from the codes table. */
int rc_db_refresh_search(sqlite3 *conn)
{
  return sqlite3_exec(conn,
      "DELETE FROM code_search;"
      "INSERT INTO code_search (code, summary, descriptor, keywords)"
      " SELECT code, summary, descriptor, keywords FROM codes;"
      "INSERT INTO code_search (code_search) VALUES ('optimize');",
      NULL, NULL, NULL);
}

static int exists(const char *path)
{
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return 0;
  fclose(fp);
  return 1;
}

/* Writes a consistent snapshot of the open database to a new file; an
 * existing file, even an empty one, is never overwritten. */
int rc_db_save(rc_db *d, const char *path, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  int rc;
  if (exists(path)) {
    snprintf(err, errlen, "cannot save to '%s': the file exists", path);
    return 0;
  }
  rc = sqlite3_prepare_v2(d->conn, "VACUUM INTO ?1", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
  }
  if (rc != SQLITE_DONE) snprintf(err, errlen, "cannot save to '%s': %s", path, sqlite3_errmsg(d->conn));
  sqlite3_finalize(st);
  return rc == SQLITE_DONE;
}
