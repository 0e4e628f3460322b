-- rc:check, rc:pair and rc:record: every national edit, table-driven.
-- Each case is a claim and the findings a careful coder expects from
-- DOMAIN.md's rules, as {edit, line, severity} (line 0: the whole claim).
-- The comparison is exact: a missing or an extra finding fails the case.
local radcode = require "radcode"
local H = require "helper"

-- A claim with sensible defaults: a commercial payer (so Medicare's
-- fee-schedule statuses do not apply unless asked), a cancer diagnosis, and
-- a patient and course, so nothing incidental is found.
local function claim(t)
  local c = { id = t.id or "C-1", patient = "P-1", course = "P-1/c-1", payer = "acme",
    setting = "practitioner", diagnoses = { "C61" }, lines = {} }
  for k, v in pairs(t) do c[k] = v end
  if t.no_course then c.patient, c.course, c.no_course = nil, nil, nil end
  if t.no_setting then c.setting, c.no_setting = nil, nil end
  return c
end

local function line(code, date, units, modifiers, dx)
  return { code = code, date = date, units = units, modifiers = modifiers, dx = dx }
end

-- n daily lines of a code from a start date (weekdays are not skipped).
local function daily(code, first_day, n, extra)
  local lines, y, m, d = {}, first_day:match("(%d+)-(%d+)-(%d+)")
  for i = 0, n - 1 do
    local t = os.time { year = tonumber(y), month = tonumber(m), day = tonumber(d) + i, hour = 12 }
    lines[#lines + 1] = line(code, os.date("%Y-%m-%d", t))
  end
  for _, l in ipairs(extra or {}) do lines[#lines + 1] = l end
  return lines
end

local D25, D26 = "2025-06-02", "2026-03-02"

local CASES = {
  -- ptp
  { "denies 77295 beside 77301 on one day (indicator 0)",
    claim { lines = { line("77301", D25), line("77295", D25) } }, { { "ptp", 2, "deny" } } },
  { "lets 77295 and 77301 on different days",
    claim { lines = { line("77301", D25), line("77295", "2025-06-03") } }, {} },
  { "denies 77407 beside 77412 without a bypass modifier (indicator 1)",
    claim { setting = "hospital", lines = { line("77412", D25), line("77407", D25) } }, { { "ptp", 2, "deny" } } },
  { "passes 77407-XS beside 77412 and says so",
    claim { setting = "hospital", lines = { line("77412", D25), line("77407", D25, 1, { "XS" }) } }, { { "ptp", 2, "info" } } },
  { "passes the pair when the bypass modifier is on column 1",
    claim { setting = "hospital", lines = { line("77412", D25, 1, { "59" }), line("77407", D25) } }, { { "ptp", 2, "info" } } },
  { "does not let XS bypass an indicator-0 edit",
    claim { lines = { line("77301", D25), line("77295", D25, 1, { "XS" }) } }, { { "ptp", 2, "deny" } } },
  { "denies 77280 beside 77290",
    claim { lines = { line("77290", D25), line("77280", D25) } }, { { "ptp", 2, "deny" } } },
  { "passes 77280-XE beside 77290",
    claim { lines = { line("77290", D25), line("77280", D25, 1, { "XE" }) } }, { { "ptp", 2, "info" } } },
  { "denies 77300 beside 77306",
    claim { lines = { line("77300", D25), line("77306", D25) } }, { { "ptp", 1, "deny" } } },
  { "denies 77372 beside 77371",
    claim { diagnoses = { "C71.9" }, lines = { line("77371", D25), line("77372", D25) } }, { { "ptp", 2, "deny" } } },
  { "keeps the 77412/77407 edit in 2026",
    claim { setting = "hospital", lines = { line("77412", D26), line("77407", D26) } }, { { "ptp", 2, "deny" } } },
  { "lets CT guidance go with a delivery",
    claim { lines = { line("77412", D25), line("77014", D25) } }, {} },
  -- mue
  { "reviews 3 units of 77407 (MUE 2, clinical)",
    claim { lines = { line("77407", D25, 3) } }, { { "mue", 1, "review" } } },
  { "accepts 2 units of 77407",
    claim { lines = { line("77407", D25, 2) } }, {} },
  { "adds units over lines of one day",
    claim { lines = { line("77280", D25), line("77280", D25), line("77280", D25) } }, { { "mue", 1, "review" } } },
  { "accepts 77280 twice a day (MUE 2)",
    claim { lines = { line("77280", D25), line("77280", D25) } }, {} },
  { "accepts 10 units of 77300 and reviews 11",
    claim { lines = { line("77300", D25, 10), line("77300", "2025-06-03", 11) } }, { { "mue", 2, "review" } } },
  { "uses the hospital MUE in the hospital setting (77385: 2)",
    claim { setting = "hospital", lines = { line("77385", D25, 2) } }, {} },
  { "uses the practitioner MUE in the practitioner setting (77385: 1)",
    claim { lines = { line("77385", D25, 2) } }, { { "mue", 1, "review" } } },
  -- addon
  { "denies 77293 without a primary",
    claim { lines = { line("77293", D25) } }, { { "addon", 1, "deny" } } },
  { "accepts 77293 with 77295 the same day",
    claim { lines = { line("77295", D25), line("77293", D25) } }, {} },
  { "denies 77293 when its primary is on another day",
    claim { lines = { line("77301", "2025-06-03"), line("77293", D25) } }, { { "addon", 2, "deny" } } },
  -- modifier
  { "denies 77407-26: technical-only",
    claim { lines = { line("77407", D25, 1, { "26" }) } }, { { "modifier", 1, "deny" } } },
  { "warns that 26 adds nothing on professional-only 77263",
    claim { lines = { line("77263", D25, 1, { "26" }) } }, { { "modifier", 1, "warn" } } },
  { "denies TC on professional-only 77263",
    claim { lines = { line("77263", D25, 1, { "TC" }) } }, { { "modifier", 1, "deny" } } },
  { "denies TC on technical-only 77412",
    claim { lines = { line("77412", D25, 1, { "TC" }) } }, { { "modifier", 1, "deny" } } },
  { "accepts 26 on split 77300",
    claim { lines = { line("77300", D25, 1, { "26" }) } }, {} },
  { "denies 26 and TC together",
    claim { lines = { line("77300", D25, 1, { "26", "TC" }) } }, { { "modifier", 1, "deny" } } },
  { "denies 77387 without 26 on a 2026 professional claim",
    claim { lines = { line("77412", D26), line("77387", D26) } }, { { "modifier", 2, "deny" } } },
  { "accepts 77387-26 with a delivery on a 2026 professional claim",
    claim { lines = { line("77412", D26), line("77387", D26, 1, { "26" }) } }, {} },
  { "reviews an unknown modifier",
    claim { lines = { line("77300", D25, 1, { "ZZ" }) } }, { { "modifier", 1, "review" } } },
  { "warns of a repeated modifier",
    claim { lines = { line("77300", D25, 1, { "26", "26" }) } }, { { "modifier", 1, "warn" } } },
  { "denies more than four modifiers",
    claim { lines = { line("77300", D25, 1, { "26", "GA", "KX", "GC", "Q6" }) } }, { { "modifier", 1, "deny" } } },
  { "reads modifiers case-insensitively",
    claim { lines = { line("77300", D25, 1, { "tc" }) } }, {} },
  -- validity and setting
  { "denies 77385 on a 2025 Medicare practitioner claim",
    claim { payer = "medicare", lines = { line("77385", D25) } }, { { "setting", 1, "deny" } } },
  { "accepts 77385 from a commercial practitioner claim in 2025",
    claim { lines = { line("77385", D25) } }, {} },
  { "accepts 77385 on a 2025 Medicare hospital claim",
    claim { payer = "medicare", setting = "hospital", lines = { line("77385", D25) } }, {} },
  { "accepts G6008 on a 2025 Medicare practitioner claim",
    claim { payer = "medicare", lines = { line("G6008", D25) } }, {} },
  { "accepts 77407 on a 2026 Medicare practitioner claim",
    claim { payer = "medicare", lines = { line("77407", D26) } }, {} },
  { "denies 77385 after its deletion",
    claim { setting = "hospital", lines = { line("77385", "2026-01-01") } }, { { "validity", 1, "deny" } } },
  { "denies G6003 in 2026",
    claim { payer = "medicare", lines = { line("G6003", "2026-01-02") } }, { { "validity", 1, "deny" } } },
  { "denies 77436 before it exists",
    claim { diagnoses = { "L91.0" }, lines = { line("77436", "2025-12-31") } }, { { "validity", 1, "deny" } } },
  { "accepts 77014 with a delivery on its last day, 2025-12-31",
    claim { lines = { line("77412", "2025-12-31"), line("77014", "2025-12-31") } }, {} },
  { "reviews a code radcode has no record of",
    claim { lines = { line("0999T", D25) } }, { { "validity", 1, "review" } } },
  -- companion
  { "denies 77014 with no delivery that day",
    claim { lines = { line("77014", D25) } }, { { "companion", 1, "deny" } } },
  { "denies 77387-26 with no delivery that day (2026)",
    claim { lines = { line("77387", D26, 1, { "26" }) } }, { { "companion", 1, "deny" } } },
  -- frequency, within a claim
  { "reviews a second 77301 in the course (CPT guidance: a new plan for a boost can be billable)",
    claim { lines = { line("77301", D25), line("77301", "2025-06-09") } }, { { "frequency", 2, "review" } } },
  { "denies a second 77336 for five fractions",
    claim { lines = daily("77412", D25, 5, { line("77336", "2025-06-02"), line("77336", "2025-06-06") }) },
    { { "frequency", 7, "deny" } } },
  { "accepts 77336 once for each five of ten fractions",
    claim { lines = daily("77412", D25, 10, { line("77336", "2025-06-06"), line("77336", "2025-06-11") }) }, {} },
  { "accepts 77427 after five fractions",
    claim { lines = daily("77412", D25, 5, { line("77427", "2025-06-06") }) }, {} },
  { "accepts 77427 for four fractions (leftover 4)",
    claim { lines = daily("77412", D25, 4, { line("77427", "2025-06-05") }) }, {} },
  { "accepts 77427 for three fractions (leftover 3)",
    claim { lines = daily("77412", D25, 3, { line("77427", "2025-06-04") }) }, {} },
  { "denies 77427 for two fractions (leftover 2 earns none)",
    claim { lines = daily("77412", D25, 2, { line("77427", "2025-06-03") }) }, { { "frequency", 3, "deny" } } },
  { "denies a second 77427 for six fractions",
    claim { lines = daily("77412", D25, 6, { line("77427", "2025-06-06"), line("77427", "2025-06-07") }) },
    { { "frequency", 8, "deny" } } },
  { "accepts two 77427 for eight fractions",
    claim { lines = daily("77412", D25, 8, { line("77427", "2025-06-06"), line("77427", "2025-06-09") }) }, {} },
  { "denies a sixth SBRT fraction",
    claim { diagnoses = { "C34.11" }, lines = daily("77373", D25, 6) }, { { "frequency", 6, "deny" } } },
  { "counts within the claim and says so when no course is named",
    claim { no_course = true, lines = { line("77301", D25) } }, { { "frequency", 0, "info" } } },
  -- necessity
  { "reviews delivery for a diagnosis that does not support radiation",
    claim { diagnoses = { "L40.0" }, lines = { line("77412", D25) } }, { { "necessity", 1, "review" } } },
  { "reviews delivery with no diagnosis at all",
    claim { diagnoses = {}, lines = { line("77412", D25) } }, { { "necessity", 1, "review" } } },
  { "accepts SRS for trigeminal neuralgia",
    claim { diagnoses = { "G50.0" }, lines = { line("77372", D25) } }, {} },
  { "reviews conventional delivery for trigeminal neuralgia",
    claim { diagnoses = { "G50.0" }, lines = { line("77412", D25) } }, { { "necessity", 1, "review" } } },
  { "accepts superficial therapy for a keloid",
    claim { diagnoses = { "L91.0" }, lines = { line("77401", D25) } }, {} },
  { "follows the line's diagnosis pointers",
    claim { diagnoses = { "C61", "Z00.00" }, lines = { line("77412", D25, 1, nil, { 2 }), line("77412", "2025-06-03", 1, nil, { 1 }) } },
    { { "necessity", 1, "review" } } },
  { "does not ask simulation for a diagnosis",
    claim { diagnoses = {}, lines = { line("77280", D25) } }, {} },
  -- input
  { "denies a claim with no lines", claim { lines = {} }, { { "input", 0, "deny" } } },
  { "denies a claim whose lines are not a list", claim { lines = "77407" }, { { "input", 0, "deny" } } },
  { "denies a malformed code", claim { lines = { line("7740", D25) } }, { { "input", 1, "deny" } } },
  { "denies a code of the wrong type", claim { lines = { line(77407, D25) } }, { { "input", 1, "deny" } } },
  { "denies an impossible date", claim { lines = { line("77407", "2025-02-30") } }, { { "input", 1, "deny" } } },
  { "denies a missing date", claim { lines = { { code = "77407" } } }, { { "input", 1, "deny" } } },
  { "denies a date before 2015", claim { lines = { line("77407", "2014-12-31") } }, { { "input", 1, "deny" } } },
  { "denies zero, fractional and textual units",
    claim { lines = { line("77407", D25, 0), line("77407", D25, 1.5), line("77407", D25, "2") } },
    { { "input", 1, "deny" }, { "input", 2, "deny" }, { "input", 3, "deny" } } },
  { "denies a pointer to a diagnosis that does not exist",
    claim { lines = { line("77412", D25, 1, nil, { 3 }) } }, { { "input", 1, "deny" } } },
  { "denies a malformed diagnosis",
    claim { diagnoses = { "C61", "XYZ" }, lines = { line("77412", D25, 1, nil, { 1 }) } }, { { "input", 0, "deny" } } },
  { "warns of an unknown claim field and an unknown line field",
    claim { frobnicate = 1, lines = { { code = "77412", date = D25, colour = "red" } } },
    { { "input", 0, "warn" }, { "input", 1, "warn" } } },
  { "denies a line that is not a table", claim { lines = { "77407" } }, { { "input", 1, "deny" } } },
  { "denies a setting that is neither", claim { setting = "office", lines = { line("77280", D25) } }, { { "input", 0, "deny" } } },
  { "keeps a practitioner claim at POS 22 professional (77280 needs 26 there)",
    claim { setting = "practitioner", pos = "22", lines = { line("77280", D25) } }, { { "setting", 1, "deny" } } },
  { "assumes a professional claim when only the place of service is given, and says so",
    claim { no_setting = true, pos = "22", payer = "medicare", lines = { line("77385", D25) } },
    { { "input", 0, "info" }, { "setting", 1, "deny" } } },
  { "warns when neither setting nor place of service is given",
    claim { no_setting = true, lines = { line("77280", D25) } }, { { "input", 0, "warn" } } },
  { "denies modifiers that are not a list",
    claim { lines = { line("77300", D25, 1, "26") } }, { { "input", 1, "deny" } } },
  { "denies a malformed modifier", claim { lines = { line("77300", D25, 1, { "2" }) } }, { { "input", 1, "deny" } } },
}

local function key(edit, line_no, severity)
  return ("%s@%d:%s"):format(edit, line_no, severity)
end

local function found_keys(result)
  local keys = {}
  for _, f in ipairs(result.findings) do
    -- the data's coverage of the claim's dates has its own spec (spec/vintage_spec.lua)
    if f.edit ~= "coverage" then keys[#keys + 1] = key(f.edit, f.line or 0, f.severity) end
  end
  table.sort(keys)
  return keys
end

local function expected_keys(list)
  local keys = {}
  for _, e in ipairs(list) do keys[#keys + 1] = key(e[1], e[2], e[3]) end
  table.sort(keys)
  return keys
end

describe("rc:check", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  it("has at least 50 table-driven claims", function()
    assert.is_true(#CASES >= 50)
  end)

  for _, case in ipairs(CASES) do
    it(case[1], function()
      local result = assert(rc:check(case[2]))
      assert.are.same(expected_keys(case[3]), found_keys(result))
      local denied = false
      for _, e in ipairs(case[3]) do denied = denied or e[3] == "deny" end
      assert.are.equal(not denied, result.ok)
    end)
  end
end)

describe("rc:check beyond single claims", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  it("explains every finding: message, rule, source, and a fix for what it denies", function()
    local result = rc:check(claim { payer = "medicare", diagnoses = { "L40.0" },
      lines = { line("77385", D25), line("77301", D25), line("77295", D25, 1, { "ZZ" }), line("77293", "2025-06-05") } })
    assert.is_true(#result.findings >= 5)
    for _, f in ipairs(result.findings) do
      assert.is_string(f.message)
      assert.is_string(f.rule)
      assert.is_string(f.source)
      if f.severity == "deny" then assert.is_string(f.fix) end
    end
  end)

  it("orders findings by line, claim-level first, the data's coverage last", function()
    local result = rc:check(claim { frobnicate = true, lines = { line("77293", D25), line("77407", D25, 1, { "26" }), line("7740", D25) } })
    local last = -1
    for _, f in ipairs(result.findings) do
      local at = f.edit == "coverage" and math.huge or (f.line or 0)
      assert.is_true(at >= last)
      last = at
    end
    assert.are.equal("coverage", result.findings[#result.findings].edit)
  end)

  it("names the pair, the other line and the source of a PTP denial, with a fix", function()
    local f = rc:check(claim { lines = { line("77301", D25), line("77295", D25) } }).findings[1]
    assert.are.same({ 2, 1, "77295", "PTP 77301/77295 indicator 0" }, { f.line, f.other, f.code, f.rule })
    assert.matches("NCCI", f.source)
    assert.are.equal("remove 77295: it is included in 77301", f.fix)
  end)

  it("names the bypass modifier", function()
    local f = rc:check(claim { lines = { line("77412", D25), line("77407", D25, 1, { "XU" }) } }).findings[1]
    assert.are.equal("XU", f.modifier)
  end)

  it("names the G-codes to use for 77407 on a 2025 Medicare practitioner claim", function()
    local f = rc:check(claim { payer = "medicare", lines = { line("77407", D25) } }).findings[1]
    assert.are.equal("setting", f.edit)
    assert.matches("G6008", f.fix)
  end)

  it("lets opts.payer override the claim's payer", function()
    local c = claim { lines = { line("77385", D25) } }
    assert.is_true(rc:check(c).ok)
    assert.is_false(rc:check(c, { payer = "Medicare" }).ok)
  end)

  it("reads claims raw: metamethods on the claim never run", function()
    local called = false
    local trap = setmetatable({}, { __index = function() called = true; return "77407" end })
    local c = setmetatable(claim { lines = { trap } }, { __index = function() called = true end })
    local result = rc:check(c)
    assert.is_false(called)
    assert.is_false(result.ok)
  end)

  it("checks a 450-line claim and refuses a longer one without line work", function()
    local lines = {}
    for i = 1, 450 do lines[i] = line(i % 2 == 0 and "77412" or "77300", D25) end
    local result = rc:check(claim { lines = lines })
    assert.is_table(result)
    lines[451] = line("77412", D25)
    local refused = rc:check(claim { lines = lines })
    assert.are.equal(1, #refused.findings)
    assert.matches("more than the limit of 450", refused.findings[1].message)
    local raised = rc:check(claim { lines = lines }, { max_lines = 451 })
    assert.are.equal("mue", raised.findings[1].edit, "with a higher limit the lines are checked")
  end)

  it("survives hostile field values", function()
    local big = string.rep("x", 1000000)
    local result = rc:check { id = big, patient = {}, course = 5.5, payer = true, setting = big,
      diagnoses = { big, {}, 7 }, lines = { { code = big, date = big, units = math.huge, modifiers = { big, {} }, dx = { -1, "a", 1e308 } } } }
    assert.is_false(result.ok)
    for _, f in ipairs(result.findings) do assert.is_true(#f.message < 300) end
  end)

  it("raises on wrong argument types and unknown options", function()
    assert.has_error(function() rc:check() end)
    assert.has_error(function() rc:check("C-1") end)
    assert.has_error(function() rc:check(claim {}, "medicare") end)
    assert.has_error(function() rc:check(claim {}, { payor = "medicare" }) end,
      "bad argument #2 to 'check' (unknown option 'payor')")
    assert.has_error(function() rc:check(claim {}, { max_lines = 0 }) end)
    assert.has_error(function() rc:check(claim {}, { payer = 5 }) end)
  end)

  it("applies national edits to codes that have no record (e.g. CPT without its licensed file)", function()
    local dir = H.tmpdir()
    local path = dir .. "/nocodes.db"
    assert(rc:save(path))
    local _, _, code = H.run("sqlite3 " .. H.quote(path) .. " \"DELETE FROM codes WHERE code = '77295'\"")
    assert.are.equal(0, code)
    local user = assert(radcode.open { db = path })
    local result = user:check(claim { lines = { line("77301", D25), line("77295", D25) } })
    local pair = user:pair("77295", "77301", { date = D25 })
    user:close()
    H.remove_tree(dir)
    assert.are.same({ "validity@2:info", "ptp@2:deny" },
      { key(result.findings[1].edit, result.findings[1].line, result.findings[1].severity),
        key(result.findings[2].edit, result.findings[2].line, result.findings[2].severity) })
    assert.are.equal("no", pair.together)
  end)

  it("applies MAI 1 per line when a database says so", function()
    local dir = H.tmpdir()
    local path = dir .. "/mai1.db"
    assert(rc:save(path))
    local _, _, code = H.run("sqlite3 " .. H.quote(path) .. " \"UPDATE mue SET mai = 1 WHERE code = '77300'\"")
    assert.are.equal(0, code)
    local user = assert(radcode.open { db = path })
    local per_line = user:check(claim { lines = { line("77300", D25, 6), line("77300", D25, 6) } })
    local too_many = user:check(claim { lines = { line("77300", D25, 11) } })
    user:close()
    H.remove_tree(dir)
    assert.are.same({}, H.drop_coverage(per_line.findings))
    assert.are.same({ "mue", 1, "deny" }, { too_many.findings[1].edit, too_many.findings[1].line, too_many.findings[1].severity })
  end)
end)

describe("rc:record and course history", function()
  it("counts a course limit across two claims", function()
    local rc = radcode.open()
    local first = claim { id = "A", lines = { line("77301", D25) } }
    assert.is_true(rc:check(first).ok)
    assert.is_true(rc:record(first))
    local second = claim { id = "B", lines = { line("77301", "2025-07-01") } }
    local result = rc:check(second)
    assert.are.same({ "frequency", 1, "review" }, { result.findings[1].edit, result.findings[1].line, result.findings[1].severity })
    local other_course = claim { id = "C", course = "P-1/c-2", lines = { line("77301", "2025-07-01") } }
    assert.is_true(rc:check(other_course).ok)
    assert.is_true(rc:check(first).ok, "re-checking a recorded claim does not count it twice")
    rc:close()
  end)

  it("counts 77427 against fractions of earlier claims", function()
    local rc = radcode.open()
    assert(rc:record(claim { id = "W1", lines = daily("77407", D25, 5, { line("77427", "2025-06-06") }) }))
    local ok = rc:check(claim { id = "W2", lines = daily("77407", "2025-06-09", 3, { line("77427", "2025-06-11") }) })
    local early = rc:check(claim { id = "W3", lines = daily("77407", "2025-06-09", 1, { line("77427", "2025-06-09") }) })
    rc:close()
    assert.are.same({}, H.drop_coverage(ok.findings))
    assert.are.same({ "frequency", 2, "deny" }, { early.findings[1].edit, early.findings[1].line, early.findings[1].severity })
  end)

  it("keeps history in a file across handles", function()
    local dir = H.tmpdir()
    local path = dir .. "/history.db"
    local rc = assert(radcode.open { history = path })
    assert(rc:record(claim { id = "A", lines = { line("77263", D25) } }))
    rc:close()
    local again = assert(radcode.open { history = path })
    local result = again:check(claim { id = "B", lines = { line("77263", "2025-08-01") } })
    local dup, err = again:record(claim { id = "A", lines = { line("77263", D25) } })
    again:close()
    H.remove_tree(dir)
    assert.are.equal("frequency", result.findings[1].edit)
    assert.is_nil(dup)
    assert.are.equal("claim A is already recorded", err)
  end)

  it("refuses claims without an id or with input errors", function()
    local rc = radcode.open()
    local r1, e1 = rc:record(claim { id = "", lines = { line("77263", D25) } })
    local r2, e2 = rc:record(claim { id = "X", lines = { line("7726", D25) } })
    assert.is_nil(r1)
    assert.matches("no id", e1)
    assert.is_nil(r2)
    assert.matches("claim X has input errors: line 1: malformed code '7726'", e2, 1, true)
    assert.has_error(function() rc:record("A") end)
    rc:close()
  end)

  it("says why a history file cannot be used", function()
    local rc, err = radcode.open { history = "/nonexistent/dir/history.db" }
    assert.is_nil(rc)
    assert.matches("cannot open history", err)
  end)
end)

describe("rc:pair", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  it("says 77295 never goes with 77301 (indicator 0)", function()
    local p = assert(rc:pair("77295", "77301", { date = D25 }))
    assert.are.same({ "no", "77301", "77295", 0 }, { p.together, p.column1, p.column2, p.indicator })
    assert.matches("NCCI", p.source)
    assert.is_string(p.message)
  end)

  it("says 77407 goes with 77412 only with a modifier (indicator 1)", function()
    local p = rc:pair("77412", "77407", { date = D25, setting = "hospital" })
    assert.are.same({ "with_modifier", "77412", "77407", 1 }, { p.together, p.column1, p.column2, p.indicator })
  end)

  it("says codes with no edit may go together", function()
    local p = rc:pair("77300", "77263", { date = D25 })
    assert.are.equal("yes", p.together)
    assert.is_nil(p.indicator)
  end)

  it("refuses bad codes and dates with a message, and raises on wrong types", function()
    assert.are.equal("malformed code '772'", select(2, rc:pair("772", "77301")))
    assert.are.equal("unknown code 99999", select(2, rc:pair("77301", "99999")))
    assert.are.equal("impossible date '2025-02-30'", select(2, rc:pair("77301", "77295", { date = "2025-02-30" })))
    assert.has_error(function() rc:pair("77301") end)
    assert.has_error(function() rc:pair("77301", 77295) end)
    assert.has_error(function() rc:pair("77301", "77295", { setting = "office" }) end)
  end)
end)

-- One handle checks claim after claim, large and small, and even a claim
-- in the middle of another check (from a finalizer the collector runs
-- there): no result may depend on what the handle checked before.
describe("rc:check on one handle, claim after claim", function()
  local function same_as_fresh(result, c, opts)
    local fresh = assert(radcode.open())
    assert.are.same(fresh:check(c, opts), result)
    fresh:close()
  end

  it("gives the same findings before and after a huge claim and one with many findings", function()
    local rc = assert(radcode.open())
    local small = claim { lines = { line("77301", D25), line("77295", D25), line("77407", D25, 1, { "26" }) } }
    local before = rc:check(small)
    local huge = {}
    for i = 1, 3000 do huge[i] = line(i % 2 == 0 and "77300" or ("%04dX"):format(i), D25) end
    local r = rc:check(claim { lines = huge }, { max_lines = 5000 })
    assert.is_true(#r.findings >= 1500)
    local listed = H.drop_coverage(r.findings)   -- coverage findings come last
    for i = 2, #listed do assert.is_true((listed[i - 1].line or 0) <= (listed[i].line or 0)) end
    local many = {}
    for i = 1, 100 do many[i] = line(i % 3 == 0 and "77295" or "77301", D25) end
    local m = rc:check(claim { lines = many })
    same_as_fresh(m, claim { lines = many })
    assert.is_true(#m.findings > 64)
    assert.are.same(before, rc:check(small))
    same_as_fresh(before, small)
    rc:close()
  end)

  it("checks a claim from a finalizer that runs in the middle of another check", function()
    local rc = assert(radcode.open())
    local outer_claim = claim { lines = { line("77301", D25), line("77295", D25), line("77412", D25, 1, { "26" }) } }
    local inner_claim = claim { lines = { line("77014", D25), line("77280", D25), line("77280", D25) } }
    local want_outer, want_inner = rc:check(outer_claim), rc:check(inner_claim)
    local deepcompare = require("luassert.util").deepcompare
    local in_outer, nested, wrong = false, 0, 0
    local function finalizer()
      local r = rc:check(inner_claim)
      if in_outer then nested = nested + 1 end
      if not deepcompare(r, want_inner) then wrong = wrong + 1 end
    end
    -- young collections every 1% of growth: their finalizers run inside checks
    collectgarbage("generational", 1, 100)
    local outers = 0
    while nested < 20 and outers < 100000 do
      -- garbage of varying size between checks: the collections do not fall
      -- at the same point of every loop (a check allocates little of it)
      local drift = { ("x"):rep(64 + outers % 61 * 16) }
      setmetatable({}, { __gc = finalizer })
      in_outer = true
      local r = rc:check(outer_claim)
      in_outer = false
      outers = outers + 1
      if not deepcompare(r, want_outer) then wrong = wrong + 1 end
    end
    collectgarbage("incremental")
    collectgarbage()
    assert.are.equal(0, wrong)
    assert.is_true(nested > 0, "no finalizer ran inside a check")
    print(("\n  %d of %d checks had another check run inside them"):format(nested, outers))
    rc:close()
  end)
end)
