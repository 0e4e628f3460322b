-- Next January as data only (data/ANNUAL_UPDATE.md): a mock 2027 code 77413
-- ("level 4, online adaptive"), a new boolean fact `adaptive`, its
-- classification rules, a PTP pair with 77412 in both settings, MUE, PC/TC,
-- payment status, related rows, a fraction code and a mock payer overlay,
-- all added as fixture rows to a saved copy of the default database (never
-- to the shipped data). lookup, classify, check, pair and `radcode classify
-- --adaptive` must all see the new year with no code change. Also: related
-- rows and rc:pair answer for the date, and the generated fuzz dictionary is
-- current.
local radcode = require "radcode"
local H = require "helper"

local SRC = "radcode spec fixture (mock 2027 code set)"
local Y27, Y26 = "2027-03-01", "2026-03-02"

local FIXTURE = ([[
INSERT INTO codes (code, system, family, effective, addon, summary, source)
  VALUES ('77413', 'CPT', 'delivery', '2027-01-01', 0, 'Daily photon treatment, level 4: online adaptive (mock code)', '%s');
INSERT INTO indicators (code, valid_from, pctc, global, source) VALUES ('77413', '2027-01-01', '3', 'XXX', '%s');
INSERT INTO payment_status (code, setting, valid_from, status, source) VALUES
  ('77413', 'practitioner', '2027-01-01', 'A', '%s'), ('77413', 'hospital', '2027-01-01', 'S', '%s');
INSERT INTO mue (code, setting, valid_from, value, mai, source) VALUES
  ('77413', 'practitioner', '2027-01-01', 1, 2, '%s'), ('77413', 'hospital', '2027-01-01', 1, 2, '%s');
INSERT INTO ptp (col1, col2, setting, valid_from, modifier, rationale, source) VALUES
  ('77413', '77412', 'practitioner', '2027-01-01', 1, 'More extensive procedure', '%s'),
  ('77413', '77412', 'hospital', '2027-01-01', 1, 'More extensive procedure', '%s');
INSERT INTO related (code, related, relation, valid_from, note, source) VALUES
  ('77412', '77413', 'ladder', '2027-01-01', 'photon delivery: 77413 is level 4', '%s'),
  ('77413', '77412', 'ladder', '2027-01-01', 'photon delivery: 77412 is level 3', '%s');
INSERT INTO fraction_codes (code, source) VALUES ('77413', '%s');
INSERT INTO classify_facts (name, type, meaning, source) VALUES ('adaptive', 'boolean', 'online adaptive replanning', '%s');
INSERT INTO classify_rules (service, slot, priority, valid_from, setting, payer, condition, level, reason, source)
  VALUES ('delivery', 'level', 90, '2027-01-01', '*', '*', 'has(adaptive) and adaptive', 'level 4', 'online adaptive replanning', '%s');
INSERT INTO classify_rules (service, slot, priority, valid_from, setting, payer, condition, code, source)
  VALUES ('delivery', 'code', 290, '2027-01-01', '*', '*', 'level == "level 4"', '77413', '%s');
INSERT INTO classify_rules (service, slot, priority, valid_from, valid_to, setting, payer, condition, reason, source)
  VALUES ('delivery', 'note:adaptive', 420, '2026-01-01', '2026-12-31', '*', '*', 'given(adaptive)',
          'adaptive ({adaptive}) does not decide the level before 2027', '%s');
]]):gsub("%%s", SRC)

local OVERLAY = [[
return {
  name = "mock2027", inherits = "medicare", description = "a mock payer of the 2027 walk-through",
  source = "radcode spec fixture",
  prior_auth = { { id = "adaptive", codes = { "77413" }, from = "2027-01-01" } },
}]]

local function claim(date, codes, authorization)
  local c = { id = "J-1", patient = "P-1", course = "P-1/c-1", setting = "practitioner",
    diagnoses = { "C61" }, lines = {}, authorization = authorization }
  for i, code in ipairs(codes) do c.lines[i] = { code = code, date = date, units = 1 } end
  return c
end

local function edits(result)
  local set = {}
  for _, f in ipairs(result.findings) do set[f.edit .. ":" .. (f.line or 0)] = f end
  return set
