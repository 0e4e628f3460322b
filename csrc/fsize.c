/* fsize.c: while radcode writes a database (rc:import, rc:save) SIGXFSZ
 * is ignored, so that a write past the file size limit (ulimit -f,
 * RLIMIT_FSIZE) fails with EFBIG instead of killing the process: SQLite
 * reports an I/O error, the import rolls back, and rc_fsize_hint names the
 * limit in the message. The disposition the host had is put back after. */
#define _POSIX_C_SOURCE 200809L
#include "fsize.h"

#include <errno.h>
#include <string.h>

void rc_fsize_begin(rc_fsize *g)
{
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigemptyset(&ign.sa_mask);
  g->saved = sigaction(SIGXFSZ, &ign, &g->old) == 0;
}

void rc_fsize_end(rc_fsize *g)
{
  if (g->saved) sigaction(SIGXFSZ, &g->old, NULL);
  g->saved = 0;
}

/* What to add to a message when the last failure on conn was a write past
 * the file size limit (SQLite did not keep errno for every write); ""
 * otherwise. */
const char *rc_fsize_hint(sqlite3 *conn)
{
  return sqlite3_system_errno(conn) == EFBIG || errno == EFBIG
           ? "; the file size limit (ulimit -f) stopped the write: raise it, or write elsewhere"
           : "";
}
