/* facts.c: reads and checks the facts of rc:classify. The fact names, their
 * types (integer, boolean, choice, dates), ranges, choices, defaults and
 * counts are rows of classify_facts; service, date, setting and payer are
 * the context every classification has. A wrong Lua type or an unknown name
 * raises (a programming error); a value out of range, a choice not in the
 * list, a bad date or facts that contradict each other give a message.
 * Names and choices are compared with their whole length (a zero byte
 * inside one does not cut it short), and values quoted back are cut.
 * rc_facts_list gives the rows themselves (rc:classify_facts), from which
 * `radcode classify` builds its fact options. */
#include "facts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "opts.h"

static const char sql_facts[] =
  "SELECT name, type, min_value, max_value, choices, count_of, default_value, meaning"
  " FROM classify_facts ORDER BY name";

static const char *const context_keys[] = {"service", "date", "setting", "payer", NULL};

static void copy_column(sqlite3_stmt *st, int col, char *dst, size_t size)
{
  const unsigned char *s = sqlite3_column_text(st, col);
  snprintf(dst, size, "%s", s ? (const char *)s : "");
}

static int parse_type(const char *s, rc_fact_type *t)
{
  static const char *const names[] = {"integer", "boolean", "choice", "dates", NULL};
  int i;
  for (i = 0; names[i] != NULL; i++)
    if (strcmp(s, names[i]) == 0) {
      *t = (rc_fact_type)i;
      return 1;
    }
  return 0;
}

/* The default value of a fact, from its text. */
static void parse_default(rc_fact *f)
{
  f->has_default = f->default_text[0] != '\0' && f->type != RC_FACT_DATES;
  f->def.s = NULL;
  switch (f->type) {
  case RC_FACT_INTEGER: f->def.type = RC_V_INT; f->def.i = strtoll(f->default_text, NULL, 10); break;
  case RC_FACT_BOOLEAN: f->def.type = RC_V_BOOL; f->def.i = strcmp(f->default_text, "true") == 0; break;
  default: f->def.type = RC_V_STR; f->def.s = f->default_text; break;
  }
}

static int spec_row(sqlite3_stmt *st, rc_fact *f)
{
  char type[16];
  copy_column(st, 0, f->name, sizeof f->name);
  copy_column(st, 1, type, sizeof type);
  if (!parse_type(type, &f->type)) return 0;
  f->has_min = sqlite3_column_type(st, 2) != SQLITE_NULL;
  f->has_max = sqlite3_column_type(st, 3) != SQLITE_NULL;
  f->min = sqlite3_column_int64(st, 2);
  f->max = sqlite3_column_int64(st, 3);
  copy_column(st, 4, f->choices, sizeof f->choices);
  copy_column(st, 5, f->count_of, sizeof f->count_of);
  copy_column(st, 6, f->default_text, sizeof f->default_text);
  parse_default(f);
  return 1;
}

/* Do the row's texts fit their fields (a cut name would never match)? */
static int fits(sqlite3_stmt *st)
{
  return sqlite3_column_bytes(st, 0) < RC_FACT_NAME && sqlite3_column_bytes(st, 4) < RC_FACT_TEXT &&
         sqlite3_column_bytes(st, 5) < RC_FACT_NAME && sqlite3_column_bytes(st, 6) < RC_FACT_NAME;
}

