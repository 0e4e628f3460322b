/* fsize.h: a file size limit (ulimit -f) as an error, not a kill, while
 * radcode writes a database file. */
#ifndef RC_FSIZE_H
#define RC_FSIZE_H

#include <signal.h>   /* struct sigaction: includers define _POSIX_C_SOURCE */
#include <sqlite3.h>

typedef struct rc_fsize {
  struct sigaction old;
  int saved;
} rc_fsize;

void rc_fsize_begin(rc_fsize *g);
void rc_fsize_end(rc_fsize *g);
const char *rc_fsize_hint(sqlite3 *conn);

#endif
