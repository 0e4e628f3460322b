/* pattern_cost.c: at most how many steps Lua's pattern matcher may take on
 * a subject. The matcher backtracks, so ".-.-.-b" costs about n^4 on n bytes
 * without a b, and the count hook that bounds overlay code never fires
 * inside it. The bound is: start positions (one when anchored by ^) times
 * the choices of every repeated item that is not last (*, + and -: one
 * more than the longest run of subject bytes its class matches; ?: two)
 * times the linear work (the pattern's length, plus n for each %b and back
 * reference and the run of each repeated item), plus the scans made here.
 * Lua's pattern syntax (%a %c %d %g %l %p %s %u %w %x and their upper-case
 * negations, sets [...] with ranges and ^, %b, %f, captures, anchors) is
 * read only to estimate: the real matcher still matches and reports
 * malformed patterns. */
#include "pattern_cost.h"

#include <ctype.h>

/* Does byte c match the class letter of %cl (other characters match themselves)? */
static int class_letter(int c, int cl)
{
  int r;
  switch (tolower(cl)) {
  case 'a': r = isalpha(c); break;
  case 'c': r = iscntrl(c); break;
  case 'd': r = isdigit(c); break;
  case 'g': r = isgraph(c); break;
  case 'l': r = islower(c); break;
  case 'p': r = ispunct(c); break;
  case 's': r = isspace(c); break;
  case 'u': r = isupper(c); break;
  case 'w': r = isalnum(c); break;
  case 'x': r = isxdigit(c); break;
  default: return cl == c;
  }
  if (isupper(cl)) r = !r;
  return r != 0;
}

/* Does byte c match the set that opens at p[0] ('[') and closes at *close? */
static int in_set(int c, const char *p, const char *close)
{
  int yes = 1;
  if (p[1] == '^') {
    yes = 0;
    p++;
  }
  while (++p < close) {
    if (*p == '%') {
      p++;
      if (class_letter(c, (unsigned char)*p)) return yes;
    } else if (p[1] == '-' && p + 2 < close) {
      p += 2;
      if ((unsigned char)p[-2] <= c && c <= (unsigned char)*p) return yes;
    } else if ((unsigned char)*p == c) {
      return yes;
    }
  }
  return !yes;
}

/* Where the single-character class at p[i] ends; m when it is malformed. */
static size_t class_end(const char *p, size_t m, size_t i)
{
  if (p[i] == '%') return i + 2 <= m ? i + 2 : m;
  if (p[i] != '[') return i + 1;
  if (++i < m && p[i] == '^') i++;
  do {
    if (i >= m) return m;
    if (p[i++] == '%' && i < m) i++;
  } while (i < m && p[i] != ']');
  return i < m ? i + 1 : m;
}

static int single(int c, const char *p, size_t i, size_t end)
{
  switch (p[i]) {
  case '.': return 1;
  case '%': return class_letter(c, (unsigned char)p[i + 1]);
  case '[': return in_set(c, p + i, p + end - 1);
  default: return (unsigned char)p[i] == c;
  }
}

/* The longest run of subject bytes the class p[i..end) matches. */
static double longest_run(const char *s, size_t n, const char *p, size_t i, size_t end)
{
  size_t k, run = 0, best = 0;
  if (p[i] == '.') return (double)n;
  for (k = 0; k < n; k++) {
    run = single((unsigned char)s[k], p, i, end) ? run + 1 : 0;
    if (run > best) best = run;
  }
  return (double)best;
}

static int only_closes(const char *p, size_t m, size_t i)
{
  for (; i < m; i++)
    if (p[i] != ')') return 0;
  return 1;
}

typedef struct estimate { double choices, linear, scans; } estimate;

/* Reads the item at p[i], adds its cost to e, returns where the next starts. */
static size_t item(const char *s, size_t n, const char *p, size_t m, size_t i, estimate *e)
{
  size_t end;
  double run;
  if (p[i] == '(' || p[i] == ')' || (p[i] == '$' && i + 1 == m)) return i + 1;
  if (p[i] == '%' && i + 1 >= m) return m;
  if (p[i] == '%' && p[i + 1] == 'b') {
    e->linear += (double)n;
    return i + 4 <= m ? i + 4 : m;
  }
  if (p[i] == '%' && p[i + 1] == 'f') return i + 2 < m ? class_end(p, m, i + 2) : m;
  if (p[i] == '%' && isdigit((unsigned char)p[i + 1])) {
    e->linear += (double)n;
    return i + 2;
  }
  if ((end = class_end(p, m, i)) >= m || (p[end] != '*' && p[end] != '+' && p[end] != '-' && p[end] != '?'))
    return end;
  if (p[end] == '?') {
    e->choices *= 2;
    return end + 1;
  }
  e->scans += (double)n;
  run = longest_run(s, n, p, i, end);
  e->linear += run;
  if (!only_closes(p, m, end + 1)) e->choices *= run + 1;
  return end + 1;
}

/* The steps matching p (m bytes) against s (n bytes) may take, at most;
 * gives up past max. plain: a plain search; anchors: a leading ^ anchors. */
double rc_pattern_cost(const char *s, size_t n, const char *p, size_t m, int plain, int anchors, double max)
{
  estimate e = {1, (double)m + 1, 0};
  double starts = (double)n + 1, total = starts * e.linear;
  size_t i = 0;
  if (plain) return total;
  if (anchors && m > 0 && p[0] == '^') {
    starts = 1;
    i = 1;
  }
  while (i < m && total <= max) {
    i = item(s, n, p, m, i, &e);
    total = starts * e.choices * e.linear + e.scans;
  }
  return total;
}
