/* json.c: a small strict JSON codec for radcode.
**
** json_decode(s [, duplicates]) turns one RFC 8259 text into Lua values
** (a UTF-8 byte order mark before it is skipped): objects become
** tables with string keys, arrays sequences 1..n, null the json_null light
** userdata (kept in arrays and objects, so nothing is lost), numbers
** integers when they are written without fraction or exponent and fit a
** lua_Integer, floats otherwise.  Malformed text gives nil plus
** "json: <what> at line L, column C" (column counts bytes from 1).  A
** key given twice in one object keeps its last value; with a table
** `duplicates`, each such key appends "json: duplicate key 'K' at line L,
** column C; the last value is kept" to it, so readers can say so.
**
** json_encode(v [, pretty]) writes compact (or 2-space indented) JSON with
** object keys in sorted byte order, so equal values give equal text.  It
** raises "json: ..." for anything JSON cannot hold.  Tables are read raw:
** metatables are ignored.
*/
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lua.h>
#include <lauxlib.h>

#include "json.h"
#include "utf8.h"

#define MAXDEPTH 200
#define ISDIGIT(c) ((c) >= '0' && (c) <= '9')

#define utf8_len rc_utf8_len   /* utf8.c */


/* ---------------------------------------------------------------- decode */

/* Decoder state.  The input is a Lua string, so *end is always '\0':
** scanners stop on it without separate bounds checks, and every
** failure records a message and where it happened, then returns 0. */
typedef struct Dec {
  lua_State *L;
  const unsigned char *start, *p, *end;
  const unsigned char *errat;
  char what[64];
  int depth;
  int dups;   /* stack index of the duplicates list, or 0 */
  const char *str;   /* the string decode_string pushed last */
  size_t len;
} Dec;

static int fail(Dec *d, const unsigned char *at, const char *what) {
  d->errat = at;
  snprintf(d->what, sizeof d->what, "%s", what);
  return 0;
}

static const unsigned char *failp(Dec *d, const unsigned char *at,
                                  const char *what) {
  fail(d, at, what);
  return NULL;
}

/* Report the byte at d->p as unexpected, in words a person can act on. */
static int unexpected(Dec *d, const char *suffix) {
  unsigned c = *d->p;
  d->errat = d->p;
  if (d->p >= d->end)
    snprintf(d->what, sizeof d->what, "unexpected end of input");
  else if (c > 0x20 && c < 0x7F)
    snprintf(d->what, sizeof d->what, "unexpected character '%c'%s",
             (int)c, suffix);
  else
    snprintf(d->what, sizeof d->what, "unexpected byte 0x%02X%s", c, suffix);
  return 0;
}

/* A specific expectation was not met at d->p (or the input ended). */
static int expected(Dec *d, const char *what) {
  if (d->p >= d->end) return unexpected(d, "");
  return fail(d, d->p, what);
}

/* The line and column (bytes, from 1) of at. */
static void position(const Dec *d, const unsigned char *at, int *line, int *column) {
  const unsigned char *q, *line_start = d->start;
  *line = 1;
  for (q = d->start; q < at; q++)
    if (*q == '\n') { (*line)++; line_start = q + 1; }
  *column = (int)(at - line_start) + 1;
}

/* Push "json: <what> at line L, column C" for the recorded failure. */
static void push_error(Dec *d) {
  int line, column;
  position(d, d->errat, &line, &column);
  lua_pushfstring(d->L, "json: %s at line %d, column %d", d->what, line, column);
}

/* With a duplicates list: the key on top of the stack (at byte at) is
** already in its object, so the list says where. */
static void note_duplicate(Dec *d, const unsigned char *at) {
  lua_State *L = d->L;
  int line, column;
  const char *key;
  position(d, at, &line, &column);
  key = lua_tostring(L, -1);
  lua_pushfstring(L, "json: duplicate key '%s' at line %d, column %d; the last value is kept",
                  key, line, column);
  if (strlen(key) > 40) {   /* quote at most 40 bytes of the key, whole characters */
    lua_pop(L, 1);
    lua_pushfstring(L, "json: duplicate key '%s...' at line %d, column %d; the last value is kept",
                    lua_pushlstring(L, key, (size_t)rc_utf8_cut(key, 40)), line, column);
    lua_remove(L, -2);
  }
  lua_rawseti(L, d->dups, (lua_Integer)lua_rawlen(L, d->dups) + 1);
}

