/* claim.c: reads a claim table into C for the checker. Tables are read raw
 * (no metamethods run), every field is type-checked, and every bad value
 * becomes an `input` finding naming the field and line instead of an error:
 * a malformed code, date, unit count, charge, modifier, diagnosis or place
 * of service, a
 * pointer to a diagnosis that does not exist, text that is too long or
 * hides a zero byte, an unknown field, a list with keys that are not
 * positions, an empty claim, a claim longer than the line limit. The work
 * is bounded by what is read: at most max_lines lines, RC_MAX_MODIFIERS
 * modifiers and RC_MAX_LINE_DX pointers a line (more is a finding), and a
 * handful of named unknown fields a table (the rest are counted). Lines
 * with a bad code, date or units are kept (for their line numbers) but
 * marked unusable, so no edit reads them. claim.setting is the claim type
 * (practitioner: professional; hospital: institutional); claim.pos is kept
 * as given and never changes it. The claim readers (X12, FHIR) add
 * claim.provider (billing or rendering NPI), claim.bill_type, claim.source
 * and line.source, line.pos (a line's own place of service) and
 * line.revenue (the UB-04 revenue code, four digits, kept for the revenue
 * edit); what they could not read is in claim.problems, a list of
 * {message =, fix =, severity =, line =}, each an `input` finding. */
#include "claim.h"

#include <ctype.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>
#include <lauxlib.h>
#include "code.h"
#include "date.h"
#include "ptp.h"
#include "utf8.h"

static const char *const claim_keys[] = {"id", "patient", "course", "payer", "setting", "pos",
                                         "npi", "diagnoses", "lines", "authorization", "contractor",
                                         "state", "provider", "bill_type", "problems", "source", NULL};
static const char *const line_keys[] = {"code", "date", "units", "modifiers", "dx", "charge",
                                        "npi", "revenue", "pos", "source", NULL};
#define LINE_FIELDS_READ 8      /* code .. revenue: the fields the line readers take */
#define NAMED_UNKNOWN 5         /* unknown fields named one by one, per table */

static rc_finding *input(rc_findings *f, int line, rc_severity severity, const char *code)
{
  rc_finding *x = rc_findings_add(f, line, RC_EDIT_INPUT, severity, code, "radcode input check");
  snprintf(x->rule, sizeof x->rule, "input");
  return x;
}

static void where(char *out, size_t size, int line)
{
  if (line > 0) snprintf(out, size, "line %d", line);
  else snprintf(out, size, "claim");
}

/* Notes the unknown key below the value on top of the stack. */
static void unknown_field(lua_State *L, rc_findings *f, int line)
{
  char at[32];
  int named = lua_type(L, -2) == LUA_TSTRING;
  rc_finding *x = input(f, line, RC_WARN, NULL);
  where(at, sizeof at, line);
  snprintf(x->message, sizeof x->message, "%s has an unknown field %s%.*s%s; it was not used", at,
           named ? "'" : "(", rc_utf8_cut(named ? lua_tostring(L, -2) : luaL_typename(L, -2), 40),
           named ? lua_tostring(L, -2) : luaL_typename(L, -2), named ? "'" : ")");
  snprintf(x->fix, sizeof x->fix, "remove the field or correct its name");
}

/* Counts the unknown fields past the first few, which are named. */
static void unknown_rest(rc_findings *f, int line, long unknown)
{
  char at[32];
  rc_finding *x;
  if (unknown <= NAMED_UNKNOWN) return;
  x = input(f, line, RC_WARN, NULL);
  where(at, sizeof at, line);
  snprintf(x->message, sizeof x->message, "%s has %ld more unknown fields; they were not used", at,
           unknown - NAMED_UNKNOWN);
  snprintf(x->fix, sizeof x->fix, "remove the fields or correct their names");
}

/* The index of key in keys, or -1. */
static int key_index(const char *key, const char *const keys[])
{
  int i;
  for (i = 0; keys[i] != NULL; i++)
    if (key[0] == keys[i][0] && strcmp(key, keys[i]) == 0) return i;
  return -1;
}

