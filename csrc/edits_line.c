/* edits_line.c: the edits that look at one line alone.
 *  validity: the code is unknown, not yet valid or deleted on the date of
 *            service (with what to bill instead);
 *  setting:  Medicare's fee schedule does not recognise the code on the
 *            claim type on that date (PFS status I, e.g. 77385 on a 2025
 *            professional claim; OPPS status B, e.g. 77427 or G0339 on a
 *            hospital claim, which belong on the professional claim), with
 *            the codes it recognises instead;
 *  modifier: 26/TC against the PC/TC indicator, modifiers a code must or
 *            must not carry on a date and claim type (77387-26 on 2026
 *            professional claims, never on hospital claims), unknown
 *            or deleted modifiers and modifiers not meant for the code (59
 *            on an E/M code: review), duplicates and more than four on a
 *            line. */
#include "check.h"
#include "date.h"

#include <stdio.h>
#include <string.h>

static rc_finding *add(rc_check *c, const rc_line *line, rc_edit edit, rc_severity sev,
                       const rc_rule *rule)
{
  return rc_findings_add(c->f, line->index, edit, sev, line->code, rule ? rule->source : NULL);
}

static int replacement_applies(const rc_check *c, const rc_line *line, const rc_rule *r)
{
  return rc_rule_applies(r, line->day, c->setting) && rc_rule_payer_matches(r, c->payer);
}

/* Do the replacement rows in force for the line all give the same reason
 * as the row `one`? */
static int same_reason(const rc_check *c, const rc_line *line, const rc_rule *rows, int n, const rc_rule *one)
{
  int i;
  for (i = 0; i < n; i++)
    if (replacement_applies(c, line, &rows[i]) && strcmp(rows[i].text, one->text) != 0) return 0;
  return 1;
}

/* "G6015 or G6016" (or "77407, 77412 or ...") from the replacement rows in
 * force for the line; a single replacement, or several that share one reason
 * (a ladder: "77402, 77407 or 77412 (the level depends on ...)"), comes with
 * its reason. */
void rc_replacement_list(const rc_check *c, const rc_line *line, char *out, size_t size)
{
  int i, n, total = 0, shown = 0;
  size_t used = 0;
  const rc_rule *rows = rc_rules_of(line->rules, RC_RULE_REPLACEMENT, &n), *only = NULL;
  out[0] = '\0';
  for (i = 0; i < n; i++)
    if (replacement_applies(c, line, &rows[i])) total++, only = &rows[i];
  for (i = 0; i < n && used < size; i++) {
    if (!replacement_applies(c, line, &rows[i])) continue;
    shown++;
    used += (size_t)snprintf(out + used, size - used, "%s%s",
                             shown == 1 ? "" : shown == total ? " or " : ", ", rows[i].other);
  }
  if (total >= 1 && same_reason(c, line, rows, n, only) && used < size)
    snprintf(out + used, size - used, " (%s)", only->text);
  if (used >= size && size > 4) memcpy(out + size - 4, "...", 4);
}

static void validity(rc_check *c, const rc_line *line)
{
  const rc_rule *code = &line->rules->rows[line->rules->first[RC_RULE_CODE]];
  char instead[220], from[11], to[11];
  rc_finding *x;
  if (line->day >= code->from && line->day <= code->to) return;
  x = add(c, line, RC_EDIT_VALIDITY, RC_DENY, code);
  if (!c->f->texts) return;
  rc_replacement_list(c, line, instead, sizeof instead);
  if (line->day < code->from) {
    rc_date_format(code->from, from);
    rc_cat(x->message, sizeof x->message, line->code, " is not valid until ", from, " (date of service ", line->date,
           ")", (const char *)NULL);
  } else {
    rc_date_format(code->to, to);
    rc_cat(x->message, sizeof x->message, line->code, " was deleted: its last valid date of service was ", to,
           " (this line: ", line->date, ")", (const char *)NULL);
  }
  rc_cat(x->rule, sizeof x->rule, "validity ", line->code, (const char *)NULL);
  if (instead[0]) rc_cat(x->fix, sizeof x->fix, "bill instead: ", instead, (const char *)NULL);
  else rc_cat(x->fix, sizeof x->fix, "bill a code valid on ", line->date, (const char *)NULL);
}

/* A hospital claim's code that Medicare's OPPS does not take (status B,
 * ...): where it belongs, when the professional claim's fee schedule takes
 * it (G0339, 77427: the physician's claim), and what the hospital reports. */
