/* fuzz_lua.h: shared by the fuzz targets that drive radcode through Lua.
 * One Lua state per process (a local static: harness code only), with the
 * standard libraries, radcode.core linked in from the object files and
 * preloaded, and `require "radcode"` from the checkout's lua/ directory.
 * A target's `setup` chunk defines a global `run(input)`; each input is
 * one protected call of it, followed by a full collection, so what one
 * input allocates is gone before the next (and a leak shows). */
#ifndef FUZZ_LUA_H
#define FUZZ_LUA_H

#include <stdlib.h>
#include <stdio.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#ifndef RC_ROOT
#error "RC_ROOT (the checkout) must be defined by the build"
#endif

int luaopen_radcode_core(lua_State *L);

/* Runs Lua source once; aborts on an error (the harness itself is wrong). */
static void fuzz_lua_do(lua_State *L, const char *src)
{
  if (luaL_dostring(L, src) != LUA_OK) {
    fprintf(stderr, "fuzz harness: %s\n", lua_tostring(L, -1));
    abort();
  }
}

/* The process's Lua state; `setup` is Lua run once after radcode loads. */
static lua_State *fuzz_lua_state(const char *setup)
{
  static lua_State *L = NULL;
  if (L != NULL) return L;
  L = luaL_newstate();
  luaL_openlibs(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_radcode_core);
  lua_setfield(L, -2, "radcode.core");
  lua_pop(L, 1);
  fuzz_lua_do(L, "package.path = '" RC_ROOT "/lua/?.lua;" RC_ROOT "/lua/?/init.lua'\n"
                 "package.cpath = ''\n"
                 "radcode = require 'radcode'\n"
                 "core = require 'radcode.core'\n");
  if (setup != NULL) fuzz_lua_do(L, setup);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return L;
}

/* Runs the global `run` of the state made with `setup` on the input, as
 * a string, in protected mode, then collects. `run` itself tells expected
 * refusals from failures, so any error it raises is a finding: the
 * message goes to stderr, prefixed with `who`, and the process aborts. */
static int fuzz_lua_run(const char *who, const char *setup, const unsigned char *data, size_t size)
{
  lua_State *L = fuzz_lua_state(setup);
  int top = lua_gettop(L);
  lua_getglobal(L, "run");
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "%s: %s\n", who, msg != NULL ? msg : "(an error that is not a string)");
    abort();
  }
  lua_settop(L, top);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}

#endif
