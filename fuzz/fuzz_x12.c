/* fuzz_x12.c: the X12 837 reader (core.x12_claims) on any bytes. Each
 * answer is a list of claims or nil, "x12: ... at segment N"; reading the
 * same bytes in batches (core.x12_batches, 1 and 3 claims at a time) gives
 * the same claims and the same message; every claim read is then checked
 * (rc:check, national rules and the medicare overlay), so the reader's
 * tables, problems and line sources also go through claim.c and the
 * edits. Never a crash or a raised error. */
#include "fuzz_lua.h"

static const char setup[] =
  "rc = assert(radcode.open{payers = {'medicare'}})\n"
  "local function batched(text, n, claims, err)\n"
  "  local ids, message = {}, nil\n"
  "  for list, e in core.x12_batches(text, n) do\n"
  "    if not list then message = e break end\n"
  "    assert(#list <= n, 'batch too long')\n"
  "    for _, c in ipairs(list) do ids[#ids + 1] = tostring(c.id) .. '/' .. #c.lines end\n"
  "  end\n"
  "  assert(message == err, 'batches: another message')\n"
  "  if claims then\n"
  "    assert(#ids == #claims, 'batches: another count')\n"
  "    for i, c in ipairs(claims) do assert(ids[i] == tostring(c.id) .. '/' .. #c.lines, 'batches: another claim') end\n"
  "  end\n"
  "end\n"
  "function run(text)\n"
  "  local claims, err = core.x12_claims(text)\n"
  "  batched(text, 1, claims, err)\n"
  "  batched(text, 3, claims, err)\n"
  "  if claims == nil then\n"
  "    assert(type(err) == 'string' and err:match('^x12: .* at segment %d+$'), 'nil without an x12: message')\n"
  "    return\n"
  "  end\n"
  "  assert(type(claims) == 'table', 'not a list')\n"
  "  for i, claim in ipairs(claims) do\n"
  "    assert(type(claim.source) == 'table' and claim.source.format == 'x12', 'claim without source')\n"
  "    if i <= 8 then\n"
  "      local r, cerr = rc:check(claim, {payer = 'medicare'})\n"
  "      assert(r ~= nil or type(cerr) == 'string', 'check: nil without a message')\n"
  "    end\n"
  "  end\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_x12", setup, data, size);
}
