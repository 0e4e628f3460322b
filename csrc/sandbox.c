/* sandbox.c: where overlay code runs. Each overlay gets its own lua_State,
 * made with lua_newstate and a counting allocator that refuses to grow past
 * a ceiling, with only the base (without load, loadfile, dofile, require,
 * collectgarbage, print, warn), string (without dump), table, math and utf8
 * libraries. An instruction budget bounds the work done for one claim: a
 * count hook, installed once so that short calls add up too, charges the
 * VM's instructions; the allocator charges one instruction per 64 bytes it
 * hands out; library functions whose work depends on their arguments are
 * charged before they run (sandbox_cost.c). What the count cannot see (a
 * long string compared, a long vararg list copied, in one instruction) is
 * caught by a CPU-time and wall-time backstop proportional to the budget,
 * checked by the hook and by every charge; a run that returns past it
 * (work in one C call) is a stop too, so what it did is not used. pcall and
 * xpcall are replaced by versions that cannot swallow a stop (budget,
 * memory or time), and setmetatable refuses __gc, so no finalizer runs
 * behind the check's back (finalizers, like message handlers called for
 * a stop, run with hooks off). rc_sandbox_run calls a C function under
 * lua_pcall and says how it ended; while it runs, rc_sandbox_current gives
 * that call's context to the C functions overlay code calls back. */
#define _POSIX_C_SOURCE 200809L
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <lauxlib.h>
#include <lualib.h>
#include "clock.h"

#define HOOK_STEP 1000
#define BYTES_PER_INSTRUCTION 64

struct rc_sandbox {
  lua_State *S;
  size_t used, limit;
  long count, budget, timed;       /* instructions charged, allowed, and charged when the time was last read */
  double seconds, spent, started;   /* CPU time: allowed per claim, spent in earlier runs, this run's start */
  double wall_spent, wall_started;  /* the same in wall time (monotonic clock): the same limit */
  rc_sandbox_status stopped;        /* RC_SB_BUDGET, RC_SB_MEMORY or RC_SB_TIME once stopped */
  void *current;                    /* the running call's context, NULL between calls */
};

/* This thread's CPU time, in seconds. */
static double cpu_now(void)
{
  struct timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *sb_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
  rc_sandbox *sb = ud;
  size_t old = ptr ? osize : 0;
  void *p;
  if (nsize == 0) {
    free(ptr);
    sb->used -= old;
    return NULL;
  }
  if (nsize > old && sb->used - old + nsize > sb->limit) return NULL;
  if ((p = realloc(ptr, nsize)) == NULL) return NULL;
  sb->used = sb->used - old + nsize;
  if (nsize > old) sb->count += (long)((nsize - old) / BYTES_PER_INSTRUCTION);
  return p;
}

static rc_sandbox *of(lua_State *S)
{
  void *ud;
  lua_getallocf(S, &ud);
  return ud;
}

/* Has this claim's run used more CPU or wall time than it may? */
static int out_of_time(const rc_sandbox *sb)
{
  return sb->spent + cpu_now() - sb->started > sb->seconds ||
         sb->wall_spent + rc_clock_now() - sb->wall_started > sb->seconds;
}

/* Stops the overlay (raises in S) when its budget or time is spent. */
static void enforce(lua_State *S, rc_sandbox *sb)
{
  if (!sb->stopped && sb->count > sb->budget) sb->stopped = RC_SB_BUDGET;
  if (!sb->stopped && sb->count - sb->timed >= HOOK_STEP) {   /* the clocks are read every HOOK_STEP charged */
    sb->timed = sb->count;
    if (out_of_time(sb)) sb->stopped = RC_SB_TIME;
  }
  if (sb->stopped == RC_SB_TIME) luaL_error(S, "time limit of %f s reached", sb->seconds);
  if (sb->stopped) luaL_error(S, "instruction budget of %I exceeded", (lua_Integer)sb->budget);
}

static void sb_hook(lua_State *S, lua_Debug *ar)
{
  rc_sandbox *sb = of(S);
  (void)ar;
  sb->count += HOOK_STEP;
  enforce(S, sb);
}

/* Charges work done in C to the budget; raises in S when it is spent. */
void rc_sandbox_charge(lua_State *S, double instructions)
{
  rc_sandbox *sb = of(S);
  double left = (double)sb->budget - (double)sb->count;
  if (!(instructions >= 1)) instructions = 1;   /* NaN from odd arguments: the call itself will complain */
  sb->count = instructions > left ? sb->budget + 1 : sb->count + (long)instructions;
  enforce(S, sb);
}

