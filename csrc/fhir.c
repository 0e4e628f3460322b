/* fhir.c: FHIR R4 `Claim` resources (alone or every Claim entry of a
 * `Bundle`), decoded by radcode's strict JSON parser, as radcode claim
 * tables (core.fhir_claims). The mapping:
 *   Claim.id -> id; type professional | institutional -> setting
 *   (practitioner | hospital); patient -> patient; insurer -> payer (lower
 *   case); provider.identifier (NPI system) -> provider; subType (CMS bill
 *   type) -> bill_type; insurance.preAuthRef -> authorization;
 *   diagnosis[].diagnosisCodeableConcept (ICD-10-CM) -> diagnoses, by
 *   sequence; item[] -> lines: productOrService (CPT or HCPCS system) ->
 *   code, modifier -> modifiers, servicedDate / servicedPeriod.start ->
 *   date, quantity.value -> units, diagnosisSequence -> dx,
 *   locationCodeableConcept -> pos, revenue -> revenue, net -> charge.
 * What cannot be read becomes one of claim.problems (an input finding).
 * Tables are read raw; every value's type is checked (a field of the wrong
 * type reads as absent). Messages are formatted on the C stack; nothing is
 * malloc'd. */
#include "fhir.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>

static const char *const code_systems[] = {
  "http://www.ama-assn.org/go/cpt",
  "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
  "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
  "urn:oid:2.16.840.1.113883.6.285",
  NULL
};

static const char *const dx_systems[] = {
  "http://hl7.org/fhir/sid/icd-10-cm", "http://hl7.org/fhir/sid/icd-10", NULL
};

static const char npi_system[] = "http://hl7.org/fhir/sid/us-npi";

/* ---- reading decoded JSON ------------------------------------------- */

/* Pushes t[key] of the value at idx (nil unless it is a table). */
static int get(lua_State *L, int idx, const char *key)
{
  if (lua_type(L, idx) != LUA_TTABLE) {
    lua_pushnil(L);
    return LUA_TNIL;
  }
  lua_pushstring(L, key);
  return lua_rawget(L, idx < 0 ? idx - 1 : idx);
}

static int geti(lua_State *L, int idx, lua_Integer i)
{
  if (lua_type(L, idx) != LUA_TTABLE) {
    lua_pushnil(L);
    return LUA_TNIL;
  }
  return lua_rawgeti(L, idx, i);
}

/* Pushes the value at the end of a path of keys ("a.b.c"). */
static int path(lua_State *L, int idx, const char *keys)
{
  char key[64];
  int type;
  lua_pushvalue(L, idx);
  type = lua_type(L, -1);
  while (*keys) {
    size_t n = strcspn(keys, ".");
    snprintf(key, sizeof key, "%.*s", (int)n, keys);
    type = get(L, -1, key);
    lua_remove(L, -2);
    keys += n + (keys[n] == '.');
  }
  return type;
}

/* Pushes the first coding of the CodeableConcept at concept.key. */
static void coding(lua_State *L, int idx, const char *key)
{
  char at[80];
  snprintf(at, sizeof at, "%s.coding", key);
  path(L, idx, at);
  geti(L, -1, 1);
  lua_remove(L, -2);
}

/* The string at the top, or NULL (the value stays on the stack). */
static const char *text_top(lua_State *L)
{
  return lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
}

/* Like Lua's tostring, for messages: strings, numbers, booleans, nil. */
static const char *shown(lua_State *L, int idx, char *buf, size_t size)
{
  switch (lua_type(L, idx)) {
  case LUA_TSTRING: snprintf(buf, size, "%s", lua_tostring(L, idx)); break;
  case LUA_TNUMBER:
    if (lua_isinteger(L, idx)) snprintf(buf, size, LUA_INTEGER_FMT, lua_tointeger(L, idx));
    else snprintf(buf, size, "%.14g", lua_tonumber(L, idx));
    break;
  case LUA_TBOOLEAN: snprintf(buf, size, "%s", lua_toboolean(L, idx) ? "true" : "false"); break;
  case LUA_TNIL: snprintf(buf, size, "nil"); break;
  default: snprintf(buf, size, "(%s)", luaL_typename(L, idx));
  }
  return buf;
}

static int listed(const char *s, const char *const list[])
{
  int i;
  for (i = 0; s != NULL && list[i] != NULL; i++)
    if (strcmp(s, list[i]) == 0) return 1;
  return 0;
}

