/* codemap.h: a hash map from five-character codes to pointers. */
#ifndef RC_CODEMAP_H
#define RC_CODEMAP_H

#include <stddef.h>

typedef struct rc_codemap rc_codemap;

rc_codemap *rc_codemap_new(void);
void rc_codemap_free(rc_codemap *map, void (*free_value)(void *));
void *rc_codemap_get(const rc_codemap *map, const char *code);
/* Hints the CPU to fetch the slot where code's value is (hint.h). */
void rc_codemap_hint(const rc_codemap *map, const char *code);
int rc_codemap_put(rc_codemap *map, const char *code, void *value);
size_t rc_codemap_count(const rc_codemap *map);

#endif
