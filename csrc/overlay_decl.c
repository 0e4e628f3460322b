/* overlay_decl.c: turns the table an overlay returns into rule rows. It runs
 * inside the overlay's sandbox (under lua_pcall there): every key is checked
 * against the section's list, and an unknown key is refused with its name,
 * the file and the line where it first appears; every value is checked for
 * type and range. Codes may be given as ranges ("77280-77295"), diagnoses as
 * ranges ("C00-D49"). Tables are read raw and may not have metatables, so
 * no overlay code runs while they are read and the strings read stay
 * anchored in them. Rows go into ov->rows (owned by the overlay, so an
 * error here leaks nothing: the caller frees the overlay); procedural rules
 * are kept as references in the sandbox registry. */
#include "overlay.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "code.h"
#include "findings.h"
#include "date.h"
#include "utf8.h"

#define MAX_CODES 256

typedef struct decl {
  lua_State *S;
  rc_overlay *ov;
  const char *src, *source;
  size_t len;
  char where[64];                 /* e.g. "windows[2]" */
} decl;

typedef struct code_list { int n; char code[MAX_CODES][8]; } code_list;

static const char *const top_keys[] = {"name", "inherits", "description", "source", "pairs", "mue", "limits",
                                       "windows", "mappings", "prior_auth", "coverage", "rules", NULL};
static const char *const severity_names[] = {"deny", "review", "warn", "info", NULL};

static int ident(char c)
{
  return isalnum((unsigned char)c) || c == '_';
}

/* The line where `key =` first appears in the source, or 0. */
static int line_of(const char *src, size_t len, const char *key)
{
  size_t k = strlen(key), i, j;
  int line = 1;
  for (i = 0; i + k <= len; i++) {
    if (src[i] == '\n') line++;
    if (memcmp(src + i, key, k) != 0 || (i > 0 && ident(src[i - 1])) || (i + k < len && ident(src[i + k]))) continue;
    for (j = i + k; j < len && (src[j] == ' ' || src[j] == '\t'); j++) continue;
    if (j < len && src[j] == '=' && (j + 1 >= len || src[j + 1] != '=')) return line;
  }
  return 0;
}

static int fail(decl *d, const char *fmt, const char *a, const char *b)
{
  return luaL_error(d->S, "%s: %s: %s", d->ov->file, d->where, lua_pushfstring(d->S, fmt, a, b));
}

static void allowed_list(luaL_Buffer *b, const char *const keys[])
{
  int i;
  for (i = 0; keys[i] != NULL; i++) {
    if (i > 0) luaL_addstring(b, ", ");
    luaL_addstring(b, keys[i]);
  }
}

static int known(const char *key, const char *const keys[])
{
  int i;
  for (i = 0; keys[i] != NULL; i++)
    if (strcmp(key, keys[i]) == 0) return 1;
  return 0;
}

/* Pushes t[key] without metamethods; returns its type. */
static int raw_get(lua_State *S, int idx, const char *key)
{
  idx = lua_absindex(S, idx);
  lua_pushstring(S, key);
  return lua_rawget(S, idx);
}

/* Refuses a table with a metatable: its fields could come and go. */
static void plain(decl *d, int idx)
{
  if (!lua_getmetatable(d->S, idx)) return;
  fail(d, "tables in an overlay may not have metatables%s%s", "", "");
}

/* Refuses any key of the table at idx that is not in keys. */
static void check_keys(decl *d, int idx, const char *const keys[])
{
  lua_State *S = d->S;
  plain(d, idx);
  lua_pushnil(S);
  while (lua_next(S, idx) != 0) {
    luaL_Buffer b;
    const char *key = lua_type(S, -2) == LUA_TSTRING ? lua_tostring(S, -2) : NULL;
    int line;
    lua_pop(S, 1);
    if (key != NULL && known(key, keys)) continue;
    if (key == NULL) fail(d, "a key of type %s is not allowed%s", luaL_typename(S, -1), "");
    line = line_of(d->src, d->len, key);
    luaL_buffinit(S, &b);
    allowed_list(&b, keys);
    luaL_pushresult(&b);
    if (line > 0)
      luaL_error(S, "%s:%d: unknown key '%s' in %s (allowed: %s)", d->ov->file, line, key, d->where, lua_tostring(S, -1));
    luaL_error(S, "%s: unknown key '%s' in %s (allowed: %s)", d->ov->file, key, d->where, lua_tostring(S, -1));
  }
}

