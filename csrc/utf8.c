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

int rc_utf8_cut(const char *s, size_t max)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t len = 0, at = 0;
  while (len <= max + 4 && p[len] != '\0') len++;   /* no further than a cut can look */
  if (len <= max) return (int)len;
  while (at < max) {
    int n = p[at] < 0x80 ? 1 : rc_utf8_len(p + at, p + len);
    if (n == 0) n = 1;                  /* a stray byte: one character */
    if (at + (size_t)n > max) break;
    at += (size_t)n;
  }
  return (int)at;
}
