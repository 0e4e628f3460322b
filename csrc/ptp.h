/* ptp.h: a code's PTP edits in compact form (rc_ptp below, their
 * texts in ptp_texts.h): growing
 * the list while rules load, searching it by column 2, and merging a payer
 * overlay's pairs into it. */
#ifndef RC_PTP_H
#define RC_PTP_H

#include "rules.h"
#include "ptp_texts.h"

/* One PTP edit of a code (the code as column 1) in 16 bytes: a full
 * national file loads about 2.5 million of them. Column 2's code is packed
 * in 32 bits (rc_ptp_key: five characters 0-9, A-Z, in base 37, ordered as
 * the codes are); the other fields are bits of one word. */
struct rc_ptp {
  uint32_t key;                  /* column 2's packed code */
  int32_t from, to;              /* day numbers, inclusive; INT32_MIN / INT32_MAX when open */
  unsigned texts : 18;           /* its (rationale, dataset) pair in the rule set's rc_ptp_texts */
  unsigned setting : 2;          /* rc_setting */
  unsigned layer : 8;            /* 0 national; overlays 1 .. (fewer than 256) */
  unsigned indicator : 4;        /* modifier indicator + 1: 1, 2 or 10; 0: an overlay removed the pair */
};

#define RC_PTP_TEXTS_MAX (1u << 18)   /* (rationale, dataset) pairs a row can index */

int rc_ptp_append(rc_ptp **rows, int *n, int *cap, const rc_rule *r, rc_ptp_texts *texts);
rc_ptp *rc_ptp_copy(const rc_ptp *rows, int n, int *ok);
const rc_rule *rc_ptp_find(const rc_ptp *rows, int n, const rc_ptp_texts *texts, uint64_t column2, long day,
                           int setting, const char *const *stale, int nstale, rc_rule *out);
int rc_ptp_merge(const rc_ptp *national, int n, const rc_rule *extra, int nextra, rc_ptp_texts *texts,
                 rc_ptp **out, int *count);

#endif
