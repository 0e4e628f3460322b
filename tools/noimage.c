/* noimage: tools/mkdb makes the embedded image, so it links without one
 * (db.c's upgrade path, upgrade.c, then says there is nothing to upgrade from). */
#include <stddef.h>
#include "embed.h"

const unsigned char *rc_default_image(size_t *size)
{
  *size = 0;
  return NULL;
}