/* One pass over the table at idx: pushes the values of the first `wanted`
 * keys (nil when absent; none for 0), in the order of keys, and notes each
 * unknown key. Returns the stack slot of the first value; readers take them from
 * there (slot_value) instead of looking each field up. */
static int collect_fields(lua_State *L, int idx, const char *const keys[], int wanted, rc_findings *f, int line)
{
  int base = lua_gettop(L) + 1, k;
  long unknown = 0;
  luaL_checkstack(L, wanted + 8, "claim line");
  for (k = 0; k < wanted; k++) lua_pushnil(L);
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    k = lua_type(L, -2) == LUA_TSTRING ? key_index(lua_tostring(L, -2), keys) : -1;
    if (k < 0 && ++unknown <= NAMED_UNKNOWN) unknown_field(L, f, line);
    else if (k >= 0 && k < wanted) lua_copy(L, -1, base + k);
    lua_pop(L, 1);
  }
  unknown_rest(f, line, unknown);
  return base;
}

/* Pushes a value collect_fields gathered; its type. */
static int slot_value(lua_State *L, int slot)
{
  lua_pushvalue(L, slot);
  return lua_type(L, -1);
}

/* The keys of the list at idx (n long) must be its positions 1..n. */
static void check_list(lua_State *L, int idx, lua_Integer n, const char *field, rc_findings *f, int line)
{
  long stray = 0;
  rc_finding *x;
  char first[48] = "", what[48];
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    int isint = 0;
    lua_Integer k = lua_type(L, -2) == LUA_TNUMBER ? lua_tointegerx(L, -2, &isint) : 0;
    if ((!isint || k < 1 || k > n) && stray++ == 0)
      snprintf(first, sizeof first, lua_type(L, -2) == LUA_TSTRING ? "'%.*s'" : "(%.*s)",
               rc_utf8_cut(lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2), 40),
               lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : luaL_typename(L, -2));
    lua_pop(L, 1);
  }
  if (stray == 0) return;
  if (line > 0) snprintf(what, sizeof what, "line %d: %s", line, field);   /* made only when needed */
  else snprintf(what, sizeof what, "%s", field);
  x = input(f, line, RC_WARN, NULL);
  snprintf(x->message, sizeof x->message, "%s is not a list: %ld key%s such as %s %s not a position; not used",
           what, stray, stray == 1 ? "" : "s", first, stray == 1 ? "is" : "are");
  snprintf(x->fix, sizeof x->fix, "give %s as a list, without gaps or named keys", what);
}

/* Pushes t[key] without metamethods. */
static int raw_field(lua_State *L, int idx, const char *key)
{
  lua_pushstring(L, key);
  return lua_rawget(L, idx);
}

/* A text field (strings; integers are accepted and written out). */
static void read_text(lua_State *L, int idx, const char *key, char *out, size_t size, rc_findings *f)
{
  int type = raw_field(L, idx, key);
  if (type == LUA_TSTRING || (type == LUA_TNUMBER && lua_isinteger(L, -1))) {
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);   /* an integer becomes a string in the copy on the stack */
    if (len < size && strlen(s) == len) {
      memcpy(out, s, len + 1);
    } else {
      rc_finding *x = input(f, 0, RC_DENY, NULL);
      if (len < size)
        snprintf(x->message, sizeof x->message, "claim.%s contains a zero byte", key);
      else
        snprintf(x->message, sizeof x->message, "claim.%s is too long (%zu characters, at most %zu)",
                 key, len, size - 1);
      snprintf(x->fix, sizeof x->fix, "give claim.%s as plain text of at most %zu characters", key, size - 1);
    }
  } else if (type != LUA_TNIL) {
    rc_finding *x = input(f, 0, RC_DENY, NULL);
    snprintf(x->message, sizeof x->message, "claim.%s must be a string, got %s", key, luaL_typename(L, -1));
    snprintf(x->fix, sizeof x->fix, "give claim.%s as text", key);
  }
  lua_pop(L, 1);
}

