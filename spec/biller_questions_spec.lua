-- The questions billers ask of radiation codes, each answered from rc:explain
-- or rc:pair, for 2025 and for 2026.
local radcode = require "radcode"

local YEARS = { ["2025"] = "2025-06-02", ["2026"] = "2026-06-01" }

local function codes_of(list)
  local set = {}
  for _, r in ipairs(list or {}) do set[r.code or r.partner] = true end
  return set
end

describe("biller questions", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  local function page(code, year, setting)
    return assert(rc:explain(code, { date = YEARS[year], setting = setting }))
  end

  for year in pairs(YEARS) do
    describe(year, function()
      it("how often may 77301, 77263, 77336 and 77427 be billed", function()
        local f = page("77301", year).with.frequency[1]
        assert.are.same({ "course", 1 }, { f.period, f.max_units })
        f = page("77263", year).with.frequency[1]
        assert.are.same({ "course", 1 }, { f.period, f.max_units })
        f = page("77336", year).with.frequency[1]
        assert.are.same({ "fractions", 1, 5 }, { f.period, f.max_units, f.fractions })
        f = page("77427", year).with.frequency[1]
        assert.are.same({ "fractions", 1, 5 }, { f.period, f.max_units, f.fractions })
        assert.is_number(f.leftover)   -- leftover fractions at the end earn one more unit
        assert.matches("once per course", page("77301", year).with.facts[1] and
          table.concat((function()
            local t = {}
            for _, x in ipairs(page("77301", year).with.facts) do t[#t + 1] = x.text end
            return t
          end)(), "\n"))
      end)

      it("can 77014 stand alone", function()
        local p = page("77014", year)
        if year == "2025" then
          assert.are.equal("active", p.what.status)
          assert.is_true(#p.with.companions > 0)   -- it needs a delivery code the same day
          assert.matches("delivery", p.with.companions[1].partner .. " " .. p.with.companions[1].reason)
        else
          assert.are.equal("deleted", p.what.status)
          assert.is_true(codes_of(p.what.replaced_by)["77387"])
        end
      end)

      it("can 77295 and 77300 go together", function()
        local r = assert(rc:pair("77295", "77300", { date = YEARS[year] }))
        assert.are.equal("yes", r.together)
        local p = page("77295", year)
        for _, e in ipairs(p.with.pair_edits) do assert.are_not.equal("77300", e.other) end
      end)

      it("can 77470 be billed alone, and with 77301", function()
        local p = page("77470", year)
        assert.are.same({}, p.with.companions)   -- no partner needed: it stands alone
        assert.are.equal("course", p.with.frequency[1].period)
        local r = assert(rc:pair("77470", "77301", { date = YEARS[year] }))
        local edit
        for _, e in ipairs(page("77301", year).with.pair_edits) do
          if e.other == "77470" then edit = e end
        end
        assert.is_table(edit)
        assert.are.equal(r.indicator, edit.indicator)
        assert.are.equal(r.together, edit.together)
        assert.are.equal("no", r.together)
      end)

      it("what are G6012 and G6002", function()
        local g12, g02 = page("G6012", year), page("G6002", year)
        assert.are.equal("delivery", g12.what.family)
        assert.matches("6%-10 mev", g12.what.descriptor:lower())
        assert.are.equal("guidance", g02.what.family)
        assert.matches("stereoscopic", g02.what.summary:lower())
        local status = year == "2025" and "active" or "deleted"
        assert.are.equal(status, g12.what.status)
        assert.are.equal(status, g02.what.status)
      end)

      it("is 77012 a radiation guidance code (no: 77014 before 2026, 77387)", function()
        local p, err = rc:explain("77012", { date = YEARS[year] })
        if p then
          assert.are_not.equal("guidance", p.what.family)
        else
          assert.matches("unknown code", err)
        end
        assert.are.equal("guidance", page("77387", year).what.family)
        assert.are.equal("guidance", page("77014", year).what.family)
        if year == "2026" then assert.are.equal("deleted", page("77014", year).what.status) end
      end)

      it("what is C1717 and who bills it", function()
        local p = page("C1717", year, "hospital")
        assert.matches("iridium", p.what.descriptor:lower())
        local settings = {}
        for _, s in ipairs(p.paid.payment) do settings[s.setting] = s.recognized end
        assert.is_true(settings.hospital)
        assert.is_nil(settings.practitioner)   -- not on the physician fee schedule
        assert.matches("institutional", p.billed.facts_by_kind.claim_form[1].value .. " " ..
          (p.billed.facts_by_kind.claim_form[2] or {}).value)
        assert.matches("^033", p.billed.revenue_code)
      end)

      it("is 55874 covered by Medicare (no NCD: local coverage)", function()
        local p = page("55874", year)
        assert.are.equal("local", p.necessity.coverage)
        local text
        for _, f in ipairs(p.necessity.facts) do
          if f.label == "coverage" then text = f.text end
        end
        assert.matches("no national coverage determination", text)
        assert.are.same({}, p.necessity.articles)   -- none loaded in the default data
      end)

      it("what separates 77385 from 77386 (IMRT delivery, simple vs complex; not planning)", function()
        local a, b = page("77385", year), page("77386", year)
        assert.are.equal("imrt", a.what.family)
        assert.are.equal("imrt", b.what.family)
        assert.are_not.equal("dosimetry", a.what.family)   -- the IMRT plan is 77301
        if year == "2025" then
          assert.are.equal("simple", a.use.level)
          assert.are.equal("complex", b.use.level)
          local criteria = {}
          for _, l in ipairs(a.use.levels) do
            if l.level == "simple" then
              for _, c in ipairs(l.criteria) do criteria[#criteria + 1] = c.text end
            end
          end
          assert.matches("prostate", table.concat(criteria, "; "))
        else
          assert.are.equal("deleted", a.what.status)
          assert.are.equal("deleted", b.what.status)
          assert.is_true(codes_of(a.what.replaced_by)["77407"])
        end
      end)
    end)
  end
end)
