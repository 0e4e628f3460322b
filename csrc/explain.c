/* explain.c: rc:_explain_rows(kind, code [, {date =, setting =, payer =}])
 * returns the rows of one kind of fact about a code, as lua/radcode/explain.lua
 * needs them for the code page (rc:explain): era summaries, PC/TC meaning,
 * ladder levels from classify_rules, documentation checklists, billing
 * facts, companions, frequency limits, add-on primaries, the PTP edits with
 * radiation and E/M codes, the modifiers that apply, supporting diagnoses and
 * coverage articles. Each kind is one SQL query over the data tables; every
 * row carries its source where the table has one. Unknown kinds raise (a
 * programming error); database errors give nil, message. */
#include "explain.h"

#include <string.h>
#include "code.h"
#include "handle.h"
#include "opts.h"
#include "rows.h"

/* ?1 code, ?2 date, ?3 setting, ?4 payer ("" when none) */
#define IN_FORCE(t) " " t "valid_from <= ?2 AND (" t "valid_to IS NULL OR " t "valid_to >= ?2)"
#define FAMILY "(SELECT family FROM codes WHERE code = ?1)"
#define DAY "CAST(julianday(?2) - 2440587.5 AS INTEGER)"
#define IS_EM "EXISTS (SELECT 1 FROM code_groups g WHERE g.grp = 'em' AND length(g.code_from) = length(?1)" \
  " AND ?1 BETWEEN g.code_from AND g.code_to AND" IN_FORCE("g.") ")"
/* The pair edits that matter: the other code is one radcode curates (not a
 * national code of family 'other' known from the CMS files) or an E/M code. */
#define EDIT_OTHER(c) " AND (EXISTS (SELECT 1 FROM codes k WHERE k.code = " c " AND k.family <> 'other')" \
  " OR EXISTS (SELECT 1 FROM code_groups g" \
  " WHERE g.grp = 'em' AND length(g.code_from) = length(" c ") AND " c " BETWEEN g.code_from AND g.code_to))"

typedef struct kind_sql {
  const char *kind, *sql;
} kind_sql;

