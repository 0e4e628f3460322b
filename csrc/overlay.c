/* overlay.c: the handle's payer overlays. rc:_load_overlay(source,
 * chunkname [, name]) runs an overlay's text in a fresh sandbox, turns its
 * table into rule rows (overlay_decl.c) and registers it; the Lua layer
 * (init.lua) finds files and shipped overlays and resolves parents. For a
 * check, rc_overlay_code gives a code's rules for the payer: the national
 * rows plus the rows of the overlay and its ancestors, merged once and
 * cached, so the edits read them exactly like national rows. rc:payers()
 * lists the overlays; rc:payer(name) describes one. */
#include "overlay.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "handle.h"
#include "opts.h"
#include "utf8.h"

static void overlay_free(rc_overlay *ov)
{
  int i;
  if (ov == NULL) return;
  if (ov->sb != NULL)
    for (i = 0; i < ov->nprocs; i++) luaL_unref(rc_sandbox_state(ov->sb), LUA_REGISTRYINDEX, ov->procs[i].ref);
  rc_sandbox_free(ov->sb);
  rc_pool_free(ov->pool);
  if (ov->merged != NULL) rc_codemap_free(ov->merged, rc_rules_free_code);
  free(ov->rows);
  free(ov->procs);
  free(ov);
}

void rc_overlays_free(rc_overlays *reg)
{
  rc_overlay *ov, *next;
  if (reg == NULL) return;
  for (ov = reg->head; ov != NULL; ov = next) {
    next = ov->next;
    overlay_free(ov);
  }
  free(reg);
}

rc_overlay *rc_overlays_find(const rc_overlays *reg, const char *name)
{
  rc_overlay *ov;
  for (ov = reg ? reg->head : NULL; ov != NULL; ov = ov->next)
    if (strcmp(ov->name, name) == 0) return ov;
  return NULL;
}

/* ---- a payer's rules of a code ---- */

