/* edits_setting.c: the edits of the claim type (claim.setting) and the
 * place of service (claim.pos). The setting is the claim type: a
 * professional claim (practitioner) is paid on the physician fee schedule
 * at every place of service; an institutional claim (hospital) on OPPS.
 *  place:    a place of service used outside its dates in the CMS code set
 *            (e.g. 19 before 2016) - edit input, review;
 *  facility: a professional claim at a facility place (places.facility: 19,
 *            21, 22, 23, 24, ...) carries only professional work: technical-
 *            only codes (PC/TC component technical) and the TC part of split
 *            codes belong on the facility's claim, and split codes need 26
 *            - edit setting, deny; professional-only codes are fine;
 *  claim-type modifiers: modifiers a claim type never carries
 *            (setting_modifiers: 26 and TC on hospital claims) - edit
 *            modifier, deny;
 *  payer codes: a payer's own code (payer_codes: Medicare's G6001-G6017) on
 *            another payer's claim, naming the CPT code(s) that payer likely
 *            expects - edit setting, review. A payer whose overlay inherits
 *            the code's payer (a Medicare Advantage plan) is that payer. */
#include "check.h"
#include "date.h"
#include "overlay.h"
#include "utf8.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static const rc_rule *pctc_of(const rc_line *line)
{
  return rc_rules_in_force(line->rules, RC_RULE_PCTC, line->day, RC_SET_ANY);
}

static int component_is(const rc_rule *pctc, const char *component)
{
  return pctc != NULL && strcmp(pctc->extra, component) == 0;
}

/* Does a row of the code's required modifiers (kind) name the modifier on
 * the line's date and claim type? */
static int code_rule(const rc_check *c, const rc_line *line, const char *modifier, const char *kind)
{
  int i, n;
  const rc_rule *rows = rc_rules_of(line->rules, RC_RULE_REQUIRED, &n);
  for (i = 0; i < n; i++)
    if (rc_rule_applies(&rows[i], line->day, c->setting) && strcmp(rows[i].other, modifier) == 0 &&
        strcmp(rows[i].extra, kind) == 0)
      return 1;
  return 0;
}

/* Is the line technical work that the facility, not this professional
 * claim, bills (a technical-only code, or a split code with TC)? The
 * setting edit leaves such a line to the facility edit. */
int rc_facility_flags(const rc_check *c, const rc_line *line)
{
  const rc_rule *pctc;
  if (!c->facility) return 0;
  pctc = pctc_of(line);
  return component_is(pctc, "technical") || (component_is(pctc, "split") && rc_line_has_modifier(line, "TC"));
}

static rc_finding *facility_finding(rc_check *c, const rc_line *line, const rc_rule *pctc)
{
  rc_finding *x = rc_findings_add(c->f, line->index, RC_EDIT_SETTING, RC_DENY, line->code, c->place->source);
  if (c->f->texts)
    snprintf(x->rule, sizeof x->rule, "setting %s PC/TC %s at POS %s", line->code, pctc->other, c->claim->pos);
  return x;
}

/* A line of a professional claim at a facility place of service. */
static void facility(rc_check *c, const rc_line *line)
{
  const rc_rule *pctc = pctc_of(line);
  const char *place = c->place->text;
  rc_finding *x;
  if (rc_facility_flags(c, line)) {
    int technical = component_is(pctc, "technical");
    x = facility_finding(c, line, pctc);
    if (!c->f->texts) return;
    snprintf(x->message, sizeof x->message,
             "%s%s is technical work (PC/TC %s): at place of service %s (%.*s) the facility bills it on its own claim; a professional claim there carries only the professional part",
             line->code, technical ? "" : "-TC", pctc->other, c->claim->pos, rc_utf8_cut(place, 60), place);
    snprintf(x->fix, sizeof x->fix, "remove %s%s from the professional claim: the facility reports it", line->code,
             technical ? "" : "-TC");
  } else if (component_is(pctc, "split") && !rc_line_has_modifier(line, "26") && !code_rule(c, line, "26", "required")) {
    x = facility_finding(c, line, pctc);
    if (!c->f->texts) return;
    snprintf(x->message, sizeof x->message,
             "%s has professional and technical parts (PC/TC %s): at place of service %s (%.*s) a professional claim bills only the professional part, and the facility the technical part",
             line->code, pctc->other, c->claim->pos, rc_utf8_cut(place, 60), place);
    snprintf(x->fix, sizeof x->fix, "append modifier 26 to %s", line->code);
  }
}

/* A place of service used on a date outside its life in the code set: one
 * finding, on the first such line. */
