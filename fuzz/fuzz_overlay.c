/* fuzz_overlay.c: a payer overlay whose one procedural rule runs the
 * library calls the sandbox charges for work the instruction count cannot
 * see: string.find, match, gmatch and gsub (with a string, function or
 * table replacement) on a subject and pattern taken from the input (the
 * subject repeated up to 2^20 times, or given as a number; find's plain
 * flag, an init and a replacement count), table.sort of the words a
 * pattern finds (the < operator, a Lua comparator, long strings with a
 * common prefix), a plain find and string.byte. Input: byte 1 picks the
 * call, byte 2 the repeat, byte 3 the flags, byte 4 how many times; then
 * subject, pattern and replacement separated by newlines. Each input is
 * one rc:check with a 200000-instruction budget: it must end within 20 s
 * (the budget, the charges and the time limit stop the rule long before),
 * keep the national finding, and report exactly one outcome of the rule:
 * its result, a failure, or a stop (a stopped rule contributes nothing). */
#include "fuzz_lua.h"

static const char setup[] =
  "local OVERLAY = [==[\n"
  "return { name = 'fz', rules = { { id = 'ops', check = function(claim, findings, out)\n"
  "  local f = claim.fuzz\n"
  "  local s = f.s:rep(f.rep)\n"
  "  local subject = f.number and (tonumber(f.s) or #s) or s\n"
  "  local p, r, res = f.p, f.r, nil\n"
  "  for _ = 1, f.loops do\n"
  "    local op = f.op\n"
  "    if op == 0 then res = string.find(subject, p, f.init, f.plain)\n"
  "    elseif op == 1 then res = string.match(subject, p, f.init, f.plain)\n"
  "    elseif op == 2 then for a in string.gmatch(subject, p, f.init) do res = a end\n"
  "    elseif op == 3 then res = string.gsub(subject, p, r, f.max)\n"
  "    elseif op == 4 then res = string.gsub(subject, p, function(a) return a end, f.max)\n"
  "    elseif op == 5 then res = string.gsub(subject, p, { [r] = p }, f.max)\n"
  "    elseif op <= 8 then\n"
  "      local t = {}\n"
  "      for w in string.gmatch(subject, p) do t[#t + 1] = w end\n"
  "      if op == 6 then table.sort(t)\n"
  "      elseif op == 7 then table.sort(t, function(a, b) return #a < #b end)\n"
  "      else table.sort(t, function(a, b) return a > b end) end\n"
  "      res = t[1]\n"
  "    elseif op == 9 then\n"
  "      local t = {}\n"
  "      for k = 1, #r do t[k] = s .. r:sub(k, k) end\n"
  "      table.sort(t)\n"
  "      res = t[1]\n"
  "    elseif op == 10 then res = (s .. r):find(p, f.init, true)\n"
  "    else res = select('#', string.byte(subject, f.init, -1)) end\n"
  "  end\n"
  "  out.add { message = 'result ' .. #tostring(res) }\n"
  "end } } }\n"
  "]==]\n"
  "rc = assert(radcode.open { payers = { OVERLAY }, overlay_instructions = 200000 })\n"
  "local PREFIX = 'payer overlay fz: rule ops '\n"
  "function run(data)\n"
  "  if #data < 4 then return end\n"
  "  local op, rep, flags, loops = data:byte(1, 4)\n"
  "  local rest = data:sub(5)\n"
  "  local s, p, r = rest:match('^(.-)\\n(.-)\\n(.*)$')\n"
  "  if not s then\n"
  "    s, p = rest:match('^(.-)\\n(.*)$')\n"
  "    r = ''\n"
  "  end\n"
  "  if not s then s, p, r = rest, '', '' end\n"
  "  local claim = { id = 'F-1', patient = 'P-1', course = 'P-1/c-1', payer = 'fz', setting = 'practitioner',\n"
  "    diagnoses = { 'C61' }, lines = { { code = '77300', date = '2025-06-02' }, { code = '77300', date = '2025-06-02', units = 20 } },\n"
  "    fuzz = { op = op % 12, rep = 1 << (rep % 21), number = flags & 1 == 1, plain = flags & 2 == 2,\n"
  "      init = (flags >> 2) % 8 - 3, max = flags >> 5, loops = loops % 8 + 1, s = s, p = p, r = r } }\n"
  "  local t = radcode.clock()\n"
  "  local result = rc:check(claim)\n"
  "  local seconds = radcode.clock() - t\n"
  "  assert(seconds < 20, ('an overlay ran %.1f s'):format(seconds))\n"
  "  local mue, results, failed, stopped = false, 0, 0, 0\n"
  "  for _, f in ipairs(result.findings) do\n"
  "    if f.edit == 'mue' then mue = true end\n"
  "    if f.overlay == 'fz' then\n"
  "      if f.message:match('^result %d+$') then results = results + 1\n"
  "      elseif f.message:sub(1, #PREFIX + 6) == PREFIX .. 'failed' then failed = failed + 1\n"
  "      elseif f.message:sub(1, #PREFIX + 11) == PREFIX .. 'was stopped' then stopped = stopped + 1\n"
  "      else error('unexpected overlay finding: ' .. f.message) end\n"
  "    end\n"
  "  end\n"
  "  assert(mue, 'the national finding is gone')\n"
  "  assert(results + failed + stopped == 1, 'not one overlay outcome')\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_overlay", setup, data, size);
}
