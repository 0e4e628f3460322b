/* handle.c: life of a radcode handle, after liolib's files. The userdata is
 * created closed, then the database is opened; a single idempotent close
 * serves rc:close(), __gc and __close, and every method checks that the
 * handle is still open. Methods live in the metatable's __index table, which
 * lradcode.c fills from the other files and exposes as core.Handle. */
#define _POSIX_C_SOURCE 200809L
#include "handle.h"

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

/* core.open([opts]): opts.db is a database path; without it, the embedded
 * default dataset. opts.overlay_memory and opts.overlay_instructions bound
 * each payer overlay's sandbox. Returns the handle, or nil, message. */
int rc_handle_open(lua_State *L)
{
  static const char *const allowed[] = {"db", "history", "overlay_memory", "overlay_instructions", NULL};
  char err[512];
  const char *path, *history;
  lua_Integer memory, budget;
  rc_handle *h;
  rc_opts_check(L, 1, allowed);
  path = rc_opts_string(L, 1, "db");
  history = rc_opts_string(L, 1, "history");
  memory = rc_opts_integer(L, 1, "overlay_memory", RC_SANDBOX_MEMORY, 256 * 1024, (lua_Integer)1 << 32);
  budget = rc_opts_integer(L, 1, "overlay_instructions", RC_SANDBOX_BUDGET, 10000, 1000000000);
  h = (rc_handle *)lua_newuserdatauv(L, sizeof *h, 0);
  memset(h, 0, sizeof *h);
  h->overlay_memory = (size_t)memory;
  h->overlay_budget = (long)budget;
  luaL_setmetatable(L, RC_HANDLE_NAME);
  if (!open_database(h, path, err, sizeof err) ||
      (history != NULL && (h->history = rc_history_open(history, err, sizeof err)) == NULL)) {
    close_all(h);
    lua_pushstring(L, err);
    return rc_fail(L);
  }
  return 1;
}

/* Drops the rule set and the payers' merged rules (which point into it),
 * so that the next check reads the database again. Keeps them when a new
 * cache cannot be had (out of memory); the next call tries again. */
void rc_handle_forget_rules(rc_handle *h)
{
  rc_overlay *ov;
  rc_codemap *fresh;
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
 * within RC_DATA_LOOK_MS, and never a transaction in progress. */
rc_rules *rc_handle_rules(rc_handle *h, char *err, size_t errlen)
{
  if (data_changed(h) && h->rules != NULL) rc_handle_forget_rules(h);
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
  rc_overlays_free(h->overlays);
  h->overlays = NULL;
  rc_rules_free(h->rules);
  h->rules = NULL;
  rc_history_close(h->history);
  h->history = NULL;
  rc_db_close(&h->db);
}

static int handle_close(lua_State *L)
{
  rc_handle *h = to_handle(L, 1);
  close_all(h);
  lua_pushboolean(L, 1);
  return 1;
}

static int handle_tostring(lua_State *L)
{
  rc_handle *h = to_handle(L, 1);
  if (h->db.conn == NULL)
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
  lua_pushboolean(L, to_handle(L, 1)->db.conn != NULL);
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
