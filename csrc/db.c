/* db.c: opens radcode databases and owns their prepared statements.
 * The embedded default is a SQLite image compiled into the module and opened
 * read-only with sqlite3_deserialize; a user's database is a file of the same
 * schema, opened read-write when it can be and read-only otherwise. Before
 * SQLite reads a file, the file itself is looked at (missing, empty, not
 * SQLite, shorter than its header says), so that each of these gets its own
 * message; then the schema version is checked before the handle is used,
 * and a file of an older schema, or of other curated data than the module's,
 * is brought up to the module's (upgrade.c). */
#define _POSIX_C_SOURCE 200809L
#include "db.h"
#include "fsize.h"
#include "upgrade.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* A connection belongs to one handle, which one Lua state uses at a time:
 * SQLite's per-call mutex (serialized mode) is not needed, and it cost
 * about 4% of loading a code's rules (eleven API calls a PTP row). */
#define OPEN_FLAGS SQLITE_OPEN_NOMUTEX

static void set_error(char *err, size_t errlen, const char *what, const char *detail)
{
  snprintf(err, errlen, "%s: %s", what, detail);
}

/* errno values that say why a write or an open failed. */
static int explains(int e)
{
  return e == ENOSPC || e == EFBIG || e == EDQUOT || e == EROFS || e == EIO || e == EACCES || e == EPERM;
}

/* SQLite's message for the last failed call, with the system's reason
 * when a file operation failed ("disk I/O error (File too large)"). Call
 * it straight after the failure: SQLite keeps no errno for a failed
 * commit, so the errno of the moment is the next best witness. */
const char *rc_db_errmsg(sqlite3 *conn, char *buf, size_t len)
{
  int now = errno, code = sqlite3_errcode(conn), sys = sqlite3_system_errno(conn);
  if (sys == 0 && explains(now)) sys = now;
  if ((code == SQLITE_IOERR || code == SQLITE_CANTOPEN) && sys != 0)
    snprintf(buf, len, "%s (%s)", sqlite3_errmsg(conn), strerror(sys));
  else
    snprintf(buf, len, "%s", sqlite3_errmsg(conn));
  return buf;
}

/* What to do when the last failed call on conn found the file damaged, to
 * append to its message; "" otherwise. */
const char *rc_db_damage_hint(sqlite3 *conn)
{
  int code = sqlite3_errcode(conn) & 0xff;
  return code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? "; the database file is damaged: restore it from a copy" : "";
}

/* Why the meta table cannot be read, by SQLite's error code (wal: the
 * file's header says WAL mode). */
static void unreadable(sqlite3 *conn, const char *what, int wal, char *err, size_t errlen)
{
  char msg[256];
  int code = sqlite3_errcode(conn);
  if (code == SQLITE_NOTADB)
    set_error(err, errlen, what, "not a radcode database: file is not a database");
  else if (code == SQLITE_CORRUPT)
    snprintf(err, errlen, "%s: the database file is damaged (%s); restore it from a copy",
             what, sqlite3_errmsg(conn));
  else if ((code == SQLITE_CANTOPEN || code == SQLITE_READONLY) && wal)
    snprintf(err, errlen, "%s: cannot read this database in WAL mode: SQLite needs to create its"
             " -shm file beside it and cannot (%s); open it once where it can be written, or run"
             " sqlite3 FILE 'PRAGMA journal_mode = DELETE'", what, rc_db_errmsg(conn, msg, sizeof msg));
  else if (code == SQLITE_ERROR)
    set_error(err, errlen, what, "not a radcode database (no meta table)");
  else
    snprintf(err, errlen, "%s: cannot read the database: %s", what, rc_db_errmsg(conn, msg, sizeof msg));
}

/* Reads meta.schema_version: 1 with its number in *version (0 when it is
 * not a number), else 0 with the reason. */
