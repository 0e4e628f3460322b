/* check.c: rc:check(claim [, {payer =, max_lines =}]), rc:pair(a, b [, opts])
 * and rc:record(claim). A check reads the claim (claim.c), gives each usable
 * line the cached rules of its code (rules.c), sorts the lines by day, reads
 * the course's history when a limit needs it, runs the edit passes
 * (edits_*.c) and returns {ok =, findings =} ordered by line. With a payer
 * overlay (overlay.c), lines get the payer's merged rules, and the payer's
 * own edits (edits_payer.c) and procedural rules (overlay_rules.c) follow
 * the national ones. The result's data lists the datasets that decided the
 * claim, and coverage findings name lines dated outside the NCCI PTP or MUE
 * data loaded (edits_coverage.c). claim.pos is looked up in the CMS place-of-service
 * code set: a professional claim at a facility place carries only
 * professional work (edits_setting.c). */
#include "check.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "claim_plain.h"
#include "code.h"
#include "course_history.h"
#include "handle.h"
#include "history.h"
#include "opts.h"
#include "overlay.h"
#include "pair_valid.h"

static int by_day(const void *a, const void *b)
{
  const rc_day_entry *x = a, *y = b;
  if (x->day != y->day) return x->day < y->day ? -1 : 1;
  if (x->key != y->key) return x->key < y->key ? -1 : 1;
  return x->pos - y->pos;
}

/* Cache hints for the lines' rules (rules.h), before the edits reach
 * them one by one: the slots where they are cached, then (once found)
 * the rules, then their rows. National rules only: an overlay merges its
 * own on first use. */
static void hint_slots(const rc_check *c)
{
  int i;
  for (i = 0; c->overlay == NULL && i < c->claim->nlines; i++)
    if (c->claim->lines[i].usable) rc_rules_code_hint(c->rules, c->claim->lines[i].code);
}

static void hint_rules(const rc_check *c, int rows)
{
  int i;
  for (i = 0; i < c->nby_day; i++) {
    const rc_code_rules *cr = c->claim->lines[c->by_day[i].pos].rules;
    if (rows) rc_rules_hint_rows(cr);
    else rc_rules_hint(cr);
  }
}

/* Gives usable lines their rules and pushes the sorted day index. Returns
 * 0 with err on a database error. */
static int index_lines(lua_State *L, rc_check *c, char *err, size_t errlen)
{
  rc_claim *claim = c->claim;
  int i;
  hint_slots(c);
  if (claim->nlines <= RC_INLINE_LINES) {   /* the check's own storage; nil keeps the stack's shape */
    c->by_day = c->inline_by_day;
    lua_pushnil(L);
  } else {
    c->by_day = lua_newuserdatauv(L, (size_t)(claim->nlines + 1) * sizeof *c->by_day, 0);
  }
  c->nby_day = 0;
  for (i = 0; i < claim->nlines; i++) {
    rc_line *line = &claim->lines[i];
    if (!line->usable) continue;
    line->rules = c->overlay ? rc_overlay_code(c->overlay, c->rules, line->code, err, errlen)
                             : rc_rules_code(c->rules, line->code, err, errlen);
    if (line->rules == NULL) break;
    c->by_day[c->nby_day].day = line->day;
    c->by_day[c->nby_day].key = line->key;
    c->by_day[c->nby_day++].pos = i;
  }
  if (i < claim->nlines) return 0;
  hint_rules(c, 0);
  qsort(c->by_day, (size_t)c->nby_day, sizeof *c->by_day, by_day);
  hint_rules(c, 1);
  return 1;
}

/* Does a line need the course's history: a limit across claims, or a
 * companion that an earlier claim of the same day may carry? */
static int has_limits(const rc_check *c)
{
  int i, n;
  for (i = 0; i < c->claim->nlines; i++) {
    const rc_line *l = &c->claim->lines[i];
    if (l->usable) {
      rc_rules_of(l->rules, RC_RULE_COMPANION, &n);
      if (n > 0) return 1;
      rc_rules_of(l->rules, RC_RULE_FREQUENCY, &n);
      if (n > 0) return 1;
      rc_rules_of(l->rules, RC_RULE_DAYS, &n);
      if (n > 0) return 1;
      rc_rules_of(l->rules, RC_RULE_WINDOW, &n);
      if (n > 0) return 1;
    }
  }
  return 0;
}

