/* edits_course.c: limits that cross the claims of a course (frequency):
 * at most N units per course (77432, 77435, 77431; 77301, 77263, 77470 as
 * a review; 77373 at most five fractions), per calendar week (payer
 * overlays), or per five delivered fractions (77427, with three or four
 * left over earning one more unit and 77431 for a course of one or two;
 * 77336 and 77417, at least once in a course of fewer than five).
 * Units count the course's recorded history (consulted by check.c before
 * the edits run) first, then this claim's lines in date order (ties by line
 * order), so the finding falls on the line that goes over the limit by
 * date. Fractions are the course's: history plus claim. When neither has a
 * delivered fraction (a professional claim does not carry the delivery the
 * hospital bills), the fraction limits are not applied: one info finding
 * says they could not be verified. */
#include "check.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mondays start weeks: day 0 (1970-01-01) was a Thursday. */
long rc_week_of(long day)
{
  return (day + 3) / 7;
}

typedef struct earlier {        /* per claim line (0-based position) */
  long course, week;             /* units of its code on lines before it by date */
} earlier;

typedef struct unverified {     /* fraction limits that could not be applied */
  int n;
  char codes[40];
} unverified;

static int by_code_day(const void *a, const void *b)
{
  const rc_day_entry *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  return x->pos - y->pos;
}

/* For each usable line, the units of its code on the claim's lines dated
 * before it, or on its day and listed before it (also within its week).
 * The array lives in a userdata pushed on the stack. */
static earlier *earlier_units(rc_check *c)
{
  lua_State *L = c->f->L;
  size_t n = (size_t)c->nby_day;
  earlier *out = lua_newuserdatauv(L, (size_t)(c->claim->nlines + 1) * sizeof *out, 0);
  rc_day_entry *order = lua_newuserdatauv(L, (n + 1) * sizeof *order, 0);
  long course = 0, week = 0;
  size_t i;
  memcpy(order, c->by_day, n * sizeof *order);
  qsort(order, n, sizeof *order, by_code_day);
  for (i = 0; i < n; i++) {
    const rc_line *l = &c->claim->lines[order[i].pos];
    if (i == 0 || order[i].key != order[i - 1].key) course = week = 0;
    else if (rc_week_of(order[i].day) != rc_week_of(order[i - 1].day)) week = 0;
    out[order[i].pos].course = course;
    out[order[i].pos].week = week;
    course += l->units;
    week += l->units;
  }
  lua_pop(L, 1);
  return out;
}

static long claim_fractions(const rc_check *c)
{
  long n = 0;
  int i, count;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *l = &c->claim->lines[i];
    if (l->usable && l->rules != NULL) {
      rc_rules_of(l->rules, RC_RULE_FRACTION, &count);
      if (count > 0) n += l->units;
    }
  }
  return n;
}

/* A limit's severity (its extra). */
static rc_severity severity_of(const char *extra)
{
  if (strcmp(extra, "review") == 0) return RC_REVIEW;
  if (strcmp(extra, "warn") == 0) return RC_WARN;
  if (strcmp(extra, "info") == 0) return RC_INFO;
  return RC_DENY;
}

/* The code a course too short to earn a unit bills instead, or "". */
static const char *instead_of(const rc_rule *limit)
{
  return limit->alt ? limit->alt : "";
}

static rc_finding *frequency_finding(rc_check *c, const rc_line *line, const rc_rule *limit)
{
  rc_finding *x = rc_findings_add(c->f, line->index, RC_EDIT_FREQUENCY, severity_of(limit->extra),
                                  line->code, limit->source);
  if (strcmp(limit->other, "fractions") == 0)
    snprintf(x->rule, sizeof x->rule, "frequency %s %d per %d fractions", line->code, limit->a, limit->b > 0 ? limit->b : 5);
  else
    snprintf(x->rule, sizeof x->rule, "frequency %s %d per %s", line->code, limit->a, limit->other);
  return x;
}

static const char *course_name(const rc_check *c)
{
  return c->claim->course[0] ? c->claim->course : "this claim";
}

static void per_count(rc_check *c, const rc_line *line, const rc_rule *limit, const earlier *e, int week)
{
  long before = week ? line->history_week + e->week : line->history_course + e->course;
  rc_severity severity = severity_of(limit->extra);
  rc_finding *x;
  if (before + line->units <= limit->a) return;
  x = frequency_finding(c, line, limit);
  snprintf(x->message, sizeof x->message, "%s: %ld unit%s in %s %s, more than %d (%ld already billed): %s",
           line->code, before + line->units, before + line->units == 1 ? "" : "s", week ? "the week of" : "course", week ? line->date : course_name(c),
           limit->a, before, limit->text);
  if (severity == RC_REVIEW)
    snprintf(x->fix, sizeof x->fix, "keep it only when the documentation shows a new service (e.g. a new plan for a boost or a changed target); otherwise %s",
             before >= limit->a ? "remove this line" : "reduce the units");
  else
    snprintf(x->fix, sizeof x->fix, before >= limit->a ? "remove this line: the limit was already reached"
                                                       : "reduce the units to what the limit allows");
}

/* Units allowed for F fractions: (F / n) * max, plus max when the leftover
 * F % n reaches the leftover threshold, and at least minimum when any
 * fraction was delivered. */