/* Instructions left in the budget. */
long rc_sandbox_left(lua_State *S)
{
  rc_sandbox *sb = of(S);
  return sb->count < sb->budget ? sb->budget - sb->count : 0;
}

/* The context of the call rc_sandbox_run is making, or NULL. */
void *rc_sandbox_current(lua_State *S)
{
  return of(S)->current;
}

/* After a protected call inside overlay code: a stop is passed on. */
static int finish_pcall(lua_State *S, int status, int base)
{
  rc_sandbox *sb = of(S);
  if (status == LUA_ERRMEM && !sb->stopped) sb->stopped = RC_SB_MEMORY;
  if (sb->stopped) return lua_error(S);
  lua_pushboolean(S, status == LUA_OK);
  lua_replace(S, base);
  return lua_gettop(S) - base + 1;
}

static int sb_pcall(lua_State *S)
{
  int status;
  luaL_checkany(S, 1);
  lua_pushnil(S);
  lua_insert(S, 1);   /* slot 1 receives the status */
  status = lua_pcall(S, lua_gettop(S) - 2, LUA_MULTRET, 0);
  return finish_pcall(S, status, 1);
}

/* The message handler xpcall installs: the overlay's (upvalue 1), except
 * for a stop. A stop raised by the count hook reaches the handler while
 * hooks are off, so an overlay's handler that looped then would never be
 * stopped again. */
static int sb_handler(lua_State *S)
{
  if (of(S)->stopped) return 1;
  lua_pushvalue(S, lua_upvalueindex(1));
  lua_insert(S, 1);
  lua_call(S, lua_gettop(S) - 1, 1);
  return 1;
}

static int sb_xpcall(lua_State *S)
{
  int n = lua_gettop(S), status;
  luaL_checktype(S, 2, LUA_TFUNCTION);
  lua_pushvalue(S, 1);
  lua_pushvalue(S, 2);
  lua_pushcclosure(S, sb_handler, 1);
  lua_replace(S, 1);   /* 1: the handler */
  lua_replace(S, 2);   /* 2: the function */
  status = lua_pcall(S, n - 2, LUA_MULTRET, 1);
  return finish_pcall(S, status, 1);
}

static int sb_setmetatable(lua_State *S)
{
  if (lua_type(S, 2) == LUA_TTABLE) {
    lua_pushliteral(S, "__gc");
    if (lua_rawget(S, 2) != LUA_TNIL) return luaL_error(S, "overlays may not set __gc metamethods");
    lua_pop(S, 1);
  }
  lua_pushvalue(S, lua_upvalueindex(1));
  lua_insert(S, 1);
  lua_call(S, lua_gettop(S) - 1, 1);
  return 1;
}

static void open_lib(lua_State *S, const char *name, lua_CFunction open)
{
  luaL_requiref(S, name, open, 1);
  lua_pop(S, 1);
}

static void drop(lua_State *S, int table, const char *const names[])
{
  int i;
  table = lua_absindex(S, table);
  for (i = 0; names[i] != NULL; i++) {
    lua_pushnil(S);
    lua_setfield(S, table, names[i]);
  }
}

/* Opens the safe libraries and removes or replaces the unsafe functions. */
static int setup(lua_State *S)
{
  static const char *const unsafe[] = {"load", "loadfile", "dofile", "require", "collectgarbage",
                                       "print", "warn", "loadstring", "module", NULL};
  static const char *const dump[] = {"dump", NULL};
  open_lib(S, "_G", luaopen_base);
  open_lib(S, LUA_STRLIBNAME, luaopen_string);
  open_lib(S, LUA_TABLIBNAME, luaopen_table);
  open_lib(S, LUA_MATHLIBNAME, luaopen_math);
  open_lib(S, LUA_UTF8LIBNAME, luaopen_utf8);
  lua_pushglobaltable(S);
  drop(S, -1, unsafe);
  lua_getfield(S, -1, LUA_STRLIBNAME);
  drop(S, -1, dump);
  lua_pop(S, 1);
  lua_pushcfunction(S, sb_pcall);
  lua_setfield(S, -2, "pcall");
  lua_pushcfunction(S, sb_xpcall);
  lua_setfield(S, -2, "xpcall");
  lua_getfield(S, -1, "setmetatable");
  lua_pushcclosure(S, sb_setmetatable, 1);
  lua_setfield(S, -2, "setmetatable");
  lua_pop(S, 1);
  rc_sandbox_costs(S);
  return 0;
}

