/* lookup.c: rc:lookup(code [, {date =, setting =}]) returns what radcode
 * knows of one code on a date of service and in a setting: what it is, its
 * status on that date (active, deleted, not_yet_valid), its fee-schedule
 * indicators (PC/TC and its meaning, global days, multiple-procedure and
 * bilateral indicators), payment status in the setting and in both fee
 * schedules (PFS status; OPPS status and payment rate), MUE in the setting
 * and per setting, add-on primaries, required modifiers, replacements and
 * related codes, and `sources`: the dataset each fact came from. A code is
 * known when the codes table has it: curated, or named by any imported CMS
 * file (importers add a row of family 'other'). Malformed and unknown codes
 * give nil, message. */
#include "lookup.h"

#include <string.h>
#include "code.h"
#include "handle.h"
#include "opts.h"
#include "rows.h"

/* ?1 code, ?2 date, ?3 setting */
#define IN_FORCE(t) " AND " t "valid_from <= ?2 AND (" t "valid_to IS NULL OR " t "valid_to >= ?2)"

static const char sql_code[] =
  "SELECT code, system, family, summary, descriptor, keywords, effective,"
  " terminated, addon, source FROM codes WHERE code = ?1";

/* In force on the date; else the latest row before it; else the first. */
static const char sql_indicators[] =
  "SELECT i.pctc AS pctc, m.component AS component, m.meaning AS pctc_meaning,"
  " i.global AS global, i.mult_proc AS mult_proc, i.bilateral AS bilateral,"
  " i.source AS source_indicators"
  " FROM indicators i LEFT JOIN pctc_meanings m ON m.pctc = i.pctc"
  " WHERE i.code = ?1 ORDER BY"
  " (i.valid_from <= ?2 AND (i.valid_to IS NULL OR i.valid_to >= ?2)) DESC,"
  " (i.valid_from <= ?2) DESC, i.valid_from DESC LIMIT 1";

static const char sql_payment[] =
  "SELECT p.status AS payment_status, s.recognized AS recognized,"
  " s.meaning AS payment_meaning, p.payment_rate AS payment_rate, p.source AS source_payment"
  " FROM payment_status p LEFT JOIN status_meanings s"
  " ON s.setting = p.setting AND s.status = p.status"
  " WHERE p.code = ?1 AND p.setting = ?3" IN_FORCE("p.")
  " ORDER BY p.valid_from DESC LIMIT 1";

/* With several MUE versions loaded, the one whose coverage holds the date
 * answers (the newest otherwise), as in rc:check (rules.c). */
static const char sql_mue[] =
  "SELECT value, mai, rationale, source FROM mue"
  " WHERE code = ?1 AND setting = ?3" IN_FORCE("")
  " AND (source NOT IN (SELECT name FROM datasets WHERE kind = 'mue' AND name IS NOT NULL"
  " AND valid_from IS NOT NULL) OR source = (SELECT name FROM datasets WHERE kind = 'mue'"
  " AND valid_from IS NOT NULL AND coalesce(setting, ?3) = ?3"
  " ORDER BY ?2 BETWEEN valid_from AND valid_to DESC, valid_to DESC, id DESC LIMIT 1))"
  " ORDER BY valid_from DESC LIMIT 1";

/* The status row of one fee schedule in force on the date (?1 code, ?2 date). */
#define SQL_SCHEDULE(setting) \
  "SELECT p.status AS status, s.recognized AS recognized, s.meaning AS meaning," \
  " p.payment_rate AS payment_rate, p.apc AS apc, p.valid_from AS \"from\", p.valid_to AS \"to\"," \
  " p.source AS source" \
  " FROM payment_status p LEFT JOIN status_meanings s ON s.setting = p.setting AND s.status = p.status" \
  " WHERE p.code = ?1 AND p.setting = '" setting "'" IN_FORCE("p.") " ORDER BY p.valid_from DESC LIMIT 1"

static const char sql_pfs[] = SQL_SCHEDULE("practitioner");
static const char sql_opps[] = SQL_SCHEDULE("hospital");

static const char sql_mues[] =
  "SELECT setting, value, mai, rationale, source FROM mue WHERE code = ?1" IN_FORCE("")
  " ORDER BY setting, valid_from DESC";

static const char sql_aoc[] =
  "SELECT primary_code AS code, type, source FROM aoc WHERE addon = ?1" IN_FORCE("")
  " ORDER BY primary_code";

static const char sql_replacements[] =
  "SELECT replacement AS code, setting, payer, reason, valid_from AS \"from\","
  " valid_to AS \"to\", source FROM replacements"
  " WHERE code = ?1 AND (setting = '*' OR setting = ?3)" IN_FORCE("")
  " ORDER BY payer, replacement";

static const char sql_related[] =
  "SELECT related AS code, relation, note FROM related WHERE code = ?1" IN_FORCE("")
  " ORDER BY relation, related";

static const char sql_required[] =
  "SELECT modifier, reason, source FROM required_modifiers"
  " WHERE code = ?1 AND kind = 'required' AND (setting = '*' OR setting = ?3)" IN_FORCE("")
  " ORDER BY modifier";

