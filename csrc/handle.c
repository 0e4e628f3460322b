/* handle.c: life of a radcode handle, after liolib's files. The userdata is
 * created closed, then the database is opened; a single idempotent close
 * serves rc:close(), __gc and __close, and every method checks that the
 * handle is still open. Methods live in the metatable's __index table, which
 * lradcode.c fills from the other files and exposes as core.Handle.
 *
 * A method call can run Lua code the host wrote: any allocation may run a
 * __gc finalizer. So every C method runs guarded (rc_handle_guard), in a
 * protected call that always leaves the handle as it found it: while a
 * call runs the handle is busy, a close (rc:close(), also from a
 * finalizer) only marks it closing, and it closes when the outermost call
 * ends. Within a call, only the calls that touch nothing but the rule set
 * and the history (check, pair, record: their SQLite statements never
 * wait on Lua) may run on the same handle; they share the outer call's
 * rules, which are reloaded after it ends when the data changed. Any other
 * call on a busy handle raises: it would reset prepared statements the
 * outer call is stepping, or change the data under it (import, overlays). */
#define _POSIX_C_SOURCE 200809L
#include "handle.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "embed.h"
#include "opts.h"

static void close_all(rc_handle *h);

static rc_handle *to_handle(lua_State *L, int idx)
{
  return (rc_handle *)luaL_checkudata(L, idx, RC_HANDLE_NAME);
}

/* The handle at idx, which must be open. */
rc_handle *rc_handle_check(lua_State *L, int idx)
{
  rc_handle *h = to_handle(L, idx);
  if (h->db.conn == NULL) luaL_error(L, "attempt to use a closed radcode handle");
  return h;
}

/* Pushes the message of the last failed SQLite call on this handle, and
 * what to do when it says the file is damaged. */
void rc_handle_push_error(lua_State *L, rc_handle *h)
{
  char msg[256];
  lua_pushfstring(L, "database error (%s): %s%s", h->origin, rc_db_errmsg(h->db.conn, msg, sizeof msg),
                  rc_db_damage_hint(h->db.conn));
}

/* Returns nil, message for a failed SQLite call on this handle. */
int rc_handle_db_error(lua_State *L, rc_handle *h)
{
  rc_handle_push_error(L, h);
  return rc_fail(L);
}

static void set_origin(rc_handle *h, const char *origin)
{
  size_t n = strlen(origin);
  if (n < RC_ORIGIN_LEN) {
    memcpy(h->origin, origin, n + 1);
  } else {  /* keep the end of a long path, which names the file */
    memcpy(h->origin, "...", 3);
    memcpy(h->origin + 3, origin + n - (RC_ORIGIN_LEN - 4), RC_ORIGIN_LEN - 3);
  }
}

static int open_database(rc_handle *h, const char *path, char *err, size_t errlen)
{
  size_t size;
  const unsigned char *image;
  if (path != NULL) {
    set_origin(h, path);
    h->is_file = 1;
    return rc_db_open_file(&h->db, path, err, errlen);
  }
  set_origin(h, "embedded default data");
  image = rc_default_image(&size);
  return rc_db_open_image(&h->db, image, size, err, errlen);
}

/* opts.cache_mb: the database's page cache, in MiB (0: SQLite's own, 2
 * MiB). A cache that holds the rule tables' working set spares a long run
 * over many codes most of its reads (the page cache grows only as pages
 * are read). 0 with err when SQLite refuses. */
static int set_cache(rc_handle *h, lua_Integer cache_mb, char *err, size_t errlen)
{
  char sql[64];
  if (cache_mb <= 0) return 1;
  snprintf(sql, sizeof sql, "PRAGMA cache_size = -%ld", (long)cache_mb * 1024);
  if (sqlite3_exec(h->db.conn, sql, NULL, NULL, NULL) == SQLITE_OK) return 1;
  snprintf(err, errlen, "cannot set the page cache: %s", sqlite3_errmsg(h->db.conn));
  return 0;
}

