/* reader.h: reading the lines of a plain or gzip-compressed file, or of
 * any byte source (a zip member: zip.h). */
#ifndef RC_READER_H
#define RC_READER_H

#include <stddef.h>

typedef struct rc_reader rc_reader;

/* The longest line given (its bytes, without the line end): a longer one
 * comes back empty, with rc_reader_bad saying why. */
#define RC_READER_MAX_LINE (1L << 20)
#define RC_READER_MAX_LINE_TEXT "1 MiB"

/* A byte source: read puts up to cap bytes in buf and returns how many (0
 * at its end), or -1 with the reason in err; close frees ctx. */
typedef struct rc_reader_source {
  void *ctx;
  long (*read)(void *ctx, char *buf, size_t cap, char *err, size_t errlen);
  void (*close)(void *ctx);
} rc_reader_source;

rc_reader *rc_reader_open(const char *path, char *err, size_t errlen);
/* A reader over a source; it takes the source (closes it), even on failure. */
rc_reader *rc_reader_from(const rc_reader_source *src, char *err, size_t errlen);
int rc_reader_line(rc_reader *r, char **line, size_t *len);
long rc_reader_lineno(const rc_reader *r);
const char *rc_reader_bad(const rc_reader *r);
const char *rc_reader_error(const rc_reader *r);
void rc_reader_close(rc_reader *r);

#endif
