/* baseline_sqlite.c: the benchmark's SQLite baseline, a Lua module built
 * only by `make bench`. It computes the PTP and MUE edits the straightforward
 * way: one prepared SQLite query per same-day pair of lines and one per code
 * and day, over the same Lua claim tables rc:check reads, with the same
 * rules (latest row in force, deleted edits up to their deletion date,
 * indicator 9 does nothing, MAI 1/2/3, and a bypass modifier counts only
 * when it is in force and meant for its line's code: one query over
 * modifiers.applies_to and code_groups, so 25 bypasses on an E/M code and
 * 59/XE/XS/XP/XU on any other), and returns the findings as
 * "line:edit:severity" strings for comparison. */
#include <stdio.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <sqlite3.h>

#define MAX_LINES 450

typedef struct baseline {
  sqlite3 *db;
  sqlite3_stmt *ptp, *mue, *bypass;
} baseline;

typedef struct bline {
  char code[8], date[11], mod[4][4];
  int nmods;
  long units;
  long day;                     /* date as days since 1970-01-01, as ptp_edit keeps dates */
} bline;

/* Days since 1970-01-01 of a YYYY-MM-DD date (the civil-calendar formula). */
static long day_number(const char *date)
{
  int y = 0, m = 0, d = 0;
  long era, yoe, doy;
  if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3) return 0;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = y - era * 400;
  doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static baseline *check_baseline(lua_State *L)
{
  baseline *b = luaL_checkudata(L, 1, "bench.baseline");
  if (b->db == NULL) luaL_error(L, "closed");
  return b;
}

/* Does modifier ?1 bypass a PTP edit on code ?2 on date ?3 (text)? */
static const char bypass_sql[] =
  "SELECT 1 FROM modifiers m WHERE m.modifier = ?1 AND m.bypass = 1"
  " AND (m.terminated IS NULL OR m.terminated >= ?3)"
  " AND (m.applies_to IN ('', '*') OR (m.applies_to LIKE 'non-%') <> EXISTS (SELECT 1 FROM code_groups g"
  "   WHERE g.grp = (CASE WHEN m.applies_to LIKE 'non-%' THEN substr(m.applies_to, 5) ELSE m.applies_to END)"
  "   AND length(g.code_from) = length(?2) AND ?2 BETWEEN g.code_from AND g.code_to"
  "   AND g.valid_from <= ?3 AND (g.valid_to IS NULL OR g.valid_to >= ?3)))";

