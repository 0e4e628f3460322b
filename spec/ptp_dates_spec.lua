-- Dates of NCCI pair edits (issue 12 section 5): edits CMS deleted apply to
-- dates of service up to their deletion date, and the edit that follows a
-- deletion starts the day after. tools/extract_ptp.lua writes data/ptp.tsv
-- from the CMS file; its rules are checked on small invented files here, and
-- its output on the real v30.1 file in ../shared/cms (pending when absent)
-- must equal the shipped data/ptp.tsv byte for byte.
local radcode = require "radcode"
local H = require "helper"

local SCRIPT = H.root .. "/tools/extract_ptp.lua"
-- The script is plain Lua (no radcode C code): under make valgrind it runs
-- on the real interpreter (VALGRIND_LUA), not under memcheck.
local LUA = os.getenv("VALGRIND_LUA") or "lua5.4"

local read = H.read

-- Runs the extraction script; returns its output text (or raises with stderr).
local function extract(args)
  local parts = {}
  for i, a in ipairs(args) do parts[i] = H.quote(a) end
  local out, err, code = H.run(("cd %s && %s %s %s"):format(H.quote(H.root), H.quote(LUA), H.quote(SCRIPT), table.concat(parts, " ")))
  assert(code == 0, "extract_ptp failed: " .. err)
  return out, err
end