/* claim.pos: the place of service, two digits (the checker looks it up in
 * the CMS code set). Anything else is an input error. */
int rc_claim_pos_valid(const char *pos)
{
  return strlen(pos) == 2 && pos[0] >= '0' && pos[0] <= '9' && pos[1] >= '0' && pos[1] <= '9';
}

static void read_pos(const char *pos, rc_claim *claim, rc_findings *f)
{
  rc_finding *x;
  if (!pos[0]) return;
  if (rc_claim_pos_valid(pos)) {
    memcpy(claim->pos, pos, 3);
    return;
  }
  x = input(f, 0, RC_DENY, NULL);
  snprintf(x->message, sizeof x->message, "claim.pos '%.*s' is not a place-of-service code (two digits, e.g. 11 or 22)", rc_utf8_cut(pos, 20), pos);
  snprintf(x->fix, sizeof x->fix, "give claim.pos as the two-digit CMS place-of-service code of the professional claim");
}

int rc_claim_type(const char *setting)
{
  int type = rc_setting_of(setting);
  return type == RC_SET_PRACTITIONER || type == RC_SET_HOSPITAL ? type : -1;
}

/* claim.setting is the claim type: practitioner (a professional claim, at
 * any place of service) or hospital (an institutional claim). The place of
 * service never changes it: a claim that gives only a place of service is a
 * professional claim (only those carry one), and one that gives neither is
 * assumed professional with a warning. */
static void read_setting(lua_State *L, int idx, rc_claim *claim, rc_findings *f)
{
  char setting[32] = "", pos[8] = "";
  int by_name = -1;
  rc_finding *x;
  read_text(L, idx, "setting", setting, sizeof setting, f);
  read_text(L, idx, "pos", pos, sizeof pos, f);
  if (setting[0] && (by_name = rc_claim_type(setting)) < 0) {
    x = input(f, 0, RC_DENY, NULL);
    snprintf(x->message, sizeof x->message,
             "claim.setting '%.*s' is not practitioner or hospital; edits assumed practitioner (a professional claim)", rc_utf8_cut(setting, 20), setting);
    snprintf(x->fix, sizeof x->fix, "set claim.setting to the claim type: practitioner (CMS-1500 / 837P) or hospital (UB-04 / 837I)");
    by_name = -1;
  }
  read_pos(pos, claim, f);
  claim->setting = by_name > 0 ? by_name : RC_SET_PRACTITIONER;
  if (!setting[0] && !pos[0]) {
    x = input(f, 0, RC_WARN, NULL);
    snprintf(x->message, sizeof x->message, "claim gives no setting or place of service; practitioner assumed");
    snprintf(x->fix, sizeof x->fix, "set claim.setting (practitioner or hospital) or claim.pos");
  } else if (!setting[0] && claim->pos[0]) {
    x = input(f, 0, RC_INFO, NULL);
    snprintf(x->message, sizeof x->message,
             "claim gives a place of service but no setting: a professional (practitioner) claim was assumed, since only professional claims carry a place of service");
    snprintf(x->fix, sizeof x->fix, "set claim.setting to the claim type: practitioner (CMS-1500 / 837P) or hospital (UB-04 / 837I)");
  }
}

/* ICD-10-CM: a letter, two characters, then up to four more after an
 * optional dot. Writes it upper case without the dot. */
int rc_claim_normalize_dx(const char *s, size_t len, char out[8])
{
  size_t i, n = 0;
  for (i = 0; i < len && n < 7; i++) {
    char c = s[i];
    if (c == '.' && i == 3) continue;
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    out[n++] = c;
  }
  out[n] = '\0';
  return i == len && n >= 3 && out[0] >= 'A' && out[0] <= 'Z' && out[1] >= '0' && out[1] <= '9';
}