rc_sandbox *rc_sandbox_new(size_t memory, long budget)
{
  rc_sandbox *sb = calloc(1, sizeof *sb);
  char err[128];
  if (sb == NULL) return NULL;
  sb->limit = memory;
  sb->budget = budget;
  sb->seconds = RC_SANDBOX_SECONDS_PER_MILLION * ((double)budget / 1e6);
  if ((sb->S = lua_newstate(sb_alloc, sb)) != NULL) lua_sethook(sb->S, sb_hook, LUA_MASKCOUNT, HOOK_STEP);
  if (sb->S == NULL || rc_sandbox_run(sb, setup, NULL, err, sizeof err) != RC_SB_OK) {
    rc_sandbox_free(sb);
    return NULL;
  }
  return sb;
}

void rc_sandbox_free(rc_sandbox *sb)
{
  if (sb == NULL) return;
  if (sb->S != NULL) {
    sb->stopped = RC_SB_BUDGET;   /* nothing runs any more */
    lua_close(sb->S);
  }
  free(sb);
}

lua_State *rc_sandbox_state(rc_sandbox *sb)
{
  return sb->S;
}

size_t rc_sandbox_memory(const rc_sandbox *sb)
{
  return sb->limit;
}

long rc_sandbox_budget(const rc_sandbox *sb)
{
  return sb->budget;
}

/* A new claim: the budget starts again. */
void rc_sandbox_restart(rc_sandbox *sb)
{
  sb->count = 0;
  sb->timed = -HOOK_STEP;
  sb->spent = 0;
  sb->wall_spent = 0;
  sb->stopped = RC_SB_OK;
}

static const char *stop_text(const rc_sandbox *sb, char *err, size_t errlen)
{
  if (sb->stopped == RC_SB_MEMORY) snprintf(err, errlen, "memory ceiling of %lu bytes reached", (unsigned long)sb->limit);
  else if (sb->stopped == RC_SB_TIME) snprintf(err, errlen, "time limit of %.1f s reached", sb->seconds);
  else snprintf(err, errlen, "instruction budget of %ld exceeded", sb->budget);
  return err;
}

static void error_text(lua_State *S, char *err, size_t errlen)
{
  if (lua_type(S, -1) == LUA_TSTRING) snprintf(err, errlen, "%s", lua_tostring(S, -1));
  else snprintf(err, errlen, "(error object is a %s value)", luaL_typename(S, -1));
}

/* Calls fn(S) with ud as a light userdata argument, under lua_pcall and the
 * budget; rc_sandbox_current(S) is ud meanwhile. On failure err says why.
 * The stack is left as found and garbage is collected after a stop. */
rc_sandbox_status rc_sandbox_run(rc_sandbox *sb, lua_CFunction fn, void *ud, char *err, size_t errlen)
{
  lua_State *S = sb->S;
  int top = lua_gettop(S), status;
  rc_sandbox_status result;
  if (sb->stopped) {
    stop_text(sb, err, errlen);
    return sb->stopped;
  }
  sb->current = ud;
  sb->started = cpu_now();
  sb->wall_started = rc_clock_now();
  lua_pushcfunction(S, fn);
  lua_pushlightuserdata(S, ud);
  status = lua_pcall(S, 1, 0, 0);
  if (status == LUA_ERRMEM && !sb->stopped) sb->stopped = RC_SB_MEMORY;
  if (!sb->stopped && out_of_time(sb)) sb->stopped = RC_SB_TIME;   /* ran past it in C: its results do not count */
  sb->spent += cpu_now() - sb->started;
  sb->wall_spent += rc_clock_now() - sb->wall_started;
  sb->current = NULL;
  result = sb->stopped ? sb->stopped : status == LUA_OK ? RC_SB_OK : RC_SB_ERROR;
  if (result == RC_SB_ERROR) error_text(S, err, errlen);
  else if (result != RC_SB_OK) stop_text(sb, err, errlen);
  lua_settop(S, top);
  if (result != RC_SB_OK) lua_gc(S, LUA_GCCOLLECT);
  return result;
}
