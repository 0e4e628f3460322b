-- Codes deleted before radcode's first date of service (issue 12 section 6):
-- G0173, Medicare's linac radiosurgery G-code deleted on 2014-12-31, is known
-- as deleted, and claims after it name what to bill (77372 for a one-session
-- course, 77373 per SBRT fraction) from the replacement rows.
local radcode = require "radcode"
local H = require "helper"

describe("G0173 (deleted 2014-12-31)", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  it("is looked up as deleted, with its CMS descriptor and 77372 / 77373 as replacements", function()
    local g = assert(rc:lookup("G0173", { date = "2016-03-01" }))
    assert.are.equal("deleted", g.status)
    assert.are.equal("2014-12-31", g.terminated)
    assert.are.equal("HCPCS", g.system)
    assert.matches("stereotactic radiosurgery", g.descriptor)
    local by = {}
    for _, r in ipairs(g.replaced_by) do by[r.code] = r end
    assert.is_truthy(by["77372"], "77372 is not a replacement")
    assert.is_truthy(by["77373"], "77373 is not a replacement")
    assert.are.equal("2015-01-01", by["77372"].from)
    assert.is_nil(g.source:find("DOMAIN", 1, true))
  end)

  it("gives a 2016 claim line a validity finding whose fix names 77372 and 77373", function()
    local result = rc:check({ id = "C-1", patient = "P-1", course = "P-1/c-1", payer = "acme",
      setting = "practitioner", diagnoses = { "C71.9" }, lines = { { code = "G0173", date = "2016-03-01" } } })
    local f = H.find(result, "validity", 1)
    assert.is_truthy(f, "no validity finding")
    assert.are.equal("deny", f.severity)
    assert.matches("2014%-12%-31", f.message)
    assert.matches("77372", f.fix)
    assert.matches("77373", f.fix)
  end)
end)
