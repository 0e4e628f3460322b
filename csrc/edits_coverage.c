/* edits_coverage.c: which data answered a claim, and what it could not.
 * Each line is checked against the NCCI PTP and MUE version whose dates of
 * service cover it, else the newest loaded (rules.c). rc_edits_coverage
 * adds one `coverage` finding per such dataset that lines were checked
 * against outside its coverage: review for lines after it (a later quarter
 * may add, delete or change edits: no silent pass), info for lines before
 * it. rc_coverage_push_data sets result.data: the datasets that decided the
 * claim (the PTP and MUE version each line read, and the datasets the rows
 * in force for its lines cite), each {kind, name, version, from, to}. */
#include "check.h"

#include <stdio.h>
#include <string.h>
#include "date.h"

#define SHOWN 8          /* line numbers named in a finding */
#define MAX_SPANS 32     /* (dataset, side) groups per claim */
#define MAX_DATA 128     /* datasets listed in result.data */

typedef struct span {    /* the lines read against one dataset outside its coverage, on one side */
  const rc_rule *d;
  int after;             /* after its coverage (else before) */
  int lines[SHOWN], n;   /* the first SHOWN line numbers, and how many in all */
  long first, last;      /* their earliest and latest days */
} span;

static const char *kind_label(const rc_rule *d)
{
  return d->kind == RC_RULE_PTP ? "NCCI PTP" : "MUE";
}

/* The dataset of a kind a line of the day reads: of the claim's setting,
 * else of any (the curated default applies the practitioner edits to
 * hospital claims). */
static const rc_rule *dataset_for(const rc_check *c, int kind, long day)
{
  const rc_rule *d = rc_rules_dataset_for(c->rules, kind, c->setting, day);
  return d != NULL ? d : rc_rules_dataset_for(c->rules, kind, RC_SET_ANY, day);
}

static void add_to_span(span *spans, int *nspans, const rc_rule *d, int after, const rc_line *line)
{
  int i;
  span *s = NULL;
  for (i = 0; i < *nspans && s == NULL; i++)
    if (spans[i].d == d && spans[i].after == after) s = &spans[i];
  if (s == NULL) {
    if (*nspans == MAX_SPANS) return;
    s = &spans[(*nspans)++];
    memset(s, 0, sizeof *s);
    s->d = d;
    s->after = after;
    s->first = s->last = line->day;
  }
  if (s->n < SHOWN) s->lines[s->n] = line->index;
  s->n++;
  if (line->day < s->first) s->first = line->day;
  if (line->day > s->last) s->last = line->day;
}

/* "line 2", "lines 2, 3 and 5", "lines 1, 2, ... 8 and 4 more". */
static void line_list(const span *s, char *out, size_t size)
{
  size_t n = (size_t)snprintf(out, size, "line%s", s->n > 1 ? "s" : "");
  int i, shown = s->n < SHOWN ? s->n : SHOWN;
  for (i = 0; i < shown && n < size; i++)
    n += (size_t)snprintf(out + n, size - n, "%s%d", i == 0 ? " " : (i == s->n - 1 ? " and " : ", "), s->lines[i]);
  if (s->n > shown && n < size) snprintf(out + n, size - n, " and %d more", s->n - shown);
}

/* "2026-02-10" or "2026-02-10 to 2026-03-02". */
static void day_range(const span *s, char *out, size_t size)
{
  char a[RC_DATE_LEN + 1], b[RC_DATE_LEN + 1];
  rc_date_format(s->first, a);
  rc_date_format(s->last, b);
  if (s->first == s->last) snprintf(out, size, "%s", a);
  else snprintf(out, size, "%s to %s", a, b);
}

static void report(rc_check *c, const span *s)
{
  char lines[96], days[32], edge[RC_DATE_LEN + 1];
  const rc_rule *d = s->d;
  const char *label = kind_label(d), *version = d->extra[0] ? d->extra : d->other;
  rc_finding *x = rc_findings_add(c->f, 0, RC_EDIT_COVERAGE, s->after ? RC_REVIEW : RC_INFO, NULL, d->other);
  line_list(s, lines, sizeof lines);
  day_range(s, days, sizeof days);
  rc_date_format(s->after ? d->to : d->from, edge);
  snprintf(x->rule, sizeof x->rule, "coverage %s %s", label, version);
  if (s->after) {
    snprintf(x->message, sizeof x->message,
             "%s %s covers dates of service to %s; %s (%s) %s checked against it: import the current quarter",
             label, version, edge, lines, days, s->n > 1 ? "were" : "was");
    snprintf(x->fix, sizeof x->fix,
             "import the %s file of the quarter that covers %s (radcode import %s FILE --db DB) and check"
             " against that database", label, days, d->kind == RC_RULE_PTP ? "ncci-ptp" : "mue");
  } else {
    snprintf(x->message, sizeof x->message,
             "%s %s covers dates of service from %s; %s (%s) %s checked against it, by the dates its rows carry",
             label, version, edge, lines, days, s->n > 1 ? "were" : "was");
    snprintf(x->fix, sizeof x->fix,
             "for the edits CMS published then, import that quarter's %s file beside this one", label);
  }
}