static int read_history(rc_handle *h, rc_check *c, char *err, size_t errlen)
{
  rc_history *history;
  if (!c->claim->patient[0] || !c->claim->course[0] || !has_limits(c)) return 1;
  if ((history = rc_handle_history(h, err, errlen)) == NULL) return 0;
  c->history_read = 1;
  if (rc_history_empty(history)) return 1;
  return rc_course_history_read(c->f->L, c, history, err, errlen);
}

/* The payer, lower case: opts.payer, else claim.payer, else "". */
static void payer_of(const char *opt, const char *claimed, char out[32])
{
  const char *p = opt ? opt : claimed;
  size_t i;
  for (i = 0; p[i] && i < 31; i++) out[i] = (char)tolower((unsigned char)p[i]);
  out[i] = '\0';
  if (p[i]) memcpy(out + 27, "...", 4);   /* too long for an overlay name: matches none */
}

static int overlays_loaded(const rc_handle *h)
{
  return h->overlays != NULL && h->overlays->head != NULL;
}

/* The overlay loaded for the payer (lower case), or NULL. */
static rc_overlay *payer_overlay(const rc_handle *h, const char *payer)
{
  return payer[0] && overlays_loaded(h) ? rc_overlays_find(h->overlays, payer) : NULL;
}

/* The payer's overlay. A payer without one gets national rules only, with
 * an info finding when overlays are loaded but none is the payer's
 * (Medicare's national statuses are built in, so it needs none). */
static void find_overlay(rc_handle *h, rc_check *c)
{
  rc_finding *x;
  if ((c->overlay = payer_overlay(h, c->payer)) != NULL || !c->payer[0] || !overlays_loaded(h) ||
      strcmp(c->payer, RC_MEDICARE) == 0)
    return;
  x = rc_findings_add(c->f, 0, RC_EDIT_OVERLAY, RC_INFO, NULL, "radcode");
  snprintf(x->message, sizeof x->message, "no overlay is loaded for payer '%s'; national rules only", c->payer);
  snprintf(x->rule, sizeof x->rule, "overlay %s", c->payer);
  snprintf(x->fix, sizeof x->fix, "load the payer's overlay (radcode.open{payers = {...}} or rc:load_payer) if it has one");
}

/* claim.pos in the CMS place-of-service code set: a code it does not list
 * is a review (the place is not known, so no facility rule applies); a
 * professional claim at a facility place carries only professional work. */
static void find_place(rc_check *c)
{
  rc_finding *x;
  if (!c->claim->pos[0]) return;
  if ((c->place = rc_rules_place(c->rules, c->claim->pos)) != NULL) {
    c->facility = c->place->a && c->setting == RC_SET_PRACTITIONER;
    return;
  }
  x = rc_findings_add(c->f, 0, RC_EDIT_INPUT, RC_REVIEW, NULL, "CMS Place of Service Code Set");
  snprintf(x->rule, sizeof x->rule, "input place of service");
  snprintf(x->message, sizeof x->message, "place of service %s is not in the CMS place-of-service code set; facility rules were not applied",
           c->claim->pos);
  snprintf(x->fix, sizeof x->fix, "check claim.pos against the CMS code set (e.g. 11 office, 19 or 22 outpatient hospital)");
}

/* Every pass on a claim read into claim (from its table at idx, or from
 * JSON text: idx 0, and no overlay then reads it) for the payer (lower
 * case), as rc_check_run says. */
static int run_passes(lua_State *L, rc_handle *h, int idx, const char *payer, int counts_only, rc_check *c,
                      rc_findings *f, rc_claim *claim, char *err, size_t errlen)
{
  c->db = &h->db;
  c->claim = claim;
  c->f = f;
  c->payer = payer;
  c->setting = claim->setting;
  c->claim_idx = idx;
  find_overlay(h, c);
  f->texts = !counts_only || c->overlay != NULL;
  find_place(c);
  /* one read transaction for the claim's rule loads and article queries
   * (each transaction costs SQLite a lock, a stat and a header read) */
  rc_rules_batch_begin(c->rules);
  if (!index_lines(L, c, err, errlen) || !read_history(h, c, err, errlen)) {
    rc_rules_batch_end(c->rules);
    return 0;
  }
  rc_edits_line(c);
  rc_edits_setting(c);
  rc_edits_revenue(c);
  rc_edits_day(c);
  rc_companions_unverified(c);
  rc_edits_course(c);
  rc_edits_necessity(c);
  if (c->overlay != NULL) {
    rc_edits_payer(c);
    rc_overlay_rules(c);
  }
  rc_edits_coverage(c);
  rc_rules_batch_end(c->rules);
  return 1;
}

/* A new check c with the handle's rules and empty findings f; 0 with err
 * on a database error. */
