/* history.h: the claims already accepted, for limits that cross claims. */
#ifndef RC_HISTORY_H
#define RC_HISTORY_H

#include <stddef.h>
#include "claim.h"

typedef struct rc_history rc_history;
typedef void (*rc_history_visit)(void *ctx, const char *code, long day, long units);

rc_history *rc_history_open(const char *path, char *err, size_t errlen);
void rc_history_close(rc_history *h);
int rc_history_record(rc_history *h, const rc_claim *claim, char *err, size_t errlen);
int rc_history_course(rc_history *h, const char *patient, const char *course,
                      const char *exclude_id, rc_history_visit visit, void *ctx);
const char *rc_history_error(rc_history *h);
int rc_history_empty(const rc_history *h);

#endif