/* Loads the fact specifications; 0 with a message pushed on failure. */
static int load_specs(lua_State *L, rc_db *db, rc_facts *F)
{
  sqlite3_stmt *st = rc_db_statement(db, RC_SQL_CLASSIFY_FACTS, sql_facts);
  int rc;
  if (st == NULL) {
    lua_pushfstring(L, "database error: %s%s", sqlite3_errmsg(db->conn), rc_db_damage_hint(db->conn));
    return 0;
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (F->count == RC_FACTS_MAX) {
      lua_pushfstring(L, "classify_facts: more than %d facts (RC_FACTS_MAX in csrc/facts.h)", RC_FACTS_MAX);
      sqlite3_reset(st);
      return 0;
    }
    if (!fits(st)) {
      lua_pushfstring(L, "classify_facts: fact '%s' has a name, choices or default longer than"
                      " csrc/facts.h allows (%d, %d, %d bytes)", (const char *)sqlite3_column_text(st, 0),
                      RC_FACT_NAME - 1, RC_FACT_TEXT - 1, RC_FACT_NAME - 1);
      sqlite3_reset(st);
      return 0;
    }
    if (!spec_row(st, &F->fact[F->count])) {
      lua_pushfstring(L, "classify_facts: bad type for fact '%s'", F->fact[F->count].name);
      sqlite3_reset(st);
      return 0;
    }
    F->count++;
  }
  sqlite3_reset(st);
  if (rc == SQLITE_ROW || rc == SQLITE_DONE) return 1;
  lua_pushfstring(L, "database error: %s%s", sqlite3_errmsg(db->conn), rc_db_damage_hint(db->conn));
  return 0;
}

static rc_fact *find(rc_facts *F, const char *name, size_t len)
{
  int i;
  for (i = 0; i < F->count; i++)
    if (strncmp(F->fact[i].name, name, len) == 0 && F->fact[i].name[len] == '\0')
      return &F->fact[i];
  return NULL;
}

static int in_range(lua_State *L, const rc_fact *f, lua_Integer v, const char *what)
{
  if ((f->has_min && v < f->min) || (f->has_max && v > f->max)) {
    lua_pushfstring(L, "%s %s%I is out of range (%I to %I)", f->name, what, v,
                    (lua_Integer)f->min, (lua_Integer)f->max);
    return 0;
  }
  return 1;
}

static void wrong_type(lua_State *L, int idx, const rc_fact *f, const char *want, int vidx)
{
  luaL_argerror(L, idx, lua_pushfstring(L, "fact '%s' must be %s, got %s",
                                        f->name, want, luaL_typename(L, vidx)));
}

static int read_integer(lua_State *L, int idx, rc_fact *f, int vidx)
{
  int isint = 0;
  lua_Integer v;
  if (lua_type(L, vidx) != LUA_TNUMBER) wrong_type(L, idx, f, "an integer", vidx);
  v = lua_tointegerx(L, vidx, &isint);
  if (!isint) {
    lua_pushfstring(L, "%s must be a whole number (got %s)", f->name, lua_tostring(L, vidx));
    return 0;
  }
  f->value.type = RC_V_INT;
  f->value.i = v;
  return in_range(L, f, v, "");
}

static int is_choice(const char *choices, const char *s)
{
  size_t n = strlen(s);
  const char *p = choices;
  while (n > 0 && (p = strstr(p, s)) != NULL) {
    if ((p == choices || p[-1] == '|') && (p[n] == '|' || p[n] == '\0')) return 1;
    p += n;
  }
  return 0;
}

static int read_choice(lua_State *L, int idx, rc_fact *f, int vidx)
{
  const char *s;
  size_t len;
  char shown[RC_SHOWN_LEN];
  if (lua_type(L, vidx) != LUA_TSTRING) wrong_type(L, idx, f, "a string", vidx);
  s = lua_tolstring(L, vidx, &len);
  if (strlen(s) != len || !is_choice(f->choices, s)) {
    luaL_gsub(L, f->choices, "|", ", ");
    lua_pushfstring(L, "%s '%s' is not one of %s", f->name, rc_shown(s, len, shown), lua_tostring(L, -1));
    return 0;
  }
  f->value.type = RC_V_STR;
  f->value.s = s;
  return 1;
}

