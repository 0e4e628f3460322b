/* findings.c: a growable array of findings kept in a Lua userdata (so an
 * error raised mid-check frees it with the rest of the stack), sorted by
 * line when handed over, and pushed as the {ok =, findings = {...}} table of
 * the API: each finding has line, other, edit, severity, code, message, rule,
 * source, fix and, for a bypassed edit, modifier; findings a payer overlay
 * produced or changed also carry overlay, overlay_rule and (changed) reason,
 * was and suppressed. A claim lists at most RC_MAX_FINDINGS findings: the
 * ones past the limit are counted, and one claim-level `input` finding,
 * as severe as the worst of them, says how many were left out, so a
 * pathological claim costs bounded memory and ok stays right. */
#include "findings.h"
#include "utf8.h"

#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>

static const char *const edit_names[] = {
  "ptp", "mue", "addon", "frequency", "modifier", "validity", "setting",
  "companion", "necessity", "input", "overlay", "coverage"
};
static const char *const severity_names[] = {"deny", "review", "warn", "info"};

const char *rc_edit_name(rc_edit edit)
{
  return edit_names[edit];
}

const char *rc_severity_name(rc_severity severity)
{
  return severity_names[severity];
}

/* Appends s (at most n bytes of it, up to its end) to the text of length
 * len in out; returns the new length. */
static size_t append(char *out, size_t size, size_t len, const char *s, size_t n)
{
  size_t room = size - 1 - len, take;
  const char *end = n < room ? memchr(s, '\0', n) : memchr(s, '\0', room);
  take = end != NULL ? (size_t)(end - s) : (n < room ? n : room);
  memcpy(out + len, s, take);
  out[len + take] = '\0';
  return len + take;
}

void rc_cat(char *out, size_t size, ...)
{
  va_list ap;
  const char *s;
  size_t len = 0;
  if (size == 0) return;
  out[0] = '\0';
  va_start(ap, size);
  while ((s = va_arg(ap, const char *)) != NULL && len + 1 < size) len = append(out, size, len, s, (size_t)-1);
  va_end(ap);
}

void rc_cat_n(char *out, size_t size, const char *s, size_t n)
{
  if (size == 0) return;
  append(out, size, strlen(out), s, n);
}

const char *rc_itoa(long v, char buf[24])
{
  char *p = buf + 23;
  unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
  *p = '\0';
  do *--p = (char)('0' + u % 10); while ((u /= 10) != 0);
  if (v < 0) *--p = '-';
  return p;
}

/* Most claims get no finding or a few: they fit in the inline storage,
 * and the anchor slot holds nil until a claim needs more. */
void rc_findings_init(rc_findings *f, lua_State *L)
{
  f->L = L;
  f->capacity = 0;
  f->count = 0;
  f->items = NULL;
  f->dropped = 0;
  f->dropped_worst = RC_INFO;
  f->texts = 1;
  lua_pushnil(L);
  f->anchor = lua_gettop(L);
}

/* The registry slot of a storage userdata a finished check left for the
 * next one: a claim with many findings then allocates (and the collector
 * frees) nothing. A check takes it (the slot is left empty, so a check
 * that runs inside this one, from a finalizer, makes its own) and gives
 * back its storage when done; one that raises leaves it to the collector. */
static const char spare_key = 's';

#define SPARE_MAX (256 * 1024)   /* a larger storage is not kept */

/* The spare storage if it holds capacity findings, on top of the stack; NULL
 * (and nothing pushed) otherwise. */
static rc_finding *take_spare(lua_State *L, int capacity)
{
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &spare_key) == LUA_TUSERDATA &&
      lua_rawlen(L, -1) >= (size_t)capacity * sizeof(rc_finding)) {
    rc_finding *items = lua_touserdata(L, -1);
    lua_pushnil(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &spare_key);
    return items;
  }
  lua_pop(L, 1);
  return NULL;
}