static void hospital_status(const rc_line *line, const rc_rule *pay, rc_finding *x, const char *instead)
{
  const rc_rule *pfs = rc_rules_in_force(line->rules, RC_RULE_PAYMENT, line->day, RC_SET_PRACTITIONER);
  const rc_rule *pctc = rc_rules_in_force(line->rules, RC_RULE_PCTC, line->day, RC_SET_ANY);
  int professional = pctc != NULL && strcmp(pctc->extra, "professional") == 0;
  if (pfs == NULL || pfs->a == 0) {
    snprintf(x->message, sizeof x->message, "Medicare's OPPS does not take %s on a hospital (institutional) claim on %s (status %s: %s)",
             line->code, line->date, pay->other, pay->text);
    if (instead[0]) snprintf(x->fix, sizeof x->fix, "use %s on the hospital claim", instead);
    else snprintf(x->fix, sizeof x->fix, "bill the code OPPS recognises for this service, or nothing");
    return;
  }
  snprintf(x->message, sizeof x->message,
           "Medicare's OPPS does not take %s on a hospital (institutional) claim on %s (status %s): %s%s belongs on %s professional claim (CMS-1500 / 837P, PFS status %s)",
           line->code, line->date, pay->other, line->code, professional ? " is professional-only and" : "",
           professional ? "the physician's" : "a", pfs->other);
  if (instead[0])
    snprintf(x->fix, sizeof x->fix, "report %s on the physician's professional claim; hospitals report %s", line->code, instead);
  else
    snprintf(x->fix, sizeof x->fix, "remove %s from the hospital claim: the physician reports it on the professional claim", line->code);
}

/* Medicare's fee schedules do not take the code on this claim type (PFS
 * status I on a professional claim, OPPS status B on a hospital claim).
 * A technical-only line of a professional claim in a facility is left to
 * the facility edit (edits_setting.c), which says where it belongs. */
static void setting_edit(rc_check *c, const rc_line *line)
{
  const rc_rule *pay;
  char instead[160];
  rc_finding *x;
  if (strcmp(c->payer, RC_MEDICARE) != 0 || rc_facility_flags(c, line)) return;
  pay = rc_rules_in_force(line->rules, RC_RULE_PAYMENT, line->day, c->setting);
  if (pay == NULL || pay->a != 0) return;
  x = add(c, line, RC_EDIT_SETTING, RC_DENY, pay);
  if (!c->f->texts) return;
  rc_replacement_list(c, line, instead, sizeof instead);
  rc_cat(x->rule, sizeof x->rule, "status ", line->code, " ", rc_setting_name(c->setting), " ", pay->other,
         (const char *)NULL);
  if (c->setting == RC_SET_HOSPITAL) {
    hospital_status(line, pay, x, instead);
    return;
  }
  rc_cat(x->message, sizeof x->message, "Medicare does not recognise ", line->code, " on a professional claim on ",
         line->date, " (PFS status ", pay->other, ": ", pay->text, ")", (const char *)NULL);
  if (instead[0])
    rc_cat(x->fix, sizeof x->fix, "use ", instead, " for Medicare professional claims on this date", (const char *)NULL);
  else
    rc_cat(x->fix, sizeof x->fix, "bill the code Medicare recognises for this service on a professional claim",
           (const char *)NULL);
}

static void modifier_finding(rc_check *c, const rc_line *line, rc_severity sev, const rc_rule *rule,
                             const char *message, const char *fix)
{
  rc_finding *x = add(c, line, RC_EDIT_MODIFIER, sev, rule);
  if (!c->f->texts) return;
  snprintf(x->message, sizeof x->message, "%s", message);
  snprintf(x->fix, sizeof x->fix, "%s", fix);
  snprintf(x->rule, sizeof x->rule, "modifier %s", line->code);
}

/* Does the PC/TC indicator bind the claim? A code the fee schedule does not
 * recognise on the date (practitioner status I: another code is paid) has
 * an indicator that only says Medicare takes no component of it (PC/TC 0);
 * payers following CPT may (77387-26 in 2015-2025), so for a professional
 * claim to any other payer, or none named, it is not checked. */
static int pctc_binds(const rc_check *c, const rc_line *line, const rc_rule *pctc)
{
  const rc_rule *pay;
  if (strcmp(pctc->extra, "none") != 0 || strcmp(c->payer, RC_MEDICARE) == 0 || c->setting == RC_SET_HOSPITAL)
    return 1;
  pay = rc_rules_in_force(line->rules, RC_RULE_PAYMENT, line->day, RC_SET_PRACTITIONER);
  return pay == NULL || pay->a != 0;
}

