/* x12.c: reads X12 837P (005010X222A1) and 837I (005010X223A2) claims into
 * radcode's claim tables (core.x12_claims). One pass over the text, one
 * segment at a time, no copies of the input: the delimiters come from each
 * ISA (element separator at byte 4, repetition ISA11, component ISA16, the
 * segment terminator after ISA16), CR/LF after a terminator is skipped, and
 * the envelope (ISA/IEA, GS/GE, ST/SE: counts and control numbers) must be
 * whole, or the answer is nil, "x12: <what> at segment N". Inside ST the
 * HL hierarchy (20 billing provider, 22 subscriber, 23 patient) gives each
 * CLM its patient, payer and provider; LX starts a line (SV1 or SV2); HI
 * gives diagnoses; DTP 472 and 434 give dates. What is wrong with one claim
 * goes into its `problems` (input findings at check time); the other claims
 * are still read. The tables are built on the Lua stack as segments come:
 * nothing is malloc'd, so a memory error leaks nothing. */
#include "x12.h"
#include "utf8.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>

#define X12_MAX_ELEMENTS 32
#define X12_MAX_COMPONENTS 8
#define X12_ISA_LEN 106

typedef struct span { const char *p; size_t n; } span;

typedef struct segment {
  span e[X12_MAX_ELEMENTS];   /* e[0] is the segment id */
  int n;
} segment;

/* Stack slots, relative to x->base. */
enum { S_RESULT, S_CLAIM, S_LINES, S_DIAG, S_PROBLEMS, S_LINE, S_COUNT };

typedef struct x12 {
  lua_State *L;
  const char *s, *end, *p;      /* the text, and where the reader is in it */
  int started, done;
  int lean;                     /* x12_batches(text, n, true): no `source` tables (only rc:check_all reads the claims) */
  char esep, csep, rsep, term;
  long segno;                   /* 1-based, over the whole text */
  int base;
  /* the envelope */
  int in_isa, in_gs, in_st, institutional;
  char isa13[16], gs06[16], st02[16], version[16];
  long ngs, nst, st_segments, st_at;
  /* the hierarchy */
  char billing[16], subscriber[48], patient[48], payer_id[48], payer_name[48], filing[4];
  /* the claim being read */
  int in_claim, other_subscriber, lx_seen, nclaims, nlines, ndiag, nproblems, line_open, line_service;
  char claim_date[11], last_date[11], icd9[4], pos[3];
  long lx, lx_at, icd9_at;       /* the LX, and the HI with an ICD-9 qualifier: segment numbers */
  char err[200];
} x12;

/* ---- spans ------------------------------------------------------------ */

static int is(span s, const char *lit)
{
  size_t n = strlen(lit);
  return s.n == n && memcmp(s.p, lit, n) == 0;
}

/* A NUL-terminated copy (cut to fit). */
static void copy(span s, char *out, size_t size)
{
  size_t n = s.n < size - 1 ? s.n : size - 1;
  memcpy(out, s.p, n);
  out[n] = '\0';
}

static span element(const segment *g, int i)
{
  span none = {"", 0};
  return i < g->n ? g->e[i] : none;
}

/* Splits a composite at the component separator; returns the count. */
static int components(span s, char sep, span out[X12_MAX_COMPONENTS])
{
  int n = 0;
  const char *p = s.p, *end = s.p + s.n;
  for (n = 0; n < X12_MAX_COMPONENTS; n++) {
    const char *q = memchr(p, sep, (size_t)(end - p));
    out[n].p = p;
    out[n].n = (size_t)((q ? q : end) - p);
    if (!q) return n + 1;
    p = q + 1;
  }
  return n;
}

/* A whole number from a span of digits, or -1. */
static long number(span s)
{
  long v = 0;
  size_t i;
  if (s.n == 0 || s.n > 9) return -1;
  for (i = 0; i < s.n; i++) {
    if (s.p[i] < '0' || s.p[i] > '9') return -1;
    v = v * 10 + (s.p[i] - '0');
  }
  return v;
}

/* ---- errors and problems ---------------------------------------------- */

static int fail(x12 *x, const char *fmt, ...)
{
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(x->err, sizeof x->err, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof x->err)
    snprintf(x->err + n, sizeof x->err - (size_t)n, " at segment %ld", x->segno);
  return 0;
}

static void slot(x12 *x, int s) { lua_pushvalue(x->L, x->base + s); }

static void set_string(lua_State *L, const char *key, const char *value)
{
  lua_pushstring(L, value);
  lua_setfield(L, -2, key);
}

