/* fuzz_check.c: a claim as JSON text -> rc:check (national rules, the
 * claim's own payer, the medicare and bluecross_example overlays, a small
 * opts.max_lines), then rc:record and a check against the recorded course
 * history. The JSON decoder, the claim conversion (claim.c: codes, dates,
 * units, modifiers, diagnosis pointers) and every edit see the input;
 * each answer must be a report whose findings have a known edit kind and
 * severity, or nil and a message, never a crash or a raised error.
 * Records go to a second handle with an in-memory history that is
 * reopened every 64 records, so the history stays small. */
#include "fuzz_lua.h"

static const char setup[] =
  "rc = assert(radcode.open{payers = {'medicare', 'bluecross_example'}})\n"
  "local hrc, recorded = nil, 0\n"
  "local edits = {ptp=1, mue=1, addon=1, frequency=1, modifier=1, validity=1, setting=1,\n"
  "  companion=1, necessity=1, input=1, overlay=1, coverage=1}\n"
  "local severities = {deny=1, review=1, warn=1, info=1}\n"
  "local function report(r, err)\n"
  "  if r == nil then assert(type(err) == 'string', 'nil without a message') return end\n"
  "  assert(type(r.ok) == 'boolean' and type(r.findings) == 'table', 'bad report')\n"
  "  for _, f in ipairs(r.findings) do\n"
  "    assert(edits[f.edit] and severities[f.severity], 'bad finding')\n"
  "    assert(type(f.message) == 'string', 'finding without a message')\n"
  "  end\n"
  "end\n"
  "local function history(claim)\n"
  "  if recorded % 64 == 0 then\n"
  "    if hrc then hrc:close() end\n"
  "    hrc = assert(radcode.open{payers = {'medicare'}})\n"
  "  end\n"
  "  recorded = recorded + 1\n"
  "  local ok, err = hrc:record(claim)\n"
  "  assert(ok == true or (ok == nil and type(err) == 'string'), 'record: bad answer')\n"
  "  report(hrc:check(claim, {payer = 'medicare'}))\n"
  "end\n"
  "function run(text)\n"
  "  local claim = core.json_decode(text)\n"
  "  if type(claim) ~= 'table' then return end\n"
  "  report(rc:check(claim))\n"
  "  if type(claim.payer) == 'string' and claim.payer:match('^[%w_]+$') then\n"
  "    report(rc:check(claim, {payer = claim.payer}))\n"
  "  end\n"
  "  report(rc:check(claim, {payer = 'medicare', max_lines = 3}))\n"
  "  report(rc:check(claim, {payer = 'bluecross_example'}))\n"
  "  history(claim)\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_check", setup, data, size);
}
