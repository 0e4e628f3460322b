/* edits_payer.c: the edits only payer overlays declare, run after the
 * national edits when the claim's payer has an overlay. The rows are the
 * payer's merged rules of each line (overlay.c), so inheritance and dates
 * are already settled.
 *  window:     a code denied within N days before or after an anchor code
 *              (claim lines and the course's history) - edit overlay;
 *  days limit: at most N units of a code in any M days - edit frequency;
 *              exact over the course's recorded history and the claim;
 *  prior auth: the code needs claim.authorization - edit overlay;
 *  coverage:   the payer covers the code only for listed diagnoses - edit
 *              necessity;
 *  mapping:    the payer does not take the code on the date; it names the
 *              codes to bill instead - edit setting (not repeated when the
 *              national setting edit already said so for the line).
 * Last, every finding made from an overlay's row (national edits reading
 * an added pair, MUE or limit included) is given the overlay's name and
 * rule id, read from the row's source ("<name> overlay (<id>): ...").
 * The edits that look at other lines of a code search the lines sorted by
 * code, day and position (by_code), so a check stays linear in lines. */
#include "check.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "code.h"
#include "course_history.h"
#include "date.h"

/* Reads "<name> overlay (<id>): ..." into name and id. */
static int overlay_of(const char *source, char name[32], char id[48])
{
  const char *mark = strstr(source, " overlay (");
  const char *close = mark ? strstr(mark, "): ") : NULL;
  size_t n;
  if (close == NULL || (n = (size_t)(mark - source)) == 0 || n >= 32 || (size_t)(close - mark - 10) >= 48) return 0;
  memcpy(name, source, n);
  name[n] = '\0';
  snprintf(id, 48, "%.*s", (int)(close - mark - 10), mark + 10);
  return 1;
}

static rc_finding *add(rc_check *c, const rc_line *line, rc_edit edit, const rc_rule *r)
{
  rc_finding *x = rc_findings_add(c->f, line->index, edit, (rc_severity)r->c, line->code, r->source);
  overlay_of(r->source, x->overlay, x->overlay_rule);
  return x;
}

static const rc_rule *rows_of(const rc_line *line, rc_rule_kind kind, int *n)
{
  return rc_rules_of(line->rules, kind, n);
}

/* ---- the usable lines by code, day and position ---- */

typedef struct by_code {
  rc_day_entry *e;               /* sorted by code key, day, position */
  long *sum;                     /* sum[k]: the units of e[0..k) */
  int *first;                    /* first[k]: the lowest position of e[k]'s code */
  int n;
} by_code;

static int by_key_day(const void *a, const void *b)
{
  const rc_day_entry *x = a, *y = b;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  return x->pos - y->pos;
}