static void set_span(lua_State *L, const char *key, span value)
{
  lua_pushlstring(L, value.p, value.n);
  lua_setfield(L, -2, key);
}

static void set_integer(lua_State *L, const char *key, lua_Integer value)
{
  lua_pushinteger(L, value);
  lua_setfield(L, -2, key);
}

/* Adds {line =, severity =, message =, fix =} to the claim's problems. */
static void problem(x12 *x, int line, const char *severity, const char *fix, const char *fmt, ...)
{
  char message[256];
  int n;
  va_list ap;
  lua_State *L = x->L;
  va_start(ap, fmt);
  n = vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof message)
    snprintf(message + n, sizeof message - (size_t)n, " (segment %ld)", x->segno);
  slot(x, S_PROBLEMS);
  lua_createtable(L, 0, 4);
  if (line > 0) set_integer(L, "line", line);
  set_string(L, "severity", severity);
  set_string(L, "message", message);
  if (fix) set_string(L, "fix", fix);
  lua_rawseti(L, -2, ++x->nproblems);
  lua_pop(L, 1);
}

/* ---- dates -------------------------------------------------------------- */

/* "CCYYMMDD" (D8, or the first date of an RD8 range) as "CCYY-MM-DD";
 * anything else is kept as given, so the claim reader names it. */
static void iso_date(span format, span value, char out[11])
{
  size_t i;
  int digits = value.n >= 8;
  for (i = 0; digits && i < 8; i++) digits = value.p[i] >= '0' && value.p[i] <= '9';
  if (digits && ((is(format, "D8") && value.n == 8) ||
                 (is(format, "RD8") && (value.n == 8 || (value.n == 17 && value.p[8] == '-'))))) {
    memcpy(out, value.p, 4);
    out[4] = '-';
    memcpy(out + 5, value.p + 4, 2);
    out[7] = '-';
    memcpy(out + 8, value.p + 6, 2);
    out[10] = '\0';
    return;
  }
  copy(value, out, 11);
}

static void note_date(x12 *x, const char *date)
{
  if (strcmp(date, x->last_date) > 0) memcpy(x->last_date, date, 11);
}

/* ---- claims --------------------------------------------------------------- */

/* Closes the line being read: a line with no date takes the claim's. */
static void line_close(x12 *x)
{
  lua_State *L = x->L;
  if (!x->line_open) return;
  x->line_open = 0;
  if (!x->line_service) {
    long now = x->segno;
    x->segno = x->lx_at;   /* the message names the LX */
    problem(x, 0, "deny", "give each LX its SV1 (837P) or SV2 (837I) service line",
            "x12: LX %ld has no %s service line; it was not read", x->lx, x->institutional ? "SV2" : "SV1");
    x->segno = now;
    return;
  }
  slot(x, S_LINE);
  if (lua_getfield(L, -1, "date") == LUA_TNIL && x->claim_date[0]) {
    lua_pop(L, 1);
    set_string(L, "date", x->claim_date);
  } else {
    lua_pop(L, 1);
  }
  slot(x, S_LINES);
  lua_insert(L, -2);
  lua_rawseti(L, -2, ++x->nlines);
  lua_pop(L, 1);
}

/* The claim's payer: Medicare by claim filing indicator, else the payer id
 * or name, lower case. */
static void set_payer(x12 *x)
{
  char payer[48];
  size_t i;
  if (strcmp(x->filing, "MA") == 0 || strcmp(x->filing, "MB") == 0) {
    set_string(x->L, "payer", "medicare");
    return;
  }
  snprintf(payer, sizeof payer, "%s", x->payer_id[0] ? x->payer_id : x->payer_name);
  if (!payer[0]) return;
  for (i = 0; payer[i]; i++)
    if (payer[i] >= 'A' && payer[i] <= 'Z') payer[i] = (char)(payer[i] - 'A' + 'a');
  payer[31] = '\0';
  set_string(x->L, "payer", payer);
}

