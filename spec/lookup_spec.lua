-- rc:lookup: the record of one code on a date of service and in a setting.
local radcode = require "radcode"
local H = require "helper"

-- Every radiation oncology code DOMAIN.md names.
local DOMAIN_CODES = {
  "77401", "77402", "77407", "77412", "77385", "77386", "77387", "77014",
  "G6001", "G6002", "G6003", "G6004", "G6005", "G6006", "G6007", "G6008", "G6009",
  "G6010", "G6011", "G6012", "G6013", "G6014", "G6015", "G6016", "G6017",
  "77436", "77437", "77438", "77439", "77520", "77522", "77523", "77525",
  "77371", "77372", "77373", "G0339", "G0340", "77770", "77771", "77772",
  "77767", "77768", "77316", "77317", "77318", "C1717", "77261", "77262", "77263",
  "77280", "77285", "77290", "77293", "77295", "77301", "77300", "77306", "77307",
  "77321", "77331", "77332", "77333", "77334", "77336", "77338", "77370",
  "77427", "77431", "77432", "77435", "77469", "77470", "55874",
}

local DELETED_2026 = {
  "77385", "77386", "77014", "77401", "G6001", "G6002", "G6003", "G6004", "G6005",
  "G6006", "G6007", "G6008", "G6009", "G6010", "G6011", "G6012", "G6013", "G6014",
  "G6015", "G6016", "G6017",
}

