/* expr.c: evaluates the conditions and unit counts of classification rules.
 * A recursive-descent parser evaluates while it parses, so nothing is
 * allocated. The right side of a decided `and` / `or` is parsed in "skip"
 * mode: checked for syntax, never evaluated, so `has(x) and x > 3` does not
 * ask for x when it is absent. Grammar, loosest first:
 *   or := and {"or" and}        and := not {"and" not}
 *   not := "not" not | cmp      cmp := sum [("=="|"!="|"<"|"<="|">"|">=") sum]
 *   sum := term {("+"|"-") term}  term := unary {("*"|"/"|"%") unary}
 *   unary := "-" unary | primary
 *   primary := INTEGER | "string" | true | false | has(NAME) | given(NAME)
 *            | NAME | "(" or ")"
 * Booleans count as 0/1 in arithmetic; comparisons need equal types. */
#include "expr.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 60
#define MAX_LITERAL 1000000000LL

typedef struct parser {
  const char *p;
  rc_expr_lookup fn;
  void *ud;
  char *err;
  size_t errlen;
  rc_expr_status status;
  int depth;
} parser;

static void expr_or(parser *ps, int skip, rc_value *v);

static void fail(parser *ps, const char *fmt, ...)
{
  va_list ap;
  if (ps->status != RC_EXPR_OK) return;
  ps->status = RC_EXPR_ERROR;
  va_start(ap, fmt);
  vsnprintf(ps->err, ps->errlen, fmt, ap);
  va_end(ap);
}

