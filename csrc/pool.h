/* pool.h: interned strings, owned by the pool, freed all at once. */
#ifndef RC_POOL_H
#define RC_POOL_H

typedef struct rc_pool rc_pool;

rc_pool *rc_pool_new(void);
void rc_pool_free(rc_pool *pool);
const char *rc_pool_intern(rc_pool *pool, const char *s);

#endif