end

describe("next January through data only (mock 2027 code 77413)", function()
  local dir, path, rc
  setup(function()
    dir = H.tmpdir()
    path = H.new_db(dir)
    H.sql(path, FIXTURE)
    rc = assert(radcode.open { db = path })
  end)
  teardown(function()
    if rc then rc:close() end
    H.remove_tree(dir)
  end)

  it("looks 77413 up in 2027 with its PC/TC, status, MUE and related codes, and not before", function()
    local r = assert(rc:lookup("77413", { date = Y27 }))
    assert.are.equal("active", r.status)
    assert.are.equal("3", r.pctc)
    assert.are.equal("A", r.payment_status)
    assert.are.equal(1, r.mue.value or r.mue)
    assert.is_true(H.codes(r.related)["77412"])
    assert.are.equal("not_yet_valid", assert(rc:lookup("77413", { date = Y26 })).status)
  end)

  it("lists 77413 among 77412's related codes only from 2027 (related rows are dated)", function()
    assert.is_true(H.codes(assert(rc:lookup("77412", { date = Y27 })).related)["77413"])
    assert.is_nil(H.codes(assert(rc:lookup("77412", { date = Y26 })).related)["77413"])
    assert.is_true(H.codes(assert(rc:lookup("77412", { date = Y26 })).related)["77407"])
  end)

  it("classifies an adaptive delivery as 77413 in 2027, and as before (with a note) in 2026", function()
    local r = assert(rc:classify { service = "delivery", technique = "imrt", adaptive = true, date = Y27 })
    assert.are.equal("77413", r.lines[1].code)
    assert.are.equal("level 4", r.level)
    r = assert(rc:classify { service = "delivery", technique = "imrt", adaptive = true, date = Y26 })
    assert.are.equal("77407", r.lines[1].code)
    local noted = false
    for _, reason in ipairs(r.reasons) do noted = noted or reason:find("adaptive (yes) does not decide", 1, true) ~= nil end
    assert.is_true(noted, table.concat(r.reasons, "; "))
    -- a fact without a default: has(adaptive) is false when it is not given
    assert.are.equal("77407", assert(rc:classify { service = "delivery", technique = "imrt", date = Y27 }).lines[1].code)
  end)

  it("checks 77413 with 77412 against the new PTP edit in both settings, and refuses 77413 in 2026", function()
    for _, setting in ipairs { "practitioner", "hospital" } do
      local c = claim(Y27, { "77413", "77412" })
      c.setting = setting
      local f = edits(assert(rc:check(c)))["ptp:2"]
      assert.is_table(f, setting)
      assert.are.equal("77412", assert(rc:pair("77413", "77412", { date = Y27, setting = setting })).column2)
    end
    assert.is_table(edits(assert(rc:check(claim(Y26, { "77413" }))))["validity:1"])
  end)

  it("answers rc:pair with 'invalid' when 77413 is not valid on the date", function()
    local p = assert(rc:pair("77413", "77407", { date = Y26 }))
    assert.are.equal("invalid", p.together)
    assert.is_false(p.valid)
    assert.are.equal("not_yet_valid", p.invalid[1].status)
    assert.is_nil(p.message:find("may be billed together", 1, true), p.message)
    assert.is_truthy(p.message:find("77413 is not valid until 2027-01-01", 1, true), p.message)
    local ok = assert(rc:pair("77413", "77407", { date = Y27 }))
    assert.is_true(ok.valid)
    assert.are.equal("yes", ok.together)
  end)

  it("applies a mock payer overlay's rule to 77413", function()
    assert.are.equal("mock2027", rc:load_payer(OVERLAY))
    local c = claim(Y27, { "77413" })
    c.payer = "mock2027"
    local found = false
    for _, f in ipairs(assert(rc:check(c, { payer = "mock2027" })).findings) do
      found = found or (f.edit == "overlay" and f.line == 1 and f.message:find("77413 needs prior auth", 1, true) ~= nil)
    end
    assert.is_true(found)
    c.authorization = "A-1"
    for _, f in ipairs(assert(rc:check(c, { payer = "mock2027" })).findings) do
      assert.is_nil(f.message:find("77413 needs prior auth", 1, true), f.message)
    end
  end)

  it("takes `radcode classify --adaptive` on that database with no code change", function()
    local out, err, code = H.radcode { "classify", "--db", path, "--service", "delivery", "--technique", "imrt",
      "--adaptive", "--date", Y27 }
    assert.are.equal(0, code, err)
    assert.is_truthy(out:find("77413 x1", 1, true), out)
    out, err, code = H.radcode { "classify", "--db=" .. path, "--service", "delivery", "--technique", "imrt",
      "--adaptive", "--date", Y27, "--json" }
    assert.are.equal(0, code, err)
    assert.are.equal("77413", radcode.json.decode(out).lines[1].code)
    -- the default data has no such fact
    out, err, code = H.radcode { "classify", "--service", "delivery", "--adaptive" }
    assert.are.equal(2, code)
    assert.is_truthy(err:find("unknown option --adaptive", 1, true), err)
  end)

  it("lists the new fact in rc:classify_facts()", function()
    local names = {}
    for _, f in ipairs(rc:classify_facts()) do names[f.name] = f end
    assert.are.equal("boolean", names.adaptive.type)
    assert.is_nil(names.adaptive.default)
  end)
end)

