/* sandbox_cost.c: charges overlay code for work the instruction count does
 * not see. The count hook runs only between VM instructions, so a single
 * call to a C library function could work without bound: (""):rep(2^40)
 * loops 2^40 times, ("a"):rep(5000):find(".-.-.-b") backtracks for hours,
 * table.sort of a million rows costs a second per call. Each function here
 * is replaced, in the sandbox, by a wrapper that first charges the budget
 * (rc_sandbox_charge) for the work the call may do, in instructions, and
 * then calls the original: a call that would overrun the budget stops the
 * overlay before it starts. Every entry into the pattern matcher is
 * charged (numbers are strings to it; argument 4 is `plain` for find
 * only), each step of a gmatch iterator too, and each comparison table.sort
 * makes by the bytes it may compare. Each charge also checks the sandbox's
 * CPU and wall-time limit. The allocator charges for allocations. */
#include "sandbox.h"

#include <lauxlib.h>
#include <lualib.h>
#include "pattern_cost.h"

#define BYTES_PER_STEP 64.0       /* bytes copied or scanned per instruction */
#define MATCH_PER_STEP 16.0       /* pattern matcher steps per instruction */
#define COPIES_PER_STEP 16.0      /* string.rep's copies (even of "") per instruction */

typedef double (*cost_fn)(lua_State *S);

/* Argument i as a number (numeric strings too, like luaL_checkinteger), or def. */
static double num(lua_State *S, int i, double def)
{
  int ok = 0;
  lua_Number v = lua_isnoneornil(S, i) ? 0 : lua_tonumberx(S, i, &ok);
  return ok ? (double)v : def;
}

/* The length of argument i: a string's bytes, a table's # (which may run __len). */
static double len(lua_State *S, int i)
{
  if (lua_type(S, i) == LUA_TSTRING) return (double)lua_rawlen(S, i);
  if (lua_type(S, i) == LUA_TTABLE) return (double)luaL_len(S, i);
  return 0;
}

/* Elements i..j of a sequence of n, with Lua's negative positions. */
static double span(double i, double j, double n)
{
  if (i < 0) i = n + i + 1;
  if (j < 0) j = n + j + 1;
  if (i < 1) i = 1;
  if (j > n) j = n;
  return j >= i ? j - i + 1 : 0;
}

static double cost_rep(lua_State *S)
{
  double n = num(S, 2, 0), l = len(S, 1), sep = len(S, 3);
  return n < 1 ? 1 : n / COPIES_PER_STEP + (n * l + (n - 1) * sep) / BYTES_PER_STEP;
}

static double cost_byte(lua_State *S)
{
  double i = num(S, 2, 1);
  return 1 + span(i, num(S, 3, i), len(S, 1));
}

/* The matcher's work on subject 1 and pattern 2. Numbers are strings to
 * the matcher, so they are converted here (in place, as the library would)
 * and charged like strings. plain: argument 4 means a plain search (find
 * only: it is match's nothing and gsub's count of replacements). */
static double pattern(lua_State *S, int anchors, int plain)
{
  size_t n = 0, m = 0;
  const char *s = lua_isstring(S, 1) ? lua_tolstring(S, 1, &n) : NULL;
  const char *p = lua_isstring(S, 2) ? lua_tolstring(S, 2, &m) : NULL;
  double left = (double)rc_sandbox_left(S) * MATCH_PER_STEP;
  if (s == NULL || p == NULL) return 1;
  return 1 + rc_pattern_cost(s, n, p, m, plain && lua_toboolean(S, 4), anchors, left) / MATCH_PER_STEP;
}

static double cost_find(lua_State *S) { return pattern(S, 1, 1); }
static double cost_match(lua_State *S) { return pattern(S, 1, 0); }
static double cost_gmatch(lua_State *S) { return pattern(S, 0, 0); }

static double cost_sort(lua_State *S)   /* n log n comparisons; each is charged again by its bytes (compare) */
{
  double n = len(S, 1), rounds = 1, k;
  for (k = n; k > 1; k /= 2) rounds++;
  return 1 + n * rounds;
}

/* table.insert(t, pos, v) and table.remove(t, pos) shift the rows after pos. */
static double shifted(lua_State *S, int given)
{
  double n;
  if (lua_gettop(S) < given) return 1;
  n = len(S, 1) - num(S, 2, 1) + 1;
  return 1 + (n > 0 ? n : 0);
}

static double cost_insert(lua_State *S) { return shifted(S, 3); }
static double cost_remove(lua_State *S) { return shifted(S, 2); }

static double cost_move(lua_State *S)
{
  double f = num(S, 2, 1), e = num(S, 3, 0);
  return 1 + (e >= f ? e - f + 1 : 0);
}

/* Rows i..j (j defaults to #t) of table.concat(t, sep, i, j) or table.unpack(t, i, j). */
static double rows(lua_State *S, int at)
{
  double i = num(S, at, 1), j = lua_isnoneornil(S, at + 1) ? len(S, 1) : num(S, at + 1, 0);
  return 1 + (j >= i ? j - i + 1 : 0);
}

