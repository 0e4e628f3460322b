/* rows.h: SQLite result rows as Lua tables, named by the SQL column names. */
#ifndef RC_ROWS_H
#define RC_ROWS_H

#include <lua.h>
#include <sqlite3.h>

void rc_rows_set_fields(lua_State *L, int table, sqlite3_stmt *st);
int rc_rows_push_list(lua_State *L, sqlite3_stmt *st);
void rc_rows_to_boolean(lua_State *L, int table, const char *key);

#endif
