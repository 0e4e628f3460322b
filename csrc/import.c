/* import.c: rc:import(kind, path, opts) loads a CMS or AMA file (or a list
 * of files, plain or gzip) into the handle's database, and rc:datasets()
 * lists what has been loaded. The Lua side only reads the arguments into a
 * job (a userdata, so nothing leaks if Lua raises); the import itself runs
 * in C in ONE transaction, in WAL mode so that other processes read on: rows
 * of an earlier import of the same dataset are replaced, bad rows are
 * rejected with their line numbers, a datasets row records the load (with
 * the version and the dates of service the data covers: opts.version,
 * opts.from/to, else editions.tsv or the file name's edition), the
 * search index is rebuilt when codes changed, and any failure (or a kill)
 * rolls everything back. An import that keeps no rows (a header-only file),
 * or rejects more rows than it keeps, fails and changes nothing unless
 * opts.allow_empty is true: the dataset's rows (curated ones too) stay. A
 * file size limit (ulimit -f) is an error, not a kill (fsize.c); a path
 * holding a zero byte is refused. Kinds: ncci-ptp, mue, aoc, hcpcs, rvu, opps,
 * cpt-descriptors, lcd-articles (see import_*.c). */
#define _POSIX_C_SOURCE 200809L
#include "import.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "fsize.h"
#include "handle.h"
#include "importer.h"
#include "opts.h"
#include "ptp_pack.h"
#include "rows.h"

static const char *const kinds[] = {
  "ncci-ptp", "mue", "aoc", "hcpcs", "rvu", "opps", "cpt-descriptors", "lcd-articles", NULL
};
static const rc_import_fn loaders[] = {
  rc_import_ncci, rc_import_mue, rc_import_aoc, rc_import_hcpcs, rc_import_rvu,
  rc_import_opps, rc_import_cpt, rc_import_lcd
};
static const char *const prefixes[] = {
  "CMS NCCI PTP", "CMS MUE", "CMS NCCI AOC", "CMS HCPCS", "CMS PFS RVU",
  "CMS OPPS Addendum B", "AMA CPT descriptors", "CMS MCD articles"
};
enum { K_NCCI, K_MUE };

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exec(rc_import_job *job, const char *sql)
{
  return sqlite3_exec(job->conn, sql, NULL, NULL, NULL) == SQLITE_OK || rc_import_db_fail(job, sql);
}

/* Settings for a bulk load: synchronous NORMAL, and a modest page cache,
 * 8 MiB (the files come sorted by key, so inserts go to the right edge of
 * the b-trees; 32 and 128 MiB measured no faster on the full NCCI file, and
 * a big load spills to the log either way). CHECK constraints are not
 * evaluated per row while importing (the schema's IN-lists cost a temporary
 * b-tree each): the importers check every value those constraints cover
 * before inserting it. */
static void tune(sqlite3 *conn, int on)
{
  if (on)
    sqlite3_exec(conn, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536;"
                       " PRAGMA temp_store = MEMORY; PRAGMA ignore_check_constraints = ON",
                 NULL, NULL, NULL);
  else
    sqlite3_exec(conn, "PRAGMA ignore_check_constraints = OFF", NULL, NULL, NULL);
}

