/* lupgrade.c: core.upgrade(path), radcode.upgrade(path) in Lua: brings a
 * user's database file up to the module's schema and curated data now (as
 * opening it does, upgrade.c) and says what it did: a table
 *   {path, upgraded = true|false, imports = N datasets kept,
 *    from = {schema_version, radcode_version, curated_id}, to = {...}}
 * or nil, message (not a radcode database, a schema too old or too new,
 * a read-only file, a failed upgrade: then the file is unchanged). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "db.h"
#include "upgrade.h"

typedef struct {
  char schema[32], version[64], curated[32];
  long long imports;
} stamp;

static void text_into(sqlite3_stmt *st, int col, char *out, size_t cap)
{
  const char *t = (const char *)sqlite3_column_text(st, col);
  snprintf(out, cap, "%s", t ? t : "");
}

/* What meta says of the database open on conn ("" where it says nothing). */
static void read_stamp(sqlite3 *conn, stamp *s)
{
  sqlite3_stmt *st = NULL;
  memset(s, 0, sizeof *s);
  if (sqlite3_prepare_v2(conn,
        "SELECT (SELECT value FROM meta WHERE key = 'schema_version'),"
        " (SELECT value FROM meta WHERE key = 'radcode_version'),"
        " (SELECT value FROM meta WHERE key = 'curated_id'),"
        " (SELECT count(*) FROM datasets WHERE kind <> 'curated' AND source <> 'curated data (data/*.tsv)')",
        -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    text_into(st, 0, s->schema, sizeof s->schema);
    text_into(st, 1, s->version, sizeof s->version);
    text_into(st, 2, s->curated, sizeof s->curated);
    s->imports = sqlite3_column_int64(st, 3);
  }
  sqlite3_finalize(st);
}

/* The stamp of the file before anything touches it (empty when SQLite
 * cannot read it: rc_db_open_file then says why). */
static void stamp_before(const char *path, stamp *s)
{
  sqlite3 *conn = NULL;
  memset(s, 0, sizeof *s);
  if (sqlite3_open_v2(path, &conn, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) read_stamp(conn, s);
  sqlite3_close(conn);
}

static void push_stamp(lua_State *L, const stamp *s)
{
  lua_createtable(L, 0, 3);
  lua_pushstring(L, s->schema);
  lua_setfield(L, -2, "schema_version");
  lua_pushstring(L, s->version);
  lua_setfield(L, -2, "radcode_version");
  if (s->curated[0]) {
    lua_pushstring(L, s->curated);
    lua_setfield(L, -2, "curated_id");
  }
}

static int failed(lua_State *L, const char *message)
{
  luaL_pushfail(L);
  lua_pushstring(L, message);
  return 2;
}

int rc_upgrade_lua(lua_State *L)
{
  const char *path = luaL_checkstring(L, 1);
  char err[768];
  const char *file;
  stamp before, after;
  rc_db d;
  int in_memory;
  stamp_before(path, &before);
  if (!rc_db_open_file(&d, path, err, sizeof err)) return failed(L, err);
  file = sqlite3_db_filename(d.conn, "main");
  in_memory = file == NULL || file[0] == '\0';
  read_stamp(d.conn, &after);
  rc_db_close(&d);
  if (in_memory) {
    snprintf(err, sizeof err, "cannot upgrade '%s': the file is read-only (radcode reads it with this"
             " radcode's curated data in memory, and leaves the file as it is); make it writable, or copy"
             " it and upgrade the copy: cp FILE NEW.db && radcode db upgrade NEW.db", path);
    return failed(L, err);
  }
  lua_createtable(L, 0, 5);
  lua_pushstring(L, path);
  lua_setfield(L, -2, "path");
  lua_pushboolean(L, strcmp(before.schema, after.schema) != 0 || strcmp(before.curated, after.curated) != 0);
  lua_setfield(L, -2, "upgraded");
  lua_pushinteger(L, (lua_Integer)after.imports);
  lua_setfield(L, -2, "imports");
  push_stamp(L, &before);
  lua_setfield(L, -2, "from");
  push_stamp(L, &after);
  lua_setfield(L, -2, "to");
  return 1;
}