static int read_schema(sqlite3 *conn, const char *what, int wal, long *version, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  const char *text;
  char *end;
  int rc = SQLITE_ERROR;
  const char *sql = "SELECT value FROM meta WHERE key = 'schema_version'";
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK || (rc = sqlite3_step(st)) != SQLITE_ROW) {
    if (rc == SQLITE_DONE) set_error(err, errlen, what, "not a radcode database (no schema version)");
    else unreadable(conn, what, wal, err, errlen);
    sqlite3_finalize(st);
    return 0;
  }
  text = (const char *)sqlite3_column_text(st, 0);
  *version = text ? strtol(text, &end, 10) : 0;
  if (text == NULL || end == text || *end != '\0') *version = 0;
  snprintf(err, errlen, "%s", text ? text : "(none)");   /* kept for the message */
  sqlite3_finalize(st);
  return 1;
}

/* The file's schema version must be one this radcode reads (its own) or
 * migrates (RC_SCHEMA_OLDEST and later, see upgrade.c); own: the image. */
static int check_schema(sqlite3 *conn, const char *what, int wal, int own, long *version,
                        char *err, size_t errlen)
{
  char text[64], how[96];
  long current = strtol(RC_SCHEMA_VERSION, NULL, 10);
  if (!read_schema(conn, what, wal, version, err, errlen)) return 0;
  snprintf(text, sizeof text, "%s", err);
  err[0] = '\0';
  if (*version == current || (!own && *version >= RC_SCHEMA_OLDEST && *version < current)) return 1;
  if (*version > current)
    snprintf(how, sizeof how, ", or use the newer radcode that wrote it");
  else
    snprintf(how, sizeof how, " (databases of schema version %d and later are migrated when opened)",
             RC_SCHEMA_OLDEST);
  snprintf(err, errlen, "%s: schema version %s, this radcode reads version %s; make a new"
           " database with this radcode (radcode.open():save(path)) and import your files again%s",
           what, text, RC_SCHEMA_VERSION, how);
  return 0;
}

/* ---- the file, before SQLite reads it ---- */