static int check_begin(lua_State *L, rc_handle *h, rc_check *c, rc_findings *f, char *err, size_t errlen)
{
  memset(c, 0, sizeof *c);
  if ((c->rules = rc_handle_rules(h, err, errlen)) == NULL) return 0;
  rc_findings_init(f, L);
  return 1;
}

/* The edit passes of rc:check, shared by rc:check and rc:check_all
 * (batch.c): reads the claim table at idx into claim and its findings
 * into f, and runs every pass with the payer payer_opt (NULL: the
 * claim's), lower-cased into payer. counts_only: the caller only counts
 * the findings (rc:check_all), so without an overlay (whose rules read
 * them) the edits write no texts. Leaves on the stack what the read and
 * the passes push (the caller resets the top). Returns 0 with err on a
 * database error; raises only on memory errors. */
int rc_check_run(lua_State *L, rc_handle *h, int idx, const char *payer_opt, int max_lines, int counts_only,
                 rc_check *c, rc_findings *f, rc_claim *claim, char payer[32], char *err, size_t errlen)
{
  if (!check_begin(L, h, c, f, err, errlen)) return 0;
  rc_claim_read(L, idx, claim, f, max_lines);
  payer_of(payer_opt, claim->payer, payer);
  return run_passes(L, h, idx, payer, counts_only, c, f, claim, err, errlen);
}

/* rc:check_json's path (batch.c) for a claim given as JSON text: when the
 * text is a plain claim (claim_plain.c) and its payer has no overlay
 * (whose rules would read the claim's table), reads it without a table
 * and runs the passes as rc_check_run does, for counts only. Returns -1,
 * nothing pushed, for any other text: the caller decodes it and checks
 * the table. Otherwise as rc_check_run. */
int rc_check_run_json(lua_State *L, rc_handle *h, const char *json, size_t len, const char *payer_opt,
                      int max_lines, rc_check *c, rc_findings *f, rc_claim *claim, char payer[32], char *err,
                      size_t errlen)
{
  if (!rc_claim_plain(json, len, claim, max_lines)) return -1;
  payer_of(payer_opt, claim->payer, payer);
  if (payer_overlay(h, payer) != NULL) return -1;
  if (!check_begin(L, h, c, f, err, errlen)) return 0;
  lua_pushnil(L);   /* where a claim read from a table keeps its lines' storage */
  return run_passes(L, h, 0, payer, 1, c, f, claim, err, errlen);
}

static int check(lua_State *L)
{
  static const char *const allowed[] = {"payer", "max_lines", NULL};
  rc_handle *h = rc_handle_check(L, 1);
  rc_check c;
  rc_findings f;
  rc_claim claim;
  char err[512], payer[32];
  int max_lines;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 3);   /* opts keep slot 3 whatever the check pushes */
  rc_opts_check(L, 3, allowed);
  max_lines = (int)rc_opts_integer(L, 3, "max_lines", RC_DEFAULT_MAX_LINES, 1, 100000);
  if (!rc_check_run(L, h, 2, rc_opts_string(L, 3, "payer"), max_lines, 0, &c, &f, &claim, payer, err, sizeof err))
    return rc_failf(L, "%s", err);
  rc_findings_push(&f);
  rc_coverage_push_data(&c);
  return 1;
}

/* A first input error (deny) of a claim, or NULL. */
static const char *input_error(const rc_findings *f)
{
  int i;
  for (i = 0; i < f->count; i++)
    if (f->items[i].edit == RC_EDIT_INPUT && f->items[i].severity == RC_DENY) return f->items[i].message;
  return NULL;
}

/* rc:record(claim): adds a claim to the history that course limits count.
 * The claim needs an id and no input errors; an id already recorded is
 * refused. */
static int record(lua_State *L)
{
  rc_handle *h = rc_handle_check(L, 1);
  rc_findings f;
  rc_claim claim;
  rc_history *history;
  char err[512];
  const char *bad;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  rc_findings_init(&f, L);
  rc_claim_read(L, 2, &claim, &f, RC_DEFAULT_MAX_LINES);
  if (claim.id[0] == '\0') return rc_failf(L, "claim has no id; only claims with an id can be recorded");
  if ((bad = input_error(&f)) != NULL) return rc_failf(L, "claim %s has input errors: %s", claim.id, bad);
  if ((history = rc_handle_history(h, err, sizeof err)) == NULL ||
      !rc_history_record(history, &claim, err, sizeof err))
    return rc_failf(L, "%s", err);
  lua_pushboolean(L, 1);
  return 1;
}

