/* code.h: the syntax of CPT and HCPCS codes. */
#ifndef RC_CODE_H
#define RC_CODE_H

#include <stddef.h>
#include <stdint.h>

#define RC_CODE_LEN 5

typedef enum {
  RC_CODE_MALFORMED = 0,
  RC_CODE_CPT,       /* Level I: five digits, or four digits and a letter */
  RC_CODE_HCPCS      /* Level II: a letter A-V + four digits */
} rc_code_system;

rc_code_system rc_code_normalize(const char *s, size_t len, char out[RC_CODE_LEN + 1]);
const char *rc_code_system_name(rc_code_system system);
uint64_t rc_code_key(const char *code);
/* The code (its first eight bytes) whose key rc_code_key gave. */
void rc_code_of_key(uint64_t key, char out[9]);

#endif