/* Finishes the claim being read and appends it to the result. */
static void claim_close(x12 *x)
{
  lua_State *L = x->L;
  if (!x->in_claim) return;
  line_close(x);
  x->in_claim = 0;
  if (x->icd9[0] && strcmp(x->last_date, "2015-10-01") >= 0) {
    long now = x->segno;
    x->segno = x->icd9_at;   /* the message names the HI */
    problem(x, 0, "deny", "report ICD-10-CM diagnoses (qualifiers ABK, ABF) for services from 2015-10-01",
            "x12: diagnosis qualifier %s is ICD-9, but the claim has services from %s (ICD-10-CM since 2015-10-01)",
            x->icd9, x->last_date);
    x->segno = now;
  }
  slot(x, S_CLAIM);
  set_string(L, "setting", x->institutional ? "hospital" : "practitioner");
  if (x->patient[0] || x->subscriber[0]) set_string(L, "patient", x->patient[0] ? x->patient : x->subscriber);
  set_payer(x);
  if (lua_getfield(L, -1, "provider") == LUA_TNIL && x->billing[0]) {
    lua_pop(L, 1);
    set_string(L, "provider", x->billing);
  } else {
    lua_pop(L, 1);
  }
  slot(x, S_LINES); lua_setfield(L, -2, "lines");
  slot(x, S_DIAG); lua_setfield(L, -2, "diagnoses");
  if (x->nproblems > 0) { slot(x, S_PROBLEMS); lua_setfield(L, -2, "problems"); }
  slot(x, S_RESULT);
  lua_insert(L, -2);
  lua_rawseti(L, -2, ++x->nclaims);
  lua_pop(L, 1);
}

/* The claim's source: format, control numbers, the CLM segment. */
static void claim_source(x12 *x)
{
  lua_State *L = x->L;
  lua_createtable(L, 0, 6);
  set_string(L, "format", "x12");
  set_string(L, "version", x->version);
  set_string(L, "interchange", x->isa13);
  set_string(L, "group", x->gs06);
  set_string(L, "transaction", x->st02);
  set_integer(L, "segment", x->segno);
  lua_setfield(L, -2, "source");
}

static void new_table(x12 *x, int s)
{
  lua_newtable(x->L);
  lua_replace(x->L, x->base + s);
}

/* CLM: claim id; CLM05 facility code (837P place of service; 837I the
 * type of bill with CLM05-3). */
static int seg_clm(x12 *x, const segment *g)
{
  lua_State *L = x->L;
  span c[X12_MAX_COMPONENTS];
  int nc = components(element(g, 5), x->csep, c);
  claim_close(x);
  x->in_claim = 1;
  x->other_subscriber = x->lx_seen = x->nlines = x->ndiag = x->nproblems = 0;
  x->claim_date[0] = x->last_date[0] = x->icd9[0] = x->pos[0] = '\0';
  new_table(x, S_LINES);
  new_table(x, S_DIAG);
  new_table(x, S_PROBLEMS);
  lua_createtable(L, 0, 12);
  lua_replace(L, x->base + S_CLAIM);
  slot(x, S_CLAIM);
  if (element(g, 1).n > 0) set_span(L, "id", element(g, 1));
  if (!x->lean) claim_source(x);
  if (!x->institutional && c[0].n > 0) {
    copy(c[0], x->pos, sizeof x->pos);
    set_span(L, "pos", c[0]);
  } else if (x->institutional && c[0].n > 0) {
    char bill[16];
    copy(c[0], bill, sizeof bill);
    if (c[0].n == 2 && nc > 2 && c[2].n == 1) bill[2] = c[2].p[0], bill[3] = '\0';
    set_string(L, "bill_type", bill);
  }
  lua_pop(L, 1);
  if (element(g, 1).n == 0)
    problem(x, 0, "deny", "give CLM01 the claim's id (the patient control number)", "x12: CLM has no claim id (CLM01)");
  if (c[0].n == 0)
    problem(x, 0, "deny", x->institutional ? "give CLM05-1 and CLM05-3 the type of bill, e.g. 13:A:1"
                                           : "give CLM05-1 the place of service, e.g. 11:B:1",
            "x12: CLM05 has no %s", x->institutional ? "type of bill" : "place of service");
  return 1;
}

/* A procedure composite HC:code:mod1..mod4 into the line on top. */
static void procedure(x12 *x, span composite, int line)
{
  lua_State *L = x->L;
  span c[X12_MAX_COMPONENTS];
  int nc = components(composite, x->csep, c), i, nm = 0;
  if (!is(c[0], "HC"))
    problem(x, line, "deny", "report the service as a HCPCS / CPT code (qualifier HC)",
            "x12: LX %ld: procedure qualifier '%.*s' is not HC (HCPCS / CPT); radcode reads only those",
            x->lx, (int)(c[0].n > 8 ? 8 : c[0].n), c[0].p);
  if (nc > 1 && c[1].n > 0) set_span(L, "code", c[1]);
  for (i = 2; i < nc && i < 6; i++) nm += c[i].n > 0;
  if (nm == 0) return;   /* no table for a line without modifiers */
  lua_createtable(L, nm, 0);
  for (nm = 0, i = 2; i < nc && i < 6; i++)
    if (c[i].n > 0) {
      lua_pushlstring(L, c[i].p, c[i].n);
      lua_rawseti(L, -2, ++nm);
    }
  lua_setfield(L, -2, "modifiers");
}

