/* ptp.c: the PTP edits of a code (the code as column 1), kept as 8-byte
 * rows (rc_ptp in ptp.h) sorted by column 2's packed code: a full national
 * file loads millions of them, so they are not general rule rows. A search
 * fills a caller's rc_rule with the edit in force, so the edits read one
 * form. A column 2 that is not a code of up to five characters 0-9 and A-Z
 * (no claim line's normalized code is such) is not kept: no line could
 * match it. */
#include "ptp.h"
#include "code.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static int32_t day32(long day)
{
  if (day <= INT32_MIN) return INT32_MIN;
  if (day >= INT32_MAX) return INT32_MAX;
  return (int32_t)day;
}

static long day_long(int32_t day)
{
  if (day == INT32_MIN) return LONG_MIN;
  if (day == INT32_MAX) return LONG_MAX;
  return day;
}

#define NO_KEY RC_PTP_NO_KEY   /* a column 2 that packs into no key */

/* A character's base-37 digit: 0-9 are 1-10, A-Z 11-36; -1 otherwise. */
static int digit37(unsigned c)
{
  if (c - '0' < 10u) return (int)(c - '0') + 1;
  if (c - 'A' < 26u) return (int)(c - 'A') + 11;
  return -1;
}

/* A code packed into 32 bits: up to five characters 0-9 (1-10) and A-Z
 * (11-36), 0 past the end, in base 37, so the packed keys are ordered as
 * the codes are; NO_KEY for anything else. */
static uint32_t pack_text(const char *code)
{
  uint32_t packed = 0;
  int i, digit;
  for (i = 0; i < 5 && code[i] != '\0'; i++) {
    if ((digit = digit37((unsigned char)code[i])) < 0) return NO_KEY;
    packed = packed * 37 + (uint32_t)digit;
  }
  if (code[i] != '\0') return NO_KEY;   /* a sixth character or more */
  for (; i < 5; i++) packed *= 37;
  return packed;
}

/* A code key (rc_code_key: its first eight bytes, big-endian) packed as
 * pack_text packs the code. */
static uint32_t pack(uint64_t key)
{
  char code[9];
  rc_code_of_key(key, code);
  return pack_text(code);
}

/* Rule row r (a PTP row) in compact form into p: 0 when its shape cannot
 * be kept (out of memory); *kept = 0 when its column 2 packs into no key
 * (the row is left out). */
static int compact(const rc_rule *r, rc_ptp_texts *texts, rc_ptp *p, int *kept)
{
  *kept = (p->key = pack_text(r->other)) != NO_KEY;
  return !*kept || rc_ptp_shape_index(r, texts, &p->shape);
}

/* The index of rule row r's shape (everything but column 2) in texts,
 * added when new; 0 when out of memory. */
int rc_ptp_shape_index(const rc_rule *r, rc_ptp_texts *texts, uint32_t *index)
{
  rc_ptp_shape shape;
  memset(&shape, 0, sizeof shape);
  shape.text = r->text;
  shape.source = r->source;
  shape.from = day32(r->from);
  shape.to = day32(r->to);
  shape.setting = r->setting;
  shape.layer = r->layer;
  shape.indicator = (signed char)(r->a < 0 ? -1 : r->a > 9 ? 9 : r->a);
  return rc_ptp_texts_index(texts, &shape, index);
}

/* Makes room for one more row; 0 when out of memory. */
static int room(rc_ptp **rows, int n, int *cap)
{
  int bigger;
  rc_ptp *grown;
  if (n < *cap) return 1;
  bigger = *cap ? *cap * 2 : 16;
  if ((grown = realloc(*rows, (size_t)bigger * sizeof *grown)) == NULL) return 0;
  *rows = grown;
  *cap = bigger;
  return 1;
}

/* Appends rule row r (a PTP row) to a growing list; 0 when out of memory. */
int rc_ptp_append(rc_ptp **rows, int *n, int *cap, const rc_rule *r, rc_ptp_texts *texts)
{
  int kept;
  if (!room(rows, *n, cap) || !compact(r, texts, &(*rows)[*n], &kept)) return 0;
  *n += kept;
  return 1;
}