static void place_dates(rc_check *c)
{
  char from[RC_DATE_LEN + 1], to[RC_DATE_LEN + 1];
  rc_finding *x;
  int i;
  if (c->place == NULL) return;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *l = &c->claim->lines[i];
    if (!l->usable || (l->day >= c->place->from && l->day <= c->place->to)) continue;
    rc_date_format(c->place->from, from);
    to[0] = '\0';
    if (c->place->to != LONG_MAX) rc_date_format(c->place->to, to);
    x = rc_findings_add(c->f, l->index, RC_EDIT_INPUT, RC_REVIEW, l->code, c->place->source);
    if (!c->f->texts) return;
    snprintf(x->rule, sizeof x->rule, "input place of service");
    snprintf(x->message, sizeof x->message, "place of service %s (%.*s) is in the CMS code set from %s%s%s, not on %s",
             c->claim->pos, rc_utf8_cut(c->place->text, 60), c->place->text, from, to[0] ? " to " : "", to, l->date);
    snprintf(x->fix, sizeof x->fix, "give the place-of-service code in use on the date of service");
    return;
  }
}

/* Modifiers the claim type never carries (26 and TC on hospital claims),
 * unless the code's own rule already names the modifier. */
static void setting_modifiers(rc_check *c, const rc_line *line)
{
  int i, n;
  const rc_rule *rows = rc_rules_setting_modifiers(c->rules, &n);
  rc_finding *x;
  for (i = 0; i < n; i++) {
    const rc_rule *r = &rows[i];
    if (r->setting != c->setting || line->day < r->from || line->day > r->to) continue;
    if (!rc_line_has_modifier(line, r->other) || code_rule(c, line, r->other, "not_allowed")) continue;
    x = rc_findings_add(c->f, line->index, RC_EDIT_MODIFIER, RC_DENY, line->code, r->source);
    if (!c->f->texts) continue;
    snprintf(x->rule, sizeof x->rule, "modifier %s on a %s claim", r->other, rc_setting_name(c->setting));
    snprintf(x->message, sizeof x->message, "%s-%s on a %s claim: %s", line->code, r->other,
             c->setting == RC_SET_HOSPITAL ? "hospital (institutional)" : "professional", r->text);
    snprintf(x->fix, sizeof x->fix, "remove modifier %s", r->other);
  }
}

/* Is the claim's payer this one, or does its overlay inherit it? */
static int payer_is(const rc_check *c, const char *payer)
{
  const rc_overlay *ov;
  if (strcmp(c->payer, payer) == 0) return 1;
  for (ov = c->overlay; ov != NULL; ov = ov->parent)
    if (strcmp(ov->name, payer) == 0) return 1;
  return 0;
}

/* Does the payer's overlay map the code to others on the line's date? It
 * then says itself what the payer takes (edits_payer.c). */
static int overlay_maps(const rc_check *c, const rc_line *line)
{
  int i, n;
  const rc_rule *rows = rc_rules_of(line->rules, RC_RULE_MAPPING, &n);
  for (i = 0; i < n; i++)
    if (rc_rule_applies(&rows[i], line->day, c->setting)) return 1;
  return 0;
}

/* A payer's own code (a Medicare G-code) on another payer's claim. */
static void payer_code(rc_check *c, const rc_line *line)
{
  int i, n;
  const rc_rule *rows;
  rc_finding *x;
  if (!c->payer[0] || overlay_maps(c, line)) return;
  rows = rc_rules_payer_codes(c->rules, line->code, &n);
  for (i = 0; i < n; i++) {
    const rc_rule *r = &rows[i];
    if (line->day < r->from || line->day > r->to || payer_is(c, r->payer)) continue;
    x = rc_findings_add(c->f, line->index, RC_EDIT_SETTING, RC_REVIEW, line->code, r->source);
    if (!c->f->texts) return;
    snprintf(x->rule, sizeof x->rule, "payer code %s %s", line->code, r->payer);
    snprintf(x->message, sizeof x->message, "%s on a claim to payer %s: %s", line->code, c->payer, r->text);
    snprintf(x->fix, sizeof x->fix, "bill %s unless %s takes the %s code (an overlay for %s that inherits %s says so)",
             r->other, c->payer, r->payer, c->payer, r->payer);
    return;
  }
}

void rc_edits_setting(rc_check *c)
{
  int i;
  place_dates(c);
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *line = &c->claim->lines[i];
    if (!line->usable) continue;
    if (c->facility) facility(c, line);
    setting_modifiers(c, line);
    payer_code(c, line);
  }
}
