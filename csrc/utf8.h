/* utf8.h: cutting text without cutting a UTF-8 character in half.
**
** rc_utf8_len(p, end): the length (2..4) of the well-formed UTF-8
**   sequence at p (first byte >= 0x80), or 0 when it is malformed
**   (overlong, a surrogate, above U+10FFFF, or cut short by end).
** rc_utf8_cut(s, max): the byte length of the longest prefix of the
**   NUL-terminated s that is at most max bytes and does not end inside a
**   character; use it as the precision of "%.*s" where a message quotes
**   at most max bytes of a value.  Bytes that are not UTF-8 at all are
**   single characters here (they are cut like ASCII).
** rc_utf8_whole(s, len): len, less the bytes of a character cut off at
**   the end of s[0..len) (snprintf filling a buffer cuts that way); push
**   messages with it.
*/
#ifndef RC_UTF8_H
#define RC_UTF8_H

#include <stddef.h>

int rc_utf8_len(const unsigned char *p, const unsigned char *end);
int rc_utf8_cut(const char *s, size_t max);
size_t rc_utf8_whole(const char *s, size_t len);

#endif
