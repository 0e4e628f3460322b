/* handle.h: the radcode handle, a Lua userdata that owns one database. */
#ifndef RC_HANDLE_H
#define RC_HANDLE_H

#include <lua.h>
#include <lauxlib.h>
#include "db.h"
#include "history.h"
#include "overlay.h"
#include "rules.h"

#define RC_HANDLE_NAME "radcode.Handle"
#define RC_ORIGIN_LEN 200
#define RC_DATA_LOOK_MS 10      /* how often a check asks whether the data changed */

typedef struct rc_handle {
  rc_db db;
  rc_rules *rules;              /* made on the first check, freed on close */
  rc_history *history;          /* opts.history, or in memory on first use */
  rc_overlays *overlays;        /* payer overlays, on the first rc:load_payer */
  size_t overlay_memory;        /* opts.overlay_memory: each overlay's ceiling, bytes */
  long overlay_budget;          /* opts.overlay_instructions: per claim and overlay */
  int is_file;                  /* opts.db: a file other processes may change */
  long long data_version;       /* PRAGMA data_version the rules were made at */
  long long looked_at;          /* when it was last asked, monotonic ms */
  int busy;                     /* calls running on the handle, nested (rc_handle_guard) */
  int closing;                  /* closed during a call: closes when the outermost ends */
  int stale;                    /* rules to drop once no call uses them */
  char origin[RC_ORIGIN_LEN];   /* "embedded default data" or the file path */
} rc_handle;

rc_handle *rc_handle_check(lua_State *L, int idx);
int rc_handle_open(lua_State *L);
void rc_handle_metatable(lua_State *L);
void rc_handle_push_error(lua_State *L, rc_handle *h);
int rc_handle_db_error(lua_State *L, rc_handle *h);
rc_rules *rc_handle_rules(rc_handle *h, char *err, size_t errlen);
rc_history *rc_handle_history(rc_handle *h, char *err, size_t errlen);
void rc_handle_forget_rules(rc_handle *h);
void rc_handle_guard(lua_State *L, int methods);

#endif
