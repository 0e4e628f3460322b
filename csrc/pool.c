/* pool.c: string interning. Rule rows repeat a few texts thousands of times
 * (sources, rationales, reasons); each distinct text is stored once and rows
 * point at it. A chained hash table over malloc'd strings; the pool frees
 * them all. rc_pool_intern returns NULL only when memory runs out. */
#include "pool.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
  struct entry *next;
  uint32_t hash;
  char text[1];
} entry;

struct rc_pool {
  entry **buckets;
  size_t nbuckets, count;
};

static uint32_t hash_of(const char *s)
{
  uint32_t h = 2166136261u;   /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

rc_pool *rc_pool_new(void)
{
  rc_pool *pool = calloc(1, sizeof *pool);
  if (pool == NULL) return NULL;
  pool->nbuckets = 256;
  pool->buckets = calloc(pool->nbuckets, sizeof *pool->buckets);
  if (pool->buckets == NULL) {
    free(pool);
    return NULL;
  }
  return pool;
}

void rc_pool_free(rc_pool *pool)
{
  size_t i;
  if (pool == NULL) return;
  for (i = 0; i < pool->nbuckets; i++) {
    entry *e = pool->buckets[i], *next;
    for (; e != NULL; e = next) {
      next = e->next;
      free(e);
    }
  }
  free(pool->buckets);
  free(pool);
}

/* Doubles the bucket array once the chains average two entries. */
static void grow(rc_pool *pool)
{
  size_t i, n = pool->nbuckets * 2;
  entry **buckets = calloc(n, sizeof *buckets);
  if (buckets == NULL) return;   /* keep working with longer chains */
  for (i = 0; i < pool->nbuckets; i++) {
    entry *e = pool->buckets[i], *next;
    for (; e != NULL; e = next) {
      next = e->next;
      e->next = buckets[e->hash & (n - 1)];
      buckets[e->hash & (n - 1)] = e;
    }
  }
  free(pool->buckets);
  pool->buckets = buckets;
  pool->nbuckets = n;
}

const char *rc_pool_intern(rc_pool *pool, const char *s)
{
  uint32_t h = hash_of(s);
  size_t len = strlen(s);
  entry *e = pool->buckets[h & (pool->nbuckets - 1)];
  for (; e != NULL; e = e->next)
    if (e->hash == h && strcmp(e->text, s) == 0) return e->text;
  if ((e = malloc(sizeof *e + len)) == NULL) return NULL;
  memcpy(e->text, s, len + 1);
  e->hash = h;
  e->next = pool->buckets[h & (pool->nbuckets - 1)];
  pool->buckets[h & (pool->nbuckets - 1)] = e;
  if (++pool->count > pool->nbuckets * 2) grow(pool);
  return e->text;
}