/* 26 or TC on a code that is one component only: 26 on a professional-only
 * code adds nothing (warn); TC on it, and either on a technical-only code,
 * is invalid (deny). */
static void one_component(rc_check *c, const rc_line *line, const rc_rule *pctc, int has26)
{
  char msg[256], fix[32];
  const char *mod = has26 ? "26" : "TC";
  int technical = pctc->extra[0] == 't', redundant = !technical && has26;
  snprintf(msg, sizeof msg, "%s is %s-only (PC/TC %s): modifier %s %s", line->code, technical ? "technical" : "professional",
           pctc->other, mod, redundant ? "adds nothing" : "is invalid");
  snprintf(fix, sizeof fix, "remove modifier %s", mod);
  modifier_finding(c, line, redundant ? RC_WARN : RC_DENY, pctc, msg, fix);
}

/* 26 and TC against the component the PC/TC indicator gives the code. */
static void component(rc_check *c, const rc_line *line)
{
  const rc_rule *pctc = rc_rules_in_force(line->rules, RC_RULE_PCTC, line->day, RC_SET_ANY);
  int has26 = rc_line_has_modifier(line, "26"), hastc = rc_line_has_modifier(line, "TC");
  char msg[256], fix[256];
  const char *kind;
  if (pctc == NULL || (!has26 && !hastc) || !pctc_binds(c, line, pctc)) return;
  kind = pctc->extra;
  if (has26 && hastc) {
    snprintf(msg, sizeof msg, "%s carries both 26 and TC; a line is one component or the whole service", line->code);
    modifier_finding(c, line, RC_DENY, pctc, msg, "bill the components on separate lines, or neither modifier for the global service");
  } else if (strcmp(kind, "split") == 0) {
    return;
  } else if (strcmp(kind, "technical") == 0 || strcmp(kind, "professional") == 0) {
    one_component(c, line, pctc, has26);
  } else {
    snprintf(msg, sizeof msg, "modifiers 26 and TC are not valid with %s (PC/TC %s)", line->code, pctc->other);
    snprintf(fix, sizeof fix, "remove modifier %s", has26 ? "26" : "TC");
    modifier_finding(c, line, RC_DENY, pctc, msg, fix);
  }
}

/* Modifiers a code must carry (kind required: 77387-26 on a 2026
 * professional claim) or must not carry (kind not_allowed: 77387-26 on a
 * 2026 hospital claim) on the date, for the claim type. */
static void required(rc_check *c, const rc_line *line)
{
  int i, n;
  const rc_rule *rows = rc_rules_of(line->rules, RC_RULE_REQUIRED, &n);
  char msg[256], fix[64];
  for (i = 0; i < n; i++) {
    int has, banned = strcmp(rows[i].extra, "not_allowed") == 0;
    if (!rc_rule_applies(&rows[i], line->day, c->setting)) continue;
    has = rc_line_has_modifier(line, rows[i].other);
    if (has != banned) continue;
    if (banned) {
      snprintf(msg, sizeof msg, "%s must not carry modifier %s on a %s claim on %s: %s", line->code, rows[i].other,
               c->setting == RC_SET_HOSPITAL ? "hospital" : "professional", line->date, rows[i].text);
      snprintf(fix, sizeof fix, "remove modifier %s", rows[i].other);
    } else {
      snprintf(msg, sizeof msg, "%s must carry modifier %s on %s: %s", line->code, rows[i].other, line->date, rows[i].text);
      snprintf(fix, sizeof fix, "append modifier %s", rows[i].other);
    }
    modifier_finding(c, line, RC_DENY, &rows[i], msg, fix);
  }
}

/* A known modifier that does not belong on the line: deleted before the
 * date, or not meant for the code (applies_to: 59 on an E/M code, 25 on a
 * procedure). Review: it bypasses no edit there. */