static void read_diagnosis(lua_State *L, rc_claim *claim, int i, rc_findings *f)
{
  size_t len = 0;
  const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  char *out = claim->diag[claim->ndiag++];
  if (s == NULL || !rc_claim_normalize_dx(s, len, out)) {
    rc_finding *x = input(f, 0, RC_DENY, NULL);
    out[0] = '\0';
    if (s == NULL)
      snprintf(x->message, sizeof x->message, "diagnosis %d must be a string, got %s", i, luaL_typename(L, -1));
    else
      snprintf(x->message, sizeof x->message, "diagnosis %d '%.*s' is not an ICD-10-CM code", i, rc_utf8_cut(s, 20), s);
    snprintf(x->fix, sizeof x->fix, "give ICD-10-CM codes such as C61 or C50.912");
  }
}

static void read_diagnoses(lua_State *L, int idx, rc_claim *claim, rc_findings *f)
{
  int type = raw_field(L, idx, "diagnoses");
  lua_Integer i, n;
  if (type == LUA_TTABLE) {
    n = (lua_Integer)lua_rawlen(L, -1);
    check_list(L, lua_gettop(L), n, "claim.diagnoses", f, 0);
    for (i = 1; i <= n && i <= RC_MAX_DIAGNOSES; i++) {
      lua_rawgeti(L, -1, i);
      read_diagnosis(L, claim, (int)i, f);
      lua_pop(L, 1);
    }
    if (n > RC_MAX_DIAGNOSES) {
      rc_finding *x = input(f, 0, RC_DENY, NULL);
      snprintf(x->message, sizeof x->message, "claim has %lld diagnoses; only the first %d were read",
               (long long)n, RC_MAX_DIAGNOSES);
      snprintf(x->fix, sizeof x->fix, "split the claim: a claim carries at most %d diagnoses", RC_MAX_DIAGNOSES);
    }
  } else if (type != LUA_TNIL) {
    rc_finding *x = input(f, 0, RC_DENY, NULL);
    snprintf(x->message, sizeof x->message, "claim.diagnoses must be a list, got %s", luaL_typename(L, -1));
  }
  lua_pop(L, 1);
}

static rc_finding *line_input(rc_findings *f, rc_line *line, const char *fix)
{
  rc_finding *x = input(f, line->index, RC_DENY, line->code[0] ? line->code : NULL);
  snprintf(x->fix, sizeof x->fix, "%s", fix);
  line->usable = 0;
  return x;
}

static void read_code(lua_State *L, int idx, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx);
  size_t len;
  const char *s = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  if (s != NULL && rc_code_normalize(s, len, line->code) != RC_CODE_MALFORMED) {
    line->key = rc_code_key(line->code);
    line->ptp_key = rc_ptp_key(line->key);
    lua_pop(L, 1);
    return;
  }
  line->code[0] = '\0';
  if (type == LUA_TNIL)
    snprintf(line_input(f, line, "give the line a CPT/HCPCS code")->message, 256, "line %d has no code", line->index);
  else if (s == NULL)
    snprintf(line_input(f, line, "give the code as text, e.g. \"77407\"")->message, 256,
             "line %d: code must be a string, got %s", line->index, luaL_typename(L, -1));
  else
    snprintf(line_input(f, line, "a code is five digits (77407) or a letter and four digits (G6003)")->message,
             256, "line %d: malformed code '%.*s'", line->index, rc_utf8_cut(s, 20), s);
  lua_pop(L, 1);
}

static void read_date(lua_State *L, int idx, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx);
  size_t len;
  const char *s = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  rc_date_result r = s ? rc_date_parse(s, len, &line->day) : RC_DATE_MALFORMED;
  const char *fix = "give the date of service as YYYY-MM-DD";
  if (r == RC_DATE_OK) {
    memcpy(line->date, s, RC_DATE_LEN);   /* a date that parses is in ISO form already */
    line->date[RC_DATE_LEN] = '\0';
    if (strcmp(line->date, RC_FIRST_DOS) >= 0) {
      lua_pop(L, 1);
      return;
    }
    snprintf(line_input(f, line, "radcode checks dates of service from 2015-01-01")->message, 256,
             "line %d: date %s is before %s", line->index, line->date, RC_FIRST_DOS);
  } else if (type == LUA_TNIL) {
    snprintf(line_input(f, line, fix)->message, 256, "line %d has no date of service", line->index);
  } else if (s == NULL) {
    snprintf(line_input(f, line, fix)->message, 256, "line %d: date must be a string, got %s",
             line->index, luaL_typename(L, -1));
  } else {
    snprintf(line_input(f, line, fix)->message, 256, "line %d: %s date '%.*s'", line->index,
             r == RC_DATE_IMPOSSIBLE ? "impossible" : "malformed", rc_utf8_cut(s, 20), s);
  }
  line->date[0] = '\0';
  lua_pop(L, 1);
}

