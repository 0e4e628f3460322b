/* ptp_pack.h: every PTP row of one column-1 code in one blob (table
 * ptp_pack), so a check loads a code's edits with one read instead of one
 * SQLite step a row (a national code has hundreds). The packs are a cache
 * of ptp_edit: triggers drop a code's pack when its rows change, the
 * loader reads a code without a pack (or with a pack it cannot read) from
 * ptp_edit, and rc_ptp_pack_build makes the missing ones (after an NCCI
 * import, after an upgrade).
 *
 * A pack holds the row values exactly as ptp_edit gives them (numbers as
 * sqlite3_column_int64 reads them, NULLs flagged, texts as ptp_text ids),
 * in ptp_edit's key order:
 *   'R' 'P' 1, varint shapes, shape..., varint rows, row...
 *   shape: a flags byte (RC_PACK_*_NULL) then zigzag varints of setting,
 *          modifier and each of valid_from, valid_to, rationale, source
 *          that is not NULL;
 *   row:   varint bytes shared with the previous row's column 2, varint
 *          bytes that follow, those bytes, varint shape index. */
#ifndef RC_PTP_PACK_H
#define RC_PTP_PACK_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#define RC_PACK_COL2_MAX 64      /* longer column 2 values: the code gets no pack */

enum { RC_PACK_FROM_NULL = 1, RC_PACK_TO_NULL = 2, RC_PACK_RATIONALE_NULL = 4, RC_PACK_SOURCE_NULL = 8 };

typedef struct rc_pack_shape {
  unsigned flags;                /* RC_PACK_*_NULL */
  sqlite3_int64 setting, modifier, from, to, rationale, source;
} rc_pack_shape;

typedef struct rc_pack_reader {
  const unsigned char *p, *end;
  uint64_t shapes, rows;         /* counts read from the pack */
  uint64_t shapes_left, rows_left;
  char col2[RC_PACK_COL2_MAX + 1];   /* the current row's column 2 */
  size_t col2_len;
} rc_pack_reader;

/* Reading a pack; each returns 1, or 0 when the pack is malformed. Begin,
 * then exactly `shapes` calls to rc_pack_next_shape, then rc_pack_rows, then
 * exactly `rows` calls to rc_pack_next_row, then rc_pack_end. */
int rc_pack_begin(rc_pack_reader *rd, const void *blob, size_t len);
int rc_pack_next_shape(rc_pack_reader *rd, rc_pack_shape *shape);
int rc_pack_rows(rc_pack_reader *rd);
int rc_pack_next_row(rc_pack_reader *rd, uint64_t *shape);
int rc_pack_end(const rc_pack_reader *rd);

/* Makes the pack of every column-1 code of ptp_edit that has none, inside
 * the caller's transaction. Returns SQLITE_OK, or SQLite's error code
 * (SQLITE_NOMEM when out of memory). */
int rc_ptp_pack_build(sqlite3 *conn);

/* Packs made from an import's rows as they are stored, so the codes new to
 * ptp_edit need not be read back: begin before the first insert (it notes
 * the codes ptp_edit already has), feed every row actually stored, in the
 * order stored, end, then call rc_ptp_pack_build. The feed packs a code
 * new to ptp_edit whose rows come together and after every code before
 * them (a file sorted by column 1, as CMS's are); any other code's pack it
 * drops (once a run of its rows), so the feed is right with the
 * pack-dropping triggers on or off, and rc_ptp_pack_build makes those
 * packs from ptp_edit. Each returns SQLITE_OK or SQLite's error code; a
 * NULL feed takes rows and does nothing. */
typedef struct rc_pack_feed rc_pack_feed;
int rc_pack_feed_begin(sqlite3 *conn, rc_pack_feed **feed);
int rc_pack_feed_row(rc_pack_feed *feed, const char *col1, const char *col2, const rc_pack_shape *shape);
int rc_pack_feed_end(rc_pack_feed *feed);
void rc_pack_feed_free(rc_pack_feed *feed);

#endif