/* Units: a whole number as an integer, else as given (the claim reader
 * names what is wrong with it). */
static void units(lua_State *L, span s)
{
  char buf[32];
  if (s.n == 0) return;
  copy(s, buf, sizeof buf);
  if (s.n >= sizeof buf || lua_stringtonumber(L, buf) == 0) lua_pushlstring(L, s.p, s.n);
  lua_setfield(L, -2, "units");
}

static void charge(lua_State *L, span s)
{
  char buf[32];
  if (s.n == 0 || s.n >= sizeof buf) return;
  copy(s, buf, sizeof buf);
  if (lua_stringtonumber(L, buf) == 0) return;
  lua_setfield(L, -2, "charge");
}

/* The current line, pushed, or NULL with a problem when there is none. */
static int line_for_service(x12 *x, const segment *g)
{
  if (!x->line_open || x->line_service) {
    problem(x, 0, "deny", "start each service line with LX", "x12: %.*s without its own LX; it was not read",
            rc_utf8_cut(g->e[0].p, 3), g->e[0].p);
    return 0;
  }
  x->line_service = 1;
  slot(x, S_LINE);
  return 1;
}

/* SV1: HC:code:mods, charge, unit basis, units, place of service,
 * (unused), diagnosis pointers. */
static int seg_sv1(x12 *x, const segment *g)
{
  lua_State *L = x->L;
  span c[X12_MAX_COMPONENTS];
  int nc, i, line = x->nlines + 1;
  if (!line_for_service(x, g)) return 1;
  procedure(x, element(g, 1), line);
  charge(L, element(g, 2));
  units(L, element(g, 4));
  if (element(g, 5).n > 0 && !is(element(g, 5), x->pos)) {
    set_span(L, "pos", element(g, 5));
    problem(x, line, "info", "send lines with another place of service on their own claim",
            "x12: LX %ld has place of service %.*s, the claim %s; radcode checks the claim's", x->lx,
            (int)(element(g, 5).n > 4 ? 4 : element(g, 5).n), element(g, 5).p, x->pos);
  }
  nc = element(g, 7).n > 0 ? components(element(g, 7), x->csep, c) : 0;
  if (nc > 0) {
    lua_createtable(L, nc, 0);
    for (i = 0; i < nc; i++) {
      long p = number(c[i]);
      if (p >= 0) lua_pushinteger(L, p);
      else lua_pushlstring(L, c[i].p, c[i].n);
      lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "dx");
  }
  lua_pop(L, 1);
  return 1;
}

/* SV2: revenue code, HC:code:mods, charge, unit basis, units. A line
 * with a revenue code only (no HCPCS) is not a service radcode checks. */
static int seg_sv2(x12 *x, const segment *g)
{
  lua_State *L = x->L;
  if (element(g, 2).n == 0) {
    x->line_open = 0;
    problem(x, 0, "info", NULL, "x12: LX %ld (revenue code %.*s) has no HCPCS code; radcode does not check it",
            x->lx, (int)(element(g, 1).n > 8 ? 8 : element(g, 1).n), element(g, 1).p);
    return 1;
  }
  if (!line_for_service(x, g)) return 1;
  if (element(g, 1).n > 0) set_span(L, "revenue", element(g, 1));
  procedure(x, element(g, 2), x->nlines + 1);
  charge(L, element(g, 3));
  units(L, element(g, 5));
  lua_pop(L, 1);
  return 1;
}

/* LX: a new service line. */
static int seg_lx(x12 *x, const segment *g)
{
  lua_State *L = x->L;
  if (!x->in_claim) return fail(x, "x12: LX before any CLM");
  line_close(x);
  x->lx_seen = 1;
  x->lx_at = x->segno;
  x->lx = number(element(g, 1));
  x->line_open = 1;
  x->line_service = 0;
  lua_createtable(L, 0, 8);
  if (!x->lean) {
    lua_createtable(L, 0, 2);
    set_integer(L, "lx", x->lx);
    set_integer(L, "segment", x->segno);
    lua_setfield(L, -2, "source");
  }
  lua_replace(L, x->base + S_LINE);
  if (x->lx < 1)
    problem(x, x->nlines + 1, "warn", "number the lines 1, 2, 3 in LX01", "x12: LX01 '%.*s' is not a line number",
            (int)(element(g, 1).n > 8 ? 8 : element(g, 1).n), element(g, 1).p);
  return 1;
}

