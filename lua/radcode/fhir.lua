--- radcode.fhir: FHIR R4 `Claim` resources (alone or in a `Bundle`) as
-- radcode claim tables. The JSON is read by radcode's strict parser
-- (radcode.core.json_decode); this module maps the fields:
--   Claim.id -> id; type professional | institutional -> setting
--   (practitioner | hospital); patient -> patient; insurer -> payer (lower
--   case); provider.identifier (NPI system) -> provider; subType (CMS bill
--   type) -> bill_type; insurance.preAuthRef -> authorization;
--   diagnosis[].diagnosisCodeableConcept (ICD-10-CM) -> diagnoses, by
--   sequence; item[] -> lines: productOrService (CPT or HCPCS system) ->
--   code, modifier -> modifiers, servicedDate / servicedPeriod.start ->
--   date, quantity.value -> units, diagnosisSequence -> dx,
--   locationCodeableConcept -> pos, revenue -> revenue, net -> charge.
-- What cannot be read becomes one of claim.problems (an input finding).
local fhir = {}

local CODE_SYSTEMS = {
  ["http://www.ama-assn.org/go/cpt"] = "CPT",
  ["https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"] = "HCPCS",
  ["http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"] = "HCPCS",
  ["urn:oid:2.16.840.1.113883.6.285"] = "HCPCS",
}

local DX_SYSTEMS = {
  ["http://hl7.org/fhir/sid/icd-10-cm"] = true,
  ["http://hl7.org/fhir/sid/icd-10"] = true,
}

local SETTINGS = { professional = "practitioner", institutional = "hospital" }

local NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"

local function tbl(v) return type(v) == "table" and v or {} end
local function str(v) return type(v) == "string" and v or nil end

--- The first coding of a CodeableConcept.
local function coding(concept)
  return tbl(tbl(tbl(concept).coding)[1])
end

local function problem(claim, line, message, fix, severity)
  claim.problems = claim.problems or {}
  claim.problems[#claim.problems + 1] = { line = line, message = "fhir: " .. message, fix = fix,
    severity = severity or "deny" }
end

