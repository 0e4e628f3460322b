/* pair_valid.h: rc:pair's validity answer (pair_valid.c). */
#ifndef RC_PAIR_VALID_H
#define RC_PAIR_VALID_H

#include <lua.h>
#include "rules.h"

/* With rc:pair's result on top: sets result.valid and, when a or b is not
 * valid on the date (day), result.invalid, the message and (for a code not
 * yet valid or deleted) together = "invalid". The stack is left as found. */
void rc_pair_validity(lua_State *L, const rc_code_rules *ra, const rc_code_rules *rb, const char *a,
                      const char *b, const char *date, long day);

#endif
