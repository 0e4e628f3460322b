-- radcode.claims on FHIR R4: the HL7 R4 example Claims (CC0, kept outside
-- the project in ../shared/claims/fhir; pending when absent) mapped field by
-- field, the ExplanationOfBenefit example refused, radcode's own Bundle of
-- an SBRT course, format detection, and the mapping's rules (code systems,
-- diagnosis sequences, periods, places of service, revenue codes).
local radcode = require "radcode"
local H = require "helper"

local SAMPLES = H.root .. "/../shared/claims/fhir/"
local EXAMPLES = H.root .. "/examples/"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

local function sample(name)
  local text = read(SAMPLES .. name)
  if not text then pending("../shared/claims/fhir/" .. name .. " is not here") end
  return text
end

local function claims_of(text, opts)
  local claims, err = radcode.claims(text, opts)
  assert(claims, err)
  return claims
end

local function messages(claim)
  local out = {}
  for _, p in ipairs(claim.problems or {}) do out[#out + 1] = p.message end
  return table.concat(out, "\n")
end

describe("radcode.claims on the HL7 FHIR R4 example Claims (CC0)", function()
  it("maps the institutional MED-00050 claim: CPT item, diagnosis sequences, place of service, bill type, insurer", function()
    local text = sample("r4_Claim-MED-00050.json")
    if not text then return end
    local claims = claims_of(text)
    assert.are.equal(1, #claims)
    local c = claims[1]
    assert.are.same({ "MED-00050", "hospital", "831", "patient-1", "humana inc." },
      { c.id, c.setting, c.bill_type, c.patient, c.payer })
    assert.are.same({ "M96.1", "G89.4", "M53.88", "M47.816" }, c.diagnoses)
    assert.are.equal(1, #c.lines)
    assert.are.same({ code = "62264", date = "2015-10-13", dx = { 2, 4 }, pos = "24", charge = 12500,
      source = { item = 1 } }, c.lines[1])
    assert.is_nil(c.problems)
    assert.are.same({ format = "fhir", id = "MED-00050" }, c.source)
  end)

  it("maps the professional 860150 claim and names its non-CPT item code", function()
    local text = sample("r4_Claim-860150.json")
    if not text then return end
    local c = claims_of(text)[1]
    assert.are.same({ "860150", "practitioner", "Patient/1", "organization/2" }, { c.id, c.setting, c.patient, c.payer })
    assert.are.same({ "654456" }, c.diagnoses)
    assert.are.same({ date = "2014-08-16", charge = 75, source = { item = 1 } }, c.lines[1])
    assert.truthy(messages(c):find("productOrService exam of system http://hl7.org/fhir/ex%-serviceproduct is not CPT or HCPCS"))
  end)

  it("maps the institutional 960150 and 960151 claims: preAuthRef as the authorisation", function()
    local a, b = sample("r4_Claim-960150.json"), sample("r4_Claim-960151.json")
    if not (a and b) then return end
    local c = claims_of(a)[1]
    assert.are.same({ "960150", "hospital", { "654456" }, "2014-08-16", 125 },
      { c.id, c.setting, c.diagnoses, c.lines[1].date, c.lines[1].charge })
    c = claims_of(b)[1]
    assert.are.same({ "960151", "hospital", "PA2014G56473", { "654456" }, "2014-08-16" },
      { c.id, c.setting, c.authorization, c.diagnoses, c.lines[1].date })
    assert.is_nil(c.provider)   -- its provider identifier is not an NPI
  end)

  it("reads the oral claim 100150 but names its claim type and item code as input problems", function()
    local text = sample("r4_Claim-100150.json")
    if not text then return end
    local c = claims_of(text)[1]
    assert.is_nil(c.setting)
    assert.truthy(messages(c):find("Claim.type 'oral' is not professional or institutional", 1, true))
    assert.truthy(messages(c):find("productOrService 1200 of system nil is not CPT or HCPCS", 1, true))
    local rc = assert(radcode.open())
    local result = rc:check(c)
    assert.is_false(result.ok)
    assert.truthy(H.find(result, "input", 1), "the item is an input finding on line 1")
    rc:close()
  end)

  it("refuses the ExplanationOfBenefit example clearly", function()
    local text = sample("r4_ExplanationOfBenefit-EB3500.json")
    if not text then return end
    local claims, err = radcode.claims(text)
    assert.is_nil(claims)
    assert.truthy(err:find("^fhir: resourceType ExplanationOfBenefit is not a Claim"), err)
    assert.truthy(err:find("adjudication", 1, true), err)
  end)
end)

describe("radcode.claims on radcode's FHIR example", function()
  it("reads the Bundle of one SBRT course (the Patient entry is skipped) and finds nothing to deny", function()
    local claims = claims_of(read(EXAMPLES .. "sbrt_lung_2025_fhir.json"))
    assert.are.equal(1, #claims)
    local c = claims[1]
    assert.are.same({ "C-2025-0301", "practitioner", "11", "medicare", "1234567893", "Patient/P-3003" },
      { c.id, c.setting, c.pos, c.payer, c.provider, c.patient })
    assert.are.same({ format = "fhir", id = "C-2025-0301", entry = 2 }, c.source)
    assert.are.equal(12, #c.lines)
    assert.are.same({ code = "77300", date = "2025-09-03", units = 2, dx = { 1 }, pos = "11", source = { item = 5 } },
      c.lines[5])
    local rc = assert(radcode.open())
    for _, f in ipairs(H.drop_coverage(rc:check(c).findings)) do assert.are.equal("info", f.severity, f.message) end
    rc:close()
  end)
end)

describe("the FHIR mapping", function()
  local function claim(fields)
    local res = { resourceType = "Claim", id = "F1", type = { coding = { { code = "professional" } } },
      patient = { reference = "Patient/9" }, insurer = { display = "Medicare" },
      diagnosis = { { sequence = 2, diagnosisCodeableConcept = { coding = { { system = "http://hl7.org/fhir/sid/icd-10-cm", code = "Z92.3" } } } },
                    { sequence = 1, diagnosisCodeableConcept = { coding = { { system = "http://hl7.org/fhir/sid/icd-10-cm", code = "C61" } } } } },
      item = { { sequence = 1, productOrService = { coding = { { system = "http://www.ama-assn.org/go/cpt", code = "77387" } } },
        modifier = { { coding = { { code = "26" } } } }, servicedPeriod = { start = "2026-03-02T08:00:00-05:00" },
        quantity = { value = 1 }, diagnosisSequence = { 2, 1 },
        locationCodeableConcept = { coding = { { code = "22" } } } } } }
    for k, v in pairs(fields or {}) do res[k] = v end
    return res
  end

  local function one(res) return claims_of(radcode.json.encode(res))[1] end

  it("orders diagnoses by sequence and turns diagnosisSequence into positions; modifiers, period start, quantity", function()
    local c = one(claim())
    assert.are.same({ "C61", "Z92.3" }, c.diagnoses)
    assert.are.same({ code = "77387", modifiers = { "26" }, date = "2026-03-02", units = 1, dx = { 2, 1 }, pos = "22",
      source = { item = 1 } }, c.lines[1])
    assert.are.same({ "practitioner", "22", "medicare" }, { c.setting, c.pos, c.payer })
  end)

  it("accepts the CMS HCPCS system and reads an institutional item's revenue code", function()
    local c = one(claim({ type = { coding = { { code = "institutional" } } }, item = { {
      sequence = 1, productOrService = { coding = { { system = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", code = "G6015" } } },
      revenue = { coding = { { code = "0333" } } }, servicedDate = "2025-03-03" } } }))
    assert.are.same({ "hospital", "G6015", "0333" }, { c.setting, c.lines[1].code, c.lines[1].revenue })
    assert.is_nil(c.pos)
  end)

  it("names a diagnosis of another system, a pointer to a missing diagnosis and an item at another place", function()
    local c = one(claim({ diagnosis = { { sequence = 1, diagnosisCodeableConcept = { coding = { { system = "http://snomed.info/sct", code = "254900004" } } } } },
      item = { { sequence = 1, productOrService = { coding = { { system = "http://www.ama-assn.org/go/cpt", code = "77263" } } },
        servicedDate = "2026-03-02", diagnosisSequence = { 3 }, locationCodeableConcept = { coding = { { code = "11" } } } },
        { sequence = 2, productOrService = { coding = { { system = "http://www.ama-assn.org/go/cpt", code = "77280" } } },
        servicedDate = "2026-03-02", locationCodeableConcept = { coding = { { code = "22" } } } } } }))
    local all = messages(c)
    assert.truthy(all:find("diagnosis 1 is of system http://snomed.info/sct, not ICD-10-CM", 1, true), all)
    assert.truthy(all:find("item 1 points at diagnosis 3", 1, true), all)
    assert.truthy(all:find("item 2 has place of service 22, the claim 11", 1, true), all)
  end)

  it("reads every Claim of a Bundle and refuses a Bundle without one, other resources and broken JSON", function()
    local bundle = { resourceType = "Bundle", type = "collection", entry = {
      { resource = claim({ id = "A" }) }, { resource = { resourceType = "Patient", id = "9" } }, { resource = claim({ id = "B" }) } } }
    local claims = claims_of(radcode.json.encode(bundle))
    assert.are.same({ "A", "B", 1, 3 }, { claims[1].id, claims[2].id, claims[1].source.entry, claims[2].source.entry })
    local _, err = radcode.claims('{"resourceType": "Bundle", "entry": []}')
    assert.are.equal("fhir: the Bundle holds no Claim resource", err)
    _, err = radcode.claims('{"resourceType": "Patient"}')
    assert.truthy(err:find("^fhir: resourceType Patient is not a Claim"), err)
    _, err = radcode.claims('{"resourceType": "Claim", ')
    assert.truthy(err:find("^fhir: json: "), err)
    _, err = radcode.claims('[1, 2]', { format = "fhir" })
    assert.truthy(err:find("^fhir: "), err)
  end)
end)

describe("radcode.claims: formats and arguments", function()
  it("detects X12, FHIR, a JSON claim and JSON lines; --format overrides", function()
    local x12 = claims_of(read(EXAMPLES .. "prostate_imrt_2025_837p.edi"))
    assert.are.equal("x12", x12[1].source.format)
    assert.are.equal("fhir", claims_of(read(EXAMPLES .. "sbrt_lung_2025_fhir.json"))[1].source.format)
    local one = claims_of(read(EXAMPLES .. "sbrt_lung.json"))
    assert.are.same({ 1, "json", "C-2025-0301" }, { #one, one[1].source.format, one[1].id })
    local batch = claims_of(read(EXAMPLES .. "batch.jsonl"))
    assert.are.equal("jsonl", batch[1].source.format)
    local broken
    for _, c in ipairs(batch) do
      if c.problems then broken = c end
    end
    assert.truthy(broken and broken.problems[1].message:find("^json lines: line %d+: json: "))
    local _, err = radcode.claims(read(EXAMPLES .. "sbrt_lung.json"), { format = "x12" })
    assert.truthy(err:find("^x12: the text does not start with ISA"), err)
  end)

  it("refuses text that is no claim document, and raises on wrong argument types", function()
    local claims, err = radcode.claims("hello")
    assert.is_nil(claims)
    assert.truthy(err:find("not a claim document", 1, true))
    assert.has_error(function() radcode.claims(42) end)
    assert.has_error(function() radcode.claims("x", "x12") end)
    assert.has_error(function() radcode.claims("x", { format = "edi" }) end)
    assert.has_error(function() radcode.claims("x", { formats = "x12" }) end)
  end)
end)
