/* ptp_texts.h: the shapes of PTP rows (everything of a row but column 2:
 * dates, setting, layer, indicator, rationale and dataset), each kept once,
 * so that a row holds a 4-byte index to its shape: a full national file has
 * millions of rows and about 1,100 shapes. Texts are told apart by address
 * (they are interned), never read. */
#ifndef RC_PTP_TEXTS_H
#define RC_PTP_TEXTS_H

#include <stdint.h>

typedef struct rc_ptp_shape {
  const char *text, *source;     /* rationale and dataset, interned */
  int32_t from, to;              /* day numbers, inclusive; INT32_MIN / INT32_MAX when open */
  unsigned char setting, layer;
  signed char indicator;         /* modifier indicator 0, 1 or 9; -1: an overlay removed the pair */
} rc_ptp_shape;

typedef struct rc_ptp_texts {
  rc_ptp_shape *shapes;
  uint32_t n, cap;               /* shapes, and room for them */
  uint32_t *slots;               /* open addressing: shape index + 1; 0 empty */
  uint32_t nslots;               /* a power of two, more than twice n */
} rc_ptp_texts;

int rc_ptp_texts_index(rc_ptp_texts *t, const rc_ptp_shape *shape, uint32_t *index);
const rc_ptp_shape *rc_ptp_texts_shape(const rc_ptp_texts *t, uint32_t index);
void rc_ptp_texts_free(rc_ptp_texts *t);

#endif