/* Sets claim[key] (the table at idx) to the value on top, popping it. */
static void set(lua_State *L, int idx, const char *key)
{
  lua_setfield(L, idx, key);
}

/* ---- problems ------------------------------------------------------ */

/* Appends {line =, severity =, message = "fhir: ...", fix =} to
 * claim.problems (the claim at idx). */
static void problem(lua_State *L, int claim, int line, const char *severity, const char *fix, const char *fmt, ...)
{
  char message[256] = "fhir: ";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(message + 6, sizeof message - 6, fmt, ap);
  va_end(ap);
  if (lua_getfield(L, claim, "problems") != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, claim, "problems");
  }
  lua_createtable(L, 0, 4);
  if (line > 0) {
    lua_pushinteger(L, line);
    lua_setfield(L, -2, "line");
  }
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  lua_pushstring(L, fix);
  lua_setfield(L, -2, "fix");
  lua_pushstring(L, severity);
  lua_setfield(L, -2, "severity");
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 1);
}

/* ---- claim fields ---------------------------------------------------- */

/* Pushes a Reference as text: its identifier's value, else the reference
 * (a contained "#id" without the #), else its display; or nil. */
static void reference(lua_State *L, int idx, const char *key)
{
  char at[64];
  const char *s;
  snprintf(at, sizeof at, "%s.identifier.value", key);
  path(L, idx, at);
  if (text_top(L)) return;
  lua_pop(L, 1);
  snprintf(at, sizeof at, "%s.reference", key);
  path(L, idx, at);
  if ((s = text_top(L)) != NULL) {
    if (s[0] == '#') {
      lua_pushstring(L, s + 1);
      lua_remove(L, -2);
    }
    return;
  }
  lua_pop(L, 1);
  snprintf(at, sizeof at, "%s.display", key);
  path(L, idx, at);
  if (!text_top(L)) {
    lua_pop(L, 1);
    lua_pushnil(L);
  }
}

static void read_setting(lua_State *L, int res, int claim)
{
  char code[64];
  const char *s;
  coding(L, res, "type");
  get(L, -1, "code");
  s = text_top(L);
  if (s && strcmp(s, "professional") == 0) lua_pushliteral(L, "practitioner");
  else if (s && strcmp(s, "institutional") == 0) lua_pushliteral(L, "hospital");
  else {
    problem(L, claim, 0, "deny", "give Claim.type professional (837P) or institutional (837I)",
            "Claim.type '%s' is not professional or institutional; radcode checks only those",
            shown(L, -1, code, sizeof code));
    lua_pushnil(L);
  }
  set(L, claim, "setting");
  lua_pop(L, 2);
}

/* The payer (insurer, lower case, at most 31 characters), the provider's
 * NPI, the first preAuthRef. */
static void read_payer(lua_State *L, int res, int claim)
{
  char payer[32];
  size_t i;
  const char *s;
  int top = lua_gettop(L);
  path(L, res, "insurer.display");
  if (!text_top(L)) {
    lua_pop(L, 1);
    reference(L, res, "insurer");
  }
  if ((s = text_top(L)) != NULL) {
    snprintf(payer, sizeof payer, "%s", s);
    for (i = 0; payer[i]; i++) payer[i] = (char)tolower((unsigned char)payer[i]);
    lua_pushstring(L, payer);
    set(L, claim, "payer");
  }
  lua_settop(L, top);
  path(L, res, "provider.identifier.system");
  s = text_top(L);
  if (s && strcmp(s, npi_system) == 0 && path(L, res, "provider.identifier.value") == LUA_TSTRING)
    set(L, claim, "provider");
  lua_settop(L, top);
  get(L, res, "insurance");
  for (i = 1; geti(L, top + 1, (lua_Integer)i) != LUA_TNIL; i++) {
    path(L, -1, "preAuthRef");
    geti(L, -1, 1);
    if (text_top(L)) {
      set(L, claim, "authorization");
      break;
    }
    lua_settop(L, top + 1);
  }
  lua_settop(L, top);
}

