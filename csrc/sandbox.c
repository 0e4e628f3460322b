/* sandbox.c: where overlay code runs. Each overlay gets its own lua_State,
 * made with lua_newstate and a counting allocator that refuses to grow past
 * a ceiling, with only the base (without load, loadfile, dofile, require,
 * collectgarbage, print, warn), string (without dump), table, math and utf8
 * libraries. A count hook raises once an instruction budget is spent; the
 * budget restarts for each claim. pcall and xpcall are replaced by versions
 * that cannot swallow a stop (budget or memory), and setmetatable refuses
 * __gc, so no finalizer runs behind the check's back. rc_sandbox_run calls
 * a C function under lua_pcall and says how it ended. */
#include "sandbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>

#define HOOK_STEP 1000

struct rc_sandbox {
  lua_State *S;
  size_t used, limit;
  long count, budget;
  rc_sandbox_status stopped;   /* RC_SB_BUDGET or RC_SB_MEMORY once stopped */
};

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
  return p;
}

static rc_sandbox *of(lua_State *S)
{
  void *ud;
  lua_getallocf(S, &ud);
  return ud;
}

static void sb_hook(lua_State *S, lua_Debug *ar)
{
  rc_sandbox *sb = of(S);
  (void)ar;
  sb->count += HOOK_STEP;
  if (sb->count > sb->budget || sb->stopped) {
    if (!sb->stopped) sb->stopped = RC_SB_BUDGET;
    luaL_error(S, "instruction budget of %I exceeded", (lua_Integer)sb->budget);
  }
}

/* After a protected call inside overlay code: a stop is passed on. */
static int finish_pcall(lua_State *S, int status, int base)
{
  rc_sandbox *sb = of(S);
  if (status == LUA_ERRMEM) sb->stopped = RC_SB_MEMORY;
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

static int sb_xpcall(lua_State *S)
{
  int n = lua_gettop(S), status;
  luaL_checktype(S, 2, LUA_TFUNCTION);
  lua_pushvalue(S, 1);
  lua_pushvalue(S, 2);
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
  return 0;
}

rc_sandbox *rc_sandbox_new(size_t memory, long budget)
{
  rc_sandbox *sb = calloc(1, sizeof *sb);
  char err[128];
  if (sb == NULL) return NULL;
  sb->limit = memory;
  sb->budget = budget;
  if ((sb->S = lua_newstate(sb_alloc, sb)) == NULL ||
      rc_sandbox_run(sb, setup, NULL, err, sizeof err) != RC_SB_OK) {
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
  sb->stopped = RC_SB_OK;
}

static void error_text(lua_State *S, char *err, size_t errlen)
{
  if (lua_type(S, -1) == LUA_TSTRING) snprintf(err, errlen, "%s", lua_tostring(S, -1));
  else snprintf(err, errlen, "(error object is a %s value)", luaL_typename(S, -1));
}

/* Calls fn(S) with ud as a light userdata argument, under lua_pcall and the
 * instruction budget. On failure err says why. The stack is left as found
 * and garbage is collected after a stop. */
rc_sandbox_status rc_sandbox_run(rc_sandbox *sb, lua_CFunction fn, void *ud, char *err, size_t errlen)
{
  lua_State *S = sb->S;
  int top = lua_gettop(S), status;
  rc_sandbox_status result;
  if (sb->stopped) {
    snprintf(err, errlen, "%s", sb->stopped == RC_SB_MEMORY ? "memory ceiling reached" : "instruction budget exceeded");
    return sb->stopped;
  }
  lua_sethook(S, sb_hook, LUA_MASKCOUNT, HOOK_STEP);
  lua_pushcfunction(S, fn);
  lua_pushlightuserdata(S, ud);
  status = lua_pcall(S, 1, 0, 0);
  lua_sethook(S, NULL, 0, 0);
  if (status == LUA_ERRMEM) sb->stopped = RC_SB_MEMORY;
  result = status == LUA_OK ? RC_SB_OK : sb->stopped ? sb->stopped : RC_SB_ERROR;
  if (result == RC_SB_MEMORY)
    snprintf(err, errlen, "memory ceiling of %lu bytes reached", (unsigned long)sb->limit);
  else if (result == RC_SB_BUDGET)
    snprintf(err, errlen, "instruction budget of %ld exceeded", sb->budget);
  else if (result == RC_SB_ERROR)
    error_text(S, err, errlen);
  lua_settop(S, top);
  if (result != RC_SB_OK) lua_gc(S, LUA_GCCOLLECT);
  return result;
}
