/* ptp_texts.c: the (rationale, dataset) pairs of PTP rows, each once, by
 * index (ptp_texts.h). */
#include "ptp_texts.h"

#include <stdlib.h>
#include <string.h>

static uint32_t slot_of(const rc_ptp_texts *t, const char *text, const char *source)
{
  uint64_t h = (uint64_t)(uintptr_t)text * 0x9E3779B97F4A7C15u ^ (uint64_t)(uintptr_t)source * 0xC2B2AE3D27D4EB4Fu;
  return (uint32_t)(h >> 32) & (t->nslots - 1);
}

static int same(const rc_ptp_texts *t, uint32_t entry, const char *text, const char *source)
{
  return t->pairs[2 * entry] == text && t->pairs[2 * entry + 1] == source;
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
    for (s = slot_of(t, t->pairs[2 * i], t->pairs[2 * i + 1]); slots[s] != 0; s = (s + 1) & (nslots - 1)) continue;
    slots[s] = i + 1;
  }
  return 1;
}

static int append(rc_ptp_texts *t, const char *text, const char *source)
{
  if (t->n == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2 : 32;
    const char **pairs = realloc(t->pairs, (size_t)cap * 2 * sizeof *pairs);
    if (pairs == NULL) return 0;
    t->pairs = pairs;
    t->cap = cap;
  }
  t->pairs[2 * t->n] = text;
  t->pairs[2 * t->n + 1] = source;
  t->n++;
  return 1;
}

/* The index of the pair, added when new; 0 when out of memory. */
int rc_ptp_texts_index(rc_ptp_texts *t, const char *text, const char *source, uint32_t *index)
{
  uint32_t s;
  if ((t->n + 1) * 2 > t->nslots && !rehash(t)) return 0;
  for (s = slot_of(t, text, source); t->slots[s] != 0; s = (s + 1) & (t->nslots - 1)) {
    if (same(t, t->slots[s] - 1, text, source)) {
      *index = t->slots[s] - 1;
      return 1;
    }
  }
  if (t->n == UINT32_MAX - 1 || !append(t, text, source)) return 0;
  t->slots[s] = t->n;
  *index = t->n - 1;
  return 1;
}

const char *rc_ptp_texts_text(const rc_ptp_texts *t, uint32_t index)
{
  return t->pairs[2 * index];
}

const char *rc_ptp_texts_source(const rc_ptp_texts *t, uint32_t index)
{
  return t->pairs[2 * index + 1];
}

void rc_ptp_texts_free(rc_ptp_texts *t)
{
  free(t->pairs);
  free(t->slots);
  memset(t, 0, sizeof *t);
}
