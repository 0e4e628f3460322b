/* edits_day.c: the edits between lines on one date of service. The checker
 * sorts the usable lines by day and code, so each day's lines are a run.
 *  ptp:       NCCI pairs: column 2 is denied beside column 1 unless the
 *             indicator is 1 and a bypass modifier meant for its line's code
 *             (25 on an E/M code, 59 or X{EPSU} on another) is on either
 *             line (then an info finding names the modifier); the fix names
 *             the modifiers that fit column 2; indicator 9 does nothing;
 *             one finding per line and column 1 code, however many lines
 *             bill that code;
 *  mue:       units of a code per line (MAI 1) or per day (MAI 2 deny,
 *             MAI 3 review);
 *  addon:     an add-on code needs one of its primaries that day (type 1);
 *             types 2 and 3 leave it to the contractor (review);
 *  companion: codes that cannot stand alone need a partner that day. */
#include "check.h"
#include "code.h"
#include "utf8.h"

#include <stdio.h>
#include <string.h>

static rc_line *at(rc_check *c, int k)
{
  return &c->claim->lines[c->by_day[k].pos];
}

/* The NCCI-associated modifier on the line that may bypass an edit: one
 * in force on the date and meant for the line's code (applies_to: 25 on an
 * E/M code, 59 and X{EPSU} on any other). */
static const char *line_bypass(const rc_check *c, const rc_line *l)
{
  int m;
  for (m = 0; m < l->nmods; m++) {
    const rc_modifier *row = rc_rules_modifier(c->rules, l->mods[m]);
    if (row != NULL && row->bypass && l->day <= row->terminated && rc_modifier_fits(c->rules, row, l->code, l->day))
      return l->mods[m];
  }
  return NULL;
}

/* The NCCI-associated modifier on either line that may bypass an edit. */
static const char *bypass_modifier(const rc_check *c, const rc_line *a, const rc_line *b)
{
  const char *mod = line_bypass(c, a);
  return mod ? mod : line_bypass(c, b);
}

/* The fix of a pair edit with indicator 1: the NCCI modifiers that fit the
 * column 2 code (25 on an E/M code, 59 or X{EPSU} otherwise). */
static void bypass_fix(rc_check *c, const rc_line *col2, rc_finding *x)
{
  char list[64];
  const rc_modifier *first;
  if (rc_rules_bypass_list(c->rules, col2->code, col2->day, list, sizeof list, &first) == 0) {
    rc_cat(x->fix, sizeof x->fix, "remove ", col2->code, ", or bill it on another date if it was a separate service",
           (const char *)NULL);
    return;
  }
  rc_cat(x->fix, sizeof x->fix, "append ", list, " to ", col2->code, " only when the record shows it (", first->modifier,
         ": ", first->meaning, "); otherwise remove ", col2->code, (const char *)NULL);
}

static void ptp_finding(rc_check *c, const rc_line *col1, const rc_line *col2, const rc_rule *edit)
{
  const char *mod = edit->a == 1 ? bypass_modifier(c, col1, col2) : NULL;
  rc_finding *x = rc_findings_add(c->f, col2->index, RC_EDIT_PTP, mod ? RC_INFO : RC_DENY, col2->code, edit->source);
  char n[24];
  x->other = col1->index;
  if (!c->f->texts) return;
  rc_cat(x->rule, sizeof x->rule, "PTP ", col1->code, "/", col2->code, " indicator ", rc_itoa(edit->a, n),
         (const char *)NULL);
  if (mod) {
    rc_cat(x->modifier, sizeof x->modifier, mod, (const char *)NULL);
    rc_cat(x->message, sizeof x->message, col2->code, " beside ", col1->code, " passes the NCCI edit: modifier ", mod,
           " bypasses it (indicator 1)", (const char *)NULL);
    return;
  }
  rc_cat(x->message, sizeof x->message, col2->code, " (column 2) is denied beside ", col1->code, " (column 1, line ",
         rc_itoa(col1->index, n), ") on ", col2->date, ": ", edit->text[0] ? edit->text : "NCCI PTP edit",
         edit->a == 0 ? "; no modifier allows both" : "", (const char *)NULL);
  if (edit->a == 0)
    rc_cat(x->fix, sizeof x->fix, "remove ", col2->code, ": it is included in ", col1->code, (const char *)NULL);
  else
    bypass_fix(c, col2, x);
}