typedef struct query {
  const char *code, *date, *setting;
} query;

static sqlite3_stmt *bound(rc_handle *h, rc_sql_slot slot, const char *sql, const query *q)
{
  sqlite3_stmt *st = rc_db_statement(&h->db, slot, sql);
  if (st == NULL) return NULL;
  sqlite3_bind_text(st, 1, q->code, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(st) >= 2) sqlite3_bind_text(st, 2, q->date, -1, SQLITE_STATIC);
  if (sqlite3_bind_parameter_count(st) >= 3) sqlite3_bind_text(st, 3, q->setting, -1, SQLITE_STATIC);
  return st;
}

/* Merges the first row of a query (if any) into the record on top. */
static int merge_row(lua_State *L, rc_handle *h, rc_sql_slot slot, const char *sql, const query *q)
{
  sqlite3_stmt *st = bound(h, slot, sql, q);
  int rc;
  if (st == NULL) return 0;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) rc_rows_set_fields(L, -1, st);
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Sets record[key] to the list of rows of a query. */
static int set_list(lua_State *L, rc_handle *h, rc_sql_slot slot, const char *sql,
                    const query *q, const char *key)
{
  sqlite3_stmt *st = bound(h, slot, sql, q);
  if (st == NULL || !rc_rows_push_list(L, st)) return 0;
  lua_setfield(L, -2, key);
  return 1;
}

/* Sets record.mue to {value, mai, rationale, source} when one is in force. */
static int set_mue(lua_State *L, rc_handle *h, const query *q)
{
  sqlite3_stmt *st = bound(h, RC_SQL_MUE, sql_mue, q);
  int rc;
  if (st == NULL) return 0;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    lua_newtable(L);
    rc_rows_set_fields(L, -1, st);
    lua_setfield(L, -2, "mue");
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* Moves record[field] (if any) to record.sources[key]; the record is at
 * -2, its sources at -1. */
static void move_source(lua_State *L, const char *field, const char *key)
{
  lua_getfield(L, -2, field);
  if (!lua_isnil(L, -1)) {
    lua_setfield(L, -2, key);
    lua_pushnil(L);
    lua_setfield(L, -3, field);
  } else {
    lua_pop(L, 1);
  }
}

/* Sets record[key] to the first row of a query, with its source also in
 * record.sources[key]; nothing when no row is in force. */
static int set_schedule(lua_State *L, rc_handle *h, rc_sql_slot slot, const char *sql,
                        const query *q, const char *key)
{
  sqlite3_stmt *st = bound(h, slot, sql, q);
  int rc;
  if (st == NULL) return 0;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    lua_newtable(L);
    rc_rows_set_fields(L, -1, st);
    rc_rows_to_boolean(L, -1, "recognized");
    lua_getfield(L, -1, "source");
    lua_getfield(L, -3, "sources");
    lua_insert(L, -2);
    lua_setfield(L, -2, key);
    lua_pop(L, 1);
    lua_setfield(L, -2, key);
  }
  sqlite3_reset(st);
  return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

/* record.mues = {practitioner = {value, mai, rationale, source}, hospital =
 * ..., dme = ...}: the MUE in force on the date in each setting. */
static int set_mues(lua_State *L, rc_handle *h, const query *q)
{
  sqlite3_stmt *st = bound(h, RC_SQL_LOOKUP_MUES, sql_mues, q);
  int rc;
  if (st == NULL) return 0;
  lua_newtable(L);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *setting = (const char *)sqlite3_column_text(st, 0);
    if (setting == NULL || lua_getfield(L, -1, setting) != LUA_TNIL) {
      lua_pop(L, 1);   /* the newest row of a setting is first */
      continue;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    rc_rows_set_fields(L, -1, st);
    lua_pushnil(L);
    lua_setfield(L, -2, "setting");
    lua_setfield(L, -2, setting);
  }
  sqlite3_reset(st);
  lua_setfield(L, -2, "mues");
  return rc == SQLITE_DONE;
}

/* record.primaries: the add-on edit rows in force ({code, type, source};
 * type 2 rows have no code); a code with any is an add-on. */
static int set_primaries(lua_State *L, rc_handle *h, const query *q)
{
  sqlite3_stmt *st = bound(h, RC_SQL_LOOKUP_AOC, sql_aoc, q);
  if (st == NULL || !rc_rows_push_list(L, st)) return 0;
  if (lua_rawlen(L, -1) > 0) {
    lua_pushboolean(L, 1);
    lua_setfield(L, -3, "addon");
    lua_rawgeti(L, -1, 1);
    lua_getfield(L, -1, "source");
    lua_getfield(L, -4, "sources");
    lua_insert(L, -2);
    lua_setfield(L, -2, "aoc");
    lua_pop(L, 2);
  }
  lua_setfield(L, -2, "primaries");
  return 1;
}

/* record.sources: the dataset of each fact. code: the codes row; summary:
 * "radcode summary" for a curated code (family other than 'other'). */
static void set_sources(lua_State *L)
{
  const char *family;
  lua_newtable(L);
  lua_getfield(L, -2, "source");
  lua_setfield(L, -2, "code");
  lua_getfield(L, -2, "family");
  family = lua_tostring(L, -1);
  lua_pushboolean(L, family != NULL && strcmp(family, "other") != 0);
  lua_setfield(L, -4, "curated");
  if (family != NULL && strcmp(family, "other") != 0) {
    lua_pushliteral(L, "radcode summary");
    lua_setfield(L, -3, "summary");
  }
  lua_pop(L, 1);
  lua_setfield(L, -2, "sources");
}

/* Moves the per-query source columns into record.sources. */
static void gather_sources(lua_State *L)
{
  lua_getfield(L, -1, "sources");
  move_source(L, "source_indicators", "indicators");
  move_source(L, "source_payment", "payment");
  lua_getfield(L, -2, "mue");
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "source");
    lua_setfield(L, -3, "mue");
  }
  lua_pop(L, 2);
}

