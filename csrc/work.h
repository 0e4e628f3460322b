/* work.h: buffers a handle keeps between checks (a claim's lines, its day
 * index, its findings), so that a check allocates nothing in the common
 * case. A buffer is lent to one check at a time; a call that finds the
 * area in use, or needs more than RC_WORK_MAX bytes, gets a Lua userdata
 * instead, as every check did before. */
#ifndef RC_WORK_H
#define RC_WORK_H

#include <stddef.h>
#include <lua.h>

#define RC_WORK_MAX (256 * 1024)   /* larger needs are not kept between checks */

typedef struct rc_buffer {
  void *data;
  size_t size;
} rc_buffer;

typedef struct rc_work {
  rc_buffer lines, by_day, findings;
  int busy;                        /* lent to a check */
} rc_work;

rc_work *rc_work_take(rc_work *w);
void rc_work_give_back(rc_work *w);
void *rc_work_buffer(lua_State *L, rc_buffer *buf, size_t size);
void rc_work_free(rc_work *w);

#endif
