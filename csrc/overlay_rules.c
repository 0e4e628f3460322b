/* overlay_rules.c: procedural rules of payer overlays, run after the
 * national and declarative edits, ancestors' rules first. Each rule's
 * check(claim, findings, out) runs in its overlay's sandbox and sees deep
 * copies: the claim as given (line codes normalised) and the findings so
 * far (each with its index). It acts only through out:
 *   out.add{line =, severity =, message =, fix =, code =, edit =, other =}
 *   out.suppress(target, reason)             -- the finding becomes info
 *   out.downgrade(target, severity, reason)  -- only to a lower severity
 * where target is a rule id (every finding with that rule), a finding
 * table from the list, or its index. The changes are gathered in C while
 * the rule runs and applied to the check's findings only if it returns
 * normally; an `out` kept past its call refuses to act. Copying into the
 * sandbox is charged to the overlay's budget, so a huge or self-referring
 * claim table cannot make it work without bound. An error, a spent
 * instruction budget, the memory ceiling or the time limit becomes one
 * `overlay` finding (review) naming the overlay and rule; the other
 * findings stay. An overlay stopped by a limit (budget, memory, time, even
 * when the time ran out inside one C call that then returned) runs no more
 * rules for the claim and contributes nothing: what its earlier rules added
 * or changed is withdrawn, and the check goes on. */
#include "check.h"

#include <stdio.h>
#include <string.h>
#include <lauxlib.h>
#include "overlay.h"
#include "utf8.h"

#define MAX_ACTIONS 64
#define MAX_DEPTH 8

enum { OP_ADD, OP_SUPPRESS, OP_DOWNGRADE };

typedef struct action {
  int op, target, line, other, edit, severity;
  char rule[96], code[16], message[256], fix[256], reason[160];
} action;

typedef struct run {
  rc_check *c;
  rc_overlay *ov;
  const rc_ov_proc *proc;
  lua_Integer serial;            /* this call's number (ov->calls): its out's upvalue */
  action actions[MAX_ACTIONS];
  int nactions, nfindings;
  int base;                      /* the findings before this overlay's rules ran ... */
  long dropped;                  /* ... the count past the listing limit then ... */
  unsigned char worst;           /* ... and its worst severity */
  rc_finding *saved;             /* a copy of findings [0, base) made before the overlay first changed one */
} run;

static const char *const severities[] = {"deny", "review", "warn", "info", NULL};
static const char *const edits[] = {"ptp", "mue", "addon", "frequency", "modifier", "validity", "setting",
                                    "companion", "necessity", "input", "overlay", NULL};

/* ---- copies into the sandbox (S), read from the main state (L) ---- */

static void copy_value(lua_State *L, int idx, lua_State *S, int depth);

/* Tables are read raw (lua_next); each is charged for its entries, so a
 * table that holds itself many times over is stopped by the budget. */
static void copy_table(lua_State *L, int idx, lua_State *S, int depth)
{
  double entries = 0;
  lua_newtable(S);
  if (depth >= MAX_DEPTH || !lua_checkstack(L, 3)) return;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    int kt = lua_type(L, -2);
    entries++;
    if (kt == LUA_TSTRING || kt == LUA_TNUMBER) {
      copy_value(L, lua_gettop(L) - 1, S, depth + 1);
      copy_value(L, lua_gettop(L), S, depth + 1);
      if (lua_isnil(S, -2) || lua_isnil(S, -1)) lua_pop(S, 2);
      else lua_rawset(S, -3);
    }
    lua_pop(L, 1);
  }
  rc_sandbox_charge(S, 1 + entries / 4);
}

/* Strings, numbers, booleans and tables are copied; other values are nil. */
static void copy_value(lua_State *L, int idx, lua_State *S, int depth)
{
  size_t len;
  const char *s;
  luaL_checkstack(S, 4, "claim nested too deep");
  switch (lua_type(L, idx)) {
  case LUA_TSTRING:
    s = lua_tolstring(L, idx, &len);
    lua_pushlstring(S, s, len);
    break;
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) lua_pushinteger(S, lua_tointeger(L, idx));
    else lua_pushnumber(S, lua_tonumber(L, idx));
    break;
  case LUA_TBOOLEAN:
    lua_pushboolean(S, lua_toboolean(L, idx));
    break;
  case LUA_TTABLE:
    copy_table(L, idx, S, depth);
    break;
  default:
    lua_pushnil(S);
  }
}

static void set_s(lua_State *S, const char *key, const char *value)
{
  if (value == NULL || value[0] == '\0') return;
  lua_pushstring(S, value);
  lua_setfield(S, -2, key);
}

