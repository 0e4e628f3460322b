/* edits_revenue.c: the revenue code of an institutional line. A hospital
 * bills radiation therapy (treatment delivery, planning, dosimetry,
 * simulation, physics, brachytherapy) under the therapeutic radiology
 * revenue codes 033x of the UB-04; such a code on a line whose revenue code
 * is outside 033x is a `review` finding (the claim may still be right, but
 * a payer's revenue/HCPCS edit will look at it). The families and the
 * revenue prefix they expect are the table below, with their source. */
#include "check.h"

#include <stdio.h>
#include <string.h>

typedef struct revenue_rule {
  const char *family;           /* a code family of data/codes.tsv */
  const char *prefix;           /* the revenue codes it belongs under */
  const char *what;             /* the revenue group, in words */
} revenue_rule;

static const char revenue_source[] =
  "CMS Medicare Claims Processing Manual (Pub. 100-04), chapter 4 / NUBC UB-04 revenue codes 033x";

static const revenue_rule revenue_rules[] = {
  {"delivery", "033", "therapeutic radiology (033x)"},
  {"imrt", "033", "therapeutic radiology (033x)"},
  {"proton", "033", "therapeutic radiology (033x)"},
  {"sbrt", "033", "therapeutic radiology (033x)"},
  {"srs", "033", "therapeutic radiology (033x)"},
  {"superficial", "033", "therapeutic radiology (033x)"},
  {"brachytherapy", "033", "therapeutic radiology (033x)"},
  {"planning", "033", "therapeutic radiology (033x)"},
  {"dosimetry", "033", "therapeutic radiology (033x)"},
  {"simulation", "033", "therapeutic radiology (033x)"},
  {"physics", "033", "therapeutic radiology (033x)"},
  {NULL, NULL, NULL}
};

static const revenue_rule *rule_for(const char *family)
{
  int i;
  for (i = 0; family != NULL && revenue_rules[i].family != NULL; i++)
    if (strcmp(family, revenue_rules[i].family) == 0) return &revenue_rules[i];
  return NULL;
}

static void check_line(rc_check *c, const rc_line *line)
{
  const revenue_rule *r = rule_for(rc_rules_family(line->rules));
  rc_finding *x;
  if (r == NULL || strncmp(line->revenue, r->prefix, strlen(r->prefix)) == 0) return;
  x = rc_findings_add(c->f, line->index, RC_EDIT_SETTING, RC_REVIEW, line->code, revenue_source);
  snprintf(x->rule, sizeof x->rule, "revenue %s %sx", line->code, r->prefix);
  snprintf(x->message, sizeof x->message,
           "line %d: %s is radiation therapy, billed under revenue code %s; hospitals report it under %s",
           line->index, line->code, line->revenue, r->what);
  snprintf(x->fix, sizeof x->fix, "report the line under revenue code %s0-%s9 (e.g. 0333, radiation therapy)",
           r->prefix, r->prefix);
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
