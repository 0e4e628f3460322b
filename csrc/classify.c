/* classify.c: rc:classify(facts) turns the facts of a treatment into claim
 * lines { code, units [, modifiers] [, date] }, a level and the reasons
 * that decided them. The ladders are rows of classify_rules (see
 * data/README.md); this file is their small generic evaluator:
 *   - the rows of the service in force on the date, for the setting (or
 *     '*') and the payer (or '*'), are read in priority order;
 *   - each row belongs to a slot; the first row of a slot whose condition
 *     holds decides that slot, later rows of a decided slot are skipped
 *     (a row alone in its slot, e.g. a note on a fact that is not used,
 *     adds its reason whenever its condition holds);
 *   - a row of slot `check` must refuse (else a load error: it would skip
 *     the later checks in silence);
 *   - the deciding row may refuse (nil, its reason), set the level (visible
 *     to later rows as the fact `level`), add its reason, and emit its code
 *     with a units expression; a row with dated_by emits one line per unit,
 *     line i dated on the dates fact's entry min(i * date_step, count).
 * rc:classify_facts() lists the facts classify takes (rows of classify_facts). */
#include "classify.h"

#include <stdio.h>
#include <string.h>
#include "expr.h"
#include "facts.h"
#include "handle.h"
#include "opts.h"

#define MAX_SLOTS 48
#define SLOT_LEN 32

static const char sql_services[] =
  "SELECT DISTINCT service FROM classify_rules ORDER BY service";

static const char sql_rules[] =
  "SELECT slot, condition, refuse, code, level, units, modifiers, dated_by, date_step,"
  " reason, priority FROM classify_rules"
  " WHERE service = ?1 AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to >= ?2)"
  " AND (setting = '*' OR setting = ?3) AND (payer = '*' OR payer = ?4)"
  " ORDER BY priority, rowid";

enum { C_SLOT, C_COND, C_REFUSE, C_CODE, C_LEVEL, C_UNITS, C_MODS, C_DATED_BY,
       C_STEP, C_REASON, C_PRIORITY };

typedef struct run {
  lua_State *L;
  rc_facts *F;
  int facts, result;             /* stack indices */
  sqlite3_stmt *st;
  int nslots;
  char slots[MAX_SLOTS][SLOT_LEN];
} run;

static const char *text(sqlite3_stmt *st, int col)
{
  return (const char *)sqlite3_column_text(st, col);
}

/* Checks facts.service against the services that have rules. */
static int check_service(lua_State *L, rc_handle *h, const char *service)
{
  sqlite3_stmt *st = rc_db_statement(&h->db, RC_SQL_CLASSIFY_SERVICES, sql_services);
  luaL_Buffer b;
  char shown[RC_SHOWN_LEN];
  int rc, found = 0, n = 0;
  if (st == NULL) { rc_handle_push_error(L, h); return 0; }
  luaL_buffinit(L, &b);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (n++ > 0) luaL_addstring(&b, ", ");
    luaL_addstring(&b, text(st, 0));
    found = found || (service != NULL && strcmp(service, text(st, 0)) == 0);
  }
  sqlite3_reset(st);
  luaL_pushresult(&b);
  if (rc != SQLITE_DONE) { rc_handle_push_error(L, h); return 0; }
  if (found) { lua_pop(L, 1); return 1; }
  if (service == NULL) lua_pushfstring(L, "service is required (one of %s)", lua_tostring(L, -1));
  else lua_pushfstring(L, "unknown service '%s' (expected one of %s)", rc_shorten(service, shown), lua_tostring(L, -1));
  return 0;
}

static void add_value(luaL_Buffer *b, const rc_value *v)
{
  char num[32];
  if (v->type == RC_V_STR) {
    luaL_addstring(b, v->s);
  } else if (v->type == RC_V_BOOL) {
    luaL_addstring(b, v->i ? "yes" : "no");
  } else {
    snprintf(num, sizeof num, "%lld", v->i);
    luaL_addstring(b, num);
  }
}

/* Pushes a rule's text with each {fact} replaced by the fact's value. */
static void push_text(run *r, const char *s)
{
  luaL_Buffer b;
  luaL_buffinit(r->L, &b);
  while (*s != '\0') {
    const char *close = *s == '{' ? strchr(s, '}') : NULL;
    rc_value v;
    if (close != NULL && rc_facts_lookup(r->F, s + 1, (size_t)(close - s - 1), &v)) {
      add_value(&b, &v);
      s = close + 1;
    } else {
      luaL_addchar(&b, *s++);
    }
  }
  luaL_pushresult(&b);
}

