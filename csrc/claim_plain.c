/* claim_plain.c: reads a claim straight from its JSON text (one object, as
 * a line of a JSON lines file) into C, without Lua tables, when the claim
 * is plain: every value is one claim.c reads without a finding. Anything
 * else is left to the regular path (JSON decoding, then claim.c), which
 * says what is wrong: so this reader never makes a finding, and a claim it
 * takes reads exactly as claim.c reads its decoded table.
 *
 * Plain means: JSON whitespace around one object; keys among id, patient,
 * course, payer, authorization, npi, contractor, state, provider, setting,
 * pos, diagnoses and lines, each once; texts as strings of printable ASCII
 * without escapes that fit claim.c's fields; setting practitioner or
 * hospital; pos empty or two digits; diagnoses a list of at most
 * RC_MAX_DIAGNOSES ICD-10-CM codes; lines a list of 1 to
 * min(max_lines, RC_INLINE_LINES) objects with keys among code, date,
 * units, modifiers and dx, each once: a valid code and date of service
 * (from 2015-01-01), units an integer 1-9999 written without sign,
 * fraction or exponent, at most RC_MAX_MODIFIERS valid modifiers, at most
 * RC_MAX_LINE_DX pointers to the claim's diagnoses. */
#include "claim_plain.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include "code.h"
#include "date.h"
#include "ptp.h"

typedef struct scan {
  const char *p, *end;
} scan;

typedef struct text {
  const char *s;
  size_t len;
} text;

static void skip_ws(scan *sc)
{
  while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' || *sc->p == '\n' || *sc->p == '\r')) sc->p++;
}

/* Is c next (after whitespace)? Taken when it is; 0 when it is not. */
static int take(scan *sc, char c)
{
  skip_ws(sc);
  if (sc->p >= sc->end || *sc->p != c) return 0;
  sc->p++;
  return 1;
}

