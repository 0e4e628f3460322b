/* embed.h: the default dataset, a SQLite image compiled into the module
 * (build/default_db.c is generated from data/ by tools/mkdb and tools/bin2c). */
#ifndef RC_EMBED_H
#define RC_EMBED_H

#include <stddef.h>

const unsigned char *rc_default_image(size_t *size);

#endif
