-- Course limits (issue 12, section 3 and the fractions of section 1):
-- 77336 and 77417 per five fractions delivered (at least one in a course of
-- fewer than five), units counted in date order, per-course planning limits
-- as a review, 77431 named for a one- or two-fraction course, and fraction
-- limits on a claim with no delivered fraction (a professional claim filed
-- beside the hospital's) as one info finding, or counted from the course's
-- recorded history when it has the fractions.
local radcode = require "radcode"
local H = require "helper"

local function claim(t)
  local c = { id = t.id or "K-1", patient = "P-9", course = "P-9/c-1", payer = "acme",
    setting = "practitioner", diagnoses = { "C50.911" }, lines = {} }
  for k, v in pairs(t) do c[k] = v end
  if t.no_course then c.patient, c.course, c.no_course = nil, nil, nil end
  return c
end

local function line(code, date, units)
  return { code = code, date = date, units = units }
end

-- Day n (0-based) after 2025-06-02, a Monday.
local function day(n)
  return os.date("%Y-%m-%d", os.time { year = 2025, month = 6, day = 2 + n, hour = 12 })
end

-- n fractions of 77412, one a day on consecutive days from day 0, then extra.
local function fractions(n, extra, per_day)
  local lines = {}
  for i = 0, n - 1 do lines[#lines + 1] = line("77412", day(i // (per_day or 1))) end
  for _, l in ipairs(extra or {}) do lines[#lines + 1] = l end
  return lines
end

local function frequency(result)
  local out = {}
  for _, f in ipairs(result.findings) do
    if f.edit == "frequency" then out[#out + 1] = f end
  end
  return out
end

local function keys(list)
  local out = {}
  for _, f in ipairs(list) do   -- the data's coverage of the dates: spec/vintage_spec.lua
    if f.edit ~= "coverage" then out[#out + 1] = ("%s@%d:%s"):format(f.edit, f.line or 0, f.severity) end
  end
  return out
end

local function denies(result)
  for _, f in ipairs(result.findings) do
    if f.severity == "deny" then return true end
  end
  return false
end

describe("course limits by fractions", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  local cases = {
    -- 77336: one per five fractions, whatever the calendar
    { "77336 twice in one calendar week of ten twice-daily fractions: no finding",
      fractions(10, { line("77336", day(2)), line("77336", day(4)) }, 2), {} },
    { "77336 twice for six fractions: the second by date is one too many",
      fractions(6, { line("77336", day(4)), line("77336", day(7)) }), { "frequency@8:deny" } },
    { "77336 once for three fractions: once in a course of fewer than five",
      fractions(3, { line("77336", day(2)) }), {} },
    { "77336 twice for three fractions: once only",
      fractions(3, { line("77336", day(0)), line("77336", day(7)) }), { "frequency@5:deny" } },
    { "77336 three times for fifteen fractions over three weeks: no finding",
      fractions(15, { line("77336", day(4)), line("77336", day(9)), line("77336", day(14)) }), {} },
    -- 77417: one per five fractions however many images
    { "77417 twice for five fractions: one too many",
      fractions(5, { line("77417", day(0)), line("77417", day(3)) }), { "frequency@7:deny" } },
    { "77417 once for two fractions: once in a course of fewer than five",
      fractions(2, { line("77417", day(0)) }), {} },
    { "77417 twice for ten fractions: no finding",
      fractions(10, { line("77417", day(0)), line("77417", day(5)) }), {} },
    -- 77427 keeps its rule: three or four left over earn one more
    { "77427 twice for eight fractions: no finding",
      fractions(8, { line("77427", day(4)), line("77427", day(7)) }), {} },
    { "77427 twice for six fractions: the second is one too many",
      fractions(6, { line("77427", day(4)), line("77427", day(5)) }), { "frequency@8:deny" } },
  }
  for _, case in ipairs(cases) do
    it(case[1], function()
      local result = assert(rc:check(claim { lines = case[2] }))
      assert.are.same(case[3], keys(result.findings))
    end)
  end

  it("names the five fractions and the short-course rule for 77336", function()
    local result = assert(rc:check(claim { lines = fractions(6, { line("77336", day(4)), line("77336", day(7)) }) }))
    local f = assert(frequency(result)[1])
    assert.matches("2 units for 6 fractions delivered in P-9/c-1; 1 allowed", f.message, 1, true)
    assert.matches("five fractions whatever the calendar", f.message, 1, true)
    assert.matches("bill 77336 1 per 5 fractions delivered, 1 in a course of fewer than 5", f.fix, 1, true)
    assert.matches("NCCI 2006 radiation oncology edits", f.source, 1, true)
    assert.are.equal("frequency 77336 1 per 5 fractions", f.rule)
  end)

  it("cites CPT Assistant and the claims manual for 77417", function()
    local result = assert(rc:check(claim { lines = fractions(5, { line("77417", day(0)), line("77417", day(3)) }) }))
    local f = assert(frequency(result)[1])
    assert.matches("CPT Assistant, February 2006", f.source, 1, true)
    assert.matches("chapter 13, section 70.3", f.source, 1, true)
  end)
end)

describe("units counted in date order", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  it("puts the finding on the later-dated 77427 even when it is listed first", function()
    local lines = { line("77427", day(7)) }
    for _, l in ipairs(fractions(6, { line("77427", day(4)) })) do lines[#lines + 1] = l end
    local result = assert(rc:check(claim { lines = lines }))
    assert.are.same({ "frequency@1:deny" }, keys(result.findings))
    assert.matches("2 units for 6 fractions", result.findings[1].message, 1, true)
  end)

  it("puts the finding on the later-dated 77336 even when it is listed first", function()
    local lines = { line("77336", day(7)), line("77336", day(0)) }
    for _, l in ipairs(fractions(6)) do lines[#lines + 1] = l end
    local result = assert(rc:check(claim { lines = lines }))
    assert.are.same({ "frequency@1:deny" }, keys(result.findings))
  end)

  it("orders lines of one day by their position", function()
    local result = assert(rc:check(claim { lines = fractions(5, { line("77417", day(4)), line("77417", day(4)) }) }))
    assert.are.same({ "frequency@7:deny" }, keys(frequency(result)))
  end)

  it("counts the recorded history before the claim's lines", function()
    assert(rc:record(claim { id = "K-0", lines = fractions(5, { line("77336", day(4)) }) }))
    local lines = { line("77336", day(9)), line("77336", day(8)) }
    for i = 5, 9 do lines[#lines + 1] = line("77412", day(i)) end
    local result = assert(rc:check(claim { lines = lines }))
    assert.are.same({ "frequency@1:deny" }, keys(result.findings))
    assert.matches("3 units for 10 fractions", result.findings[1].message, 1, true)
  end)
end)

describe("per-course limits", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  for _, code in ipairs { "77301", "77263", "77470" } do
    it(code .. " twice in a course is a review, not a denial", function()
      local result = assert(rc:check(claim { lines = { line(code, day(0)), line(code, day(14)) } }))
      assert.are.same({ "frequency@2:review" }, keys(result.findings))
      assert.is_true(result.ok)
      assert.matches("can be billable with documentation", result.findings[1].message, 1, true)
      assert.matches("new plan for a boost", result.findings[1].fix, 1, true)
      assert.matches("CPT 2024 code set and guidelines, Radiation Oncology", result.findings[1].source, 1, true)
    end)
  end

  it("reviews a second 77301 across claims of the course", function()
    assert(rc:record(claim { id = "K-0", lines = { line("77301", day(0)) } }))
    local result = assert(rc:check(claim { lines = { line("77301", day(21)) } }))
    assert.are.same({ "frequency@1:review" }, keys(result.findings))
  end)

  for _, case in ipairs { { "77431", "C50.911" }, { "77432", "C71.9" }, { "77435", "C34.11" } } do
    it(case[1] .. " stays a whole-course code: a second is denied", function()
      local result = assert(rc:check(claim { diagnoses = { case[2] },
        lines = { line(case[1], day(0)), line(case[1], day(14)) } }))
      assert.are.same({ "frequency@2:deny" }, keys(result.findings))
    end)
  end
end)

describe("77427 after a one- or two-fraction course", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  it("names 77431 in the fix", function()
    local result = assert(rc:check(claim { lines = fractions(2, { line("77427", day(1)) }) }))
    assert.are.same({ "frequency@3:deny" }, keys(result.findings))
    assert.matches("bill 77431 for the whole course instead", result.findings[1].fix, 1, true)
    assert.matches("a course of 2 fractions earns no 77427", result.findings[1].fix, 1, true)
  end)

  it("names 77431 when the one fraction is in the recorded history", function()
    assert(rc:record(claim { id = "K-0", setting = "hospital", lines = fractions(1) }))
    local result = assert(rc:check(claim { lines = { line("77427", day(0)) } }))
    assert.are.same({ "frequency@1:deny" }, keys(result.findings))
    assert.matches("a course of 1 fraction earns no 77427: if the course ends there, bill 77431", result.findings[1].fix, 1, true)
  end)

  it("does not name 77431 for a longer course", function()
    local result = assert(rc:check(claim { lines = fractions(6, { line("77427", day(4)), line("77427", day(5)) }) }))
    assert.is_nil(result.findings[1].fix:find("77431", 1, true))
    assert.matches("one more when 3 to 4 are left at the end", result.findings[1].fix, 1, true)
  end)
end)

describe("fraction limits when the claim carries no delivery", function()
  local dir, path
  setup(function()
    dir = H.tmpdir()
    path = dir .. "/history.db"
  end)
  teardown(function() H.remove_tree(dir) end)

  it("gives one info, no denial, on a professional claim at POS 22 with 77427 and no history", function()
    local rc = assert(radcode.open { history = path })
    local result = assert(rc:check(claim { id = "PRO-0", pos = "22", lines = { line("77427", day(4)) } }))
    rc:close()
    local f = frequency(result)
    assert.are.same({ "frequency@0:info" }, keys(f))
    assert.matches("77427 is limited by delivered fractions", f[1].message, 1, true)
    assert.matches("not verified", f[1].message, 1, true)
    assert.matches("record the course's delivery claims", f[1].fix, 1, true)
  end)

  it("gives one info for several fraction-limited codes, and nothing else", function()
    local rc = assert(radcode.open())
    local result = assert(rc:check(claim { lines = { line("77427", day(4)), line("77336", day(4)),
      line("77417", day(0)), line("77427", day(11)) } }))
    rc:close()
    assert.are.same({ "frequency@0:info" }, keys(result.findings))
    assert.is_false(denies(result))
    assert.matches("77427, 77336, 77417 are limited", result.findings[1].message, 1, true)
  end)

  it("asks for the patient and course when the claim names none", function()
    local rc = assert(radcode.open())
    local result = assert(rc:check(claim { no_course = true, lines = { line("77427", day(4)), line("77301", day(0)) } }))
    rc:close()
    assert.are.same({ "frequency@0:info" }, keys(result.findings))
    assert.matches("give claim.patient and claim.course", result.findings[1].fix, 1, true)
    assert.matches("counted within this claim only", result.findings[1].message, 1, true)
  end)

  it("uses the fractions of the hospital's recorded claim of the course", function()
    local rc = assert(radcode.open { history = path })
    assert(rc:record(claim { id = "HOSP-1", setting = "hospital", lines = fractions(5) }))
    local one = assert(rc:check(claim { id = "PRO-1", pos = "22", lines = { line("77427", day(4)) } }))
    local two = assert(rc:check(claim { id = "PRO-2", pos = "22",
      lines = { line("77427", day(4)), line("77427", day(3)) } }))
    rc:close()
    assert.are.same({}, keys(frequency(one)))
    assert.are.same({ "frequency@1:deny" }, keys(frequency(two)))
    assert.matches("2 units for 5 fractions delivered in P-9/c-1; 1 allowed", frequency(two)[1].message, 1, true)
  end)
end)

describe("sources of the course tables", function()
  local function rows(name)
    local f = assert(io.open(H.root .. "/data/" .. name .. ".tsv"))
    local header, out = nil, {}
    for text in f:lines() do
      if not text:match("^#") and text:match("%S") then
        local cells = {}
        for cell in (text .. "\t"):gmatch("([^\t]*)\t") do cells[#cells + 1] = cell end
        if header == nil then
          header = cells
        else
          local row = {}
          for i, k in ipairs(header) do row[k] = cells[i] end
          out[#out + 1] = row
        end
      end
    end
    f:close()
    return out
  end

  for _, name in ipairs { "frequency_limits", "fraction_codes" } do
    it(name .. " cites real public sources, never DOMAIN.md", function()
      local list = rows(name)
      assert.is_true(#list > 10)
      for _, r in ipairs(list) do
        assert.is_nil(r.source:find("DOMAIN", 1, true), r.code .. ": " .. r.source)
        assert.is_truthy(r.source:match("CPT %d%d%d%d") or r.source:match("CMS HCPCS %d%d%d%d")
          or r.source:match("CPT Assistant, %a+ %d%d%d%d"), r.code .. ": " .. r.source)
      end
    end)
  end

  it("has 77417 per five fractions and 77336 no longer per calendar week", function()
    local by = {}
    for _, r in ipairs(rows("frequency_limits")) do by[r.code] = r end
    assert.are.same({ "fractions", "1", "5", "1" }, { by["77417"].period, by["77417"].max_units, by["77417"].fractions, by["77417"].minimum })
    assert.are.same({ "fractions", "1", "5", "1" }, { by["77336"].period, by["77336"].max_units, by["77336"].fractions, by["77336"].minimum })
    assert.are.equal("77431", by["77427"].instead)
  end)
end)
