/* work.c: the buffers a handle lends to one check at a time (work.h). */
#include "work.h"

#include <stdlib.h>
#include <lauxlib.h>

/* The area for a check, marked in use; NULL when it is in use already (a
 * check inside a check) and the check is to use userdata. An error raised
 * during the check leaves it marked: later checks then use userdata, which
 * is slower but just as correct. */
rc_work *rc_work_take(rc_work *w)
{
  if (w->busy) return NULL;
  w->busy = 1;
  return w;
}

void rc_work_give_back(rc_work *w)
{
  if (w != NULL) w->busy = 0;
}

/* At least size bytes whose first bytes keep what the buffer held. From
 * buf when there is one and size is at most RC_WORK_MAX: pushes nil. Else
 * a new userdata, which it pushes (the caller keeps it on the stack while
 * it uses it). Either way one value is pushed. Raises on out of memory. */
void *rc_work_buffer(lua_State *L, rc_buffer *buf, size_t size)
{
  if (buf == NULL || size > RC_WORK_MAX) return lua_newuserdatauv(L, size, 0);
  if (size > buf->size) {
    size_t bigger = buf->size ? buf->size : 1024;
    void *grown;
    while (bigger < size) bigger *= 2;
    if ((grown = realloc(buf->data, bigger)) == NULL) luaL_error(L, "not enough memory");
    buf->data = grown;
    buf->size = bigger;
  }
  lua_pushnil(L);
  return buf->data;
}

void rc_work_free(rc_work *w)
{
  free(w->lines.data);
  free(w->by_day.data);
  free(w->findings.data);
  w->lines.data = w->by_day.data = w->findings.data = NULL;
  w->lines.size = w->by_day.size = w->findings.size = 0;
  w->busy = 0;
}