/* Runs a journal_mode pragma; the mode it reports into mode ("" if none). */
static void journal_mode(sqlite3 *conn, const char *sql, char mode[16])
{
  sqlite3_stmt *st = NULL;
  mode[0] = '\0';
  if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    snprintf(mode, 16, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
}

/* The import runs in WAL mode, so that other processes keep reading the
 * data of the last commit while it runs (a rollback journal would lock
 * them out while the import spills and commits), and a killed import
 * leaves a log whose uncommitted frames the next open ignores. It costs a
 * second write of each page (log, then checkpoint). Returns 1 when the
 * database is now in WAL mode. */
static int enter_wal(sqlite3 *conn)
{
  char mode[16];
  journal_mode(conn, "PRAGMA journal_mode = WAL", mode);
  return strcmp(mode, "wal") == 0;   /* else (no shared memory, say) it stays as it was */
}

/* Between imports a radcode database keeps a rollback journal, so that it
 * can be read from read-only media (a WAL database needs its -shm file).
 * SQLite refuses while other connections have the database open; it then
 * stays in WAL mode, which they all read, until the next import's end. */
static void leave_wal(sqlite3 *conn, int wal)
{
  char mode[16];
  if (wal) journal_mode(conn, "PRAGMA journal_mode = DELETE", mode);
}

static const char *base_name(const char *path)
{
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

/* "a.txt, b.txt": the base names of the job's files. */
static void file_names(const rc_import_job *job, char *out, size_t cap)
{
  size_t n = 0;
  int i;
  out[0] = '\0';
  for (i = 0; i < job->npaths && n < cap; i++)
    n += (size_t)snprintf(out + n, cap - n, "%s%s", i ? ", " : "", base_name(job->paths[i]));
}

/* The dates of service the data covers, unless the options gave them: the
 * editions table's (data/editions.tsv) for the dataset's name, else what
 * the edition's form says (rc_import_coverage). */
static int find_coverage(rc_import_job *job)
{
  static const char sql[] = "SELECT valid_from, valid_to FROM editions WHERE name = ?1";
  sqlite3_stmt *st = NULL;
  char from[RC_DATE_LEN + 1], to[RC_DATE_LEN + 1];
  if (!rc_import_prepare(job, sql, &st)) return 0;
  sqlite3_bind_text(st, 1, job->name, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    snprintf(from, sizeof from, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(to, sizeof to, "%s", (const char *)sqlite3_column_text(st, 1));
  } else {
    rc_import_coverage(job->edition, from, to);
  }
  sqlite3_finalize(st);
  if (!job->cover_from[0]) memcpy(job->cover_from, from, sizeof from);
  if (!job->cover_to[0]) memcpy(job->cover_to, to, sizeof to);
  return 1;
}

static int record_dataset(rc_import_job *job, double seconds, sqlite3_int64 *id)
{
  static const char sql[] =
    "INSERT INTO datasets (kind, source, edition, rows_read, rows_kept, rows_rejected,"
    " loaded_at, seconds, name, setting, valid_from, valid_to, version) VALUES (?1, ?2, ?8, ?4, ?5, ?6,"
    " strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?7, ?8, ?9, ?10, ?11, ?3)";
  sqlite3_stmt *st = NULL;
  char files[1000];
  int rc;
  if (!find_coverage(job) || !rc_import_prepare(job, sql, &st)) return 0;
  file_names(job, files, sizeof files);
  sqlite3_bind_text(st, 1, job->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, files, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, job->edition, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 8, job->name, -1, SQLITE_STATIC);
  rc_import_bind_text(st, 9, job->setting ? job->setting : "");
  rc_import_bind_text(st, 10, job->cover_from);
  rc_import_bind_text(st, 11, job->cover_to);
  sqlite3_bind_int64(st, 4, job->read);
  sqlite3_bind_int64(st, 5, job->kept);
  sqlite3_bind_int64(st, 6, job->rejected);
  sqlite3_bind_double(st, 7, seconds);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  *id = sqlite3_last_insert_rowid(job->conn);
  return rc == SQLITE_DONE || rc_import_db_fail(job, "recording the dataset");
}

/* " (first reject: a.csv:3: reason)", or "" when none was kept. */
static void first_reject(const rc_import_job *job, char *out, size_t cap)
{
  out[0] = '\0';
  if (job->nrejects > 0)
    snprintf(out, cap, " (first reject: %s:%ld: %s)", base_name(job->rejects[0].file), job->rejects[0].line,
             job->rejects[0].reason);
}

/* An import that keeps no rows, or fewer than it rejects, would replace
 * the dataset with (almost) nothing: a file with the wrong line ends or
 * columns. It fails unless the options allow it. */
static int enough_rows(rc_import_job *job)
{
  char why[RC_IMPORT_REASON_LEN + 300];
  if (job->allow_empty || (job->kept > 0 && job->rejected <= job->kept)) return 1;
  first_reject(job, why, sizeof why);
  if (job->kept == 0)
    return rc_import_fail(job, "no rows kept of %ld read (%ld rejected, %ld skipped)%s; nothing was changed"
                          " (option allow_empty = true, --allow-empty, replaces the dataset with no rows)",
                          job->read, job->rejected, job->skipped, why);
  return rc_import_fail(job, "more rows rejected (%ld) than kept (%ld)%s; nothing was changed"
                        " (option allow_empty = true, --allow-empty, imports the rows kept anyway)",
                        job->rejected, job->kept, why);
}

/* Loads, records the dataset and rebuilds the search index if needed. */
static int load_all(rc_import_job *job, rc_import_fn load, sqlite3_int64 *id, double start)
{
  if (!load(job) || !enough_rows(job) || !record_dataset(job, now() - start, id)) return 0;
  if (load == rc_import_ncci && rc_ptp_pack_build(job->conn) != SQLITE_OK)
    return rc_import_db_fail(job, "packing the PTP rows");
  if (job->codes_changed && rc_db_refresh_search(job->conn) != SQLITE_OK)
    return rc_import_db_fail(job, "rebuilding the search index");
  return 1;
}

/* Runs the loader in one transaction. Returns 1, or 0 after a rollback. */
static int run(rc_import_job *job, rc_import_fn load, sqlite3_int64 *id, double *seconds)
{
  double start = now();
  rc_fsize guard;
  int ok, wal;
  rc_fsize_begin(&guard);
  wal = enter_wal(job->conn);
  tune(job->conn, 1);
  ok = exec(job, "BEGIN IMMEDIATE");
  if (ok) {
    ok = load_all(job, load, id, start) && exec(job, "COMMIT");
    if (!ok) sqlite3_exec(job->conn, "ROLLBACK", NULL, NULL, NULL);
  }
  tune(job->conn, 0);
  leave_wal(job->conn, wal);
  rc_fsize_end(&guard);
  *seconds = now() - start;
  return ok;
}

/* Lua side ---------------------------------------------------------------- */

/* The path at idx; raises when it hides a zero byte (C would read only
 * its start: "a.csv\0.gz" would import a.csv). */
static const char *check_path(lua_State *L, int idx)
{
  size_t len;
  const char *path = lua_tolstring(L, idx, &len);
  if (strlen(path) != len) luaL_argerror(L, 3, "a path contains a zero byte");
  return path;
}

/* opts.allow_empty: absent, or a boolean. */
static int check_allow_empty(lua_State *L)
{
  int t, on;
  if (lua_isnoneornil(L, 4)) return 0;
  t = lua_getfield(L, 4, "allow_empty");
  if (t != LUA_TNIL && t != LUA_TBOOLEAN)
    luaL_argerror(L, 4, lua_pushfstring(L, "option 'allow_empty' must be a boolean, got %s", luaL_typename(L, -1)));
  on = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return on;
}

/* Reads arg 3, a path or a list of paths, into the job. */
static void check_paths(lua_State *L, rc_import_job *job)
{
  lua_Integer i, n;
  if (lua_type(L, 3) == LUA_TSTRING) {
    job->paths[job->npaths++] = check_path(L, 3);
    return;
  }
  if (lua_type(L, 3) != LUA_TTABLE) luaL_typeerror(L, 3, "string or list of strings");
  n = (lua_Integer)lua_rawlen(L, 3);
  if (n < 1 || n > RC_IMPORT_MAX_FILES)
    luaL_argerror(L, 3, lua_pushfstring(L, "expected 1 to %d paths", RC_IMPORT_MAX_FILES));
  for (i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 3, i) != LUA_TSTRING) luaL_argerror(L, 3, "paths must be strings");
    job->paths[job->npaths++] = check_path(L, -1);   /* anchored in the list */
    lua_pop(L, 1);
  }
}

/* opts.setting: required for ncci-ptp, optional for mue (which also takes
 * dme), refused by the kinds whose setting is fixed. */
static void check_setting(lua_State *L, int kind, rc_import_job *job)
{
  static const char *const settings[] = {"practitioner", "hospital", "dme", NULL};
  const char *s = rc_opts_string(L, 4, "setting");
  int i, last = kind == K_MUE ? 2 : 1;
  job->setting = NULL;
  if (s == NULL) {
    if (kind == K_NCCI) luaL_argerror(L, 4, "ncci-ptp needs option 'setting' (practitioner or hospital)");
    return;
  }
  if (kind != K_NCCI && kind != K_MUE)
    luaL_argerror(L, 4, lua_pushfstring(L, "option 'setting' does not apply to %s files", kinds[kind]));
  for (i = 0; i <= last; i++)
    if (strcmp(s, settings[i]) == 0) job->setting = settings[i];
  if (job->setting == NULL)
    luaL_argerror(L, 4, lua_pushfstring(L, "invalid setting '%s' (expected practitioner%s)", s,
                                        kind == K_MUE ? ", hospital or dme" : " or hospital"));
}

/* opts[key] as an ISO date into out ("" when absent); 0 with a message
 * pushed when it is not a date. */
static int check_date(lua_State *L, const char *key, const char *def, char out[RC_DATE_LEN + 1])
{
  const char *s = rc_opts_string(L, 4, key);
  if (s == NULL) {
    strcpy(out, def);
    return 1;
  }
  if (rc_check_date(L, s, strlen(s), out)) return 1;
  lua_pushfstring(L, "option '%s': %s", key, lua_tostring(L, -1));
  return 0;
}

/* Pushes the result table of a finished import. */
static void push_result(lua_State *L, const rc_import_job *job, sqlite3_int64 id, double seconds)
{
  int i;
  lua_createtable(L, 0, 10);
  lua_pushstring(L, job->kind); lua_setfield(L, -2, "kind");
  lua_pushstring(L, job->name); lua_setfield(L, -2, "source");
  lua_pushstring(L, job->edition); lua_setfield(L, -2, "edition");
  lua_pushstring(L, job->edition); lua_setfield(L, -2, "version");
  if (job->cover_from[0]) { lua_pushstring(L, job->cover_from); lua_setfield(L, -2, "from"); }
  if (job->cover_to[0]) { lua_pushstring(L, job->cover_to); lua_setfield(L, -2, "to"); }
  lua_pushinteger(L, job->read); lua_setfield(L, -2, "rows_read");
  lua_pushinteger(L, job->kept); lua_setfield(L, -2, "rows_kept");
  lua_pushinteger(L, job->rejected); lua_setfield(L, -2, "rows_rejected");
  lua_pushinteger(L, job->skipped); lua_setfield(L, -2, "rows_skipped");
  lua_pushinteger(L, (lua_Integer)id); lua_setfield(L, -2, "dataset");
  lua_pushnumber(L, seconds); lua_setfield(L, -2, "seconds");
  lua_createtable(L, job->nrejects, 0);
  for (i = 0; i < job->nrejects; i++) {
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, job->rejects[i].line); lua_setfield(L, -2, "line");
    lua_pushstring(L, job->rejects[i].reason); lua_setfield(L, -2, "reason");
    lua_pushstring(L, base_name(job->rejects[i].file)); lua_setfield(L, -2, "file");
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "rejects");
}

