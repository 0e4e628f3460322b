/* x12.h: the X12 837 reader (005010X222A1 professional, 005010X223A2
 * institutional). core.x12_claims(text) -> { claim, ... } | nil, message:
 * the claims in radcode's contract shape, each with `source` (interchange,
 * group and transaction control numbers, the CLM segment's position) and
 * each line with `source` (its LX number and segment position). A broken
 * envelope is nil, "x12: <what> at segment N"; a broken claim inside a
 * good envelope is a claim whose `problems` list becomes input findings.
 * core.x12_batches(text, n) reads the same claims n at a time (an
 * iterator), so a caller can check them as they come. */
#ifndef RC_X12_H
#define RC_X12_H

#include <lua.h>

int rc_x12_claims(lua_State *L);
int rc_x12_batches(lua_State *L);

#endif