/* DTP: 472 service date (claim or line), 434 statement dates (837I). */
static int seg_dtp(x12 *x, const segment *g)
{
  char date[11];
  span q = element(g, 1);
  if (!x->in_claim || !(is(q, "472") || is(q, "434"))) return 1;
  iso_date(element(g, 2), element(g, 3), date);
  note_date(x, date);
  if (x->line_open && is(q, "472")) {
    slot(x, S_LINE);
    set_string(x->L, "date", date);
    lua_pop(x->L, 1);
  } else if (!x->lx_seen && (is(q, "472") || !x->claim_date[0])) {
    memcpy(x->claim_date, date, 11);
  }
  return 1;
}

/* One HI composite: ICD-10 (ABK principal, ABF other, ABJ admitting, APR
 * reason for visit) or their ICD-9 forms (BK, BF, BJ, PR). */
static void diagnosis(x12 *x, span composite)
{
  span c[X12_MAX_COMPONENTS];
  int nc = components(composite, x->csep, c);
  int icd10 = is(c[0], "ABK") || is(c[0], "ABF") || is(c[0], "ABJ") || is(c[0], "APR");
  int icd9 = is(c[0], "BK") || is(c[0], "BF") || is(c[0], "BJ") || is(c[0], "PR");
  if (!(icd10 || icd9) || nc < 2 || c[1].n == 0) return;
  if (icd9 && !x->icd9[0]) {
    copy(c[0], x->icd9, sizeof x->icd9);
    x->icd9_at = x->segno;
  }
  slot(x, S_DIAG);
  lua_pushlstring(x->L, c[1].p, c[1].n);
  lua_rawseti(x->L, -2, ++x->ndiag);
  lua_pop(x->L, 1);
}

static int seg_hi(x12 *x, const segment *g)
{
  int i;
  if (!x->in_claim || x->lx_seen) return 1;
  for (i = 1; i < g->n; i++) diagnosis(x, g->e[i]);
  return 1;
}

/* NM1: billing provider (85), rendering provider (82), subscriber (IL),
 * patient (QC), payer (PR). Inside a claim, only 82 (the claim's or a
 * line's rendering provider); the other subscribers of 2330 are skipped. */
static int seg_nm1(x12 *x, const segment *g)
{
  span who = element(g, 1), id = element(g, 9);
  int npi = is(element(g, 8), "XX");
  if (x->in_claim) {
    if (!is(who, "82") || !npi || id.n == 0 || x->other_subscriber) return 1;
    if (x->lx_seen && !x->line_open) return 1;
    if (x->line_open) slot(x, S_LINE);
    else slot(x, S_CLAIM);
    set_span(x->L, x->line_open ? "npi" : "provider", id);
    lua_pop(x->L, 1);
    return 1;
  }
  if (is(who, "85") && npi) copy(id, x->billing, sizeof x->billing);
  else if (is(who, "IL")) copy(id, x->subscriber, sizeof x->subscriber);
  else if (is(who, "QC")) copy(id, x->patient, sizeof x->patient);
  else if (is(who, "PR")) {
    copy(id, x->payer_id, sizeof x->payer_id);
    copy(element(g, 3), x->payer_name, sizeof x->payer_name);
  }
  return 1;
}

/* HL: a new level of the hierarchy ends the claim being read. */
static int seg_hl(x12 *x, const segment *g)
{
  span level = element(g, 3);
  claim_close(x);
  if (is(level, "20")) x->billing[0] = '\0';
  if (is(level, "20") || is(level, "22")) {
    x->subscriber[0] = x->payer_id[0] = x->payer_name[0] = x->filing[0] = '\0';
  }
  x->patient[0] = '\0';
  return 1;
}

static int seg_sbr(x12 *x, const segment *g)
{
  if (x->in_claim) x->other_subscriber = 1;   /* 2320: another payer of this claim */
  else copy(element(g, 9), x->filing, sizeof x->filing);
  return 1;
}

static int seg_ref(x12 *x, const segment *g)
{
  if (x->in_claim && !x->lx_seen && !x->other_subscriber && is(element(g, 1), "G1")) {
    slot(x, S_CLAIM);
    set_span(x->L, "authorization", element(g, 2));
    lua_pop(x->L, 1);
  }
  return 1;
}

/* ---- the envelope ----------------------------------------------------- */

