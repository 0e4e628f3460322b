/* fuzz_date.c: ISO dates (rc_date_parse / rc_date_format) and the
 * importers' eight-digit dates (rc_import_date8). A parsed date formats
 * back to the same ten characters; a formatted day parses to that day. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "date.h"
#include "importer.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  char *s = malloc(size + 1), out[RC_DATE_LEN + 1], iso[RC_DATE_LEN + 1];
  long day = 0, again = 0;
  if (s == NULL) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  if (rc_date_parse(s, size, &day) == RC_DATE_OK) {
    rc_date_format(day, out);
    if (size != RC_DATE_LEN || memcmp(out, s, RC_DATE_LEN) != 0) {
      fprintf(stderr, "fuzz_date: '%s' parsed, formats as '%s'\n", s, out);
      abort();
    }
    if (rc_date_parse(out, strlen(out), &again) != RC_DATE_OK || again != day) abort();
  }
  if (rc_import_date8(s, iso)) {
    if (strlen(iso) != RC_DATE_LEN || rc_date_parse(iso, RC_DATE_LEN, &day) != RC_DATE_OK) {
      fprintf(stderr, "fuzz_date: date8 '%s' gave '%s'\n", s, iso);
      abort();
    }
    rc_import_day_before(iso, out);
  }
  free(s);
  return 0;
}
