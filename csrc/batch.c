/* batch.c: rc:check_all(claims [, {payer =, max_lines =}]) checks a list of
 * claim tables with the edit passes of rc:check (check.c's rc_check_run)
 * and returns only what a summary needs, without building a result table
 * per claim (no findings tables, no result.data):
 *   {claims = n checked, lines = sum of #claim.lines, denied = claims with a
 *    deny finding, findings = {deny =, review =, warn =, info =},
 *    errors = {{claim = i, message = ...}, ...}}
 * The counts are those of the findings rc:check would list (a claim past
 * RC_MAX_FINDINGS counts as rc:check lists it: the last finding replaced by
 * the one that counts the rest). A claim that cannot be checked (a
 * database error) is in errors and not counted. Only counts leave, so
 * the edits write no finding texts (rule, message, fix) unless a payer
 * overlay's rules read them (rc_check_run). Wrong argument types raise
 * (an element of claims that is not a table). Nothing is malloc'd here:
 * each claim's storage lives on the C stack or in userdata on the Lua stack,
 * dropped when the next claim starts. */
#include "check.h"

#include <stdio.h>
#include <string.h>
#include "claim_plain.h"
#include "code.h"
#include "handle.h"
#include "opts.h"

typedef struct totals {
  lua_Integer claims, lines, denied;
  lua_Integer n[4];              /* findings by severity */
} totals;

/* Adds the findings rc:check would list for this claim; returns whether one denies. */
static int tally(const rc_findings *f, totals *t)
{
  lua_Integer n[4] = {0, 0, 0, 0};
  int i;
  for (i = 0; i < f->count; i++) n[f->items[i].severity]++;
  if (f->dropped > 0 && f->count > 0) {   /* findings.c's add_dropped: the last listed one counts the rest */
    unsigned char last = f->items[f->count - 1].severity, worst = f->dropped_worst;
    n[last]--;
    n[last < worst ? last : worst]++;
  }
  for (i = 0; i < 4; i++) t->n[i] += n[i];
  return n[RC_DENY] > 0;
}

/* #claim.lines when it is a table (as the command counts lines), else 0. */
static lua_Integer lines_of(lua_State *L, int claim)
{
  lua_Integer n = 0;
  if (lua_getfield(L, claim, "lines") == LUA_TTABLE) n = luaL_len(L, -1);
  lua_pop(L, 1);
  return n;
}

static void add_error(lua_State *L, int errors, lua_Integer i, const char *message)
{
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, i);
  lua_setfield(L, -2, "claim");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  lua_rawseti(L, errors, (lua_Integer)lua_rawlen(L, errors) + 1);
}

static void set_integer(lua_State *L, const char *key, lua_Integer value)
{
  lua_pushinteger(L, value);
  lua_setfield(L, -2, key);
}

static void push_totals(lua_State *L, const totals *t, int errors)
{
  int i;
  lua_createtable(L, 0, 5);
  set_integer(L, "claims", t->claims);
  set_integer(L, "lines", t->lines);
  set_integer(L, "denied", t->denied);
  lua_createtable(L, 0, 4);
  for (i = 0; i < 4; i++) set_integer(L, rc_severity_name((rc_severity)i), t->n[i]);
  lua_setfield(L, -2, "findings");
  lua_pushvalue(L, errors);
  lua_setfield(L, -2, "errors");
}

/* One call of check_all or check_json: the handle, the options, the
 * totals so far, and the stack slot of the errors list. */
typedef struct list {
  rc_handle *h;
  const char *payer_opt;
  int max_lines, errors;
  totals t;
} list;

/* The storage of one claim's check, on the C stack of the function that
 * checks it. */
typedef struct one {
  rc_check c;
  rc_findings f;
  rc_claim claim;
  char err[512], payer[32];
} one;

/* Reads the arguments (handle, list, options) both APIs take, pushes the
 * errors list; returns the list's length. */