-- The data rows of a ptp.tsv text, as "col1 col2 setting from to modifier" strings.
local function data_rows(text, setting)
  local list = {}
  for line in text:gmatch("[^\n]+") do
    if line:sub(1, 1) ~= "#" and not line:match("^col1\t") then
      local f = {}
      for field in (line .. "\t"):gmatch("(.-)\t") do f[#f + 1] = field end
      if f[3] == setting then list[#list + 1] = table.concat({ f[1], f[2], f[4], f[5], f[6] }, " ") end
    end
  end
  return list
end

describe("pair edits over time", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  local function pair(a, b, date, setting)
    return rc:pair(a, b, { date = date, setting = setting })
  end

  it("applies 77295/77280 (deleted 2019-12-31, indicator 0) to 2018 dates and not to 2021", function()
    local p = pair("77295", "77280", "2018-05-01")
    assert.are.equal("no", p.together)
    assert.are.equal(0, p.indicator)
    assert.are.equal("77295", p.column1)
    assert.matches("v30.1", p.source)
    local later = pair("77295", "77280", "2021-05-01")
    assert.are.equal("yes", later.together)
    assert.is_nil(later.indicator)
  end)

  it("applies the deletion date itself, and drops the edit the day after", function()
    assert.are.equal("no", pair("77295", "77285", "2019-12-31").together)
    assert.are.equal("yes", pair("77295", "77285", "2020-01-01").together)
    assert.are.equal("no", pair("77290", "77295", "2015-01-02").together)  -- either order
  end)

  for _, c2 in ipairs { "77014", "77306" } do
    it("has 77295/" .. c2 .. " indicator 0 through 2019-12-31 and 1 from 2020-01-01", function()
      for _, setting in ipairs { "practitioner", "hospital" } do
        local before, after = pair("77295", c2, "2019-12-31", setting), pair("77295", c2, "2020-01-01", setting)
        assert.are.same({ "no", 0 }, { before.together, before.indicator }, setting)
        assert.are.same({ "with_modifier", 1 }, { after.together, after.indicator }, setting)
        local mid2019 = pair("77295", c2, "2019-06-03", setting)
        assert.are.equal(0, mid2019.indicator)
      end
    end)

    it("lets 59 bypass 77295/" .. c2 .. " on a claim in 2020 but not in 2019", function()
      local function ptp_finding(date)
        local result = rc:check({ id = "C-" .. date, patient = "P-1", course = "P-1/c-1", payer = "acme",
          setting = "practitioner", diagnoses = { "C61" },
          lines = { { code = "77295", date = date }, { code = c2, date = date, modifiers = { "59" } } } })
        return H.find(result, "ptp", 2)
      end
      local f2019 = ptp_finding("2019-06-03")
      assert.is_truthy(f2019, "no ptp finding in 2019")
      assert.are.equal("deny", f2019.severity)
      local f2020 = ptp_finding("2020-06-01")
      assert.is_truthy(f2020, "no ptp finding in 2020")
      assert.are.equal("info", f2020.severity)
    end)
  end

  it("keeps 77767/77427 (77767 from 2016) in two dated rows without a gap", function()
    assert.are.equal("invalid", pair("77767", "77427", "2015-06-01").together)  -- 77767 did not exist
    assert.are.equal(1, pair("77767", "77427", "2016-02-01").indicator)
    assert.are.equal(1, pair("77767", "77427", "2019-12-31").indicator)
    assert.are.equal(1, pair("77767", "77427", "2020-01-01").indicator)
  end)
end)

describe("tools/extract_ptp.lua", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() H.remove_tree(dir) end)

  local CODES = table.concat({
    "# test codes",
    "code\tsystem\teffective\tterminated\tsummary",
    "11111\tCPT\t2015-01-01\t\ta",
    "22222\tCPT\t2016-01-01\t\tb",
    "33333\tCPT\t2015-01-01\t2025-12-31\tc",
    "44444\tCPT\t2015-01-01\t\td",
    "", }, "\n")

  local function run(csv_text, extra, name)
    H.write(dir .. "/codes.tsv", CODES)
    local path = dir .. "/" .. (name or "ptp_v991.csv")
    H.write(path, csv_text)
    local args = { "--codes", dir .. "/codes.tsv", "--out", "-" }
    for _, a in ipairs(extra or {}) do args[#args + 1] = a end
    args[#args + 1] = path
    return extract(args)
  end

  it("dates a pair's deleted and active rows end to end, drops indicator 9 and rows before 2015", function()
    local out = run(table.concat({
      "column_1,column_2,prior_1996,deletion_date,modifier,rationale",
      "11111,44444,,*,1,Mutually exclusive procedures",
      "11111,44444,,20191231,0,Mutually exclusive procedures",
      "11111,44444,,20150101,9,Mutually exclusive procedures",   -- never applied
      "11111,44444,,20141231,1,Mutually exclusive procedures",   -- before 2015: dropped
      "11111,22222,,20191231,0,More extensive procedure",         -- 22222 from 2016
      "11111,33333,,*,0,More extensive procedure",                -- 33333 ends 2025
      "44444,33333,,20200331,9,More extensive procedure",         -- 9 only: no row
      "11111,99999,,*,1,More extensive procedure",                -- 99999 not curated
      "" }, "\n"))
    assert.are.same({
      "11111 22222 2016-01-01 2019-12-31 0",
      "11111 33333 2015-01-01 2025-12-31 0",
      "11111 44444 2015-01-01 2019-12-31 0",
      "11111 44444 2020-01-01  1",
    }, data_rows(out, "practitioner"))
    assert.are.same(data_rows(out, "practitioner"), data_rows(out, "hospital"))
    assert.matches("CMS NCCI PTP practitioner v99.1; applied to the hospital setting %(secondary",
      out:match("[^\n]*11111\t22222\thospital[^\n]*"))
  end)

  it("keeps pairs with either code curated when asked", function()
    local csv = "column_1,column_2,prior_1996,deletion_date,modifier,rationale\n11111,99999,,*,1,Mutually exclusive procedures\n"
    assert.are.same({}, data_rows(run(csv), "practitioner"))
    assert.are.same({ "11111 99999 2015-01-01  1" }, data_rows(run(csv, { "--either" }), "practitioner"))
  end)

  it("reads CMS's tab-delimited part files with effective dates", function()
    local out = run(table.concat({
      "Copyright notice lines come here.",
      "",
      "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale",
      "11111\t44444\t\t20170401\t*\t1\tMutually exclusive procedures",
      "" }, "\r\n"), { "--edition", "v99.2" }, "part1.txt")
    assert.are.same({ "11111 44444 2017-04-01  1" }, data_rows(out, "practitioner"))
    assert.matches("CMS NCCI PTP practitioner v99.2", out)
  end)

  it("gives the same bytes on every run", function()
    local csv = "column_1,column_2,prior_1996,deletion_date,modifier,rationale\n44444,11111,,*,0,A\n11111,44444,,*,1,B\n"
    assert.are.equal(run(csv), run(csv))
  end)

  it("reproduces data/ptp.tsv byte for byte from the CMS v30.1 file (--either)", function()
    local file = H.cms("ncci_ptp_practitioner_v301.csv.gz")
    if not file then pending("../shared/cms/ncci_ptp_practitioner_v301.csv.gz is not here") return end
    local out = extract({ "--either", "--out", dir .. "/ptp.tsv", file })
    assert.is_string(out)
    local want, got = read(H.root .. "/data/ptp.tsv"), read(dir .. "/ptp.tsv")
    assert.is_true(want == got, "data/ptp.tsv differs from tools/extract_ptp.lua's output: rerun it")
  end)
end)