static double cost_concat(lua_State *S) { return rows(S, 3); }
static double cost_unpack(lua_State *S) { return rows(S, 2); }

static double cost_utf8_len(lua_State *S)
{
  return 1 + span(num(S, 2, 1), num(S, 3, -1), len(S, 1)) / 4;
}

static double cost_codepoint(lua_State *S)
{
  double i = num(S, 2, 1);
  return 1 + span(i, num(S, 3, i), len(S, 1));
}

static double cost_offset(lua_State *S) { return 1 + len(S, 1) / 4; }
static double cost_args(lua_State *S) { return 1 + lua_gettop(S); }

static double cost_rawequal(lua_State *S)
{
  return 1 + (lua_type(S, 1) == LUA_TSTRING ? len(S, 1) / BYTES_PER_STEP : 0);
}

typedef struct wrap { const char *lib, *name; cost_fn cost; } wrap;

static const wrap wraps[] = {
  {LUA_STRLIBNAME, "rep", cost_rep}, {LUA_STRLIBNAME, "byte", cost_byte},
  {LUA_STRLIBNAME, "find", cost_find}, {LUA_STRLIBNAME, "match", cost_match},
  {LUA_STRLIBNAME, "gmatch", cost_gmatch}, {LUA_STRLIBNAME, "gsub", cost_match},
  {LUA_TABLIBNAME, "sort", cost_sort}, {LUA_TABLIBNAME, "insert", cost_insert},
  {LUA_TABLIBNAME, "remove", cost_remove}, {LUA_TABLIBNAME, "move", cost_move},
  {LUA_TABLIBNAME, "concat", cost_concat}, {LUA_TABLIBNAME, "unpack", cost_unpack},
  {LUA_UTF8LIBNAME, "len", cost_utf8_len}, {LUA_UTF8LIBNAME, "codepoint", cost_codepoint},
  {LUA_UTF8LIBNAME, "offset", cost_offset}, {LUA_UTF8LIBNAME, "char", cost_args},
  {NULL, "select", cost_args}, {NULL, "rawequal", cost_rawequal},
};

/* table.sort's comparison: charged by the bytes two strings may compare
 * (l_strcmp is linear in their common length, in one call), then the
 * overlay's comparator (upvalue 1) or the < operator. */
static int compare(lua_State *S)
{
  double bytes = 0;
  if (lua_type(S, 1) == LUA_TSTRING && lua_type(S, 2) == LUA_TSTRING) {
    double a = (double)lua_rawlen(S, 1), b = (double)lua_rawlen(S, 2);
    bytes = a < b ? a : b;
  }
  rc_sandbox_charge(S, 1 + bytes / BYTES_PER_STEP);
  if (lua_isnil(S, lua_upvalueindex(1))) {
    lua_pushboolean(S, lua_compare(S, 1, 2, LUA_OPLT));
    return 1;
  }
  lua_settop(S, 2);
  lua_pushvalue(S, lua_upvalueindex(1));
  lua_insert(S, 1);
  lua_call(S, 2, 1);
  return 1;
}

/* One step of a gmatch iterator (upvalue 1): each entry into the matcher
 * is charged (and so checks the time) before it runs. gmatch itself was
 * charged for the whole subject. */
static int gmatch_step(lua_State *S)
{
  rc_sandbox_charge(S, 1);
  lua_settop(S, 0);
  lua_pushvalue(S, lua_upvalueindex(1));
  lua_call(S, 0, LUA_MULTRET);
  return lua_gettop(S);
}

/* The wrapper: charge, then call the original (upvalue 1) with every
 * argument. Upvalue 2 is the function's index in wraps. table.sort gets
 * a comparator that charges each comparison; gmatch's iterator is charged
 * at each step. */
static int charged(lua_State *S)
{
  const wrap *w = &wraps[lua_tointeger(S, lua_upvalueindex(2))];
  rc_sandbox_charge(S, w->cost(S));
  if (w->cost == cost_sort && (lua_isnoneornil(S, 2) || lua_isfunction(S, 2))) {
    lua_settop(S, 2);
    lua_pushcclosure(S, compare, 1);
  }
  lua_pushvalue(S, lua_upvalueindex(1));
  lua_insert(S, 1);
  lua_call(S, lua_gettop(S) - 1, LUA_MULTRET);
  if (w->cost == cost_gmatch && lua_isfunction(S, 1)) {
    lua_settop(S, 1);
    lua_pushcclosure(S, gmatch_step, 1);
  }
  return lua_gettop(S);
}

/* Wraps the library functions whose work depends on their arguments. */
void rc_sandbox_costs(lua_State *S)
{
  size_t i;
  for (i = 0; i < sizeof wraps / sizeof wraps[0]; i++) {
    if (wraps[i].lib != NULL) lua_getglobal(S, wraps[i].lib);
    else lua_pushglobaltable(S);
    lua_getfield(S, -1, wraps[i].name);
    lua_pushinteger(S, (lua_Integer)i);
    lua_pushcclosure(S, charged, 2);
    lua_setfield(S, -2, wraps[i].name);
    lua_pop(S, 1);
  }
}
