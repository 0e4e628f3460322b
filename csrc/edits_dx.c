/* edits_dx.c: medical necessity. Lines whose family needs a supporting
 * diagnosis (delivery, planning, management, ...: data/dx_required.tsv)
 * get a review finding when none of their diagnoses (the line's pointers,
 * or every claim diagnosis when the line points at none) is a neoplasm or a
 * benign indication the data accepts for that family and payer. */
#include "check.h"

#include <stdio.h>
#include <string.h>

static const char *supported(rc_check *c, const rc_line *line, const char *family)
{
  int i, n = line->ndx ? line->ndx : c->claim->ndiag;
  for (i = 0; i < n; i++) {
    const char *dx = c->claim->diag[line->ndx ? line->dx[i] - 1 : i];
    const char *note = dx[0] ? rc_rules_dx_support(c->rules, dx, family, c->payer, line->day) : NULL;
    if (note) return note;
  }
  return NULL;
}

void rc_edits_necessity(rc_check *c)
{
  int i;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    const char *family;
    rc_finding *x;
    if (!line->usable || !line->rules->known) continue;
    family = rc_rules_family(line->rules);
    if (!rc_rules_dx_required(c->rules, family) || supported(c, line, family)) continue;
    x = rc_findings_add(c->f, line->index, RC_EDIT_NECESSITY, RC_REVIEW, line->code, "DOMAIN.md §3");
    snprintf(x->rule, sizeof x->rule, "necessity %s", family);
    if (line->ndx == 0 && c->claim->ndiag == 0)
      snprintf(x->message, sizeof x->message, "%s (%s) has no diagnosis; it needs one that supports radiation therapy",
               line->code, family);
    else
      snprintf(x->message, sizeof x->message, "no diagnosis of %s (%s) supports radiation therapy for this service",
               line->code, family);
    snprintf(x->fix, sizeof x->fix, "point the line at the condition treated: a neoplasm (C00-D49) or a benign indication the payer accepts");
  }
}