/* The string on top of S, refused when it hides a zero byte (C would cut it there). */
static const char *whole(decl *d, const char *what)
{
  size_t len;
  const char *s = lua_tolstring(d->S, -1, &len);
  if (strlen(s) != len) fail(d, "%s contains a zero byte%s", what, "");
  return s;
}

/* t[key] as a string, or NULL when absent. */
static const char *opt_string(decl *d, int idx, const char *key)
{
  int type = raw_get(d->S, idx, key);
  const char *s = type == LUA_TSTRING ? whole(d, key) : NULL;
  if (type != LUA_TNIL && s == NULL) fail(d, "%s must be a string, got %s", key, luaL_typename(d->S, -1));
  lua_pop(d->S, 1);   /* the string stays alive in the table */
  return s;
}

static long opt_int(decl *d, int idx, const char *key, long def, long min, long max)
{
  int type = raw_get(d->S, idx, key), isint = 0;
  lua_Integer v = lua_tointegerx(d->S, -1, &isint);
  lua_pop(d->S, 1);
  if (type == LUA_TNIL) {
    if (def == LONG_MIN) fail(d, "%s is required%s", key, "");
    return def;
  }
  if (type != LUA_TNUMBER || !isint || v < min || v > max)
    luaL_error(d->S, "%s: %s: %s must be a whole number from %d to %d", d->ov->file, d->where, key, (int)min, (int)max);
  return (long)v;
}

static const char *intern(decl *d, const char *s)
{
  const char *p = rc_pool_intern(d->ov->pool, s ? s : "");
  if (p == NULL) luaL_error(d->S, "out of memory");
  return p;
}

static int one_code(decl *d, const char *s, char out[8])
{
  if (rc_code_normalize(s, strlen(s), out) == RC_CODE_MALFORMED) fail(d, "malformed code '%s'%s", s, "");
  return 1;
}

/* "77280-77295" or "G6003-G6016": every code of the range. */
static void add_range(decl *d, const char *s, const char *dash, code_list *list)
{
  char lo[8], hi[8], first[16];
  long a, b, n;
  snprintf(first, sizeof first, "%.*s", (int)(dash - s), s);
  one_code(d, first, lo);
  one_code(d, dash + 1, hi);
  if (!isdigit((unsigned char)lo[4]) || !isdigit((unsigned char)hi[4]) || lo[0] != hi[0] ||
      (isdigit((unsigned char)lo[0]) != isdigit((unsigned char)hi[0])))
    fail(d, "code range '%s' must join two codes of one kind%s", s, "");
  a = strtol(isdigit((unsigned char)lo[0]) ? lo : lo + 1, NULL, 10);
  b = strtol(isdigit((unsigned char)hi[0]) ? hi : hi + 1, NULL, 10);
  if (b < a || b - a >= MAX_CODES) fail(d, "code range '%s' is empty or longer than 256 codes%s", s, "");
  for (n = a; n <= b; n++) {
    if (list->n == MAX_CODES) fail(d, "more than 256 codes%s%s", "", "");
    if (isdigit((unsigned char)lo[0])) snprintf(list->code[list->n++], 8, "%05ld", n);
    else snprintf(list->code[list->n++], 8, "%c%04ld", lo[0], n);
  }
}