static void read_bill_type(lua_State *L, int res, int claim)
{
  const char *system;
  char lower[160];
  size_t i;
  int top = lua_gettop(L);
  if (lua_getfield(L, claim, "setting") == LUA_TSTRING && strcmp(lua_tostring(L, -1), "hospital") == 0) {
    coding(L, res, "subType");
    get(L, -1, "system");
    system = text_top(L);
    snprintf(lower, sizeof lower, "%s", system ? system : "");
    for (i = 0; lower[i]; i++) lower[i] = (char)tolower((unsigned char)lower[i]);
    if (system && strstr(lower, "billtype") && get(L, -2, "code") == LUA_TSTRING) set(L, claim, "bill_type");
  }
  lua_settop(L, top);
}

/* ---- diagnoses ---------------------------------------------------- */

typedef struct dx_entry { lua_Number seq; lua_Integer at; } dx_entry;

static int by_seq(const void *a, const void *b)
{
  const dx_entry *x = a, *y = b;
  if (x->seq != y->seq) return x->seq < y->seq ? -1 : 1;
  return x->at < y->at ? -1 : x->at > y->at;
}

/* One diagnosis (the table on top, sequence seq) into claim.diagnoses. */
static void diagnosis(lua_State *L, int claim, int list, lua_Number seq)
{
  const char *system;
  char n[32];
  snprintf(n, sizeof n, "%.14g", seq);
  get(L, -1, "diagnosisCodeableConcept");
  coding(L, -2, "diagnosisCodeableConcept");
  get(L, -1, "system");
  system = text_top(L);
  if (lua_type(L, -3) == LUA_TNIL)
    problem(L, claim, 0, "deny", "give the diagnosis as an ICD-10-CM code",
            "diagnosis %s is not a diagnosisCodeableConcept; it was not read", n);
  else if (system && !listed(system, dx_systems))
    problem(L, claim, 0, "deny", "give diagnoses as ICD-10-CM codes (system http://hl7.org/fhir/sid/icd-10-cm)",
            "diagnosis %s is of system %s, not ICD-10-CM", n, system);
  if (get(L, -2, "code") != LUA_TSTRING) {
    lua_pop(L, 1);
    lua_pushliteral(L, "");
  }
  lua_rawseti(L, list, (lua_Integer)lua_rawlen(L, list) + 1);
  lua_pop(L, 3);
}

/* claim.diagnoses in sequence order; pushes a table sequence -> position. */
static void read_diagnoses(lua_State *L, int res, int claim)
{
  lua_Integer i, n;
  dx_entry *e;
  int list, positions, diags;
  get(L, res, "diagnosis");
  diags = lua_gettop(L);
  n = lua_type(L, diags) == LUA_TTABLE ? (lua_Integer)lua_rawlen(L, diags) : 0;
  e = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *e, 0);
  for (i = 1; i <= n; i++) {
    int isnum = 0;
    geti(L, diags, i);
    get(L, -1, "sequence");
    e[i - 1].seq = lua_tonumberx(L, -1, &isnum);
    if (!isnum || e[i - 1].seq != e[i - 1].seq) e[i - 1].seq = (lua_Number)i;
    e[i - 1].at = i;
    lua_pop(L, 2);
  }
  qsort(e, (size_t)n, sizeof *e, by_seq);
  lua_createtable(L, (int)(n < 64 ? n : 64), 0);
  list = lua_gettop(L);
  lua_newtable(L);
  positions = lua_gettop(L);
  for (i = 0; i < n; i++) {
    geti(L, diags, e[i].at);
    diagnosis(L, claim, list, e[i].seq);
    lua_pop(L, 1);
    lua_pushnumber(L, e[i].seq);
    lua_pushinteger(L, (lua_Integer)lua_rawlen(L, list));
    lua_rawset(L, positions);
  }
  lua_pushvalue(L, list);
  set(L, claim, "diagnoses");
  lua_replace(L, diags);   /* the positions replace the diagnosis list */
  lua_settop(L, diags);
}

/* ---- items ------------------------------------------------------------- */

/* The item's code: the first coding of the CPT or HCPCS system. */
static void item_code(lua_State *L, int claim, int item, int line, int n)
{
  char seq[32], code[64], system[160];
  lua_Integer i;
  path(L, item, "productOrService.coding");
  for (i = 1; geti(L, -1, i) != LUA_TNIL; i++) {
    get(L, -1, "system");
    if (listed(text_top(L), code_systems)) {
      if (get(L, -2, "code") == LUA_TSTRING) set(L, line, "code");
      else lua_pop(L, 1);
      lua_pop(L, 3);
      return;
    }
    lua_pop(L, 2);
  }
  lua_pop(L, 1);   /* the nil that ended the loop */
  geti(L, -1, 1);
  get(L, -1, "code");
  get(L, -2, "system");
  get(L, item, "sequence");
  problem(L, claim, n, "deny", "code the item with system http://www.ama-assn.org/go/cpt or the CMS HCPCS system",
          "item %s: productOrService %s of system %s is not CPT or HCPCS; the line was not read",
          shown(L, -1, seq, sizeof seq), shown(L, -3, code, sizeof code), shown(L, -2, system, sizeof system));
  lua_pop(L, 5);
}