/* The dataset name: "CMS NCCI PTP practitioner v30.1", "CMS MUE 2024Q2". */
static void name_dataset(rc_import_job *job, int kind, const char *edition)
{
  if (edition == NULL) rc_import_edition(job->paths[0], job->edition, sizeof job->edition);
  else snprintf(job->edition, sizeof job->edition, "%s", edition);
  if (job->setting != NULL)
    snprintf(job->name, sizeof job->name, "%s %s %s", prefixes[kind], job->setting, job->edition);
  else
    snprintf(job->name, sizeof job->name, "%s %s", prefixes[kind], job->edition);
}

/* Can SQLite create its journal beside the file? If not, pushes why. */
static int dir_writable(lua_State *L, const char *file, const char *origin)
{
  char dir[4096];
  const char *slash = strrchr(file, '/');
  size_t n = slash == NULL ? 1 : slash == file ? 1 : (size_t)(slash - file);
  if (n >= sizeof dir) return 1;
  memcpy(dir, slash == NULL ? "." : file, n);
  dir[n] = '\0';
  if (access(dir, W_OK | X_OK) == 0) return 1;
  lua_pushfstring(L, "cannot import into '%s': its directory is not writable (%s),"
                     " and SQLite keeps its journal there", origin, strerror(errno));
  return 0;
}