static void add_code(decl *d, const char *s, code_list *list)
{
  const char *dash = strchr(s, '-');
  if (dash != NULL) {
    add_range(d, s, dash, list);
    return;
  }
  if (list->n == MAX_CODES) fail(d, "more than 256 codes%s%s", "", "");
  one_code(d, s, list->code[list->n++]);
}

/* t.code (one code) and/or t[key] (a list of codes and ranges). */
static void read_codes(decl *d, int idx, const char *key, code_list *list)
{
  lua_State *S = d->S;
  const char *one = strcmp(key, "codes") == 0 ? opt_string(d, idx, "code") : NULL;
  lua_Integer i, n;
  list->n = 0;
  if (one != NULL) add_code(d, one, list);
  if (raw_get(S, idx, key) == LUA_TTABLE) {
    plain(d, -1);
    n = (lua_Integer)lua_rawlen(S, -1);
    for (i = 1; i <= n; i++) {
      if (lua_rawgeti(S, -1, i) != LUA_TSTRING) fail(d, "%s must be a list of codes (strings)%s", key, "");
      add_code(d, whole(d, key), list);
      lua_pop(S, 1);
    }
  } else if (!lua_isnil(S, -1)) {
    fail(d, "%s must be a list of codes, got %s", key, luaL_typename(S, -1));
  }
  lua_pop(S, 1);
  if (list->n == 0) fail(d, "no code given (%s)%s", strcmp(key, "codes") == 0 ? "code or codes" : key, "");
}

static long read_day(decl *d, int idx, const char *key, long missing)
{
  const char *s = opt_string(d, idx, key);
  long day;
  if (s == NULL) return missing;
  if (rc_date_parse(s, strlen(s), &day) != RC_DATE_OK) fail(d, "%s '%s' is not a date (YYYY-MM-DD)", key, s);
  return day;
}

static int read_severity(decl *d, int idx, rc_severity def)
{
  const char *s = opt_string(d, idx, "severity");
  int i;
  if (s == NULL) return (int)def;
  for (i = 0; severity_names[i] != NULL; i++)
    if (strcmp(s, severity_names[i]) == 0) return i;
  return fail(d, "severity '%s' is not deny, review, warn or info%s", s, "");
}

/* The fields every row has: id, from, to, setting, reason, source. */
static void read_base(decl *d, int idx, const char *section, rc_ov_row *row, const char *reason)
{
  const char *id = opt_string(d, idx, "id"), *setting = opt_string(d, idx, "setting");
  const char *source = opt_string(d, idx, "source"), *why = opt_string(d, idx, "reason");
  memset(row, 0, sizeof *row);
  snprintf(row->id, sizeof row->id, "%.*s", rc_utf8_cut(id ? id : d->where, 47), id ? id : d->where);
  row->section = section;
  row->r.from = read_day(d, idx, "from", LONG_MIN);
  row->r.to = read_day(d, idx, "to", LONG_MAX);
  if (row->r.to < row->r.from) fail(d, "to is before from%s%s", "", "");
  if (setting != NULL && strcmp(setting, "practitioner") != 0 && strcmp(setting, "hospital") != 0)
    fail(d, "setting '%s' is not practitioner or hospital%s", setting, "");
  row->r.setting = (unsigned char)(setting ? rc_setting_of(setting) : RC_SET_ANY);
  row->r.layer = (unsigned char)d->ov->depth;
  row->r.payer = intern(d, "*");
  row->r.extra = intern(d, "");
  row->r.other = row->r.extra;
  row->r.text = intern(d, why ? why : reason);
  lua_pushfstring(d->S, "%s overlay (%s): %s", d->ov->name, row->id, source ? source : d->source);
  row->r.source = intern(d, lua_tostring(d->S, -1));
  lua_pop(d->S, 1);
}