describe("rc:pair on the shipped data", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  it("says a deleted code is not valid instead of 'may be billed together'", function()
    local p = assert(rc:pair("77385", "77412", { date = Y26 }))
    assert.are.equal("invalid", p.together)
    assert.are.same({ "77385", "deleted" }, { p.invalid[1].code, p.invalid[1].status })
    assert.is_truthy(p.message:find("77385 was deleted: its last valid date of service was 2025-12-31", 1, true), p.message)
    assert.is_true(assert(rc:pair("77385", "77412", { date = "2025-06-02" })).valid)
  end)

  it("keeps the NCCI answer for a code with no record, and says it is unknown", function()
    local dir = H.tmpdir()
    local path = H.new_db(dir)
    H.sql(path, "DELETE FROM codes WHERE code = '77295'")
    local user = assert(radcode.open { db = path })
    local p = assert(user:pair("77295", "77301", { date = "2025-06-02" }))
    user:close()
    H.remove_tree(dir)
    assert.are.equal("no", p.together)
    assert.is_false(p.valid)
    assert.are.same({ "77295", "unknown" }, { p.invalid[1].code, p.invalid[1].status })
    assert.is_truthy(p.message:find("^77295 is not in radcode's code table"), p.message)
    assert.is_truthy(p.message:find("denied beside 77301", 1, true), p.message)
  end)

  it("makes `radcode pair` exit 1 for a code not valid on the date", function()
    local out, _, code = H.radcode { "pair", "77385", "77412", "--date", Y26 }
    assert.are.equal(1, code)
    assert.is_truthy(out:find("not valid on the date", 1, true), out)
  end)
end)

describe("the classify fuzz dictionary", function()
  it("is the one tools/classify_dict.lua builds from classify_facts and classify_rules", function()
    local out, err, code = H.run("cd " .. H.quote(H.root) .. " && lua5.4 tools/classify_dict.lua data")
    assert.are.equal(0, code, err)
    assert.are.equal(out, H.read(H.root .. "/fuzz/dict/classify.dict"), "run make fuzz-dict")
    assert.is_truthy(out:find('"\\"total_skin\\""', 1, true))
  end)

  it("follows a new fact in the data", function()
    local dir = H.tmpdir()
    assert(os.execute(("env -u LD_PRELOAD cp %s/data/classify_*.tsv %s/"):format(H.quote(H.root), H.quote(dir))))
    local f = assert(io.open(dir .. "/classify_facts.tsv", "ab"))
    f:write("adaptive\tboolean\t\t\t\t\t\tonline adaptive\tspec\n")
    f:close()
    local out = H.run("cd " .. H.quote(H.root) .. " && lua5.4 tools/classify_dict.lua " .. H.quote(dir))
    H.remove_tree(dir)
    assert.is_truthy(out:find('"\\"adaptive\\""', 1, true), out)
  end)
end)
