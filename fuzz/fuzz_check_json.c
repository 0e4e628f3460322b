/* fuzz_check_json.c: a claim as JSON text -> rc:check_json (which reads a
 * plain claim straight from its text, claim_plain.c, and decodes any other
 * one) against rc:check_all of the claim radcode.claims decodes from the
 * same text: the totals must be the same, or, for a text that is not a
 * claim, check_json must list it in errors with the decoder's message and
 * count nothing. Never a crash or a raised error. */
#include "fuzz_lua.h"

static const char setup[] =
  "rc = assert(radcode.open())\n"
  "local claims = require 'radcode.claims'\n"
  "local function same(a, b)\n"
  "  if type(a) ~= 'table' or type(b) ~= 'table' then return a == b end\n"
  "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
  "  for k in pairs(b) do if a[k] == nil then return false end end\n"
  "  return true\n"
  "end\n"
  "function run(text)\n"
  "  local got = rc:check_json({text})\n"
  "  local claim, err = claims.json_claim(text)\n"
  "  if claim then\n"
  "    assert(same(got, rc:check_all({claim})), 'check_json and check_all differ')\n"
  "    local three = rc:check_json({text}, {max_lines = 3})\n"
  "    assert(same(three, rc:check_all({claim}, {max_lines = 3})), 'differ with max_lines = 3')\n"
  "  else\n"
  "    assert(got.claims == 0 and #got.errors == 1 and got.errors[1].message == err, 'not-a-claim not listed')\n"
  "  end\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_check_json", setup, data, size);
}
