/* claim_plain.h: a plain claim read straight from its JSON text
 * (claim_plain.c says what plain means). */
#ifndef RC_CLAIM_PLAIN_H
#define RC_CLAIM_PLAIN_H

#include <stddef.h>
#include "claim.h"

/* Reads the JSON text json[0..len) into claim (its lines in
 * claim->inline_lines) as claim.c would read the decoded table, when the
 * claim is plain: returns 1. Returns 0, claim undefined, for any other
 * text, which the regular path must read. Makes no finding, allocates
 * nothing, never raises. */
int rc_claim_plain(const char *json, size_t len, rc_claim *claim, int max_lines);

#endif
