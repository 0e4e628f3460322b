-- radcode check and radcode pair on the command line: the report, --json,
-- --batch, --history with --record, exit codes (0 clean enough, 1 denied or
-- "no", 2 usage and input errors), and the example claims in examples/
-- against what examples/README.md says radcode finds.
local H = require "helper"
local radcode = require "radcode"

local EXAMPLES = H.root .. "/examples/"

local read = H.read

local function example(name)
  return assert(radcode.json.decode(read(EXAMPLES .. name)))
end

local function lines_of(text)
  local lines = {}
  for line in text:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines
end

--- The rows of the Markdown tables in examples/README.md, as lists of cells.
local function readme_rows()
  local rows = {}
  for line in read(EXAMPLES .. "README.md"):gmatch("[^\n]+") do
    if line:match("^| ") and not line:match("^|%-") then
      local cells = {}
      for cell in line:gmatch("|%s*([^|]-)%s*%f[|]") do cells[#cells + 1] = cell end
      rows[#rows + 1] = cells
    end
  end
  return rows
end

--- What a "radcode finds" cell says: "clean", or "10 deny, 1 review, denied".
local function expected(cell)
  local counts, denied = { deny = 0, review = 0, warn = 0, info = 0 }, false
  for n, severity in cell:gmatch("(%d+) (%a+)") do counts[severity] = tonumber(n) end
  denied = cell:match("denied") ~= nil
  return counts, denied
end

local function counts_of(result)
  local counts = { deny = 0, review = 0, warn = 0, info = 0 }
  for _, f in ipairs(result.findings) do counts[f.severity] = counts[f.severity] + 1 end
  return counts
end

local function assert_finds(result, cell, what)
  local counts, denied = expected(cell)
  if cell == "clean" then assert.are.equal(0, #result.findings, what) end
  assert.are.same(counts, counts_of(result), what)
  assert.are.equal(not denied, result.ok, what)
end

local function one_line_error(out, err, code, what)
  assert.are.equal(2, code, what)
  assert.are.equal("", out, what)
  assert.matches("^radcode: [^\n]+\n$", err, what)
end

describe("radcode check", function()
  it("prints a report grouped by claim line, severity in capitals, then the summary", function()
    local out, err, code = H.radcode({ "check", EXAMPLES .. "mistakes.json" })
    assert.are.equal(1, code)
    assert.are.equal("", err)
    local lines = lines_of(out)
    assert.matches("^claim C%-2025%-0999  payer medicare  setting practitioner", lines[1])
    -- claim-level first: the embedded NCCI PTP and MUE data end 2024-06-30 (spec/vintage_spec.lua)
    assert.matches("^  REVIEW  NCCI PTP v30%.1 covers dates of service to 2024%-06%-30; lines 1, 2,", lines[2])
    assert.matches("^          fix: import the NCCI PTP file", lines[3])
    assert.matches("^  REVIEW  MUE 2024Q2 covers dates of service to 2024%-06%-30", lines[4])
    for _ = 2, 5 do table.remove(lines, 2) end
    assert.are.equal("line 1  77407-26  2025-06-02  x1", lines[2])
    assert.matches("^  DENY    Medicare does not recognise 77407", lines[3])
    assert.matches("^          fix: use G6007", lines[4])
    assert.are.equal("  DENY    77407 is technical-only (PC/TC 3): modifier 26 is invalid", lines[5])
    assert.are.equal("          fix: remove modifier 26", lines[6])
    assert.are.equal("line 3  77295  2025-05-27  x1", lines[7])
    assert.matches("\nline 8  G6015  06/05/2025  x1\n  DENY    line 8: malformed date '06/05/2025'\n", out)
    assert.matches("\nline 11  77300  2025%-05%-27  x12\n  REVIEW  77300: 12 units", out)
    assert.are.equal("13 findings: 10 deny, 3 review — claim would be denied", lines[#lines])
  end)

  it("prints claim-level findings first and says clean when there are none", function()
    local dir = H.tmpdir()
    H.write(dir .. "/c.json", [[{"id": "C-9", "diagnoses": ["C61"],
      "lines": [{"code": "77263", "date": "2025-03-03", "units": 1, "dx": [3]}]}]])
    local out, _, code = H.radcode({ "check", dir .. "/c.json" })
    -- dated within the embedded data's coverage (2024 Q2), so no coverage finding either
    H.write(dir .. "/clean.json", [[{"id": "C-5", "setting": "practitioner", "pos": "11", "payer": "medicare",
      "patient": "P-5", "course": "P-5/1", "diagnoses": ["C61"],
      "lines": [{"code": "77263", "date": "2024-05-06", "units": 1, "dx": [1]}]}]])
    local clean = H.radcode({ "check", dir .. "/clean.json" })
    H.remove_tree(dir)
    assert.are.equal(1, code)
    local lines = lines_of(out)
    assert.are.equal("claim C-9", lines[1])
    assert.matches("^  WARN    claim gives no setting", lines[2])
    assert.matches("^          fix: ", lines[3])
    local header
    for i, line in ipairs(lines) do if line:match("^line ") then header = header or i end end
    assert.are.equal("line 1  77263  2025-03-03  x1", lines[header])
    for i = 2, header - 1 do assert.matches("^  ", lines[i]) end
    assert.matches("— claim would be denied$", lines[#lines])
    assert.matches("\nclean\n$", clean)
  end)

  it("prints with --json the result rc:check gives for the same file", function()
    local rc = assert(radcode.open())
    for _, name in ipairs({ "mistakes.json", "breast_2026_hospital.json" }) do
      local out, _, code = H.radcode({ "check", EXAMPLES .. name, "--json" })
      local result = rc:check(example(name))
      assert.are.equal(result.ok and 0 or 1, code, name)
      assert.are.same(result, radcode.json.decode(out), name)
    end
  end)

  it("checks as the payer given with --payer", function()
    local out = H.radcode({ "check", EXAMPLES .. "mistakes.json", "--json", "--payer", "aetna" })
    local result = assert(radcode.open()):check(example("mistakes.json"), { payer = "aetna" })
    assert.are.same(result, radcode.json.decode(out))
  end)

  -- issue 17, point 11: --payer loads the payer's overlay, --overlay more.
  describe("with payer overlays", function()
    local dir, claim_path
    local CLAIM = [[{"id": "C-5", "setting": "practitioner", "pos": "11", "payer": "%s", "patient": "P-5",
      "course": "P-5/1", "diagnoses": ["C61"], "lines": [{"code": "77301", "date": "2024-05-06", "units": 1, "dx": [1]}]}]]
    local function overlay(name, code)
      return ([[return { name = "%s", source = "spec overlay",
        prior_auth = { { id = "pa-%s", codes = { "%s" }, reason = "needs authorisation" } } }]]):format(name, code, code)
    end
    local function edits(out)
      local result, list = assert(radcode.json.decode(out)), {}
      for _, f in ipairs(result.findings) do list[#list + 1] = f.edit .. " " .. tostring(f.overlay) end
      return list, result
    end

    setup(function()
      dir = H.tmpdir()
      claim_path = dir .. "/claim.json"
      H.write(claim_path, CLAIM:format("acme"))
      H.write(dir .. "/acme.lua", overlay("acme", "77301"))
      H.write(dir .. "/other.lua", overlay("other", "77263"))
    end)
    teardown(function() H.remove_tree(dir) end)

    it("is clean without an overlay", function()
      local out, err, code = H.radcode({ "check", claim_path, "--json" })
      assert.are.equal(0, code, err)
      assert.are.same({}, (edits(out)))
    end)

    it("loads a shipped overlay named by --payer, as radcode.open{payers =} does", function()
      local out, err, code = H.radcode({ "check", claim_path, "--json", "--payer", "bluecross_example" })
      assert.are.equal(1, code, err)
      assert.are.equal("", err)
      local rc = assert(radcode.open({ payers = { "bluecross_example" } }))
      local want = rc:check(assert(radcode.json.decode(CLAIM:format("acme"))), { payer = "bluecross_example" })
      local list, got = edits(out)
      assert.are.same(want, got)
      assert.are.same({ "overlay bluecross_example" }, list)
    end)

    it("loads an overlay file named by --payer and checks as its name", function()
      local out, err, code = H.radcode({ "check", claim_path, "--json", "--payer", dir .. "/acme.lua" })
      assert.are.equal(1, code, err)
      assert.are.same({ "overlay acme" }, (edits(out)))
    end)

    it("loads every --overlay; the claim's payer or --payer picks the one that applies", function()
      local out, err, code = H.radcode({ "check", claim_path, "--json", "--overlay", dir .. "/other.lua",
        "--overlay", dir .. "/acme.lua" })
      assert.are.equal(1, code, err)
      assert.are.same({ "overlay acme" }, (edits(out)))
      out, err, code = H.radcode({ "check", claim_path, "--json", "--overlay", dir .. "/other.lua",
        "--overlay", dir .. "/acme.lua", "--payer", "other" })
      assert.are.equal(0, code, err)
      assert.are.same({}, (edits(out)))
      -- in a batch too
      H.write(dir .. "/batch.jsonl", CLAIM:gsub("\n", " "):format("acme") .. "\n" .. CLAIM:gsub("\n", " "):format("x") .. "\n")
      out, err, code = H.radcode({ "check", "--batch", dir .. "/batch.jsonl", "--overlay", dir .. "/acme.lua" })
      assert.are.equal(1, code, err)
      assert.matches("^line 1 C%-5: 1 deny\nline 2 C%-5: 1 info\n", out)
    end)

    it("says on stderr that a payer without an overlay gets the national rules", function()
      local out, err, code = H.radcode({ "check", claim_path, "--json", "--payer", "aetna" })
      assert.are.equal(0, code)
      assert.are.same({}, (edits(out)))
      assert.matches("^radcode: note: no overlay [^\n]*'aetna'[^\n]*national rules[^\n]*\n$", err)
    end)

    it("exits 2 when an overlay given cannot be loaded", function()
      H.write(dir .. "/broken.lua", "return {")
      for _, args in ipairs({ { "--overlay", dir .. "/missing.lua" }, { "--overlay", dir },
                              { "--overlay", dir .. "/broken.lua" }, { "--payer", dir .. "/missing.lua" },
                              { "--overlay", "return { name = 'x' }" } }) do
        local out, err, code = H.radcode({ "check", claim_path, table.unpack(args) })
        local what = table.concat(args, " ")
        assert.are.equal(2, code, what)
        assert.are.equal("", out, what)
        assert.matches("^radcode: %-%-%a+: [^\n]+\n$", err, what)
      end
    end)
  end)

  -- issue 17, point 12: no message cuts a character in half, --json output
  -- is always JSON, and a claim that cannot be reported does not stop the rest.
  describe("with text that is not ASCII", function()
    local dir
    setup(function() dir = H.tmpdir() end)
    teardown(function() H.remove_tree(dir) end)
    local E = ("é"):rep(25)   -- two bytes a character: every cut at an odd byte lands inside one
    local ODD = ([[{"id": "U-1", "setting": "practitioner", "pos": "1%s", "diagnoses": ["C%s"],
      "lines": [{"code": "7%s", "date": "2%s", "modifiers": ["x%s"], "revenue": "0%s"}], "k%s": 1}]]):gsub("%%s", E):gsub("\n", " ")
    local GOOD = [[{"id": "G-1", "setting": "practitioner", "pos": "11", "patient": "P", "course": "P/1", "diagnoses": ["C61"], "lines": [{"code": "77263", "date": "2024-05-06", "dx": [1]}]}]]

    local function whole_characters(result)
      assert.truthy(#result.findings >= 5)
      for _, f in ipairs(result.findings) do
        assert.truthy(utf8.len(f.message), f.message)
        assert.truthy(utf8.len(f.fix or ""), f.fix)
      end
    end

    it("quotes values in whole characters, so --json prints the report", function()
      H.write(dir .. "/odd.json", ODD)
      local out, err, code = H.radcode({ "check", dir .. "/odd.json", "--json" })
      assert.are.equal(1, code, err)
      local result = assert(radcode.json.decode(out))
      whole_characters(result)
      assert.are.same(assert(radcode.open()):check(assert(radcode.json.decode(ODD))), result)
    end)

    it("reports every claim of a --batch --json, one JSON object a line", function()
      H.write(dir .. "/odd.jsonl", GOOD .. "\n" .. ODD .. "\n" .. GOOD:gsub("G%-1", "G-2") .. "\n")
      local out, err, code = H.radcode({ "check", "--batch", dir .. "/odd.jsonl", "--json" })
      assert.are.equal(1, code, err)
      local lines = lines_of(out)
      assert.are.equal(4, #lines)
      local ids = {}
      for i, line in ipairs(lines) do
        local v = assert(radcode.json.decode(line), line)
        ids[i] = v.id or (v.summary and "summary")
        if v.id == "U-1" then whole_characters(v) end
      end
      assert.are.same({ "G-1", "U-1", "G-2", "summary" }, ids)
    end)

    it("writes an error line for a claim whose report cannot be JSON, and goes on", function()
      local writer = dofile(H.root .. "/bench/x12.lua")
      local function claim(id, code)
        return { id = id, patient = "P1", payer = "medicare", pos = "11", diagnoses = { "C61" },
                 lines = { { code = code, date = "2025-03-03", dx = { 1 } } } }
      end
      -- an 837 in Latin-1: the code of claim 2 is not UTF-8
      H.write(dir .. "/latin1.837", writer.write({ claim("A1", "77263"), claim("B2", "7726\233"), claim("C3", "77263") },
        { nl = "\n" }))
      local out, err, code = H.radcode({ "check", dir .. "/latin1.837", "--json" })
      assert.are.equal(1, code)
      assert.matches("^radcode: [^\n]*latin1%.837 claim 2: the report cannot be written as JSON[^\n]*\n$", err)
      local lines = lines_of(out)
      assert.are.equal(4, #lines)
      local got = {}
      for i, line in ipairs(lines) do
        local v = assert(radcode.json.decode(line), line)
        got[i] = v.id or v.error or (v.summary and "summary")
      end
      assert.are.same({ "A1", "the report cannot be written as JSON", "C3", "summary" }, got)
      assert.are.same({ 2 }, radcode.json.decode(lines[4]).summary.errors)
    end)
  end)

  -- issue 17, minor: a diagnosis has at most one dot, after its category.
  it("refuses a diagnosis with dots anywhere but after the category, in a claim, an overlay and an LCD import", function()
    local dir = H.tmpdir()
    local claim = [[{"id": "X", "setting": "practitioner", "pos": "11", "payer": "q", "diagnoses": ["%s"],
      "lines": [{"code": "77263", "date": "2024-05-06", "dx": [1]}]}]]
    local rc = assert(radcode.open())
    for _, dx in ipairs({ "C6.............9", "C61..9", "C6.1" }) do
      H.write(dir .. "/q.lua", ([[return { name = "q", coverage = { { id = "c", code = "77263", diagnoses = { "%s" } } } }]]):format(dx))
      H.write(dir .. "/claim.json", claim:format("C61"))
      local out, err, code = H.radcode({ "check", dir .. "/claim.json", "--overlay", dir .. "/q.lua" })
      assert.are.equal(2, code, dx)
      assert.are.equal("", out, dx)
      assert.matches("is not an ICD%-10%-CM code or prefix\n$", err, dx)
      local result = rc:check(assert(radcode.json.decode(claim:format(dx))))
      assert.truthy(H.find(result, "input", 0), dx)
    end
    -- the same shapes in a coverage article's covered diagnoses are rejects
    local lcd = dir .. "/lcd"
    assert(os.execute(("env -u LD_PRELOAD cp -r %s %s"):format(H.quote(H.root .. "/spec/fixtures/lcd"), H.quote(lcd))))
    local f = assert(io.open(lcd .. "/article_x_icd10_covered.csv", "ab"))
    f:write('"58002","5","C6.............9","1","1","0","2025-01-01 00:00:00","8","x"\n',
            '"58002","5","C61..9","1","1","0","2025-01-01 00:00:00","9","x"\n')
    f:close()
    local db = H.new_db(dir)
    local writable = assert(radcode.open({ db = db }))
    local r = assert(writable:import("lcd-articles", lcd))
    writable:close()
    assert.are.equal(2, r.rows_rejected)
    assert.are.same({}, H.sql(db, "SELECT dx FROM lcd_article_dx WHERE dx IN ('C69', 'C619')"))
    H.remove_tree(dir)
  end)

  it("exits 2 with one line on stderr for usage and input-file errors", function()
    local dir = H.tmpdir()
    H.write(dir .. "/broken.json", '{"id": "C-1", "lines": [')
    H.write(dir .. "/list.json", '[{"id": "C-1"}]')
    H.write(dir .. "/text.json", '"a claim"')
    local cases = {
      { { "check", dir .. "/missing.json" }, "radcode: cannot read " .. dir .. "/missing.json: No such file or directory\n" },
      { { "check", dir .. "/broken.json" } },
      { { "check", dir .. "/list.json" }, "radcode: " .. dir .. "/list.json: a claim must be a JSON object\n" },
      { { "check", dir .. "/text.json" }, "radcode: " .. dir .. "/text.json: a claim must be a JSON object\n" },
      { { "check" }, "radcode: check takes one claim file (radcode check --help)\n" },
      { { "check", "a.json", "b.json" } },
      { { "check", "a.json", "--batch", "b.jsonl" } },
      { { "check", "a.json", "--quiet" } },
      { { "check", "--batch", dir .. "/missing.jsonl" } },
      { { "check", EXAMPLES .. "sbrt_lung.json", "--history", dir .. "/no/such/dir/h.db" } },
      { { "check", EXAMPLES .. "sbrt_lung.json", "--bogus" }, "radcode: unknown option --bogus\n" },
    }
    for _, case in ipairs(cases) do
      local out, err, code = H.radcode(case[1])
      local what = table.concat(case[1], " ")
      one_line_error(out, err, code, what)
      if case[2] then assert.are.equal(case[2], err, what) end
    end
    H.remove_tree(dir)
  end)

  it("checks a batch: a line per claim with findings, errors with their line number, a summary", function()
    local out, err, code = H.radcode({ "check", "--batch", EXAMPLES .. "batch.jsonl" })
    assert.are.equal(1, code)
    assert.matches("^radcode: [^\n]*batch%.jsonl line 8: json: [^\n]+\n$", err)
    local lines = lines_of(out)
    assert.are.same({
      -- every claim is dated after the embedded NCCI PTP and MUE data: 2 coverage reviews each
      "line 1 C-2025-0001: 2 review",
      "line 2 H-2026-0101: 2 review",
      "line 3 C-2025-0301: 2 review",
      "line 4 C-2025-0999: 10 deny, 3 review",
      "line 5 C-2025-0601: 2 review, 1 warn",
      "line 7 C-2025-0701: 1 deny, 2 review",
      "line 9 C-2026-0801: 2 deny, 2 review",
      "line 10 C-2025-0901: 2 review",
      "claims    8 checked, 1 not read (line 8)",
      "lines     68",
      "findings  31: 13 deny, 17 review, 1 warn, 0 info",
      "denied    3 claims",
    }, { table.unpack(lines, 1, 12) })
    assert.matches("^time      [%d.]+ s %(CPU%), %S+ claim lines per second$", lines[13])
    assert.are.equal(13, #lines)
  end)

  -- The batch file is read in blocks of 256 KiB and split at "\n".
  it("reads a batch's lines across blocks: a line longer than a block, CRLF, blank lines, no last newline", function()
    local dir = H.tmpdir()
    local claim = [[{"id": "%s", "setting": "practitioner", "diagnoses": ["C61"],%s"lines": [{"code": "77301",]]
      .. [[ "date": "2024-05-06", "units": 1, "dx": [1]}, {"code": "77300", "date": "2024-05-06", "units": 9}]}]]
    local long = claim:format("long", (" "):rep(600 * 1024))
    local text = long .. "\n\n" .. claim:format("crlf", " ") .. "\r\n{\"id\": \n" .. claim:format("last", "")
    H.write(dir .. "/blocks.jsonl", text)
    local out, err, code = H.radcode({ "check", "--batch", dir .. "/blocks.jsonl" })
    assert.are.equal(1, code)
    assert.matches("^radcode: [^\n]*blocks%.jsonl line 4: json: [^\n]+\n$", err)
    local lines = lines_of(out)
    assert.matches("^line 1 long: ", lines[1])
    assert.matches("^line 3 crlf: ", lines[2])
    assert.matches("^line 5 last: ", lines[3])
    assert.are.equal("claims    3 checked, 1 not read (line 4)", lines[4])
    assert.are.equal("lines     6", lines[5])
    local quiet = lines_of((H.radcode({ "check", "--batch", dir .. "/blocks.jsonl", "--quiet" })))
    assert.are.same({ table.unpack(lines, 4, 7) }, { table.unpack(quiet, 1, 4) })
    H.remove_tree(dir)
  end)

  it("prints only the summary with --quiet, and JSON lines with --json", function()
    local out, _, code = H.radcode({ "check", "--batch", EXAMPLES .. "batch.jsonl", "--quiet" })
    assert.are.equal(1, code)
    assert.matches("^claims    8 checked", out)
    local json = lines_of((H.radcode({ "check", "--batch", EXAMPLES .. "batch.jsonl", "--json" })))
    assert.are.equal(10, #json)   -- 8 claims, 1 error, 1 summary
    local first, bad, last = radcode.json.decode(json[1]), radcode.json.decode(json[7]), radcode.json.decode(json[10])
    assert.are.same({ 1, "C-2025-0001", true, 2 }, { first.line, first.id, first.ok, #first.findings })
    assert.are.same({ "coverage", "coverage" }, { first.findings[1].edit, first.findings[2].edit })
    assert.are.equal(8, bad.line)
    assert.matches("^json: ", bad.error)
    assert.are.same({ deny = 13, review = 17, warn = 1, info = 0 }, last.summary.findings)
    assert.are.equal(3, last.summary.denied)
  end)

  -- 77432 (a whole-course code): a second is denied; 77301 would be a review
  it("counts a course limit across claims with --record, in one batch and in a --history file", function()
    local dir = H.tmpdir()
    local claim = [[{"id": "C-%d", "patient": "P-1", "course": "P-1/prostate-1", "payer": "medicare",
      "setting": "practitioner", "diagnoses": ["C61"],
      "lines": [{"code": "77432", "date": "%s", "units": 1, "dx": [1]}]}]]
    local one, two = claim:format(1, "2025-03-05"):gsub("\n", ""), claim:format(2, "2025-04-02"):gsub("\n", "")
    H.write(dir .. "/course.jsonl", one .. "\n" .. two .. "\n")
    H.write(dir .. "/two.json", two)
    local _, _, unrecorded = H.radcode({ "check", "--batch", dir .. "/course.jsonl" })
    local out, err, code = H.radcode({ "check", "--batch", dir .. "/course.jsonl", "--record",
                                       "--history", dir .. "/history.db" })
    local again, _, again_code = H.radcode({ "check", dir .. "/two.json", "--history", dir .. "/history.db" })
    H.remove_tree(dir)
    assert.are.equal(0, unrecorded)
    assert.are.equal(1, code, err)
    assert.matches("^line 1 C%-1: 2 review\nline 2 C%-2: 1 deny, 2 review\n", out)   -- 2 coverage reviews each
    assert.matches("denied    1 claim\n", out)
    assert.are.equal(1, again_code)
    assert.matches("DENY    77432: 2 units in course P%-1/prostate%-1, more than 1", again)
  end)
end)

describe("radcode pair", function()
  it("exits 1 and says why when two codes may not be billed together", function()
    local out, err, code = H.radcode({ "pair", "77301", "77295", "--date", "2025-04-07" })
    assert.are.equal(1, code)
    assert.are.equal("", err)
    local lines = lines_of(out)
    assert.matches("^77295 %(column 2%) is denied beside 77301 %(column 1%)", lines[1])
    assert.are.equal("  together   no", lines[2])
    assert.are.equal("  edit       column 1 77301, column 2 77295, modifier indicator 0", lines[3])
    assert.matches("^  rationale  %S", lines[4])
    assert.matches("^  source     CMS NCCI PTP practitioner", lines[5])
    assert.are.equal("  on         2025-04-07 (practitioner)", lines[6])
  end)

  it("exits 0 when they may be billed together, also only with a modifier", function()
    local out, _, code = H.radcode({ "pair", "77290", "77280", "--date", "2025-04-07" })
    assert.are.equal(0, code)
    assert.matches("\n  together   only with a modifier\n", out)
    assert.matches("modifier indicator 1", out)
    out, _, code = H.radcode({ "pair", "77300", "77295", "--date", "2025-04-07", "--setting", "hospital" })
    assert.are.equal(0, code)
    assert.matches("^no NCCI edit pairs 77300 and 77295 on 2025%-04%-07 %(hospital%)", out)
  end)

  it("prints with --json what rc:pair returns", function()
    local out, _, code = H.radcode({ "pair", "77295", "77301", "--date", "2025-04-07", "--json" })
    assert.are.equal(1, code)
    local expect = assert(radcode.open()):pair("77295", "77301", { date = "2025-04-07" })
    assert.are.same(expect, radcode.json.decode(out))
    assert.are.equal("no", expect.together)
  end)

  it("exits 2 with one line on stderr for errors", function()
    local cases = {
      { { "pair", "7730", "77295" }, "radcode: malformed code '7730'\n" },
      { { "pair", "77300", "99999" }, "radcode: unknown code 99999\n" },
      { { "pair", "77300", "77295", "--date", "2025-02-30" }, "radcode: impossible date '2025-02-30'\n" },
      { { "pair", "77300", "77295", "--setting", "office" },
        "radcode: invalid setting 'office' (expected practitioner or hospital)\n" },
      { { "pair", "77300" }, "radcode: pair takes two codes (radcode pair --help)\n" },
    }
    for _, case in ipairs(cases) do
      local out, err, code = H.radcode(case[1])
      one_line_error(out, err, code, table.concat(case[1], " "))
      assert.are.equal(case[2], err)
    end
  end)
end)

describe("examples/", function()
  local rows = readme_rows()
  local rc = assert(radcode.open())

  it("finds in each example file what examples/README.md says", function()
    local seen = 0
    for _, row in ipairs(rows) do
      local name = row[1]:match("^`(.-%.json)`$")
      if name and #row == 3 then
        assert_finds(rc:check(example(name)), row[3], name)
        seen = seen + 1
      end
    end
    assert.are.equal(5, seen)
  end)

  it("finds on each line of mistakes.json the edits the README lists", function()
    local result, by_line = rc:check(example("mistakes.json")), {}
    for _, f in ipairs(result.findings) do
      if f.line then   -- the claim's coverage findings are counted in the first table
        local key = tostring(f.line)
        by_line[key] = (by_line[key] and (by_line[key] .. ", ") or "") .. f.edit .. " " .. f.severity
      end
    end
    local listed = {}
    for _, row in ipairs(rows) do
      if row[1]:match("^%d+$") and row[3]:match("^%l+ %l+") then listed[row[1]] = row[3] end
    end
    assert.are.same(listed, by_line)
  end)

  it("finds on each line of batch.jsonl what the README lists", function()
    local listed = {}
    for _, row in ipairs(rows) do
      local n = tonumber(row[1])
      if n and (row[3] == "clean" or row[3] == "error" or row[3] == "skipped" or row[3]:match("^%d")) then
        listed[n] = row[3]
      end
    end
    local n = 0
    for text in io.lines(EXAMPLES .. "batch.jsonl") do
      n = n + 1
      local claim = radcode.json.decode(text)
      if listed[n] == "skipped" then assert.matches("^%s*$", text)
      elseif listed[n] == "error" then assert.is_nil(claim)
      else assert_finds(rc:check(claim), assert(listed[n], "line " .. n), "batch line " .. n) end
    end
    assert.are.equal(10, n)
  end)
end)