/* The first k whose entry is at or after (key, day, pos). */
static int seek(const by_code *b, uint64_t key, long day, int pos)
{
  rc_day_entry probe;
  int lo = 0, hi = b->n;
  probe.key = key;
  probe.day = day;
  probe.pos = pos;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (by_key_day(&b->e[mid], &probe) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Makes the index in one userdata it pushes (rc_edits_payer pops it). */
static void index_codes(rc_check *c, by_code *b)
{
  size_t n = (size_t)c->nby_day;
  char *mem = lua_newuserdatauv(c->f->L, n * sizeof *b->e + (n + 1) * sizeof *b->sum + n * sizeof *b->first, 0);
  int k, j, start;
  b->n = (int)n;
  b->e = (rc_day_entry *)mem;
  b->sum = (long *)(mem + n * sizeof *b->e);
  b->first = (int *)(mem + n * sizeof *b->e + (n + 1) * sizeof *b->sum);
  if (n > 0) memcpy(b->e, c->by_day, n * sizeof *b->e);
  qsort(b->e, n, sizeof *b->e, by_key_day);
  b->sum[0] = 0;
  for (k = 0; k < b->n; k++) b->sum[k + 1] = b->sum[k] + c->claim->lines[b->e[k].pos].units;
  for (start = 0; start < b->n; start = k) {
    int low = b->e[start].pos;
    for (k = start; k < b->n && b->e[k].key == b->e[start].key; k++)
      if (b->e[k].pos < low) low = b->e[k].pos;
    for (j = start; j < k; j++) b->first[j] = low;
  }
}

/* ---- windows ---- */

/* A line or history entry of the anchor code within the window around the
 * line: the first such line's number, -1 for history (day in *when), or
 * 0. A day's lines of the code are sorted by position, so only each day's
 * first is looked at. */
static int anchor_near(const rc_check *c, const by_code *b, const rc_line *line, const rc_rule *w, long *when)
{
  long lo = line->day - w->b, hi = line->day + w->a;
  uint64_t key = rc_code_key(w->other);
  int k = seek(b, key, lo, -1), best = 0;
  const rc_hist_entry *e;
  while (k < b->n && b->e[k].key == key && b->e[k].day <= hi) {
    const rc_line *l = &c->claim->lines[b->e[k].pos];
    if (strcmp(l->code, w->other) == 0 && (best == 0 || l->index < best)) best = l->index;
    k = seek(b, key, b->e[k].day + 1, -1);
  }
  if (best > 0) return best;
  for (e = rc_hist_first(c, key, lo, hi); e != NULL; e = rc_hist_first(c, key, e->day + 1, hi))
    if (strcmp(e->code, w->other) == 0) {
      *when = e->day;
      return -1;
    }
  return 0;
}

static void window(rc_check *c, const by_code *b, const rc_line *line, const rc_rule *w)
{
  long when = 0;
  int at = anchor_near(c, b, line, w, &when);
  char where[64], day[RC_DATE_LEN + 1];
  rc_finding *x;
  if (at == 0) return;
  if (at > 0) {
    snprintf(where, sizeof where, "line %d", at);
  } else {
    rc_date_format(when, day);
    snprintf(where, sizeof where, "an earlier claim of the course, %s", day);
  }
  x = add(c, line, RC_EDIT_OVERLAY, w);
  if (at > 0) x->other = at;
  snprintf(x->rule, sizeof x->rule, "window %s near %s", line->code, w->other);
  snprintf(x->message, sizeof x->message, "%s on %s falls within %d days before or %d days after %s (%s): %s",
           line->code, line->date, w->a, w->b, w->other, where, w->text);
  snprintf(x->fix, sizeof x->fix, "remove %s, or bill it outside the payer's window around %s", line->code, w->other);
}

/* ---- per-N-days limits ---- */

/* Units of the line's code in the days [start, end]: the recorded history
 * in them, and the claim's lines that come before the line (an earlier
 * day, or the same day and an earlier line: those from (start, first
 * position) in the lines sorted by code, day and position) with the line
 * itself. end is never before the line's day. */
static long units_in(const rc_check *c, const by_code *b, const rc_line *line, long start, long end)
{
  uint64_t key = rc_code_key(line->code);
  int self = seek(b, key, line->day, line->index - 1), from = seek(b, key, start, -1);
  long units = line->units + (self > from ? b->sum[self] - b->sum[from] : 0);
  return units + rc_hist_units(c, key, start, end);
}

/* The most units in any window of r->b days that holds the line's day,
 * and where it starts. A window holding the line can always be moved to
 * end on its last entry without losing one, so the windows to try end on
 * the line's day or on a recorded day of the code less than r->b days
 * after it: a late claim dated before recorded history counts against the
 * windows that reach into that history. Each claim line counts the lines
 * before it, so the line that first takes a window past the limit is the
 * one flagged. */
static long worst_window(const rc_check *c, const by_code *b, const rc_line *line, const rc_rule *r, long *start)
{
  long best = units_in(c, b, line, line->day - r->b + 1, line->day), units, end, last = line->day + r->b - 1;
  uint64_t key = rc_code_key(line->code);
  const rc_hist_entry *e;
  *start = line->day - r->b + 1;
  for (e = rc_hist_first(c, key, line->day + 1, last); e != NULL; e = rc_hist_first(c, key, end + 1, last)) {
    end = e->day;
    if ((units = units_in(c, b, line, end - r->b + 1, end)) > best) {
      best = units;
      *start = end - r->b + 1;
    }
  }
  return best;
}

static void days_limit(rc_check *c, const by_code *b, const rc_line *line, const rc_rule *r)
{
  long start, units = worst_window(c, b, line, r, &start);
  char from[RC_DATE_LEN + 1], to[RC_DATE_LEN + 1], span[64];
  rc_finding *x;
  if (units <= r->a) return;
  if (start + r->b - 1 == line->day) {
    snprintf(span, sizeof span, "up to %s", line->date);
  } else {
    rc_date_format(start, from);
    rc_date_format(start + r->b - 1, to);
    snprintf(span, sizeof span, "from %s to %s (recorded claims included)", from, to);
  }
  x = add(c, line, RC_EDIT_FREQUENCY, r);
  snprintf(x->rule, sizeof x->rule, "frequency %s %d per %d days", line->code, r->a, r->b);
  snprintf(x->message, sizeof x->message, "%s: %ld units in the %d days %s, more than %d: %s",
           line->code, units, r->b, span, r->a, r->text);
  snprintf(x->fix, sizeof x->fix, "remove this line, or keep records for an appeal: the payer allows %d in %d days",
           r->a, r->b);
}

/* ---- prior authorisation ---- */

/* Is there a line of the same code before this one? */
static int earlier_same_code(const by_code *b, const rc_line *line)
{
  return b->first[seek(b, rc_code_key(line->code), LONG_MIN, -1)] < line->index - 1;
}

static void prior_auth(rc_check *c, const by_code *b, const rc_line *line, const rc_rule *r)
{
  rc_finding *x;
  if (c->claim->authorization[0] || earlier_same_code(b, line)) return;
  x = add(c, line, RC_EDIT_OVERLAY, r);
  snprintf(x->rule, sizeof x->rule, "prior authorisation %s", line->code);
  snprintf(x->message, sizeof x->message, "%s needs prior authorisation and the claim carries no authorisation number: %s",
           line->code, r->text);
  snprintf(x->fix, sizeof x->fix, "obtain the authorisation and give its number as claim.authorization");
}

/* ---- coverage ---- */

static int dx_in(const char *dx, const rc_rule *r)
{
  return strncmp(dx, r->other, strlen(r->other)) >= 0 && strncmp(dx, r->extra, strlen(r->extra)) <= 0;
}

static int covered(const rc_check *c, const rc_line *line, const rc_rule *rows, int n)
{
  int i, j, ndx = line->ndx ? line->ndx : c->claim->ndiag;
  for (i = 0; i < ndx; i++) {
    const char *dx = c->claim->diag[line->ndx ? line->dx[i] - 1 : i];
    for (j = 0; j < n; j++)
      if (dx[0] && rc_rule_applies(&rows[j], line->day, c->setting) && dx_in(dx, &rows[j])) return 1;
  }
  return 0;
}

static void coverage(rc_check *c, const rc_line *line)
{
  int i, n;
  const rc_rule *rows = rows_of(line, RC_RULE_COVERAGE, &n), *first = NULL;
  rc_finding *x;
  for (i = 0; i < n && first == NULL; i++)
    if (rc_rule_applies(&rows[i], line->day, c->setting)) first = &rows[i];
  if (first == NULL || covered(c, line, rows, n)) return;
  x = add(c, line, RC_EDIT_NECESSITY, first);
  snprintf(x->rule, sizeof x->rule, "coverage %s", line->code);
  snprintf(x->message, sizeof x->message, "no diagnosis of %s is one the payer covers it for: %s", line->code, first->text);
  snprintf(x->fix, sizeof x->fix, "point the line at a covered diagnosis, or get the payer's approval");
}

/* ---- mappings ---- */

static int has_setting_finding(const rc_check *c, const rc_line *line)
{
  int i;
  for (i = 0; i < c->f->count; i++)
    if (c->f->items[i].line == line->index && c->f->items[i].edit == RC_EDIT_SETTING) return 1;
  return 0;
}

static void mapping(rc_check *c, const rc_line *line)
{
  int i, n, shown = 0;
  const rc_rule *rows = rows_of(line, RC_RULE_MAPPING, &n), *first = NULL;
  char use[160] = "";
  size_t used = 0;
  rc_finding *x;
  for (i = 0; i < n; i++) {
    if (!rc_rule_applies(&rows[i], line->day, c->setting)) continue;
    if (first == NULL) first = &rows[i];
    if (used < sizeof use) used += (size_t)snprintf(use + used, sizeof use - used, "%s%s", shown++ ? ", " : "", rows[i].other);
  }
  if (first == NULL || has_setting_finding(c, line)) return;
  x = add(c, line, RC_EDIT_SETTING, first);
  snprintf(x->rule, sizeof x->rule, "mapping %s", line->code);
  snprintf(x->message, sizeof x->message, "the payer does not take %s on %s in the %s setting: %s", line->code,
           line->date, rc_setting_name(c->setting), first->text);
  snprintf(x->fix, sizeof x->fix, "bill %s instead", use);
}

static void line_edits(rc_check *c, const by_code *b, const rc_line *line)
{
  int i, n;
  const rc_rule *rows = rows_of(line, RC_RULE_WINDOW, &n);
  for (i = 0; i < n; i++)
    if (rc_rule_applies(&rows[i], line->day, c->setting)) window(c, b, line, &rows[i]);
  rows = rows_of(line, RC_RULE_DAYS, &n);
  for (i = 0; i < n; i++)
    if (rc_rule_applies(&rows[i], line->day, c->setting)) days_limit(c, b, line, &rows[i]);
  rows = rows_of(line, RC_RULE_PRIOR_AUTH, &n);
  for (i = 0; i < n; i++)
    if (rc_rule_applies(&rows[i], line->day, c->setting)) {
      prior_auth(c, b, line, &rows[i]);
      break;
    }
  coverage(c, line);
  mapping(c, line);
}

void rc_edits_payer(rc_check *c)
{
  by_code b;
  int i;
  index_codes(c, &b);
  for (i = 0; i < c->claim->nlines; i++)
    if (c->claim->lines[i].usable) line_edits(c, &b, &c->claim->lines[i]);
  lua_pop(c->f->L, 1);
  for (i = 0; i < c->f->count; i++) {
    rc_finding *x = &c->f->items[i];
    if (!x->overlay[0]) overlay_of(x->source, x->overlay, x->overlay_rule);
  }
}