describe("rc:lookup", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  it("knows every radiation oncology code of DOMAIN.md, in its own words", function()
    for _, code in ipairs(DOMAIN_CODES) do
      local r = assert(rc:lookup(code, { date = "2025-06-02" }), code)
      assert.are.equal(code, r.code)
      assert.are.equal(code:match("^%d") and "CPT" or "HCPCS", r.system, code)
      assert.is_true(#r.summary > 10, code)
      assert.is_true(#r.source > 0, code)
      assert.is_string(r.family, code)
      if r.system == "CPT" then assert.is_nil(r.descriptor, code .. " must not carry AMA text") end
    end
  end)

  it("returns the contract's record for 77407", function()
    local r = assert(rc:lookup("77407", { date = "2025-06-02", setting = "practitioner" }))
    assert.are.same({ "77407", "CPT", "delivery", "active", "3", "technical", false },
      { r.code, r.system, r.family, r.status, r.pctc, r.component, r.addon })
    assert.are.equal("2025-06-02", r.date)
    assert.are.equal("practitioner", r.setting)
    assert.are.equal(2, r.mue.value)
    assert.are.equal(3, r.mue.mai)
    assert.is_nil(r.terminated)
    assert.is_table(r.replaced_by)
    assert.is_table(r.related)
  end)

  it("gives the component of each PC/TC indicator", function()
    local expected = { ["77427"] = "professional", ["77263"] = "professional",
      ["77412"] = "technical", ["77336"] = "technical", ["77300"] = "split", ["77014"] = "split" }
    for code, component in pairs(expected) do
      assert.are.equal(component, rc:lookup(code, { date = "2025-06-02" }).component, code)
    end
  end)

  it("marks 77293 as an add-on of 77295 and 77301", function()
    local r = rc:lookup("77293", { date = "2025-06-02" })
    assert.is_true(r.addon)
    assert.are.equal("ZZZ", r.global)
    local related = H.codes(r.related)
    assert.is_true(related["77295"] and related["77301"])
  end)

  it("gives the MUE of the setting", function()
    local p = rc:lookup("77385", { date = "2025-06-02", setting = "practitioner" })
    local h = rc:lookup("77385", { date = "2025-06-02", setting = "hospital" })
    assert.are.same({ 1, 3 }, { p.mue.value, p.mue.mai })
    assert.are.same({ 2, 3 }, { h.mue.value, h.mue.mai })
    assert.are.same({ 1, 2 }, { rc:lookup("77427", { date = "2025-06-02" }).mue.value,
      rc:lookup("77427", { date = "2025-06-02" }).mue.mai })
    assert.are.equal(10, rc:lookup("77300", { date = "2025-06-02" }).mue.value)
  end)

  it("says Medicare's fee schedule did not recognise 77385 in 2025, and names G6015", function()
    local r = rc:lookup("77385", { date = "2025-06-02", setting = "practitioner" })
    assert.are.equal("I", r.payment_status)
    assert.is_false(r.recognized)
    local medicare = {}
    for _, x in ipairs(r.replaced_by) do
      if x.payer == "medicare" then medicare[x.code] = true end
    end
    assert.is_true(medicare.G6015)
  end)

  it("shows the official HCPCS Level II text, which is public domain", function()
    local r = rc:lookup("G6003", { date = "2025-06-02" })
    assert.matches("^Radiation treatment delivery, single treatment area", r.descriptor)
  end)

  it("normalises case and blanks", function()
    assert.are.equal("G6003", rc:lookup(" g6003 ", { date = "2025-06-02" }).code)
  end)

  describe("at the 2026 boundary", function()
    local successors = { ["77385"] = "77407", ["77014"] = "77387", G6003 = "77402",
      ["77401"] = "77437", G6017 = "77387", ["77386"] = "77412", G6011 = "77412" }

    it("keeps every deleted code active on 2025-12-31", function()
      for _, code in ipairs(DELETED_2026) do
        local r = rc:lookup(code, { date = "2025-12-31", setting = "hospital" })
        assert.are.equal("active", r.status, code)
        assert.are.equal("2025-12-31", r.terminated, code)
      end
    end)

    it("marks them deleted on 2026-01-01, with their replacements", function()
      for _, code in ipairs(DELETED_2026) do
        local r = rc:lookup(code, { date = "2026-01-01", setting = "hospital" })
        assert.are.equal("deleted", r.status, code)
        assert.is_true(#r.replaced_by > 0, code)
        if successors[code] then
          assert.is_true(H.codes(r.replaced_by)[successors[code]], code .. " -> " .. successors[code])
        end
      end
    end)

    it("has 77436-77439 not yet valid in 2025 and active in 2026", function()
      for _, code in ipairs({ "77436", "77437", "77438", "77439" }) do
        assert.are.equal("not_yet_valid", rc:lookup(code, { date = "2025-12-31" }).status, code)
        assert.are.equal("active", rc:lookup(code, { date = "2026-01-01" }).status, code)
        assert.are.equal("2026-01-01", rc:lookup(code, { date = "2026-01-01" }).effective, code)
      end
    end)

    it("requires 26 on 77387 from 2026 only, on professional claims only", function()
      local before = rc:lookup("77387", { date = "2025-12-31", setting = "practitioner" })
      local after = rc:lookup("77387", { date = "2026-01-01", setting = "practitioner" })
      local hospital = rc:lookup("77387", { date = "2026-01-01", setting = "hospital" })
      assert.are.equal(0, #before.required_modifiers)
      assert.are.equal("26", after.required_modifiers[1].modifier)
      assert.is_string(after.required_modifiers[1].reason)
      assert.are.equal(0, #hospital.required_modifiers)
    end)

    it("recognises 77407 for Medicare practitioners from 2026", function()
      assert.is_false(rc:lookup("77407", { date = "2025-12-31" }).recognized)
      assert.is_true(rc:lookup("77407", { date = "2026-01-01" }).recognized)
    end)
  end)

  it("uses today when no date is given", function()
    assert.are.equal(os.date("%Y-%m-%d"), rc:lookup("77407").date)
  end)

  describe("with bad values", function()
    it("says a malformed code is malformed", function()
      for _, code in ipairs({ "7740", "774071", "ABCDE", "", "77 40", "W1234", "G600", "-7740", "7740-", "0001a1" }) do
        local r, err = rc:lookup(code)
        assert.is_nil(r, code)
        assert.are.equal(("malformed code '%s'"):format(code), err)
      end
    end)

    it("says a well-formed code it does not know is unknown", function()
      local r, err = rc:lookup("99999")
      assert.is_nil(r)
      assert.are.equal("unknown code 99999", err)
      for _, code in ipairs({ "0001F", "0042T", "0233U", "0004M", "0001A" }) do   -- Category II, III, PLA, MAAA, vaccine
        assert.are.equal("unknown code " .. code, select(2, rc:lookup(code)))
      end
    end)

    it("refuses impossible and malformed dates", function()
      local cases = {
        ["2025-02-29"] = "impossible date '2025-02-29'",
        ["2100-02-29"] = "impossible date '2100-02-29'",
        ["2025-13-01"] = "impossible date '2025-13-01'",
        ["2025-04-31"] = "impossible date '2025-04-31'",
        ["2025-00-10"] = "impossible date '2025-00-10'",
        ["2025-6-2"] = "malformed date '2025-6-2' (expected YYYY-MM-DD)",
        ["20250602"] = "malformed date '20250602' (expected YYYY-MM-DD)",
        [""] = "malformed date '' (expected YYYY-MM-DD)",
        ["2025-06-02T10:00"] = "malformed date '2025-06-02T10:00' (expected YYYY-MM-DD)",
        ["2014-12-31"] = "date 2014-12-31 is before 2015-01-01, the first date of service radcode covers",
      }
      for date, message in pairs(cases) do
        local r, err = rc:lookup("77407", { date = date })
        assert.is_nil(r, date)
        assert.are.equal(message, err)
      end
      assert.is_table(rc:lookup("77407", { date = "2024-02-29" }))
      assert.is_table(rc:lookup("77407", { date = "2015-01-01" }))
    end)

    it("raises on wrong argument types", function()
      assert.has_error(function() rc:lookup() end)
      assert.has_error(function() rc:lookup(77407) end)
      assert.has_error(function() rc:lookup({}) end)
      assert.has_error(function() rc:lookup("77407", "2025-06-02") end)
      assert.has_error(function() rc:lookup("77407", { date = 20250602 }) end)
      assert.has_error(function() rc:lookup("77407", { setting = 1 }) end)
      assert.has_error(function() radcode.open().lookup(nil, "77407") end)
    end)

    it("raises on unknown option keys and settings, naming them", function()
      assert.has_error(function() rc:lookup("77407", { dte = "2025-06-02" }) end,
        "bad argument #2 to 'lookup' (unknown option 'dte')")
      local ok, err = pcall(rc.lookup, rc, "77407", { setting = "office" })
      assert.is_false(ok)
      assert.matches("invalid setting 'office'", err)
    end)

    it("keeps messages short for huge input", function()
      local _, err = rc:lookup(string.rep("7", 1000000))
      assert.is_true(#err < 100)
    end)
  end)
end)
