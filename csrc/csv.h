/* csv.h: splitting delimited records (CSV or tab-separated), with quoted
 * fields that may hold delimiters, doubled quotes and line ends. */
#ifndef RC_CSV_H
#define RC_CSV_H

#include <stddef.h>
#include "reader.h"

#define RC_CSV_MAX_FIELDS 48
#define RC_CSV_MAX_RECORD (16L << 20)   /* bytes of a quoted record over several lines */

typedef struct rc_csv {
  rc_reader *reader;
  char delim;
  int sniff;                          /* delim per line: tab if it has one */
  char *buf;                          /* unquoted copy of a quoted record */
  size_t cap, len;
  long line;                          /* first line of the current record */
  int n;                              /* fields in the record (at most MAX) */
  int unterminated;                   /* a quoted field ran to the end of file */
  const char *bad;                    /* why the record cannot be read (a line too
                                         long or holding a zero byte), or NULL */
  char empty[1];
  char *field[RC_CSV_MAX_FIELDS];
} rc_csv;

void rc_csv_init(rc_csv *c, rc_reader *r, char delim);
int rc_csv_next(rc_csv *c);
void rc_csv_free(rc_csv *c);

#endif