/* Appends the value on top of the stack to result[key]. */
static void append(run *r, const char *key)
{
  lua_getfield(r->L, r->result, key);
  lua_insert(r->L, -2);
  lua_rawseti(r->L, -2, (lua_Integer)lua_rawlen(r->L, -2) + 1);
  lua_pop(r->L, 1);
}

/* Evaluates a rule expression; 0 with a message pushed on failure. */
static int eval(run *r, const char *src, rc_value *v)
{
  char err[200];
  switch (rc_expr_eval(src, rc_facts_lookup, r->F, v, err, sizeof err)) {
  case RC_EXPR_OK:
    return 1;
  case RC_EXPR_MISSING:
    lua_pushfstring(r->L, "%s is required to classify %s", err, r->F->service);
    return 0;
  default:
    lua_pushfstring(r->L, "classify_rules %s priority %d: %s in '%s'", r->F->service,
                    sqlite3_column_int(r->st, C_PRIORITY), err, src);
    return 0;
  }
}

/* 1 when the row's condition holds (a NULL condition always does), 0 when
 * not, -1 with a message pushed on failure. */
static int holds(run *r)
{
  const char *cond = text(r->st, C_COND);
  rc_value v;
  if (cond == NULL) return 1;
  if (!eval(r, cond, &v)) return -1;
  if (v.type == RC_V_BOOL) return (int)v.i;
  lua_pushfstring(r->L, "classify_rules %s priority %d: condition '%s' is not a boolean",
                  r->F->service, sqlite3_column_int(r->st, C_PRIORITY), cond);
  return -1;
}

/* The row's units expression (NULL means 1); -1 with a message on failure. */
static long long units(run *r)
{
  const char *src = text(r->st, C_UNITS);
  rc_value v;
  if (src == NULL) return 1;
  if (!eval(r, src, &v)) return -1;
  if ((v.type == RC_V_INT || v.type == RC_V_BOOL) && v.i >= 0 && v.i <= 1000) return v.i;
  lua_pushfstring(r->L, "classify_rules %s priority %d: units '%s' is not a count",
                  r->F->service, sqlite3_column_int(r->st, C_PRIORITY), src);
  return -1;
}

/* Sets line.modifiers from "26" or "26,59". */
static void set_modifiers(lua_State *L, const char *mods)
{
  lua_Integer n = 0;
  if (mods == NULL) return;
  lua_newtable(L);
  while (*mods != '\0') {
    size_t len = strcspn(mods, ",");
    lua_pushlstring(L, mods, len);
    lua_rawseti(L, -2, ++n);
    mods += len + (mods[len] == ',');
  }
  lua_setfield(L, -2, "modifiers");
}

static void push_line(run *r, long long count)
{
  lua_State *L = r->L;
  lua_createtable(L, 0, 4);
  lua_pushstring(L, text(r->st, C_CODE));
  lua_setfield(L, -2, "code");
  lua_pushinteger(L, (lua_Integer)count);
  lua_setfield(L, -2, "units");
  set_modifiers(L, text(r->st, C_MODS));
}

/* One line of one unit per unit, each dated on its entry of the dates fact
 * (when the facts carry that list). */
static void dated_lines(run *r, long long count)
{
  lua_State *L = r->L;
  long long i, step = sqlite3_column_int64(r->st, C_STEP);
  lua_Integer n;
  int dates = lua_gettop(L) + 1;
  lua_getfield(L, r->facts, text(r->st, C_DATED_BY));
  n = lua_istable(L, dates) ? (lua_Integer)lua_rawlen(L, dates) : 0;
  if (step < 1) step = 1;
  for (i = 1; i <= count; i++) {
    push_line(r, 1);
    if (n > 0) {
      lua_rawgeti(L, dates, i * step < n ? (lua_Integer)(i * step) : n);
      lua_setfield(L, -2, "date");
    }
    append(r, "lines");
  }
  lua_pop(L, 1);
}

static int emit(run *r)
{
  long long count = units(r);
  if (count < 0) return 0;
  if (count == 0) return 1;
  if (text(r->st, C_DATED_BY) != NULL) {
    dated_lines(r, count);
  } else {
    push_line(r, count);
    append(r, "lines");
  }
  return 1;
}

/* Marks the row's slot decided (the caller checked it was not); 0 with a
 * message pushed when the service has more slots than a run can track. */
static int decide_slot(run *r)
{
  if (r->nslots == MAX_SLOTS) {
    lua_pushfstring(r->L, "classify_rules %s: more than %d slots", r->F->service, MAX_SLOTS);
    return 0;
  }
  snprintf(r->slots[r->nslots++], SLOT_LEN, "%s", text(r->st, C_SLOT));
  return 1;
}