static void push_row(decl *d, const rc_ov_row *base, const char *code, rc_rule_kind kind)
{
  rc_overlay *ov = d->ov;
  if (ov->nrows == ov->caprows) {
    int cap = ov->caprows ? ov->caprows * 2 : 32;
    rc_ov_row *rows = realloc(ov->rows, (size_t)cap * sizeof *rows);
    if (rows == NULL) luaL_error(d->S, "out of memory");
    ov->rows = rows;
    ov->caprows = cap;
  }
  ov->rows[ov->nrows] = *base;
  snprintf(ov->rows[ov->nrows].code, 8, "%s", code);
  ov->rows[ov->nrows++].r.kind = (unsigned char)kind;
}

static void set_other(decl *d, rc_ov_row *row, const char *other)
{
  row->r.other = intern(d, other);
}

static void decl_pair(decl *d, int idx)
{
  static const char *const keys[] = {"id", "from", "to", "setting", "reason", "source",
                                     "column1", "column2", "indicator", "remove", NULL};
  rc_ov_row row;
  char c1[8], c2[8];
  const char *a = opt_string(d, idx, "column1"), *b = opt_string(d, idx, "column2");
  int remove;
  check_keys(d, idx, keys);
  if (a == NULL || b == NULL) fail(d, "column1 and column2 are required%s%s", "", "");
  one_code(d, a, c1);
  one_code(d, b, c2);
  raw_get(d->S, idx, "remove");
  remove = lua_toboolean(d->S, -1);
  lua_pop(d->S, 1);
  read_base(d, idx, "pairs", &row, remove ? "the payer does not apply this pair edit" : "payer bundling edit");
  row.r.a = remove ? -1 : (int)opt_int(d, idx, "indicator", 0, 0, 1);
  set_other(d, &row, c2);
  push_row(d, &row, c1, RC_RULE_PTP);
  if (!remove) return;
  set_other(d, &row, c1);   /* a removal hides the pair either way round */
  push_row(d, &row, c2, RC_RULE_PTP);
}

static void decl_mue(decl *d, int idx)
{
  static const char *const keys[] = {"id", "from", "to", "setting", "reason", "source",
                                     "code", "codes", "value", "mai", NULL};
  code_list list;
  rc_ov_row row;
  int i;
  check_keys(d, idx, keys);
  read_codes(d, idx, "codes", &list);
  read_base(d, idx, "mue", &row, "payer unit limit");
  row.r.a = (int)opt_int(d, idx, "value", LONG_MIN, 0, 9999);
  row.r.b = (int)opt_int(d, idx, "mai", 3, 1, 3);
  for (i = 0; i < list.n; i++) push_row(d, &row, list.code[i], RC_RULE_MUE);
}

static void decl_limit(decl *d, int idx)
{
  static const char *const keys[] = {"id", "from", "to", "setting", "reason", "source",
                                     "code", "codes", "max", "per", "days", "severity", NULL};
  static const char *const pers[] = {"course", "week", "days", NULL};
  code_list list;
  rc_ov_row row;
  const char *per = opt_string(d, idx, "per");
  int i, sev;
  check_keys(d, idx, keys);
  read_codes(d, idx, "codes", &list);
  read_base(d, idx, "limits", &row, "payer frequency limit");
  if (per == NULL || !known(per, pers)) fail(d, "per must be course, week or days%s%s", "", "");
  row.r.a = (int)opt_int(d, idx, "max", LONG_MIN, 0, 9999);
  sev = read_severity(d, idx, RC_DENY);
  if (strcmp(per, "days") == 0) {
    row.r.b = (int)opt_int(d, idx, "days", LONG_MIN, 1, 3660);
    row.r.c = sev;
  } else {
    set_other(d, &row, per);
    row.r.extra = intern(d, severity_names[sev]);
    if (opt_int(d, idx, "days", 0, 0, 0) != 0) fail(d, "days goes with per = \"days\"%s%s", "", "");
  }
  for (i = 0; i < list.n; i++) push_row(d, &row, list.code[i], per[0] == 'd' ? RC_RULE_DAYS : RC_RULE_FREQUENCY);
}