static int open_with(lua_State *L)
{
  static const char *const allowed[] = {"db", "history", "overlay_memory", "overlay_instructions", "cache_mb", NULL};
  char err[512];
  const char *path, *history;
  lua_Integer memory, budget, cache_mb;
  rc_handle *h;
  rc_opts_check(L, 1, allowed);
  path = rc_opts_string(L, 1, "db");
  history = rc_opts_string(L, 1, "history");
  memory = rc_opts_integer(L, 1, "overlay_memory", RC_SANDBOX_MEMORY, 256 * 1024, (lua_Integer)1 << 32);
  budget = rc_opts_integer(L, 1, "overlay_instructions", RC_SANDBOX_BUDGET, 10000, 1000000000);
  cache_mb = rc_opts_integer(L, 1, "cache_mb", 0, 1, 4096);
  h = (rc_handle *)lua_newuserdatauv(L, sizeof *h, 0);
  memset(h, 0, sizeof *h);
  h->overlay_memory = (size_t)memory;
  h->overlay_budget = (long)budget;
  luaL_setmetatable(L, RC_HANDLE_NAME);
  if (!open_database(h, path, err, sizeof err) || !set_cache(h, cache_mb, err, sizeof err) ||
      (history != NULL && (h->history = rc_history_open(history, err, sizeof err)) == NULL)) {
    close_all(h);
    rc_opts_end(L, 2);
    lua_pushstring(L, err);
    return rc_fail(L);
  }
  rc_opts_end(L, 2);
  return 1;
}

/* core.open([opts]): opts.db is a database path; without it, the embedded
 * default dataset. opts.overlay_memory and opts.overlay_instructions bound
 * each payer overlay's sandbox; opts.cache_mb sizes the page cache.
 * Returns the handle, or nil, message. The options are read raw (opts.c). */
int rc_handle_open(lua_State *L)
{
  lua_settop(L, 1);
  rc_opts_begin(L);   /* slot 2: the option strings of an enclosing call */
  return open_with(L);
}

/* Drops the rule set and the payers' merged rules (which point into it),
 * so that the next check reads the database again. Keeps them when a new
 * cache cannot be had (out of memory); the next call tries again. */
void rc_handle_forget_rules(rc_handle *h)
{
  rc_overlay *ov;
  rc_codemap *fresh;
  if (h->busy > 1) {   /* an outer call uses them: the next call drops them */
    h->stale = 1;
    return;
  }
  h->stale = 0;
  for (ov = h->overlays ? h->overlays->head : NULL; ov != NULL; ov = ov->next) {
    if ((fresh = rc_codemap_new()) == NULL) {
      h->data_version = -1;
      return;
    }
    rc_codemap_free(ov->merged, rc_rules_free_code);
    ov->merged = fresh;
  }
  rc_rules_free(h->rules);
  h->rules = NULL;
}

/* Has another connection committed to the database file since the rules
 * were made? Asking SQLite (PRAGMA data_version) takes a read lock and a
 * look at the file, about as long as a whole check, so it is asked at
 * most every RC_DATA_LOOK_MS. (The embedded image never changes.) */
static int data_changed(rc_handle *h)
{
  struct timespec ts;
  sqlite3_stmt *st;
  long long version, now;
  if (!h->is_file) return 0;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
  if (h->rules != NULL && now - h->looked_at < RC_DATA_LOOK_MS) return 0;
  h->looked_at = now;
  st = rc_db_statement(&h->db, RC_SQL_DATA_VERSION, "PRAGMA data_version");
  if (st == NULL || sqlite3_step(st) != SQLITE_ROW) return 0;
  version = (long long)sqlite3_column_int64(st, 0);
  sqlite3_reset(st);
  if (version == h->data_version) return 0;
  h->data_version = version;
  return 1;
}

/* The rule set, made on first use and again after another process (an
 * import, say) changed the database: a long-lived handle sees a commit
 * within RC_DATA_LOOK_MS, and never a transaction in progress. A call
 * made inside another (from a finalizer) keeps the rules the outer call
 * uses; the change is seen by the next outermost call. */
rc_rules *rc_handle_rules(rc_handle *h, char *err, size_t errlen)
{
  if (h->busy <= 1 && (data_changed(h) || h->stale) && h->rules != NULL) rc_handle_forget_rules(h);
  if (h->rules == NULL) h->rules = rc_rules_new(h->db.conn, err, errlen);
  return h->rules;
}

/* The history, in memory when the handle was opened without one. */
rc_history *rc_handle_history(rc_handle *h, char *err, size_t errlen)
{
  if (h->history == NULL) h->history = rc_history_open(NULL, err, errlen);
  return h->history;
}

static void close_all(rc_handle *h)
{
  h->closing = 0;
  rc_overlays_free(h->overlays);
  h->overlays = NULL;
  rc_rules_free(h->rules);
  h->rules = NULL;
  rc_history_close(h->history);
  h->history = NULL;
  rc_db_close(&h->db);
}

/* rc:close(), __gc and __close: during a call on the handle (from a
 * finalizer), the handle closes when the call ends. */
static int handle_close(lua_State *L)
{
  rc_handle *h = to_handle(L, 1);
  if (h->busy) h->closing = 1;
  else close_all(h);
  lua_pushboolean(L, 1);
  return 1;
}

static int is_open(const rc_handle *h)
{
  return h->db.conn != NULL && !h->closing;
}