/* Reads the ISA at p: the fixed positions of its separators. */
static int isa(x12 *x, const char *p)
{
  static const int at[] = {3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103};
  size_t i;
  if (x->in_isa) return fail(x, "x12: ISA before the IEA of the interchange before it");
  if ((size_t)(x->end - p) < X12_ISA_LEN) return fail(x, "x12: ISA is not 106 characters (the file is cut short)");
  x->esep = p[3];
  for (i = 0; i < sizeof at / sizeof at[0]; i++)
    if (p[at[i]] != x->esep) return fail(x, "x12: ISA is not 106 characters (element %d is not where it belongs)", (int)i + 1);
  x->rsep = p[82];
  x->csep = p[104];
  x->term = p[105];
  if (x->csep == x->esep || x->term == x->esep || x->term == x->csep || isalnum((unsigned char)x->esep) ||
      isalnum((unsigned char)x->csep) || isalnum((unsigned char)x->term))
    return fail(x, "x12: ISA gives the same character to two separators");
  memcpy(x->isa13, p + 90, 9);
  x->isa13[9] = '\0';
  x->in_isa = 1;
  x->ngs = 0;
  return 1;
}

static int seg_gs(x12 *x, const segment *g)
{
  if (x->in_gs) return fail(x, "x12: GS before the GE of the group before it");
  x->in_gs = 1;
  x->ngs++;
  x->nst = 0;
  copy(element(g, 6), x->gs06, sizeof x->gs06);
  copy(element(g, 8), x->version, sizeof x->version);
  return 1;
}

static int seg_st(x12 *x, const segment *g)
{
  if (!x->in_gs) return fail(x, "x12: ST outside a functional group (GS)");
  if (x->in_st) return fail(x, "x12: ST before the SE of the transaction before it");
  if (!is(element(g, 1), "837"))
    return fail(x, "x12: transaction set %.*s is not an 837 claim", (int)(element(g, 1).n > 6 ? 6 : element(g, 1).n),
                element(g, 1).p);
  if (element(g, 3).n > 0) copy(element(g, 3), x->version, sizeof x->version);
  if (strstr(x->version, "X222")) x->institutional = 0;
  else if (strstr(x->version, "X223")) x->institutional = 1;
  else return fail(x, "x12: version '%s' is not 837P (005010X222A1) or 837I (005010X223A2)", x->version);
  x->in_st = 1;
  x->nst++;
  x->st_segments = 0;
  x->st_at = x->segno;
  copy(element(g, 2), x->st02, sizeof x->st02);
  x->billing[0] = x->subscriber[0] = x->patient[0] = x->payer_id[0] = x->payer_name[0] = x->filing[0] = '\0';
  return 1;
}

/* A trailer's count and control number must match its header's. */
static int trailer(x12 *x, const segment *g, long counted, const char *control, const char *header)
{
  long said = number(element(g, 1));
  if (said != counted)
    return fail(x, "x12: %.*s01 says %.*s, but %ld %s counted", (int)g->e[0].n, g->e[0].p, (int)(element(g, 1).n > 12 ? 12 : element(g, 1).n),
                element(g, 1).p, counted, header);
  if (!is(element(g, 2), control))
    return fail(x, "x12: %.*s02 '%.*s' does not match the control number '%s'", (int)g->e[0].n, g->e[0].p,
                (int)(element(g, 2).n > 12 ? 12 : element(g, 2).n), element(g, 2).p, control);
  return 1;
}

static int seg_se(x12 *x, const segment *g)
{
  claim_close(x);
  x->in_st = 0;
  return trailer(x, g, x->st_segments, x->st02, "segments were");
}

static int seg_ge(x12 *x, const segment *g)
{
  if (x->in_st) return fail(x, "x12: GE before the SE of its transaction");
  x->in_gs = 0;
  return trailer(x, g, x->nst, x->gs06, "transactions were");
}

static int seg_iea(x12 *x, const segment *g)
{
  if (x->in_gs) return fail(x, "x12: IEA before the GE of its group");
  x->in_isa = 0;
  return trailer(x, g, x->ngs, x->isa13, "groups were");
}

/* ---- segments ------------------------------------------------------------ */

typedef int (*seg_fn)(x12 *x, const segment *g);

/* The reader of a segment inside ST .. SE, or NULL (segments radcode does
 * not read). */
static seg_fn reader_of(span id)
{
  if (id.n == 2) {
    if (is(id, "LX")) return seg_lx;
    if (is(id, "HI")) return seg_hi;
    if (is(id, "HL")) return seg_hl;
    if (is(id, "SE")) return seg_se;
  } else if (id.n == 3) {
    if (is(id, "SV1")) return seg_sv1;
    if (is(id, "SV2")) return seg_sv2;
    if (is(id, "DTP")) return seg_dtp;
    if (is(id, "NM1")) return seg_nm1;
    if (is(id, "CLM")) return seg_clm;
    if (is(id, "SBR")) return seg_sbr;
    if (is(id, "REF")) return seg_ref;
  }
  return NULL;
}

