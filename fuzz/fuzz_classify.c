/* fuzz_classify.c: the classifier's fact reader (facts.c) and the rule
 * evaluator (classify.c, expr.c) on facts given as JSON text. A wrong
 * type or an unknown fact raises (a bad argument, by design); a bad value
 * gives nil and a message; otherwise a result with lines, a level and
 * reasons. Never a crash, never an error that is not a string. */
#include "fuzz_lua.h"

static const char setup[] =
  "rc = assert(radcode.open())\n"
  "function run(text)\n"
  "  local facts = core.json_decode(text)\n"
  "  if type(facts) ~= 'table' then return end\n"
  "  local ok, r, err = pcall(rc.classify, rc, facts)\n"
  "  if not ok then assert(type(r) == 'string', 'non-string error') return end\n"
  "  if r == nil then assert(type(err) == 'string', 'nil without a message') return end\n"
  "  assert(type(r.lines) == 'table' and type(r.reasons) == 'table', 'bad result')\n"
  "  for _, line in ipairs(r.lines) do\n"
  "    assert(type(line.code) == 'string' and math.type(line.units) == 'integer', 'bad line')\n"
  "  end\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_classify", setup, data, size);
}