/* Leaves the check's storage (if a userdata) for the next check. */
void rc_findings_done(rc_findings *f)
{
  lua_State *L = f->L;
  if (f->items == NULL || f->items == f->inline_items ||
      (size_t)f->capacity * sizeof *f->items > SPARE_MAX) return;
  lua_pushvalue(L, f->anchor);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &spare_key);
}

/* The first findings go to the inline storage; past it, the anchor holds a
 * userdata twice as large as the last storage (the spare one when large
 * enough). May raise (memory). */
static void grow(rc_findings *f)
{
  int capacity = f->capacity > 0 ? f->capacity * 2 : RC_INLINE_FINDINGS;
  rc_finding *items;
  if (f->capacity == 0) {
    f->items = f->inline_items;
    f->capacity = RC_INLINE_FINDINGS;
    return;
  }
  if ((items = take_spare(f->L, capacity)) != NULL)
    capacity = (int)(lua_rawlen(f->L, -1) / sizeof *items);
  else
    items = lua_newuserdatauv(f->L, (size_t)capacity * sizeof *items, 0);
  if (f->count > 0) memcpy(items, f->items, (size_t)f->count * sizeof *items);
  lua_replace(f->L, f->anchor);
  f->items = items;
  f->capacity = capacity;
}

/* A new finding with empty texts, for the caller to fill (when f->texts). */
rc_finding *rc_findings_add(rc_findings *f, int line, rc_edit edit, rc_severity severity,
                            const char *code, const char *source)
{
  rc_finding *x;
  if (f->count >= RC_MAX_FINDINGS) {   /* counted; the caller fills a spare */
    f->dropped++;
    if (severity < f->dropped_worst) f->dropped_worst = (unsigned char)severity;
    memset(&f->spare, 0, sizeof f->spare);
    f->spare.source = "radcode";
    return &f->spare;
  }
  if (f->count == f->capacity) grow(f);
  x = &f->items[f->count];
  memset(x, 0, offsetof(rc_finding, message));   /* the texts below start empty */
  x->message[0] = x->fix[0] = x->overlay[0] = x->overlay_rule[0] = x->reason[0] = '\0';
  x->was = x->suppressed = 0;
  x->seq = f->count++;
  x->line = line;
  x->edit = (unsigned char)edit;
  x->severity = (unsigned char)severity;
  x->source = source ? source : "radcode";
  if (code) rc_cat(x->code, sizeof x->code, code, (const char *)NULL);
  return x;
}

int rc_findings_denied(const rc_findings *f)
{
  int i;
  for (i = 0; i < f->count; i++)
    if (f->items[i].severity == RC_DENY) return 1;
  return 0;
}

/* The line a finding is listed by: coverage findings (what the loaded data
 * could not answer for) come after those of the claim's lines. */
static int list_line(const rc_finding *x)
{
  return x->edit == RC_EDIT_COVERAGE ? INT_MAX : x->line;
}