static unsigned long big_endian(const unsigned char *p, int n)
{
  unsigned long v = 0;
  int i;
  for (i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

/* Is there a non-empty journal or write-ahead log beside path? Then the
 * file alone may lag behind its header until SQLite recovers it. */
static int has_journal(const char *path)
{
  static const char *const suffixes[] = {"-journal", "-wal"};
  char side[4096];
  struct stat st;
  int i;
  for (i = 0; i < 2; i++)
    if (snprintf(side, sizeof side, "%s%s", path, suffixes[i]) < (int)sizeof side &&
        stat(side, &st) == 0 && st.st_size > 0)
      return 1;
  return 0;
}

/* The size the header gives (page count times page size), or -1 when the
 * header does not vouch for it (SQLite then trusts the file's size). */
static long long header_size(const unsigned char h[100])
{
  unsigned long page = big_endian(h + 16, 2), pages = big_endian(h + 28, 4);
  if (page == 1) page = 65536;
  if (pages == 0 || big_endian(h + 24, 4) != big_endian(h + 92, 4)) return -1;
  return (long long)pages * (long long)page;
}

/* Reads the 100-byte header; returns the bytes read. */
static size_t read_header(const char *path, unsigned char h[100])
{
  size_t n;
  FILE *fp = fopen(path, "rb");
  if (fp == NULL) return 0;
  n = fread(h, 1, 100, fp);
  fclose(fp);
  return n;
}

/* Looks at the header of a regular, non-empty file of size bytes; sets
 * *wal when the database is in WAL mode. */
static int inspect_header(const char *path, long long size, int *wal, char *err, size_t errlen)
{
  static const char magic[16] = "SQLite format 3";
  unsigned char h[100];
  size_t n = read_header(path, h);
  long long want;
  if (n < sizeof magic || memcmp(h, magic, sizeof magic) != 0) {
    set_error(err, errlen, path, "not a radcode database: file is not a database");
    return 0;
  }
  if (n < 100) {
    snprintf(err, errlen, "%s: the database file is truncated: %lld bytes, less than its header;"
             " restore it from a copy", path, size);
    return 0;
  }
  want = header_size(h);
  if (want > size && !has_journal(path)) {
    snprintf(err, errlen, "%s: the database file is truncated: %lld bytes where its header says %lld;"
             " restore it from a copy", path, size, want);
    return 0;
  }
  *wal = h[18] == 2;
  return 1;
}

/* 1 when the file at path may be a database; else 0 with the reason. */
static int inspect_file(const char *path, int *wal, char *err, size_t errlen)
{
  struct stat st;
  if (stat(path, &st) != 0) {
    snprintf(err, errlen, "cannot open database '%s': %s", path,
             errno == ENOENT ? "no such file" : strerror(errno));
    return 0;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, errlen, "cannot open database '%s': %s", path,
             S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
    return 0;
  }
  if (st.st_size == 0) {
    set_error(err, errlen, path, "not a radcode database: the file is empty");
    return 0;
  }
  return inspect_header(path, (long long)st.st_size, wal, err, errlen);
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
  int rc, wal = 0;
  long version;
  init(d);
  err[0] = '\0';
  if (strncmp(path, "file:", 5) != 0 && !inspect_file(path, &wal, err, errlen)) return 0;   /* URIs: SQLite's */
  rc = sqlite3_open_v2(path, &d->conn, SQLITE_OPEN_READWRITE | OPEN_FLAGS, NULL);
  if (rc == SQLITE_READONLY || rc == SQLITE_CANTOPEN) {
    sqlite3_close(d->conn);
    d->conn = NULL;
    rc = sqlite3_open_v2(path, &d->conn, SQLITE_OPEN_READONLY | OPEN_FLAGS, NULL);
  }
  if (rc != SQLITE_OK) {
    snprintf(err, errlen, "cannot open database '%s': %s", path,
             d->conn ? sqlite3_errmsg(d->conn) : "out of memory");
    return fail_open(d, err, errlen, path);
  }
  sqlite3_busy_timeout(d->conn, 5000);
  if (!check_schema(d->conn, path, wal, 0, &version, err, errlen) ||
      !rc_upgrade_follow(&d->conn, path, version, err, errlen))
    return fail_open(d, err, errlen, path);
  return 1;
}

/* Opens a read-only in-memory copy-free view of a database image. */
int rc_db_open_image(rc_db *d, const unsigned char *image, size_t size,
                     char *err, size_t errlen)
{
  const char *what = "embedded dataset";
  long version;
  init(d);
  err[0] = '\0';
  if (sqlite3_open_v2(":memory:", &d->conn, SQLITE_OPEN_READWRITE | OPEN_FLAGS, NULL) != SQLITE_OK)
    return fail_open(d, err, errlen, what);
  if (sqlite3_deserialize(d->conn, "main", (unsigned char *)image, (sqlite3_int64)size,
                          (sqlite3_int64)size, SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
    return fail_open(d, err, errlen, what);
  if (!check_schema(d->conn, what, 0, 1, &version, err, errlen)) return fail_open(d, err, errlen, what);
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

/* Removes what a failed save left at path (the file and SQLite's logs). */
static void remove_partial(const char *path)
{
  static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
  char name[4200];
  size_t i;
  for (i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
    if ((size_t)snprintf(name, sizeof name, "%s%s", path, suffixes[i]) < sizeof name) remove(name);
}

/* Writes a consistent snapshot of the open database to a new file; an
 * existing file, even an empty one, is never overwritten, and a failed
 * save leaves no file behind. A file size limit is an error (fsize.c). */
int rc_db_save(rc_db *d, const char *path, char *err, size_t errlen)
{
  sqlite3_stmt *st = NULL;
  rc_fsize guard;
  char msg[256];
  int rc;
  if (exists(path)) {
    snprintf(err, errlen, "cannot save to '%s': the file exists", path);
    return 0;
  }
  rc_fsize_begin(&guard);
  rc = sqlite3_prepare_v2(d->conn, "VACUUM INTO ?1", -1, &st, NULL);
  if (rc == SQLITE_OK) {
    sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
  }
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "cannot save to '%s': %s%s", path, rc_db_errmsg(d->conn, msg, sizeof msg),
             rc_fsize_hint(d->conn));
    remove_partial(path);
  }
  sqlite3_finalize(st);
  rc_fsize_end(&guard);
  return rc == SQLITE_DONE;
}