/* Appends a row of column 2 `column2` and a known shape index (as
 * rc_ptp_append would for a row of that shape); 0 when out of memory. */
int rc_ptp_append_shaped(rc_ptp **rows, int *n, int *cap, const char *column2, uint32_t shape)
{
  uint32_t key = pack_text(column2);
  if (key == NO_KEY) return 1;
  if (!room(rows, *n, cap)) return 0;
  (*rows)[*n].key = key;
  (*rows)[(*n)++].shape = shape;
  return 1;
}

/* A list of exactly n rows copied from rows (a reused scratch list); NULL
 * for none, or (with *ok = 0) when out of memory. */
rc_ptp *rc_ptp_copy(const rc_ptp *rows, int n, int *ok)
{
  rc_ptp *exact;
  *ok = 1;
  if (n == 0) return NULL;
  if ((exact = malloc((size_t)n * sizeof *rows)) == NULL) *ok = 0;
  else memcpy(exact, rows, (size_t)n * sizeof *rows);
  return exact;
}

static int applies(const rc_ptp_shape *p, long day, int setting)
{
  return day >= day_long(p->from) && day <= day_long(p->to) &&
         (p->setting == RC_SET_ANY || setting == RC_SET_ANY || p->setting == setting);
}

/* A payer overlay's row beats the national one, then an edit that applies
 * beats an indicator 9 row (deleted retroactively), then the later start,
 * then the later dataset (rows of one key come in the order their dataset
 * names were first stored). */
static int beats(const rc_ptp_shape *p, const rc_ptp_shape *found)
{
  if (found == NULL) return 1;
  if (p->layer != found->layer) return p->layer > found->layer;
  if ((p->indicator == 9) != (found->indicator == 9)) return found->indicator == 9;
  return p->from >= found->from;
}

static const rc_rule *expand(const rc_ptp_shape *p, rc_rule *out)
{
  memset(out, 0, sizeof *out);
  out->kind = RC_RULE_PTP;
  out->from = day_long(p->from);
  out->to = day_long(p->to);
  out->setting = p->setting;
  out->layer = p->layer;
  out->a = p->indicator;
  out->other = out->payer = out->extra = "";
  out->text = p->text;
  out->source = p->source;
  return out;
}

/* Is p's dataset one of the stale ones (another quarter's file than the
 * one that covers the day)? */
static int is_stale(const rc_ptp_shape *p, const char *const *stale, int nstale)
{
  int i;
  for (i = 0; i < nstale; i++)
    if (strcmp(p->source, stale[i]) == 0) return 1;
  return 0;
}

/* Column 2's code key (rc_code_key) as the rows key it: RC_PTP_NO_KEY
 * for a code no row can hold. */
uint32_t rc_ptp_key(uint64_t column2)
{
  return pack(column2);
}

/* A filter of a code's rows (a blocked Bloom filter): each column 2 code
 * sets two bits of one 64-bit word, both chosen by hashing it; about eight
 * bits a row (a power of two of words, at least two), so about one code in
 * twenty the rows do not hold passes it, and a question reads one word.
 * Most codes of a claim have no edit with each other: the filter answers
 * them without a search. */
static uint64_t filter_hash(uint32_t key)
{
  return (uint64_t)key * 0x9E3779B97F4A7C15u;
}

static uint64_t filter_bits(uint64_t hash)
{
  uint64_t mixed = (hash ^ (hash >> 31)) * 0xBF58476D1CE4E5B9u;
  return ((uint64_t)1 << (mixed >> 58)) | ((uint64_t)1 << ((mixed >> 52) & 63));
}

/* The filter of rows (n of them), *shift set for rc_ptp_may_hold; NULL for
 * none or when out of memory (a search then answers every question). */
uint64_t *rc_ptp_filter(const rc_ptp *rows, int n, unsigned *shift)
{
  unsigned words = 1;           /* log2 of the filter's words */
  uint64_t *filter;
  int i;
  if (n <= 0) return NULL;
  while (words < 25 && ((size_t)64 << words) < 8 * (size_t)n) words++;
  if ((filter = calloc((size_t)1 << words, sizeof *filter)) == NULL) return NULL;
  *shift = 64 - words;
  for (i = 0; i < n; i++) {
    uint64_t hash = filter_hash(rows[i].key);
    filter[hash >> *shift] |= filter_bits(hash);
  }
  return filter;
}

