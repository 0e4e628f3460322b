/* course_history.h: the course's recorded lines for a check, by code and day. */
#ifndef RC_COURSE_HISTORY_H
#define RC_COURSE_HISTORY_H

#include "check.h"
#include "history.h"

/* Reads the course's history into c (pushing the Lua value that owns it),
 * adds each claim line's course and week units, marks the lines whose
 * companion a recorded line of their day is, and counts the course's
 * recorded fractions. 0 with err on a read error. */
int rc_course_history_read(lua_State *L, rc_check *c, rc_history *history, char *err, size_t errlen);

/* Recorded units of the code (key) in the days [from, to]. */
long rc_hist_units(const rc_check *c, uint64_t key, long from, long to);

/* The first recorded line of the code (key) in the days [from, to], or NULL;
 * the next ones follow it in c->hist while key and day fit. */
const rc_hist_entry *rc_hist_first(const rc_check *c, uint64_t key, long from, long to);

#endif
