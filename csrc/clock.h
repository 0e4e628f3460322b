/* clock.h: a monotonic clock for timing (radcode.clock()). */
#ifndef RC_CLOCK_H
#define RC_CLOCK_H

#include <lua.h>

int rc_clock(lua_State *L);
double rc_clock_now(void);

#endif