static void read_units(lua_State *L, int idx, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx), isint = 0;
  lua_Integer n = type == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
  line->units = 1;
  if (type == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (isint && n >= 1 && n <= 9999) {
    line->units = (long)n;
  } else {
    rc_finding *x = line_input(f, line, "units are a whole number from 1 to 9999");
    if (type == LUA_TNUMBER)
      snprintf(x->message, sizeof x->message, "line %d: units must be a whole number from 1 to 9999, got %s",
               line->index, lua_tostring(L, -1));
    else
      snprintf(x->message, sizeof x->message, "line %d: units must be a number, got %s", line->index,
               luaL_typename(L, -1));
  }
  lua_pop(L, 1);
}

/* A modifier is two letters or digits; stored upper case. */
int rc_claim_normalize_modifier(const char *s, size_t len, char out[4])
{
  size_t i;
  if (len != 2) return 0;
  for (i = 0; i < 2; i++) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    out[i] = c;
  }
  out[2] = '\0';
  return 1;
}

static void read_modifier(lua_State *L, rc_line *line, int i, rc_findings *f)
{
  size_t len = 0;
  const char *s = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  char mod[4];
  if (s != NULL && rc_claim_normalize_modifier(s, len, mod)) {
    if (line->nmods < RC_MAX_MODIFIERS) memcpy(line->mods[line->nmods++], mod, 3);
    return;
  }
  snprintf(line_input(f, line, "a modifier is two letters or digits, e.g. 26 or XS")->message, 256,
           "line %d: modifier %d %s%.*s%s is malformed", line->index, i, s ? "'" : "(",
           rc_utf8_cut(s ? s : luaL_typename(L, -1), 20), s ? s : luaL_typename(L, -1), s ? "'" : ")");
  line->usable = 1;   /* a bad modifier does not hide the line from the edits */
}

/* A list longer than a line may carry: only the first max were read. */
static void too_many(rc_findings *f, rc_line *line, lua_Integer n, int max, const char *what)
{
  char fix[64];
  snprintf(fix, sizeof fix, "give a line at most %d %s", max, what);
  snprintf(line_input(f, line, fix)->message, 256, "line %d has %lld %s; only the first %d were read",
           line->index, (long long)n, what, max);
}

static void read_modifiers(lua_State *L, int idx, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx);
  lua_Integer i, n;
  if (type == LUA_TTABLE) {
    n = (lua_Integer)lua_rawlen(L, -1);
    line->mods_given = (long)n;
    check_list(L, lua_gettop(L), n, "modifiers", f, line->index);
    for (i = 1; i <= n && i <= RC_MAX_MODIFIERS; i++) {
      lua_rawgeti(L, -1, i);
      read_modifier(L, line, (int)i, f);
      lua_pop(L, 1);
    }
    if (n > RC_MAX_MODIFIERS) too_many(f, line, n, RC_MAX_MODIFIERS, "modifiers");
  } else if (type != LUA_TNIL) {
    snprintf(line_input(f, line, "give modifiers as a list, e.g. {\"26\"}")->message, 256,
             "line %d: modifiers must be a list, got %s", line->index, luaL_typename(L, -1));
    line->usable = 1;
  }
  lua_pop(L, 1);
}

