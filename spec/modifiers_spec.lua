-- Modifiers (issue 12 §4 and the 77387 PC/TC indicator of §2): unknown
-- modifiers are a review; the HCPCS file's modifier records (importer and
-- curated data/modifiers.tsv); NCCI-associated modifiers by code (25 on an
-- E/M code, 59 and X{EPSU} on any other); fixes and rc:pair naming the
-- modifier that fits; 26/TC against the PC/TC indicator; 77387's indicator
-- and the PFS status I rule; real sources. Specs that need ../shared/cms go
-- pending when it is absent.
local radcode = require "radcode"
local H = require "helper"

local FIX = H.root .. "/spec/fixtures/import/"
local D25, D26 = "2025-06-02", "2026-03-02"

local function claim(t)
  local c = { id = "M-1", patient = "P-1", course = "P-1/c-1", payer = "acme", setting = "practitioner",
    diagnoses = { "C61" }, lines = {} }
  for k, v in pairs(t) do c[k] = v end
  if t.payer == false then c.payer = nil end
  return c
end

local function line(code, date, modifiers)
  return { code = code, date = date or D25, units = 1, modifiers = modifiers }
end

local sql = H.sql

local new_db = H.new_db

-- The findings of an edit on a line.
local function all(result, edit, line_no)
  local out = {}
  for _, f in ipairs(result.findings) do
    if f.edit == edit and (f.line or 0) == line_no then out[#out + 1] = f end
  end
  return out
end

-- The rows of a curated TSV file, by its first column.
local function tsv(name)
  local rows, header = {}, nil
  for l in io.lines("data/" .. name .. ".tsv") do
    if not l:match("^#") and l:match("%S") then
      local fields = {}
      for v in (l .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = v end
      if not header then header = fields
      else
        local r = {}
        for i, col in ipairs(header) do r[col] = fields[i] ~= "" and fields[i] or nil end
        rows[#rows + 1] = r
        rows[fields[1]] = rows[fields[1]] or r
      end
    end
  end
  return rows
end

describe("modifiers", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  describe("unknown modifiers", function()
    it("are a review, never a denial", function()
      local r = assert(rc:check(claim { lines = { line("77300", D25, { "ZY" }) } }))
      local f = assert(H.find(r, "modifier", 1))
      assert.are.equal("review", f.severity)
      assert.matches("ZY", f.message)
      assert.is_true(r.ok)
    end)

    it("include none of GX, KX, GA, CR: the HCPCS modifiers are known", function()
      for _, m in ipairs { "GX", "KX", "GA", "CR", "GY", "Q5", "AI" } do
        local r = assert(rc:check(claim { lines = { line("77300", D25, { m }) } }))
        assert.is_nil(H.find(r, "modifier", 1), m)
      end
    end)

    it("a modifier deleted before the date of service is a review", function()
      -- V8 (infection present) was deleted on 2012-03-31 (CMS HCPCS 2019)
      local r = assert(rc:check(claim { lines = { line("77300", D25, { "V8" }) } }))
      local f = assert(H.find(r, "modifier", 1))
      assert.are.same({ "review", true }, { f.severity, r.ok })
      assert.matches("deleted.*2012%-03%-31", f.message)
    end)
  end)

  describe("the HCPCS importer", function()
    local dir, path
    before_each(function()
      dir = H.tmpdir()
      path = new_db(dir)
    end)
    after_each(function() H.remove_tree(dir) end)

    it("reads modifier records (7, continued by 8) into table modifiers", function()
      local db = assert(radcode.open({ db = path }))
      local before = assert(db:check(claim { lines = { line("77300", D25, { "ZY" }) } }))
      assert.are.equal("review", H.find(before, "modifier", 1).severity)
      local r = assert(db:import("hcpcs", FIX .. "hcpcs_modifiers_small.txt", { edition = "2099" }))
      assert.are.same({ 6, 4, 2 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      local after = assert(db:check(claim { lines = { line("77300", D25, { "ZY" }) } }))
      assert.is_nil(H.find(after, "modifier", 1))
      local gone = assert(db:check(claim { lines = { line("77300", D25, { "ZX" }) } }))
      assert.matches("deleted.*2017%-12%-31", H.find(gone, "modifier", 1).message)
      db:close()
      assert.are.same({ "other|0|*||Invented modifier whose description runs on to a second record|CMS HCPCS 2099",
                        "other|0|*|2017-12-31|Invented deleted modifier|CMS HCPCS 2099" },
        sql(path, "SELECT kind, bypass, applies_to, terminated, meaning, source FROM modifiers"
          .. " WHERE modifier IN ('ZY', 'ZX') ORDER BY modifier DESC"))
      -- a listed modifier keeps its curated row
      assert.are.same({ "Dressing for one wound|CMS HCPCS 2019" },
        sql(path, "SELECT meaning, source FROM modifiers WHERE modifier = 'A1'"))
      assert.are.same({ "ncci|1|non-em" }, sql(path, "SELECT kind, bypass, applies_to FROM modifiers WHERE modifier = 'XE'"))
    end)

    it("rejects a malformed modifier and a continuation without its first record", function()
      local db = assert(radcode.open({ db = path }))
      local r = assert(db:import("hcpcs", FIX .. "hcpcs_modifiers_small.txt", { edition = "2099" }))
      local why = {}
      for _, x in ipairs(r.rejects) do why[#why + 1] = x.reason end
      table.sort(why)
      assert.matches("continuation of 'ZW' without its first record", why[1])
      assert.matches("malformed modifier 'Z!'", why[2])
      db:close()
    end)

    it("loads every modifier of the real HCPCS 2019 file", function()
      local file = H.cms("hcpcs2019_anweb.txt.gz")
      if not file then pending("../shared/cms/hcpcs2019_anweb.txt.gz is absent") return end
      sql(path, "DELETE FROM modifiers WHERE modifier IN ('CR', 'GX')")
      local db = assert(radcode.open({ db = path }))
      local before = assert(db:check(claim { lines = { line("77300", D25, { "CR", "GX" }) } }))
      assert.are.equal(2, #all(before, "modifier", 1))
      local r = assert(db:import("hcpcs", file))
      assert.are.equal(0, r.rows_rejected)
      local after = assert(db:check(claim { lines = { line("77300", D25, { "CR", "GX" }) } }))
      assert.are.equal(0, #all(after, "modifier", 1))
      db:close()
      assert.are.same({ "other|0|Catastrophe/disaster related|CMS HCPCS 2019" },
        sql(path, "SELECT kind, bypass, meaning, source FROM modifiers WHERE modifier = 'CR'"))
      assert.are.same({ "360" }, sql(path, "SELECT count(*) FROM modifiers WHERE modifier GLOB '[A-Z]?'"))
    end)
  end)

  describe("data/modifiers.tsv", function()
    local rows = tsv("modifiers")

    it("is what tools/extract_modifiers.lua makes of the HCPCS 2019 file", function()
      local file = H.cms("hcpcs2019_anweb.txt.gz")
      if not file then pending("../shared/cms/hcpcs2019_anweb.txt.gz is absent") return end
      local dir = H.tmpdir()
      local out = dir .. "/modifiers.tsv"
      assert(os.execute("cp data/modifiers.tsv " .. H.quote(out)))
      local _, err, code = H.run(("lua5.4 tools/extract_modifiers.lua %s %s"):format(H.quote(file), H.quote(out)))
      assert.are.equal(0, code, err)
      local a, b = io.open(out):read("a"), io.open("data/modifiers.tsv"):read("a")
      H.remove_tree(dir)
      assert.are.equal(b, a)
      assert.matches("360 from the HCPCS file", err)
    end)

    it("holds every Level II modifier with CMS's words and CPT modifiers in radcode's", function()
      local level2, cpt = 0, 0
      for _, r in ipairs(rows) do
        if r.modifier:match("^%d%d$") then
          cpt = cpt + 1
          assert.is_truthy(r.source:match("^CPT %d%d%d%d code set, Appendix A %(modifiers%); radcode wording"), r.modifier)
        else
          level2 = level2 + 1
          assert.matches("^CMS HCPCS 2019", r.source, r.modifier)
        end
        assert.is_truthy(r.meaning and r.meaning:match("%S"), r.modifier)
      end
      assert.are.equal(360, level2)
      assert.is_true(cpt >= 10)
      assert.are.equal("Catastrophe/disaster related", rows.CR.meaning)
      assert.are.equal("Notice of liability issued, voluntary under payer policy", rows.GX.meaning)
    end)

    it("marks the NCCI-associated modifiers bypass = 1 (NCCI Policy Manual, chapter I)", function()
      local ncci = { "E1", "E2", "E3", "E4", "FA", "TA", "LT", "RT", "LC", "LD", "LM", "RC", "RI",
        "24", "25", "57", "58", "78", "79", "27", "59", "XE", "XS", "XP", "XU", "91" }
      for i = 1, 9 do ncci[#ncci + 1] = "F" .. i; ncci[#ncci + 1] = "T" .. i end
      local set = {}
      for _, m in ipairs(ncci) do
        set[m] = true
        local r = assert(rows[m], "no row for " .. m)
        assert.are.equal("1", r.bypass, m)
        assert.is_truthy(r.source:find("NCCI Policy Manual for Medicare Services, chapter I", 1, true), m)
      end
      for _, r in ipairs(rows) do
        if not set[r.modifier] then assert.are.equal("0", r.bypass, r.modifier) end
      end
      assert.are.same({ "em", "non-em", "non-em", "*" }, { rows["25"].applies_to, rows["59"].applies_to, rows.XS.applies_to,
                                                         rows.RT.applies_to })
    end)

    it("uses the documented kinds, and applies_to names a code group", function()
      local kinds = { component = true, ncci = true, anatomic = true, global = true, ["repeat"] = true,
        liability = true, other = true }
      local groups = {}
      for _, g in ipairs(tsv("code_groups")) do groups[g.grp] = true end
      assert.is_true(groups.em)
      for _, r in ipairs(rows) do
        assert.is_true(kinds[r.kind] == true, r.modifier .. ": kind " .. tostring(r.kind))
        local to = r.applies_to or "*"
        assert.is_true(to == "*" or groups[to] == true or groups[to:match("^non%-(.*)$") or ""] == true,
          r.modifier .. ": applies_to " .. to)
      end
    end)

    it("cites real sources, never DOMAIN.md", function()
      for _, name in ipairs { "modifiers", "indicators", "code_groups" } do
        local f = assert(io.open("data/" .. name .. ".tsv"))
        local text = f:read("a")
        f:close()
        assert.is_nil(text:find("DOMAIN"), name .. ".tsv cites DOMAIN.md")
      end
    end)
  end)

  describe("NCCI-associated modifiers by code", function()
    local dir, db
    before_each(function()
      dir = H.tmpdir()
      db = assert(radcode.open({ db = new_db(dir) }))
      -- 77263 / 99213 is a real NCCI practitioner edit, indicator 1 (v30.1)
      assert(db:import("ncci-ptp", FIX .. "ptp_em.csv", { setting = "practitioner", edition = "v30.1" }))
      assert(db:import("cpt-descriptors", FIX .. "cpt_em.txt"))
    end)
    after_each(function()
      db:close()
      H.remove_tree(dir)
    end)

    it("99213-25 beside 77263 passes the edit", function()
      local r = assert(db:check(claim { lines = { line("77263"), line("99213", D25, { "25" }) } }))
      local f = assert(H.find(r, "ptp", 2))
      assert.are.same({ "info", "25" }, { f.severity, f.modifier })
      assert.is_nil(H.find(r, "modifier", 2))
      assert.is_true(r.ok)
    end)

    it("99213-59 beside 77263 is denied, and 59 on an E/M code is flagged", function()
      for _, m in ipairs { "59", "XE", "XS", "XP", "XU" } do
        local r = assert(db:check(claim { lines = { line("77263"), line("99213", D25, { m }) } }))
        assert.are.equal("deny", assert(H.find(r, "ptp", 2)).severity, m)
        local f = assert(H.find(r, "modifier", 2), m)
        assert.are.equal("review", f.severity)
        assert.matches("not for E/M codes", f.message)
        assert.matches("use 25 instead", f.fix)
        assert.is_false(r.ok)
      end
    end)

    it("99213 alone beside 77263 is denied with a fix naming 25, not 59", function()
      local r = assert(db:check(claim { lines = { line("77263"), line("99213") } }))
      local f = assert(H.find(r, "ptp", 2))
      assert.are.equal("deny", f.severity)
      assert.matches("append 25 to 99213", f.fix)
      assert.is_nil(f.fix:find("59"))
      assert.is_nil(f.fix:find("XE"))
    end)

    it("25 on the non-E/M line bypasses nothing and is flagged", function()
      local r = assert(db:check(claim { lines = { line("77263", D25, { "25" }), line("99213") } }))
      assert.are.equal("deny", assert(H.find(r, "ptp", 2)).severity)
      local f = assert(H.find(r, "modifier", 1))
      assert.are.equal("review", f.severity)
      assert.matches("only for E/M codes", f.message)
    end)

    it("rc:pair names 25 for an E/M column 2 and 59/X{EPSU} otherwise", function()
      local em = assert(db:pair("77263", "99213", { date = D25 }))
      assert.are.equal("with_modifier", em.together)
      assert.matches("supports 25 on 99213", em.message)
      assert.is_nil(em.message:find("59"))
      local other = assert(rc:pair("77412", "77407", { date = D25 }))
      assert.matches("59, XE, XP, XS or XU on 77407", other.message)
      assert.is_nil(other.message:find("25"))
    end)
  end)

  describe("bypass and fixes on curated pairs", function()
    it("anatomic modifiers of the NCCI list bypass an indicator-1 edit", function()
      local r = assert(rc:check(claim { lines = { line("77412"), line("77407", D25, { "F1" }) } }))
      assert.are.same({ "info", "F1" }, { H.find(r, "ptp", 2).severity, H.find(r, "ptp", 2).modifier })
    end)

    it("the fix of a non-E/M pair names 59 and X{EPSU}, not 25", function()
      local r = assert(rc:check(claim { lines = { line("77412"), line("77407") } }))
      local f = assert(H.find(r, "ptp", 2))
      assert.matches("append 59, XE, XP, XS or XU to 77407", f.fix)
      assert.is_nil(f.fix:find("25"))
    end)
  end)

  describe("26 and TC against the PC/TC indicator", function()
    local function modifier_of(lines, payer)
      local r = assert(rc:check(claim { payer = payer, lines = lines }))
      return H.find(r, "modifier", 1)
    end

    it("TC on a technical-only code is denied", function()
      for _, code in ipairs { "77412", "77407", "77336", "77373" } do
        local f = assert(modifier_of { line(code, D25, { "TC" }) }, code)
        assert.are.equal("deny", f.severity, code)
        assert.matches("technical%-only", f.message)
      end
    end)

    it("26 on a technical-only code is denied", function()
      assert.are.equal("deny", modifier_of({ line("77412", D25, { "26" }) }).severity)
    end)

    it("26 or TC on a PC/TC 0 code is denied", function()
      for _, m in ipairs { "26", "TC" } do
        assert.are.equal("deny", modifier_of({ line("77469", D25, { m }) }).severity, m)
        assert.are.equal("deny", modifier_of({ line("G0339", D25, { m }) }, "medicare").severity, m)
      end
    end)

    it("26 on a professional-only code adds nothing (warn); TC on it is denied", function()
      assert.are.equal("warn", modifier_of({ line("77263", D25, { "26" }) }).severity)
      assert.matches("adds nothing", modifier_of({ line("77263", D25, { "26" }) }).message)
      assert.are.equal("deny", modifier_of({ line("77427", D25, { "TC" }) }).severity)
    end)
  end)

  describe("77387's PC/TC indicator", function()
    it("is 0 in 2015-2025 (PFS 2024, status I) and 1 from 2026", function()
      local a = assert(rc:lookup("77387", { date = D25 }))
      assert.are.equal("0", a.pctc)
      assert.are.equal("1", assert(rc:lookup("77387", { date = D26 })).pctc)
    end)

    it("Medicare 2025: 77387-26 is flagged by the PC/TC edit and the setting edit", function()
      local r = assert(rc:check(claim { payer = "medicare", lines = { line("77387", D25, { "26" }) } }))
      local f = assert(H.find(r, "modifier", 1))
      assert.are.equal("deny", f.severity)
      assert.matches("not valid with 77387 %(PC/TC 0%)", f.message)
      assert.are.equal("deny", assert(H.find(r, "setting", 1)).severity)
    end)

    it("a commercial payer, or none named, takes 77387-26 in 2025: the PFS indicator of a status I code does not bind", function()
      for _, payer in ipairs { "acme", false } do
        local r = assert(rc:check(claim { payer = payer, lines = { line("77385"), line("77387", D25, { "26" }) } }))
        assert.is_nil(H.find(r, "modifier", 2), tostring(payer))
      end
    end)

    it("status I with a technical-only indicator still binds every payer (77407-26)", function()
      local r = assert(rc:check(claim { lines = { line("77407", D25, { "26" }) } }))
      assert.are.equal("deny", assert(H.find(r, "modifier", 1)).severity)
    end)

    it("2026: 77387-26 is fine", function()
      for _, payer in ipairs { "medicare", "acme" } do
        local r = assert(rc:check(claim { payer = payer, lines = { line("77412", D26), line("77387", D26, { "26" }) } }))
        assert.is_nil(H.find(r, "modifier", 2), payer)
      end
    end)
  end)
end)
