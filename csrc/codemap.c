/* codemap.c: codes (at most eight bytes, e.g. "77407", "G6003") packed into
 * 64-bit keys, in an open-addressing table with linear probing that doubles
 * at 70% load. Values are caller-owned pointers; rc_codemap_free can free
 * them with the given function. */
#include "codemap.h"
#include "hint.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
  uint64_t key;   /* 0 = empty */
  void *value;
} slot;

struct rc_codemap {
  slot *slots;
  size_t capacity, count;
};

static uint64_t key_of(const char *code)
{
  uint64_t key = 0;
  size_t n = strlen(code);
  memcpy(&key, code, n < 8 ? n : 8);
  return key;
}

static size_t index_of(uint64_t key, size_t capacity)
{
  key ^= key >> 33;
  key *= 0xff51afd7ed558ccdULL;
  key ^= key >> 33;
  return (size_t)key & (capacity - 1);
}

rc_codemap *rc_codemap_new(void)
{
  rc_codemap *map = calloc(1, sizeof *map);
  if (map == NULL) return NULL;
  map->capacity = 64;
  if ((map->slots = calloc(map->capacity, sizeof *map->slots)) == NULL) {
    free(map);
    return NULL;
  }
  return map;
}

void rc_codemap_free(rc_codemap *map, void (*free_value)(void *))
{
  size_t i;
  if (map == NULL) return;
  for (i = 0; free_value != NULL && i < map->capacity; i++)
    if (map->slots[i].key != 0) free_value(map->slots[i].value);
  free(map->slots);
  free(map);
}

static slot *find(slot *slots, size_t capacity, uint64_t key)
{
  size_t i = index_of(key, capacity);
  while (slots[i].key != 0 && slots[i].key != key) i = (i + 1) & (capacity - 1);
  return &slots[i];
}

void *rc_codemap_get(const rc_codemap *map, const char *code)
{
  slot *s = find(map->slots, map->capacity, key_of(code));
  return s->key != 0 ? s->value : NULL;
}

void rc_codemap_hint(const rc_codemap *map, const char *code)
{
  RC_HINT(&map->slots[index_of(key_of(code), map->capacity)]);
}

static int grow(rc_codemap *map)
{
  size_t i, capacity = map->capacity * 2;
  slot *slots = calloc(capacity, sizeof *slots);
  if (slots == NULL) return 0;
  for (i = 0; i < map->capacity; i++)
    if (map->slots[i].key != 0) *find(slots, capacity, map->slots[i].key) = map->slots[i];
  free(map->slots);
  map->slots = slots;
  map->capacity = capacity;
  return 1;
}

/* Sets code -> value (replacing). Returns 0 when memory runs out. */
int rc_codemap_put(rc_codemap *map, const char *code, void *value)
{
  uint64_t key = key_of(code);
  slot *s;
  if (key == 0) return 0;
  if ((map->count + 1) * 10 > map->capacity * 7 && !grow(map)) return 0;
  s = find(map->slots, map->capacity, key);
  if (s->key == 0) map->count++;
  s->key = key;
  s->value = value;
  return 1;
}

size_t rc_codemap_count(const rc_codemap *map)
{
  return map->count;
}