static void set_i(lua_State *S, const char *key, lua_Integer value)
{
  lua_pushinteger(S, value);
  lua_setfield(S, -2, key);
}

/* The claim's copy, with usable lines' codes and dates normalised. */
static void push_claim(lua_State *S, const run *r)
{
  const rc_claim *claim = r->c->claim;
  int i;
  copy_value(r->c->f->L, r->c->claim_idx, S, 0);
  set_s(S, "payer", r->c->payer);
  if (lua_getfield(S, -1, "lines") != LUA_TTABLE) {
    lua_pop(S, 1);
    return;
  }
  for (i = 0; i < claim->nlines; i++) {
    if (lua_rawgeti(S, -1, i + 1) == LUA_TTABLE && claim->lines[i].usable) {
      set_s(S, "code", claim->lines[i].code);
      set_s(S, "date", claim->lines[i].date);
      set_i(S, "units", claim->lines[i].units);
    }
    lua_pop(S, 1);
  }
  lua_pop(S, 1);
}

static void push_finding(lua_State *S, const rc_finding *x, int index)
{
  lua_createtable(S, 0, 12);
  set_i(S, "index", index);
  if (x->line) set_i(S, "line", x->line);
  if (x->other) set_i(S, "other", x->other);
  set_s(S, "edit", edits[x->edit]);
  set_s(S, "severity", severities[x->severity]);
  set_s(S, "code", x->code);
  set_s(S, "rule", x->rule);
  set_s(S, "message", x->message);
  set_s(S, "source", x->source);
  set_s(S, "overlay", x->overlay);
  set_s(S, "overlay_rule", x->overlay_rule);
}

static void push_findings(lua_State *S, run *r)
{
  int i;
  r->nfindings = r->c->f->count;
  lua_createtable(S, r->nfindings, 0);
  for (i = 0; i < r->nfindings; i++) {
    push_finding(S, &r->c->f->items[i], i + 1);
    lua_rawseti(S, -2, i + 1);
  }
}

/* ---- out.add, out.suppress, out.downgrade ---- */

/* The call this out belongs to; an out kept from an earlier call (in a
 * global, say) refuses, as the call it was given to is over. */
static run *run_of(lua_State *S)
{
  run *r = rc_sandbox_current(S);
  if (r == NULL || lua_tointeger(S, lua_upvalueindex(1)) != r->serial)
    luaL_error(S, "out may only be used during the call of the rule it was given to");
  return r;
}

static action *new_action(lua_State *S, run *r, int op)
{
  action *a;
  if (r->nactions == MAX_ACTIONS) luaL_error(S, "a rule may make at most %d changes per claim", MAX_ACTIONS);
  a = &r->actions[r->nactions++];
  memset(a, 0, sizeof *a);
  a->op = op;
  a->target = -1;
  return a;
}

static void field_text(lua_State *S, const char *key, char *out, size_t size, int required)
{
  int type = lua_getfield(S, 1, key);
  if (type == LUA_TNIL && !required) {
    lua_pop(S, 1);
    return;
  }
  size_t len;
  if (type != LUA_TSTRING) luaL_error(S, "out.add: %s must be a string, got %s", key, luaL_typename(S, -1));
  if (strlen(lua_tolstring(S, -1, &len)) != len) luaL_error(S, "out.add: %s contains a zero byte", key);
  snprintf(out, size, "%s", lua_tostring(S, -1));
  lua_pop(S, 1);
}

static int field_option(lua_State *S, const char *key, const char *def, const char *const names[])
{
  int i;
  size_t len;
  const char *s;
  lua_getfield(S, 1, key);
  s = luaL_optlstring(S, -1, def, &len);
  for (i = 0; names[i] != NULL; i++)
    if (strlen(names[i]) == len && strcmp(s, names[i]) == 0) break;
  if (names[i] == NULL) luaL_error(S, "out.add: %s '%s' is not allowed", key, s);
  lua_pop(S, 1);
  return i;
}

static int field_line(lua_State *S, const char *key, int max)
{
  int isint = 0, type = lua_getfield(S, 1, key);
  lua_Integer n = lua_tointegerx(S, -1, &isint);
  lua_pop(S, 1);
  if (type == LUA_TNIL) return 0;
  if (!isint || n < 0 || n > max) luaL_error(S, "out.add: %s must be a line number from 0 to %d", key, max);
  return (int)n;
}

static void check_add_keys(lua_State *S)
{
  static const char *const keys[] = {"line", "other", "severity", "edit", "code", "message", "fix", NULL};
  lua_pushnil(S);
  while (lua_next(S, 1) != 0) {
    int i;
    lua_pop(S, 1);
    for (i = 0; keys[i] != NULL && (lua_type(S, -1) != LUA_TSTRING || strcmp(lua_tostring(S, -1), keys[i]) != 0); i++)
      continue;
    if (keys[i] == NULL) luaL_error(S, "out.add: unknown key '%s'", luaL_tolstring(S, -1, NULL));
  }
}

