/* opts.c: option tables. An options argument may be absent or nil; when it
 * is a table every key must be one the function knows. Options are read
 * raw, as claims are: an __index metamethod is not consulted (it could run
 * any code in the middle of a call), and a string read is kept referenced
 * until the call ends (rc_opts_begin/_end), even if a finalizer takes it
 * out of the table meanwhile. Typed getters raise
 * on a wrong type (a programming error), and on a string hiding a zero byte
 * (C would read only its start: a path "a.db\0b" would open a.db), and
 * return NULL/default when the key is absent. Dates and other values that
 * come from data are checked with rc_check_date, which pushes a message
 * instead of raising. Values quoted in messages are cut to a short, plain
 * form (rc_shown). */
#include "opts.h"

#include <stdarg.h>
#include <string.h>
#include <lauxlib.h>

static const char *const settings[] = {"practitioner", "hospital", NULL};

/* Like luaL_checklstring, but a number is a wrong type, not a string. */
const char *rc_check_string(lua_State *L, int arg, size_t *len)
{
  if (lua_type(L, arg) != LUA_TSTRING) luaL_typeerror(L, arg, "string");
  return lua_tolstring(L, arg, len);
}

static int has_options(lua_State *L, int idx)
{
  if (lua_isnoneornil(L, idx)) return 0;
  luaL_checktype(L, idx, LUA_TTABLE);
  return 1;
}

static int is_allowed(const char *key, const char *const allowed[])
{
  int i;
  for (i = 0; allowed[i] != NULL; i++)
    if (strcmp(key, allowed[i]) == 0) return 1;
  return 0;
}

/* Raises "unknown option 'k'" for a key the function does not know. */
void rc_opts_check(lua_State *L, int idx, const char *const allowed[])
{
  if (!has_options(L, idx)) return;
  lua_pushnil(L);
  while (lua_next(L, idx) != 0) {
    if (lua_type(L, -2) != LUA_TSTRING) luaL_argerror(L, idx, "option keys must be strings");
    if (!is_allowed(lua_tostring(L, -2), allowed))
      luaL_argerror(L, idx, lua_pushfstring(L, "unknown option '%s'", lua_tostring(L, -2)));
    lua_pop(L, 1);
  }
}

/* The address of this constant keys the registry's slot for the strings
 * options gave the running call. */
static const char anchors_key = 'a';

/* Starts a call's list of option strings: pushes the enclosing call's
 * list (or nil) for rc_opts_end, which must get its index. */
void rc_opts_begin(lua_State *L)
{
  lua_rawgetp(L, LUA_REGISTRYINDEX, &anchors_key);
  lua_pushnil(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &anchors_key);
}

/* Ends the call's list: the enclosing call's list at idx is current again. */
void rc_opts_end(lua_State *L, int idx)
{
  lua_pushvalue(L, idx);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &anchors_key);
}

/* Keeps the value on top of the stack referenced until the call ends. */
static void anchor(lua_State *L)
{
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &anchors_key) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &anchors_key);
  }
  lua_pushvalue(L, -2);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 1);
}

/* opts[key], read raw, pushed; returns its type. */
static int raw_field(lua_State *L, int idx, const char *key)
{
  idx = lua_absindex(L, idx);
  lua_pushstring(L, key);
  return lua_rawget(L, idx);
}

/* The string at opts[key] and its length, or NULL when absent. It stays
 * valid until the call ends (anchored). */
static const char *opts_lstring(lua_State *L, int idx, const char *key, size_t *len)
{
  const char *s = NULL;
  *len = 0;
  if (!has_options(L, idx)) return NULL;
  if (raw_field(L, idx, key) != LUA_TNIL) {
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, idx, lua_pushfstring(L, "option '%s' must be a string, got %s",
                                            key, luaL_typename(L, -1)));
    s = lua_tolstring(L, -1, len);
    anchor(L);
  }
  lua_pop(L, 1);
  return s;
}