static void skip_ws(Dec *d) {
  const unsigned char *p = d->p;
  while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t') p++;
  d->p = p;
}

static int decode_value(Dec *d);

static int hexval(int c) {
  if (ISDIGIT(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The 4 hex digits at p as a number, or -1.  Stops at the first bad
** digit, so it never reads past the terminating '\0'. */
static long hex4(const unsigned char *p) {
  long v = 0;
  int i, h;
  for (i = 0; i < 4; i++) {
    if ((h = hexval(p[i])) < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

static void add_utf8(luaL_Buffer *b, unsigned long cp) {
  if (cp < 0x80) luaL_addchar(b, (char)cp);
  else if (cp < 0x800) {
    luaL_addchar(b, (char)(0xC0 | (cp >> 6)));
    luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    luaL_addchar(b, (char)(0xE0 | (cp >> 12)));
    luaL_addchar(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
  } else {
    luaL_addchar(b, (char)(0xF0 | (cp >> 18)));
    luaL_addchar(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
    luaL_addchar(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
    luaL_addchar(b, (char)(0x80 | (cp & 0x3F)));
  }
}

/* \uXXXX at p (pointing at the backslash), with a following \uXXXX when
** the first is a high surrogate.  Returns the position after it, or NULL. */
static const unsigned char *decode_u(Dec *d, const unsigned char *p,
                                     luaL_Buffer *b) {
  long cp = hex4(p + 2), lo;
  if (cp < 0) return failp(d, p, "invalid \\u escape");
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return failp(d, p, "unpaired surrogate in \\u escape");
  if (cp < 0xD800 || cp > 0xDBFF) {
    add_utf8(b, (unsigned long)cp);
    return p + 6;
  }
  if (p[6] != '\\' || p[7] != 'u' || (lo = hex4(p + 8)) < 0xDC00 ||
      lo > 0xDFFF)
    return failp(d, p, "unpaired surrogate in \\u escape");
  add_utf8(b, 0x10000 + (((unsigned long)cp - 0xD800) << 10) +
                  ((unsigned long)lo - 0xDC00));
  return p + 12;
}

/* One escape sequence at p (the backslash) into b; NULL on error. */
static const unsigned char *decode_escape(Dec *d, const unsigned char *p,
                                          luaL_Buffer *b) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *hit;
  if (p[1] == 'u') return decode_u(d, p, b);
  if (p[1] != '\0' && (hit = strchr(from, p[1])) != NULL) {
    luaL_addchar(b, to[hit - from]);
    return p + 2;
  }
  if (p + 1 >= d->end) return failp(d, p + 1, "unexpected end of input");
  return failp(d, p, "invalid escape in string");
}

/* A string at d->p (the opening quote), pushed as a Lua string.  Runs
** without escapes are pushed straight from the input; the first escape
** switches to a luaL_Buffer (nothing else is pushed while it is live). */
static int decode_string(Dec *d) {
  const unsigned char *p = d->p + 1, *run = p;
  luaL_Buffer b;
  int buffered = 0, n;
  for (;;) {
    unsigned c = *p;
    if (c == '"') break;
    if (c == '\\') {
      if (!buffered) { luaL_buffinit(d->L, &b); buffered = 1; }
      luaL_addlstring(&b, (const char *)run, (size_t)(p - run));
      if ((p = run = decode_escape(d, p, &b)) == NULL) return 0;
    } else if (c < 0x20) {
      if (p >= d->end) return fail(d, d->p, "unterminated string");
      return fail(d, p, "control character in string");
    } else if (c < 0x80) p++;
    else if ((n = utf8_len(p, d->end)) == 0)
      return fail(d, p, "invalid UTF-8 in string");
    else p += n;
  }
  if (buffered) {
    luaL_addlstring(&b, (const char *)run, (size_t)(p - run));
    luaL_pushresult(&b);
    d->str = lua_tolstring(d->L, -1, &d->len);
  } else {
    d->len = (size_t)(p - run);
    d->str = lua_pushlstring(d->L, (const char *)run, d->len);
  }
  d->p = p + 1;
  return 1;
}

/* Push the number text s[0..len), already checked against the JSON
** grammar.  Short integers are converted here; everything else goes
** through lua_stringtonumber, which keeps integers that fit and turns the
** rest into floats.  Floats that overflow to infinity are refused. */
static int push_number(Dec *d, const unsigned char *s, size_t len, int isint) {
  char buf[64];
  const char *text = buf;
  size_t ok;
  if (isint && len <= 18) {
    lua_Integer v = 0;
    const unsigned char *q = s + (*s == '-');
    while (q < s + len) v = v * 10 + (*q++ - '0');
    lua_pushinteger(d->L, *s == '-' ? -v : v);
    return 1;
  }
  if (len < sizeof buf) {
    memcpy(buf, s, len);
    buf[len] = '\0';
  } else text = lua_pushlstring(d->L, (const char *)s, len);
  ok = lua_stringtonumber(d->L, text);
  if (text != buf) lua_remove(d->L, -2);
  if (ok == 0) return fail(d, s, "malformed number");
  if (!lua_isinteger(d->L, -1) && isinf(lua_tonumber(d->L, -1)))
    return fail(d, s, "number out of range");
  return 1;
}

/* A number at d->p: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static int decode_number(Dec *d) {
  const unsigned char *s = d->p, *p = s;
  int isint = 1;
  if (*p == '-') p++;
  if (*p == '0') {
    if (ISDIGIT(p[1])) return fail(d, s, "leading zero in number");
    p++;
  } else if (ISDIGIT(*p)) {
    while (ISDIGIT(*p)) p++;
  } else return fail(d, s, "malformed number");
  if (*p == '.') {
    isint = 0;
    if (!ISDIGIT(p[1])) return fail(d, s, "malformed number");
    for (p++; ISDIGIT(*p); p++) {}
  }
  if (*p == 'e' || *p == 'E') {
    isint = 0;
    if (*++p == '+' || *p == '-') p++;
    if (!ISDIGIT(*p)) return fail(d, s, "malformed number");
    while (ISDIGIT(*p)) p++;
  }
  d->p = p;
  return push_number(d, s, (size_t)(p - s), isint);
}

/* true, false or null at d->p (which holds 't', 'f' or 'n'). */
static int decode_literal(Dec *d) {
  int c = *d->p;
  const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
  size_t len = strlen(word);
  if ((size_t)(d->end - d->p) < len || memcmp(d->p, word, len) != 0)
    return fail(d, d->p, "invalid literal");
  d->p += len;
  if (c == 'n') lua_pushlightuserdata(d->L, NULL);
  else lua_pushboolean(d->L, c == 't');
  return 1;
}

/* The members of an array or object wait on the stack, up to GATHER of
** them, above a slot kept for its table, so that the table is made at its
** final size: one made empty and filled key by key is resized again and
** again.  Past GATHER members the table is made for those and grows as
** the rest come, as it did. */
#define GATHER 32

/* Open an array or object: count the level, make room on the stack for
** the members it gathers, its table's slot and what one member needs on
** the way (*gather gets how many: 0 when the stack cannot grow that far,
** and the table is then made before the first), and push the slot.  So a
** level holds at most 2 * GATHER + 8 slots, whatever its size. */
static int enter(Dec *d, int *gather) {
  if (++d->depth > MAXDEPTH)
    return fail(d, d->p, "nesting deeper than 200");
  if (lua_checkstack(d->L, 2 * GATHER + 8)) *gather = GATHER;
  else {
    luaL_checkstack(d->L, 4, "json: nesting too deep");
    *gather = 0;
  }
  lua_pushnil(d->L);
  d->p++;
  skip_ws(d);
  return 1;
}

/* After a ',' inside a container: refuse "[1,]" and "{"a":1,}". */
static int no_trailing_comma(Dec *d, const unsigned char *comma, int close) {
  skip_ws(d);
  if (*d->p == close) return fail(d, comma, "trailing comma");
  return 1;
}

/* The values of an array wait on the stack above its slot t: make its
** table there, sized for them, and move them in as 1..n. */
static void make_array(lua_State *L, int t) {
  int i, n = lua_gettop(L) - t;
  lua_createtable(L, n, 0);
  lua_replace(L, t);
  for (i = n; i > 0; i--) lua_rawseti(L, t, i);
}

static int decode_array(Dec *d) {
  lua_State *L = d->L;
  int t, gather;
  lua_Integer n = 0;   /* values so far: the first gather wait, the rest go in */
  const unsigned char *comma;
  if (!enter(d, &gather)) return 0;
  t = lua_gettop(L);
  if (*d->p != ']') {
    for (;;) {
      if (n == gather) make_array(L, t);
      if (!decode_value(d)) return 0;
      if (++n > gather) lua_rawseti(L, -2, n);
      skip_ws(d);
      if (*d->p == ']') break;
      if (*d->p != ',') return expected(d, "expected ',' or ']'");
      comma = d->p++;
      if (!no_trailing_comma(d, comma, ']')) return 0;
    }
  }
  if (n <= gather) make_array(L, t);
  d->p++;
  d->depth--;
  return 1;
}

/* The members of an object wait on the stack above its slot t (key,
** value, key, value...): make its table there, sized for them, and move
** them in, in order, so a key given twice keeps its last value. */
static void make_object(lua_State *L, int t) {
  int i, top = lua_gettop(L);
  lua_createtable(L, 0, (top - t) / 2);
  lua_replace(L, t);
  for (i = t + 1; i < top; i += 2) {
    lua_pushvalue(L, i);
    lua_pushvalue(L, i + 1);
    lua_rawset(L, t);
  }
  lua_settop(L, t);
}

/* One of 64 bits for the string s[0..len), from its length and end bytes. */
static uint64_t key_bit(const char *s, size_t len) {
  const unsigned char *u = (const unsigned char *)s;
  if (len == 0) return 1;
  return (uint64_t)1 << ((len * 31 + u[0] * 7u + u[len - 1]) & 63);
}

/* Whether the key just decoded, on top of the stack, is already in its
** object: among the keys gathered from stack index first on, or with
** first == 0, in the table just below the key.  *seen has the key_bit of
** each gathered key set: a key whose bit is clear is new, and the
** gathered keys need no comparing. */
static int is_duplicate(Dec *d, int first, uint64_t *seen) {
  lua_State *L = d->L;
  int i, top = lua_gettop(L), present;
  uint64_t bit;
  if (first == 0) {
    lua_pushvalue(L, -1);
    present = lua_rawget(L, -3) != LUA_TNIL;
    lua_pop(L, 1);
    return present;
  }
  bit = key_bit(d->str, d->len);
  if (!(*seen & bit)) {
    *seen |= bit;
    return 0;
  }
  for (i = first; i < top; i += 2)
    if (lua_rawequal(L, i, top)) return 1;
  return 0;
}

/* One "key": value pair of an object.  With first > 0 the object is being
** gathered: the pair stays on the stack after those from index first on
** (*seen as is_duplicate says); with first == 0 it is stored into the
** table on top. */
static int decode_member(Dec *d, int first, uint64_t *seen) {
  const unsigned char *key;
  skip_ws(d);
  key = d->p;
  if (*d->p != '"') return expected(d, "expected string key");
  if (!decode_string(d)) return 0;
  if (d->dups && is_duplicate(d, first, seen)) note_duplicate(d, key);
  skip_ws(d);
  if (*d->p != ':') return expected(d, "expected ':' after key");
  d->p++;
  if (!decode_value(d)) return 0;
  if (first == 0) lua_rawset(d->L, -3);
  return 1;
}

static int decode_object(Dec *d) {
  lua_State *L = d->L;
  int t, gather;
  lua_Integer n = 0;   /* members so far: the first gather wait, the rest go in */
  uint64_t seen = 0;
  const unsigned char *comma;
  if (!enter(d, &gather)) return 0;
  t = lua_gettop(L);
  if (*d->p != '}') {
    for (;;) {
      if (n == gather) make_object(L, t);
      if (!decode_member(d, n < gather ? t + 1 : 0, &seen)) return 0;
      n++;
      skip_ws(d);
      if (*d->p == '}') break;
      if (*d->p != ',') return expected(d, "expected ',' or '}'");
      comma = d->p++;
      if (!no_trailing_comma(d, comma, '}')) return 0;
    }
  }
  if (n <= gather) make_object(L, t);
  d->p++;
  d->depth--;
  return 1;
}

static int decode_value(Dec *d) {
  skip_ws(d);
  switch (*d->p) {
    case '{': return decode_object(d);
    case '[': return decode_array(d);
    case '"': return decode_string(d);
    case 't': case 'f': case 'n': return decode_literal(d);
    default:
      if (*d->p == '-' || ISDIGIT(*d->p)) return decode_number(d);
      return unexpected(d, "");
  }
}

/* json_decode(s [, duplicates]) -> value | nil, "json: <what> at line L, column C" */
static int l_decode(lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  Dec d;
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {   /* a byte order mark */
    s += 3;
    len -= 3;
  }
  d.L = L;
  d.start = d.p = (const unsigned char *)s;
  d.end = d.start + len;
  d.errat = NULL;
  d.depth = 0;
  d.dups = lua_istable(L, 2) ? 2 : 0;
  lua_settop(L, 2);
  if (decode_value(&d)) {
    skip_ws(&d);
    if (d.p >= d.end) return 1;
    unexpected(&d, " after value");
  }
  lua_settop(L, 2);
  lua_pushnil(L);
  push_error(&d);
  return 2;
}


/* ---------------------------------------------------------------- encode */

/* Encoder state.  Output grows in a full userdata kept at stack index
** 'slot' (replaced by a bigger copy when full), so a raise anywhere leaves
** nothing to free; luaL_Buffer cannot serve here because encoding pushes
** and pops values between writes.  'path' holds the tables being written,
** outermost first, for cycle detection. */
typedef struct Enc {
  lua_State *L;
  char *b;
  size_t n, cap;
  int slot, pretty, depth;
  const void *path[MAXDEPTH];
  char init[512];
} Enc;

static void grow(Enc *e, size_t need) {
  size_t cap = e->cap;
  char *nb;
  while (cap - e->n < need) {
    if (cap > ((size_t)-1) / 2) luaL_error(e->L, "json: output too large");
    cap *= 2;
  }
  nb = (char *)lua_newuserdatauv(e->L, cap, 0);
  memcpy(nb, e->b, e->n);
  lua_replace(e->L, e->slot);
  e->b = nb;
  e->cap = cap;
}

static void put(Enc *e, const char *s, size_t len) {
  if (e->cap - e->n < len) grow(e, len);
  memcpy(e->b + e->n, s, len);
  e->n += len;
}

static void putch(Enc *e, char c) {
  if (e->n == e->cap) grow(e, 1);
  e->b[e->n++] = c;
}

#define PUTLIT(e, s) put((e), "" s, sizeof(s) - 1)

/* Pretty mode: a newline, then two spaces per open level. */
static void newline(Enc *e) {
  int i;
  if (!e->pretty) return;
  putch(e, '\n');
  for (i = 0; i < e->depth; i++) PUTLIT(e, "  ");
}

/* The escape for byte c < 0x20, '"' or '\\' (short forms where JSON has
** them, \u00XX otherwise). */
static void put_escape(Enc *e, unsigned c) {
  static const char hex[] = "0123456789abcdef";
  char u[6] = {'\\', 'u', '0', '0', 0, 0};
  switch (c) {
    case '"': PUTLIT(e, "\\\""); return;
    case '\\': PUTLIT(e, "\\\\"); return;
    case '\n': PUTLIT(e, "\\n"); return;
    case '\t': PUTLIT(e, "\\t"); return;
    case '\r': PUTLIT(e, "\\r"); return;
    case '\b': PUTLIT(e, "\\b"); return;
    case '\f': PUTLIT(e, "\\f"); return;
  }
  u[4] = hex[c >> 4];
  u[5] = hex[c & 15];
  put(e, u, 6);
}

/* A quoted string: plain runs are copied whole, escapes written one by
** one, UTF-8 passed through after checking it is well formed. */
static void encode_string(Enc *e, const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str, *end = s + len;
  const unsigned char *p = s, *run = s;
  int n;
  putch(e, '"');
  while (p < end) {
    unsigned c = *p;
    if (c >= 0x80) {
      if ((n = utf8_len(p, end)) == 0)
        luaL_error(e->L, "json: string is not valid UTF-8");
      p += n;
    } else if (c < 0x20 || c == '"' || c == '\\') {
      put(e, (const char *)run, (size_t)(p - run));
      put_escape(e, c);
      run = ++p;
    } else p++;
  }
  put(e, (const char *)run, (size_t)(p - run));
  putch(e, '"');
}

/* The shortest of %.14g..%.17g that reads back as x, with '.' whatever
** the locale, and ".0" added when it would otherwise read as an integer. */
static void encode_float(Enc *e, double x) {
  char buf[40], *dot;
  char point = localeconv()->decimal_point[0];
  int prec = 14;
  if (isnan(x) || isinf(x))
    luaL_error(e->L, "json: cannot encode NaN or infinity");
  snprintf(buf, sizeof buf, "%.14g", x);
  while (prec < 17 && strtod(buf, NULL) != x)
    snprintf(buf, sizeof buf, "%.*g", ++prec, x);
  if (point != '.' && (dot = strchr(buf, point)) != NULL) *dot = '.';
  if (buf[strspn(buf, "-0123456789")] == '\0') strcat(buf, ".0");
  put(e, buf, strlen(buf));
}

static void encode_value(Enc *e, int idx);

/* Scan every key of the table at idx once.  Returns its length when it is
** an array (keys exactly 1..n; 0 when empty), or -1 when every key is a
** string (*count gets their number).  Raises for anything else. */
static lua_Integer table_shape(lua_State *L, int idx, lua_Integer *count) {
  lua_Integer n = 0, strings = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    n++;
    if (lua_type(L, -1) == LUA_TSTRING) strings++;
    else if (lua_isinteger(L, -1)) {
      lua_Integer k = lua_tointeger(L, -1);
      if (k < 1) luaL_error(L, "json: table is not a sequence (key %I)", k);
      if (k > max) max = k;
    } else if (lua_type(L, -1) == LUA_TNUMBER)
      luaL_error(L, "json: table has a non-integer number key");
    else
      luaL_error(L, "json: cannot encode a table key of type %s",
                 luaL_typename(L, -1));
  }
  *count = n;
  if (strings == n && n > 0) return -1;
  if (strings > 0) luaL_error(L, "json: table mixes integer and string keys");
  if (max != n) luaL_error(L, "json: table is not a sequence (has holes)");
  return n;
}

static void encode_array(Enc *e, int idx, lua_Integer n) {
  lua_Integer i;
  putch(e, '[');
  e->depth++;
  for (i = 1; i <= n; i++) {
    if (i > 1) putch(e, ',');
    newline(e);
    lua_rawgeti(e->L, idx, i);
    encode_value(e, lua_gettop(e->L));
    lua_pop(e->L, 1);
  }
  e->depth--;
  if (n > 0) newline(e);
  putch(e, ']');
}

typedef struct Key {
  const char *s;
  size_t len;
  lua_Integer at;  /* the key string's stack index, or its anchor slot */
} Key;

#define SMALL_OBJECT 32  /* objects up to this size keep keys on the stack */

static int key_cmp(const void *a, const void *b) {
  const Key *x = (const Key *)a, *y = (const Key *)b;
  int c = memcmp(x->s, y->s, x->len < y->len ? x->len : y->len);
  if (c != 0) return c;
  return (x->len > y->len) - (x->len < y->len);
}

/* Insertion sort for the usual handful of keys, qsort beyond. */
static void sort(Key *keys, size_t n) {
  size_t i, j;
  if (n > SMALL_OBJECT) {
    qsort(keys, n, sizeof(Key), key_cmp);
    return;
  }
  for (i = 1; i < n; i++) {
    Key k = keys[i];
    for (j = i; j > 0 && key_cmp(&keys[j - 1], &k) > 0; j--)
      keys[j] = keys[j - 1];
    keys[j] = k;
  }
}

/* Fill keys[] with the string keys of the table at idx, sorted by bytes.
** Each key string stays referenced while we hold its pointer, whatever a
** finalizer might do to the table: with anchor == 0 the keys are left on
** the stack (Key.at is the stack index), otherwise they go into the table
** at anchor (Key.at is the slot). */
static void sort_keys(lua_State *L, int idx, Key *keys, int anchor) {
  lua_Integer i = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    keys[i].s = lua_tolstring(L, -1, &keys[i].len);
    keys[i].at = anchor ? i + 1 : lua_gettop(L);
    lua_pushvalue(L, -1);
    if (anchor) lua_rawseti(L, anchor, i + 1);
    i++;
  }
  sort(keys, (size_t)i);
}

/* Room for count keys: a C array for small objects, else a userdata plus
** an anchor table pushed on the stack (*anchor gets the table's index). */
static Key *key_space(lua_State *L, lua_Integer count, Key *small,
                      int *anchor) {
  Key *keys;
  if (count <= SMALL_OBJECT) {
    luaL_checkstack(L, (int)count + 4, "json: nesting too deep");
    *anchor = 0;
    return small;
  }
  if ((size_t)count > ((size_t)-1) / sizeof(Key) || count > INT_MAX)
    luaL_error(L, "json: table too large");
  keys = (Key *)lua_newuserdatauv(L, (size_t)count * sizeof(Key), 0);
  lua_createtable(L, (int)count, 0);
  *anchor = lua_gettop(L);
  return keys;
}

static void encode_object(Enc *e, int idx, lua_Integer count) {
  lua_State *L = e->L;
  Key small[SMALL_OBJECT], *keys;
  int top = lua_gettop(L), anchor;
  lua_Integer i;
  keys = key_space(L, count, small, &anchor);
  sort_keys(L, idx, keys, anchor);
  putch(e, '{');
  e->depth++;
  for (i = 0; i < count; i++) {
    if (i > 0) putch(e, ',');
    newline(e);
    encode_string(e, keys[i].s, keys[i].len);
    if (e->pretty) PUTLIT(e, ": ");
    else putch(e, ':');
    if (anchor) lua_rawgeti(L, anchor, keys[i].at);
    else lua_pushvalue(L, (int)keys[i].at);
    lua_rawget(L, idx);
    encode_value(e, lua_gettop(L));
    lua_pop(L, 1);
  }
  e->depth--;
  newline(e);
  putch(e, '}');
  lua_settop(L, top);
}

/* A table: refuse cycles and deep nesting, then write it as an array or
** an object according to its keys. */
static void encode_table(Enc *e, int idx) {
  const void *self = lua_topointer(e->L, idx);
  lua_Integer n, count;
  int i;
  for (i = 0; i < e->depth; i++)
    if (e->path[i] == self) luaL_error(e->L, "json: cycle in table");
  if (e->depth >= MAXDEPTH) luaL_error(e->L, "json: nesting deeper than 200");
  luaL_checkstack(e->L, 6, "json: nesting too deep");
  n = table_shape(e->L, idx, &count);
  e->path[e->depth] = self;
  if (n >= 0) encode_array(e, idx, n);
  else encode_object(e, idx, count);
}

static void encode_value(Enc *e, int idx) {
  lua_State *L = e->L;
  size_t len;
  const char *s;
  switch (lua_type(L, idx)) {
    case LUA_TNIL: PUTLIT(e, "null"); break;
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, idx)) PUTLIT(e, "true");
      else PUTLIT(e, "false");
      break;
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx)) {
        char buf[32];
        int k = snprintf(buf, sizeof buf, LUA_INTEGER_FMT,
                         (LUAI_UACINT)lua_tointeger(L, idx));
        put(e, buf, (size_t)k);
      } else encode_float(e, (double)lua_tonumber(L, idx));
      break;
    case LUA_TSTRING:
      s = lua_tolstring(L, idx, &len);
      encode_string(e, s, len);
      break;
    case LUA_TTABLE: encode_table(e, idx); break;
    case LUA_TLIGHTUSERDATA:
      if (lua_touserdata(L, idx) == NULL) { PUTLIT(e, "null"); break; }
      /* FALLTHROUGH */
    default:
      luaL_error(L, "json: cannot encode a %s", luaL_typename(L, idx));
  }
}

/* json_encode(v [, pretty]) -> string */
static int l_encode(lua_State *L) {
  Enc e;
  luaL_checkany(L, 1);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TBOOLEAN);
  e.L = L;
  e.pretty = lua_toboolean(L, 2);
  e.depth = 0;
  e.b = e.init;
  e.n = 0;
  e.cap = sizeof e.init;
  lua_settop(L, 1);
  lua_pushnil(L);  /* output slot; holds the userdata once init is full */
  e.slot = 2;
  encode_value(&e, 1);
  lua_pushlstring(L, e.b, e.n);
  return 1;
}

void rc_json_register(lua_State *L) {
  static const luaL_Reg fns[] = {
    {"json_encode", l_encode},
    {"json_decode", l_decode},
    {NULL, NULL}
  };
  luaL_setfuncs(L, fns, 0);
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "json_null");
}
