/* turn.c: writers in several processes taking turns at a SQLite file's
 * write lock. SQLite's busy handler only polls, and a process that writes
 * transaction after transaction takes the lock back within microseconds of
 * letting it go, so the others starve until it stops (and time out if it
 * never does). Here a waiting writer says so with a shared record lock on
 * the first byte of a file beside the database (PATH-turn); a writer that
 * has just committed and sees someone waiting pauses a few milliseconds,
 * long enough for the waiter's next poll. Record locks vanish with their
 * process, so a killed waiter leaves nothing behind; without the file (a
 * read-only directory) writers still work, only less fairly. */
#define _POSIX_C_SOURCE 200809L
#include "turn.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RC_TURN_POLL_NS 1000000L       /* a waiter polls every millisecond */
#define RC_TURN_PAUSE_NS 2000000L      /* a writer that saw one waits two */
#define RC_TURN_GIVE_UP 30000          /* polls before SQLITE_BUSY: 30 s and more */

void rc_turn_open(rc_turn *t, const char *path)
{
  char name[4096];
  t->waiting = 0;
  t->fd = -1;
  if (path != NULL && snprintf(name, sizeof name, "%s-turn", path) < (int)sizeof name)
    t->fd = open(name, O_RDWR | O_CREAT, 0644);
}

void rc_turn_close(rc_turn *t)
{
  if (t->fd >= 0) close(t->fd);
  t->fd = -1;
}

static int lock_byte(rc_turn *t, short type, int cmd)
{
  struct flock fl;
  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 1;
  if (fcntl(t->fd, cmd, &fl) != 0) return -1;
  return fl.l_type;
}

static void pause_ns(long ns)
{
  struct timespec ts;
  ts.tv_sec = 0;
  ts.tv_nsec = ns;
  nanosleep(&ts, NULL);
}

/* SQLite's busy handler (sqlite3_busy_handler's argument is the rc_turn):
 * says once that this process waits, then polls every millisecond. */
int rc_turn_wait(void *turn, int tries)
{
  rc_turn *t = turn;
  if (tries >= RC_TURN_GIVE_UP) return 0;
  if (t->fd >= 0 && !t->waiting && lock_byte(t, F_RDLCK, F_SETLK) != -1) t->waiting = 1;
  pause_ns(RC_TURN_POLL_NS);
  return 1;
}

/* The write lock is taken (or given up on): no longer waiting. */
void rc_turn_got(rc_turn *t)
{
  if (t->waiting) lock_byte(t, F_UNLCK, F_SETLK);
  t->waiting = 0;
}

/* After a commit: if another process waits, let it go first. */
void rc_turn_yield(rc_turn *t)
{
  if (t->fd >= 0 && lock_byte(t, F_WRLCK, F_GETLK) == F_RDLCK) pause_ns(RC_TURN_PAUSE_NS);
}