/* Lines [i, stop) share the column 1 code: b gets one finding beside them,
 * naming the first whose modifiers do not bypass the edit, if any. That
 * line does not depend on b, so *open keeps it for the run (-1: not yet
 * looked for), and a day costs lines times codes, not lines squared. */
static void ptp_run(rc_check *c, int i, int stop, const rc_line *b, const rc_rule *edit, int *open)
{
  int k = i;
  if (edit->a == 1 && line_bypass(c, b) != NULL) {
    k = stop;
  } else if (edit->a == 1) {
    if (*open < 0)
      for (*open = i; *open < stop && line_bypass(c, at(c, *open)) != NULL; (*open)++) continue;
    k = *open;
  }
  ptp_finding(c, at(c, k < stop ? k : i), b, edit);
}

/* Each line gets at most one finding per column 1 code that day, so the
 * work and the findings grow with lines times codes, not lines squared. */
static void ptp_day(rc_check *c, int start, int end)
{
  int i, j, stop, open;
  for (i = start; i < end; i = stop) {
    const rc_line *a = at(c, i);
    const rc_rule *edit = NULL;
    rc_ptp_walk walk;
    rc_rule found;
    for (stop = i + 1; stop < end && at(c, stop)->key == a->key; stop++) continue;
    rc_rules_ptp_walk(&walk, a->rules, a->day, c->setting);
    for (open = -1, j = start; j < end; j++) {
      const rc_line *b = at(c, j);
      if (a->key == b->key) continue;
      if (j == start || b->key != at(c, j - 1)->key)   /* the day's lines come sorted by code */
        edit = rc_rules_ptp_next(&walk, b->ptp_key, &found);
      if (edit != NULL && edit->a != 9) ptp_run(c, i, stop, b, edit, &open);
    }
  }
}

static const char *const mai_words[] = {"", "per claim line", "per date of service, policy",
                                        "per date of service, clinical"};

static void mue_finding(rc_check *c, const rc_line *line, const rc_rule *mue, long units)
{
  rc_finding *x = rc_findings_add(c->f, line->index, RC_EDIT_MUE, mue->b == 3 ? RC_REVIEW : RC_DENY,
                                  line->code, mue->source);
  if (!c->f->texts) return;
  snprintf(x->rule, sizeof x->rule, "MUE %s %d (MAI %d)", line->code, mue->a, mue->b);
  snprintf(x->message, sizeof x->message, "%s: %ld units %s on %s, more than the MUE of %d (%s)", line->code, units,
           mue->b == 1 ? "on this line" : "that day", line->date, mue->a, mai_words[mue->b < 1 || mue->b > 3 ? 0 : mue->b]);
  if (mue->b == 1)
    snprintf(x->fix, sizeof x->fix, "put at most %d units on a line; report medically necessary extra units on another line with a modifier (e.g. 76)", mue->a);
  else if (mue->b == 2)
    snprintf(x->fix, sizeof x->fix, "reduce to %d unit%s: the limit is absolute policy", mue->a, mue->a == 1 ? "" : "s");
  else
    snprintf(x->fix, sizeof x->fix, "reduce to %d unit%s, or keep records showing medical necessity for an appeal",
             mue->a, mue->a == 1 ? "" : "s");
}

