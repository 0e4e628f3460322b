-- Every national code on a real claim (issue 13, sections 1, 2 and 4): the
-- embedded default carries every practitioner PTP row that touches a
-- curated code and what the CMS files say of the codes those rows name
-- (data/national, tools/extract_national.lua); importing any CMS file makes
-- every code it names known; rc:lookup names the source of each fact;
-- rc:search finds national codes and ranks a named family first; an unknown
-- code is one finding per claim; the command line works on E/M claims.
local radcode = require "radcode"
local H = require "helper"

local FIX = H.root .. "/spec/fixtures/import/"
local D25, D26 = "2025-06-02", "2026-02-10"

--- A database with the schema and nothing else (no curated or national rows).
local function bare_db(dir)
  local path = dir .. "/bare.db"
  local _, err, code = H.run(("sqlite3 %s < %s"):format(H.quote(path), H.quote(H.root .. "/data/schema.sql")))
  assert(code == 0, err)
  _, err, code = H.run(("sqlite3 %s %s"):format(H.quote(path),
    H.quote("INSERT INTO meta VALUES ('schema_version', '" .. radcode.schema_version .. "'), ('radcode_version', 'test')")))
  assert(code == 0, err)
  return path
end

local function claim(lines, extra)
  local c = { id = "N-1", payer = "medicare", setting = "practitioner", diagnoses = { "C61" }, lines = lines }
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

local function line(code, date, modifiers)
  return { code = code, date = date, units = 1, modifiers = modifiers }
end