/* Can the rows behind the filter hold column 2 (a packed key)? 0 only when
 * they cannot. */
int rc_ptp_may_hold(const uint64_t *filter, unsigned shift, uint32_t key)
{
  uint64_t hash = filter_hash(key), bits = filter_bits(hash);
  return (filter[hash >> shift] & bits) == bits;
}

/* The first of rows [from, n) whose column 2 is not below key; rows
 * before from must all be below it. Galloping from `from`: a walk over
 * ascending keys (rc_rules_ptp_next) moves a short way each time. */
int rc_ptp_seek(const rc_ptp *rows, int n, int from, uint32_t key)
{
  int lo = from, hi, step = 1;
  while (lo < n && rows[lo].key < key) {   /* rows[lo] is below key: gallop past it */
    hi = n - lo > step ? lo + step : n;
    if (hi == n || rows[hi].key >= key) {
      lo++;
      while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (rows[mid].key < key) lo = mid + 1; else hi = mid;
      }
      return lo;
    }
    lo = hi;
    step *= 2;
  }
  return lo;
}

/* The edit against column 2 (packed key) in force on the day in the
 * setting among the rows from `at` (where the key's rows start, as
 * rc_ptp_seek finds), written to out, from rows of any dataset but the
 * stale ones (the names of loaded versions that do not answer for the
 * day); NULL when there is none (or an overlay removed it). */
const rc_rule *rc_ptp_pick(const rc_ptp *rows, int n, int at, const rc_ptp_texts *texts, uint32_t key, long day,
                           int setting, const char *const *stale, int nstale, rc_rule *out)
{
  const rc_ptp_shape *found = NULL;
  for (; at < n && rows[at].key == key; at++) {
    const rc_ptp_shape *p = rc_ptp_texts_shape(texts, rows[at].shape);
    if (applies(p, day, setting) && beats(p, found) && !is_stale(p, stale, nstale)) found = p;
  }
  return found != NULL && found->indicator >= 0 ? expand(found, out) : NULL;
}

/* Row order: column 2, then start, then layer. */
static int before(const rc_ptp *x, const rc_ptp *y, const rc_ptp_texts *texts)
{
  const rc_ptp_shape *a, *b;
  if (x->key != y->key) return x->key < y->key;
  a = rc_ptp_texts_shape(texts, x->shape);
  b = rc_ptp_texts_shape(texts, y->shape);
  if (a->from != b->from) return a->from < b->from;
  return a->layer <= b->layer;
}

/* The national rows with an overlay's PTP rows (the PTP kind among extra,
 * which is sorted by column 2) merged in order, into a new list the caller
 * frees (*out is NULL when both are empty); 0 when out of memory. */
int rc_ptp_merge(const rc_ptp *national, int n, const rc_rule *extra, int nextra, rc_ptp_texts *texts,
                 rc_ptp **out, int *count)
{
  int i = 0, j, k = 0, total = n;
  rc_ptp *rows;
  for (j = 0; j < nextra; j++) total += extra[j].kind == RC_RULE_PTP;
  *out = NULL;
  *count = 0;
  if (total == 0) return 1;
  if ((rows = malloc((size_t)total * sizeof *rows)) == NULL) return 0;
  for (j = 0; i < n || j < nextra;) {
    if (j < nextra && extra[j].kind != RC_RULE_PTP) {
      j++;
    } else if (j < nextra) {
      rc_ptp next;
      int kept;
      if (!compact(&extra[j], texts, &next, &kept)) {
        free(rows);
        return 0;
      }
      if (!kept) j++;
      else if (i < n && before(&national[i], &next, texts)) rows[k++] = national[i++];
      else rows[k++] = next, j++;
    } else {
      rows[k++] = national[i++];
    }
  }
  *out = rows;
  *count = k;
  return 1;
}

/* The row stays 8 bytes (a compile error otherwise). */
typedef char rc_ptp_is_8_bytes[sizeof(rc_ptp) == 8 ? 1 : -1];