static lua_Integer list_begin(lua_State *L, list *b)
{
  static const char *const allowed[] = {"payer", "max_lines", NULL};
  memset(b, 0, sizeof *b);
  b->h = rc_handle_check(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);   /* opts keep slot 3 */
  rc_opts_check(L, 3, allowed);
  b->max_lines = (int)rc_opts_integer(L, 3, "max_lines", RC_DEFAULT_MAX_LINES, 1, 100000);
  b->payer_opt = rc_opts_string(L, 3, "payer");
  lua_newtable(L);
  b->errors = lua_gettop(L);
  return (lua_Integer)lua_rawlen(L, 2);
}

/* Adds a checked claim (lines long, its findings f) to the totals; f's
 * storage is left for the next claim. */
static void add_claim(list *b, rc_findings *f, lua_Integer lines)
{
  b->t.claims++;
  b->t.lines += lines;
  if (tally(f, &b->t)) b->t.denied++;
  rc_findings_done(f);
}

/* Checks claims[i] (pushed at the top); adds it to the totals or to errors. */
static void check_one(lua_State *L, list *b, lua_Integer i)
{
  one o;
  int idx = lua_gettop(L);
  lua_Integer lines;
  if (!lua_istable(L, idx)) luaL_error(L, "bad argument #1 to 'check_all' (claims[%d] is not a table)", (int)i);
  lines = lines_of(L, idx);
  if (!rc_check_run(L, b->h, idx, b->payer_opt, b->max_lines, 1, &o.c, &o.f, &o.claim, o.payer, o.err,
                    sizeof o.err)) {
    add_error(L, b->errors, i, o.err);
    return;
  }
  add_claim(b, &o.f, lines);
}

#define PREFETCH_MAX 8192   /* lines whose codes are gathered before a list is checked */

/* The string code of line j of the claim at idx, normalized into out; 0 when
 * there is none (anything not a string is left to the claim reader). Tables
 * are read raw and nothing is converted: no allocation, no user code. */