/* A string of printable ASCII without escapes; 0 for anything else. */
static int string_of(scan *sc, text *t)
{
  const char *p;
  if (!take(sc, '"')) return 0;
  for (p = sc->p; p < sc->end && *p != '"'; p++)
    if (*p == '\\' || (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7F) return 0;
  if (p >= sc->end) return 0;
  t->s = sc->p;
  t->len = (size_t)(p - sc->p);
  sc->p = p + 1;
  return 1;
}

/* An integer 1-9999 written as JSON writes it (no sign, fraction or
 * exponent, no leading zero); 0 for anything else. */
static int small_integer(scan *sc, long *v)
{
  int digits = 0;
  skip_ws(sc);
  if (sc->p >= sc->end || *sc->p < '1' || *sc->p > '9') return 0;
  for (*v = 0; sc->p < sc->end && *sc->p >= '0' && *sc->p <= '9'; sc->p++)
    if (++digits > 4) return 0;
    else *v = *v * 10 + (*sc->p - '0');
  return sc->p >= sc->end || (*sc->p != '.' && *sc->p != 'e' && *sc->p != 'E');
}

/* The index of the key t among keys, or -1. */
static int key_of(const text *t, const char *const keys[])
{
  int i;
  for (i = 0; keys[i] != NULL; i++)
    if (t->len > 0 && keys[i][0] == t->s[0] && strncmp(keys[i], t->s, t->len) == 0 && keys[i][t->len] == '\0')
      return i;
  return -1;
}

/* The next member's key (after '{' or ','), once only: its index; -1 when
 * it is unknown, seen before, or not a string followed by ':'. */
static int member_key(scan *sc, const char *const keys[], unsigned *seen)
{
  text t;
  int k;
  if (!string_of(sc, &t) || (k = key_of(&t, keys)) < 0 || (*seen & (1u << k)) || !take(sc, ':')) return -1;
  *seen |= 1u << k;
  return k;
}

/* A JSON object whose members member(sc, k, ctx) reads, k the index of
 * the member's key; 0 when it is not plain. *seen: the keys it gave. */
static int object_of(scan *sc, const char *const keys[], int (*member)(scan *, int, void *), void *ctx,
                     unsigned *seen)
{
  int k;
  *seen = 0;
  if (!take(sc, '{')) return 0;
  if (take(sc, '}')) return 1;
  do {
    if ((k = member_key(sc, keys, seen)) < 0 || !member(sc, k, ctx)) return 0;
  } while (take(sc, ','));
  return take(sc, '}');
}

/* Copies a string value into out (size bytes): 0 when it does not fit, as
 * claim.c refuses it. */
static int copy_text(scan *sc, char *out, size_t size)
{
  text t;
  if (!string_of(sc, &t) || t.len >= size) return 0;
  memcpy(out, t.s, t.len);
  out[t.len] = '\0';
  return 1;
}

/* A JSON list of items read by item(sc, i, ctx) (i from 1), at most max; 0
 * when it is not a list or an item is not plain. *n is the count. */
static int list_of(scan *sc, int max, int (*item)(scan *, int, void *), void *ctx, int *n)
{
  *n = 0;
  if (!take(sc, '[')) return 0;
  if (take(sc, ']')) return 1;
  do {
    if (*n >= max || !item(sc, ++*n, ctx)) return 0;
  } while (take(sc, ','));
  return take(sc, ']');
}

/* ---- a line ---- */

enum { L_CODE, L_DATE, L_UNITS, L_MODIFIERS, L_DX };
static const char *const line_keys[] = {"code", "date", "units", "modifiers", "dx", NULL};

typedef struct line_ctx {
  rc_line *line;
  long pointers[RC_MAX_LINE_DX];   /* checked against the claim's diagnoses at the end */
} line_ctx;

static int modifier_item(scan *sc, int i, void *ctx)
{
  rc_line *line = ctx;
  text t;
  (void)i;
  return string_of(sc, &t) && rc_claim_normalize_modifier(t.s, t.len, line->mods[line->nmods++]);
}

static int pointer_item(scan *sc, int i, void *ctx)
{
  line_ctx *lc = ctx;
  return small_integer(sc, &lc->pointers[i - 1]);
}

static int read_code(scan *sc, rc_line *line)
{
  text t;
  if (!string_of(sc, &t) || rc_code_normalize(t.s, t.len, line->code) == RC_CODE_MALFORMED) return 0;
  line->key = rc_code_key(line->code);
  line->ptp_key = rc_ptp_key(line->key);
  return 1;
}

static int read_date(scan *sc, rc_line *line)
{
  text t;
  if (!string_of(sc, &t) || rc_date_parse(t.s, t.len, &line->day) != RC_DATE_OK) return 0;
  memcpy(line->date, t.s, RC_DATE_LEN);   /* a date that parses is in ISO form (as claim.c keeps it) */
  line->date[RC_DATE_LEN] = '\0';
  return strcmp(line->date, RC_FIRST_DOS) >= 0;
}

static int line_member(scan *sc, int k, void *ctx)
{
  line_ctx *lc = ctx;
  rc_line *line = lc->line;
  int n;
  switch (k) {
  case L_CODE: return read_code(sc, line);
  case L_DATE: return read_date(sc, line);
  case L_UNITS: return small_integer(sc, &line->units);
  case L_MODIFIERS:
    if (!list_of(sc, RC_MAX_MODIFIERS, modifier_item, line, &n)) return 0;
    line->mods_given = n;
    return 1;
  case L_DX: return list_of(sc, RC_MAX_LINE_DX, pointer_item, lc, &line->ndx);
  default: return 0;
  }
}

typedef struct lines_ctx {
  rc_claim *claim;
  long pointers[RC_INLINE_LINES][RC_MAX_LINE_DX];
} lines_ctx;

static int line_item(scan *sc, int i, void *ctx)
{
  lines_ctx *all = ctx;
  line_ctx lc;
  unsigned seen;
  lc.line = &all->claim->inline_lines[i - 1];
  memset(lc.line, 0, sizeof *lc.line);
  lc.line->index = i;
  lc.line->usable = 1;
  lc.line->units = 1;
  if (!object_of(sc, line_keys, line_member, &lc, &seen)) return 0;
  memcpy(all->pointers[i - 1], lc.pointers, sizeof lc.pointers);
  return (seen & (1u << L_CODE)) && (seen & (1u << L_DATE));
}

/* ---- the claim ---- */

enum { C_ID, C_PATIENT, C_COURSE, C_PAYER, C_AUTHORIZATION, C_NPI, C_CONTRACTOR, C_STATE, C_PROVIDER,
       C_SETTING, C_POS, C_DIAGNOSES, C_LINES };
static const char *const claim_keys[] = {"id", "patient", "course", "payer", "authorization", "npi", "contractor",
                                         "state", "provider", "setting", "pos", "diagnoses", "lines", NULL};

typedef struct claim_ctx {
  rc_claim *claim;
  char setting[32], pos[8], npi[16], provider[16];
  int max_lines;
  lines_ctx lines;
} claim_ctx;

static int diagnosis_item(scan *sc, int i, void *ctx)
{
  rc_claim *claim = ctx;
  text t;
  (void)i;
  return string_of(sc, &t) && rc_claim_normalize_dx(t.s, t.len, claim->diag[claim->ndiag++]);
}

static int claim_member(scan *sc, int k, void *ctx)
{
  claim_ctx *cc = ctx;
  rc_claim *claim = cc->claim;
  int n;
  switch (k) {
  case C_ID: return copy_text(sc, claim->id, sizeof claim->id);
  case C_PATIENT: return copy_text(sc, claim->patient, sizeof claim->patient);
  case C_COURSE: return copy_text(sc, claim->course, sizeof claim->course);
  case C_PAYER: return copy_text(sc, claim->payer, sizeof claim->payer);
  case C_AUTHORIZATION: return copy_text(sc, claim->authorization, sizeof claim->authorization);
  case C_NPI: return copy_text(sc, cc->npi, sizeof cc->npi);
  case C_CONTRACTOR: return copy_text(sc, claim->contractor, sizeof claim->contractor);
  case C_STATE: return copy_text(sc, claim->state, sizeof claim->state);
  case C_PROVIDER: return copy_text(sc, cc->provider, sizeof cc->provider);
  case C_SETTING: return copy_text(sc, cc->setting, sizeof cc->setting);
  case C_POS: return copy_text(sc, cc->pos, sizeof cc->pos);
  case C_DIAGNOSES: return list_of(sc, RC_MAX_DIAGNOSES, diagnosis_item, claim, &n);
  case C_LINES:
    return list_of(sc, cc->max_lines < RC_INLINE_LINES ? cc->max_lines : RC_INLINE_LINES, line_item, &cc->lines,
                   &claim->nlines);
  default: return 0;
  }
}

/* The rest of claim.c's reading, on values known to be well formed: the
 * setting and place of service, the state in upper case, the pointers. */
static int finish(claim_ctx *cc)
{
  rc_claim *claim = cc->claim;
  int setting = rc_claim_type(cc->setting), i, j;
  if (setting < 0 || claim->nlines == 0 || (cc->pos[0] && !rc_claim_pos_valid(cc->pos))) return 0;
  claim->setting = setting;
  memcpy(claim->pos, cc->pos, sizeof claim->pos);
  for (i = 0; claim->state[i]; i++) claim->state[i] = (char)toupper((unsigned char)claim->state[i]);
  claim->lines = claim->inline_lines;
  for (i = 0; i < claim->nlines; i++) {
    rc_line *line = &claim->lines[i];
    for (j = 0; j < line->ndx; j++) {
      if (cc->lines.pointers[i][j] > claim->ndiag) return 0;
      line->dx[j] = (int)cc->lines.pointers[i][j];
    }
  }
  return 1;
}

int rc_claim_plain(const char *json, size_t len, rc_claim *claim, int max_lines)
{
  scan sc;
  claim_ctx cc;
  unsigned seen;
  sc.p = json;
  sc.end = json + len;
  memset(claim, 0, offsetof(rc_claim, inline_lines));
  memset(&cc, 0, offsetof(claim_ctx, lines));
  cc.claim = claim;
  cc.max_lines = max_lines;
  cc.lines.claim = claim;
  if (!object_of(&sc, claim_keys, claim_member, &cc, &seen)) return 0;
  skip_ws(&sc);
  return sc.p == sc.end && finish(&cc);
}
