/* code.c: recognises CPT and HCPCS code strings. A code is trimmed of outer
 * blanks and upper-cased; then it must be five digits (CPT Category I), four
 * digits and a letter (Category II F, III T, PLA U, MAAA M, vaccines A, ...),
 * or a letter A-V and four digits (HCPCS Level II). Anything else is
 * malformed. */
#include "code.h"

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_blank(char c) { return c == ' ' || c == '\t'; }

static char upper(char c)
{
  return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static rc_code_system classify(const char c[RC_CODE_LEN])
{
  int i;
  for (i = 1; i < 4; i++)
    if (!is_digit(c[i])) return RC_CODE_MALFORMED;
  if (is_digit(c[0]) && (is_digit(c[4]) || (c[4] >= 'A' && c[4] <= 'Z')))
    return RC_CODE_CPT;
  if (c[0] >= 'A' && c[0] <= 'V' && is_digit(c[4])) return RC_CODE_HCPCS;
  return RC_CODE_MALFORMED;
}

rc_code_system rc_code_normalize(const char *s, size_t len, char out[RC_CODE_LEN + 1])
{
  size_t i;
  while (len > 0 && is_blank(*s)) { s++; len--; }
  while (len > 0 && is_blank(s[len - 1])) len--;
  if (len != RC_CODE_LEN) return RC_CODE_MALFORMED;
  for (i = 0; i < RC_CODE_LEN; i++) out[i] = upper(s[i]);
  out[RC_CODE_LEN] = '\0';
  return classify(out);
}

/* A code's first eight bytes packed big-endian: comparing keys as numbers
 * orders them as strcmp orders the codes, so sorted rule rows can be
 * searched and lines compared without string compares. */
uint64_t rc_code_key(const char *code)
{
  uint64_t key = 0;
  int i;
  for (i = 0; i < 8; i++) {
    key <<= 8;
    if (*code) key |= (unsigned char)*code++;
  }
  return key;
}

void rc_code_of_key(uint64_t key, char out[9])
{
  int i;
  for (i = 0; i < 8; i++) out[i] = (char)((key >> (56 - 8 * i)) & 0xFFu);
  out[8] = '\0';
}

const char *rc_code_system_name(rc_code_system system)
{
  return system == RC_CODE_HCPCS ? "HCPCS" : "CPT";
}