static int line_code(lua_State *L, int lines, lua_Integer j, char out[RC_PREFETCH_CODE])
{
  size_t len;
  const char *s;
  int ok = 0;
  if (lua_rawgeti(L, lines, j) == LUA_TTABLE) {
    lua_pushliteral(L, "code");
    if (lua_rawget(L, -2) == LUA_TSTRING && (s = lua_tolstring(L, -1, &len)) != NULL) {
      memset(out, 0, RC_PREFETCH_CODE);
      ok = rc_code_normalize(s, len, out) != RC_CODE_MALFORMED;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return ok;
}

/* The rules of every code the claims' lines name (up to PREFETCH_MAX lines)
 * loaded first, in code order (rc_rules_prefetch): a list of claims of many
 * codes otherwise reads the rule tables' pages in random order. The codes
 * are gathered before the rule set is asked for, so no Lua runs while it is
 * in hand. Leaves the stack as it was. */
static void prefetch(lua_State *L, rc_handle *h, lua_Integer n)
{
  char (*codes)[RC_PREFETCH_CODE], err[256];
  int count = 0, top = lua_gettop(L);
  lua_Integer i, j;
  rc_rules *rules;
  if (!lua_checkstack(L, 4)) return;
  codes = lua_newuserdatauv(L, (size_t)PREFETCH_MAX * RC_PREFETCH_CODE, 0);
  for (i = 1; i <= n && count < PREFETCH_MAX; i++) {
    if (lua_rawgeti(L, 2, i) == LUA_TTABLE) {
      lua_pushliteral(L, "lines");
      if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_Integer nlines = (lua_Integer)lua_rawlen(L, -1);
        int lines = lua_gettop(L);
        for (j = 1; j <= nlines && count < PREFETCH_MAX; j++) count += line_code(L, lines, j, codes[count]);
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  if (count > 0 && (rules = rc_handle_rules(h, err, sizeof err)) != NULL) rc_rules_prefetch(rules, codes, count);
  lua_settop(L, top);
}

static int check_all(lua_State *L)
{
  list b;
  lua_Integer i, n = list_begin(L, &b);
  prefetch(L, b.h, n);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, 2, i);
    check_one(L, &b, i);
    lua_settop(L, b.errors);
  }
  push_totals(L, &b.t, b.errors);
  return 1;
}

/* ---- claims given as JSON texts ---- */

/* Pushes the claim table of the JSON text on top (replacing it) as
 * radcode.claims' json_claim reads a line of JSON lines (keys given twice
 * become problems); 0 with a message in err when the text is not a
 * claim. The reader is Lua (radcode/claims.lua), loaded with radcode; it
 * may raise (memory). */
static int decode_text(lua_State *L, char *err, size_t errlen)
{
  int text = lua_gettop(L), ok;
  luaL_checkstack(L, 4, "check_json");
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  if (lua_getfield(L, -1, "radcode.claims") != LUA_TTABLE || lua_getfield(L, -1, "json_claim") != LUA_TFUNCTION)
    return luaL_error(L, "check_json needs radcode.claims: require \"radcode\" first");
  lua_pushvalue(L, text);
  lua_call(L, 1, 2);   /* claim | nil, message */
  if ((ok = lua_type(L, -2) == LUA_TTABLE)) lua_copy(L, -2, text);
  else snprintf(err, errlen, "%s", lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "not a claim");
  lua_settop(L, text);
  return ok;
}

/* Checks texts[i] (a string, pushed at the top) straight from the text
 * when it is a plain claim (claim_plain.c): adds it to the totals or to
 * errors. Returns 0, nothing done, for any other text. */
static int check_plain(lua_State *L, list *b, lua_Integer i)
{
  one o;
  size_t len;
  const char *json = lua_tolstring(L, -1, &len);
  int done = rc_check_run_json(L, b->h, json, len, b->payer_opt, b->max_lines, &o.c, &o.f, &o.claim, o.payer, o.err,
                               sizeof o.err);
  if (done == 0) add_error(L, b->errors, i, o.err);
  else if (done > 0) add_claim(b, &o.f, o.claim.nlines);
  return done >= 0;
}

/* Checks texts[i] (a string, pushed at the top): a plain claim from its
 * text, any other decoded into a table and checked as check_all checks
 * it; one that is not a claim is in errors. */
static void check_text(lua_State *L, list *b, lua_Integer i)
{
  char err[512];
  if (check_plain(L, b, i)) return;
  if (decode_text(L, err, sizeof err)) check_one(L, b, i);
  else add_error(L, b->errors, i, err);
}

/* rc:check_json(texts [, {payer =, max_lines =}]): rc:check_all for
 * claims given as JSON texts, one claim a text (a line of a JSON lines
 * file): the same totals as check_all of their decoded tables, and a text
 * that is not a claim (malformed JSON, not an object) is in errors with
 * the decoder's message. Plain claims are read without tables, and the
 * rules load as the claims meet their codes: reading each text twice to
 * load them ahead in code order (as check_all does) cost more than it
 * saved once the page cache and the cache hints were in place. Elements
 * that are not strings raise. */
static int check_json(lua_State *L)
{
  list b;
  lua_Integer i, n = list_begin(L, &b);
  for (i = 1; i <= n; i++) {
    if (lua_rawgeti(L, 2, i) != LUA_TSTRING)
      return luaL_error(L, "bad argument #1 to 'check_json' (texts[%d] is not a string)", (int)i);
    check_text(L, &b, i);
    lua_settop(L, b.errors);
  }
  push_totals(L, &b.t, b.errors);
  return 1;
}

const luaL_Reg rc_batch_methods[] = {
  {"check_all", check_all},
  {"check_json", check_json},
  {NULL, NULL}
};
