-- The setting is the claim type (issue 12, sections 1 and 2): practitioner
-- is a professional claim (CMS-1500 / 837P) at every place of service,
-- hospital an institutional claim (UB-04 / 837I). The place of service
-- (claim.pos, the CMS code set in data/places.tsv) never changes the
-- setting; it changes what a professional claim may carry.
local radcode = require "radcode"
local H = require "helper"

local D25, D26 = "2025-06-02", "2026-03-02"

local function line(code, date, modifiers, units)
  return { code = code, date = date, modifiers = modifiers, units = units }
end

-- A hospital-based radiation oncologist's professional claim at POS 22.
local function claim(t)
  local c = { id = t.id or "S-1", patient = "P-9", course = "P-9/c-1", payer = "medicare",
    setting = "practitioner", pos = "22", diagnoses = { "C61" }, lines = {} }
  for k, v in pairs(t) do c[k] = v end
  for _, k in ipairs(t.without or {}) do c[k] = nil end
  c.without = nil
  return c
end

local function where(result, edit, line_no)
  local found = {}
  for _, f in ipairs(result.findings) do
    if f.edit == edit and (line_no == nil or (f.line or 0) == line_no) then found[#found + 1] = f end
  end
  return found
end

local function denials(result, but)
  local found = {}
  for _, f in ipairs(result.findings) do
    if f.severity == "deny" and f.edit ~= but then found[#found + 1] = ("%s@%d %s"):format(f.edit, f.line or 0, f.message) end
  end
  return found
end

describe("the setting is the claim type", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  describe("a professional claim at a facility place of service", function()
    it("lets a hospital-based physician's professional work through (no deny but fraction counts)", function()
      local result = rc:check(claim { lines = {
        line("77263", D26), line("77427", D26), line("77387", D26, { "26" }),
        line("77014", D25, { "26" }), line("99213", "2025-06-03"),
      } })
      -- 77427's fraction questions belong to the course limits (edit frequency)
      assert.are.same({}, denials(result, "frequency"))
      assert.are.same({}, where(result, "setting"))
    end)

    it("flags technical-only 77412: the facility bills it", function()
      local result = rc:check(claim { lines = { line("77263", D25), line("77412", D25) } })
      local f = where(result, "setting", 2)
      assert.are.equal(1, #f)
      assert.are.same({ "deny", "77412" }, { f[1].severity, f[1].code })
      assert.matches("technical", f[1].message)
      assert.matches("facility", f[1].message)
      assert.matches("remove 77412", f[1].fix)
      assert.are.same({}, where(result, "setting", 1))
    end)

    it("flags every technical-only code the PC/TC rows name (77336, 77417, proton), not a list in C", function()
      for _, code in ipairs { "77336", "77417", "77522", "77402" } do
        local result = rc:check(claim { payer = "acme", lines = { line(code, D26) } })
        local f = where(result, "setting", 1)
        assert.are.equal(1, #f, code)
        assert.are.equal("deny", f[1].severity, code)
      end
    end)

    it("flags a split code without 26 and says to append it", function()
      local result = rc:check(claim { lines = { line("77290", D25) } })
      local f = where(result, "setting", 1)
      assert.are.equal(1, #f)
      assert.are.equal("deny", f[1].severity)
      assert.matches("append modifier 26", f[1].fix)
      assert.is_true(rc:check(claim { lines = { line("77290", D25, { "26" }) } }).ok)
    end)

    it("flags the technical part of a split code (TC) at a facility", function()
      local result = rc:check(claim { lines = { line("77290", D25, { "TC" }) } })
      assert.are.equal(1, #where(result, "setting", 1))
    end)

    it("applies the same rules at the other facility places (19, 21, 23, 24) and not in an office (11, 49)", function()
      for _, pos in ipairs { "19", "21", "23", "24" } do
        assert.are.equal(1, #where(rc:check(claim { pos = pos, lines = { line("77290", D25) } }), "setting", 1), pos)
      end
      for _, pos in ipairs { "11", "49" } do
        local result = rc:check(claim { pos = pos, payer = "acme", lines = { line("77290", D25), line("77412", D25) } })
        assert.are.same({}, where(result, "setting"), pos)
        assert.is_true(result.ok, pos)
      end
    end)

    it("does not also send 77412 to the G-codes on a 2025 Medicare claim at POS 22", function()
      local result = rc:check(claim { lines = { line("77412", D25) } })
      local f = where(result, "setting", 1)
      assert.are.equal(1, #f)
      assert.is_nil(f[1].fix:match("G601"))
    end)
  end)

  describe("the place of service", function()
    it("never makes a claim a hospital claim: 77263 and 77427 at POS 22 are not OPPS status B", function()
      local result = rc:check(claim { without = { "setting" }, lines = { line("77263", D25) } })
      assert.are.same({}, where(result, "setting"))
      assert.are.same({}, denials(result))
      local said = where(result, "input", 0)
      assert.are.equal(1, #said)
      assert.are.equal("info", said[1].severity)
      assert.matches("professional", said[1].message)
    end)

    it("does not call practitioner at POS 22 contradictory", function()
      local result = rc:check(claim { lines = { line("77263", D25) } })
      assert.are.same({}, where(result, "input"))
      assert.is_true(result.ok)
    end)

    it("accepts every code of the CMS set (99, 49, 11, 02, 27) without a finding", function()
      for _, pos in ipairs { "99", "49", "11", "02", "27", "66" } do
        local result = rc:check(claim { pos = pos, lines = { line("77263", D25) } })
        assert.are.same({}, where(result, "input"), pos)
      end
    end)

    it("reviews a code the CMS set does not list (98), and refuses a malformed one (2x)", function()
      local unknown = rc:check(claim { pos = "98", lines = { line("77263", D25) } })
      local f = where(unknown, "input", 0)
      assert.are.same({ 1, "review" }, { #f, f[1] and f[1].severity })
      assert.matches("98", f[1].message)
      assert.is_true(unknown.ok)
      local bad = rc:check(claim { pos = "2x", lines = { line("77263", D25) } })
      f = where(bad, "input", 0)
      assert.are.same({ 1, "deny" }, { #f, f[1] and f[1].severity })
      assert.matches("2x", f[1].message)
    end)

    it("reviews a place of service used before CMS created it (19 before 2016)", function()
      local result = rc:check(claim { pos = "19", lines = { line("77263", "2015-06-01") } })
      local f = where(result, "input", 1)
      assert.are.same({ 1, "review" }, { #f, f[1] and f[1].severity })
      assert.are.same({}, where(rc:check(claim { pos = "19", lines = { line("77263", "2016-01-04") } }), "input"))
    end)

    it("keeps the old warning when neither setting nor place of service is given", function()
      local result = rc:check(claim { without = { "setting", "pos" }, lines = { line("77263", D25) } })
      local f = where(result, "input", 0)
      assert.are.same({ 1, "warn" }, { #f, f[1] and f[1].severity })
    end)
  end)

  describe("checks that need what the claim cannot show", function()
    it("gives one info finding, not a denial, for guidance whose delivery is on the facility's claim", function()
      local result = rc:check(claim { without = { "patient", "course" }, lines = {
        line("77387", D26, { "26" }), line("77387", "2026-03-03", { "26" }), line("77014", D25, { "26" }),
      } })
      assert.are.same({}, where(result, "companion", 1))
      local f = where(result, "companion", 0)
      assert.are.same({ 1, "info" }, { #f, f[1] and f[1].severity })
      assert.matches("77014", f[1].message)
      assert.matches("give claim.patient and claim.course", f[1].fix)
      assert.is_true(result.ok)
    end)

    it("asks only for the facility's claims when the claim names its course", function()
      local result = rc:check(claim { lines = { line("77387", D26, { "26" }) } })
      local f = where(result, "companion", 0)
      assert.are.equal(1, #f)
      assert.is_nil(f[1].fix:match("give claim.patient"))
      assert.matches("record the facility's claims of the course", f[1].fix)
    end)

    it("verifies the delivery from the course history of the same date", function()
      local h = assert(radcode.open())
      assert(h:record { id = "HOSP-1", patient = "P-9", course = "P-9/c-1", setting = "hospital", payer = "medicare",
        diagnoses = { "C61" }, lines = { line("77412", D26) } })
      local result = h:check(claim { lines = { line("77387", D26, { "26" }), line("77387", "2026-03-03", { "26" }) } })
      h:close()
      assert.are.same({}, where(result, "companion", 1))
      local f = where(result, "companion", 0)
      assert.are.equal(1, #f)
      assert.matches("line 2 %(77387%)", f[1].message)
      assert.is_nil(f[1].message:match("line 1"))
    end)

    it("lets the history satisfy a companion on a freestanding claim too, and still denies one with none", function()
      local h = assert(radcode.open())
      assert(h:record { id = "EARLIER", patient = "P-9", course = "P-9/c-1", setting = "practitioner", payer = "acme",
        pos = "11", diagnoses = { "C61" }, lines = { line("77412", D25) } })
      local same_day = h:check(claim { pos = "11", payer = "acme", lines = { line("77014", D25) } })
      local other_day = h:check(claim { pos = "11", payer = "acme", lines = { line("77014", "2025-06-04") } })
      h:close()
      assert.are.same({}, where(same_day, "companion"))
      assert.are.equal("deny", where(other_day, "companion", 1)[1].severity)
    end)
  end)

  describe("77387 and modifier 26 from 2026", function()
    it("denies 77387 without 26 on a 2026 professional claim", function()
      local f = where(rc:check(claim { pos = "11", lines = { line("77412", D26), line("77387", D26) } }), "modifier", 2)
      assert.are.same({ 1, "deny" }, { #f, f[1] and f[1].severity })
      assert.matches("append modifier 26", f[1].fix)
    end)

    it("flags 77387-26 on a 2026 hospital claim once, and takes 77387 there without a modifier", function()
      local bad = rc:check(claim { setting = "hospital", without = { "pos" },
        lines = { line("77412", D26), line("77387", D26, { "26" }) } })
      local f = where(bad, "modifier", 2)
      assert.are.same({ 1, "deny" }, { #f, f[1] and f[1].severity })
      assert.matches("no modifier", f[1].message)
      local good = rc:check(claim { setting = "hospital", without = { "pos" }, lines = { line("77412", D26), line("77387", D26) } })
      assert.is_true(good.ok)
      assert.are.same({}, H.drop_coverage(good.findings))
    end)

    it("flags 26 or TC on any hospital line (institutional claims carry neither)", function()
      local result = rc:check(claim { setting = "hospital", without = { "pos" }, payer = "acme",
        lines = { line("77300", D25, { "26" }), line("77290", D25, { "TC" }) } })
      assert.are.equal("deny", where(result, "modifier", 1)[1].severity)
      assert.are.equal("deny", where(result, "modifier", 2)[1].severity)
    end)
  end)

  describe("a status-B code on a hospital claim", function()
    it("says G0339 belongs on the physician's professional claim and hospitals report 77372/77373", function()
      local f = where(rc:check(claim { setting = "hospital", without = { "pos" }, diagnoses = { "C71.9" },
        lines = { line("G0339", D25) } }), "setting", 1)[1]
      assert.are.equal("deny", f.severity)
      assert.matches("professional claim", f.message)
      assert.matches("professional claim", f.fix)
      assert.matches("77372", f.fix)
      assert.matches("77373", f.fix)
    end)

    it("says professional-only 77427 belongs on the physician's claim", function()
      local f = where(rc:check(claim { setting = "hospital", without = { "pos" }, lines = { line("77427", D25) } }), "setting", 1)[1]
      assert.matches("professional%-only", f.message)
      assert.matches("physician", f.fix)
    end)
  end)

  describe("Medicare G-codes on other payers' claims", function()
    it("reviews G6008 on a commercial claim, naming the CPT code", function()
      local f = where(rc:check(claim { payer = "acme", pos = "11", lines = { line("G6008", D25) } }), "setting", 1)
      assert.are.same({ 1, "review" }, { #f, f[1] and f[1].severity })
      assert.matches("77407", f[1].fix)
      assert.matches("77385 or 77386", where(rc:check(claim { payer = "acme", pos = "11", lines = { line("G6015", D25) } }), "setting", 1)[1].fix)
    end)

    it("says nothing for Medicare, nor when the claim names no payer", function()
      assert.are.same({}, where(rc:check(claim { pos = "11", lines = { line("G6008", D25) } }), "setting"))
      assert.are.same({}, where(rc:check(claim { pos = "11", without = { "payer" }, lines = { line("G6008", D25) } }), "setting"))
    end)

    it("is overridden by an overlay that inherits Medicare, or one that suppresses the rule", function()
      local h = assert(radcode.open())
      h:load_payer [[return { name = "acme_ma", inherits = "medicare" }]]
      h:load_payer [[return { name = "gcode_plan", rules = { { id = "takes-g-codes",
        check = function(claim, findings, out)
          for _, f in ipairs(findings) do
            if f.rule and f.rule:match("^payer code ") then out.suppress(f, "this plan pays the Medicare G-codes") end
          end
        end } } }]]
      local ma = h:check(claim { payer = "acme_ma", pos = "11", lines = { line("G6008", D25) } })
      local plan = h:check(claim { payer = "gcode_plan", pos = "11", lines = { line("G6008", D25) } })
      local other = h:check(claim { payer = "acme", pos = "11", lines = { line("G6008", D25) } })
      h:load_payer [[return { name = "strict", mappings = { { id = "cpt-only", code = "G6008", use = { "77407" } } } }]]
      local strict = h:check(claim { payer = "strict", pos = "11", lines = { line("G6008", D25) } })
      h:close()
      local mapped = where(strict, "setting", 1)
      assert.are.same({ 1, "deny", "strict" }, { #mapped, mapped[1].severity, mapped[1].overlay })
      assert.are.same({}, where(ma, "setting"))
      assert.are.same({ "info", true }, { where(plan, "setting", 1)[1].severity, where(plan, "setting", 1)[1].suppressed })
      assert.are.equal("review", where(other, "setting", 1)[1].severity)
    end)
  end)

  describe("deleted G-codes in 2026", function()
    it("names the 2026 ladder and radcode classify, never one code", function()
      for _, code in ipairs { "G6003", "G6008", "G6011", "G6014" } do
        local f = where(rc:check(claim { pos = "11", lines = { line(code, "2026-01-05") } }), "validity", 1)[1]
        assert.are.equal("bill instead: 77402, 77407 or 77412 (the 2026 level depends on the technique: see radcode classify --service delivery)", f.fix, code)
      end
    end)
  end)
end)