static void set_field(lua_State *L, const char *key, const char *value)
{
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

static const char *pair_verdict(const rc_rule *edit)
{
  if (edit == NULL || edit->a == 9) return "yes";
  return edit->a == 1 ? "with_modifier" : "no";
}

static void push_pair(lua_State *L, const rc_rules *rules, const char *a, const char *b, const rc_rule *edit,
                      int a_first, const char *date, long day, int setting)
{
  const char *col1 = a_first ? a : b, *col2 = a_first ? b : a, *verdict = pair_verdict(edit);
  const rc_modifier *first;
  char list[64];
  lua_createtable(L, 0, 9);
  set_field(L, "together", verdict);
  set_field(L, "date", date);
  set_field(L, "setting", rc_setting_name(setting));
  if (edit == NULL) {
    lua_pushfstring(L, "no NCCI edit pairs %s and %s on %s (%s): they may be billed together",
                    a, b, date, rc_setting_name(setting));
    lua_setfield(L, -2, "message");
    return;
  }
  set_field(L, "column1", col1);
  set_field(L, "column2", col2);
  lua_pushinteger(L, edit->a);
  lua_setfield(L, -2, "indicator");
  set_field(L, "rationale", edit->text);
  set_field(L, "source", edit->source);
  if (edit->a == 9)
    lua_pushfstring(L, "the NCCI edit %s/%s does not apply (indicator 9): they may be billed together", col1, col2);
  else if (edit->a == 0)
    lua_pushfstring(L, "%s (column 2) is denied beside %s (column 1): %s; no modifier allows both", col2, col1, edit->text);
  else if (rc_rules_bypass_list(rules, col2, day, list, sizeof list, &first) > 0)
    lua_pushfstring(L, "%s (column 2) is denied beside %s (column 1) unless the record supports %s on %s (%s: %s)",
                    col2, col1, list, col2, first->modifier, first->meaning);
  else
    lua_pushfstring(L, "%s (column 2) is denied beside %s (column 1) unless an NCCI-associated modifier applies",
                    col2, col1);
  lua_setfield(L, -2, "message");
}

static int pair_code(lua_State *L, int arg, char code[RC_CODE_LEN + 1])
{
  size_t len;
  const char *s = rc_check_string(L, arg, &len);
  char shown[RC_SHOWN_LEN];
  if (rc_code_normalize(s, len, code) != RC_CODE_MALFORMED) return 1;
  lua_pushfstring(L, "malformed code '%s'", rc_shorten(s, shown));
  return 0;
}

/* rc:pair(a, b [, {date =, setting =}]): may a and b be billed together on
 * one date of service? */
static int pair(lua_State *L)
{
  static const char *const allowed[] = {"date", "setting", NULL};
  rc_handle *h = rc_handle_check(L, 1);
  char a[RC_CODE_LEN + 1], b[RC_CODE_LEN + 1], date[RC_DATE_LEN + 1], err[512];
  const rc_code_rules *ra, *rb;
  const rc_rule *ab, *ba;
  rc_rule ab_row, ba_row;
  rc_rules *rules;
  long day;
  int setting;
  lua_settop(L, 4);
  rc_opts_check(L, 4, allowed);
  setting = rc_setting_of(rc_opts_setting(L, 4, "practitioner"));
  if (!pair_code(L, 2, a) || !pair_code(L, 3, b) || !rc_opts_date(L, 4, date)) return rc_fail(L);
  rc_date_parse(date, RC_DATE_LEN, &day);
  if ((rules = rc_handle_rules(h, err, sizeof err)) == NULL || (ra = rc_rules_code(rules, a, err, sizeof err)) == NULL ||
      (rb = rc_rules_code(rules, b, err, sizeof err)) == NULL)
    return rc_failf(L, "%s", err);
  if (!rc_rules_any(ra)) return rc_failf(L, "unknown code %s", a);
  if (!rc_rules_any(rb)) return rc_failf(L, "unknown code %s", b);
  ab = rc_rules_ptp(ra, b, day, setting, &ab_row);
  ba = rc_rules_ptp(rb, a, day, setting, &ba_row);
  if (ab == NULL || (ab->a == 9 && ba != NULL && ba->a != 9)) push_pair(L, rules, a, b, ba, 0, date, day, setting);
  else push_pair(L, rules, a, b, ab, 1, date, day, setting);
  rc_pair_validity(L, ra, rb, a, b, date, day);
  return 1;
}

const luaL_Reg rc_check_methods[] = {
  {"check", check},
  {"pair", pair},
  {"record", record},
  {NULL, NULL}
};
