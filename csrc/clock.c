/* clock.c: radcode.clock(), seconds on a monotonic clock as a float, for
 * timing imports, checks and benchmarks with sub-microsecond resolution
 * (os.clock counts CPU time, os.time whole seconds). */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"

#include <time.h>

int rc_clock(lua_State *L)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
  return 1;
}
