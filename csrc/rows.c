/* rows.c: copies SQLite rows into Lua tables. Each non-NULL column becomes a
 * field named after the column (so the SQL's aliases choose the Lua names);
 * integers stay integers, reals become floats, text becomes strings. */
#include "rows.h"

static void push_value(lua_State *L, sqlite3_stmt *st, int col)
{
  switch (sqlite3_column_type(st, col)) {
  case SQLITE_INTEGER:
    lua_pushinteger(L, (lua_Integer)sqlite3_column_int64(st, col));
    break;
  case SQLITE_FLOAT:
    lua_pushnumber(L, (lua_Number)sqlite3_column_double(st, col));
    break;
  default:
    lua_pushlstring(L, (const char *)sqlite3_column_text(st, col),
                    (size_t)sqlite3_column_bytes(st, col));
    break;
  }
}

/* Sets the current row's non-NULL columns as fields of the table at `table`. */
void rc_rows_set_fields(lua_State *L, int table, sqlite3_stmt *st)
{
  int col, n = sqlite3_column_count(st);
  table = lua_absindex(L, table);
  for (col = 0; col < n; col++) {
    if (sqlite3_column_type(st, col) == SQLITE_NULL) continue;
    push_value(L, st, col);
    lua_setfield(L, table, sqlite3_column_name(st, col));
  }
}

/* Steps the statement to its end, pushing a list of row tables. Returns 0
 * if a step failed (the list so far stays pushed). */
int rc_rows_push_list(lua_State *L, sqlite3_stmt *st)
{
  int rc;
  lua_Integer n = 0;
  lua_newtable(L);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    lua_newtable(L);
    rc_rows_set_fields(L, -1, st);
    lua_rawseti(L, -2, ++n);
  }
  sqlite3_reset(st);
  return rc == SQLITE_DONE;
}

/* Turns a 0/1 integer field into a boolean (absent stays absent). */
void rc_rows_to_boolean(lua_State *L, int table, const char *key)
{
  table = lua_absindex(L, table);
  if (lua_getfield(L, table, key) == LUA_TNUMBER) {
    int b = lua_tointeger(L, -1) != 0;
    lua_pop(L, 1);
    lua_pushboolean(L, b);
    lua_setfield(L, table, key);
  } else {
    lua_pop(L, 1);
  }
}