static int is_name_char(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void spaces(parser *ps)
{
  while (*ps->p == ' ' || *ps->p == '\t') ps->p++;
}

/* Consumes an operator or punctuation; "<" does not match the start of "<=". */
static int accept(parser *ps, const char *op)
{
  size_t n = strlen(op);
  spaces(ps);
  if (strncmp(ps->p, op, n) != 0) return 0;
  if (n == 1 && (op[0] == '<' || op[0] == '>' || op[0] == '=') && ps->p[1] == '=') return 0;
  ps->p += n;
  return 1;
}

/* Consumes a whole word (keyword). */
static int accept_word(parser *ps, const char *word)
{
  size_t n = strlen(word);
  spaces(ps);
  if (strncmp(ps->p, word, n) != 0 || is_name_char(ps->p[n])) return 0;
  ps->p += n;
  return 1;
}

static void set_int(rc_value *v, long long i) { v->type = RC_V_INT; v->i = i; v->s = NULL; }
static void set_bool(rc_value *v, int b) { v->type = RC_V_BOOL; v->i = b != 0; v->s = NULL; }

static const char *type_name(rc_vtype t)
{
  static const char *const names[] = {"nothing", "integer", "boolean", "string"};
  return names[t];
}

static void want_bool(parser *ps, const rc_value *v, const char *op)
{
  if (v->type != RC_V_BOOL) fail(ps, "'%s' needs booleans, got %s", op, type_name(v->type));
}

/* An integer (booleans count 0/1) for arithmetic. */
static long long number(parser *ps, const rc_value *v, const char *op)
{
  if (v->type != RC_V_INT && v->type != RC_V_BOOL)
    fail(ps, "'%s' needs integers, got %s", op, type_name(v->type));
  return v->i;
}

static void integer_literal(parser *ps, rc_value *v)
{
  long long n = 0;
  while (*ps->p >= '0' && *ps->p <= '9') {
    n = n * 10 + (*ps->p++ - '0');
    if (n > MAX_LITERAL) {
      fail(ps, "integer too large");
      return;
    }
  }
  set_int(v, n);
}

/* "text": the value points into the source, so it is copied nowhere; a
 * string literal compares by content with its length in v->i. */
static void string_literal(parser *ps, rc_value *v)
{
  const char *start = ++ps->p;
  const char *end = strchr(start, '"');
  if (end == NULL) {
    fail(ps, "unfinished string");
    return;
  }
  v->type = RC_V_STR;
  v->s = start;
  v->i = (long long)(end - start);
  ps->p = end + 1;
}

static void name_value(parser *ps, int skip, const char *name, size_t n, rc_value *v)
{
  set_bool(v, 0);
  if (skip) return;
  if (!ps->fn(ps->ud, name, n, v)) {
    if (ps->status == RC_EXPR_OK) {
      ps->status = RC_EXPR_MISSING;
      snprintf(ps->err, ps->errlen, "%.*s", (int)n, name);
    }
    return;
  }
  if (v->type == RC_V_STR) v->i = (long long)strlen(v->s);
}

static size_t scan_name(parser *ps)
{
  size_t n = 0;
  spaces(ps);
  while (is_name_char(ps->p[n])) n++;
  return n;
}

/* has(NAME): true when the fact has a value (given, or a default);
 * given(NAME): true only when the facts name it (a default does not count).
 * `least` is the lookup answer that makes it true (1 or 2, see expr.h). */
static void has_call(parser *ps, int skip, int least, rc_value *v)
{
  const char *name;
  size_t n;
  rc_value ignored;
  if (!accept(ps, "(")) { fail(ps, "expected '(' after %s", least > 1 ? "given" : "has"); return; }
  n = scan_name(ps);
  name = ps->p;
  ps->p += n;
  if (n == 0 || !accept(ps, ")")) { fail(ps, "expected %s(name)", least > 1 ? "given" : "has"); return; }
  set_bool(v, skip ? 0 : ps->fn(ps->ud, name, n, &ignored) >= least);
}

static void primary(parser *ps, int skip, rc_value *v)
{
  size_t n;
  spaces(ps);
  set_bool(v, 0);
  if (*ps->p >= '0' && *ps->p <= '9') { integer_literal(ps, v); return; }
  if (*ps->p == '"') { string_literal(ps, v); return; }
  if (accept(ps, "(")) {
    expr_or(ps, skip, v);
    if (!accept(ps, ")")) fail(ps, "expected ')' near '%.*s'", rc_utf8_cut(ps->p, 20), ps->p);
    return;
  }
  if (accept_word(ps, "true")) { set_bool(v, 1); return; }
  if (accept_word(ps, "false")) { set_bool(v, 0); return; }
  if (accept_word(ps, "has")) { has_call(ps, skip, 1, v); return; }
  if (accept_word(ps, "given")) { has_call(ps, skip, 2, v); return; }
  n = scan_name(ps);
  if (n == 0) { fail(ps, "unexpected '%.*s'", rc_utf8_cut(ps->p, 20), ps->p); return; }
  ps->p += n;
  name_value(ps, skip, ps->p - n, n, v);
}

static void unary(parser *ps, int skip, rc_value *v)
{
  if (++ps->depth > MAX_DEPTH) { fail(ps, "expression nested too deeply"); return; }
  if (accept(ps, "-")) {
    unary(ps, skip, v);
    if (!skip) set_int(v, -number(ps, v, "-"));
  } else {
    primary(ps, skip, v);
  }
  ps->depth--;
}

static long long arith(parser *ps, char op, long long a, long long b)
{
  if ((op == '/' || op == '%') && b == 0) { fail(ps, "division by zero"); return 0; }
  switch (op) {
  case '+': return a + b;
  case '-': return a - b;
  case '*': return a * b;
  case '/': return a / b;
  default: return a % b;
  }
}

static void binary_chain(parser *ps, int skip, rc_value *v, const char *ops,
                         void (*operand)(parser *, int, rc_value *))
{
  operand(ps, skip, v);
  for (;;) {
    char op[2] = {0, 0};
    const char *o;
    rc_value r;
    for (o = ops; *o != '\0' && op[0] == 0; o++) {
      op[0] = *o;
      if (!accept(ps, op)) op[0] = 0;
    }
    if (op[0] == 0 || ps->status != RC_EXPR_OK) return;
    operand(ps, skip, &r);
    if (!skip) set_int(v, arith(ps, op[0], number(ps, v, op), number(ps, &r, op)));
  }
}

static void term(parser *ps, int skip, rc_value *v) { binary_chain(ps, skip, v, "*/%", unary); }
static void sum(parser *ps, int skip, rc_value *v) { binary_chain(ps, skip, v, "+-", term); }

static int equal(const rc_value *a, const rc_value *b)
{
  if (a->type == RC_V_STR)
    return a->i == b->i && strncmp(a->s, b->s, (size_t)a->i) == 0;
  return a->i == b->i;
}

static int compare(parser *ps, const char *op, const rc_value *a, const rc_value *b)
{
  if (op[0] == '=' || op[0] == '!') {
    if (a->type != b->type) {
      fail(ps, "cannot compare %s with %s", type_name(a->type), type_name(b->type));
      return 0;
    }
    return equal(a, b) == (op[0] == '=');
  }
  if (a->type != RC_V_INT || b->type != RC_V_INT) {
    fail(ps, "'%s' needs integers", op);
    return 0;
  }
  if (op[0] == '<') return op[1] == '=' ? a->i <= b->i : a->i < b->i;
  return op[1] == '=' ? a->i >= b->i : a->i > b->i;
}

static void cmp(parser *ps, int skip, rc_value *v)
{
  static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", NULL};
  int i;
  rc_value r;
  sum(ps, skip, v);
  for (i = 0; ops[i] != NULL; i++) {
    if (!accept(ps, ops[i])) continue;
    sum(ps, skip, &r);
    if (!skip && ps->status == RC_EXPR_OK) set_bool(v, compare(ps, ops[i], v, &r));
    return;
  }
}

static void negation(parser *ps, int skip, rc_value *v)
{
  if (!accept_word(ps, "not")) { cmp(ps, skip, v); return; }
  if (++ps->depth > MAX_DEPTH) { fail(ps, "expression nested too deeply"); return; }
  negation(ps, skip, v);
  ps->depth--;
  if (skip || ps->status != RC_EXPR_OK) return;
  want_bool(ps, v, "not");
  set_bool(v, !v->i);
}

/* and/or: the right side is skipped once the left side decides. */
static void logic_chain(parser *ps, int skip, rc_value *v, const char *word, int decides,
                        void (*operand)(parser *, int, rc_value *))
{
  operand(ps, skip, v);
  while (ps->status == RC_EXPR_OK && accept_word(ps, word)) {
    rc_value r;
    int done = skip || v->i == decides;
    if (!skip) want_bool(ps, v, word);
    operand(ps, done, &r);
    if (done || ps->status != RC_EXPR_OK) continue;
    want_bool(ps, &r, word);
    set_bool(v, r.i);
  }
}

static void conjunction(parser *ps, int skip, rc_value *v) { logic_chain(ps, skip, v, "and", 0, negation); }
static void expr_or(parser *ps, int skip, rc_value *v)
{
  if (++ps->depth > MAX_DEPTH) { fail(ps, "expression nested too deeply"); return; }
  logic_chain(ps, skip, v, "or", 1, conjunction);
  ps->depth--;
}

rc_expr_status rc_expr_eval(const char *src, rc_expr_lookup fn, void *ud,
                            rc_value *out, char *err, size_t errlen)
{
  parser ps;
  ps.p = src;
  ps.fn = fn;
  ps.ud = ud;
  ps.err = err;
  ps.errlen = errlen;
  ps.status = RC_EXPR_OK;
  ps.depth = 0;
  err[0] = '\0';
  expr_or(&ps, 0, out);
  spaces(&ps);
  if (ps.status == RC_EXPR_OK && *ps.p != '\0') fail(&ps, "unexpected '%.*s'", rc_utf8_cut(ps.p, 20), ps.p);
  return ps.status;
}