/* Dispatches a segment inside ST .. SE. */
static int in_st(x12 *x, const segment *g)
{
  seg_fn fn;
  x->st_segments++;
  if ((is(g->e[0], "SV1") || is(g->e[0], "SV2")) && !x->in_claim) return fail(x, "x12: %.3s before any CLM", g->e[0].p);
  if (is(g->e[0], x->institutional ? "SV1" : "SV2")) {
    problem(x, 0, "deny", x->institutional ? "an 837I carries SV2 service lines" : "an 837P carries SV1 service lines",
            "x12: %.*s in an %s; it was not read", rc_utf8_cut(g->e[0].p, 3), g->e[0].p, x->institutional ? "837I" : "837P");
    return 1;
  }
  if ((fn = reader_of(g->e[0])) != NULL) return fn(x, g);
  if (is(g->e[0], "ST") || is(g->e[0], "GS") || is(g->e[0], "GE") || is(g->e[0], "IEA") || is(g->e[0], "ISA"))
    return fail(x, "x12: %.*s before the SE of transaction %s", (int)g->e[0].n, g->e[0].p, x->st02);
  return 1;
}

static int segment_do(x12 *x, const segment *g)
{
  if (is(g->e[0], "ISA")) return fail(x, "x12: ISA before the IEA of the interchange before it");
  if (x->in_st) return in_st(x, g);
  if (is(g->e[0], "ST")) {
    if (!seg_st(x, g)) return 0;
    x->st_segments = 1;
    return 1;
  }
  if (is(g->e[0], "GS") && x->in_isa) return seg_gs(x, g);
  if (is(g->e[0], "GE") && x->in_isa) return seg_ge(x, g);
  if (is(g->e[0], "IEA") && x->in_isa) return seg_iea(x, g);
  if (!x->in_isa) return fail(x, "x12: %.*s outside an interchange (ISA .. IEA)", (int)(g->e[0].n > 3 ? 3 : g->e[0].n), g->e[0].p);
  return fail(x, "x12: %.*s outside a transaction (ST .. SE)", (int)(g->e[0].n > 3 ? 3 : g->e[0].n), g->e[0].p);
}

/* Splits the segment at p (up to the terminator) into elements. */
static const char *split(x12 *x, const char *p, segment *g)
{
  const char *stop = memchr(p, x->term, (size_t)(x->end - p));
  const char *q;
  if (!stop) stop = x->end;
  g->n = 0;
  while (g->n < X12_MAX_ELEMENTS) {
    q = memchr(p, x->esep, (size_t)(stop - p));
    g->e[g->n].p = p;
    g->e[g->n++].n = (size_t)((q ? q : stop) - p);
    if (!q) break;
    p = q + 1;
  }
  return stop;
}