static int out_add(lua_State *S)
{
  run *r = run_of(S);
  action *a;
  int nlines = r->c->claim->nlines;
  luaL_checktype(S, 1, LUA_TTABLE);
  check_add_keys(S);
  a = new_action(S, r, OP_ADD);
  a->line = field_line(S, "line", nlines);
  a->other = field_line(S, "other", nlines);
  a->severity = field_option(S, "severity", "review", severities);
  a->edit = field_option(S, "edit", "overlay", edits);
  field_text(S, "message", a->message, sizeof a->message, 1);
  field_text(S, "fix", a->fix, sizeof a->fix, 0);
  field_text(S, "code", a->code, sizeof a->code, 0);
  if (!a->code[0] && a->line > 0) snprintf(a->code, sizeof a->code, "%s", r->c->claim->lines[a->line - 1].code);
  return 0;
}

/* The target of a change: a rule id, a finding table or its index. */
static void read_target(lua_State *S, run *r, action *a)
{
  int isint = 0;
  lua_Integer n;
  if (lua_type(S, 1) == LUA_TSTRING) {
    snprintf(a->rule, sizeof a->rule, "%s", lua_tostring(S, 1));
    return;
  }
  if (lua_type(S, 1) == LUA_TTABLE) lua_getfield(S, 1, "index");
  else lua_pushvalue(S, 1);
  n = lua_tointegerx(S, -1, &isint);
  if (!isint || n < 1 || n > r->nfindings)
    luaL_error(S, "the target must be a rule id, a finding or a finding's index (1 to %d)", r->nfindings);
  a->target = (int)n - 1;
  lua_pop(S, 1);
}

static void read_reason(lua_State *S, action *a, int arg)
{
  snprintf(a->reason, sizeof a->reason, "%s", luaL_checkstring(S, arg));
}

static int out_suppress(lua_State *S)
{
  run *r = run_of(S);
  action *a = new_action(S, r, OP_SUPPRESS);
  read_target(S, r, a);
  read_reason(S, a, 2);
  return 0;
}

static int out_downgrade(lua_State *S)
{
  run *r = run_of(S);
  action *a = new_action(S, r, OP_DOWNGRADE);
  read_target(S, r, a);
  a->severity = luaL_checkoption(S, 2, NULL, severities);
  read_reason(S, a, 3);
  return 0;
}

static void push_out(lua_State *S, run *r)
{
  static const luaL_Reg fns[] = {{"add", out_add}, {"suppress", out_suppress}, {"downgrade", out_downgrade}, {NULL, NULL}};
  lua_createtable(S, 0, 3);
  lua_pushinteger(S, r->serial);
  luaL_setfuncs(S, fns, 1);
}

/* In the sandbox: check(claim, findings, out). */
static int call_rule(lua_State *S)
{
  run *r = lua_touserdata(S, 1);
  r->serial = ++r->ov->calls;
  lua_rawgeti(S, LUA_REGISTRYINDEX, r->proc->ref);
  push_claim(S, r);
  push_findings(S, r);
  push_out(S, r);
  lua_call(S, 3, 0);
  return 0;
}

/* ---- applying the results in the main state ---- */

static void name_it(rc_finding *x, const run *r)
{
  snprintf(x->overlay, sizeof x->overlay, "%s", r->ov->name);
  snprintf(x->overlay_rule, sizeof x->overlay_rule, "%s", r->proc->id);
}

static const char *source_of(const run *r)
{
  char text[64];
  const char *s;
  snprintf(text, sizeof text, "%s overlay", r->ov->name);
  s = rc_pool_intern(r->ov->pool, text);
  return s ? s : "payer overlay";
}

static void apply_add(run *r, const action *a)
{
  rc_finding *x = rc_findings_add(r->c->f, a->line, (rc_edit)a->edit, (rc_severity)a->severity,
                                  a->code[0] ? a->code : NULL, source_of(r));
  x->other = a->other;
  snprintf(x->rule, sizeof x->rule, "%s/%s", r->ov->name, r->proc->id);
  snprintf(x->message, sizeof x->message, "%s", a->message);
  snprintf(x->fix, sizeof x->fix, "%s", a->fix);
  name_it(x, r);
}