/* Pushes why the database cannot be imported into, or returns 0: the
 * embedded default is an image deserialized into memory (SQLite's memdb
 * VFS), opened read-only; a file may be read-only, or sit in a directory
 * where SQLite cannot create its journal. */
static int is_read_only(lua_State *L, rc_handle *h)
{
  sqlite3_vfs *vfs = NULL;
  const char *file;
  sqlite3_file_control(h->db.conn, "main", SQLITE_FCNTL_VFS_POINTER, &vfs);
  if (vfs == NULL || strcmp(vfs->zName, "memdb") == 0) {
    lua_pushliteral(L, "the embedded default data is read-only; open a database file"
                       " (radcode.open{db = path}) or save one with rc:save(path)");
    return 1;
  }
  if (sqlite3_db_readonly(h->db.conn, "main")) {
    lua_pushfstring(L, "the database '%s' is read-only", h->origin);
    return 1;
  }
  file = sqlite3_db_filename(h->db.conn, "main");
  return file != NULL && !dir_writable(L, file, h->origin);
}

/* opts.version, or its older name opts.edition (not both). */
static const char *version_of(lua_State *L)
{
  const char *v = rc_opts_string(L, 4, "version"), *e = rc_opts_string(L, 4, "edition");
  if (v != NULL && e != NULL) luaL_argerror(L, 4, "give option 'version' or 'edition', not both");
  return v != NULL ? v : e;
}

