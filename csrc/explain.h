/* explain.h: the facts of the code page (rc:_explain_rows), read from the
 * data tables for lua/radcode/explain.lua to put together. */
#ifndef RC_EXPLAIN_H
#define RC_EXPLAIN_H

#include <lauxlib.h>

extern const luaL_Reg rc_explain_methods[];

#endif
