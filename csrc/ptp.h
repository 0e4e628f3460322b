/* ptp.h: a code's PTP edits in compact form (rc_ptp below, their
 * shapes in ptp_texts.h): growing the list while rules load, seeking a
 * column 2 code in it (from where the last, lower one was found) and
 * picking the edit in force, and merging a payer overlay's pairs into it. */
#ifndef RC_PTP_H
#define RC_PTP_H

#include "rules.h"
#include "ptp_texts.h"

/* One PTP edit of a code (the code as column 1) in 8 bytes: a full
 * national file loads about 2.5 million of them. Column 2's code is packed
 * in 32 bits (five characters 0-9, A-Z, in base 37, ordered as the codes
 * are); everything else is the row's shape, kept once in the rule set's
 * rc_ptp_texts (a national file has about 1,100 shapes). */
#define RC_PTP_NO_KEY UINT32_MAX   /* rc_ptp_key of a code no row can hold */

struct rc_ptp {
  uint32_t key;                  /* column 2's packed code */
  uint32_t shape;                /* dates, setting, layer, indicator, texts: rc_ptp_texts_shape */
};

int rc_ptp_append(rc_ptp **rows, int *n, int *cap, const rc_rule *r, rc_ptp_texts *texts);
int rc_ptp_shape_index(const rc_rule *r, rc_ptp_texts *texts, uint32_t *index);
int rc_ptp_append_shaped(rc_ptp **rows, int *n, int *cap, const char *column2, uint32_t shape);
rc_ptp *rc_ptp_copy(const rc_ptp *rows, int n, int *ok);
uint32_t rc_ptp_key(uint64_t column2);
int rc_ptp_seek(const rc_ptp *rows, int n, int from, uint32_t key);
uint64_t *rc_ptp_filter(const rc_ptp *rows, int n, unsigned *shift);
int rc_ptp_may_hold(const uint64_t *filter, unsigned shift, uint32_t key);
const rc_rule *rc_ptp_pick(const rc_ptp *rows, int n, int at, const rc_ptp_texts *texts, uint32_t key, long day,
                           int setting, const char *const *stale, int nstale, rc_rule *out);
int rc_ptp_merge(const rc_ptp *national, int n, const rc_rule *extra, int nextra, rc_ptp_texts *texts,
                 rc_ptp **out, int *count);

#endif