static int is_decided(run *r)
{
  const char *slot = text(r->st, C_SLOT);
  int i;
  for (i = 0; i < r->nslots; i++)
    if (strncmp(r->slots[i], slot, SLOT_LEN - 1) == 0) return 1;
  return 0;
}

static void set_level(run *r)
{
  const char *level = text(r->st, C_LEVEL);
  if (level == NULL || r->F->has_level) return;
  snprintf(r->F->level, sizeof r->F->level, "%s", level);
  r->F->has_level = 1;
}

/* A row of slot `check` must refuse: one that did not would decide the slot
 * when its condition holds and skip every later check in silence. 0 with a
 * message pushed for such a row (whether or not its condition holds). */
static int check_slot_refuses(run *r)
{
  if (strcmp(text(r->st, C_SLOT), "check") != 0 || sqlite3_column_int(r->st, C_REFUSE) == 1) return 1;
  lua_pushfstring(r->L, "classify_rules %s priority %d: a row of slot 'check' must refuse (refuse = 1);"
                  " give a rule that does not refuse a slot of its own", r->F->service,
                  sqlite3_column_int(r->st, C_PRIORITY));
  return 0;
}

/* Applies one rule row: 1 to go on, 0 with a message pushed to stop. */
static int apply_row(run *r)
{
  const char *reason = text(r->st, C_REASON);
  int h;
  if (!check_slot_refuses(r)) return 0;
  if (is_decided(r)) return 1;
  h = holds(r);
  if (h <= 0) return h == 0;
  if (!decide_slot(r)) return 0;
  if (sqlite3_column_int(r->st, C_REFUSE)) {
    push_text(r, reason ? reason : "these facts cannot be classified");
    return 0;
  }
  set_level(r);
  if (reason != NULL) {
    push_text(r, reason);
    append(r, "reasons");
  }
  return text(r->st, C_CODE) == NULL || emit(r);
}

static int run_rules(run *r, rc_handle *h)
{
  int rc;
  r->st = rc_db_statement(&h->db, RC_SQL_CLASSIFY_RULES, sql_rules);
  if (r->st == NULL) { rc_handle_push_error(r->L, h); return 0; }
  sqlite3_bind_text(r->st, 1, r->F->service, -1, SQLITE_STATIC);
  sqlite3_bind_text(r->st, 2, r->F->date, -1, SQLITE_STATIC);
  sqlite3_bind_text(r->st, 3, r->F->setting, -1, SQLITE_STATIC);
  sqlite3_bind_text(r->st, 4, r->F->payer, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(r->st)) == SQLITE_ROW)
    if (!apply_row(r)) {
      sqlite3_reset(r->st);
      return 0;
    }
  sqlite3_reset(r->st);
  if (rc == SQLITE_DONE) return 1;
  rc_handle_push_error(r->L, h);
  return 0;
}

static void new_result(lua_State *L)
{
  lua_createtable(L, 0, 3);
  lua_newtable(L);
  lua_setfield(L, -2, "lines");
  lua_newtable(L);
  lua_setfield(L, -2, "reasons");
}

/* Sets result.level; refuses a result with neither lines nor reasons. */
static int finish(run *r)
{
  lua_State *L = r->L;
  size_t lines, reasons;
  if (r->F->has_level) {
    lua_pushstring(L, r->F->level);
    lua_setfield(L, r->result, "level");
  }
  lua_getfield(L, r->result, "lines");
  lua_getfield(L, r->result, "reasons");
  lines = lua_rawlen(L, -2);
  reasons = lua_rawlen(L, -1);
  lua_pop(L, 2);
  if (lines > 0 || reasons > 0) return 1;
  lua_pushfstring(L, "no code applies to %s with these facts on %s (%s)",
                  r->F->service, r->F->date, r->F->setting);
  return 0;
}

static int classify(lua_State *L)
{
  rc_handle *h = rc_handle_check(L, 1);
  run r;
  memset(&r, 0, sizeof r);
  r.L = L;
  r.facts = 2;
  if (!rc_facts_read(L, &h->db, 2, &r.F)) return rc_fail(L);
  if (!check_service(L, h, r.F->service)) return rc_fail(L);
  new_result(L);
  r.result = lua_gettop(L);
  if (!run_rules(&r, h) || !finish(&r)) return rc_fail(L);
  lua_settop(L, r.result);
  return 1;
}

/* rc:classify_facts(): the facts rc:classify takes, as rows of
 * classify_facts (the CLI's fact options are built from them). */
static int classify_facts(lua_State *L)
{
  rc_handle *h = rc_handle_check(L, 1);
  if (!rc_facts_list(L, &h->db)) return rc_fail(L);
  return 1;
}

const luaL_Reg rc_classify_methods[] = {
  {"classify", classify},
  {"classify_facts", classify_facts},
  {NULL, NULL}
};