static void item_modifiers(lua_State *L, int item, int line)
{
  lua_Integer i, k = 0;
  int top = lua_gettop(L);
  get(L, item, "modifier");            /* top + 1 */
  lua_newtable(L);                     /* top + 2 */
  for (i = 1; geti(L, top + 1, i) != LUA_TNIL; i++) {
    path(L, -1, "coding");
    geti(L, -1, 1);
    if (get(L, -1, "code") != LUA_TNIL) lua_rawseti(L, top + 2, ++k);
    lua_settop(L, top + 2);
  }
  lua_settop(L, top + 2);
  if (k > 0) set(L, line, "modifiers");
  lua_settop(L, top);
}

/* item.diagnosisSequence as positions in claim.diagnoses. */
static void item_dx(lua_State *L, int claim, int item, int line, int n, int positions)
{
  lua_Integer i, k = 0;
  int top = lua_gettop(L), found;
  char seq[32], s[32];
  get(L, item, "diagnosisSequence");   /* top + 1 */
  lua_newtable(L);                     /* top + 2 */
  for (i = 1; geti(L, top + 1, i) != LUA_TNIL; i++) {   /* top + 3: the sequence */
    found = 0;
    if (lua_type(L, -1) == LUA_TNUMBER) {
      lua_pushvalue(L, -1);
      found = lua_rawget(L, positions) != LUA_TNIL;
      if (!found) lua_pop(L, 1);
    }
    if (!found) {
      get(L, item, "sequence");
      problem(L, claim, n, "deny", "point diagnosisSequence at a Claim.diagnosis sequence",
              "item %s points at diagnosis %s, which the claim does not have", shown(L, -1, seq, sizeof seq),
              shown(L, -2, s, sizeof s));
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
    }
    lua_rawseti(L, top + 2, ++k);
    lua_settop(L, top + 2);
  }
  lua_settop(L, top + 2);
  if (k > 0) set(L, line, "dx");
  lua_settop(L, top);
}

/* Pushes a date, or the date part of a dateTime, or nil. */
static void day(lua_State *L, int idx, const char *keys)
{
  const char *s;
  path(L, idx, keys);
  s = text_top(L);
  if (s == NULL) {
    lua_pop(L, 1);
    lua_pushnil(L);
  } else if (strlen(s) > 10 && s[10] == 'T') {
    lua_pushlstring(L, s, 10);
    lua_remove(L, -2);
  }
}

/* The item's place of service: the claim's for a professional claim (the
 * first item's), an info problem when another item differs. */
static void item_pos(lua_State *L, int claim, int item, int line, int n)
{
  const char *pos, *claim_pos;
  char seq[32];
  coding(L, item, "locationCodeableConcept");
  get(L, -1, "code");
  if ((pos = text_top(L)) == NULL) {
    lua_pop(L, 2);
    return;
  }
  lua_pushvalue(L, -1);
  set(L, line, "pos");
  lua_getfield(L, claim, "setting");
  if (!(lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "hospital") == 0)) {
    lua_getfield(L, claim, "pos");
    claim_pos = text_top(L);
    if (claim_pos == NULL) {
      lua_pushvalue(L, -3);
      set(L, claim, "pos");
    } else if (strcmp(claim_pos, pos) != 0) {
      get(L, item, "sequence");
      problem(L, claim, n, "info", "send items of another place of service on their own claim",
              "item %s has place of service %s, the claim %s; radcode checks the claim's",
              shown(L, -1, seq, sizeof seq), pos, claim_pos);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 3);
}

/* Copies item.<keys> to line.<key> when it is of the type wanted (-1: any). */
static void copy_field(lua_State *L, int item, const char *keys, int line, const char *key, int type)
{
  int got = path(L, item, keys);
  if (got != LUA_TNIL && (type < 0 || got == type)) set(L, line, key);
  else lua_pop(L, 1);
}