static void misplaced(rc_check *c, const rc_line *line, const rc_modifier *m)
{
  char msg[256], fix[256], list[64], date[11];
  const rc_modifier *first;
  int em = strncmp(m->applies_to, "non-", 4) != 0;
  if (line->day > m->terminated) {
    rc_date_format(m->terminated, date);
    snprintf(msg, sizeof msg, "modifier %s was deleted: its last valid date of service was %s", m->modifier, date);
    modifier_finding(c, line, RC_REVIEW, NULL, msg, "remove the modifier, or use the one that replaced it");
    return;
  }
  if (rc_modifier_fits(c->rules, m, line->code, line->day)) return;
  rc_rules_bypass_list(c->rules, line->code, line->day, list, sizeof list, &first);
  snprintf(msg, sizeof msg, "modifier %s is %s %s codes (%s is %sone): it bypasses no edit here", m->modifier,
           em ? "only for" : "not for", rc_rules_group_label(c->rules, em ? m->applies_to : m->applies_to + 4),
           line->code, em ? "not " : "");
  if (first)
    snprintf(fix, sizeof fix, "use %s instead where the record supports it (%s: %s), or remove %s", list, first->modifier,
             first->meaning, m->modifier);
  else
    snprintf(fix, sizeof fix, "remove modifier %s", m->modifier);
  modifier_finding(c, line, RC_REVIEW, NULL, msg, fix);
}

/* Unknown modifiers (review: HCPCS has hundreds), misplaced ones, the same
 * modifier twice, more than four. */
static void listed(rc_check *c, const rc_line *line)
{
  int i, j;
  char msg[256];
  if (line->nmods > 4) {
    snprintf(msg, sizeof msg, "line has %ld modifiers; a claim line holds at most four",
             line->mods_given > line->nmods ? line->mods_given : (long)line->nmods);
    modifier_finding(c, line, RC_DENY, NULL, msg, "keep the four modifiers that matter for payment");
  }
  for (i = 0; i < line->nmods; i++) {
    const rc_modifier *m;
    for (j = 0; j < i && strcmp(line->mods[i], line->mods[j]) != 0; j++) continue;
    if (j < i) {
      snprintf(msg, sizeof msg, "modifier %s appears twice", line->mods[i]);
      modifier_finding(c, line, RC_WARN, NULL, msg, "remove the repeated modifier");
    } else if ((m = rc_rules_modifier(c->rules, line->mods[i])) == NULL) {
      snprintf(msg, sizeof msg, "radcode does not know modifier '%s'; its use was not checked", line->mods[i]);
      modifier_finding(c, line, RC_REVIEW, NULL, msg,
                       "check the modifier against the payer's list, or import the HCPCS file (rc:import) to know it");
    } else {
      misplaced(c, line, m);
    }
  }
}

/* Lines of the claim with the code of line i (usable ones); 0 when an
 * earlier line has it (the finding is on the first). A code's rules are
 * cached once per handle (and overlay), so lines of one code share them:
 * comparing the pointers compares the codes. */
static int lines_with_code(const rc_check *c, int i)
{
  const rc_line *lines = c->claim->lines;
  int j, n = 1;
  for (j = 0; j < c->claim->nlines; j++) {
    if (j == i || !lines[j].usable || lines[j].rules != lines[i].rules) continue;
    if (j < i) return 0;
    n++;
  }
  return n;
}

/* A code no loaded file knows (importing any CMS file that names it makes
 * it known): one finding per code per claim, on its first line, review
 * when radcode knows nothing of it, info when edits exist for it (an
 * overlay's, or a database made before codes were named): its dates were
 * not checked. */
static void unknown_code(rc_check *c, const rc_line *line, int i)
{
  int any = rc_rules_any(line->rules), n = lines_with_code(c, i);
  rc_finding *x;
  char more[48] = "";
  if (n == 0) return;
  if (n > 1) snprintf(more, sizeof more, " (%d lines carry it)", n);
  x = add(c, line, RC_EDIT_VALIDITY, any ? RC_INFO : RC_REVIEW, NULL);
  if (!c->f->texts) return;
  if (any)
    snprintf(x->message, sizeof x->message, "radcode has edits for %s but no record of the code%s; its dates of validity were not checked",
             line->code, more);
  else
    snprintf(x->message, sizeof x->message, "radcode has no record of %s%s; its edits were not checked", line->code, more);
  snprintf(x->fix, sizeof x->fix, any ? "import the HCPCS file or your licensed CPT file (rc:import) to check its dates"
                                      : "check the code, or import the national code files (rc:import)");
  snprintf(x->rule, sizeof x->rule, "validity %s", line->code);
}

void rc_edits_line(rc_check *c)
{
  int i;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    if (!line->usable) continue;
    listed(c, line);
    if (!line->rules->known) unknown_code(c, line, i);
    if (!rc_rules_any(line->rules)) continue;
    if (line->rules->known) validity(c, line);
    setting_edit(c, line);
    component(c, line);
    required(c, line);
  }
}