/* One date of a dates list, in order after prev (ISO strings compare). */
static int read_date(lua_State *L, int idx, rc_fact *f, lua_Integer i, char prev[RC_DATE_LEN + 1])
{
  char iso[RC_DATE_LEN + 1];
  size_t len;
  const char *s;
  if (lua_type(L, -1) != LUA_TSTRING)
    luaL_argerror(L, idx, lua_pushfstring(L, "fact '%s' must be a list of date strings", f->name));
  s = lua_tolstring(L, -1, &len);
  if (!rc_check_date(L, s, len, iso)) {
    lua_pushfstring(L, "%s[%I]: %s", f->name, i, lua_tostring(L, -1));
    return 0;
  }
  if (strcmp(iso, prev) < 0) {
    lua_pushfstring(L, "%s must be in order (%s after %s)", f->name, iso, prev);
    return 0;
  }
  memcpy(prev, iso, sizeof iso);
  return 1;
}

static int read_dates(lua_State *L, int idx, rc_fact *f, int vidx)
{
  char prev[RC_DATE_LEN + 1] = "";
  lua_Integer i, n;
  if (lua_type(L, vidx) != LUA_TTABLE) wrong_type(L, idx, f, "a list of dates", vidx);
  n = (lua_Integer)lua_rawlen(L, vidx);
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, vidx, i);
    if (!read_date(L, idx, f, i, prev)) return 0;
    lua_pop(L, 1);
  }
  f->value.type = RC_V_INT;
  f->value.i = n;
  return in_range(L, f, n, "count ");
}

static int read_value(lua_State *L, int idx, rc_fact *f, int vidx)
{
  f->given = 1;
  switch (f->type) {
  case RC_FACT_INTEGER: return read_integer(L, idx, f, vidx);
  case RC_FACT_CHOICE: return read_choice(L, idx, f, vidx);
  case RC_FACT_DATES: return read_dates(L, idx, f, vidx);
  default:
    if (lua_type(L, vidx) != LUA_TBOOLEAN) wrong_type(L, idx, f, "a boolean", vidx);
    f->value.type = RC_V_BOOL;
    f->value.i = lua_toboolean(L, vidx);
    return 1;
  }
}

static int is_context_key(const char *name)
{
  int i;
  for (i = 0; context_keys[i] != NULL; i++)
    if (strcmp(name, context_keys[i]) == 0) return 1;
  return 0;
}

/* Every key of the facts table: known, of the right type, in range. */
static int read_keys(lua_State *L, int idx, rc_facts *F)
{
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    const char *name;
    size_t len;
    char shown[RC_SHOWN_LEN];
    rc_fact *f;
    if (lua_type(L, -2) != LUA_TSTRING) luaL_argerror(L, idx, "fact names must be strings");
    name = lua_tolstring(L, -2, &len);
    if (strlen(name) != len || !is_context_key(name)) {
      f = strlen(name) == len ? find(F, name, len) : NULL;
      if (f == NULL) luaL_argerror(L, idx, lua_pushfstring(L, "unknown fact '%s'", rc_shown(name, len, shown)));
      if (!read_value(L, idx, f, lua_gettop(L))) return 0;
    }
    lua_pop(L, 1);
  }
  return 1;
}

/* service, date (default today), setting (default practitioner), payer. */
static int read_context(lua_State *L, int idx, rc_facts *F)
{
  const char *payer;
  char shown[RC_SHOWN_LEN];
  size_t i;
  F->service = rc_opts_string(L, idx, "service");
  F->setting = rc_opts_setting(L, idx, "practitioner");
  payer = rc_opts_string(L, idx, "payer");
  if (payer != NULL && strlen(payer) >= RC_PAYER_LEN) {
    lua_pushfstring(L, "payer name too long ('%s')", rc_shorten(payer, shown));
    return 0;
  }
  for (i = 0; payer != NULL && payer[i] != '\0'; i++)
    F->payer[i] = (char)((payer[i] >= 'A' && payer[i] <= 'Z') ? payer[i] + 32 : payer[i]);
  return rc_opts_date(L, idx, F->date);
}

/* An integer that counts a dates list takes its value from the list, and
 * must agree with it when both are given. */
