/* zip.h: reading the members of a ZIP archive (PKWARE APPNOTE), strictly:
 * one disk, no ZIP64, no encryption, members stored (method 0) or deflated
 * (method 8). A member is read as a stream (rc_zip_reader: a line reader
 * over it, see reader.h), its CRC-32 and size checked at its end. Damage
 * is an error message, never a crash. */
#ifndef RC_ZIP_H
#define RC_ZIP_H

#include <stddef.h>
#include <stdio.h>
#include "reader.h"

typedef struct rc_zip rc_zip;

/* Reads the archive's central directory; NULL (the reason in err) when the
 * file is not a zip radcode can read. */
rc_zip *rc_zip_open(const char *path, char *err, size_t errlen);
void rc_zip_close(rc_zip *z);

/* The members: count, and each one's name (as stored, with its folders). */
int rc_zip_count(const rc_zip *z);
const char *rc_zip_name(const rc_zip *z, int i);

/* The member whose base name (after the last '/') is base, ignoring case;
 * -1 when none, -2 when more than one member has it. */
int rc_zip_find(const rc_zip *z, const char *base);

/* A line reader over member i; NULL (the reason in err) when the member
 * cannot be read (unsupported method, encryption, bad local header). */
rc_reader *rc_zip_reader(rc_zip *z, int i, char *err, size_t errlen);

/* Copies member i's bytes to out (checked like a reader's); 0 with the
 * reason in err. For a zip inside a zip. */
int rc_zip_extract(rc_zip *z, int i, FILE *out, char *err, size_t errlen);

#endif