static void change(run *r, rc_finding *x, const action *a)
{
  int severity = a->op == OP_SUPPRESS ? RC_INFO : a->severity;
  if (severity <= x->severity && a->op == OP_DOWNGRADE) return;   /* not lower */
  if (!x->was) x->was = (unsigned char)(x->severity + 1);
  x->severity = (unsigned char)severity;
  if (a->op == OP_SUPPRESS) x->suppressed = 1;
  snprintf(x->reason, sizeof x->reason, "%s", a->reason);
  name_it(x, r);
}

/* Before the overlay's first change to an earlier finding: a copy of the
 * findings as they were, in a userdata left on the main state's stack
 * (run_overlay drops it), so a stop can put them back. */
static void save_findings(run *r)
{
  int i;
  if (r->saved != NULL || r->base == 0) return;
  for (i = 0; i < r->nactions && r->actions[i].op == OP_ADD; i++) continue;
  if (i == r->nactions) return;
  r->saved = lua_newuserdatauv(r->c->f->L, (size_t)r->base * sizeof *r->saved, 0);
  memcpy(r->saved, r->c->f->items, (size_t)r->base * sizeof *r->saved);
}

/* A stopped overlay contributes nothing: the findings are put back as
 * they were before its first rule ran. */
static void withdraw(run *r)
{
  rc_findings *f = r->c->f;
  if (r->saved != NULL) memcpy(f->items, r->saved, (size_t)r->base * sizeof *r->saved);
  f->count = r->base;
  f->dropped = r->dropped;
  f->dropped_worst = r->worst;
}

static void apply(run *r)
{
  int i, k;
  save_findings(r);
  for (i = 0; i < r->nactions; i++) {
    const action *a = &r->actions[i];
    if (a->op == OP_ADD) {
      apply_add(r, a);
      continue;
    }
    for (k = 0; k < r->nfindings; k++)
      if (a->target == k || (a->target < 0 && strcmp(r->c->f->items[k].rule, a->rule) == 0))
        change(r, &r->c->f->items[k], a);
  }
}

static void failed(run *r, rc_sandbox_status status, const char *err)
{
  rc_finding *x = rc_findings_add(r->c->f, 0, RC_EDIT_OVERLAY, RC_REVIEW, NULL, source_of(r));
  size_t n;
  snprintf(x->rule, sizeof x->rule, "%s/%s", r->ov->name, r->proc->id);
  n = (size_t)snprintf(x->message, sizeof x->message, "payer overlay %.*s: rule %.*s %s: %.*s",
                       rc_utf8_cut(r->ov->name, 31), r->ov->name, rc_utf8_cut(r->proc->id, 47), r->proc->id,
                       status == RC_SB_ERROR ? "failed" : "was stopped", rc_utf8_cut(err, 100), err);
  if (status != RC_SB_ERROR && n < sizeof x->message)
    snprintf(x->message + n, sizeof x->message - n, "; none of its rules' findings or changes are used for this claim");
  snprintf(x->fix, sizeof x->fix, "correct the overlay rule; the other findings are complete without it");
  name_it(x, r);
}

static int applies(const rc_check *c, const rc_ov_proc *p)
{
  int i;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *l = &c->claim->lines[i];
    if (l->usable && l->day >= p->from && l->day <= p->to) return 1;
  }
  return 0;
}

static void run_overlay(rc_check *c, rc_overlay *ov, run *r)
{
  lua_State *L = c->f->L;
  char err[256];
  int i, top;
  rc_sandbox_status status;
  int entry = lua_gettop(L);
  rc_sandbox_restart(ov->sb);
  r->base = c->f->count;
  r->dropped = c->f->dropped;
  r->worst = c->f->dropped_worst;
  r->saved = NULL;
  for (i = 0; i < ov->nprocs; i++) {
    if (!applies(c, &ov->procs[i])) continue;
    r->ov = ov;
    r->proc = &ov->procs[i];
    r->nactions = 0;
    top = lua_gettop(L);
    status = rc_sandbox_run(ov->sb, call_rule, r, err, sizeof err);
    lua_settop(L, top);
    if (status == RC_SB_OK) {
      apply(r);
      continue;
    }
    if (status != RC_SB_ERROR) withdraw(r);
    failed(r, status, err);
    if (status != RC_SB_ERROR) break;
  }
  lua_settop(L, entry);
}

void rc_overlay_rules(rc_check *c)
{
  rc_overlay *chain[17], *ov;
  int n = 0;
  run *r = NULL;
  for (ov = c->overlay; ov != NULL && n < 17; ov = ov->parent) {
    chain[n++] = ov;
    if (ov->nprocs > 0 && r == NULL) r = lua_newuserdatauv(c->f->L, sizeof *r, 0);
  }
  if (r == NULL) return;
  memset(r, 0, sizeof *r);
  r->c = c;
  while (n > 0) run_overlay(c, chain[--n], r);
}
