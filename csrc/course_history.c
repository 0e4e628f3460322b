/* course_history.c: the course's recorded lines, read once per check and
 * kept sorted by code and day with running sums of units, so that each
 * claim line finds what the history holds for it by binary search:
 *   - its code's units in the course and in the line's week (course limits),
 *   - whether a recorded line of its day is its companion's partner,
 *   - the units of a code in any span of days (payer per-days limits) and
 *     the first recorded line of a code in a span (payer windows).
 * Check time stays linear in the claim's lines and the history's, however
 * many of either (a scan of the history per claim line made a 100,000-line
 * claim beside a long history quadratic). The entries live in a block a
 * Lua userdata owns (freed by its __gc if the check raises). */
#include "course_history.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "code.h"
#include "history.h"

#define BOX_NAME "radcode.course_history"

typedef struct box { rc_hist_entry *rows; size_t n, cap; } box;

static int box_gc(lua_State *L)
{
  box *b = luaL_checkudata(L, 1, BOX_NAME);
  free(b->rows);
  b->rows = NULL;
  b->n = b->cap = 0;
  return 0;
}

/* Pushes an empty box that owns the entries' block. */
static box *push_box(lua_State *L)
{
  box *b = lua_newuserdatauv(L, sizeof *b, 0);
  b->rows = NULL;
  b->n = b->cap = 0;
  if (luaL_newmetatable(L, BOX_NAME)) {
    lua_pushcfunction(L, box_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return b;
}

typedef struct reading { box *b; rc_check *c; int oom; } reading;

/* One recorded line: appended, with its code's rules (for companions and
 * fractions) and the course's fraction count. */
static void visit(void *ctx, const char *code, long day, long units)
{
  reading *r = ctx;
  char err[8];
  rc_hist_entry *e;
  int n = 0;
  if (r->oom) return;
  if (r->b->n == r->b->cap) {
    size_t cap = r->b->cap ? r->b->cap * 2 : 64;
    rc_hist_entry *grown = realloc(r->b->rows, cap * sizeof *grown);
    if (grown == NULL) {
      r->oom = 1;
      return;
    }
    r->b->rows = grown;
    r->b->cap = cap;
  }
  e = &r->b->rows[r->b->n++];
  snprintf(e->code, sizeof e->code, "%s", code);
  e->key = rc_code_key(code);
  e->day = day;
  e->units = units;
  e->rules = rc_rules_code(r->c->rules, code, err, sizeof err);
  if (e->rules != NULL) rc_rules_of(e->rules, RC_RULE_FRACTION, &n);
  if (n > 0) r->c->history_fractions += units;
}

static int by_code_day(const void *a, const void *b)
{
  const rc_hist_entry *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->day < y->day ? -1 : x->day > y->day;
}

/* The first entry at or after (key, day). */
static int lower(const rc_check *c, uint64_t key, long day)
{
  int lo = 0, hi = c->nhist;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    const rc_hist_entry *e = &c->hist[mid];
    if (e->key < key || (e->key == key && e->day < day)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

long rc_hist_units(const rc_check *c, uint64_t key, long from, long to)
{
  int a, z;
  if (c->nhist == 0 || to < from) return 0;
  a = lower(c, key, from);
  z = lower(c, key, to == LONG_MAX ? LONG_MAX : to + 1);   /* no day is LONG_MAX */
  return z > a ? c->hist[z - 1].cum - (a > 0 ? c->hist[a - 1].cum : 0) : 0;
}

const rc_hist_entry *rc_hist_first(const rc_check *c, uint64_t key, long from, long to)
{
  int a;
  if (c->nhist == 0 || to < from) return NULL;
  a = lower(c, key, from);
  return a < c->nhist && c->hist[a].key == key && c->hist[a].day <= to ? &c->hist[a] : NULL;
}

/* The claim's lines' course and week counters. */
static void count_units(rc_check *c)
{
  int i;
  for (i = 0; i < c->claim->nlines; i++) {
    rc_line *l = &c->claim->lines[i];
    long week;
    if (!l->usable) continue;
    week = rc_week_of(l->day);
    l->history_course += rc_hist_units(c, l->key, LONG_MIN, LONG_MAX);
    l->history_week += rc_hist_units(c, l->key, 7 * week - 3, 7 * week + 3);
  }
}

/* Is a recorded line of the line's day its companion's partner? The
 * recorded codes of a day are tried once each. */
static int partner_recorded(const rc_check *c, const rc_line *l, const rc_hist_entry *day_rows, int nday)
{
  const rc_rule *rows;
  int i, j, n;
  rows = rc_rules_of(l->rules, RC_RULE_COMPANION, &n);
  for (i = 0; i < nday; i++) {
    if (i > 0 && day_rows[i].key == day_rows[i - 1].key) continue;
    for (j = 0; j < n; j++)
      if (rc_rule_applies(&rows[j], l->day, c->setting) &&
          rc_companion_partner(rows[j].other, day_rows[i].code, day_rows[i].rules))
        return 1;
  }
  return 0;
}

static int by_day_code(const void *a, const void *b)
{
  const rc_hist_entry *x = a, *y = b;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  return x->key < y->key ? -1 : x->key > y->key;
}

/* Marks the claim's lines whose companion a recorded line of their day
 * is: the entries are sorted by day here, then back by code and day. */
static void mark_partners(rc_check *c)
{
  int i, n;
  qsort(c->hist, (size_t)c->nhist, sizeof *c->hist, by_day_code);
  for (i = 0; i < c->claim->nlines; i++) {
    rc_line *l = &c->claim->lines[i];
    int lo = 0, hi = c->nhist, end;
    if (!l->usable || l->history_partner) continue;
    rc_rules_of(l->rules, RC_RULE_COMPANION, &n);
    if (n == 0) continue;
    while (lo < hi) {
      int mid = lo + (hi - lo) / 2;
      if (c->hist[mid].day < l->day) lo = mid + 1;
      else hi = mid;
    }
    for (end = lo; end < c->nhist && c->hist[end].day == l->day; end++) {}
    l->history_partner = partner_recorded(c, l, &c->hist[lo], end - lo);
  }
  qsort(c->hist, (size_t)c->nhist, sizeof *c->hist, by_code_day);
}

int rc_course_history_read(lua_State *L, rc_check *c, rc_history *history, char *err, size_t errlen)
{
  reading r;
  int i;
  long cum = 0;
  r.b = push_box(L);
  r.c = c;
  r.oom = 0;
  if (!rc_history_course(history, c->claim->patient, c->claim->course, c->claim->id, visit, &r)) {
    snprintf(err, errlen, "reading history: %s", rc_history_error(history));
    return 0;
  }
  if (r.oom || r.b->n > INT_MAX) {
    snprintf(err, errlen, "reading history: out of memory");
    return 0;
  }
  c->hist = r.b->rows;
  c->nhist = (int)r.b->n;
  if (c->nhist == 0) return 1;   /* no line of this course recorded (qsort takes no NULL) */
  mark_partners(c);   /* leaves the entries sorted by code and day */
  for (i = 0; i < c->nhist; i++) c->hist[i].cum = cum += c->hist[i].units;
  count_units(c);
  return 1;
}
