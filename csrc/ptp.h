/* ptp.h: a code's PTP edits in compact form (rc_ptp in rules.h, their
 * texts in ptp_texts.h): growing
 * the list while rules load, searching it by column 2, and merging a payer
 * overlay's pairs into it. */
#ifndef RC_PTP_H
#define RC_PTP_H

#include "rules.h"
#include "ptp_texts.h"

int rc_ptp_append(rc_ptp **rows, int *n, int *cap, const rc_rule *r, rc_ptp_texts *texts);
rc_ptp *rc_ptp_copy(const rc_ptp *rows, int n, int *ok);
const rc_rule *rc_ptp_find(const rc_ptp *rows, int n, const rc_ptp_texts *texts, uint64_t column2, long day,
                           int setting, const char *const *stale, int nstale, rc_rule *out);
int rc_ptp_merge(const rc_ptp *national, int n, const rc_rule *extra, int nextra, rc_ptp_texts *texts,
                 rc_ptp **out, int *count);

#endif
