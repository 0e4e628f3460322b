/* search.h: rc:search(text, opts), ranked full-text search over codes. */
#ifndef RC_SEARCH_H
#define RC_SEARCH_H

#include <lauxlib.h>

extern const luaL_Reg rc_search_methods[];

#endif