--- A Reference as text: its identifier's value, else the reference
-- (a contained "#id" without the #), else its display.
local function reference(ref)
  ref = tbl(ref)
  local id = str(tbl(ref.identifier).value)
  local r = str(ref.reference)
  return id or (r and r:gsub("^#", "")) or str(ref.display)
end

--- A date or the date part of a dateTime.
local function day(v)
  v = str(v)
  if v and v:match("^%d%d%d%d%-%d%d%-%d%dT") then return v:sub(1, 10) end
  return v
end

local function read_setting(claim, res)
  local c = coding(res.type)
  local code = str(c.code)
  claim.setting = SETTINGS[code]
  if not claim.setting then
    problem(claim, nil, ("Claim.type '%s' is not professional or institutional; radcode checks only those"):format(
      tostring(code)), "give Claim.type professional (837P) or institutional (837I)")
  end
end

--- Claim.diagnosis, in sequence order; returns sequence -> position.
local function read_diagnoses(claim, res)
  local list, positions = {}, {}
  for i, d in ipairs(tbl(res.diagnosis)) do list[#list + 1] = { seq = tonumber(tbl(d).sequence) or i, d = tbl(d) } end
  table.sort(list, function(a, b) return a.seq < b.seq end)
  claim.diagnoses = {}
  for _, e in ipairs(list) do
    local c = coding(e.d.diagnosisCodeableConcept)
    local system = str(c.system)
    if e.d.diagnosisCodeableConcept == nil then
      problem(claim, nil, ("diagnosis %d is not a diagnosisCodeableConcept; it was not read"):format(e.seq),
        "give the diagnosis as an ICD-10-CM code")
    elseif system and not DX_SYSTEMS[system] then
      problem(claim, nil, ("diagnosis %d is of system %s, not ICD-10-CM"):format(e.seq, system),
        "give diagnoses as ICD-10-CM codes (system http://hl7.org/fhir/sid/icd-10-cm)")
    end
    claim.diagnoses[#claim.diagnoses + 1] = str(c.code) or ""
    positions[e.seq] = #claim.diagnoses
  end
  return positions
end

--- The item's code: the first coding of the CPT or HCPCS system.
local function item_code(claim, n, item)
  local first
  for _, c in ipairs(tbl(tbl(item.productOrService).coding)) do
    c = tbl(c)
    if CODE_SYSTEMS[str(c.system) or ""] then return str(c.code) end
    first = first or c
  end
  problem(claim, n, ("item %s: productOrService %s of system %s is not CPT or HCPCS; the line was not read"):format(
    tostring(item.sequence), tostring(tbl(first).code), tostring(tbl(first).system)),
    "code the item with system http://www.ama-assn.org/go/cpt or the CMS HCPCS system")
end

local function item_modifiers(item)
  local mods = {}
  for _, m in ipairs(tbl(item.modifier)) do mods[#mods + 1] = coding(m).code end
  return #mods > 0 and mods or nil
end

local function item_dx(claim, n, item, positions)
  local dx = {}
  for _, s in ipairs(tbl(item.diagnosisSequence)) do
    local p = positions[s]
    if not p then
      problem(claim, n, ("item %s points at diagnosis %s, which the claim does not have"):format(
        tostring(item.sequence), tostring(s)), "point diagnosisSequence at a Claim.diagnosis sequence")
    end
    dx[#dx + 1] = p or s
  end
  return #dx > 0 and dx or nil
end

local function read_item(claim, n, item, positions)
  item = tbl(item)
  local line = {
    source = { item = item.sequence },
    code = item_code(claim, n, item),
    modifiers = item_modifiers(item),
    date = day(item.servicedDate) or day(tbl(item.servicedPeriod).start),
    units = tbl(item.quantity).value,
    dx = item_dx(claim, n, item, positions),
    pos = str(coding(item.locationCodeableConcept).code),
    revenue = str(coding(item.revenue).code),
    charge = tbl(item.net).value,
  }
  if line.pos and claim.setting ~= "hospital" then
    if claim.pos == nil then claim.pos = line.pos
    elseif claim.pos ~= line.pos then
      problem(claim, n, ("item %s has place of service %s, the claim %s; radcode checks the claim's"):format(
        tostring(item.sequence), line.pos, claim.pos), "send items of another place of service on their own claim", "info")
    end
  end
  return line
end

local function read_payer(claim, res)
  local payer = str(tbl(res.insurer).display) or reference(res.insurer)
  if payer then claim.payer = payer:lower():sub(1, 31) end
  local provider = tbl(tbl(res.provider).identifier)
  if provider.system == NPI_SYSTEM then claim.provider = str(provider.value) end
  for _, ins in ipairs(tbl(res.insurance)) do
    local auth = str(tbl(tbl(ins).preAuthRef)[1])
    if auth then claim.authorization = auth break end
  end
end

--- One Claim resource as a claim table.
function fhir.claim(res, source)
  local claim = { id = str(res.id), source = source }
  read_setting(claim, res)
  claim.patient = reference(res.patient)
  read_payer(claim, res)
  local bill = coding(res.subType)
  if claim.setting == "hospital" and str(bill.system) and bill.system:lower():find("billtype", 1, true) then
    claim.bill_type = str(bill.code)
  end
  local positions = read_diagnoses(claim, res)
  claim.lines = {}
  for n, item in ipairs(tbl(res.item)) do claim.lines[n] = read_item(claim, n, item, positions) end
  return claim
end

--- The claims of a decoded FHIR document, or nil, message.
function fhir.claims(doc)
  if type(doc) ~= "table" then return nil, "fhir: the document is not a JSON object" end
  local kind = str(doc.resourceType)
  if kind == "Claim" then return { fhir.claim(doc, { format = "fhir", id = str(doc.id) }) } end
  if kind ~= "Bundle" then
    return nil, ("fhir: resourceType %s is not a Claim; radcode reads Claim resources or a Bundle of them%s"):format(
      tostring(kind), kind == "ExplanationOfBenefit" and " (an ExplanationOfBenefit is the payer's adjudication, not a claim)" or "")
  end
  local claims = {}
  for i, entry in ipairs(tbl(doc.entry)) do
    local res = tbl(tbl(entry).resource)
    if res.resourceType == "Claim" then
      claims[#claims + 1] = fhir.claim(res, { format = "fhir", id = str(res.id), entry = i })
    end
  end
  if #claims == 0 then return nil, "fhir: the Bundle holds no Claim resource" end
  return claims
end

return fhir
