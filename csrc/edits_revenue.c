/* edits_revenue.c: the revenue code of an institutional line. A hospital
 * bills radiation therapy (treatment delivery, planning, dosimetry,
 * simulation, physics, brachytherapy) under the therapeutic radiology
 * revenue codes 033x of the UB-04; such a code on a line whose revenue code
 * is outside 033x is a `review` finding (the claim may still be right, but
 * a payer's revenue/HCPCS edit will look at it). Which code families need
 * which revenue prefix, with dates and source, is data: table revenue_codes
 * (data/revenue_codes.tsv), loaded with the rules (rc_rules_revenue). */
#include "check.h"

#include <stdio.h>
#include <string.h>

static void check_line(rc_check *c, const rc_line *line)
{
  const rc_rule *r = rc_rules_revenue(c->rules, rc_rules_family(line->rules), line->day);
  rc_finding *x;
  if (r == NULL || strncmp(line->revenue, r->extra, strlen(r->extra)) == 0) return;
  x = rc_findings_add(c->f, line->index, RC_EDIT_SETTING, RC_REVIEW, line->code, r->source);
  if (!c->f->texts) return;
  snprintf(x->rule, sizeof x->rule, "revenue %s %sx", line->code, r->extra);
  snprintf(x->message, sizeof x->message,
           "line %d: %s is radiation therapy, billed under revenue code %s; hospitals report it under %s",
           line->index, line->code, line->revenue, r->text);
  snprintf(x->fix, sizeof x->fix, "report the line under revenue code %s0-%s9 (e.g. 0333, radiation therapy)",
           r->extra, r->extra);
}

/* Institutional lines that give a revenue code. */
void rc_edits_revenue(rc_check *c)
{
  int i;
  if (c->setting != RC_SET_HOSPITAL) return;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    if (line->usable && line->rules != NULL && line->revenue[0]) check_line(c, line);
  }
}
