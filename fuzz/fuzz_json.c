/* fuzz_json.c: radcode's JSON decoder (claims come in as JSON). Any input
 * gives a value or nil, "json: ..."; a decoded value encodes, and the
 * encoding decodes back to a value that encodes the same (a round trip). */
#include "fuzz_lua.h"

static const char setup[] =
  "function run(text)\n"
  "  local v, err = core.json_decode(text)\n"
  "  if v == nil then\n"
  "    assert(type(err) == 'string' and err:match('^json: '), 'nil without a json: message')\n"
  "    return\n"
  "  end\n"
  "  local ok, once = pcall(core.json_encode, v)\n"
  "  if not ok then\n"
  "    assert(type(once) == 'string' and once:match('json: '), 'encode: bad error')\n"
  "    return\n"
  "  end\n"
  "  local again, err2 = core.json_decode(once)\n"
  "  if again == nil then error('REDECODE ' .. tostring(err2) .. ' for ' .. once) end\n"
  "  local twice = core.json_encode(again)\n"
  "  if once ~= twice then error('ROUNDTRIP ' .. once .. ' ~= ' .. twice) end\n"
  "  core.json_encode(v, true)\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_json", setup, data, size);
}