static int b_open(lua_State *L)
{
  const char *path = luaL_checkstring(L, 1);
  baseline *b = lua_newuserdatauv(L, sizeof *b, 0);
  memset(b, 0, sizeof *b);
  luaL_setmetatable(L, "bench.baseline");
  if (sqlite3_open_v2(path, &b->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(b->db, "SELECT modifier FROM ptp_edit WHERE col1 = ?1 AND col2 = ?2"
        " AND setting = 1 AND valid_from <= ?3 AND (valid_to IS NULL OR valid_to >= ?3)"   /* ?3: day number */
        " ORDER BY valid_from DESC LIMIT 1", -1, &b->ptp, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(b->db, "SELECT value, mai FROM mue WHERE code = ?1 AND setting = 'practitioner'"
        " AND valid_from <= ?2 AND (valid_to IS NULL OR valid_to >= ?2) ORDER BY valid_from DESC LIMIT 1",
        -1, &b->mue, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(b->db, bypass_sql, -1, &b->bypass, NULL) != SQLITE_OK)
    return luaL_error(L, "baseline: %s", sqlite3_errmsg(b->db));
  return 1;
}

static int b_close(lua_State *L)
{
  baseline *b = luaL_checkudata(L, 1, "bench.baseline");
  sqlite3_finalize(b->ptp);
  sqlite3_finalize(b->mue);
  sqlite3_finalize(b->bypass);
  sqlite3_close(b->db);
  memset(b, 0, sizeof *b);
  return 0;
}

/* Reads the line table on top of the stack into l, then pops it. */
static void read_line(lua_State *L, bline *l)
{
  int t = lua_gettop(L), i;
  lua_getfield(L, t, "code");
  snprintf(l->code, sizeof l->code, "%s", luaL_checkstring(L, -1));
  lua_getfield(L, t, "date");
  snprintf(l->date, sizeof l->date, "%s", luaL_checkstring(L, -1));
  l->day = day_number(l->date);
  lua_getfield(L, t, "units");
  l->units = lua_isnil(L, -1) ? 1 : (long)luaL_checkinteger(L, -1);
  l->nmods = 0;
  if (lua_getfield(L, t, "modifiers") == LUA_TTABLE) {
    for (i = 1; i <= 4; i++) {
      if (lua_rawgeti(L, -1, i) == LUA_TSTRING) snprintf(l->mod[l->nmods++], 4, "%s", lua_tostring(L, -1));
      lua_pop(L, 1);
    }
  }
  lua_settop(L, t - 1);
}

static int has_bypass(const baseline *b, const bline *l)
{
  int i, found = 0;
  for (i = 0; i < l->nmods && !found; i++) {
    sqlite3_reset(b->bypass);
    sqlite3_bind_text(b->bypass, 1, l->mod[i], -1, SQLITE_STATIC);
    sqlite3_bind_text(b->bypass, 2, l->code, -1, SQLITE_STATIC);
    sqlite3_bind_text(b->bypass, 3, l->date, -1, SQLITE_STATIC);
    found = sqlite3_step(b->bypass) == SQLITE_ROW;
  }
  return found;
}

static void add(lua_State *L, int *n, int line, const char *edit, const char *severity)
{
  lua_pushfstring(L, "%d:%s:%s", line, edit, severity);
  lua_rawseti(L, -2, ++*n);
}

/* Is line i the first of its code on its date? */
static int first_of_code(const bline *lines, int i)
{
  int k;
  for (k = 0; k < i; k++)
    if (strcmp(lines[k].date, lines[i].date) == 0 && strcmp(lines[k].code, lines[i].code) == 0) return 0;
  return 1;
}

/* Do all lines of line i's code that date bypass the edit beside line j? */
static int all_bypass(baseline *b, bline *lines, int count, int i, int j)
{
  int k;
  if (has_bypass(b, &lines[j])) return 1;
  for (k = 0; k < count; k++)
    if (strcmp(lines[k].date, lines[i].date) == 0 && strcmp(lines[k].code, lines[i].code) == 0 &&
        !has_bypass(b, &lines[k]))
      return 0;
  return 1;
}

/* One finding per column 2 line and column 1 code that day, as radcode
 * reports them. */
static void ptp(lua_State *L, baseline *b, bline *lines, int count, int *n)
{
  int i, j;
  for (i = 0; i < count; i++)
    for (j = 0; j < count; j++) {
      if (i == j || strcmp(lines[i].date, lines[j].date) != 0 || strcmp(lines[i].code, lines[j].code) == 0 ||
          !first_of_code(lines, i))
        continue;
      sqlite3_reset(b->ptp);
      sqlite3_bind_text(b->ptp, 1, lines[i].code, -1, SQLITE_STATIC);
      sqlite3_bind_text(b->ptp, 2, lines[j].code, -1, SQLITE_STATIC);
      sqlite3_bind_int64(b->ptp, 3, lines[i].day);
      if (sqlite3_step(b->ptp) == SQLITE_ROW) {
        int m = sqlite3_column_int(b->ptp, 0);
        if (m == 9) continue;
        add(L, n, j + 1, "ptp", m == 1 && all_bypass(b, lines, count, i, j) ? "info" : "deny");
      }
    }
}

static void mue(lua_State *L, baseline *b, bline *lines, int count, int *n)
{
  int i, j;
  for (i = 0; i < count; i++) {
    long total = 0;
    int value, mai, first = 1;
    for (j = 0; j < i; j++)
      if (strcmp(lines[i].date, lines[j].date) == 0 && strcmp(lines[i].code, lines[j].code) == 0) first = 0;
    sqlite3_reset(b->mue);
    sqlite3_bind_text(b->mue, 1, lines[i].code, -1, SQLITE_STATIC);
    sqlite3_bind_text(b->mue, 2, lines[i].date, -1, SQLITE_STATIC);
    if (sqlite3_step(b->mue) != SQLITE_ROW) continue;
    value = sqlite3_column_int(b->mue, 0);
    mai = sqlite3_column_int(b->mue, 1);
    if (mai == 1) {
      if (lines[i].units > value) add(L, n, i + 1, "mue", "deny");
      continue;
    }
    if (!first) continue;
    for (j = i; j < count; j++)
      if (strcmp(lines[i].date, lines[j].date) == 0 && strcmp(lines[i].code, lines[j].code) == 0) total += lines[j].units;
    if (total > value) add(L, n, i + 1, "mue", mai == 2 ? "deny" : "review");
  }
}

/* baseline:check(claim) -> { "line:edit:severity", ... } */
static int b_check(lua_State *L)
{
  baseline *b = check_baseline(L);
  bline lines[MAX_LINES];
  int count, i, n = 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  lua_getfield(L, 2, "lines");
  count = (int)lua_rawlen(L, -1);
  if (count > MAX_LINES) count = MAX_LINES;
  for (i = 0; i < count; i++) {
    lua_rawgeti(L, -1, i + 1);
    read_line(L, &lines[i]);
  }
  lua_newtable(L);
  ptp(L, b, lines, count, &n);
  mue(L, b, lines, count, &n);
  return 1;
}

int luaopen_baseline_sqlite(lua_State *L)
{
  static const luaL_Reg methods[] = {{"check", b_check}, {"close", b_close}, {"__gc", b_close}, {NULL, NULL}};
  luaL_newmetatable(L, "bench.baseline");
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, "__index");
  lua_newtable(L);
  lua_pushcfunction(L, b_open);
  lua_setfield(L, -2, "open");
  return 1;
}
