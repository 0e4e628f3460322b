/* opts.h: reading option tables passed from Lua, the way lauxlib reads
 * arguments: wrong types and unknown keys raise; bad values give nil, msg.
 * Tables are read raw; strings read stay referenced until the call ends. */
#ifndef RC_OPTS_H
#define RC_OPTS_H

#include <lua.h>
#include "date.h"

const char *rc_check_string(lua_State *L, int arg, size_t *len);
void rc_opts_begin(lua_State *L);
void rc_opts_end(lua_State *L, int idx);
void rc_opts_check(lua_State *L, int idx, const char *const allowed[]);
const char *rc_opts_string(lua_State *L, int idx, const char *key);
lua_Integer rc_opts_integer(lua_State *L, int idx, const char *key,
                            lua_Integer def, lua_Integer min, lua_Integer max);
const char *rc_opts_setting(lua_State *L, int idx, const char *def);
int rc_opts_date(lua_State *L, int idx, char iso[RC_DATE_LEN + 1]);
int rc_check_date(lua_State *L, const char *s, size_t len, char iso[RC_DATE_LEN + 1]);
#define RC_SHOWN_LEN 48
const char *rc_shorten(const char *s, char out[RC_SHOWN_LEN]);
const char *rc_shown(const char *s, size_t len, char out[RC_SHOWN_LEN]);
int rc_fail(lua_State *L);
int rc_failf(lua_State *L, const char *fmt, ...);

#endif
