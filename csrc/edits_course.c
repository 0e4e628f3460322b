/* edits_course.c: limits that cross the claims of a course (frequency):
 * at most N units per course (77301, 77263, 77470, 77432, 77435; 77373 at
 * most five fractions), per calendar week (77336), or per five delivered
 * fractions (77427, with three or four left over earning one more unit).
 * Units and fractions count the course's recorded history (consulted by
 * check.c before the edits run) plus this claim, in line order, so the
 * finding falls on the line that goes over the limit. */
#include "check.h"

#include <stdio.h>
#include <string.h>

/* Mondays start weeks: day 0 (1970-01-01) was a Thursday. */
long rc_week_of(long day)
{
  return (day + 3) / 7;
}

/* Units of the line's code on claim lines before it (same week if asked). */
static long earlier_units(const rc_check *c, const rc_line *line, int same_week)
{
  long units = 0;
  int i;
  for (i = 0; i < line->index - 1; i++) {
    const rc_line *l = &c->claim->lines[i];
    if (!l->usable || l->key != line->key) continue;
    if (same_week && rc_week_of(l->day) != rc_week_of(line->day)) continue;
    units += l->units;
  }
  return units;
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

static rc_severity severity_of(const char *name)
{
  if (strcmp(name, "review") == 0) return RC_REVIEW;
  if (strcmp(name, "warn") == 0) return RC_WARN;
  if (strcmp(name, "info") == 0) return RC_INFO;
  return RC_DENY;
}

static rc_finding *frequency_finding(rc_check *c, const rc_line *line, const rc_rule *limit)
{
  rc_finding *x = rc_findings_add(c->f, line->index, RC_EDIT_FREQUENCY, severity_of(limit->extra),
                                  line->code, limit->source);
  snprintf(x->rule, sizeof x->rule, "frequency %s %d per %s", line->code, limit->a, limit->other);
  return x;
}

static const char *course_name(const rc_check *c)
{
  return c->claim->course[0] ? c->claim->course : "this claim";
}

static void per_count(rc_check *c, const rc_line *line, const rc_rule *limit, int week)
{
  long before = (week ? line->history_week : line->history_course) + earlier_units(c, line, week);
  rc_finding *x;
  if (before + line->units <= limit->a) return;
  x = frequency_finding(c, line, limit);
  snprintf(x->message, sizeof x->message, "%s: %ld unit%s in %s %s, more than %d (%ld already billed): %s",
           line->code, before + line->units, before + line->units == 1 ? "" : "s", week ? "the week of" : "course", week ? line->date : course_name(c),
           limit->a, before, limit->text);
  snprintf(x->fix, sizeof x->fix, before >= limit->a ? "remove this line: the limit was already reached"
                                                     : "reduce the units to what the limit allows");
}

/* 77427: units allowed for F fractions = (F / n) * max, plus max when the
 * leftover F % n reaches the leftover threshold. */
static void per_fractions(rc_check *c, const rc_line *line, const rc_rule *limit, long fractions)
{
  long per = limit->b > 0 ? limit->b : 5, left = limit->c > 0 ? limit->c : per;
  long allowed = (fractions / per) * limit->a + ((fractions % per) >= left ? limit->a : 0);
  long billed = line->history_course + earlier_units(c, line, 0) + line->units;
  rc_finding *x;
  if (billed <= allowed) return;
  x = frequency_finding(c, line, limit);
  snprintf(x->message, sizeof x->message, "%s: %ld unit%s for %ld fraction%s delivered in %s; %ld allowed: %s",
           line->code, billed, billed == 1 ? "" : "s", fractions, fractions == 1 ? "" : "s", course_name(c),
           allowed, limit->text);
  snprintf(x->fix, sizeof x->fix, "bill %s only after each five fractions (or three or four left at the end)", line->code);
}

void rc_edits_course(rc_check *c)
{
  long fractions = c->history_fractions + claim_fractions(c);
  int i, j, n, counted = 0;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    const rc_rule *rows;
    if (!line->usable) continue;
    rows = rc_rules_of(line->rules, RC_RULE_FREQUENCY, &n);
    for (j = 0; j < n; j++) {
      const rc_rule *limit = &rows[j];
      if (!rc_rule_applies(limit, line->day, c->setting) || !rc_rule_payer_matches(limit, c->payer)) continue;
      counted = 1;
      if (strcmp(limit->other, "fractions") == 0) per_fractions(c, line, limit, fractions);
      else per_count(c, line, limit, strcmp(limit->other, "week") == 0);
    }
  }
  if (counted && !c->history_read) {
    rc_finding *x = rc_findings_add(c->f, 0, RC_EDIT_FREQUENCY, RC_INFO, NULL, NULL);
    snprintf(x->message, sizeof x->message, "claim names no patient and course; course limits were counted within this claim only");
    snprintf(x->fix, sizeof x->fix, "give claim.patient and claim.course so earlier claims of the course count");
    snprintf(x->rule, sizeof x->rule, "frequency history");
  }
}