static const char *skip_space(const char *p, const char *end)
{
  while (p < end && (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t')) p++;
  return p;
}

/* Reads on from x->p until the end of the text (1), or until `limit`
 * claims are done (2; 0 for no limit), or a broken envelope (0, x->err). */
static int read_on(x12 *x, int limit)
{
  const char *p = skip_space(x->p, x->end);
  segment g;
  if (!x->started) {
    x->started = 1;
    if ((size_t)(x->end - p) < 3 || memcmp(p, "ISA", 3) != 0)
      return x->segno = 1, fail(x, "x12: the text does not start with ISA");
  }
  while ((p = skip_space(p, x->end)) < x->end) {
    if (limit > 0 && x->nclaims >= limit) return x->p = p, 2;
    x->segno++;
    if (!x->in_isa && (size_t)(x->end - p) >= 3 && memcmp(p, "ISA", 3) == 0) {
      if (!isa(x, p)) return 0;
      p += X12_ISA_LEN;
      continue;
    }
    p = split(x, p, &g);
    if (p == x->end) return fail(x, "x12: the last segment has no terminator (byte 0x%02x; the file is cut short)",
                                 (unsigned)(unsigned char)x->term);
    p++;
    if (!segment_do(x, &g)) return 0;
  }
  x->p = p;
  if (x->in_isa) return fail(x, "x12: the interchange %s has no IEA (the file is cut short)", x->isa13);
  return 1;
}

/* The reader's state: a userdata whose user values are the text (1) and
 * the tables of the claim being read between two batches (2). */
static x12 *new_state(lua_State *L, int text)
{
  size_t len;
  const char *s = lua_tolstring(L, text, &len);
  x12 *x = lua_newuserdatauv(L, sizeof *x, 2);
  memset(x, 0, sizeof *x);
  x->s = x->p = s;
  x->end = s + len;
  lua_pushvalue(L, text);
  lua_setiuservalue(L, -2, 1);
  lua_createtable(L, S_COUNT, 0);
  lua_setiuservalue(L, -2, 2);
  return x;
}

/* Moves the claim being read between the stack slots and user value 2. */
static void slots_load(lua_State *L, int state, int base)
{
  int i;
  lua_getiuservalue(L, state, 2);
  for (i = 1; i < S_COUNT; i++) {
    lua_rawgeti(L, -1, i);
    lua_replace(L, base + i);
  }
  lua_pop(L, 1);
}

static void slots_save(lua_State *L, int state, int base)
{
  int i;
  lua_getiuservalue(L, state, 2);
  for (i = 1; i < S_COUNT; i++) {
    lua_pushvalue(L, base + i);
    lua_rawseti(L, -2, i);
  }
  lua_pop(L, 1);
}

/* (state, limit) -> { claim, ... }, done | nil, message: the next claims. */
static int read_batch(lua_State *L)
{
  x12 *x = lua_touserdata(L, 1);
  int limit = (int)lua_tointeger(L, 2), i, status;
  lua_settop(L, 2);
  x->L = L;
  x->base = 3;
  x->nclaims = 0;
  luaL_checkstack(L, S_COUNT + 16, "x12");
  lua_newtable(L);
  for (i = 1; i < S_COUNT; i++) lua_pushnil(L);
  slots_load(L, 1, x->base);
  status = read_on(x, limit);
  if (status == 0) {
    luaL_pushfail(L);
    lua_pushstring(L, x->err);
    return 2;
  }
  slots_save(L, 1, x->base);
  lua_pushvalue(L, x->base + S_RESULT);
  lua_pushboolean(L, status == 1);
  return 2;
}

/* Runs read_batch on the state at `state`: everything the reader builds
 * stays alive until it returns, so the collector is paused meanwhile (a
 * third of the time otherwise), in a protected call that restarts it
 * whatever happens, then passes an error on. Leaves its two results. */
static void batch(lua_State *L, int state, int limit)
{
  int running = lua_gc(L, LUA_GCISRUNNING), status;
  lua_pushcfunction(L, read_batch);
  lua_pushvalue(L, state);
  lua_pushinteger(L, limit);
  if (running) lua_gc(L, LUA_GCSTOP);
  status = lua_pcall(L, 2, 2, 0);
  if (running) lua_gc(L, LUA_GCRESTART);
  if (status != LUA_OK) lua_error(L);
}

/* core.x12_claims(text) -> { claim, ... } | nil, message */
int rc_x12_claims(lua_State *L)
{
  luaL_checkstring(L, 1);
  lua_settop(L, 1);
  new_state(L, 1);
  batch(L, 2, 0);
  if (lua_isnil(L, -2)) return 2;
  lua_pop(L, 1);
  return 1;
}

/* The iterator of rc_x12_batches: the next list, false and a message, or
 * nil after the last. */
static int next_batch(lua_State *L)
{
  x12 *x = lua_touserdata(L, lua_upvalueindex(1));
  if (x->done) return 0;
  batch(L, lua_upvalueindex(1), (int)lua_tointeger(L, lua_upvalueindex(2)));
  if (lua_isnil(L, -2)) {
    x->done = 1;
    lua_pushboolean(L, 0);
    lua_replace(L, -3);
    return 2;
  }
  x->done = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return 1;
}

/* core.x12_batches(text, n [, lean]) -> iterator: `for claims, err in ...`
 * gives lists of at most n claims, in order (the claims of
 * core.x12_claims), or false and the message of a broken envelope (then
 * stops). A caller can check each list before the next is read, so the
 * whole file's claims never live at once. lean: the claims and lines have
 * no `source` table (a caller that only checks them needs none). */
int rc_x12_batches(lua_State *L)
{
  lua_Integer n;
  int lean;
  luaL_checkstring(L, 1);
  n = luaL_checkinteger(L, 2);
  luaL_argcheck(L, n >= 1 && n <= 1000000, 2, "batch size from 1 to 1000000");
  lean = lua_toboolean(L, 3);
  lua_settop(L, 2);
  new_state(L, 1)->lean = lean;
  lua_pushinteger(L, n);
  lua_pushcclosure(L, next_batch, 2);
  return 1;
}
