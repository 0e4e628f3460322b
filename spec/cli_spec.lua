-- bin/radcode: commands, output and exit codes (0 success, 2 usage or input
-- errors with a one-line message on stderr).
local H = require "helper"
local radcode = require "radcode"

describe("radcode (command line)", function()
  it("looks a code up as text", function()
    local out, err, code = H.radcode({ "lookup", "77407", "--date", "2025-06-02", "--setting", "hospital" })
    assert.are.equal(0, code, err)
    assert.matches("^77407  CPT  delivery  active on 2025%-06%-02 %(hospital%)", out)
    assert.matches("MUE%s+2 ", out)
    assert.are.equal("", err)
  end)

  it("looks a code up as JSON that decodes to the API's record", function()
    local out, _, code = H.radcode({ "lookup", "77385", "--date=2026-03-02", "--json" })
    assert.are.equal(0, code)
    local record = assert(radcode.json.decode(out))
    assert.are.same(radcode.open():lookup("77385", { date = "2026-03-02" }), record)
    assert.are.equal("deleted", record.status)
  end)

  it("searches", function()
    local out, _, code = H.radcode({ "search", "proton", "with", "compensation", "--limit", "3" })
    assert.are.equal(0, code)
    assert.matches("^ 1%. 77522", out)
    local _, n = out:gsub("\n", "")
    assert.are.equal(3, n)
    local json = H.radcode({ "search", "7740", "--json" })
    assert.is_true(H.codes(radcode.json.decode(json))["77401"])
  end)

  it("uses a database given with --db", function()
    local dir = H.tmpdir()
    radcode.open():save(dir .. "/x.db")
    local out, _, code = H.radcode({ "lookup", "G6003", "--date", "2025-01-02", "--db", dir .. "/x.db" })
    H.remove_tree(dir)
    assert.are.equal(0, code)
    assert.matches("^G6003  HCPCS", out)
  end)

  it("prints help for the tool and each command, exit 0", function()
    for _, args in ipairs({ { "--help" }, { "help" }, { "lookup", "--help" }, { "search", "--help" } }) do
      local out, _, code = H.radcode(args)
      assert.are.equal(0, code)
      assert.matches("usage: radcode", out)
    end
    local out, _, code = H.radcode({ "--version" })
    assert.are.equal(0, code)
    assert.are.equal("radcode " .. radcode.version .. "\n", out)
  end)

  it("exits 2 with one line on stderr for usage and input errors", function()
    local cases = {
      { { "lookup", "99999" }, "radcode: unknown code 99999\n" },
      { { "lookup", "7740" }, "radcode: malformed code '7740'\n" },
      { { "lookup", "77407", "--date", "2025-02-30" }, "radcode: impossible date '2025-02-30'\n" },
      { { "lookup", "77407", "--setting", "office" }, "radcode: invalid setting 'office' (expected practitioner or hospital)\n" },
      { { "lookup" }, "radcode: lookup takes one code (radcode lookup --help)\n" },
      { { "lookup", "77407", "--bogus" }, "radcode: unknown option --bogus\n" },
      { { "lookup", "77407", "--date" }, "radcode: option --date needs a value\n" },
      { { "lookup", "77407", "--json=yes" }, "radcode: option --json takes no value\n" },
      { { "search" }, "radcode: search needs words (radcode search --help)\n" },
      { { "search", "x", "--limit", "0" }, "radcode: --limit must be a whole number from 1 to 500\n" },
      { { "search", "!!!" }, "radcode: nothing to search for in '!!!'\n" },
      { { "frobnicate" }, "radcode: unknown command 'frobnicate' (try radcode --help)\n" },
      { { "lookup", "77407", "--db", "/nonexistent/x.db" }, nil },
    }
    for _, case in ipairs(cases) do
      local out, err, code = H.radcode(case[1])
      local what = table.concat(case[1], " ")
      assert.are.equal(2, code, what)
      assert.are.equal("", out, what)
      if case[2] then assert.are.equal(case[2], err, what) end
      local _, lines = err:gsub("\n", "")
      assert.are.equal(1, lines, what)
    end
  end)

  it("prints usage on stderr and exits 2 without a command", function()
    local out, err, code = H.radcode({})
    assert.are.equal(2, code)
    assert.are.equal("", out)
    assert.matches("usage: radcode", err)
  end)
end)
