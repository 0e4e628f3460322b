/* utf8.c: UTF-8 sequence lengths, and cuts of text at character
** boundaries for the messages radcode writes (see utf8.h). */
#include "utf8.h"

int rc_utf8_len(const unsigned char *p, const unsigned char *end)
{
  unsigned c = p[0], lo = 0x80, hi = 0xBF;
  size_t avail = (size_t)(end - p);
  int n, i;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else return 0;
  if (avail < (size_t)n || p[1] < lo || p[1] > hi) return 0;
  for (i = 2; i < n; i++)
    if ((p[i] & 0xC0) != 0x80) return 0;
  return n;
}

/* The length a UTF-8 sequence starting with byte c claims (1 for ASCII
** and for bytes that start none). */
static size_t lead_len(unsigned c)
{
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 1;
}

/* Reads no byte at or past s[max] (nor past the NUL), like "%.*s". */
int rc_utf8_cut(const char *s, size_t max)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t at = 0, n;
  while (at < max && p[at] != '\0') {
    n = p[at] < 0x80 ? 1 : (size_t)rc_utf8_len(p + at, p + max);
    if (n == 0) {
      if (lead_len(p[at]) > max - at) break;   /* a character max would cut */
      n = 1;                                   /* a stray byte: one character */
    }
    at += n;
  }
  return (int)at;
}

size_t rc_utf8_whole(const char *s, size_t len)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = len;
  int back = 0, need;
  while (i > 0 && back < 3 && (p[i - 1] & 0xC0) == 0x80) i--, back++;
  if (i == 0 || p[i - 1] < 0xC2 || p[i - 1] > 0xF4) return len;
  need = p[i - 1] >= 0xF0 ? 4 : p[i - 1] >= 0xE0 ? 3 : 2;
  return back + 1 < need ? i - 1 : len;   /* the lead byte and fewer than its continuations */
}
