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

  -- issue 17, point 13: output that cannot be written is an error.
  it("exits non-zero with a message when stdout is full or closed", function()
    -- Under valgrind (make valgrind) the closed stdout cannot be tried: the
    -- wrapper's log file takes the lowest free descriptor, 1, so radcode's
    -- output goes there; make test and make sanitize try it.
    local redirects = os.getenv("RADCODE_VALGRIND") and { ">/dev/full" } or { ">/dev/full", ">&-" }
    for _, redirect in ipairs(redirects) do
      for _, args in ipairs({ "lookup 77412", "lookup 77412 --json", "--help", "search imrt",
                              "check " .. H.quote(H.root .. "/examples/mistakes.json") .. " --json" }) do
        local _, err, code = H.run(("RADCODE_BUILD=%s lua5.4 %s/bin/radcode %s %s"):format(
          H.quote(H.abs_build), H.quote(H.root), args, redirect))
        local what = args .. " " .. redirect
        assert.are.equal(2, code, what)
        assert.matches("^radcode: cannot write the output: [^\n]+\n$", err, what)
      end
    end
  end)

  -- issue 17, point 14: what a user sees names no file inside radcode and
  -- no "bad argument #N to '?'".
  it("says plainly why a database, a file or an overlay cannot be used", function()
    local dir = H.tmpdir()
    H.write(dir .. "/zero.lua", 'error("\\0")')
    local cases = {
      { { "lookup", "77412", "--db", dir .. "/missing.db" }, "cannot open database '" .. dir .. "/missing.db': no such file" },
      { { "explain", "77412", "--db", dir }, "cannot open database '" .. dir .. "': it is a directory" },
      { { "search", "imrt", "--db", dir .. "/missing.db" }, "cannot open database" },
      { { "pair", "77412", "77280", "--db", dir .. "/missing.db" }, "cannot open database" },
      { { "data", "--db", dir .. "/missing.db" }, "cannot open database" },
      { { "check", dir }, "cannot read " .. dir .. ": Is a directory" },
      { { "check", "--batch", dir }, "cannot read " .. dir .. ": Is a directory" },
      { { "claims", dir }, "cannot read " .. dir .. ": Is a directory" },
      { { "overlay", "check", dir .. "/zero.lua" }, dir .. "/zero.lua:1: (an error without a message)" },
      { { "overlay", "check", dir .. "/missing" }, "cannot read overlay file " .. dir .. "/missing: No such file or directory" },
    }
    for _, case in ipairs(cases) do
      local out, err, code = H.radcode(case[1])
      local what = table.concat(case[1], " ")
      assert.are.equal(2, code, what)
      assert.are.equal("", out, what)
      assert.are.equal(1, select(2, err:gsub("\n", "")), what)
      assert.truthy(err:find("radcode: " .. case[2], 1, true), what .. ": " .. err)
      assert.falsy(err:find("%.lua:%d+: ") and not err:find("zero.lua:1: ", 1, true), what .. ": " .. err)
      assert.falsy(err:find("bad argument", 1, true), what .. ": " .. err)
      assert.falsy(err:find("lua/radcode", 1, true), what .. ": " .. err)
    end
    H.remove_tree(dir)
  end)

  it("maps internal positions, 'bad argument' and control bytes to plain text", function()
    local cli = require "radcode.cli"
    local here = debug.getinfo(cli.plain, "S").source:match("^@(.*)cli%.lua$")
    assert.are.equal("cannot open x", cli.plain(here .. "commands/lookup.lua:82: cannot open x"))
    assert.are.equal("string expected, got nil", cli.plain("bad argument #1 to '?' (string expected, got nil)"))
    assert.are.equal("plan.lua:3: a\\0b", cli.plain("plan.lua:3: a\0b"))
    assert.are.equal("plan.lua:1: (an error without a message)", cli.plain("plan.lua:1: "))
    assert.are.equal("an error without a message", cli.plain({}))
  end)
end)
