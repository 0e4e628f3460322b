/* clock.c: radcode.clock(), seconds on a monotonic clock as a float, for
 * timing imports, checks and benchmarks with sub-microsecond resolution
 * (os.clock counts CPU time, os.time whole seconds); rc_clock_now() gives
 * the same clock to C (the overlay sandbox's wall-time deadline). */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"

#include <time.h>

/* Seconds on the monotonic clock (wall time that never steps back). */
double rc_clock_now(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int rc_clock(lua_State *L)
{
  lua_pushnumber(L, (lua_Number)rc_clock_now());
  return 1;
}