void rc_edits_coverage(rc_check *c)
{
  static const int kinds[] = {RC_RULE_PTP, RC_RULE_MUE};
  span spans[MAX_SPANS];
  int i, k, nspans = 0;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    if (!line->usable) continue;
    for (k = 0; k < 2; k++) {
      const rc_rule *d = dataset_for(c, kinds[k], line->day);
      if (d != NULL && (line->day > d->to || line->day < d->from))
        add_to_span(spans, &nspans, d, line->day > d->to, line);
    }
  }
  for (i = 0; i < nspans; i++) report(c, &spans[i]);
}

/* The dataset a row's source names: the source is the dataset's name, or
 * starts with it followed by ";", " " or ",". NULL: curated rules. */
static int dataset_index(const rc_check *c, const char *source)
{
  int i, n;
  const rc_rule *all = rc_rules_datasets(c->rules, &n);
  for (i = 0; i < n && i < MAX_DATA; i++) {
    size_t len = strlen(all[i].other);
    if (strncmp(source, all[i].other, len) == 0 && strchr("; ,", source[len]) != NULL) return i;
  }
  return -1;
}

static void mark(const rc_check *c, const rc_rule *d, unsigned char *used)
{
  int n;
  const rc_rule *all = rc_rules_datasets(c->rules, &n);
  if (d != NULL && d - all >= 0 && d - all < MAX_DATA) used[d - all] = 1;
}

/* The datasets of the sources seen in one claim: rows' sources are
 * interned, so a few pointers stand for the many rows of its lines. */
#define SEEN 16

typedef struct seen_sources {
  const char *source[SEEN];
  int index[SEEN];
  int n;
  long day;                      /* the day of the last line marked (lines share days) */
  int have_day;
} seen_sources;

static void mark_row(const rc_check *c, const rc_rule *r, unsigned char *used, seen_sources *seen)
{
  int i, k;
  if (r == NULL) return;
  for (k = 0; k < seen->n && seen->source[k] != r->source; k++) continue;
  if (k < seen->n) {
    i = seen->index[k];
  } else {
    i = dataset_index(c, r->source);
    if (seen->n < SEEN) {
      seen->source[seen->n] = r->source;
      seen->index[seen->n++] = i;
    }
  }
  if (i >= 0) used[i] = 1;
}

/* Marks the datasets that decided the line. */
static void mark_line(const rc_check *c, const rc_line *line, unsigned char *used, seen_sources *seen)
{
  if (!seen->have_day || seen->day != line->day) {   /* the PTP and MUE versions of the day */
    mark(c, dataset_for(c, RC_RULE_PTP, line->day), used);
    mark(c, dataset_for(c, RC_RULE_MUE, line->day), used);
    seen->day = line->day;
    seen->have_day = 1;
  }
  mark_row(c, rc_rules_in_force(line->rules, RC_RULE_MUE, line->day, c->setting), used, seen);
  mark_row(c, rc_rules_in_force(line->rules, RC_RULE_PAYMENT, line->day, c->setting), used, seen);
  mark_row(c, rc_rules_in_force(line->rules, RC_RULE_PCTC, line->day, RC_SET_ANY), used, seen);
  mark_row(c, rc_rules_in_force(line->rules, RC_RULE_AOC, line->day, RC_SET_ANY), used, seen);
  mark_row(c, rc_rules_in_force(line->rules, RC_RULE_CODE, line->day, RC_SET_ANY), used, seen);
}

static void push_dataset(lua_State *L, const rc_rule *d)
{
  char date[RC_DATE_LEN + 1];
  lua_createtable(L, 0, 6);
  lua_pushstring(L, d->text); lua_setfield(L, -2, "kind");
  lua_pushstring(L, d->other); lua_setfield(L, -2, "name");
  lua_pushstring(L, d->extra); lua_setfield(L, -2, "version");
  rc_date_format(d->from, date);
  lua_pushstring(L, date); lua_setfield(L, -2, "from");
  rc_date_format(d->to, date);
  lua_pushstring(L, date); lua_setfield(L, -2, "to");
  if (d->setting != RC_SET_ANY) {
    lua_pushstring(L, rc_setting_name(d->setting));
    lua_setfield(L, -2, "setting");
  }
}

/* Sets data on the result table on top of the stack. */
void rc_coverage_push_data(const rc_check *c)
{
  lua_State *L = c->f->L;
  unsigned char used[MAX_DATA];
  seen_sources seen;
  int i, n, k = 0;
  const rc_rule *all = rc_rules_datasets(c->rules, &n);
  memset(used, 0, sizeof used);
  seen.n = 0;
  seen.have_day = 0;
  for (i = 0; i < c->claim->nlines; i++)
    if (c->claim->lines[i].usable) mark_line(c, &c->claim->lines[i], used, &seen);
  lua_createtable(L, 4, 0);
  for (i = 0; i < n && i < MAX_DATA; i++) {
    if (!used[i]) continue;
    push_dataset(L, &all[i]);
    lua_rawseti(L, -2, ++k);
  }
  lua_setfield(L, -2, "data");
}