/* Index of the first row of code in ov->rows (sorted by code). */
static int first_row(const rc_overlay *ov, const char *code)
{
  int lo = 0, hi = ov->nrows;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (strcmp(ov->rows[mid].code, code) < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/* Copies the chain's rows of code into out (when not NULL); returns how many. */
static int chain_rows(const rc_overlay *ov, const char *code, rc_rule *out)
{
  int n = 0, i;
  for (; ov != NULL; ov = ov->parent)
    for (i = first_row(ov, code); i < ov->nrows && strcmp(ov->rows[i].code, code) == 0; i++, n++)
      if (out != NULL) out[n] = ov->rows[i].r;
  return n;
}

static int rule_cmp(const void *a, const void *b)
{
  const rc_rule *x = a, *y = b;
  int cmp;
  if (x->kind != y->kind) return x->kind < y->kind ? -1 : 1;
  if ((cmp = strcmp(x->other, y->other)) != 0) return cmp;
  if (x->from != y->from) return x->from < y->from ? -1 : 1;
  return (int)x->layer - (int)y->layer;
}

/* The code's rules for the overlay's payer; NULL with err on failure. */
const rc_code_rules *rc_overlay_code(rc_overlay *ov, rc_rules *rules, const char *code, char *err, size_t errlen)
{
  rc_code_rules *cr = rc_codemap_get(ov->merged, code);
  const rc_code_rules *national;
  rc_rule *extra;
  int n;
  if (cr != NULL) return cr;
  if ((national = rc_rules_code(rules, code, err, errlen)) == NULL) return NULL;
  if ((n = chain_rows(ov, code, NULL)) == 0) return national;
  if ((extra = malloc((size_t)n * sizeof *extra)) != NULL) {
    chain_rows(ov, code, extra);
    qsort(extra, (size_t)n, sizeof *extra, rule_cmp);
    cr = rc_rules_merge(national, extra, n);
    free(extra);
  }
  if (cr == NULL || !rc_codemap_put(ov->merged, code, cr)) {
    if (cr != NULL) rc_rules_free_code(cr);
    snprintf(err, errlen, "out of memory merging the %s rules of %s", ov->name, code);
    return NULL;
  }
  return cr;
}

/* ---- loading ---- */

typedef struct load_ctx {
  rc_overlay *ov;
  const rc_overlays *reg;
  const char *src, *chunkname;
  size_t len;
  char missing[RC_OVERLAY_NAME_LEN];
} load_ctx;

/* In the sandbox: load the text (mode "t"), run it, read its table. */
static int declare(lua_State *S)
{
  load_ctx *ctx = lua_touserdata(S, 1);
  if (luaL_loadbufferx(S, ctx->src, ctx->len, ctx->chunkname, "t") != LUA_OK) return lua_error(S);
  lua_call(S, 0, 1);
  return rc_overlay_declare(S, ctx->ov, ctx->reg, ctx->src, ctx->len, ctx->missing);
}

static rc_overlay *new_overlay(const rc_overlays *reg, const char *chunkname, const char *hint)
{
  rc_overlay *ov = calloc(1, sizeof *ov);
  if (ov == NULL) return NULL;
  snprintf(ov->file, sizeof ov->file, "%s", chunkname[0] == '@' || chunkname[0] == '=' ? chunkname + 1 : chunkname);
  if (strlen(hint) < sizeof ov->name) snprintf(ov->name, sizeof ov->name, "%s", hint);
  else snprintf(ov->name, sizeof ov->name, "%.*s...", rc_utf8_cut(hint, 27), hint);   /* refused by the name check, not cut silently */
  if ((ov->pool = rc_pool_new()) == NULL || (ov->merged = rc_codemap_new()) == NULL ||
      (ov->sb = rc_sandbox_new(reg->memory, reg->budget)) == NULL) {
    overlay_free(ov);
    return NULL;
  }
  return ov;
}

static void append(rc_overlays *reg, rc_overlay *ov)
{
  rc_overlay **tail = &reg->head;
  while (*tail != NULL) tail = &(*tail)->next;
  *tail = ov;
}

static rc_overlays *registry(rc_handle *h)
{
  if (h->overlays == NULL && (h->overlays = calloc(1, sizeof *h->overlays)) != NULL) {
    h->overlays->memory = h->overlay_memory;
    h->overlays->budget = h->overlay_budget;
  }
  return h->overlays;
}

static int load_failed(lua_State *L, const char *err, const load_ctx *ctx, const char *own)
{
  lua_pushnil(L);
  lua_pushstring(L, err);
  if (ctx->missing[0] == '\0') return 2;
  lua_pushliteral(L, "missing");
  lua_pushstring(L, ctx->missing);
  lua_pushstring(L, own);
  return 5;
}

/* rc:_load_overlay(source, chunkname [, name]) -> name | nil, message
 * [, "missing", parent, own name] when the parent is not loaded yet. */
static int load_overlay(lua_State *L)
{
  rc_handle *h = rc_handle_check(L, 1);
  load_ctx ctx;
  rc_overlays *reg;
  char err[600], own[RC_OVERLAY_NAME_LEN];
  memset(&ctx, 0, sizeof ctx);
  ctx.src = luaL_checklstring(L, 2, &ctx.len);
  ctx.chunkname = luaL_checkstring(L, 3);
  lua_settop(L, 4);
  if ((reg = registry(h)) == NULL ||
      (ctx.ov = new_overlay(reg, ctx.chunkname, luaL_optstring(L, 4, ""))) == NULL)
    return rc_failf(L, "out of memory loading an overlay");
  ctx.reg = reg;
  rc_sandbox_restart(ctx.ov->sb);
  if (rc_sandbox_run(ctx.ov->sb, declare, &ctx, err, sizeof err) != RC_SB_OK) {
    snprintf(own, sizeof own, "%s", ctx.ov->name);
    overlay_free(ctx.ov);
    return load_failed(L, err, &ctx, own);
  }
  append(reg, ctx.ov);
  lua_pushstring(L, ctx.ov->name);
  return 1;
}

/* rc:payers(): the names of the loaded overlays, in load order. */
static int payers(lua_State *L)
{
  rc_handle *h = rc_handle_check(L, 1);
  rc_overlay *ov;
  int n = 0;
  lua_newtable(L);
  for (ov = h->overlays ? h->overlays->head : NULL; ov != NULL; ov = ov->next) {
    lua_pushstring(L, ov->name);
    lua_rawseti(L, -2, ++n);
  }
  return 1;
}

static const char *const kind_names[] = {
  "code", "pair", "mue", "pctc", "payment", "aoc", "required", "replacement", "companion",
  "limit", "fraction", "limit_days", "window", "prior_auth", "coverage", "mapping"
};

static void set_str(lua_State *L, const char *key, const char *value)
{
  if (value == NULL || value[0] == '\0') return;
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

static void set_int(lua_State *L, const char *key, long value)
{
  lua_pushinteger(L, value);
  lua_setfield(L, -2, key);
}

static void set_day(lua_State *L, const char *key, long day)
{
  char iso[RC_DATE_LEN + 1];
  if (day == LONG_MIN || day == LONG_MAX) return;
  rc_date_format(day, iso);
  set_str(L, key, iso);
}

static void push_row(lua_State *L, const rc_ov_row *row)
{
  lua_createtable(L, 0, 12);
  set_str(L, "section", row->section);
  set_str(L, "id", row->id);
  set_str(L, "code", row->code);
  set_str(L, "kind", kind_names[row->r.kind]);
  set_str(L, "other", row->r.other);
  set_int(L, "a", row->r.a);
  set_int(L, "b", row->r.b);
  set_int(L, "c", row->r.c);
  set_str(L, "extra", row->r.extra);
  set_str(L, "setting", row->r.setting ? rc_setting_name(row->r.setting) : NULL);
  set_day(L, "from", row->r.from);
  set_day(L, "to", row->r.to);
  set_str(L, "reason", row->r.text);
  set_str(L, "source", row->r.source);
}

static void push_rules(lua_State *L, const rc_overlay *ov)
{
  int i;
  lua_createtable(L, ov->nprocs, 0);
  for (i = 0; i < ov->nprocs; i++) {
    lua_createtable(L, 0, 3);
    set_str(L, "id", ov->procs[i].id);
    set_day(L, "from", ov->procs[i].from);
    set_day(L, "to", ov->procs[i].to);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "rules");
}

/* rc:payer(name) -> {name, inherits, file, description, rows, rules} | nil, msg */
static int payer(lua_State *L)
{
  rc_handle *h = rc_handle_check(L, 1);
  const rc_overlay *ov = rc_overlays_find(h->overlays, luaL_checkstring(L, 2));
  int i;
  if (ov == NULL) return rc_failf(L, "no overlay named '%s' is loaded", lua_tostring(L, 2));
  lua_createtable(L, 0, 8);
  set_str(L, "name", ov->name);
  set_str(L, "inherits", ov->parent ? ov->parent->name : NULL);
  set_str(L, "file", ov->file);
  set_str(L, "description", ov->description);
  set_int(L, "memory", (long)rc_sandbox_memory(ov->sb));
  set_int(L, "budget", rc_sandbox_budget(ov->sb));
  lua_createtable(L, ov->nrows, 0);
  for (i = 0; i < ov->nrows; i++) {
    push_row(L, &ov->rows[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "rows");
  push_rules(L, ov);
  return 1;
}

const luaL_Reg rc_overlay_methods[] = {
  {"_load_overlay", load_overlay},
  {"payers", payers},
  {"payer", payer},
  {NULL, NULL}
};
