/* fuzz_lookup.c: the text a user types at radcode: rc:lookup(code),
 * rc:search(words) (cut into words, synonyms, an FTS5 query built from
 * them) and rc:pair(code, code). The input is up to three lines: a code or
 * query, a second code, a date. With string arguments and valid option
 * names every call answers (a record, results, or nil and a message);
 * nothing raises and nothing crashes. */
#include "fuzz_lua.h"

static const char setup[] =
  "rc = assert(radcode.open())\n"
  "local function answer(what, r, err)\n"
  "  if r == nil then assert(type(err) == 'string', what .. ': nil without a message') return end\n"
  "  assert(type(r) == 'table', what .. ': not a table')\n"
  "end\n"
  "local function search(text, opts)\n"
  "  local r, err = rc:search(text, opts)\n"
  "  answer('search', r, err)\n"
  "  for _, hit in ipairs(r or {}) do\n"
  "    assert(type(hit.code) == 'string' and type(hit.score) == 'number', 'search: bad hit')\n"
  "  end\n"
  "end\n"
  "function run(input)\n"
  "  local a, b, date = input:match('^([^\\n]*)\\n?([^\\n]*)\\n?(.*)$')\n"
  "  local r, err = rc:lookup(a)\n"
  "  answer('lookup', r, err)\n"
  "  if r then assert(type(r.code) == 'string' and #r.code == 5, 'lookup: bad code') end\n"
  "  answer('lookup on a date', rc:lookup(a, {date = date, setting = 'hospital'}))\n"
  "  search(a, {limit = 5})\n"
  "  search(a .. ' ' .. b, {limit = 3, date = date})\n"
  "  answer('pair', rc:pair(a, b, {date = date, setting = 'practitioner'}))\n"
  "  answer('pair', rc:pair(b, a))\n"
  "end\n";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
  return fuzz_lua_run("fuzz_lookup", setup, data, size);
}
