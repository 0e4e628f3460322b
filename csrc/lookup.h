/* lookup.h: rc:lookup(code, opts), the full record of one code. */
#ifndef RC_LOOKUP_H
#define RC_LOOKUP_H

#include <lauxlib.h>

extern const luaL_Reg rc_lookup_methods[];

#endif