static int import(lua_State *L)
{
  static const char *const allowed[] = {"setting", "edition", "version", "from", "to", "allow_empty", NULL};
  rc_handle *h = rc_handle_check(L, 1);
  int kind = luaL_checkoption(L, 2, NULL, kinds);
  rc_import_job *job;
  sqlite3_int64 id = 0;
  double seconds = 0;
  lua_settop(L, 4);
  rc_opts_check(L, 4, allowed);
  job = (rc_import_job *)lua_newuserdatauv(L, sizeof *job, 0);   /* slot 5 */
  memset(job, 0, sizeof *job);
  check_paths(L, job);
  check_setting(L, kind, job);
  job->allow_empty = check_allow_empty(L);
  name_dataset(job, kind, version_of(L));
  if (!check_date(L, "from", RC_FIRST_DOS, job->from) || !check_date(L, "to", "", job->to)) return rc_fail(L);
  if (rc_opts_string(L, 4, "from") != NULL) memcpy(job->cover_from, job->from, sizeof job->from);
  memcpy(job->cover_to, job->to, sizeof job->to);
  if (is_read_only(L, h)) return rc_fail(L);
  job->conn = h->db.conn;
  job->kind = kinds[kind];
  if (!run(job, loaders[kind], &id, &seconds)) return rc_failf(L, "import %s: %s", job->kind, job->err);
  rc_handle_forget_rules(h);   /* this connection's own commit: PRAGMA data_version does not see it */
  push_result(L, job, id, seconds);
  return 1;
}

static int datasets(lua_State *L)
{
  static const char sql[] =
    "SELECT id, kind, coalesce(name, source) AS name, version, valid_from AS \"from\","
    " valid_to AS \"to\", setting, source AS files, source, edition, rows_read, rows_kept, rows_rejected,"
    " loaded_at, seconds FROM datasets ORDER BY id";
  rc_handle *h = rc_handle_check(L, 1);
  sqlite3_stmt *st = rc_db_statement(&h->db, RC_SQL_DATASETS, sql);
  if (st == NULL || !rc_rows_push_list(L, st)) return rc_handle_db_error(L, h);
  return 1;
}

const luaL_Reg rc_import_methods[] = {
  {"import", import},
  {"datasets", datasets},
  {NULL, NULL}
};