static void read_pointer(lua_State *L, const rc_claim *claim, rc_line *line, int i, rc_findings *f)
{
  int isint = 0;
  lua_Integer p = lua_type(L, -1) == LUA_TNUMBER ? lua_tointegerx(L, -1, &isint) : 0;
  if (isint && p >= 1 && p <= claim->ndiag) {
    if (line->ndx < RC_MAX_LINE_DX) line->dx[line->ndx++] = (int)p;
    return;
  }
  if (isint)
    snprintf(line_input(f, line, "point at a diagnosis of claim.diagnoses by its position")->message, 256,
             "line %d points at diagnosis %lld; the claim has %d", line->index, (long long)p, claim->ndiag);
  else
    snprintf(line_input(f, line, "diagnosis pointers are whole numbers")->message, 256,
             "line %d: diagnosis pointer %d must be a whole number, got %s", line->index, i,
             luaL_typename(L, -1));
  line->usable = 1;
}

static void read_pointers(lua_State *L, int idx, const rc_claim *claim, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx);
  lua_Integer i, n;
  if (type == LUA_TTABLE) {
    n = (lua_Integer)lua_rawlen(L, -1);
    check_list(L, lua_gettop(L), n, "dx", f, line->index);
    for (i = 1; i <= n && i <= RC_MAX_LINE_DX; i++) {
      lua_rawgeti(L, -1, i);
      read_pointer(L, claim, line, (int)i, f);
      lua_pop(L, 1);
    }
    if (n > RC_MAX_LINE_DX) too_many(f, line, n, RC_MAX_LINE_DX, "diagnosis pointers");
  } else if (type != LUA_TNIL) {
    snprintf(line_input(f, line, "give dx as a list of positions, e.g. {1}")->message, 256,
             "line %d: dx must be a list, got %s", line->index, luaL_typename(L, -1));
    line->usable = 1;
  }
  lua_pop(L, 1);
}

/* line.charge: a number, at least 0 (not used by the edits, but checked). */
static void read_charge(lua_State *L, int idx, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx);
  lua_Number v = type == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
  const char *fix = "give the charge as a number of dollars, e.g. 125.50";
  if (type == LUA_TNUMBER && !(v >= 0 && v <= 1e12))
    snprintf(line_input(f, line, fix)->message, 256, "line %d: charge %.*s is not an amount from 0 up",
             line->index, rc_utf8_cut(lua_tostring(L, -1), 20), lua_tostring(L, -1));
  else if (type != LUA_TNUMBER && type != LUA_TNIL)
    snprintf(line_input(f, line, fix)->message, 256, "line %d: charge must be a number, got %s",
             line->index, luaL_typename(L, -1));
  lua_pop(L, 1);
}

/* line.npi: the rendering provider's NPI, text of at most 15 characters. */
static void read_line_npi(lua_State *L, int idx, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx);
  size_t len = 0;
  const char *s = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  const char *fix = "give the NPI as its ten digits, e.g. \"1234567893\"";
  if (s != NULL && (len > 15 || strlen(s) != len))
    snprintf(line_input(f, line, fix)->message, 256, "line %d: npi is not an NPI (%zu characters)",
             line->index, len);
  else if (s == NULL && type != LUA_TNIL && !(type == LUA_TNUMBER && lua_isinteger(L, -1)))
    snprintf(line_input(f, line, fix)->message, 256, "line %d: npi must be a string, got %s",
             line->index, luaL_typename(L, -1));
  lua_pop(L, 1);
}

/* line.revenue: the UB-04 revenue code of an institutional line, four
 * digits (three are read with a leading zero). */
