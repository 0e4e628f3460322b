/* hint.h: RC_HINT(p) asks the CPU to bring the memory at p into its cache
 * ahead of use (GCC and Clang's __builtin_prefetch; nothing elsewhere). A
 * claim's codes are scattered over a rule set of thousands: hinting all of
 * their rules first lets the cache misses overlap instead of coming one by
 * one as each edit reaches them. A hint never faults and changes nothing. */
#ifndef RC_HINT_H
#define RC_HINT_H

#if defined(__GNUC__) || defined(__clang__)
#define RC_HINT(p) __builtin_prefetch((const void *)(p))
#else
#define RC_HINT(p) ((void)(p))
#endif

#endif