static int derive_counts(lua_State *L, rc_facts *F)
{
  int i;
  for (i = 0; i < F->count; i++) {
    rc_fact *f = &F->fact[i], *list;
    if (f->count_of[0] == '\0') continue;
    list = find(F, f->count_of, strlen(f->count_of));
    if (list == NULL || !list->given) continue;
    if (f->given && f->value.i != list->value.i) {
      lua_pushfstring(L, "%s (%I) does not match the %I %s", f->name, (lua_Integer)f->value.i,
                      (lua_Integer)list->value.i, list->name);
      return 0;
    }
    f->given = 1;
    f->value.type = RC_V_INT;
    f->value.i = list->value.i;
    if (!in_range(L, f, f->value.i, "")) return 0;
  }
  return 1;
}

int rc_facts_read(lua_State *L, rc_db *db, int idx, rc_facts **out)
{
  rc_facts *F;
  idx = lua_absindex(L, idx);
  luaL_checktype(L, idx, LUA_TTABLE);
  F = (rc_facts *)lua_newuserdatauv(L, sizeof *F, 0);
  memset(F, 0, sizeof *F);
  *out = F;
  return load_specs(L, db, F) && read_keys(L, idx, F) && read_context(L, idx, F) &&
         derive_counts(L, F);
}

static int is(const char *name, size_t len, const char *word)
{
  return strlen(word) == len && strncmp(name, word, len) == 0;
}

static int context_value(rc_facts *F, const char *name, size_t len, rc_value *out)
{
  out->type = RC_V_STR;
  out->i = 0;
  if (is(name, len, "service")) out->s = F->service;
  else if (is(name, len, "setting")) out->s = F->setting;
  else if (is(name, len, "payer")) out->s = F->payer;
  else if (is(name, len, "level")) out->s = F->has_level ? F->level : NULL;
  else return -1;
  return out->s != NULL;
}

int rc_facts_lookup(void *ud, const char *name, size_t len, rc_value *out)
{
  rc_facts *F = (rc_facts *)ud;
  int c = context_value(F, name, len, out);
  rc_fact *f;
  if (c >= 0) return c;
  f = find(F, name, len);
  if (f == NULL) return 0;
  if (f->given) *out = f->value;
  else if (f->has_default) *out = f->def;
  return f->given ? 2 : f->has_default;
}

/* Sets t[key] to column col of the row when it is not NULL. */
static void list_column(lua_State *L, sqlite3_stmt *st, int col, const char *key)
{
  switch (sqlite3_column_type(st, col)) {
  case SQLITE_NULL: return;
  case SQLITE_INTEGER: lua_pushinteger(L, (lua_Integer)sqlite3_column_int64(st, col)); break;
  default: lua_pushstring(L, (const char *)sqlite3_column_text(st, col)); break;
  }
  lua_setfield(L, -2, key);
}

int rc_facts_list(lua_State *L, rc_db *db)
{
  static const char *const keys[] = {"name", "type", "min", "max", "choices", "count_of", "default", "meaning"};
  sqlite3_stmt *st = rc_db_statement(db, RC_SQL_CLASSIFY_FACTS, sql_facts);
  int rc, col;
  lua_Integer n = 0;
  if (st == NULL) {
    lua_pushfstring(L, "database error: %s%s", sqlite3_errmsg(db->conn), rc_db_damage_hint(db->conn));
    return 0;
  }
  lua_newtable(L);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    lua_createtable(L, 0, 8);
    for (col = 0; col < 8; col++) list_column(L, st, col, keys[col]);
    lua_rawseti(L, -2, ++n);
  }
  sqlite3_reset(st);
  if (rc == SQLITE_DONE) return 1;
  lua_pop(L, 1);
  lua_pushfstring(L, "database error: %s%s", sqlite3_errmsg(db->conn), rc_db_damage_hint(db->conn));
  return 0;
}