/* Item n (on top of the stack) as line n of claim.lines (at lines). */
static void read_item(lua_State *L, int claim, int lines, int positions, int n)
{
  int item = lua_gettop(L), line;
  lua_createtable(L, 0, 10);
  line = lua_gettop(L);
  lua_createtable(L, 0, 1);
  get(L, item, "sequence");
  lua_setfield(L, -2, "item");
  set(L, line, "source");
  item_code(L, claim, item, line, n);
  item_modifiers(L, item, line);
  day(L, item, "servicedDate");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    day(L, item, "servicedPeriod.start");
  }
  set(L, line, "date");
  copy_field(L, item, "quantity.value", line, "units", -1);
  item_dx(L, claim, item, line, n, positions);
  item_pos(L, claim, item, line, n);
  coding(L, item, "revenue");
  copy_field(L, -1, "code", line, "revenue", LUA_TSTRING);
  lua_pop(L, 1);
  copy_field(L, item, "net.value", line, "charge", -1);
  lua_rawseti(L, lines, n);
}

/* Pushes one Claim resource (at res) as a claim table; entry is its
 * Bundle entry (0 alone). */
static void claim_of(lua_State *L, int res, lua_Integer entry)
{
  int claim, positions, lines, n;
  lua_createtable(L, 0, 12);
  claim = lua_gettop(L);
  if (get(L, res, "id") == LUA_TSTRING) {
    lua_pushvalue(L, -1);
    set(L, claim, "id");
  }
  lua_createtable(L, 0, 3);
  lua_pushliteral(L, "fhir");
  lua_setfield(L, -2, "format");
  lua_insert(L, -2);
  if (lua_type(L, -1) == LUA_TSTRING) lua_setfield(L, -2, "id");
  else lua_pop(L, 1);
  if (entry > 0) {
    lua_pushinteger(L, entry);
    lua_setfield(L, -2, "entry");
  }
  set(L, claim, "source");
  read_setting(L, res, claim);
  reference(L, res, "patient");
  set(L, claim, "patient");
  read_payer(L, res, claim);
  read_bill_type(L, res, claim);
  read_diagnoses(L, res, claim);
  positions = lua_gettop(L);
  lua_newtable(L);
  lines = lua_gettop(L);
  get(L, res, "item");
  for (n = 1; geti(L, -1, n) != LUA_TNIL; n++) {
    read_item(L, claim, lines, positions, n);
    lua_settop(L, lines + 1);
  }
  lua_settop(L, lines);
  set(L, claim, "lines");
  lua_settop(L, claim);
}

/* core.fhir_claims(doc) -> { claim, ... } | nil, "fhir: ..." */
int rc_fhir_claims(lua_State *L)
{
  const char *kind;
  lua_Integer i, k = 0;
  char msg[200];
  if (lua_type(L, 1) != LUA_TTABLE) {
    luaL_pushfail(L);
    lua_pushliteral(L, "fhir: the document is not a JSON object");
    return 2;
  }
  lua_settop(L, 1);
  get(L, 1, "resourceType");
  kind = text_top(L);
  lua_newtable(L);   /* 3: the claims */
  if (kind && strcmp(kind, "Claim") == 0) {
    claim_of(L, 1, 0);
    lua_rawseti(L, 3, 1);
    return 1;
  }
  if (!kind || strcmp(kind, "Bundle") != 0) {
    snprintf(msg, sizeof msg, "fhir: resourceType %s is not a Claim; radcode reads Claim resources or a Bundle of them%s",
             kind ? kind : "nil",
             kind && strcmp(kind, "ExplanationOfBenefit") == 0 ? " (an ExplanationOfBenefit is the payer's adjudication, not a claim)" : "");
    luaL_pushfail(L);
    lua_pushstring(L, msg);
    return 2;
  }
  get(L, 1, "entry");   /* 4 */
  for (i = 1; geti(L, 4, i) != LUA_TNIL; i++) {
    get(L, -1, "resource");
    get(L, -1, "resourceType");
    if (text_top(L) && strcmp(lua_tostring(L, -1), "Claim") == 0) {
      claim_of(L, lua_gettop(L) - 1, i);
      lua_rawseti(L, 3, ++k);
    }
    lua_settop(L, 4);
  }
  if (k == 0) {
    luaL_pushfail(L);
    lua_pushliteral(L, "fhir: the Bundle holds no Claim resource");
    return 2;
  }
  lua_settop(L, 3);
  return 1;
}
