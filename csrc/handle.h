/* handle.h: the radcode handle, a Lua userdata that owns one database. */
#ifndef RC_HANDLE_H
#define RC_HANDLE_H

#include <lua.h>
#include <lauxlib.h>
#include "db.h"

#define RC_HANDLE_NAME "radcode.Handle"
#define RC_ORIGIN_LEN 200

typedef struct rc_handle {
  rc_db db;
  char origin[RC_ORIGIN_LEN];   /* "embedded default data" or the file path */
} rc_handle;

rc_handle *rc_handle_check(lua_State *L, int idx);
int rc_handle_open(lua_State *L);
void rc_handle_metatable(lua_State *L);
void rc_handle_push_error(lua_State *L, rc_handle *h);
int rc_handle_db_error(lua_State *L, rc_handle *h);

#endif