/* Lines [start, end) share a day and a code. */
static void mue_code(rc_check *c, int start, int end)
{
  const rc_line *first = at(c, start);
  const rc_rule *mue = rc_rules_in_force(first->rules, RC_RULE_MUE, first->day, c->setting);
  long total = 0;
  int i;
  if (mue == NULL) return;
  for (i = start; i < end; i++) {
    total += at(c, i)->units;
    if (mue->b == 1 && at(c, i)->units > mue->a) mue_finding(c, at(c, i), mue, at(c, i)->units);
  }
  if (mue->b != 1 && total > mue->a) mue_finding(c, first, mue, total);
}

/* The first k in [lo, hi) whose code key is above key (before: at or
 * above it): a day's lines are sorted by code key. */
static int key_bound(const rc_check *c, int lo, int hi, uint64_t key, int before)
{
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (c->by_day[mid].key < key || (!before && c->by_day[mid].key == key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Does a line other than self bill partner (a code, or family:<f>) that
 * day? Lines of one code are a run, so this looks at codes, not lines: a
 * search for a code, one look a code for a family. */
static int day_has(rc_check *c, int start, int end, const char *partner, const rc_line *self)
{
  int k, next;
  if (strncmp(partner, "family:", 7) != 0) {
    k = key_bound(c, start, end, rc_code_key(partner), 1);
    next = key_bound(c, k, end, rc_code_key(partner), 0);
    return next > k && strcmp(at(c, k)->code, partner) == 0 && (next - k > 1 || at(c, k) != self);
  }
  for (k = start; k < end; k = next) {
    const rc_line *l = at(c, k);
    next = key_bound(c, k, end, c->by_day[k].key, 0);
    if ((next - k > 1 || l != self) && strcmp(rc_rules_family(l->rules), partner + 7) == 0) return 1;
  }
  return 0;
}

static void addon_finding(rc_check *c, const rc_line *line, const rc_rule *row, int type, const char *primaries)
{
  rc_finding *x = rc_findings_add(c->f, line->index, RC_EDIT_ADDON, type == 1 ? RC_DENY : RC_REVIEW,
                                  line->code, row->source);
  if (!c->f->texts) return;
  snprintf(x->rule, sizeof x->rule, "AOC %s type %d", line->code, type);
  if (type == 1) {
    snprintf(x->message, sizeof x->message, "%s is an add-on code: it needs %s on the same date (%s)",
             line->code, primaries, line->date);
    snprintf(x->fix, sizeof x->fix, "bill the primary service on the same date, or remove %s", line->code);
  } else {
    snprintf(x->message, sizeof x->message, "%s is an add-on code whose primaries the contractor decides%s%s",
             line->code, primaries[0] ? "; none listed is on the claim: " : "", primaries);
    snprintf(x->fix, sizeof x->fix, "make sure the primary service billed with %s is one your contractor accepts", line->code);
  }
}

/* The add-on line needs one of its listed primaries among the day's lines. */
static void addon(rc_check *c, int start, int end, const rc_line *line)
{
  int i, n, type = 0;
  const rc_rule *rows = rc_rules_of(line->rules, RC_RULE_AOC, &n), *first = NULL;
  char primaries[128] = "";
  size_t used = 0;
  for (i = 0; i < n; i++) {
    if (!rc_rule_applies(&rows[i], line->day, RC_SET_ANY)) continue;
    if (first == NULL) first = &rows[i];
    if (rows[i].a > type) type = rows[i].a;
    if (rows[i].other[0] == '\0') continue;
    if (day_has(c, start, end, rows[i].other, line)) return;
    if (used < sizeof primaries)
      used += (size_t)snprintf(primaries + used, sizeof primaries - used, "%s%s", used ? " or " : "", rows[i].other);
  }
  if (first != NULL) addon_finding(c, line, first, type, primaries);
}

/* Does a line of code (its rules cr, or NULL) satisfy a companion partner
 * (a code, or family:<f>)? */
int rc_companion_partner(const char *partner, const char *code, const rc_code_rules *cr)
{
  if (strncmp(partner, "family:", 7) == 0) return cr != NULL && strcmp(rc_rules_family(cr), partner + 7) == 0;
  return strcmp(code, partner) == 0;
}

/* A code that cannot stand alone needs a partner that day: on the claim,
 * or in the course's history (check.c marks history_partner). A professional
 * claim in a facility never carries the delivery (the facility bills it), so
 * there the line is only noted as not verified (rc_companions_unverified). */
static void companion(rc_check *c, int start, int end, const rc_line *line)
{
  int i, n;
  const rc_rule *rows = rc_rules_of(line->rules, RC_RULE_COMPANION, &n), *first = NULL;
  rc_finding *x;
  for (i = 0; i < n; i++) {
    if (!rc_rule_applies(&rows[i], line->day, c->setting)) continue;
    if (rows[i].extra[0] && !rc_line_has_modifier(line, rows[i].extra)) continue;
    if (day_has(c, start, end, rows[i].other, line)) return;
    if (first == NULL) first = &rows[i];
  }
  if (first == NULL || line->history_partner) return;
  if (c->facility) {
    if (c->nunverified < RC_UNVERIFIED_SHOWN) c->unverified[c->nunverified] = line->index;
    c->nunverified++;
    return;
  }
  x = rc_findings_add(c->f, line->index, RC_EDIT_COMPANION, RC_DENY, line->code, first->source);
  snprintf(x->rule, sizeof x->rule, "companion %s", line->code);
  snprintf(x->message, sizeof x->message, "%s cannot stand alone on %s: %s", line->code, line->date, first->text);
  snprintf(x->fix, sizeof x->fix, "bill %s only with the service it goes with on the same date, or remove it", line->code);
}

/* One info finding for the lines of a professional claim in a facility
 * whose companion (the delivery) is on the facility's claim: what could not
 * be verified, and how the history would verify it. */
void rc_companions_unverified(rc_check *c)
{
  char lines[96];
  size_t used = 0;
  int i, shown = c->nunverified < RC_UNVERIFIED_SHOWN ? c->nunverified : RC_UNVERIFIED_SHOWN;
  rc_finding *x;
  if (c->nunverified == 0) return;
  for (i = 0; i < shown && used < sizeof lines; i++) {
    const rc_line *l = &c->claim->lines[c->unverified[i] - 1];
    used += (size_t)snprintf(lines + used, sizeof lines - used, "%s%d (%s)", i ? ", " : "", l->index, l->code);
  }
  x = rc_findings_add(c->f, 0, RC_EDIT_COMPANION, RC_INFO, NULL, c->place ? c->place->source : "radcode");
  snprintf(x->rule, sizeof x->rule, "companion facility POS %s", c->claim->pos);
  snprintf(x->message, sizeof x->message,
           "not verified: line%s %.*s%s need%s a delivery that day; a professional claim at POS %s never carries it (the facility bills it), and %s",
           c->nunverified == 1 ? "" : "s", rc_utf8_cut(lines, 70), lines, c->nunverified > shown ? " and more" : "", c->nunverified == 1 ? "s" : "",
           c->claim->pos, c->history_read ? "the course history has none that day" : "no course history was read");
  snprintf(x->fix, sizeof x->fix, "%srecord the facility's claims of the course (rc:record), so radcode can verify the delivery",
           c->history_read ? "" : "give claim.patient and claim.course, and ");
}

void rc_edits_day(rc_check *c)
{
  int start = 0, end, k;
  while (start < c->nby_day) {
    for (end = start + 1; end < c->nby_day && at(c, end)->day == at(c, start)->day; end++) continue;
    ptp_day(c, start, end);
    for (k = start; k < end;) {
      int stop = k + 1;
      while (stop < end && at(c, stop)->key == at(c, k)->key) stop++;
      mue_code(c, k, stop);
      k = stop;
    }
    for (k = start; k < end; k++) {
      addon(c, start, end, at(c, k));
      companion(c, start, end, at(c, k));
    }
    start = end;
  }
}