static const kind_sql kinds[] = {
  {"summary", "SELECT summary, valid_from, valid_to, source FROM summaries WHERE code = ?1 AND" IN_FORCE("")},
  {"eras", "SELECT summary, valid_from, valid_to, source FROM summaries WHERE code = ?1 ORDER BY valid_from"},
  {"pctc", "SELECT i.pctc, m.component, m.meaning, i.global, i.source, m.source AS meaning_source"
           " FROM indicators i LEFT JOIN pctc_meanings m ON m.pctc = i.pctc WHERE i.code = ?1 AND" IN_FORCE("i.")},
  {"payment", "SELECT p.setting, p.status, s.recognized, s.meaning, p.payment_rate, p.apc, p.source FROM payment_status p"
              " LEFT JOIN status_meanings s ON s.setting = p.setting AND s.status = p.status"
              " WHERE p.code = ?1 AND" IN_FORCE("p.") " AND p.valid_from = (SELECT max(x.valid_from)"
              " FROM payment_status x WHERE x.code = ?1 AND x.setting = p.setting AND" IN_FORCE("x.") ")"
              " ORDER BY p.setting"},
  {"mue", "SELECT setting, value, mai, rationale, source FROM mue WHERE code = ?1 AND" IN_FORCE("")
          " ORDER BY setting"},
  {"indicator_changes", "SELECT pctc, global, valid_from, valid_to, source FROM indicators WHERE code = ?1"
                        " ORDER BY valid_from"},
  {"ladder", "SELECT r.service, r.slot, r.priority, r.level, r.code, r.condition, r.reason, r.source"
             " FROM classify_rules r WHERE r.slot IN ('level', 'code') AND" IN_FORCE("r.")
             " AND r.setting IN ('*', ?3) AND r.payer IN ('*', ?4) AND r.refuse IS NULL"
             " AND r.service IN (SELECT service FROM classify_rules WHERE slot = 'code' AND code = ?1 AND"
             IN_FORCE("") " AND setting IN ('*', ?3) AND payer IN ('*', ?4))"
             " ORDER BY r.service, r.priority"},
  {"documentation", "SELECT item, code, source FROM documentation WHERE family = " FAMILY
                    " AND code IN ('*', ?1) AND" IN_FORCE("") " ORDER BY code = '*' DESC, rowid"},
  {"billing", "SELECT setting, fact, value, meaning, source FROM billing WHERE family IN ('*', " FAMILY ")"
              " AND" IN_FORCE("") " ORDER BY fact, setting, value"},
  {"places", "SELECT p.pos, p.name, p.facility, p.source FROM places p JOIN billing b ON b.fact = 'pos'"
             " AND b.value = p.pos AND b.family IN ('*', " FAMILY ") AND" IN_FORCE("b.") " AND" IN_FORCE("p.")
             " ORDER BY p.pos"},
  {"companions", "SELECT partner, modifier, setting, reason, source FROM companions WHERE code = ?1"
                 " AND setting IN ('*', ?3) AND" IN_FORCE("") " ORDER BY partner"},
  {"frequency", "SELECT period, max_units, fractions, leftover, minimum, instead, payer, severity, reason, source"
                " FROM frequency_limits WHERE code = ?1 AND setting IN ('*', ?3) AND payer IN ('*', ?4) AND"
                IN_FORCE("") " ORDER BY period, payer"},
  {"related", "SELECT related AS code, relation, note, source FROM related WHERE code = ?1 AND relation <> 'ladder'"
              " AND" IN_FORCE("") " ORDER BY relation, related"},
  {"primaries", "SELECT primary_code AS code, type, source FROM aoc WHERE addon = ?1 AND" IN_FORCE("")
                " ORDER BY primary_code"},
  {"addons", "SELECT addon AS code, type, source FROM aoc WHERE primary_code = ?1 AND" IN_FORCE("")
             " ORDER BY addon"},
  {"ptp", "SELECT e.col1 AS column1, e.col2 AS column2, e.modifier AS indicator, r.text AS rationale, s.text AS source"
          " FROM ptp_edit e LEFT JOIN ptp_text r ON r.id = e.rationale JOIN ptp_text s ON s.id = e.source"
          " WHERE e.col1 = ?1 AND e.setting = CASE ?3 WHEN 'hospital' THEN 2 ELSE 1 END AND e.modifier <> 9"
          " AND e.valid_from <= " DAY " AND (e.valid_to IS NULL OR e.valid_to >= " DAY ")" EDIT_OTHER("e.col2")
          " UNION ALL"
          " SELECT e.col1, e.col2, e.modifier, r.text, s.text"
          " FROM ptp_edit e LEFT JOIN ptp_text r ON r.id = e.rationale JOIN ptp_text s ON s.id = e.source"
          " WHERE e.col2 = ?1 AND e.setting = CASE ?3 WHEN 'hospital' THEN 2 ELSE 1 END AND e.modifier <> 9"
          " AND e.valid_from <= " DAY " AND (e.valid_to IS NULL OR e.valid_to >= " DAY ")" EDIT_OTHER("e.col1")
          " ORDER BY 1, 2"},
  {"modifiers", "SELECT modifier, kind, bypass, applies_to, meaning, source FROM modifiers"
                " WHERE kind IN ('component', 'ncci', 'repeat') AND (terminated IS NULL OR terminated >= ?2)"
                " AND (applies_to = '*' OR (applies_to = 'em' AND " IS_EM ")"
                " OR (applies_to = 'non-em' AND NOT " IS_EM ")) ORDER BY kind, modifier"},
  {"modifier_rules", "SELECT modifier, kind, setting, reason, source FROM required_modifiers WHERE code = ?1 AND"
                     IN_FORCE("") " UNION ALL SELECT modifier, 'not_on_claim', setting, reason, source"
                     " FROM setting_modifiers WHERE" IN_FORCE("") " ORDER BY 3, 1"},
  {"dx_required", "SELECT family, source FROM dx_required WHERE family = " FAMILY},
  {"dx_support", "SELECT dx_from, dx_to, family, payer, note, source FROM dx_support"
                 " WHERE family IN ('*', " FAMILY ") AND payer IN ('*', ?4) AND" IN_FORCE("") " ORDER BY dx_from"},
  {"articles", "SELECT a.article_id, a.version, a.title, a.effective, a.ended, a.source,"
               " group_concat(DISTINCT c.grp) AS code_groups FROM lcd_article_code c"
               " JOIN lcd_article a ON a.article_id = c.article_id WHERE c.code = ?1"
               " AND (a.effective IS NULL OR a.effective <= ?2) AND (a.ended IS NULL OR a.ended >= ?2)"
               " GROUP BY a.article_id ORDER BY a.article_id"},
  {"article_dx", "SELECT d.article_id, d.covered, d.grp, count(*) AS count,"
                 " group_concat(d.dx, ' ') AS codes FROM lcd_article_dx d"
                 " WHERE d.article_id IN (SELECT article_id FROM lcd_article_code WHERE code = ?1)"
                 " GROUP BY d.article_id, d.covered, d.grp ORDER BY d.article_id, d.covered DESC, d.grp"},
  {"article_contractors", "SELECT article_id, contractor_id, number, name, group_concat(state, ' ') AS states"
                          " FROM (SELECT * FROM lcd_article_contractor WHERE article_id IN"
                          " (SELECT article_id FROM lcd_article_code WHERE code = ?1) ORDER BY state)"
                          " GROUP BY article_id, contractor_id ORDER BY article_id, number"},
  {NULL, NULL}
};

static int find_kind(lua_State *L, const char *kind)
{
  int i;
  for (i = 0; kinds[i].kind != NULL; i++)
    if (strcmp(kinds[i].kind, kind) == 0) return i;
  return luaL_argerror(L, 2, lua_pushfstring(L, "unknown kind of fact '%s'", kind));
}

static int explain_rows(lua_State *L)
{
  static const char *const allowed[] = {"date", "setting", "payer", NULL};
  rc_handle *h = rc_handle_check(L, 1);
  int k = find_kind(L, luaL_checkstring(L, 2));
  size_t len;
  const char *raw = rc_check_string(L, 3, &len), *setting, *payer;
  char code[RC_CODE_LEN + 1], date[RC_DATE_LEN + 1], shown[RC_SHOWN_LEN];
  sqlite3_stmt *st;
  rc_opts_check(L, 4, allowed);
  setting = rc_opts_setting(L, 4, "practitioner");
  payer = rc_opts_string(L, 4, "payer");
  if (rc_code_normalize(raw, len, code) == RC_CODE_MALFORMED)
    return rc_failf(L, "malformed code '%s'", rc_shorten(raw, shown));
  if (!rc_opts_date(L, 4, date)) return rc_fail(L);
  if ((st = rc_db_statement(&h->db, (rc_sql_slot)(RC_SQL_EXPLAIN + k), kinds[k].sql)) == NULL)
    return rc_handle_db_error(L, h);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, setting, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, payer ? payer : "", -1, SQLITE_STATIC);
  if (!rc_rows_push_list(L, st)) return rc_handle_db_error(L, h);
  return 1;
}

const luaL_Reg rc_explain_methods[] = {
  {"_explain_rows", explain_rows},
  {NULL, NULL}
};