static void read_revenue(lua_State *L, int idx, rc_line *line, rc_findings *f)
{
  int type = slot_value(L, idx), ok = 1;
  size_t len = 0, i;
  const char *s = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
  for (i = 0; s != NULL && i < len; i++) ok = ok && s[i] >= '0' && s[i] <= '9';
  if (s != NULL && ok && (len == 3 || len == 4)) {
    snprintf(line->revenue, sizeof line->revenue, "%s%s", len == 3 ? "0" : "", s);
  } else if (type != LUA_TNIL) {
    rc_finding *x = input(f, line->index, RC_DENY, line->code[0] ? line->code : NULL);
    snprintf(x->message, sizeof x->message, "line %d: revenue code %s%.*s%s is not four digits", line->index,
             s ? "'" : "(", rc_utf8_cut(s ? s : luaL_typename(L, -1), 20), s ? s : luaL_typename(L, -1), s ? "'" : ")");
    snprintf(x->fix, sizeof x->fix, "give the UB-04 revenue code as four digits, e.g. \"0333\"");
  }
  lua_pop(L, 1);
}

/* Reads the line table on top of the stack. Code, date and units decide
 * whether the line is usable; each reader records its own findings. */
static void read_line(lua_State *L, const rc_claim *claim, rc_line *line, rc_findings *f)
{
  int idx = lua_gettop(L), usable, slot;
  if (lua_type(L, idx) != LUA_TTABLE) {
    snprintf(line_input(f, line, "each line is a table with code, date and units")->message, 256,
             "line %d must be a table, got %s", line->index, luaL_typename(L, idx));
    return;
  }
  slot = collect_fields(L, idx, line_keys, LINE_FIELDS_READ, f, line->index);
  read_code(L, slot, line, f);
  usable = line->usable;
  read_date(L, slot + 1, line, f);
  usable = usable && line->usable;
  read_units(L, slot + 2, line, f);
  usable = usable && line->usable;
  read_modifiers(L, slot + 3, line, f);
  read_pointers(L, slot + 4, claim, line, f);
  read_charge(L, slot + 5, line, f);
  read_line_npi(L, slot + 6, line, f);
  read_revenue(L, slot + 7, line, f);
  line->usable = usable;
  lua_settop(L, idx);
}

static void read_lines(lua_State *L, int idx, rc_claim *claim, rc_findings *f, int max_lines)
{
  int type = raw_field(L, idx, "lines"), i, n;
  rc_finding *x;
  n = type == LUA_TTABLE ? (int)(lua_rawlen(L, -1) < 1000000 ? lua_rawlen(L, -1) : 1000000) : 0;
  if (type == LUA_TTABLE && n <= max_lines) check_list(L, lua_gettop(L), n, "claim.lines", f, 0);
  if (n == 0 || n > max_lines) {
    x = input(f, 0, RC_DENY, NULL);
    if (n > max_lines)
      snprintf(x->message, sizeof x->message, "claim has %d lines, more than the limit of %d; it was not checked",
               n, max_lines);
    else if (type == LUA_TNIL || type == LUA_TTABLE)
      snprintf(x->message, sizeof x->message, "claim has no lines");
    else
      snprintf(x->message, sizeof x->message, "claim.lines must be a list, got %s", luaL_typename(L, -1));
    snprintf(x->fix, sizeof x->fix, n > max_lines ? "split the claim" : "give claim.lines as a list of lines");
    lua_pop(L, 1);
    return;
  }
  if (n <= RC_INLINE_LINES) {   /* the claim's own storage: nothing to allocate */
    claim->lines = claim->inline_lines;
    lua_pushnil(L);
  } else {
    claim->lines = lua_newuserdatauv(L, (size_t)n * sizeof *claim->lines, 0);
  }
  memset(claim->lines, 0, (size_t)n * sizeof *claim->lines);
  lua_insert(L, -2);   /* keep the storage (or nil) below the lines table, on the stack */
  for (i = 0; i < n; i++) {
    claim->lines[i].index = i + 1;
    claim->lines[i].usable = 1;
    lua_rawgeti(L, -1, i + 1);
    read_line(L, claim, &claim->lines[i], f);
    lua_pop(L, 1);
  }
  claim->nlines = n;
  lua_pop(L, 1);
}

static rc_severity severity_named(const char *s)
{
  if (s && strcmp(s, "review") == 0) return RC_REVIEW;
  if (s && strcmp(s, "warn") == 0) return RC_WARN;
  if (s && strcmp(s, "info") == 0) return RC_INFO;
  return RC_DENY;
}

