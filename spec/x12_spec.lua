-- radcode.claims on X12 837P (005010X222A1) and 837I (005010X223A2): the
-- real implementation-guide samples of the stupidedi project (BSD-3-Clause,
-- kept outside the project in ../shared/claims/x12; pending when absent),
-- read claim by claim, line by line; radcode's own radiation oncology
-- examples; the envelope rules (ISA, counts, control numbers); hostile
-- input (truncated files, wrong counts, segments out of order, other
-- separators, 10,000 claims, 450 lines); the revenue code edit.
local radcode = require "radcode"
local H = require "helper"

local writer = dofile(H.root .. "/bench/x12.lua")
local SAMPLES = H.root .. "/../shared/claims/x12/"
local EXAMPLES = H.root .. "/examples/"

local function read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

--- A stupidedi sample's text, or pending when ../shared/claims is absent.
local function sample(name)
  local text = read(SAMPLES .. name)
  if not text then pending("../shared/claims/x12/" .. name .. " is not here") end
  return text
end

--- What the specs compare of a claim: everything a reader sets.
local function shape(claim)
  local lines = {}
  for i, l in ipairs(claim.lines) do
    lines[i] = { code = l.code, modifiers = l.modifiers, units = l.units, date = l.date, dx = l.dx,
      revenue = l.revenue, charge = l.charge, lx = l.source.lx }
  end
  return { id = claim.id, setting = claim.setting, pos = claim.pos, bill_type = claim.bill_type,
    patient = claim.patient, payer = claim.payer, provider = claim.provider, diagnoses = claim.diagnoses,
    lines = lines }
end

