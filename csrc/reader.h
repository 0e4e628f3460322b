/* reader.h: reading the lines of a plain or gzip-compressed file. */
#ifndef RC_READER_H
#define RC_READER_H

#include <stddef.h>

typedef struct rc_reader rc_reader;

rc_reader *rc_reader_open(const char *path, char *err, size_t errlen);
int rc_reader_line(rc_reader *r, char **line, size_t *len);
long rc_reader_lineno(const rc_reader *r);
const char *rc_reader_error(const rc_reader *r);
void rc_reader_close(rc_reader *r);

#endif