static int by_line(const void *a, const void *b)
{
  const rc_finding *x = a, *y = b;
  if (list_line(x) != list_line(y)) return list_line(x) < list_line(y) ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Values are pushed with their length: lua_pushstring would first look a
 * C string up in Lua's cache by address, which the findings' buffers,
 * allocated anew for each check, seldom hit. */
static void set_string(lua_State *L, const char *key, const char *value)
{
  if (value == NULL || value[0] == '\0') return;
  lua_pushlstring(L, value, rc_utf8_whole(value, strlen(value)));   /* never half a character */
  lua_setfield(L, -2, key);
}

/* A text whose address stays the same from check to check (the names
 * below, the rule set's interned sources): lua_pushstring finds it in
 * Lua's cache by address instead of hashing it again. */
static void set_lasting(lua_State *L, const char *key, const char *value)
{
  if (value == NULL || value[0] == '\0') return;
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

/* How many fields the finding's table gets: the table is made that size
 * (Lua rounds it up to a power of two: the usual 8 fit 8 slots, not 16). */
static int field_count(const rc_finding *x)
{
  return 2 + (x->line > 0) + (x->other > 0) + (x->code[0] != '\0') + (x->message[0] != '\0') +
         (x->rule[0] != '\0') + (x->source != NULL && x->source[0] != '\0') + (x->fix[0] != '\0') +
         (x->modifier[0] != '\0') + (x->overlay[0] != '\0') + (x->overlay_rule[0] != '\0') +
         (x->reason[0] != '\0') + (x->was != 0) + (x->suppressed != 0);
}

static void push_finding(lua_State *L, const rc_finding *x)
{
  lua_createtable(L, 0, field_count(x));
  if (x->line > 0) {
    lua_pushinteger(L, x->line);
    lua_setfield(L, -2, "line");
  }
  if (x->other > 0) {
    lua_pushinteger(L, x->other);
    lua_setfield(L, -2, "other");
  }
  set_lasting(L, "edit", edit_names[x->edit]);
  set_lasting(L, "severity", severity_names[x->severity]);
  set_string(L, "code", x->code);
  set_string(L, "message", x->message);
  set_string(L, "rule", x->rule);
  set_lasting(L, "source", x->source);
  set_string(L, "fix", x->fix);
  set_string(L, "modifier", x->modifier);
  set_string(L, "overlay", x->overlay);
  set_string(L, "overlay_rule", x->overlay_rule);
  set_string(L, "reason", x->reason);
  if (x->was) set_string(L, "was", severity_names[x->was - 1]);
  if (x->suppressed) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "suppressed");
  }
}

/* The finding that counts those past the limit. */
static void add_dropped(rc_findings *f)
{
  rc_finding *x;
  long dropped = f->dropped;
  if (dropped == 0) return;
  f->dropped = 0;
  f->count--;   /* room for this one: the last listed finding is counted instead */
  dropped++;
  if (f->items[f->count].severity < f->dropped_worst) f->dropped_worst = f->items[f->count].severity;
  x = rc_findings_add(f, 0, RC_EDIT_INPUT, (rc_severity)f->dropped_worst, NULL, "radcode input check");
  snprintf(x->rule, sizeof x->rule, "input");
  snprintf(x->message, sizeof x->message, "the claim has more than %d findings; %ld more (the worst: %s) are not listed",
           RC_MAX_FINDINGS - 1, dropped, severity_names[f->dropped_worst]);
  snprintf(x->fix, sizeof x->fix, "correct the listed findings and check the claim again, or split it");
}

#define ORDER_SMALL 64

typedef struct order_key { int line, seq, pos; } order_key;

static int by_key(const void *a, const void *b)
{
  const order_key *x = a, *y = b;
  if (x->line != y->line) return x->line < y->line ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Puts the findings in listing order (by line, then as added): the usual
 * few as their positions into order (returns 1); sorting the 1 KB findings
 * themselves would copy them around and make glibc's qsort allocate. A
 * claim with more has its findings sorted in place (returns 0). */
static int list_order(rc_findings *f, int order[ORDER_SMALL])
{
  order_key keys[ORDER_SMALL];
  int i;
  if (f->count > ORDER_SMALL) {
    qsort(f->items, (size_t)f->count, sizeof *f->items, by_line);
    return 0;
  }
  for (i = 0; i < f->count; i++) {
    keys[i].line = list_line(&f->items[i]);
    keys[i].seq = f->items[i].seq;
    keys[i].pos = i;
  }
  if (f->count > 1) qsort(keys, (size_t)f->count, sizeof keys[0], by_key);
  for (i = 0; i < f->count; i++) order[i] = keys[i].pos;
  return 1;
}

/* Pushes {ok = no deny finding, findings = {...} ordered by line}. */
void rc_findings_push(rc_findings *f)
{
  lua_State *L = f->L;
  int i, order[ORDER_SMALL], by_order;
  add_dropped(f);
  by_order = list_order(f, order);
  lua_createtable(L, 0, 2);
  lua_pushboolean(L, !rc_findings_denied(f));
  lua_setfield(L, -2, "ok");
  lua_createtable(L, f->count, 0);
  for (i = 0; i < f->count; i++) {
    push_finding(L, &f->items[by_order ? order[i] : i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "findings");
  rc_findings_done(f);
}
