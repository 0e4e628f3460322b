-- rc:check_all(claims [, opts]): a list of claims checked with rc:check's
-- passes, counts only (no result table per claim); rc:check_json(texts
-- [, opts]), the same for claims given as JSON texts, which reads plain
-- claims without tables (counts equal to check_all of the decoded claims,
-- on every way a text can fail to be plain); and the command line's
-- summary-only paths that use it (radcode check FILE.837 --quiet,
-- radcode check --batch FILE --quiet): the same counts as rc:check claim
-- by claim, on the examples and on a generated mix with input problems,
-- diagnoses, modifiers, revenue codes and payer overlays.
local H = require "helper"
local radcode = require "radcode"

local EXAMPLES = H.root .. "/examples/"

--- The counts rc:check gives, claim by claim, in check_all's shape.
local function by_check(rc, claims, opts)
  local t = { claims = 0, lines = 0, denied = 0, findings = { deny = 0, review = 0, warn = 0, info = 0 }, errors = {} }
  for i, claim in ipairs(claims) do
    local result, err = rc:check(claim, opts)
    if result then
      t.claims = t.claims + 1
      t.lines = t.lines + (type(claim.lines) == "table" and #claim.lines or 0)
      for _, f in ipairs(result.findings) do t.findings[f.severity] = t.findings[f.severity] + 1 end
      if not result.ok then t.denied = t.denied + 1 end
    else
      t.errors[#t.errors + 1] = { claim = i, message = err }
    end
  end
  return t
end

--- Every example claim radcode can read: the JSON claims, the JSON lines,
-- the X12 and FHIR files.
local function example_claims()
  local claims = {}
  for _, name in ipairs({ "mistakes.json", "prostate_imrt_2025.json", "breast_2026_hospital.json",
                          "physician_2026_pos22.json", "sbrt_lung.json" }) do
    claims[#claims + 1] = assert(radcode.json.decode(H.read(EXAMPLES .. name)))
  end
  for line in H.read(EXAMPLES .. "batch.jsonl"):gmatch("[^\n]+") do
    local claim = radcode.json.decode(line)   -- the file has a broken line on purpose
    if type(claim) == "table" then claims[#claims + 1] = claim end
  end
  for _, name in ipairs({ "prostate_imrt_2025_837p.edi", "physician_2026_pos22_837p.edi",
                          "breast_2026_hospital_837i.edi", "sbrt_lung_2025_fhir.json" }) do
    for _, claim in ipairs(assert(radcode.claims(H.read(EXAMPLES .. name)))) do claims[#claims + 1] = claim end
  end
  return claims
end

local CODES = { "77263", "77290", "77301", "77300", "77338", "77385", "77386", "77412", "G6015", "G6002",
                "77427", "77336", "99213", "77014", "7738X", "", "77261" }
local MODS = { "26", "TC", "59", "XS", "25", "GZ", "ZZ" }
local REVENUE = { "0333", "0330", "0450", "333", "12" }

--- A deterministic mix of claims: bad codes, dates and units, diagnosis
-- pointers out of range, modifiers (some invalid), institutional lines
-- with revenue codes, claims without lines, several payers.
local function generated(n)
  local seed = 12345
  local function rnd(k)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % k + 1
  end
  local claims = {}
  for i = 1, n do
    local hospital = rnd(3) == 1
    local claim = {
      id = "G-" .. i, patient = "P-" .. rnd(40), course = "P-x/c-" .. rnd(5),
      payer = ({ "medicare", "bluecross_example", "aetna" })[rnd(3)],
      setting = hospital and "hospital" or "practitioner", pos = ({ "11", "22", "19", "99" })[rnd(4)],
      diagnoses = ({ { "C61" }, { "C50.912", "Z51.0" }, {}, { "C34.11", "BAD" } })[rnd(4)],
      lines = {},
    }
    local nlines = rnd(12) - 1
    if i % 50 == 0 then nlines = 40 end   -- past the inline storage of a check
    for k = 1, nlines do
      local line = { code = CODES[rnd(#CODES)], date = ("2025-06-%02d"):format(rnd(20)), units = rnd(4),
                     dx = { rnd(3) } }
      if rnd(10) == 1 then line.date = "06/05/2025" end
      if rnd(12) == 1 then line.units = 0 end
      if rnd(3) == 1 then line.modifiers = { MODS[rnd(#MODS)] } end
      if hospital then line.revenue = REVENUE[rnd(#REVENUE)] end
      claim.lines[k] = line
    end
    if i % 37 == 0 then claim.lines = nil end
    claims[i] = claim
  end
  return claims
end

describe("rc:check_all", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  it("counts what rc:check finds, claim by claim, on the example claims", function()
    local claims = example_claims()
    assert.is_true(#claims >= 10)
    local got = rc:check_all(claims)
    assert.same(by_check(rc, claims), got)
    assert.is_true(got.findings.deny > 0 and got.denied > 0)
  end)

  it("counts what rc:check finds on a generated mix with input problems, modifiers and revenue codes", function()
    local claims = generated(300)
    local got = rc:check_all(claims)
    assert.same(by_check(rc, claims), got)
    assert.equal(300, got.claims)
    assert.is_true(got.findings.deny > 0 and got.findings.review > 0 and got.findings.info > 0)
  end)

  it("checks as the payer given, with its overlay loaded, as rc:check does", function()
    assert(rc:load_payer("bluecross_example"))
    local claims = generated(120)
    assert.same(by_check(rc, claims), rc:check_all(claims))
    local as_payer = rc:check_all(claims, { payer = "bluecross_example" })
    assert.same(by_check(rc, claims, { payer = "bluecross_example" }), as_payer)
    assert.are_not.same(rc:check_all(claims, { payer = "medicare" }), as_payer)
  end)

  -- check_all writes no finding texts (rule, message, fix) when only counts
  -- leave it, but an overlay's rules read them: with one, they are written.
  it("gives an overlay's rules the findings' texts, as rc:check does", function()
    assert.are.equal("by_text", rc:load_payer([[return { name = "by_text", inherits = "medicare", rules = {
      { id = "column-2-by-text", check = function(claim, findings, out)
          for _, f in ipairs(findings) do
            if f.severity == "deny" and f.message:find("(column 2)", 1, true) and f.rule:find("^PTP ") then
              out.downgrade(f, "info", "read from the finding's texts")
            end
          end
        end } } }]]))
    local claims = generated(200)
    local national = rc:check_all(claims, { payer = "medicare" })
    local got = rc:check_all(claims, { payer = "by_text" })
    assert.same(by_check(rc, claims, { payer = "by_text" }), got)
    assert.is_true(got.findings.deny < national.findings.deny)
    assert.is_true(got.findings.info > national.findings.info)
  end)

  -- check_all first loads the rules of the codes its claims name, in code
  -- order (at most 8,192 lines' codes): the counts stay rc:check's.
  it("counts what rc:check finds on a list naming more lines than it loads ahead, codes of every shape", function()
    local shapes = { "77301", " 77300 ", "g6015", "7738X", "", "ABCDEFG", 77427, true }
    local claims = generated(1700)
    for i, claim in ipairs(claims) do
      for k, line in ipairs(claim.lines or {}) do
        if (i + k) % 7 == 0 then line.code = shapes[1 + (i + k) % #shapes] end
      end
      if i % 101 == 0 then claim.lines = setmetatable({}, { __index = function() return { code = "77301" } end }) end
    end
    local lines = 0
    for _, claim in ipairs(claims) do lines = lines + #(claim.lines or {}) end
    assert.is_true(lines > 8192)
    local fresh = assert(radcode.open())
    local got = fresh:check_all(claims)
    fresh:close()
    assert.same(by_check(rc, claims), got)
  end)

  it("gives zeros for an empty list and raises on claims that are not tables", function()
    assert.same({ claims = 0, lines = 0, denied = 0, findings = { deny = 0, review = 0, warn = 0, info = 0 },
                  errors = {} }, rc:check_all({}))
    assert.has_error(function() rc:check_all({ {}, "claim" }) end)
    assert.has_error(function() rc:check_all("claims") end)
    assert.has_error(function() rc:check_all({}, { page = 1 }) end)
  end)

  it("leaves the handle usable for rc:check after a list", function()
    local claims = generated(20)
    rc:check_all(claims)
    assert.same(by_check(rc, claims), rc:check_all(claims))
  end)
end)

--- Calls f with radcode.claims' JSON reader counting its calls: check_json
-- calls it for each text it does not read itself. Returns that count.
local function decoded_by_lua(f)
  local claims = package.loaded["radcode.claims"]
  local reader, calls = claims.json_claim, 0
  claims.json_claim = function(text)
    calls = calls + 1
    return reader(text)
  end
  local ok, err = pcall(f)
  claims.json_claim = reader
  assert(ok, err)
  return calls
end

--- check_all's counts of the texts' decoded claims, texts that are not a
-- claim in errors with the reader's message (what check_json must give).
local function by_decoding(rc, texts, opts)
  local claims, index, errors = {}, {}, {}
  for i, text in ipairs(texts) do
    local claim, err = require("radcode.claims").json_claim(text)
    if claim then
      claims[#claims + 1], index[#claims + 1] = claim, i
    else
      errors[#errors + 1] = { claim = i, message = err }
    end
  end
  local t = rc:check_all(claims, opts)
  for _, e in ipairs(t.errors) do errors[#errors + 1] = { claim = index[e.claim], message = e.message } end
  table.sort(errors, function(a, b) return a.claim < b.claim end)
  t.errors = errors
  return t
end

local function encoded(claims)
  local texts = {}
  for i, claim in ipairs(claims) do texts[i] = radcode.json.encode(claim) end
  return texts
end

--- A plain claim: every value one the claim reader takes without a finding.
local function plain_claim(i)
  return {
    id = "J-" .. i, patient = "P-" .. i % 7, course = "P/c-" .. i % 3, payer = "medicare", setting = "practitioner",
    pos = "11", diagnoses = { "C61", "C50.912" }, contractor = "12345", state = "ca", npi = "1234567893",
    lines = {
      { code = "77301", date = "2025-06-02", units = 1, dx = { 1 } },
      { code = "77295", date = "2025-06-02", units = 1, modifiers = { "26", "59" }, dx = { 2, 1 } },
      { code = "g6015", date = "2025-06-03" },
      { code = "77427", date = "2025-06-06", units = 2 },
    },
  }
end

--- Texts that are claims but not plain (each read by the Lua path), and
-- texts that are not claims at all.
local NOT_PLAIN = {
  [[{"id":"a\u0041","setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"id":"é","setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  "\239\187\191" .. [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","setting":"hospital","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","code":"77300","date":"2025-06-02"}]}]],
  [[{"id":null,"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","units":1.0}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","units":0}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","units":10000}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","units":"1"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","units":-1}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","units":1e0}]}]],
  [[{"lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"pos":"22","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"dme","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"*","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"Practitioner","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","foo":1,"lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","charge":12.5}]}]],
  [[{"setting":"hospital","lines":[{"code":"77301","date":"2025-06-02","revenue":"0333"}]}]],
  [[{"setting":"practitioner","problems":[{"message":"x"}],"lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"7740","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[{"code":77301,"date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-02-30"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2014-12-31"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301"}]}]],
  [[{"setting":"practitioner","lines":[{"date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","diagnoses":["C61"],"lines":[{"code":"77301","date":"2025-06-02","dx":[2]}]}]],
  [[{"setting":"practitioner","diagnoses":["C61"],"lines":[{"code":"77301","date":"2025-06-02","dx":[0]}]}]],
  [[{"setting":"practitioner","diagnoses":["BAD"],"lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","modifiers":["5"]}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","modifiers":"26"}]}]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02","modifiers":["26","26","59","XS","XE","XU","XP","GZ","GA"]}]}]],
  [[{"setting":"practitioner","pos":"1","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","pos":"XX","lines":[{"code":"77301","date":"2025-06-02"}]}]],
  [[{"setting":"practitioner","lines":[]}]],
  [[{"setting":"practitioner","lines":{}}]],
  [[{"setting":"practitioner"}]],
  [[{"setting":"practitioner","lines":[7]}]],
  [[{}]],
  "not json",
  "[1, 2]",
  "42",
  "",
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02"}]} x]],
  [[{"setting":"practitioner","lines":[{"code":"77301","date":"2025-06-02"}],}]],
}

describe("rc:check_json", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  it("reads plain claims itself, with the counts check_all gives their tables", function()
    local claims = {}
    for i = 1, 40 do claims[i] = plain_claim(i) end
    claims[5].lines[1].code = "77300"
    claims[6].diagnoses = {}
    claims[6].lines[1].dx, claims[6].lines[2].dx = nil, nil
    claims[7].setting, claims[7].pos = "hospital", ""
    local texts = encoded(claims)
    texts[8] = "  \t" .. texts[8] .. "\r\n"
    local diagnoses = texts[9]:match('"diagnoses":%b[]')
    texts[9] = texts[9]:gsub('"diagnoses":%b[],', "", 1):gsub("}$", "," .. diagnoses .. "}")   -- after the lines
    assert.is_truthy(texts[9]:find('"lines".*"diagnoses"'))
    local got
    assert.equal(0, decoded_by_lua(function() got = rc:check_json(texts) end))
    assert.same(rc:check_all(claims), got)
    assert.same(by_decoding(rc, texts), got)
    assert.equal(40, got.claims)
    assert.equal(160, got.lines)
    assert.is_true(got.findings.deny > 0)
  end)

  it("gives every text that is not plain to the Lua reader, with the same counts and errors", function()
    for i, text in ipairs(NOT_PLAIN) do
      local got
      assert.equal(1, decoded_by_lua(function() got = rc:check_json({ text }) end), "text " .. i)
      assert.same(by_decoding(rc, { text }), got, "text " .. i)
    end
    local all
    assert.equal(#NOT_PLAIN, decoded_by_lua(function() all = rc:check_json(NOT_PLAIN) end))
    assert.same(by_decoding(rc, NOT_PLAIN), all)
    assert.equal(6, #all.errors)
    assert.equal("a claim must be a JSON object", all.errors[2].message)
  end)

  it("gives a claim longer than a check's inline storage or than max_lines to the Lua reader", function()
    local long, short = plain_claim(1), plain_claim(2)
    for k = 5, 33 do long.lines[k] = { code = "77336", date = "2025-06-0" .. (k % 9 + 1) } end
    local texts = encoded({ long, short })
    local got
    assert.equal(1, decoded_by_lua(function() got = rc:check_json(texts) end))
    assert.same(by_decoding(rc, texts), got)
    assert.equal(2, decoded_by_lua(function() got = rc:check_json(texts, { max_lines = 3 }) end))
    assert.same(by_decoding(rc, texts, { max_lines = 3 }), got)
    assert.is_true(got.findings.deny >= 2)
  end)

  it("counts as check_all on the generated mix and on random changes to plain claims", function()
    local texts = encoded(generated(300))
    assert.same(by_decoding(rc, texts), rc:check_json(texts))
    local seed = 99
    local function rnd(k)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % k + 1
    end
    local values = { "", "x", "77301", "2025-06-02", "26", "C61", "practitioner", "hospital", "22", 0, 1, 2, 9999,
                     10000, -1, 1.5, true, radcode.null, {}, { 1 }, { "26" }, { "C61" }, { code = "77301" } }
    local keys = { "id", "patient", "payer", "setting", "pos", "diagnoses", "lines", "state", "npi", "contractor",
                   "authorization", "provider", "course", "extra" }
    local line_keys = { "code", "date", "units", "modifiers", "dx", "charge", "revenue", "npi", "pos", "extra" }
    local changed = {}
    for i = 1, 400 do
      local claim = plain_claim(i)
      if rnd(2) == 1 then
        claim[keys[rnd(#keys)]] = values[rnd(#values)]
      else
        claim.lines[rnd(4)][line_keys[rnd(#line_keys)]] = values[rnd(#values)]
      end
      changed[i] = radcode.json.encode(claim)
    end
    local got = rc:check_json(changed)
    assert.same(by_decoding(rc, changed), got)
    assert.is_true(got.findings.deny > 0 and #got.errors == 0)
  end)

  it("reads a claim whose payer has an overlay as its table, for the overlay's rules", function()
    assert(rc:load_payer("bluecross_example"))
    local claims = {}
    for i = 1, 30 do
      claims[i] = plain_claim(i)
      claims[i].payer = i % 2 == 0 and "bluecross_example" or "medicare"
      claims[i].authorization = "A-" .. i
    end
    local texts, got = encoded(claims)
    assert.equal(15, decoded_by_lua(function() got = rc:check_json(texts) end))
    assert.same(rc:check_all(claims), got)
    assert.equal(30, decoded_by_lua(function() got = rc:check_json(texts, { payer = "bluecross_example" }) end))
    assert.same(rc:check_all(claims, { payer = "bluecross_example" }), got)
  end)

  it("counts as check_all on a long list", function()
    local texts = {}
    for i = 1, 2100 do texts[i] = radcode.json.encode(plain_claim(i)) end
    local fresh = assert(radcode.open())
    local got = fresh:check_json(texts)
    fresh:close()
    assert.equal(8400, got.lines)
    assert.same(by_decoding(rc, texts), got)
  end)

  it("gives zeros for an empty list and raises on texts that are not strings, and on bad options", function()
    assert.same({ claims = 0, lines = 0, denied = 0, findings = { deny = 0, review = 0, warn = 0, info = 0 },
                  errors = {} }, rc:check_json({}))
    assert.has_error(function() rc:check_json("texts") end, "bad argument #1 to 'check_json' (table expected, got string)")
    assert.has_error(function() rc:check_json({ "{}", {} }) end,
      "bad argument #1 to 'check_json' (texts[2] is not a string)")
    assert.has_error(function() rc:check_json({}, { page = 1 }) end)
    assert.has_error(function() rc:check_json({}, { max_lines = 0 }) end)
    rc:close()
    assert.has_error(function() rc:check_json({}) end, "attempt to use a closed radcode handle")
  end)
end)

--- The numbers of a --quiet summary.
local function quiet_summary(out)
  local s = {}
  s.claims = tonumber(out:match("claims%s+(%d+) checked"))
  s.lines = tonumber(out:match("\nlines%s+(%d+)"))
  s.total = tonumber(out:match("\nfindings%s+(%d+):"))
  s.deny, s.review, s.warn, s.info = out:match("(%d+) deny, (%d+) review, (%d+) warn, (%d+) info")
  s.denied = tonumber(out:match("\ndenied%s+(%d+) claim"))
  s.not_read = out:match("checked, %d+ not read %(([^)]*)%)")
  return s
end

--- The same numbers from the --json output (claim by claim with rc:check).
local function json_summary(out)
  local last
  for line in out:gmatch("[^\n]+") do last = line end
  local summary = assert(radcode.json.decode(last)).summary
  local n = summary.findings
  return {
    claims = summary.claims, lines = summary.lines, total = n.deny + n.review + n.warn + n.info,
    deny = tostring(n.deny), review = tostring(n.review), warn = tostring(n.warn), info = tostring(n.info),
    denied = summary.denied, errors = summary.errors,
  }
end

describe("radcode check --quiet (rc:check_all)", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() H.remove_tree(dir) end)

  local function same_as_json(args)
    local qargs, jargs = { table.unpack(args) }, { table.unpack(args) }
    qargs[#qargs + 1] = "--quiet"
    jargs[#jargs + 1] = "--json"
    local qout, _, qcode = H.radcode(qargs)
    local jout, _, jcode = H.radcode(jargs)
    local q, j = quiet_summary(qout), json_summary(jout)
    assert.equal(jcode, qcode)
    for _, key in ipairs({ "claims", "lines", "total", "deny", "review", "warn", "info", "denied" }) do
      assert.equal(j[key], q[key], key)
    end
    return q, j, qout
  end

  it("prints the summary the claim-by-claim path counts, on the X12 examples", function()
    for _, name in ipairs({ "prostate_imrt_2025_837p.edi", "physician_2026_pos22_837p.edi",
                            "breast_2026_hospital_837i.edi" }) do
      local q = same_as_json({ "check", EXAMPLES .. name })
      assert.is_true(q.claims >= 1 and q.lines >= 1)
    end
  end)

  it("prints the summary the claim-by-claim path counts, on a generated multi-claim X12 file", function()
    local claims = generated(200)
    local usable = {}
    for _, c in ipairs(claims) do
      if c.lines and #c.lines > 0 then usable[#usable + 1] = c end
    end
    local x12 = dofile(H.root .. "/bench/x12.lua")   -- claims as one 837P file
    local path = dir .. "/mix.837"
    H.write(path, x12.write(usable))
    local q = same_as_json({ "check", path })
    assert.is_true(q.claims > 100)
  end)

  it("prints the summary the claim-by-claim path counts with --batch, --payer and --overlay", function()
    local path = dir .. "/mix.jsonl"
    local out = {}
    for i, claim in ipairs(generated(250)) do
      out[#out + 1] = radcode.json.encode(claim)
      if i % 60 == 0 then out[#out + 1] = "{not json" end
      if i % 90 == 0 then out[#out + 1] = "" end
    end
    H.write(path, table.concat(out, "\n") .. "\n")
    local q, j = same_as_json({ "check", "--batch", path })
    assert.same(j.errors, (function()
      local list = {}
      for n in (q.not_read or ""):gmatch("%d+") do list[#list + 1] = tonumber(n) end
      return list
    end)())
    assert.is_true(#j.errors == 4)
    same_as_json({ "check", "--batch", path, "--payer", "bluecross_example" })
    same_as_json({ "check", "--batch", EXAMPLES .. "batch.jsonl" })
  end)
end)