static void decl_window(decl *d, int idx)
{
  static const char *const keys[] = {"id", "from", "to", "setting", "reason", "source",
                                     "anchor", "code", "codes", "before", "after", "severity", NULL};
  code_list list;
  rc_ov_row row;
  char anchor[8];
  const char *a = opt_string(d, idx, "anchor");
  int i;
  check_keys(d, idx, keys);
  if (a == NULL) fail(d, "anchor (the code the window is around) is required%s%s", "", "");
  one_code(d, a, anchor);
  read_codes(d, idx, "codes", &list);
  read_base(d, idx, "windows", &row, "payer time window");
  set_other(d, &row, anchor);
  row.r.a = (int)opt_int(d, idx, "before", 0, 0, 3660);
  row.r.b = (int)opt_int(d, idx, "after", 0, 0, 3660);
  row.r.c = read_severity(d, idx, RC_DENY);
  for (i = 0; i < list.n; i++)
    if (strcmp(list.code[i], anchor) != 0) push_row(d, &row, list.code[i], RC_RULE_WINDOW);
}

static void decl_mapping(decl *d, int idx)
{
  static const char *const keys[] = {"id", "from", "to", "setting", "reason", "source",
                                     "code", "codes", "use", "severity", NULL};
  code_list list, use;
  rc_ov_row row;
  int i, j;
  check_keys(d, idx, keys);
  read_codes(d, idx, "codes", &list);
  read_codes(d, idx, "use", &use);
  read_base(d, idx, "mappings", &row, "the payer takes other codes for this service");
  row.r.c = read_severity(d, idx, RC_DENY);
  for (i = 0; i < list.n; i++)
    for (j = 0; j < use.n; j++) {
      set_other(d, &row, use.code[j]);
      push_row(d, &row, list.code[i], RC_RULE_MAPPING);
    }
}

static void decl_prior_auth(decl *d, int idx)
{
  static const char *const keys[] = {"id", "from", "to", "setting", "reason", "source",
                                     "code", "codes", "severity", NULL};
  code_list list;
  rc_ov_row row;
  int i;
  check_keys(d, idx, keys);
  read_codes(d, idx, "codes", &list);
  read_base(d, idx, "prior_auth", &row, "the payer requires prior authorisation");
  row.r.c = read_severity(d, idx, RC_DENY);
  for (i = 0; i < list.n; i++) push_row(d, &row, list.code[i], RC_RULE_PRIOR_AUTH);
}

/* An ICD-10-CM code or prefix, upper case without the dot (only after the
 * three-character category: C61.9, not C6.1 or C61..9). */
static void read_dx(decl *d, const char *s, char out[8])
{
  size_t i, n = 0;
  for (i = 0; s[i] && n < 7; i++)
    if (s[i] != '.' || i != 3) out[n++] = (char)toupper((unsigned char)s[i]);   /* one dot, after the category */
  out[n] = '\0';
  if (s[i] || n < 2 || !isalpha((unsigned char)out[0]) || !isdigit((unsigned char)out[1]))
    fail(d, "diagnosis '%s' is not an ICD-10-CM code or prefix%s", s, "");
  for (i = 0; i < n; i++)
    if (!isalnum((unsigned char)out[i])) fail(d, "diagnosis '%s' is not an ICD-10-CM code or prefix%s", s, "");
}

static void coverage_row(decl *d, rc_ov_row *row, const char *dx, code_list *list)
{
  char lo[8], hi[8], first[16];
  const char *dash = strchr(dx, '-');
  int i;
  snprintf(first, sizeof first, "%.*s", dash ? (int)(dash - dx) : 15, dx);
  read_dx(d, first, lo);
  read_dx(d, dash ? dash + 1 : first, hi);
  set_other(d, row, lo);
  row->r.extra = intern(d, hi);
  for (i = 0; i < list->n; i++) push_row(d, row, list->code[i], RC_RULE_COVERAGE);
}