/* The string at opts[key], or NULL when absent; raises when it hides a zero byte. */
const char *rc_opts_string(lua_State *L, int idx, const char *key)
{
  size_t len;
  const char *s = opts_lstring(L, idx, key, &len);
  if (s != NULL && strlen(s) != len)
    luaL_argerror(L, idx, lua_pushfstring(L, "option '%s' contains a zero byte", key));
  return s;
}

lua_Integer rc_opts_integer(lua_State *L, int idx, const char *key,
                            lua_Integer def, lua_Integer min, lua_Integer max)
{
  lua_Integer v = def;
  int isint = 0;
  if (!has_options(L, idx)) return def;
  if (raw_field(L, idx, key) != LUA_TNIL) {
    v = lua_tointegerx(L, -1, &isint);
    if (!isint || lua_type(L, -1) != LUA_TNUMBER)
      luaL_argerror(L, idx, lua_pushfstring(L, "option '%s' must be an integer", key));
    if (v < min || v > max)
      luaL_argerror(L, idx, lua_pushfstring(L, "option '%s' must be between %I and %I",
                                            key, min, max));
  }
  lua_pop(L, 1);
  return v;
}

/* opts.setting: one of practitioner, hospital (an enumeration: raises). */
const char *rc_opts_setting(lua_State *L, int idx, const char *def)
{
  const char *s = rc_opts_string(L, idx, "setting");
  char shown[RC_SHOWN_LEN];
  int i;
  if (s == NULL) return def;
  for (i = 0; settings[i] != NULL; i++)
    if (strcmp(s, settings[i]) == 0) return settings[i];
  luaL_argerror(L, idx, lua_pushfstring(L, "invalid setting '%s' (expected practitioner or hospital)",
                                        rc_shorten(s, shown)));
  return NULL;
}

/* Checks a date of service. On failure pushes the message and returns 0. */
int rc_check_date(lua_State *L, const char *s, size_t len, char iso[RC_DATE_LEN + 1])
{
  long day;
  char shown[RC_SHOWN_LEN];
  switch (rc_date_parse(s, len, &day)) {
  case RC_DATE_MALFORMED:
    lua_pushfstring(L, "malformed date '%s' (expected YYYY-MM-DD)", rc_shown(s, len, shown));
    return 0;
  case RC_DATE_IMPOSSIBLE:
    lua_pushfstring(L, "impossible date '%s'", rc_shown(s, len, shown));
    return 0;
  default:
    break;
  }
  rc_date_format(day, iso);
  if (strcmp(iso, RC_FIRST_DOS) < 0) {
    lua_pushfstring(L, "date %s is before %s, the first date of service radcode covers",
                    iso, RC_FIRST_DOS);
    return 0;
  }
  return 1;
}

/* opts.date, or today when absent. On a bad date pushes the message, returns 0. */
int rc_opts_date(lua_State *L, int idx, char iso[RC_DATE_LEN + 1])
{
  size_t len;
  const char *s = opts_lstring(L, idx, "date", &len);
  if (s == NULL) {
    rc_date_format(rc_date_today(), iso);
    return 1;
  }
  return rc_check_date(L, s, len, iso);
}

/* len bytes of s, fit to quote in a message: control bytes (a zero byte
 * too) become '?', and a long text is cut ("..." marks the cut). */
const char *rc_shown(const char *s, size_t len, char out[RC_SHOWN_LEN])
{
  size_t i, n = len < RC_SHOWN_LEN ? len : RC_SHOWN_LEN - 4;
  for (i = 0; i < n; i++) out[i] = (unsigned char)s[i] < 0x20 ? '?' : s[i];
  if (n < len) memcpy(out + n, "...", 4);
  else out[n] = '\0';
  return out;
}

/* The start of a string, cut to fit a message ("..." marks the cut). */
const char *rc_shorten(const char *s, char out[RC_SHOWN_LEN])
{
  return rc_shown(s, strlen(s), out);
}

/* Turns the message on top of the stack into the results nil, message. */
int rc_fail(lua_State *L)
{
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int rc_failf(lua_State *L, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return rc_fail(L);
}
