/* fuzz_ptp_pack.c: the reader of packed PTP rows (ptp_pack.h). A pack comes
 * from a user's database file, so any bytes either read as a whole pack or
 * are refused: the reader never reads past the blob, every row's column 2
 * fits its buffer and every shape index names a shape the pack has. */
#include <stdlib.h>
#include <string.h>
#include "ptp_pack.h"

static void walk(const unsigned char *data, size_t size)
{
  rc_pack_reader rd;
  rc_pack_shape s;
  uint64_t i, shape;
  if (!rc_pack_begin(&rd, data, size)) return;
  for (i = 0; i < rd.shapes; i++)
    if (!rc_pack_next_shape(&rd, &s)) return;
  if (!rc_pack_rows(&rd)) return;
  for (i = 0; i < rd.rows; i++) {
    if (!rc_pack_next_row(&rd, &shape)) return;
    if (shape >= rd.shapes || rd.col2_len > RC_PACK_COL2_MAX || strlen(rd.col2) > rd.col2_len) abort();
  }
  if (rc_pack_end(&rd) && rd.p != data + size) abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  /* a copy of exactly size bytes, so reading past the end is caught */
  unsigned char *copy = malloc(size ? size : 1);
  if (copy == NULL) return 0;
  memcpy(copy, data, size);
  walk(size ? copy : NULL, size);
  free(copy);
  return 0;
}