/* One of claim.problems (on top of the stack), as an input finding. */
static void read_problem(lua_State *L, rc_claim *claim, rc_findings *f)
{
  int idx = lua_gettop(L), isint = 0;
  lua_Integer line;
  rc_finding *x;
  if (lua_type(L, idx) != LUA_TTABLE) return;
  raw_field(L, idx, "severity");
  raw_field(L, idx, "line");
  line = lua_tointegerx(L, -1, &isint);
  x = input(f, isint && line >= 1 && line <= claim->nlines ? (int)line : 0,
            severity_named(lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL), NULL);
  if (raw_field(L, idx, "message") == LUA_TSTRING) snprintf(x->message, sizeof x->message, "%s", lua_tostring(L, -1));
  if (raw_field(L, idx, "fix") == LUA_TSTRING) snprintf(x->fix, sizeof x->fix, "%s", lua_tostring(L, -1));
  snprintf(x->rule, sizeof x->rule, "input: claim reader");
  lua_settop(L, idx);
}

/* claim.problems: what a claim reader (X12, FHIR) could not read. */
static void read_problems(lua_State *L, int idx, rc_claim *claim, rc_findings *f)
{
  lua_Integer i, n;
  int type = raw_field(L, idx, "problems");
  if (type == LUA_TTABLE) {
    n = (lua_Integer)lua_rawlen(L, -1);
    for (i = 1; i <= n && i <= 1000; i++) {
      lua_rawgeti(L, -1, i);
      read_problem(L, claim, f);
      lua_pop(L, 1);
    }
  } else if (type != LUA_TNIL) {
    rc_finding *x = input(f, 0, RC_WARN, NULL);
    snprintf(x->message, sizeof x->message, "claim.problems must be a list, got %s; not used", luaL_typename(L, -1));
    snprintf(x->fix, sizeof x->fix, "give claim.problems as a list of {message =, fix =, severity =, line =}");
  }
  lua_pop(L, 1);
}

/* Reads the claim at idx (a table: the caller checked). Leaves one value on
 * the stack (the lines' storage) that must stay while the claim is used. */
void rc_claim_read(lua_State *L, int idx, rc_claim *claim, rc_findings *f, int max_lines)
{
  char npi[16], provider[16];
  int i;
  idx = lua_absindex(L, idx);
  memset(claim, 0, offsetof(rc_claim, inline_lines));   /* read_lines clears the lines it uses */
  lua_pushnil(L);   /* placeholder when the claim has no usable lines */
  collect_fields(L, idx, claim_keys, 0, f, 0);   /* only notes unknown keys */
  read_text(L, idx, "id", claim->id, sizeof claim->id, f);
  read_text(L, idx, "patient", claim->patient, sizeof claim->patient, f);
  read_text(L, idx, "course", claim->course, sizeof claim->course, f);
  read_text(L, idx, "payer", claim->payer, sizeof claim->payer, f);
  read_text(L, idx, "authorization", claim->authorization, sizeof claim->authorization, f);
  read_text(L, idx, "npi", npi, sizeof npi, f);
  read_text(L, idx, "contractor", claim->contractor, sizeof claim->contractor, f);
  read_text(L, idx, "state", claim->state, sizeof claim->state, f);
  for (i = 0; claim->state[i]; i++) claim->state[i] = (char)toupper((unsigned char)claim->state[i]);
  read_setting(L, idx, claim, f);
  read_diagnoses(L, idx, claim, f);
  read_text(L, idx, "provider", provider, sizeof provider, f);
  read_lines(L, idx, claim, f, max_lines);
  read_problems(L, idx, claim, f);
  if (claim->lines != NULL) lua_remove(L, -2);   /* the storage replaces the placeholder */
}

int rc_line_has_modifier(const rc_line *line, const char *modifier)
{
  int i;
  for (i = 0; i < line->nmods; i++)
    if (strcmp(line->mods[i], modifier) == 0) return 1;
  return 0;
}