static void decl_coverage(decl *d, int idx)
{
  static const char *const keys[] = {"id", "from", "to", "setting", "reason", "source",
                                     "code", "codes", "diagnoses", "severity", NULL};
  code_list list;
  rc_ov_row row;
  lua_Integer i, n = 0;
  check_keys(d, idx, keys);
  read_codes(d, idx, "codes", &list);
  read_base(d, idx, "coverage", &row, "the payer covers the service only for listed diagnoses");
  row.r.c = read_severity(d, idx, RC_DENY);
  if (raw_get(d->S, idx, "diagnoses") != LUA_TTABLE || (n = (lua_Integer)lua_rawlen(d->S, -1)) == 0)
    fail(d, "diagnoses must be a non-empty list of ICD-10-CM codes or ranges%s%s", "", "");
  plain(d, -1);
  for (i = 1; i <= n; i++) {
    if (lua_rawgeti(d->S, -1, i) != LUA_TSTRING) fail(d, "diagnoses must be strings%s%s", "", "");
    coverage_row(d, &row, whole(d, "diagnoses"), &list);
    lua_pop(d->S, 1);
  }
  lua_pop(d->S, 1);
}

static void decl_rule(decl *d, int idx)
{
  static const char *const keys[] = {"id", "check", "from", "to", "description", NULL};
  rc_overlay *ov = d->ov;
  const char *id = opt_string(d, idx, "id");
  rc_ov_proc *p;
  check_keys(d, idx, keys);
  opt_string(d, idx, "description");
  if (id == NULL) fail(d, "id (a name for the rule, shown in its findings) is required%s%s", "", "");
  if (raw_get(d->S, idx, "check") != LUA_TFUNCTION) fail(d, "check must be a function%s%s", "", "");
  if (ov->nprocs == ov->capprocs) {
    int cap = ov->capprocs ? ov->capprocs * 2 : 8;
    rc_ov_proc *procs = realloc(ov->procs, (size_t)cap * sizeof *procs);
    if (procs == NULL) luaL_error(d->S, "out of memory");
    ov->procs = procs;
    ov->capprocs = cap;
  }
  p = &ov->procs[ov->nprocs];
  snprintf(p->id, sizeof p->id, "%s", id);
  p->from = read_day(d, idx, "from", LONG_MIN);
  p->to = read_day(d, idx, "to", LONG_MAX);
  p->ref = luaL_ref(d->S, LUA_REGISTRYINDEX);
  ov->nprocs++;
}

typedef void (*section_fn)(decl *d, int idx);

/* t[name], when present, is a list of tables, each given to fn. */
static void section(decl *d, int idx, const char *name, section_fn fn)
{
  lua_State *S = d->S;
  lua_Integer i, n;
  int type = raw_get(S, idx, name);
  snprintf(d->where, sizeof d->where, "%s", name);
  if (type == LUA_TNIL) {
    lua_pop(S, 1);
    return;
  }
  if (type != LUA_TTABLE) fail(d, "must be a list of tables, got %s%s", luaL_typename(S, -1), "");
  plain(d, -1);
  n = (lua_Integer)lua_rawlen(S, -1);
  for (i = 1; i <= n; i++) {
    snprintf(d->where, sizeof d->where, "%s[%d]", name, (int)i);
    if (lua_rawgeti(S, -1, i) != LUA_TTABLE) fail(d, "must be a table, got %s%s", luaL_typename(S, -1), "");
    fn(d, lua_gettop(S));
    lua_pop(S, 1);
  }
  lua_pop(S, 1);
}

static int row_cmp(const void *a, const void *b)
{
  const rc_ov_row *x = a, *y = b;
  int cmp = strcmp(x->code, y->code);
  if (cmp == 0 && x->r.kind != y->r.kind) cmp = x->r.kind < y->r.kind ? -1 : 1;
  if (cmp == 0) cmp = strcmp(x->r.other, y->r.other);
  if (cmp == 0 && x->r.from != y->r.from) cmp = x->r.from < y->r.from ? -1 : 1;
  return cmp;
}

