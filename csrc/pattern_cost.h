/* pattern_cost.h: an upper bound on the work of Lua's pattern matcher, so the
 * overlay sandbox can charge string.find, match, gmatch and gsub for it. */
#ifndef RC_PATTERN_COST_H
#define RC_PATTERN_COST_H

#include <stddef.h>

double rc_pattern_cost(const char *s, size_t n, const char *p, size_t m, int plain, int anchors, double max);

#endif
