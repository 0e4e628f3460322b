/* ptp_texts.h: the (rationale, dataset) pairs that PTP rows name, each kept
 * once, so that a row holds a 4-byte index instead of two pointers: a full
 * national file has millions of rows and about twenty such pairs. Texts are
 * told apart by address (they are interned), never read. */
#ifndef RC_PTP_TEXTS_H
#define RC_PTP_TEXTS_H

#include <stdint.h>

typedef struct rc_ptp_texts {
  const char **pairs;            /* 2 an entry: rationale, dataset */
  uint32_t n, cap;               /* entries, and room for them */
  uint32_t *slots;               /* open addressing: entry index + 1; 0 empty */
  uint32_t nslots;               /* a power of two, more than twice n */
} rc_ptp_texts;

int rc_ptp_texts_index(rc_ptp_texts *t, const char *text, const char *source, uint32_t *index);
const char *rc_ptp_texts_text(const rc_ptp_texts *t, uint32_t index);
const char *rc_ptp_texts_source(const rc_ptp_texts *t, uint32_t index);
void rc_ptp_texts_free(rc_ptp_texts *t);

#endif