static const char *status_on(const char *date, const char *effective, const char *terminated)
{
  if (strcmp(date, effective) < 0) return "not_yet_valid";
  if (terminated != NULL && strcmp(date, terminated) > 0) return "deleted";
  return "active";
}

/* record.status from effective/terminated, compared as ISO strings. */
static void set_status(lua_State *L, const char *date)
{
  const char *effective, *terminated;
  lua_getfield(L, -1, "effective");
  lua_getfield(L, -2, "terminated");
  effective = lua_tostring(L, -2);
  terminated = lua_tostring(L, -1);
  lua_pushstring(L, status_on(date, effective ? effective : "", terminated));
  lua_setfield(L, -4, "status");
  lua_pop(L, 2);
}

/* Pushes the record table; returns 0 (after pushing a message) if the code
 * is unknown or the database fails. */
static int push_record(lua_State *L, rc_handle *h, const query *q)
{
  sqlite3_stmt *st = bound(h, RC_SQL_CODE, sql_code, q);
  int rc;
  if (st == NULL) {
    rc_handle_push_error(L, h);
    return 0;
  }
  rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(st);
    if (rc == SQLITE_DONE) lua_pushfstring(L, "unknown code %s", q->code);
    else rc_handle_push_error(L, h);
    return 0;
  }
  lua_newtable(L);
  rc_rows_set_fields(L, -1, st);
  sqlite3_reset(st);
  rc_rows_to_boolean(L, -1, "addon");
  set_status(L, q->date);
  return 1;
}

/* Fills indicators, payment, MUE and the lists into the record on top. */
static int add_details(lua_State *L, rc_handle *h, const query *q)
{
  set_sources(L);
  if (!merge_row(L, h, RC_SQL_INDICATORS, sql_indicators, q)) return 0;
  if (!merge_row(L, h, RC_SQL_PAYMENT, sql_payment, q)) return 0;
  rc_rows_to_boolean(L, -1, "recognized");
  if (!set_mue(L, h, q)) return 0;
  gather_sources(L);
  if (!set_schedule(L, h, RC_SQL_LOOKUP_PFS, sql_pfs, q, "pfs")) return 0;
  if (!set_schedule(L, h, RC_SQL_LOOKUP_OPPS, sql_opps, q, "opps")) return 0;
  if (!set_mues(L, h, q)) return 0;
  if (!set_primaries(L, h, q)) return 0;
  if (!set_list(L, h, RC_SQL_REQUIRED, sql_required, q, "required_modifiers")) return 0;
  if (!set_list(L, h, RC_SQL_REPLACEMENTS, sql_replacements, q, "replaced_by")) return 0;
  return set_list(L, h, RC_SQL_RELATED, sql_related, q, "related");
}

static int lookup(lua_State *L)
{
  static const char *const allowed[] = {"date", "setting", NULL};
  rc_handle *h = rc_handle_check(L, 1);
  size_t len;
  const char *raw = rc_check_string(L, 2, &len);
  char code[RC_CODE_LEN + 1], date[RC_DATE_LEN + 1], shown[RC_SHOWN_LEN];
  query q;
  rc_opts_check(L, 3, allowed);
  q.setting = rc_opts_setting(L, 3, "practitioner");
  if (rc_code_normalize(raw, len, code) == RC_CODE_MALFORMED)
    return rc_failf(L, "malformed code '%s'", rc_shorten(raw, shown));
  if (!rc_opts_date(L, 3, date)) return rc_fail(L);
  q.code = code;
  q.date = date;
  if (!push_record(L, h, &q)) return rc_fail(L);
  lua_pushstring(L, q.date);
  lua_setfield(L, -2, "date");
  lua_pushstring(L, q.setting);
  lua_setfield(L, -2, "setting");
  if (!add_details(L, h, &q)) return rc_handle_db_error(L, h);
  return 1;
}

const luaL_Reg rc_lookup_methods[] = {
  {"lookup", lookup},
  {NULL, NULL}
};
