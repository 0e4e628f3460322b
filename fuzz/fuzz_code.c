/* fuzz_code.c: CPT/HCPCS code syntax, as the checker (rc_code_normalize)
 * and the importers (rc_import_code) read it. A normalized code is five
 * characters of its system's shape, and normalizing it again is stable. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "code.h"
#include "importer.h"

static void check_shape(const char *code, rc_code_system sys)
{
  int i;
  if (strlen(code) != RC_CODE_LEN) abort();
  for (i = 0; i < RC_CODE_LEN; i++)
    if (!isdigit((unsigned char)code[i]) && !isupper((unsigned char)code[i])) abort();
  if (sys == RC_CODE_HCPCS && !isupper((unsigned char)code[0])) abort();
  if (rc_code_system_name(sys) == NULL) abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  char *s = malloc(size + 1), out[RC_CODE_LEN + 1], again[RC_CODE_LEN + 1], imp[6];
  const char *system = NULL;
  rc_code_system sys;
  if (s == NULL) return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  sys = rc_code_normalize(s, size, out);
  if (sys != RC_CODE_MALFORMED) {
    check_shape(out, sys);
    if (rc_code_normalize(out, strlen(out), again) != sys || strcmp(out, again) != 0) {
      fprintf(stderr, "fuzz_code: '%s' -> '%s' -> '%s'\n", s, out, again);
      abort();
    }
  }
  if (rc_import_code(s, imp, &system)) {
    if (strlen(imp) != RC_CODE_LEN || system == NULL) abort();
  }
  free(s);
  return 0;
}