static long fractions_allowed(const rc_rule *limit, long fractions)
{
  long per = limit->b > 0 ? limit->b : 5, left = limit->c, minimum = limit->d;
  long allowed = (fractions / per) * limit->a;
  if (left > 0 && fractions % per >= left) allowed += limit->a;
  if (fractions > 0 && allowed < minimum) allowed = minimum;
  return allowed;
}

static void fractions_fix(rc_finding *x, const rc_line *line, const rc_rule *limit, long fractions, long allowed)
{
  long per = limit->b > 0 ? limit->b : 5, left = limit->c, minimum = limit->d;
  const char *instead = instead_of(limit);
  char extra[96] = "";
  if (allowed == 0 && fractions < per && instead[0]) {
    snprintf(x->fix, sizeof x->fix, "a course of %ld fraction%s earns no %s: if the course ends there, bill %s for the whole course instead; otherwise bill %s only once %ld fractions are delivered",
             fractions, fractions == 1 ? "" : "s", line->code, instead, line->code, left > 0 ? left : per);
    return;
  }
  if (left > 0 && left < per) snprintf(extra, sizeof extra, ", one more when %ld to %ld are left at the end", left, per - 1);
  else if (minimum > 0) snprintf(extra, sizeof extra, ", %ld in a course of fewer than %ld", minimum, per);
  snprintf(x->fix, sizeof x->fix, "bill %s %d per %ld fractions delivered%s; remove the units over that",
           line->code, limit->a, per, extra);
}

static void per_fractions(rc_check *c, const rc_line *line, const rc_rule *limit, const earlier *e, long fractions)
{
  long allowed = fractions_allowed(limit, fractions);
  long billed = line->history_course + e->course + line->units;
  rc_finding *x;
  if (billed <= allowed) return;
  x = frequency_finding(c, line, limit);
  snprintf(x->message, sizeof x->message, "%s: %ld unit%s for %ld fraction%s delivered in %s; %ld allowed: %s",
           line->code, billed, billed == 1 ? "" : "s", fractions, fractions == 1 ? "" : "s", course_name(c),
           allowed, limit->text);
  fractions_fix(x, line, limit, fractions, allowed);
}

static void note_unverified(unverified *u, const char *code)
{
  size_t used = strlen(u->codes);
  if (strstr(u->codes, code) == NULL && used + strlen(code) + 3 < sizeof u->codes)
    snprintf(u->codes + used, sizeof u->codes - used, "%s%s", used ? ", " : "", code);
  u->n++;
}

/* One finding for the claim: its fraction limits could not be checked. */
static void unverified_finding(rc_check *c, const unverified *u)
{
  rc_finding *x = rc_findings_add(c->f, 0, RC_EDIT_FREQUENCY, RC_INFO, NULL, NULL);
  snprintf(x->message, sizeof x->message, "%.*s %s limited by delivered fractions, but neither this claim nor %s shows one (a professional claim does not carry the hospital's delivery): not verified%s",
           rc_utf8_cut(u->codes, 39), u->codes, strchr(u->codes, ',') ? "are" : "is", c->history_read ? "the course history" : "a named course",
           c->history_read ? "" : "; limits counted within this claim only");
  snprintf(x->fix, sizeof x->fix, "%srecord the course's delivery claims (the hospital's too) with rc:record, so their fractions count",
           c->history_read ? "" : "give claim.patient and claim.course, and ");
  snprintf(x->rule, sizeof x->rule, "frequency fractions unverified");
}

static int any_limit(const rc_check *c)
{
  int i, n;
  for (i = 0; i < c->claim->nlines; i++) {
    if (!c->claim->lines[i].usable) continue;
    rc_rules_of(c->claim->lines[i].rules, RC_RULE_FREQUENCY, &n);
    if (n > 0) return 1;
  }
  return 0;
}

void rc_edits_course(rc_check *c)
{
  lua_State *L = c->f->L;
  int top = lua_gettop(L);
  long fractions;
  const earlier *e;
  unverified u;
  int i, j, n, counted = 0;
  if (!any_limit(c)) return;
  fractions = c->history_fractions + claim_fractions(c);
  e = earlier_units(c);
  memset(&u, 0, sizeof u);
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    const rc_rule *rows;
    if (!line->usable) continue;
    rows = rc_rules_of(line->rules, RC_RULE_FREQUENCY, &n);
    for (j = 0; j < n; j++) {
      const rc_rule *limit = &rows[j];
      if (!rc_rule_applies(limit, line->day, c->setting) || !rc_rule_payer_matches(limit, c->payer)) continue;
      counted = 1;
      if (strcmp(limit->other, "fractions") != 0) per_count(c, line, limit, &e[i], strcmp(limit->other, "week") == 0);
      else if (fractions > 0) per_fractions(c, line, limit, &e[i], fractions);
      else note_unverified(&u, line->code);
    }
  }
  if (u.n > 0) {
    unverified_finding(c, &u);
  } else if (counted && !c->history_read) {
    rc_finding *x = rc_findings_add(c->f, 0, RC_EDIT_FREQUENCY, RC_INFO, NULL, NULL);
    snprintf(x->message, sizeof x->message, "claim names no patient and course; course limits were counted within this claim only");
    snprintf(x->fix, sizeof x->fix, "give claim.patient and claim.course so earlier claims of the course count");
    snprintf(x->rule, sizeof x->rule, "frequency history");
  }
  lua_settop(L, top);
}