--- A small 837 around claim segments (837P unless version says so), with
-- true counts: the segments between HL 22 and SE.
local function x12(segments, opts)
  opts = opts or {}
  local version = opts.version or "005010X222A1"
  local st = { "ST*837*0001*" .. version, "BHT*0019*00*1*20260101*1200*CH", "HL*1**20*1",
    "NM1*85*2*CENTER*****XX*1234567893", "HL*2*1*22*0", "SBR*P*18*******" .. (opts.filing or "MB"),
    "NM1*IL*1*DOE*JOHN****MI*M123", "NM1*PR*2*MEDICARE*****PI*04412" }
  for _, s in ipairs(segments) do st[#st + 1] = s end
  st[#st + 1] = ("SE*%d*0001"):format(#st + 1 + (opts.se_off or 0))
  local isa = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *260101*1200*^*00501*000000007*0*T*:"
  return table.concat({ isa, "GS*HC*S*R*20260101*1200*7*X*" .. version, table.concat(st, "~"),
    "GE*1*7", "IEA*1*000000007" }, "~") .. "~"
end

local function claims_of(text)
  local claims, err = radcode.claims(text)
  assert(claims, err)
  return claims
end

describe("radcode.claims on the X12 837 samples of the implementation guides (stupidedi, BSD-3-Clause)", function()
  it("reads the 837P commercial claim: one claim, four lines, diagnosis pointers, the subscriber's member id", function()
    local text = sample("stupidedi_837P_X222A1_commercial-health-insurance.edi")
    if not text then return end
    local claims = claims_of(text)
    assert.are.equal(1, #claims)
    assert.are.same({ id = "26463774", setting = "practitioner", pos = "11", patient = "JS00111223333",
      payer = "999996666", provider = "9876543210", diagnoses = { "0340", "V7389" }, lines = {
        { code = "99213", units = 1, date = "2006-10-03", dx = { 1 }, charge = 40, lx = 1 },
        { code = "87070", units = 1, date = "2006-10-03", dx = { 1 }, charge = 15, lx = 2 },
        { code = "99214", units = 1, date = "2006-10-10", dx = { 2 }, charge = 35, lx = 3 },
        { code = "86663", units = 1, date = "2006-10-10", dx = { 2 }, charge = 10, lx = 4 },
      } }, shape(claims[1]))
    assert.are.same({ format = "x12", version = "005010X222A1", interchange = "000010216", group = "20213",
      transaction = "0021", segment = 29 }, claims[1].source)
    assert.are.same({ 32, 35, 38, 41 }, { claims[1].lines[1].source.segment, claims[1].lines[2].source.segment,
      claims[1].lines[3].source.segment, claims[1].lines[4].source.segment })
    assert.is_nil(claims[1].problems)   -- ICD-9 (BK/BF) is right for 2006 dates
  end)

  it("reads the 837P Medicare secondary claim: MB payer, the rendering NPI, modifier 25, two pointers; skips the other payer's loops", function()
    local text = sample("stupidedi_837P_X222A1_medicare-secondary-payer-COB.edi")
    if not text then return end
    local claims = claims_of(text)
    assert.are.equal(1, #claims)
    assert.are.same({ id = "101KEN6055", setting = "practitioner", pos = "11", patient = "102200221B1",
      payer = "medicare", provider = "9090909090", diagnoses = { "71516", "71906" }, lines = {
        { code = "99203", modifiers = { "25" }, units = 1, date = "2005-01-19", dx = { 1, 2 }, charge = 120, lx = 1 },
      } }, shape(claims[1]))
  end)

  it("reads the 837I claim: type of bill 141, revenue codes, statement dates, Medicare Part B", function()
    local text = sample("stupidedi_837I_X223A2_institutional-claim.edi")
    if not text then return end
    local claims = claims_of(text)
    assert.are.equal(1, #claims)
    assert.are.same({ id = "756048Q", setting = "hospital", bill_type = "141", patient = "030005074A",
      payer = "medicare", provider = "9876540809", diagnoses = { "3669", "4019", "79431" }, lines = {
        { code = "85025", revenue = "0305", units = 1, date = "1996-09-11", charge = 13.39, lx = 1 },
        { code = "93005", revenue = "0730", units = 3, date = "1996-09-11", charge = 76.54, lx = 2 },
      } }, shape(claims[1]))
    assert.are.equal(22, claims[1].source.segment)
    assert.are.equal("987654", claims[1].source.transaction)
  end)

  it("reads two 837I claims of one provider under two subscribers", function()
    local text = sample("stupidedi_837I_X223A2_two-claims-same-provider.edi")
    if not text then return end
    local claims = claims_of(text)
    assert.are.equal(2, #claims)
    assert.are.same({ id = "756048Q", setting = "hospital", bill_type = "131", patient = "030005074",
      payer = "99999", provider = "1234567890", diagnoses = { "3669", "4019", "79431" }, lines = {
        { code = "85025", revenue = "0305", units = 1, date = "2005-03-15", charge = 13.39, lx = 1 },
        { code = "93010", revenue = "0730", units = 3, date = "2005-03-15", charge = 76.56, lx = 2 },
      } }, shape(claims[1]))
    assert.are.same({ id = "756049Q", setting = "hospital", bill_type = "131", patient = "123405074",
      payer = "99999", provider = "1234567890", diagnoses = { "30000" }, lines = {
        { code = "85087", revenue = "0300", units = 1, date = "2005-04-01", charge = 50, lx = 1 },
      } }, shape(claims[2]))
    assert.are.equal(21, claims[1].source.segment)
    assert.are.equal(41, claims[2].source.segment)
  end)

  it("checks the samples: their 2005-2006 dates are before radcode's data, named line by line", function()
    local text = sample("stupidedi_837P_X222A1_commercial-health-insurance.edi")
    if not text then return end
    local rc = assert(radcode.open())
    local result = rc:check(claims_of(text)[1])
    for line = 1, 4 do
      local f = H.find(result, "input", line)
      assert.truthy(f and f.message:find("before 2015%-01%-01"), "line " .. line)
    end
    rc:close()
  end)
end)

describe("radcode.claims on radcode's X12 examples", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  local function no_denial(claim)
    local result = rc:check(claim)
    for _, f in ipairs(H.drop_coverage(result.findings)) do   -- coverage: spec/vintage_spec.lua
      assert.are_not.equal("deny", f.severity, f.message)
      assert.are_not.equal("review", f.severity, f.message)
    end
  end

  it("reads the 2025 freestanding IMRT course (837P, POS 11) and finds nothing to deny", function()
    local claims = claims_of(read(EXAMPLES .. "prostate_imrt_2025_837p.edi"))
    assert.are.equal(1, #claims)
    local c = claims[1]
    assert.are.same({ "C-2025-0001", "practitioner", "11", "medicare", "1245319599", "1EG4TE5MK73" },
      { c.id, c.setting, c.pos, c.payer, c.provider, c.patient })
    assert.are.equal(17, #c.lines)
    assert.are.same({ code = "77300", units = 4, date = "2025-03-05", dx = { 1 }, charge = 110, lx = 4 }, shape(c).lines[4])
    assert.are.same({ "C61" }, c.diagnoses)
    no_denial(c)
  end)

  it("reads the hospital-based physician's 2026 claims (837P, POS 22): two CLMs under one subscriber, 26 modifiers", function()
    local claims = claims_of(read(EXAMPLES .. "physician_2026_pos22_837p.edi"))
    assert.are.equal(2, #claims)
    assert.are.same({ "P-2026-0201", "P-2026-0202" }, { claims[1].id, claims[2].id })
    for _, c in ipairs(claims) do
      assert.are.same({ "practitioner", "22", "1234567893", "2FH5UF6NL84" }, { c.setting, c.pos, c.provider, c.patient })
      no_denial(c)
    end
    assert.are.same({ "26" }, claims[1].lines[2].modifiers)
    assert.are.same({ 6, 6 }, { #claims[1].lines, #claims[2].lines })
    assert.are.same({ "77387", "2026-02-13", { "26" } }, { claims[2].lines[5].code, claims[2].lines[5].date,
      claims[2].lines[5].modifiers })
  end)

  it("reads the hospital's 2026 breast course (837I, type of bill 131, revenue 0333) and finds nothing to deny", function()
    local claims = claims_of(read(EXAMPLES .. "breast_2026_hospital_837i.edi"))
    assert.are.equal(1, #claims)
    local c = claims[1]
    assert.are.same({ "H-2026-0101", "hospital", "131", "medicare", "1457390808" },
      { c.id, c.setting, c.bill_type, c.payer, c.provider })
    assert.are.equal(16, #c.lines)
    for _, l in ipairs(c.lines) do assert.are.equal("0333", l.revenue) end
    assert.are.same({ "77412", "2026-02-09", 1 }, { c.lines[6].code, c.lines[6].date, c.lines[6].units })
    no_denial(c)
  end)

  it("reads several interchanges of one file, each with its own control number", function()
    local text = read(EXAMPLES .. "prostate_imrt_2025_837p.edi") .. "\r\n" .. read(EXAMPLES .. "breast_2026_hospital_837i.edi")
    local claims = claims_of(text)
    assert.are.equal(2, #claims)
    assert.are.same({ "000002501", "000002602" }, { claims[1].source.interchange, claims[2].source.interchange })
    assert.are.same({ "practitioner", "hospital" }, { claims[1].setting, claims[2].setting })
  end)
end)

describe("the X12 reader's claim rules", function()
  it("takes REF*G1 as the prior authorisation, the line's DTP*472 or the claim's, and RD8's first date", function()
    local c = claims_of(x12({ "CLM*A1*100***11:B:1*Y*A*Y*Y", "DTP*472*RD8*20250303-20250307", "REF*G1*AUTH-77",
      "HI*ABK:C61", "LX*1", "SV1*HC:77263*100*UN*1***1", "LX*2", "SV1*HC:77280*100*UN*1***1",
      "DTP*472*D8*20250304" }))[1]
    assert.are.equal("AUTH-77", c.authorization)
    assert.are.same({ "2025-03-03", "2025-03-04" }, { c.lines[1].date, c.lines[2].date })
  end)

  it("takes an 837I line's date from the statement dates (DTP*434) when it has none", function()
    local c = claims_of(x12({ "CLM*I1*100***13:A:1**A*Y*Y", "DTP*434*RD8*20260202-20260213", "HI*ABK:C50912",
      "LX*1", "SV2*0333*HC:77412*100*UN*1" }, { version = "005010X223A2", filing = "MA" }))[1]
    assert.are.same({ "hospital", "131", "2026-02-02", "0333" }, { c.setting, c.bill_type, c.lines[1].date, c.lines[1].revenue })
  end)

  it("names a patient's own member id (NM1*QC) over the subscriber's", function()
    local text = x12({ "HL*3*2*23*0", "PAT*19", "NM1*QC*1*DOE*JANE****MI*Q-9", "CLM*Q1*10***11:B:1", "HI*ABK:C61",
      "LX*1", "SV1*HC:77263*10*UN*1***1", "DTP*472*D8*20250303" })
    assert.are.equal("Q-9", claims_of(text)[1].patient)
  end)

  it("reads modifiers, units and pointers from SV1, and notes a line's own place of service", function()
    local c = claims_of(x12({ "CLM*M1*10***22:B:1", "HI*ABK:C61*ABF:Z923", "LX*1",
      "SV1*HC:77387:26:GC*10*UN*2*11**1:2", "DTP*472*D8*20260303" }))[1]
    assert.are.same({ "77387", { "26", "GC" }, 2, { 1, 2 }, "11" },
      { c.lines[1].code, c.lines[1].modifiers, c.lines[1].units, c.lines[1].dx, c.lines[1].pos })
    assert.are.same({ "C61", "Z923" }, c.diagnoses)
    assert.are.equal("info", c.problems[1].severity)
    assert.truthy(c.problems[1].message:find("place of service 11, the claim 22", 1, true))
  end)

  it("payer: Medicare by claim filing indicator MA/MB, else the payer id in lower case", function()
    local text = x12({ "CLM*P1*10***11:B:1", "LX*1", "SV1*HC:77263*10*UN*1", "DTP*472*D8*20250303" }, { filing = "CI" })
    assert.are.equal("04412", claims_of(text)[1].payer)
    text = x12({ "CLM*P1*10***11:B:1", "LX*1", "SV1*HC:77263*10*UN*1", "DTP*472*D8*20250303" }, { filing = "MB" })
    assert.are.equal("medicare", claims_of(text)[1].payer)
  end)

  it("ICD-9 qualifiers (BK, BF) for services from 2015-10-01 are an input denial; before, they are not", function()
    local rc = assert(radcode.open())
    local late = claims_of(x12({ "CLM*D1*10***11:B:1", "HI*BK:1850", "LX*1", "SV1*HC:77263*10*UN*1***1",
      "DTP*472*D8*20251001" }))[1]
    local result, f = rc:check(late), nil
    for _, x in ipairs(result.findings) do
      if x.message:find("qualifier BK is ICD%-9") then f = x end
    end
    assert.truthy(f, "no ICD-9 finding")
    assert.are.equal("input", f.edit)
    assert.are.equal("deny", f.severity)
    local early = claims_of(x12({ "CLM*D2*10***11:B:1", "HI*BK:1850", "LX*1", "SV1*HC:77263*10*UN*1***1",
      "DTP*472*D8*20150930" }))[1]
    assert.is_nil(early.problems)
    rc:close()
  end)

  it("a broken claim inside a good file gets input findings; the claims around it are read", function()
    local text = x12({ "CLM*OK1*10***11:B:1", "HI*ABK:C61", "LX*1", "SV1*HC:77263*10*UN*1***1", "DTP*472*D8*20250303",
      "CLM*BAD*10***11:B:1", "HI*ABK:C61", "SV1*HC:77280*10*UN*1***1", "LX*1", "SV1*ER:77280*10*UN*x***1",
      "DTP*472*D8*2025030", "LX*2",
      "CLM*OK2*10***11:B:1", "HI*ABK:C61", "LX*1", "SV1*HC:77290*10*UN*1***1", "DTP*472*D8*20250303" })
    local claims = claims_of(text)
    assert.are.same({ "OK1", "BAD", "OK2" }, { claims[1].id, claims[2].id, claims[3].id })
    assert.is_nil(claims[1].problems)
    assert.is_nil(claims[3].problems)
    local messages = {}
    for _, p in ipairs(claims[2].problems) do messages[#messages + 1] = p.message end
    local all = table.concat(messages, "\n")
    assert.truthy(all:find("SV1 without its own LX", 1, true), all)
    assert.truthy(all:find("qualifier 'ER' is not HC", 1, true), all)
    assert.truthy(all:find("LX 2 has no SV1", 1, true), all)
    local rc = assert(radcode.open())
    local result = rc:check(claims[2])
    assert.is_false(result.ok)
    assert.truthy(H.find(result, "input", 1), "the line's bad units and date are findings")
    assert.truthy(rc:check(claims[1]).ok)
    rc:close()
  end)

  it("skips an 837I line with a revenue code and no HCPCS code, saying so", function()
    local c = claims_of(x12({ "CLM*R1*10***13:A:1", "DTP*434*RD8*20260202-20260202", "HI*ABK:C61", "LX*1",
      "SV2*0250**10*UN*1", "LX*2", "SV2*0333*HC:77412*10*UN*1" }, { version = "005010X223A2" }))[1]
    assert.are.equal(1, #c.lines)
    assert.are.same({ "77412", 2 }, { c.lines[1].code, c.lines[1].source.lx })
    assert.truthy(c.problems[1].message:find("LX 1 (revenue code 0250) has no HCPCS code", 1, true))
  end)
end)

describe("the X12 envelope", function()
  local good = x12({ "CLM*E1*10***11:B:1", "HI*ABK:C61", "LX*1", "SV1*HC:77263*10*UN*1***1", "DTP*472*D8*20250303" })

  local function refused(text, pattern)
    local claims, err = radcode.claims(text, { format = "x12" })
    assert.is_nil(claims)
    assert.truthy(err:match("^x12: .* at segment %d+$"), err)
    if pattern then assert.truthy(err:find(pattern), err) end
    return err
  end

  it("reads the good file the other specs change", function()
    assert.are.equal(1, #claims_of(good))
  end)

  it("refuses an ISA that is not 106 characters", function()
    refused(good:gsub("SENDER         ", "SENDER", 1), "ISA is not 106 characters")
  end)

  it("refuses wrong counts: SE01, GE01, IEA01", function()
    refused(x12({ "CLM*E1*10***11:B:1", "LX*1", "SV1*HC:77263*10*UN*1", "DTP*472*D8*20250303" }, { se_off = 1 }),
      "SE01 says 14, but 13 segments were counted at segment 15")
    refused(good:gsub("GE%*1%*7", "GE*2*7"), "GE01 says 2, but 1 transactions were counted")
    refused(good:gsub("IEA%*1%*", "IEA*3*"), "IEA01 says 3, but 1 groups were counted")
  end)

  it("refuses control numbers that do not match: SE02, GE02, IEA02", function()
    refused(good:gsub("(SE%*%d+%*)0001", "%10002"), "SE02 '0002' does not match the control number '0001'")
    refused(good:gsub("GE%*1%*7", "GE*1*8"), "GE02 '8' does not match")
    refused(good:gsub("IEA%*1%*000000007", "IEA*1*000000008"), "IEA02 '000000008' does not match")
  end)

  it("refuses truncated files at every cut", function()
    local text = read(EXAMPLES .. "physician_2026_pos22_837p.edi"):gsub("%s+$", "")
    for cut = 1, #text - 1, 7 do refused(text:sub(1, cut)) end
    refused(text:sub(1, #text - 1), "no terminator")
    refused(text:gsub("GE%*1%*2601~%s*IEA%*1%*000002601~$", ""), "has no IEA")
  end)

  it("refuses segments out of order", function()
    refused(x12({ "LX*1", "SV1*HC:77263*10*UN*1", "CLM*E1*10***11:B:1" }), "LX before any CLM")
    refused(x12({ "SV1*HC:77263*10*UN*1", "CLM*E1*10***11:B:1" }), "SV1 before any CLM")
    refused(good:gsub("GE%*1%*7~", "CLM*E2*10***11:B:1~GE*1*7~"), "CLM outside a transaction")
    refused(good:gsub("LX%*1", "GE*1*7~LX*1"), "GE before the SE of transaction 0001")
    refused(good:gsub("^(ISA.-~)(GS.-~)", "%2%1"), "does not start with ISA")
    refused(good:gsub("GS%*HC", "ISA*00~GS*HC"), "ISA before the IEA")
    refused(good .. "CLM*X~", "CLM outside an interchange")
  end)

  it("refuses what is not an 837P or 837I, naming it", function()
    refused(good:gsub("ST%*837", "ST*835"), "transaction set 835 is not an 837 claim")
    refused(good:gsub("005010X222A1", "005010X224A2"), "version '005010X224A2' is not 837P")
    local _, err = radcode.claims("ISA*00")
    assert.truthy(err:find("ISA is not 106 characters"), err)
  end)

  it("takes its separators from the ISA: component < or ^, element |, segment terminator newline", function()
    local claims = { { id = "S1", patient = "P1", payer = "medicare", pos = "11", diagnoses = { "C61" }, lines = {
      { code = "77387", modifiers = { "26", "GC" }, date = "2026-03-02", units = 1, dx = { 1 } } } } }
    for _, o in ipairs({ { comp = "<" }, { comp = "^" }, { sep = "|", comp = "<" }, { term = "\n" }, { nl = "\r\n" } }) do
      local got = claims_of(writer.write(claims, o))
      assert.are.same({ "77387", { "26", "GC" }, { 1 }, "2026-03-02" },
        { got[1].lines[1].code, got[1].lines[1].modifiers, got[1].lines[1].dx, got[1].lines[1].date })
    end
  end)

  it("reads 10,000 claims in one file", function()
    local list = {}
    for i = 1, 10000 do
      list[i] = { id = "C" .. i, patient = "P" .. i % 97, payer = "medicare", diagnoses = { "C61" },
        lines = { { code = "77412", date = "2026-03-02", units = 1 } } }
    end
    local claims = claims_of(writer.write(list))
    assert.are.equal(10000, #claims)
    assert.are.same({ "C1", "C10000", "P9" }, { claims[1].id, claims[10000].id, claims[10000].patient })
  end)

  it("reads a 450-line claim whole; radcode checks it, and one more line is over the limit", function()
    local lines = {}
    for i = 1, 451 do lines[i] = { code = "77412", date = ("2026-%02d-%02d"):format(1 + (i - 1) // 28 % 12, 1 + (i - 1) % 28) } end
    local claim = { id = "BIG", patient = "P", payer = "medicare", diagnoses = { "C61" }, lines = lines }
    local got = claims_of(writer.write({ claim }))[1]
    assert.are.equal(451, #got.lines)
    assert.are.equal(451, got.lines[451].source.lx)
    local rc = assert(radcode.open())
    local over = H.find(rc:check(got), "input", 0)
    assert.truthy(over and over.message:find("451 lines, more than the limit of 450"))
    got.lines[451] = nil
    local result = rc:check(got)
    for _, f in ipairs(result.findings) do assert.is_falsy(f.message:find("more than the limit")) end
    rc:close()
  end)

  it("leaves the garbage collector running after a read, a refusal and an error", function()
    claims_of(good)
    assert.is_true(collectgarbage("isrunning"))
    radcode.claims("ISA*broken")
    assert.is_true(collectgarbage("isrunning"))
    assert.has_error(function() require("radcode.core").x12_claims({}) end)
    assert.is_true(collectgarbage("isrunning"))
  end)

  it("never raises on mangled bytes: every answer is claims or nil, x12: message", function()
    local base = read(EXAMPLES .. "breast_2026_hospital_837i.edi")
    local rc = assert(radcode.open())
    local seed = 12345
    local function rnd(n)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n + 1
    end
    for _ = 1, 400 do
      local bytes = { base:byte(1, -1) }
      for _ = 1, rnd(8) do bytes[rnd(#bytes)] = rnd(256) - 1 end
      local text = string.char(table.unpack(bytes)):sub(1, #bytes - rnd(4) + 1)
      local claims, err = radcode.claims(text, { format = "x12" })
      if claims then
        for _, c in ipairs(claims) do assert.is_table(rc:check(c)) end
      else
        assert.truthy(err:match("^x12: "), err)
      end
    end
    rc:close()
  end)
end)

describe("the revenue code of an institutional line", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  local function claim(revenue, code)
    return { id = "R", patient = "P", payer = "medicare", setting = "hospital", diagnoses = { "C50.912" },
      lines = { { code = code or "77412", date = "2026-02-09", units = 1, revenue = revenue, dx = { 1 } } } }
  end

  it("radiation therapy under a revenue code outside 033x is review, with its source", function()
    local f = H.find(rc:check(claim("0300")), "setting", 1)
    assert.truthy(f, "no finding")
    assert.are.equal("review", f.severity)
    assert.are.equal("revenue 77412 033x", f.rule)
    assert.truthy(f.source:find("Pub. 100-04", 1, true))
    assert.truthy(f.message:find("revenue code 0300", 1, true))
  end)

  it("033x, a code outside the radiation therapy families, or a professional claim: no finding", function()
    assert.is_nil(H.find(rc:check(claim("0333")), "setting", 1))
    assert.is_nil(H.find(rc:check(claim("0330")), "setting", 1))
    assert.is_nil(H.find(rc:check(claim("0350", "77014")), "setting", 1))
    local prof = claim("0300")
    prof.setting = "practitioner"
    assert.is_nil(H.find(rc:check(prof), "setting", 1))
  end)

  it("reads it from an 837I SV201", function()
    local c = claims_of(x12({ "CLM*R1*10***13:A:1", "DTP*434*RD8*20260209-20260209", "HI*ABK:C50912", "LX*1",
      "SV2*0320*HC:77412*10*UN*1" }, { version = "005010X223A2" }))[1]
    local f = H.find(rc:check(c), "setting", 1)
    assert.truthy(f and f.rule == "revenue 77412 033x")
  end)

  it("is decided by the rows of revenue_codes: a family's row removed, another family's row added", function()
    local dir = H.tmpdir()
    local path = H.new_db(dir)
    H.sql(path, "DELETE FROM revenue_codes WHERE family = 'delivery'")
    H.sql(path, "INSERT INTO revenue_codes VALUES ('guidance', '032', 'diagnostic radiology (032x)', '2015-01-01', NULL,"
      .. " 'CMS Medicare Claims Processing Manual (Pub. 100-04), chapter 4')")
    local own = assert(radcode.open { db = path })
    assert.is_nil(H.find(own:check(claim("0300")), "setting", 1))   -- 77412 (delivery) no longer listed
    local f = H.find(own:check(claim("0333", "77014")), "setting", 1)
    assert.truthy(f, "no finding for the added family")
    assert.are.equal("revenue 77014 032x", f.rule)
    assert.truthy(f.message:find("diagnostic radiology (032x)", 1, true), f.message)
    assert.is_nil(H.find(own:check(claim("0324", "77014")), "setting", 1))
    own:close()
    assert.truthy(H.find(rc:check(claim("0300")), "setting", 1))    -- the default data still lists delivery
    H.remove_tree(dir)
  end)

  it("lists its families with dates and the source in the rule row", function()
    local f = H.find(rc:check(claim("0300", "77301")), "setting", 1)
    assert.truthy(f and f.rule == "revenue 77301 033x")
    assert.truthy(f.source:find("NUBC UB-04 revenue codes 033x", 1, true), f.source)
    local old = claim("0300")
    old.lines[1].code, old.lines[1].date = "77412", "2014-06-02"  -- before the rows' valid_from
    assert.is_nil(H.find(rc:check(old), "setting", 1))
  end)

  it("a revenue code that is not four digits is an input finding; three digits get a leading zero", function()
    local f = H.find(rc:check(claim("33A")), "input", 1)
    assert.truthy(f and f.message:find("revenue code '33A' is not four digits", 1, true))
    assert.is_nil(H.find(rc:check(claim("333")), "setting", 1))
    assert.is_nil(H.find(rc:check(claim("333")), "input", 1))
  end)
end)

describe("core.x12_batches", function()
  local core = require "radcode.core"

  local function collect(text, n)
    local ids, sizes = {}, {}
    for list, err in core.x12_batches(text, n) do
      if not list then return ids, sizes, err end
      sizes[#sizes + 1] = #list
      for _, c in ipairs(list) do ids[#ids + 1] = c.id .. ":" .. #c.lines .. ":" .. c.source.segment end
    end
    return ids, sizes
  end

  it("gives the claims of x12_claims, n at a time, across HL levels and interchanges", function()
    local text = read(EXAMPLES .. "physician_2026_pos22_837p.edi") .. read(EXAMPLES .. "prostate_imrt_2025_837p.edi")
      .. read(EXAMPLES .. "breast_2026_hospital_837i.edi")
    local whole = {}
    for _, c in ipairs(claims_of(text)) do whole[#whole + 1] = c.id .. ":" .. #c.lines .. ":" .. c.source.segment end
    assert.are.equal(4, #whole)
    for _, n in ipairs({ 1, 2, 3, 256 }) do
      local ids = collect(text, n)
      assert.are.same(whole, ids, "n = " .. n)
    end
    local _, sizes = collect(text, 3)
    assert.are.same({ 3, 1 }, sizes)
  end)

  it("ends with false and the envelope's message after the whole batches before it, and leaves the collector running", function()
    local list = {}
    for i = 1, 10 do list[i] = { id = "C" .. i, lines = { { code = "77412", date = "2026-03-02" } } } end
    local text = writer.write(list):gsub("IEA%*1%*", "IEA*2*")
    local ids, sizes, err = collect(text, 4)
    assert.are.same({ 4, 4 }, sizes)   -- the batch that meets the broken trailer is not handed out
    assert.are.equal(8, #ids)
    assert.truthy(err and err:find("^x12: IEA01 says 2"), err)
    assert.is_true(collectgarbage("isrunning"))
    assert.has_error(function() core.x12_batches(text, 0) end)
    assert.has_error(function() core.x12_batches(nil, 1) end)
  end)
end)

describe("the article answers a check keeps (a file's lines repeat codes, dates, diagnoses)", function()
  local FIX = H.root .. "/spec/fixtures/lcd"

  local function article_rule(rc)
    local c = { setting = "hospital", diagnoses = { "C61" }, lines = { { code = "77412", date = "2026-02-02" } } }
    for _, f in ipairs(assert(rc:check(c)).findings) do
      if f.rule:match("^necessity") then return f.rule .. " " .. f.severity end
    end
    return "none"
  end

  it("are dropped when the articles change: another process's edit, the handle's own import", function()
    local dir = H.tmpdir()
    local path = H.new_db(dir)
    local rc = assert(radcode.open { db = path })
    assert(rc:import("lcd-articles", FIX))
    assert.are.equal("necessity article A58002 info", article_rule(rc))
    assert.are.equal("necessity article A58002 info", article_rule(rc))   -- asked again: the kept answer
    H.sql(path, "DELETE FROM lcd_article_dx WHERE article_id = '58002'")
    os.execute("sleep 0.05")   -- longer than the handle waits before asking whether the data changed
    assert.are_not.equal("necessity article A58002 info", article_rule(rc))
    assert(rc:import("lcd-articles", FIX))
    assert.are.equal("necessity article A58002 info", article_rule(rc))
    rc:close()
    H.remove_tree(dir)
  end)
end)
