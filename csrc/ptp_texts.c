/* ptp_texts.c: the shapes of PTP rows, each once, by index (ptp_texts.h). */
#include "ptp_texts.h"

#include <stdlib.h>
#include <string.h>

static uint32_t slot_of(const rc_ptp_texts *t, const rc_ptp_shape *x)
{
  uint64_t h = (uint64_t)(uintptr_t)x->text * 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)x->source * 0xC2B2AE3D27D4EB4Fu;
  h ^= ((uint64_t)(uint32_t)x->from << 32 | (uint32_t)x->to) * 0xFF51AFD7ED558CCDu;
  h ^= (uint64_t)(x->setting | x->layer << 8 | (unsigned char)x->indicator << 16) * 0xC4CEB9FE1A85EC53u;
  return (uint32_t)(h >> 32) & (t->nslots - 1);
}

static int same(const rc_ptp_shape *x, const rc_ptp_shape *y)
{
  return x->text == y->text && x->source == y->source && x->from == y->from && x->to == y->to &&
         x->setting == y->setting && x->layer == y->layer && x->indicator == y->indicator;
}

/* Twice the slots, every entry placed again; 0 when out of memory. */
static int rehash(rc_ptp_texts *t)
{
  uint32_t nslots = t->nslots ? t->nslots * 2 : 64, i, s;
  uint32_t *slots = calloc(nslots, sizeof *slots);
  if (slots == NULL) return 0;
  free(t->slots);
  t->slots = slots;
  t->nslots = nslots;
  for (i = 0; i < t->n; i++) {
    for (s = slot_of(t, &t->shapes[i]); slots[s] != 0; s = (s + 1) & (nslots - 1)) continue;
    slots[s] = i + 1;
  }
  return 1;
}

static int append(rc_ptp_texts *t, const rc_ptp_shape *x)
{
  if (t->n == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2 : 32;
    rc_ptp_shape *shapes = realloc(t->shapes, (size_t)cap * sizeof *shapes);
    if (shapes == NULL) return 0;
    t->shapes = shapes;
    t->cap = cap;
  }
  t->shapes[t->n++] = *x;
  return 1;
}

/* The index of the shape, added when new; 0 when out of memory (or past
 * 2^31 shapes). */
int rc_ptp_texts_index(rc_ptp_texts *t, const rc_ptp_shape *shape, uint32_t *index)
{
  uint32_t s;
  if ((t->n + 1) * 2 > t->nslots && (t->n >= (1u << 30) || !rehash(t))) return 0;
  for (s = slot_of(t, shape); t->slots[s] != 0; s = (s + 1) & (t->nslots - 1)) {
    if (same(&t->shapes[t->slots[s] - 1], shape)) {
      *index = t->slots[s] - 1;
      return 1;
    }
  }
  if (!append(t, shape)) return 0;
  t->slots[s] = t->n;
  *index = t->n - 1;
  return 1;
}

const rc_ptp_shape *rc_ptp_texts_shape(const rc_ptp_texts *t, uint32_t index)
{
  return &t->shapes[index];
}

void rc_ptp_texts_free(rc_ptp_texts *t)
{
  free(t->shapes);
  free(t->slots);
  memset(t, 0, sizeof *t);
}
