-- `radcode check FILE` on X12 837, FHIR and JSON lines (format detection,
-- --format, a report per claim with the file's line numbers, --json a
-- claim a line, exit codes) and `radcode claims FILE [--json]`.
local radcode = require "radcode"
local H = require "helper"

local EXAMPLES = H.root .. "/examples/"
local writer = dofile(H.root .. "/bench/x12.lua")

--- An 837P with one clean claim and one a 2025 Medicare professional
-- claim may not carry (77385 is status I: G6015/G6016).
local function mixed_file(dir)
  local path = dir .. "/mixed.837"
  H.write(path, writer.write({
    { id = "GOOD-1", patient = "P1", payer = "medicare", pos = "11", diagnoses = { "C61" },
      lines = { { code = "77263", date = "2025-03-03", dx = { 1 } } } },
    { id = "BAD-2", patient = "P2", payer = "medicare", pos = "11", diagnoses = { "C61" },
      lines = { { code = "77263", date = "2025-03-03", dx = { 1 } }, { code = "77385", date = "2025-03-10", dx = { 1 } } } },
  }, { nl = "\n" }))
  return path
end

describe("radcode check FILE with X12, FHIR and JSON lines", function()
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() H.remove_tree(dir) end)

  it("checks every claim of an 837 file: a report per claim, lines named by LX and segment, a summary, exit 1 on a denial", function()
    local out, err, code = H.radcode({ "check", mixed_file(dir) })
    assert.are.equal(1, code, err)
    assert.truthy(out:find("claim GOOD-1  payer medicare  setting practitioner  patient P1  [x12 ISA 000000001, ST 0001, CLM at segment 13]", 1, true), out)
    assert.truthy(out:find("claim BAD-2", 1, true), out)
    assert.truthy(out:find("line 2  77385  2025-03-10  x1  [LX 2, segment 27]\n  DENY", 1, true), out)
    assert.truthy(out:find("claims    2 checked", 1, true), out)
    assert.truthy(out:find("lines     3", 1, true), out)
    assert.truthy(out:find("denied    1 claim\n", 1, true), out)
  end)

  it("prints one JSON object a claim with --json", function()
    local out, _, code = H.radcode({ "check", mixed_file(dir), "--json" })
    assert.are.equal(1, code)
    local rows = {}
    for line in out:gmatch("[^\n]+") do rows[#rows + 1] = assert(radcode.json.decode(line)) end
    assert.are.equal(3, #rows)
    assert.are.same({ 1, "GOOD-1", true, "x12" }, { rows[1].claim, rows[1].id, rows[1].ok, rows[1].source.format })
    assert.are.same({ 2, "BAD-2", false, 22 }, { rows[2].claim, rows[2].id, rows[2].ok, rows[2].source.segment })
    assert.are.same({ 2, 3, 1 }, { rows[3].summary.claims, rows[3].summary.lines, rows[3].summary.denied })
  end)

  it("checks the examples: each 837 and the FHIR Bundle has no denial (exit 0)", function()
    for _, name in ipairs({ "prostate_imrt_2025_837p.edi", "physician_2026_pos22_837p.edi",
                            "breast_2026_hospital_837i.edi", "sbrt_lung_2025_fhir.json" }) do
      local out, err, code = H.radcode({ "check", EXAMPLES .. name })
      assert.are.equal(0, code, name .. ": " .. err .. out)
      assert.truthy(out:find("denied    0 claims", 1, true), name)
    end
    local out = H.radcode({ "check", EXAMPLES .. "physician_2026_pos22_837p.edi" })
    assert.truthy(out:find("claim P-2026-0201", 1, true) and out:find("claim P-2026-0202", 1, true), out)
  end)

  it("checks a JSON lines file claim by claim without --batch, naming the file's line", function()
    local out, _, code = H.radcode({ "check", EXAMPLES .. "batch.jsonl" })
    assert.are.equal(1, code)
    assert.truthy(out:find("claim C-2025-0001", 1, true), out)
    assert.truthy(out:find("[line 1]", 1, true), out)
    assert.truthy(out:find("json lines: line %d+: json: "), out)
  end)

  it("--format overrides detection; a wrong format or an unreadable file exits 2 with one line", function()
    local out, err, code = H.radcode({ "check", EXAMPLES .. "prostate_imrt_2025_837p.edi", "--format", "fhir" })
    assert.are.equal(2, code)
    assert.are.equal("", out)
    assert.truthy(err:match("^radcode: .*prostate_imrt_2025_837p.edi: fhir: json: [^\n]*\n$"), err)
    _, err, code = H.radcode({ "check", EXAMPLES .. "sbrt_lung.json", "--format", "edi" })
    assert.are.equal(2, code)
    assert.are.equal("radcode: --format must be x12, fhir or json, got 'edi'\n", err)
    local broken = dir .. "/broken.837"
    H.write(broken, (mixed_file(dir) and io.open(dir .. "/mixed.837"):read("a")):gsub("SE%*%d+", "SE*2"))
    _, err, code = H.radcode({ "check", broken })
    assert.are.equal(2, code)
    assert.truthy(err:match("^radcode: .*broken.837: x12: SE01 says 2, but %d+ segments were counted at segment %d+\n$"), err)
    _, err, code = H.radcode({ "check", "--batch", EXAMPLES .. "batch.jsonl", "--format", "x12" })
    assert.are.equal(2, code)
    assert.are.equal("radcode: --format goes with a FILE, not --batch\n", err)
  end)

  it("prints only the summary with --quiet, and records the claims nothing denies with --record", function()
    local history = dir .. "/h.db"
    local out, _, code = H.radcode({ "check", mixed_file(dir), "--quiet", "--history", history, "--record" })
    assert.are.equal(1, code)
    assert.is_nil(out:find("claim GOOD-1", 1, true), out)
    assert.truthy(out:find("^claims    2 checked\n"), out)
    local rc = assert(radcode.open({ history = history }))
    local again, err = rc:record({ id = "GOOD-1", patient = "P1", lines = { { code = "77263", date = "2025-03-03" } } })
    assert.is_nil(again)
    assert.truthy(err:find("already recorded", 1, true), err)
    rc:close()
  end)

  it("a JSON claim file is reported as before: one claim, no summary", function()
    local out, _, code = H.radcode({ "check", EXAMPLES .. "prostate_imrt_2025.json" })
    assert.are.equal(0, code)
    assert.are.equal("claim C-2025-0001  payer medicare  setting practitioner  patient P-1001  course P-1001/prostate-1\n",
      out:match("^[^\n]*\n"))
    -- the report of one claim ends with its own findings line, not a file's summary
    assert.matches("\n%d+ findings?: [^\n]*claim\n$", out)
    assert.is_nil(out:find("claims checked", 1, true))
    assert.is_nil(out:find("denied    ", 1, true))
  end)
end)

-- issue 17, point 15: a key given twice is an input finding; a byte order
-- mark before a document or a JSON line is fine.
describe("radcode check and claims on JSON with duplicate keys or a BOM", function()
  local CLAIM = [[{"id": "D-1", "setting": "practitioner", "pos": "11", "patient": "P-1", "course": "P-1/1",
    "diagnoses": ["C61"], "lines": [{"code": "77263", "date": "2024-05-06", "units": 1, "dx": [1]}]}]]
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() H.remove_tree(dir) end)

  local function dup_finding(result)
    for _, f in ipairs(result.findings) do
      if f.edit == "input" and f.message:find("duplicate key 'units'", 1, true) then return f end
    end
  end

  it("denies a claim that gives a key twice, in a file, a batch and radcode.claims", function()
    local text = CLAIM:gsub('"units": 1', '"units": 12, "units": 1'):gsub("\n", " ")
    H.write(dir .. "/dup.json", text)
    local out, err, code = H.radcode({ "check", dir .. "/dup.json", "--json" })
    assert.are.equal(1, code, err)
    local f = dup_finding(assert(radcode.json.decode(out)))
    assert.truthy(f)
    assert.are.equal("deny", f.severity)
    assert.matches("the last value is kept", f.message)
    H.write(dir .. "/dup.jsonl", CLAIM:gsub("\n", " ") .. "\n" .. text .. "\n")
    out, err, code = H.radcode({ "check", "--batch", dir .. "/dup.jsonl" })
    assert.are.equal(1, code, err)
    assert.matches("\nline 2 D%-1: 1 deny\n", "\n" .. out)
    assert.is_nil(out:find("line 1 ", 1, true))
    local list = assert(radcode.claims(CLAIM:gsub("\n", " ") .. "\n" .. text .. "\n"))
    assert.is_nil(list[1].problems)
    assert.matches("^json: duplicate key 'units'", list[2].problems[1].message)
    assert.truthy(dup_finding(assert(radcode.open()):check(list[2])))
    local bundle = assert(H.read(EXAMPLES .. "sbrt_lung_2025_fhir.json"))
      :gsub('"resourceType"%s*:%s*"Bundle"', '"resourceType": "Bundle", "type": "x", "type": "collection"', 1)
    local fhir = assert(radcode.claims(bundle))
    assert.matches("^json: duplicate key 'type'", fhir[1].problems[#fhir[1].problems].message)
  end)

  it("accepts a byte order mark before a claim file and before each JSON line", function()
    local bom = "\239\187\191"
    H.write(dir .. "/bom.json", bom .. CLAIM)
    local out, err, code = H.radcode({ "check", dir .. "/bom.json" })
    assert.are.equal(0, code, err)
    assert.matches("\nclean\n$", out)
    local one = CLAIM:gsub("\n", " ")
    H.write(dir .. "/bom.jsonl", bom .. one .. "\n" .. bom .. one:gsub("D%-1", "D-2") .. "\n")
    out, err, code = H.radcode({ "check", "--batch", dir .. "/bom.jsonl" })
    assert.are.equal(0, code, err)
    assert.matches("^claims    2 checked\n", out)
    out, err, code = H.radcode({ "claims", dir .. "/bom.jsonl", "--json" })
    assert.are.equal(0, code, err)
    local list = assert(radcode.json.decode(out))
    assert.are.same({ "D-1", "D-2" }, { list[1].id, list[2].id })
    assert.is_nil(list[2].problems)
  end)
end)

describe("examples/ in X12 and FHIR", function()
  it("finds in each file what examples/README.md says, over all its claims", function()
    local rc = assert(radcode.open())
    local f = assert(io.open(EXAMPLES .. "README.md"))
    local seen = 0
    for line in f:lines() do
      local name, finds = line:match("^| `([^`]+%.edi)` |.*| ([^|]+) |$")
      if not name then name, finds = line:match("^| `([^`]+%.json)` %(FHIR%) |.*| ([^|]+) |$") end
      if name then
        seen = seen + 1
        local counts = { deny = 0, review = 0, warn = 0, info = 0 }
        for _, claim in ipairs(assert(radcode.claims(assert(io.open(EXAMPLES .. name)):read("a")))) do
          for _, x in ipairs(rc:check(claim).findings) do counts[x.severity] = counts[x.severity] + 1 end
        end
        local want = { deny = 0, review = 0, warn = 0, info = 0 }
        for n, severity in finds:gmatch("(%d+) (%a+)") do want[severity] = tonumber(n) end
        assert.are.same(want, counts, name)
      end
    end
    f:close()
    rc:close()
    assert.are.equal(4, seen)
  end)
end)

describe("radcode claims FILE", function()
  it("prints each claim as read: type of bill, revenue codes, where each line was", function()
    local out, err, code = H.radcode({ "claims", EXAMPLES .. "breast_2026_hospital_837i.edi" })
    assert.are.equal(0, code, err)
    assert.truthy(out:find("claim 1: H-2026-0101  setting hospital  bill_type 131  patient 2FH5UF6NL84  payer medicare  provider 1457390808\n", 1, true), out)
    assert.truthy(out:find("  line 6  77412  2026-02-09  x1  revenue 0333  [LX 6, segment 41]\n", 1, true), out)
  end)

  it("prints modifiers, pointers and the problems of a claim", function()
    local dir = H.tmpdir()
    local path = dir .. "/c.837"
    H.write(path, writer.write({ { id = "M1", payer = "medicare", pos = "22", diagnoses = { "C61", "Z92.3" },
      lines = { { code = "77387", modifiers = { "26" }, date = "2026-03-02", dx = { 1, 2 } } } } }):gsub("ABK:C61", "BK:185"))
    local out, _, code = H.radcode({ "claims", path })
    assert.are.equal(0, code)
    assert.truthy(out:find("  line 1  77387-26  2026-03-02  x1  dx 1,2  [LX 1, segment 15]", 1, true), out)
    assert.truthy(out:find("  DENY    x12: diagnosis qualifier BK is ICD-9, but the claim has services from 2026-03-02 (ICD-10-CM since 2015-10-01) (segment 14)", 1, true), out)
    H.remove_tree(dir)
  end)

  it("prints the claims as JSON with --json, and exits 2 on a file it cannot read", function()
    local out, _, code = H.radcode({ "claims", EXAMPLES .. "sbrt_lung_2025_fhir.json", "--json" })
    assert.are.equal(0, code)
    local claims = assert(radcode.json.decode(out))
    assert.are.same({ 1, "C-2025-0301", 12, "77373" }, { #claims, claims[1].id, #claims[1].lines, claims[1].lines[7].code })
    local _, err, code2 = H.radcode({ "claims", H.root .. "/README.md" })
    assert.are.equal(2, code2)
    assert.truthy(err:find("not a claim document", 1, true), err)
  end)
end)

describe("claim fields the readers set, from any caller", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  local function claim(extra)
    local c = { id = "K", patient = "P", payer = "medicare", setting = "practitioner", pos = "11", diagnoses = { "C61" },
      lines = { { code = "77263", date = "2025-03-03", units = 1, dx = { 1 }, source = { lx = 1 }, pos = "11" } } }
    for k, v in pairs(extra or {}) do c[k] = v end
    return c
  end

  it("accepts provider, bill_type, source and the lines' source and pos as known fields", function()
    local result = rc:check(claim({ provider = "1234567893", bill_type = "131", source = { format = "x12" } }))
    for _, f in ipairs(result.findings) do assert.is_falsy(f.message:find("unknown field"), f.message) end
  end)

  it("turns claim.problems into input findings with their severity and line", function()
    local result = rc:check(claim({ problems = {
      { message = "x12: something on line 1", fix = "fix it", severity = "review", line = 1 },
      { message = "x12: something on the claim" } } }))
    local one, whole = H.find(result, "input", 1), nil
    for _, f in ipairs(result.findings) do
      if f.message == "x12: something on the claim" then whole = f end
    end
    assert.are.same({ "review", "x12: something on line 1", "fix it" }, { one.severity, one.message, one.fix })
    assert.are.same({ "deny", "input" }, { whole.severity, whole.edit })
    assert.is_false(result.ok)
    local bad = rc:check(claim({ problems = "oops" }))
    local f = H.find(bad, "input", 0)
    assert.truthy(f and f.message:find("claim.problems must be a list, got string", 1, true))
  end)
end)
