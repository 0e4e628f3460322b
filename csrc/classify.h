/* classify.h: rc:classify(facts), a treatment's facts to codes, units and
 * reasons, by the effective-dated ladders of classify_rules. */
#ifndef RC_CLASSIFY_H
#define RC_CLASSIFY_H

#include <lauxlib.h>

extern const luaL_Reg rc_classify_methods[];

#endif
