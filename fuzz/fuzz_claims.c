/* fuzz_claims.c: radcode.claims (format detection, the X12 reader, the
 * FHIR mapping over radcode's JSON parser, JSON and JSON lines) on any
 * bytes, in each format. Each answer is a list of claim tables or nil and
 * a message; never a crash or a raised error. */
#include "fuzz_lua.h"

static const char setup[] =
  "local formats = {false, 'x12', 'fhir', 'json'}\n"
  "function run(text)\n"
  "  for _, format in ipairs(formats) do\n"
  "    local claims, err = radcode.claims(text, format and {format = format} or nil)\n"
  "    if claims == nil then\n"
  "      assert(type(err) == 'string', 'nil without a message')\n"
  "    else\n"
  "      assert(type(claims) == 'table', 'not a list')\n"
  "      for _, c in ipairs(claims) do assert(type(c) == 'table', 'a claim is not a table') end\n"
  "    end\n"
  "  end\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_claims", setup, data, size);
}