static int handle_tostring(lua_State *L)
{
  rc_handle *h = to_handle(L, 1);
  if (!is_open(h))
    lua_pushliteral(L, "radcode handle (closed)");
  else
    lua_pushfstring(L, "radcode handle (%s)", h->origin);
  return 1;
}

static int handle_save(lua_State *L)
{
  rc_handle *h = rc_handle_check(L, 1);
  size_t len;
  const char *path = luaL_checklstring(L, 2, &len);
  char err[512];
  if (strlen(path) != len) luaL_argerror(L, 2, "the path contains a zero byte");
  if (!rc_db_save(&h->db, path, err, sizeof err)) {
    lua_pushstring(L, err);
    return rc_fail(L);
  }
  lua_pushboolean(L, 1);
  return 1;
}

static int handle_is_open(lua_State *L)
{
  lua_pushboolean(L, is_open(to_handle(L, 1)));
  return 1;
}

static const luaL_Reg metamethods[] = {
  {"__gc", handle_close},
  {"__close", handle_close},
  {"__tostring", handle_tostring},
  {"__index", NULL},
  {NULL, NULL}
};

static const luaL_Reg methods[] = {
  {"close", handle_close},
  {"save", handle_save},
  {"is_open", handle_is_open},
  {NULL, NULL}
};

/* Creates the metatable and leaves its method table on the stack. */
void rc_handle_metatable(lua_State *L)
{
  luaL_newmetatable(L, RC_HANDLE_NAME);
  luaL_setfuncs(L, metamethods, 0);
  luaL_newlib(L, methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_remove(L, -2);
}

/* Raises again the error a guarded method raised. An argument error was
 * made inside the protected call, where the method has no name ('?') and
 * no caller's position: it is made again here, where luaL_argerror finds
 * both, as the method itself would have. */
static int raise_again(lua_State *L)
{
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "", *rest;
  char *end;
  long arg;
  size_t len;
  if (strncmp(msg, "bad argument #", 14) != 0) return lua_error(L);
  arg = strtol(msg + 14, &end, 10);
  if (arg < 1 || arg > 1000 || strncmp(end, " to '?' (", 9) != 0) return lua_error(L);
  rest = end + 9;
  len = strlen(rest);
  if (len == 0 || rest[len - 1] != ')') return lua_error(L);
  lua_pushlstring(L, rest, len - 1);
  return luaL_argerror(L, (int)arg, lua_tostring(L, -1));
}

/* A guarded method: the C function in upvalue 1 runs on a copy of the
 * arguments in a protected call, on a handle anchored at 1 and kept busy;
 * upvalue 2 says whether it may run inside another call on the handle.
 * The handle closes at the end when it was closed meanwhile; an error is
 * raised again after. */
static int guarded(lua_State *L)
{
  rc_handle *h = to_handle(L, 1);
  int n = lua_gettop(L), i, status;
  if (!is_open(h)) return luaL_error(L, "attempt to use a closed radcode handle");
  if (h->busy && !lua_toboolean(L, lua_upvalueindex(2)))
    return luaL_error(L, "radcode handle is busy: another call on it is running (from a __gc finalizer?);"
                         " only check, pair and record may run inside it; use another handle");
  luaL_checkstack(L, n + 2, "too many arguments");
  rc_opts_begin(L);   /* slot n + 1 */
  lua_pushvalue(L, lua_upvalueindex(1));
  for (i = 1; i <= n; i++) lua_pushvalue(L, i);
  h->busy++;
  status = lua_pcall(L, n, LUA_MULTRET, 0);
  if (--h->busy == 0 && h->closing) close_all(h);
  rc_opts_end(L, n + 1);
  if (status != LUA_OK) return raise_again(L);
  return lua_gettop(L) - n - 1;
}

static int is_one_of(const char *name, const char *const names[])
{
  int i;
  for (i = 0; names[i] != NULL; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

/* Guards every C function in the method table at index methods, but
 * close and is_open, which must work during a call. */
void rc_handle_guard(lua_State *L, int methods)
{
  static const char *const free_calls[] = {"close", "is_open", NULL};
  static const char *const nested_calls[] = {"check", "pair", "record", NULL};
  methods = lua_absindex(L, methods);
  lua_pushnil(L);
  while (lua_next(L, methods) != 0) {
    const char *name = lua_tostring(L, -2);
    if (lua_iscfunction(L, -1) && !is_one_of(name, free_calls)) {
      lua_pushboolean(L, is_one_of(name, nested_calls));
      lua_pushcclosure(L, guarded, 2);
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, methods);   /* an existing key: next() goes on */
    } else {
      lua_pop(L, 1);
    }
  }
}