static int valid_name(const char *s)
{
  size_t i;
  for (i = 0; s[i]; i++)
    if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' || s[i] == '-')) return 0;
  return i > 0 && i < RC_OVERLAY_NAME_LEN;
}

static void name_and_parent(decl *d, int idx, const rc_overlays *reg, char missing[RC_OVERLAY_NAME_LEN])
{
  const char *name = opt_string(d, idx, "name"), *parent = opt_string(d, idx, "inherits");
  const char *text = opt_string(d, idx, "description");
  char shown[41];
  size_t cut;
  if (name != NULL && !valid_name(name)) {   /* checked whole: a long name is refused, never cut */
    for (cut = strlen(name) < 40 ? strlen(name) : 40; cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80; cut--)
      continue;   /* shown whole, or cut before a UTF-8 character */
    memcpy(shown, name, cut);
    shown[cut] = '\0';
    luaL_error(d->S, "%s: overlay name '%s%s' must be 1 to 31 lower-case letters, digits, _ or -", d->ov->file,
               shown, name[cut] ? "..." : "");
  }
  if (name != NULL) snprintf(d->ov->name, sizeof d->ov->name, "%s", name);
  if (!valid_name(d->ov->name))
    luaL_error(d->S, "%s: overlay name '%s' must be 1 to 31 lower-case letters, digits, _ or -", d->ov->file, d->ov->name);
  if (rc_overlays_find(reg, d->ov->name) != NULL)
    luaL_error(d->S, "%s: an overlay named '%s' is already loaded", d->ov->file, d->ov->name);
  snprintf(d->ov->description, sizeof d->ov->description, "%s", text ? text : "");
  d->ov->depth = 1;
  if (parent == NULL) return;
  if (strcmp(parent, d->ov->name) == 0 || (d->ov->parent = rc_overlays_find(reg, parent)) == NULL) {
    snprintf(missing, RC_OVERLAY_NAME_LEN, "%s", parent);
    luaL_error(d->S, "%s: overlay '%s' inherits '%s', which is not loaded", d->ov->file, d->ov->name, parent);
  }
  d->ov->depth = d->ov->parent->depth + 1;
  if (d->ov->depth > 16) luaL_error(d->S, "%s: overlays inherit at most 16 deep", d->ov->file);
}

/* The overlay's table is on top of S. Fills ov; raises (in S) on any error,
 * setting missing to the parent's name when that is the trouble. */
int rc_overlay_declare(lua_State *S, rc_overlay *ov, const rc_overlays *reg, const char *src, size_t len,
                       char missing[RC_OVERLAY_NAME_LEN])
{
  decl d;
  int idx = lua_gettop(S);
  d.S = S;
  d.ov = ov;
  d.src = src;
  d.len = len;
  snprintf(d.where, sizeof d.where, "the overlay table");
  if (lua_type(S, idx) != LUA_TTABLE)
    return luaL_error(S, "%s: an overlay must return a table, got %s", ov->file, luaL_typename(S, idx));
  check_keys(&d, idx, top_keys);
  name_and_parent(&d, idx, reg, missing);
  d.source = opt_string(&d, idx, "source");
  if (d.source == NULL) d.source = "payer rules";
  section(&d, idx, "pairs", decl_pair);
  section(&d, idx, "mue", decl_mue);
  section(&d, idx, "limits", decl_limit);
  section(&d, idx, "windows", decl_window);
  section(&d, idx, "mappings", decl_mapping);
  section(&d, idx, "prior_auth", decl_prior_auth);
  section(&d, idx, "coverage", decl_coverage);
  section(&d, idx, "rules", decl_rule);
  if (ov->nrows > 0) qsort(ov->rows, (size_t)ov->nrows, sizeof *ov->rows, row_cmp);
  return 0;
}
