/* turn.h: writers in several processes taking turns at a SQLite file's
 * write lock, instead of one starving the others. */
#ifndef RC_TURN_H
#define RC_TURN_H

typedef struct rc_turn {
  int fd;          /* PATH-turn, or -1: no turns, SQLite's polling alone */
  int waiting;     /* this process has said that it waits */
} rc_turn;

void rc_turn_open(rc_turn *t, const char *path);
void rc_turn_close(rc_turn *t);
int rc_turn_wait(void *turn, int tries);
void rc_turn_got(rc_turn *t);
void rc_turn_yield(rc_turn *t);

#endif
