-- Data vintage (issue 13, section 3): every dataset says what it covers
-- (kind, name, version, dates of service), rc:check says which data decided
-- a claim and gives a `coverage` finding for lines dated outside the NCCI
-- PTP or MUE data loaded, several quarterly versions are read side by side
-- by date, and `radcode data` lists them.
local radcode = require "radcode"
local H = require "helper"

local FIX = H.root .. "/spec/fixtures/import/"

local function copy(from, to)
  local f = assert(io.open(from, "rb"))
  local text = f:read("a")
  f:close()
  H.write(to, text)
end

local function by_name(list, name)
  for _, d in ipairs(list) do
    if d.name == name then return d end
  end
end

local function coverage(result)
  local out = {}
  for _, f in ipairs(result.findings) do
    if f.edit == "coverage" then out[#out + 1] = f end
  end
  return out
end

local function claim(date, setting)
  return {
    setting = setting or "practitioner", pos = "11", payer = "medicare", diagnoses = { "C61" },
    lines = {
      { code = "77263", date = date, units = 1 },
      { code = "77300", date = date, units = 1 },
      { code = "77014", date = date, units = 1, modifiers = { "26" } },
    },
  }
end

describe("data vintage", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  describe("datasets of the embedded default", function()
    it("list the CMS editions the curated rows cite, with the dates of service each covers", function()
      local list = rc:datasets()
      local ptp = by_name(list, "CMS NCCI PTP practitioner v30.1")
      assert.are.same({ "ncci-ptp", "v30.1", "2024-04-01", "2024-06-30", "practitioner" },
        { ptp.kind, ptp.version, ptp.from, ptp.to, ptp.setting })
      local mue = by_name(list, "CMS MUE 2024Q2")
      assert.are.same({ "mue", "2024Q2", "2024-04-01", "2024-06-30" }, { mue.kind, mue.version, mue.from, mue.to })
      local rvu = by_name(list, "CMS PFS RVU 2024A")
      assert.are.same({ "rvu", "2024-01-01", "2024-12-31" }, { rvu.kind, rvu.from, rvu.to })
      local opps = by_name(list, "CMS OPPS Addendum B 2025Q4")
      assert.are.same({ "opps", "2025-10-01", "2025-12-31" }, { opps.kind, opps.from, opps.to })
      assert.is_true(ptp.rows_kept > 0, "counts the curated rows that cite it")
    end)
  end)

  describe("rc:import", function()
    local dir, db
    before_each(function()
      dir = H.tmpdir()
      db = dir .. "/v.db"
      assert(rc:save(db))
    end)
    after_each(function() H.remove_tree(dir) end)

    it("takes the coverage from the file name: NCCI version, MUE and OPPS quarter, RVU year", function()
      copy(FIX .. "ptp_practitioner.csv", dir .. "/ncci_ptp_practitioner_v312.csv")
      copy(FIX .. "mue_2024q2_small.csv", dir .. "/mue_2025q3.csv")
      copy(FIX .. "opps_addb_small.csv", dir .. "/opps_addb_2025q4.csv")
      copy(FIX .. "pfs_rvu_small.csv", dir .. "/pfs_rvu_2024a.csv")
      local user = assert(radcode.open { db = db })
      local ptp = assert(user:import("ncci-ptp", dir .. "/ncci_ptp_practitioner_v312.csv", { setting = "practitioner" }))
      local mue = assert(user:import("mue", dir .. "/mue_2025q3.csv"))
      local opps = assert(user:import("opps", dir .. "/opps_addb_2025q4.csv"))
      local rvu = assert(user:import("rvu", dir .. "/pfs_rvu_2024a.csv"))
      assert.are.same({ "v31.2", "2025-07-01", "2025-09-30" }, { ptp.version, ptp.from, ptp.to })
      assert.are.same({ "2025Q3", "2025-07-01", "2025-09-30" }, { mue.version, mue.from, mue.to })
      assert.are.same({ "2025-10-01", "2025-12-31" }, { opps.from, opps.to })
      assert.are.same({ "2024-01-01", "2024-12-31" }, { rvu.from, rvu.to })
      local listed = by_name(user:datasets(), "CMS NCCI PTP practitioner v31.2")
      user:close()
      assert.are.same({ "ncci-ptp", "2025-07-01", "2025-09-30", "practitioner" },
        { listed.kind, listed.from, listed.to, listed.setting })
    end)

    it("takes --version, --from and --to when the file name says nothing", function()
      local user = assert(radcode.open { db = db })
      local r = assert(user:import("ncci-ptp", FIX .. "ptp_practitioner.csv",
        { setting = "practitioner", version = "local-7", from = "2025-01-01", to = "2025-03-31" }))
      local listed = by_name(user:datasets(), "CMS NCCI PTP practitioner local-7")
      user:close()
      assert.are.same({ "local-7", "2025-01-01", "2025-03-31" }, { r.version, r.from, r.to })
      assert.are.same({ "2025-01-01", "2025-03-31" }, { listed.from, listed.to })
    end)
  end)

  describe("rc:check", function()
    it("lists the datasets that decided the claim, each with kind, name, version and dates", function()
      local result = rc:check(claim("2024-05-06"))
      local ptp = by_name(result.data, "CMS NCCI PTP practitioner v30.1")
      assert.are.same({ kind = "ncci-ptp", name = "CMS NCCI PTP practitioner v30.1", version = "v30.1",
        from = "2024-04-01", to = "2024-06-30", setting = "practitioner" }, ptp)
      assert.is_not_nil(by_name(result.data, "CMS MUE 2024Q2"))
      assert.is_not_nil(by_name(result.data, "CMS PFS RVU 2024A"))
    end)

    it("gives one review finding per dataset for lines dated after the data's coverage", function()
      local result = rc:check(claim("2026-02-10"))
      local found = coverage(result)
      assert.are.equal(2, #found)
      for _, f in ipairs(found) do assert.are.equal("review", f.severity) end
      assert.are.equal("NCCI PTP v30.1 covers dates of service to 2024-06-30; lines 1, 2 and 3 (2026-02-10)"
        .. " were checked against it: import the current quarter", found[1].message)
      assert.matches("^MUE 2024Q2 covers dates of service to 2024%-06%-30; lines 1, 2 and 3", found[2].message)
      assert.are.equal("CMS NCCI PTP practitioner v30.1", found[1].source)
      assert.matches("import", found[1].fix)
    end)

    it("names only the lines after the coverage, with their dates", function()
      local c = claim("2024-06-28")
      c.lines[3].date = "2024-07-02"
      local found = coverage(rc:check(c))
      assert.are.equal(2, #found)
      assert.matches("; line 3 %(2024%-07%-02%) was checked against it", found[1].message)
    end)

    it("gives no coverage finding for lines the data covers", function()
      assert.are.same({}, coverage(rc:check(claim("2024-05-06"))))
    end)

    it("gives an info finding for lines dated before the data's coverage", function()
      local found = coverage(rc:check(claim("2019-03-04")))
      assert.are.equal(2, #found)
      assert.are.same({ "info", "info" }, { found[1].severity, found[2].severity })
      assert.matches("covers dates of service from 2024%-04%-01", found[1].message)
    end)

    it("never reports a claim dated after the data as clean", function()
      local c = claim("2026-02-10")
      local result = rc:check(c)
      assert.is_true(#result.findings > 0)
      local reviews = 0
      for _, f in ipairs(result.findings) do reviews = reviews + (f.severity == "review" and 1 or 0) end
      assert.is_true(reviews >= 2)
    end)
  end)

  describe("several NCCI PTP versions side by side", function()
    local dir, user
    before_each(function()
      dir = H.tmpdir()
      local db = dir .. "/two.db"
      assert(rc:save(db))
      -- v31.1 (2025 Q2) pairs 77470 with 77280 (indicator 0); v31.2 (2025 Q3) no longer does
      H.write(dir .. "/ptp_practitioner_v311.csv", "column_1,column_2,prior_1996,deletion_date,modifier,rationale\n"
        .. "77470,77280,,*,0,Mutually exclusive procedures\n77014,77300,,*,0,Mutually exclusive procedures\n")
      H.write(dir .. "/ptp_practitioner_v312.csv", "column_1,column_2,prior_1996,deletion_date,modifier,rationale\n"
        .. "77014,77300,,*,1,Mutually exclusive procedures\n")
      user = assert(radcode.open { db = db })
      assert(user:import("ncci-ptp", dir .. "/ptp_practitioner_v311.csv", { setting = "practitioner" }))
      assert(user:import("ncci-ptp", dir .. "/ptp_practitioner_v312.csv", { setting = "practitioner" }))
    end)
    after_each(function()
      user:close()
      H.remove_tree(dir)
    end)

    it("answers rc:pair from the version whose dates cover the date", function()
      assert.are.equal("no", user:pair("77470", "77280", { date = "2025-05-01" }).together)
      assert.are.equal("yes", user:pair("77470", "77280", { date = "2025-08-01" }).together)
      assert.are.equal("no", user:pair("77014", "77300", { date = "2025-05-01" }).together)
      assert.are.equal("with_modifier", user:pair("77014", "77300", { date = "2025-08-01" }).together)
    end)

    it("answers from the newest version for dates no version covers", function()
      assert.are.equal("yes", user:pair("77470", "77280", { date = "2026-02-02" }).together)
      assert.are.equal("with_modifier", user:pair("77014", "77300", { date = "2019-02-04" }).together)
    end)

    it("checks each claim line against the version that covers its date, and says which", function()
      local function lines(date)
        return { setting = "practitioner", pos = "11", diagnoses = { "C61" }, lines = {
          { code = "77470", date = date, units = 1 }, { code = "77280", date = date, units = 1 } } }
      end
      local q2, q3 = user:check(lines("2025-05-06")), user:check(lines("2025-08-05"))
      assert.is_not_nil(H.find(q2, "ptp", 2))
      assert.is_nil(H.find(q3, "ptp", 2))
      assert.is_not_nil(by_name(q2.data, "CMS NCCI PTP practitioner v31.1"))
      assert.is_nil(by_name(q2.data, "CMS NCCI PTP practitioner v31.2"))
      assert.is_not_nil(by_name(q3.data, "CMS NCCI PTP practitioner v31.2"))
      for _, f in ipairs(coverage(q3)) do assert.is_nil(f.message:find("NCCI PTP", 1, true)) end
    end)
  end)

  describe("several MUE versions side by side, in the CMS layout", function()
    local dir, user
    local function mue_file(path, value)
      -- as CMS publishes it: a quoted preamble, and a line end inside the quoted header
      H.write(path, table.concat({
        '"Invented fixture rows, CMS MUE layout."', '""', '"HCPCS/',
        'CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"',
        ('77300,%d,"3 Date of Service Edit: Clinical","Clinical: Data"'):format(value), "" }, "\r\n"))
    end
    before_each(function()
      dir = H.tmpdir()
      local db = dir .. "/mue.db"
      assert(rc:save(db))
      mue_file(dir .. "/mue_practitioner_2025q2.csv", 10)
      mue_file(dir .. "/mue_practitioner_2025q3.csv", 6)
      user = assert(radcode.open { db = db })
      assert(user:import("mue", dir .. "/mue_practitioner_2025q2.csv", { setting = "practitioner" }))
      assert(user:import("mue", dir .. "/mue_practitioner_2025q3.csv", { setting = "practitioner" }))
    end)
    after_each(function()
      user:close()
      H.remove_tree(dir)
    end)

    it("answers rc:lookup from the version whose dates cover the date", function()
      assert.are.equal(10, user:lookup("77300", { date = "2025-05-01" }).mue.value)
      assert.are.equal(6, user:lookup("77300", { date = "2025-08-01" }).mue.value)
      assert.are.equal(6, user:lookup("77300", { date = "2026-02-02" }).mue.value)
      assert.are.equal("CMS MUE practitioner 2025Q2", user:lookup("77300", { date = "2025-05-01" }).mue.source)
    end)

    it("keeps the other settings' data: practitioner files do not hide the hospital MUE", function()
      local hospital = user:lookup("77300", { date = "2025-08-01", setting = "hospital" }).mue
      assert.are.same({ 10, "CMS MUE 2024Q2" }, { hospital.value, hospital.source })
      local result = user:check { setting = "hospital", diagnoses = { "C61" },
        lines = { { code = "77300", date = "2025-08-05", units = 12 } } }
      local f = assert(H.find(result, "mue", 1))
      assert.are.equal("CMS MUE 2024Q2", f.source)
    end)

    it("checks units against the version that covers the line's date", function()
      local function eight(date)
        return { setting = "practitioner", pos = "11", diagnoses = { "C61" },
          lines = { { code = "77300", date = date, units = 8 } } }
      end
      assert.is_nil(H.find(user:check(eight("2025-05-06")), "mue", 1))
      assert.is_not_nil(H.find(user:check(eight("2025-08-05")), "mue", 1))
      local data = user:check(eight("2025-08-05")).data
      assert.are.same({ "2025Q3", "2025-07-01", "2025-09-30" },
        { by_name(data, "CMS MUE practitioner 2025Q3").version, by_name(data, "CMS MUE practitioner 2025Q3").from,
          by_name(data, "CMS MUE practitioner 2025Q3").to })
    end)
  end)

  describe("NCCI text files with an Effective Date column", function()
    it("apply an edit from its effective date to its deletion date", function()
      local dir = H.tmpdir()
      local db = dir .. "/eff.db"
      assert(rc:save(db))
      H.write(dir .. "/ncci_ptp_practitioner_v312_f1.txt", table.concat({
        "Invented fixture rows in the CMS NCCI layout.", "",
        "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date *=no data"
          .. "\tModifier 0=not allowed 1=allowed 9=not applicable\tPTP Edit Rationale",
        "77470\t77280\t\t20170401\t20191231\t0\tMutually exclusive procedures", "" }, "\r\n"))
      local user = assert(radcode.open { db = db })
      local r = assert(user:import("ncci-ptp", dir .. "/ncci_ptp_practitioner_v312_f1.txt", { setting = "practitioner" }))
      local before = user:pair("77470", "77280", { date = "2017-03-31" }).together
      local during = user:pair("77470", "77280", { date = "2017-04-01" }).together
      local last = user:pair("77470", "77280", { date = "2019-12-31" }).together
      local after = user:pair("77470", "77280", { date = "2020-01-01" }).together
      user:close()
      H.remove_tree(dir)
      assert.are.same({ "v31.2", "2025-07-01", "2025-09-30" }, { r.version, r.from, r.to })
      assert.are.same({ "yes", "no", "no", "yes" }, { before, during, last, after })
    end)
  end)

  describe("radcode data", function()
    it("lists the embedded default's datasets with their coverage", function()
      local out, _, code = H.radcode { "data" }
      assert.are.equal(0, code)
      assert.matches("ncci%-ptp%s+v30%.1%s+2024%-04%-01 to 2024%-06%-30%s+CMS NCCI PTP practitioner v30%.1", out)
      assert.matches("mue%s+2024Q2%s+2024%-04%-01 to 2024%-06%-30", out)
    end)

    it("lists a database's datasets, imported ones too, as JSON with --json", function()
      local dir = H.tmpdir()
      local db = dir .. "/d.db"
      assert(rc:save(db))
      copy(FIX .. "ptp_practitioner.csv", dir .. "/ncci_ptp_practitioner_v313.csv")
      local _, err, code = H.radcode { "import", "ncci-ptp", dir .. "/ncci_ptp_practitioner_v313.csv",
        "--setting", "practitioner", "--db", db }
      assert.are.equal(0, code, err)
      local out = H.radcode { "data", "--db", db, "--json" }
      local text = H.radcode { "data", "--db", db }
      H.remove_tree(dir)
      assert.matches('"name": "CMS NCCI PTP practitioner v31.3"', out, 1, true)
      assert.matches('"from": "2025-10-01"', out, 1, true)
      assert.matches("v31.3%s+2025%-10%-01 to 2025%-12%-31", text)
    end)
  end)
end)