local function read_tsv(path)
  local f = assert(io.open(path, "rb"))
  local header, rows = nil, {}
  for l in f:lines() do
    if l ~= "" and l:sub(1, 1) ~= "#" then
      local x = {}
      for field in (l .. "\t"):gmatch("(.-)\t") do x[#x + 1] = field end
      if not header then header = x else
        local r = {}
        for i, h in ipairs(header) do r[h] = x[i] ~= "" and x[i] or nil end
        rows[#rows + 1] = r
      end
    end
  end
  f:close()
  return rows
end

describe("the embedded default's national rows", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  it("denies 99213 beside 77263 without a modifier (NCCI indicator 1)", function()
    local r = assert(rc:check(claim { line("77263", D25), line("99213", D25) }))
    local f = assert(H.find(r, "ptp", 2), "no PTP finding on 99213")
    assert.are.equal("deny", f.severity)
    assert.are.equal("99213", f.code)
    assert.matches("CMS NCCI PTP practitioner v30.1", f.source, 1, true)
    assert.is_false(r.ok)
  end)

  it("passes 99213-25 beside 77263 (25 bypasses on an E/M code)", function()
    local r = assert(rc:check(claim { line("77263", D25), line("99213", D25, { "25" }) }))
    -- (the coverage reviews of a 2025 date against v30.1 are spec'd in vintage_spec)
    for _, f in ipairs(H.drop_coverage(r.findings)) do
      assert.is_true(f.severity ~= "deny" and f.severity ~= "review", f.edit .. ": " .. f.message)
    end
    assert.is_true(r.ok)
  end)

  it("checks the MUE of a national code (99213: 2 a day)", function()
    local r = assert(rc:check(claim { line("99213", D25), line("99213", D25), line("99213", D25) }))
    assert.is_truthy(H.find(r, "mue", 3) or H.find(r, "mue", 1) or H.find(r, "mue", 0), "no MUE finding")
  end)

  it("looks up 99213 from the national rows, naming each fact's source", function()
    local r = assert(rc:lookup("99213", { date = D25 }))
    assert.are.same({ "99213", "CPT", "other", "active" }, { r.code, r.system, r.family, r.status })
    assert.are.same({ "A", "0", "XXX" }, { r.payment_status, r.pctc, r.global })
    assert.are.equal("A", r.pfs.status)
    assert.are.equal(2, r.mues.practitioner.value)
    assert.are.equal(3, r.mues.practitioner.mai)
    assert.is_nil(r.descriptor)             -- AMA text is never shipped
    assert.is_false(r.curated)
    assert.is_nil(r.sources.summary)        -- no radcode summary for a national code
    assert.are.same({ "CMS PFS RVU 2024A", "CMS PFS RVU 2024A", "CMS MUE 2024Q2" },
      { r.sources.indicators, r.sources.pfs, r.sources.mue })
  end)

  it("looks up an imaging code (70450) with its OPPS status and payment rate by date", function()
    local r25 = assert(rc:lookup("70450", { date = D25, setting = "hospital" }))
    local r26 = assert(rc:lookup("70450", { date = D26, setting = "hospital" }))
    assert.are.same({ "1", "split" }, { r25.pctc, r25.component })
    assert.are.equal("Q3", r26.opps.status)
    assert.are.equal(106.81, r26.opps.payment_rate)
    assert.are.equal(106.34, r25.opps.payment_rate)
    assert.are.equal("CMS OPPS Addendum B 2026Q2", r26.sources.opps)
    assert.are.equal("CMS OPPS Addendum B 2025Q4", r25.sources.opps)
    assert.are.equal("4", r26.mult_proc)
    assert.are.equal("A", r26.pfs.status)
  end)

  it("knows a national add-on code and its primaries (99292 after 99291)", function()
    local r = assert(rc:lookup("99292", { date = D25 }))
    assert.is_true(r.addon)
    assert.is_truthy(H.codes(r.primaries)["99291"])
    assert.are.equal("CMS NCCI AOC 2024Q2", r.sources.aoc)
    local c = assert(rc:check(claim { line("99292", D25) }))
    assert.is_truthy(H.find(c, "addon", 1), "no add-on finding for 99292 alone")
  end)

  it("looks up a Level II code with its public-domain HCPCS descriptor", function()
    local r = assert(rc:lookup("G0463", { date = D25 }))
    assert.matches("clinic visit", r.descriptor)
    assert.are.equal("CMS HCPCS 2019", r.sources.code)
  end)

  it("knows a deleted E/M code as deleted (99201, last edits 2020-12-31)", function()
    local r = assert(rc:lookup("99201", { date = D25 }))
    assert.are.same({ "deleted", "2020-12-31" }, { r.status, r.terminated })
    assert.matches("(secondary", r.source, 1, true)
  end)

  it("keeps radcode's own summary, and says so, for curated codes", function()
    local r = assert(rc:lookup("77407", { date = D25 }))
    assert.is_true(r.curated)
    assert.are.equal("radcode summary", r.sources.summary)
  end)

  it("opens in under 100 ms", function()
    local n, t = 10, os.clock()
    for _ = 1, n do assert(radcode.open()):close() end
    assert.is_true((os.clock() - t) / n < 0.1)
  end)
end)

describe("data/ptp.tsv and data/national", function()
  it("carries every practitioner PTP row touching a curated code, active and deleted", function()
    local rows, active, deleted, national = 0, 0, 0, 0
    local curated = {}
    for _, r in ipairs(read_tsv(H.root .. "/data/codes.tsv")) do curated[r.code] = true end
    for _, r in ipairs(read_tsv(H.root .. "/data/ptp.tsv")) do
      if r.setting == "practitioner" then
        rows = rows + 1
        if r.valid_to then deleted = deleted + 1 else active = active + 1 end
        if not (curated[r.col1] and curated[r.col2]) then national = national + 1 end
      end
    end
    assert.is_true(rows > 20000, rows .. " practitioner rows")
    assert.is_true(active > 10000 and deleted > 8000, active .. " active, " .. deleted .. " deleted")
    assert.is_true(national > 19000, national .. " rows with a national code")
  end)

  it("names a CMS file as the source of every national row and never ships a CPT descriptor", function()
    for _, t in ipairs { "codes", "aoc", "mue", "indicators", "payment_status" } do
      for i, r in ipairs(read_tsv(H.root .. "/data/national/" .. t .. ".tsv")) do
        assert.matches("^CMS ", r.source, nil, false, ("%s:%d"):format(t, i))
        if t == "codes" and r.system == "CPT" then
          assert.is_nil(r.descriptor, "CPT descriptor for " .. r.code)
          assert.matches("no radcode summary", r.summary)
        end
      end
    end
  end)

  it("is reproduced byte for byte by tools/extract_national.lua", function()
    if not H.cms("mue_2024q2.csv.gz") then pending("../shared/cms is not here") return end
    local dir = H.tmpdir()
    local _, err, code = H.run(("cd %s && lua5.4 tools/extract_national.lua --out %s"):format(H.quote(H.root), H.quote(dir)))
    assert.are.equal(0, code, err)
    for _, t in ipairs { "codes", "aoc", "mue", "indicators", "payment_status" } do
      local a = assert(io.open(H.root .. "/data/national/" .. t .. ".tsv", "rb")):read("a")
      local b = assert(io.open(dir .. "/" .. t .. ".tsv", "rb")):read("a")
      assert.is_true(a == b, "data/national/" .. t .. ".tsv differs: rerun tools/extract_national.lua")
    end
    H.remove_tree(dir)
  end)
end)

describe("importing a CMS file makes every code in it known", function()
  local dir, rc
  before_each(function()
    dir = H.tmpdir()
    rc = assert(radcode.open { db = bare_db(dir) })
  end)
  after_each(function()
    rc:close()
    H.remove_tree(dir)
  end)

  it("after the PFS RVU file: 77290 with status, PC/TC, global, multiple-procedure and bilateral", function()
    assert.is_nil(rc:lookup("77290"))
    assert(rc:import("rvu", FIX .. "pfs_rvu_small.csv"))
    local r = assert(rc:lookup("77290", { date = D25 }))
    assert.are.same({ "A", "1", "XXX", "0", "0" }, { r.payment_status, r.pctc, r.global, r.mult_proc, r.bilateral })
    assert.matches("^CMS PFS RVU", r.sources.indicators)
    assert.are.equal(r.sources.indicators, r.sources.code)
  end)

  it("after OPPS Addendum B: C1717 with its status indicator and payment rate", function()
    assert(rc:import("opps", FIX .. "opps_addb_small.csv"))
    local r = assert(rc:lookup("C1717", { date = D25, setting = "hospital" }))
    assert.are.same({ "HCPCS", "other", "U", 500 }, { r.system, r.family, r.opps.status, r.opps.payment_rate })
    assert.are.equal(r.opps.source, r.sources.opps)
  end)

  it("after the MUE, AOC and PTP files: every code they name", function()
    assert(rc:import("mue", FIX .. "mue_2024q2_small.csv"))
    assert(rc:import("aoc", FIX .. "aoc.csv"))
    assert(rc:import("ncci-ptp", FIX .. "ptp_practitioner.csv", { setting = "practitioner" }))
    for _, code in ipairs { "77407", "77385", "77293", "77295", "0054T", "77301" } do
      assert.is_table(rc:lookup(code, { date = D25 }), code)
    end
    local addon = assert(rc:lookup("77293", { date = D25 }))
    assert.is_true(addon.addon)
    assert.are.same({ "77295", "77301" }, { addon.primaries[1].code, addon.primaries[2].code })
    assert.is_string(addon.sources.aoc)
  end)

  it("checks a line of a code known only from an imported file without a 'no record' finding", function()
    assert(rc:import("rvu", FIX .. "pfs_rvu_small.csv"))
    local r = assert(rc:check(claim { line("77290", D25, { "26" }) }))
    for _, f in ipairs(r.findings) do assert.is_nil(f.message:find("no record", 1, true), f.message) end
  end)

  it("answers rc:lookup('99213') with status A and PC/TC 0 after the real RVU file", function()
    local file = H.cms("pfs_rvu_2024a.csv.gz")
    if not file then pending("../shared/cms/pfs_rvu_2024a.csv.gz is not here") return end
    assert.is_nil(rc:lookup("99213"))
    assert(rc:import("rvu", file))
    local r = assert(rc:lookup("99213", { date = D25 }))
    assert.are.same({ "A", "0" }, { r.payment_status, r.pctc })
    assert.are.equal("CMS PFS RVU 2024A", r.sources.pfs)
  end)
end)

describe("a code no loaded file knows", function()
  it("is one finding per code per claim, not per line", function()
    local rc = assert(radcode.open())
    local r = assert(rc:check(claim { line("0999T", D25), line("77407", D25), line("0999T", D25), line("0999T", D25) }))
    local n = 0
    for _, f in ipairs(r.findings) do
      if f.message:find("no record of 0999T", 1, true) then
        n = n + 1
        assert.are.equal(1, f.line)
        assert.matches("3 lines", f.message)
      end
    end
    assert.are.equal(1, n)
    rc:close()
  end)
end)

describe("rc:search over national codes", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  local function rank(results, code)
    for i, r in ipairs(results) do if r.code == code then return i end end
  end

  it("ranks the family a query names first: 'igrt' in 2026 gives 77387 before 77439", function()
    local found = assert(rc:search("igrt", { date = D26 }))
    assert.is_truthy(rank(found, "77387"))
    assert.is_truthy(rank(found, "77439"))
    assert.is_true(rank(found, "77387") < rank(found, "77439"))
  end)

  it("finds a HCPCS Level II code by its descriptor words", function()
    local found = assert(rc:search("hospital outpatient clinic visit", { date = D25 }))
    assert.are.equal("G0463", found[1].code)
  end)

  it("finds any known code by prefix (9921 gives the E/M visits)", function()
    local found = H.codes(assert(rc:search("9921", { date = D25, limit = 20 })))
    for _, c in ipairs { "99211", "99212", "99213", "99214", "99215" } do assert.is_true(found[c], c) end
  end)
end)

describe("the command line on the embedded default", function()
  it("radcode lookup 99213 shows the national facts and their sources", function()
    local out, err, code = H.radcode({ "lookup", "99213", "--date", D25 })
    assert.are.equal(0, code, err)
    assert.matches("status A", out, 1, true)
    assert.matches("PC/TC          0", out, 1, true)
    assert.matches("CMS PFS RVU 2024A", out, 1, true)
  end)

  it("radcode search 'port images' gives 77417 first", function()
    local out, err, code = H.radcode({ "search", "port images" })
    assert.are.equal(0, code, err)
    assert.matches("^%s*1%. 77417", out)
  end)

  it("radcode check denies 99213 beside 77263 and passes 99213-25", function()
    local dir = H.tmpdir()
    local bad = dir .. "/bad.json"
    local good = dir .. "/good.json"
    local text = [[{"id":"E-1","payer":"medicare","setting":"practitioner","diagnoses":["C61"],
      "lines":[{"code":"77263","date":"2025-06-02","units":1},{"code":"99213","date":"2025-06-02","units":1%s}]}]]
    H.write(bad, text:format(""))
    H.write(good, text:format(',"modifiers":["25"]'))
    local out, _, code = H.radcode({ "check", bad })
    assert.are_not.equal(0, code)
    assert.matches("99213", out)
    assert.matches("denied beside 77263", out, 1, true)
    local out2, err2, code2 = H.radcode({ "check", good })
    assert.are.equal(0, code2, out2 .. err2)
    H.remove_tree(dir)
  end)
end)
