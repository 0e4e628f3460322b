/* tsv.h: loading radcode's curated tab-separated tables into SQLite. */
#ifndef RC_TSV_H
#define RC_TSV_H

#include <stddef.h>
#include <sqlite3.h>

int rc_tsv_load(sqlite3 *conn, const char *path, long *rows, char *err, size_t errlen);

#endif
