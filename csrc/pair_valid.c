/* pair_valid.c: rc:pair's answer on the validity of its two codes on the
 * date of service (csrc/check.c builds the NCCI answer, then calls
 * rc_pair_validity): result.valid, and for a code not valid on the date the
 * list result.invalid = { {code, status, message} } with status
 * not_yet_valid, deleted or unknown (no record: only edits name it), and a
 * message that says so first. A code not yet valid or deleted is billed with
 * nothing, so together becomes "invalid"; a code with no record keeps the
 * NCCI answer, as rc:check keeps its edits (a validity info finding). */
#include "pair_valid.h"

#include <string.h>
#include "date.h"

static void set_field(lua_State *L, const char *key, const char *value)
{
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

/* When the code is not valid on the day (unknown to the codes table, not
 * yet valid or deleted), appends {code, status, message} to the list at
 * index list and leaves "message; " on the stack; returns 1 then, else 0. */
static int pair_invalid(lua_State *L, int list, const rc_code_rules *cr, const char *code, const char *date, long day)
{
  const rc_rule *row = cr->known ? &cr->rows[cr->first[RC_RULE_CODE]] : NULL;
  char edge[RC_DATE_LEN + 1];
  if (row != NULL && day >= row->from && day <= row->to) return 0;
  lua_createtable(L, 0, 3);
  set_field(L, "code", code);
  set_field(L, "status", row == NULL ? "unknown" : day < row->from ? "not_yet_valid" : "deleted");
  if (row != NULL) rc_date_format(day < row->from ? row->from : row->to, edge);
  if (row == NULL) lua_pushfstring(L, "%s is not in radcode's code table (only edits name it)", code);
  else if (day < row->from) lua_pushfstring(L, "%s is not valid until %s (date of service %s)", code, edge, date);
  else lua_pushfstring(L, "%s was deleted: its last valid date of service was %s (date of service %s)", code, edge, date);
  lua_setfield(L, -2, "message");
  lua_getfield(L, -1, "message");
  lua_insert(L, -2);
  lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
  lua_pushliteral(L, "; ");
  return 1;
}

/* Is the code's record dated outside the day (not yet valid or deleted)? */
static int out_of_life(const rc_code_rules *cr, long day)
{
  const rc_rule *row = cr->known ? &cr->rows[cr->first[RC_RULE_CODE]] : NULL;
  return row != NULL && (day < row->from || day > row->to);
}

/* Sets result.valid (the result on top) and, for a code not valid on the
 * date, the list result.invalid and a message that says so before the NCCI
 * answer. A code not yet valid or deleted is billed with nothing: together
 * becomes "invalid". A code with no record (only imported edits name it)
 * keeps the NCCI answer, as rc:check keeps its edits (validity info). */
void rc_pair_validity(lua_State *L, const rc_code_rules *ra, const rc_code_rules *rb, const char *a,
                          const char *b, const char *date, long day)
{
  int result = lua_gettop(L), list, n, dated;
  lua_newtable(L);
  list = lua_gettop(L);
  n = pair_invalid(L, list, ra, a, date, day);
  n += strcmp(a, b) != 0 && pair_invalid(L, list, rb, b, date, day);
  lua_pushboolean(L, n == 0);
  lua_setfield(L, result, "valid");
  if (n == 0) {
    lua_settop(L, result);
    return;
  }
  dated = out_of_life(ra, day) || out_of_life(rb, day);
  if (!dated) {
    lua_getfield(L, result, "message");
  } else {
    lua_pushliteral(L, "a code not valid on the date of service cannot be billed, with the other or alone");
    if (lua_getfield(L, result, "indicator") == LUA_TNIL) {
      lua_pop(L, 1);
    } else {
      lua_pop(L, 1);
      lua_pushliteral(L, " (NCCI: ");
      lua_getfield(L, result, "message");
      lua_pushliteral(L, ")");
    }
  }
  lua_concat(L, lua_gettop(L) - list);
  lua_setfield(L, result, "message");
  lua_setfield(L, result, "invalid");
  if (dated) set_field(L, "together", "invalid");
}

