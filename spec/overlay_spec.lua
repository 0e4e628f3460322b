-- Payer overlays: declarative rows (pairs, MUE, limits, windows, mappings,
-- prior authorisation, coverage), procedural rules, inheritance, dates, the
-- sandbox and load errors. Claims are built as in check_spec.lua; expected
-- findings are {edit, line, severity} and, for an overlay's own, its rule id.
local radcode = require "radcode"
local H = require "helper"

local function claim(t)
  local c = { id = t.id or "C-1", patient = "P-1", course = "P-1/c-1", payer = "acme",
    setting = "practitioner", diagnoses = { "C61" }, lines = {} }
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function line(code, date, units, modifiers, dx)
  return { code = code, date = date, units = units, modifiers = modifiers, dx = dx }
end

local D25 = "2025-06-02"

local function keys(result)
  local out = {}
  for _, f in ipairs(result.findings) do
    if f.edit ~= "coverage" then   -- the data's coverage of the dates: spec/vintage_spec.lua
      out[#out + 1] = ("%s@%d:%s%s"):format(f.edit, f.line or 0, f.severity,
        f.overlay and (" " .. f.overlay .. "/" .. f.overlay_rule) or "")
    end
  end
  table.sort(out)
  return out
end

local function expect(list)
  local out = {}
  for _, e in ipairs(list) do
    out[#out + 1] = ("%s@%d:%s%s"):format(e[1], e[2], e[3], e[4] and (" " .. e[4]) or "")
  end
  table.sort(out)
  return out
end

local find = H.find

-- A test overlay: every declarative section, one row each.
local TEST = [[
return {
  name = "testplan",
  source = "Test plan policy 2025",
  pairs = {
    { id = "bundle-77280-77300", column1 = "77300", column2 = "77280", indicator = 1 },
    { id = "allow-77295", column1 = "77301", column2 = "77295", remove = true },
  },
  mue = { { id = "mue-77407", code = "77407", value = 1, mai = 2, from = "2025-01-01" } },
  limits = {
    { id = "77338-60", code = "77338", max = 3, per = "days", days = 60 },
    { id = "77300-week", code = "77300", max = 2, per = "week", severity = "review" },
  },
  windows = {
    { id = "plan-window", anchor = "77301", codes = { "77280-77295", "77306" }, before = 30, after = 30 },
  },
  mappings = { { id = "no-77402", code = "77402", use = { "G6003", "G6004" }, to = "2025-12-31" } },
  prior_auth = { { id = "pa-proton", codes = { "77520-77525" }, from = "2025-01-01" } },
  coverage = { { id = "spacer", code = "55874", diagnoses = { "C61", "D07.5" }, severity = "review" } },
}
]]

describe("payer overlays: declarative rows", function()
  local rc
  setup(function()
    rc = assert(radcode.open { payers = { TEST } })
  end)
  teardown(function() rc:close() end)

  local CASES = {
    { "applies an added pair like a national one",
      claim { lines = { line("77300", D25), line("77280", D25) } }, { { "ptp", 2, "deny", "testplan/bundle-77280-77300" } } },
    { "lets a bypass modifier pass an added indicator-1 pair",
      claim { lines = { line("77300", D25), line("77280", D25, 1, { "XS" }) } }, { { "ptp", 2, "info", "testplan/bundle-77280-77300" } } },
    { "hides a removed national pair",
      claim { lines = { line("77301", D25), line("77295", D25) } }, { { "overlay", 2, "deny", "testplan/plan-window" } } },
    { "overrides the national MUE (77407: 1, MAI 2)",
      claim { lines = { line("77407", D25, 2) } }, { { "mue", 1, "deny", "testplan/mue-77407" } } },
    { "keeps the national MUE before the override's dates",
      claim { lines = { line("77407", "2024-06-03", 2) } }, {} },
    { "counts a per-days limit (3 in 60 days)",
      claim { lines = { line("77338", D25), line("77338", "2025-06-20"), line("77338", "2025-07-10"), line("77338", "2025-07-20") } },
      { { "frequency", 4, "deny", "testplan/77338-60" } } },
    { "lets the per-days limit roll on",
      claim { lines = { line("77338", D25), line("77338", "2025-06-20"), line("77338", "2025-07-10"), line("77338", "2025-08-20") } }, {} },
    { "adds a per-week limit with its own severity",
      claim { lines = { line("77300", D25), line("77300", "2025-06-03"), line("77300", "2025-06-04") } },
      { { "frequency", 3, "review", "testplan/77300-week" } } },
    { "denies a code within the window after the anchor",
      claim { lines = { line("77301", D25), line("77290", "2025-06-20") } }, { { "overlay", 2, "deny", "testplan/plan-window" } } },
    { "denies a code within the window before the anchor",
      claim { lines = { line("77306", "2025-05-10"), line("77301", D25) } }, { { "overlay", 1, "deny", "testplan/plan-window" } } },
    { "lets a code outside the window",
      claim { lines = { line("77301", D25), line("77290", "2025-07-10") } }, {} },
    { "maps a code the payer does not take",
      claim { lines = { line("77402", D25) } }, { { "setting", 1, "deny", "testplan/no-77402" } } },
    { "stops mapping after the mapping's last date",
      claim { lines = { line("77402", "2026-01-05") } }, {} },
    { "requires prior authorisation for proton therapy",
      claim { lines = { line("77522", D25), line("77522", "2025-06-03") } }, { { "overlay", 1, "deny", "testplan/pa-proton" } } },
    { "accepts proton therapy with an authorisation number",
      claim { authorization = "A-1", lines = { line("77522", D25) } }, {} },
    { "does not require authorisation before the rule's start",
      claim { lines = { line("77522", "2024-06-03") } }, {} },
    { "covers 55874 for a listed diagnosis",
      claim { lines = { line("55874", D25) } }, {} },
    { "covers 55874 for a listed diagnosis given with a dot",
      claim { diagnoses = { "D07.5" }, lines = { line("55874", D25) } }, {} },
    { "reviews 55874 for a diagnosis the payer does not cover",
      claim { diagnoses = { "C20" }, lines = { line("55874", D25) } }, { { "necessity", 1, "review", "testplan/spacer" } } },
  }

  for _, case in ipairs(CASES) do
    it(case[1], function()
      local c = case[2]
      c.payer = "testplan"
      local result = assert(rc:check(c))
      assert.are.same(expect(case[3]), keys(result))
    end)
  end

  it("leaves other payers' claims to the national rules, with an info finding", function()
    local result = rc:check(claim { lines = { line("77301", D25), line("77295", D25) } })
    assert.are.same(expect { { "ptp", 2, "deny" }, { "overlay", 0, "info" } }, keys(result))
    assert.matches("no overlay is loaded for payer 'acme'", find(result, "overlay", 0).message)
  end)

  it("says nothing for a Medicare claim without an overlay (its rules are national)", function()
    local result = rc:check(claim { payer = "medicare", lines = { line("77300", D25) } })
    assert.are.same({}, keys(result))
  end)

  it("lets opts.payer pick the overlay", function()
    local result = rc:check(claim { lines = { line("77402", D25) } }, { payer = "TestPlan" })
    assert.are.same(expect { { "setting", 1, "deny", "testplan/no-77402" } }, keys(result))
  end)

  it("names the overlay in the source of rows national edits read", function()
    local f = rc:check(claim { payer = "testplan", lines = { line("77300", D25), line("77280", D25) } }).findings[1]
    assert.matches("^testplan overlay %(bundle%-77280%-77300%): Test plan policy 2025", f.source)
  end)

  it("counts windows and per-days limits across the course's history", function()
    local h = assert(radcode.open { payers = { TEST } })
    assert(h:record(claim { id = "H-1", payer = "testplan", lines = { line("77301", D25), line("77338", D25), line("77338", "2025-06-05") } }))
    local result = h:check(claim { id = "C-2", payer = "testplan",
      lines = { line("77290", "2025-06-25"), line("77338", "2025-06-25"), line("77338", "2025-06-26") } })
    assert.are.same(expect { { "overlay", 1, "deny", "testplan/plan-window" }, { "frequency", 3, "deny", "testplan/77338-60" } },
      keys(result))
    assert.matches("earlier claim", find(result, "overlay", 1).message)
    h:close()
  end)

  -- "At most 3 in any 60 days" over the recorded history and the claim: a
  -- claim that arrives late, dated before what is already recorded, is
  -- counted in every 60-day window that holds one of its lines, including
  -- windows that reach forward into the recorded claims.
  it("counts a late claim dated before recorded history against the windows after it", function()
    local h = assert(radcode.open { payers = { TEST } })
    assert(h:record(claim { id = "H-1", payer = "testplan",
      lines = { line("77338", "2025-06-10"), line("77338", "2025-06-20"), line("77338", "2025-07-01") } }))
    local late = h:check(claim { id = "C-late", payer = "testplan", lines = { line("77338", "2025-06-05") } })
    assert.are.same(expect { { "frequency", 1, "deny", "testplan/77338-60" } }, keys(late))
    local f = find(late, "frequency", 1)
    assert.matches("4 units in the 60 days from 2025-05-03 to 2025-07-01", f.message, 1, true)
    -- two late lines: the window 2025-05-03 .. 2025-07-01 holds 5, so both pass the limit
    assert.are.same(expect { { "frequency", 1, "deny", "testplan/77338-60" }, { "frequency", 2, "deny", "testplan/77338-60" } },
      keys(h:check(claim { id = "C-late2", payer = "testplan", lines = { line("77338", "2025-06-03"), line("77338", "2025-06-04") } })))
    -- a window that reaches only one recorded day: 2 in 2025-04-12 .. 2025-06-10
    assert.are.same({}, keys(h:check(claim { id = "C-early", payer = "testplan", lines = { line("77338", "2025-04-12") } })))
    -- far enough before: no recorded day within 60 days after it
    assert.are.same({}, keys(h:check(claim { id = "C-earlier", payer = "testplan", lines = { line("77338", "2025-04-01") } })))
    -- after the history, as before: the 60 days up to the line
    local after = h:check(claim { id = "C-after", payer = "testplan", lines = { line("77338", "2025-07-02") } })
    assert.are.same(expect { { "frequency", 1, "deny", "testplan/77338-60" } }, keys(after))
    assert.matches("4 units in the 60 days up to 2025-07-02", find(after, "frequency", 1).message, 1, true)
    -- the recorded claim checked again does not count itself
    assert.are.same({}, keys(h:check(claim { id = "H-1", payer = "testplan",
      lines = { line("77338", "2025-06-10"), line("77338", "2025-06-20"), line("77338", "2025-07-01") } })))
    h:close()
  end)

  it("describes its rows (rc:payer) and lists the loaded overlays (rc:payers)", function()
    assert.are.same({ "testplan" }, rc:payers())
    local info = rc:payer("testplan")
    assert.are.equal("testplan", info.name)
    assert.is_true(#info.rows >= 20)
    assert.is_nil(rc:payer("nobody"))
  end)
end)

describe("payer overlays: inheritance", function()
  local PARENT = [[return { name = "parent", mue = { { id = "p-mue", code = "77300", value = 4 } },
    prior_auth = { { id = "p-pa", code = "77373" } } }]]
  local CHILD = [[return { name = "child", inherits = "parent",
    mue = { { id = "c-mue", code = "77300", value = 2 } } }]]

  it("orders national < parent < child", function()
    local rc = assert(radcode.open { payers = { PARENT, CHILD } })
    local c = claim { lines = { line("77300", D25, 3) } }
    c.payer = "parent"
    assert.are.same({}, keys(rc:check(c)))                 -- parent's 4 beats the national 10? no: 3 <= 4
    c.lines[1].units = 5
    assert.are.same(expect { { "mue", 1, "review", "parent/p-mue" } }, keys(rc:check(c)))
    c.payer = "child"
    c.lines[1].units = 3
    assert.are.same(expect { { "mue", 1, "review", "child/c-mue" } }, keys(rc:check(c)))
    c.lines = { line("77373", D25) }
    c.diagnoses = { "C34.11" }
    assert.are.same(expect { { "overlay", 1, "deny", "parent/p-pa" } }, keys(rc:check(c)))
    rc:close()
  end)

  it("loads parents listed after their children", function()
    local rc = assert(radcode.open { payers = { CHILD, PARENT } })
    assert.are.same({ "parent", "child" }, rc:payers())
    rc:close()
  end)

  it("loads a shipped parent by name (a Medicare Advantage plan)", function()
    local rc = assert(radcode.open())
    assert.are.equal("ma_plan", rc:load_payer([[return { name = "ma_plan", inherits = "medicare" }]]))
    assert.are.same({ "medicare", "ma_plan" }, rc:payers())
    local result = rc:check(claim { payer = "ma_plan", lines = { line("77407", D25) } })
    local f = assert(find(result, "setting", 1))
    assert.are.same({ "deny", "medicare", "g-codes-intermediate" }, { f.severity, f.overlay, f.overlay_rule })
    assert.matches("G6008", f.fix)
    rc:close()
  end)

  it("does not repeat the national Medicare setting finding", function()
    local rc = assert(radcode.open { payers = { "medicare" } })
    local result = rc:check(claim { payer = "medicare", lines = { line("77407", D25) } })
    assert.are.same(expect { { "setting", 1, "deny" } }, keys(result))
    rc:close()
  end)

  it("refuses inheritance cycles", function()
    local A = [[return { name = "a", inherits = "b" }]]
    local B = [[return { name = "b", inherits = "a" }]]
    local rc, err = radcode.open { payers = { A, B } }
    assert.is_nil(rc)
    assert.matches("inheritance cycle: a %-> b %-> a", err)
    local h = assert(radcode.open())
    local name, err2 = h:load_payer([[return { name = "self", inherits = "self" }]])
    assert.is_nil(name)
    assert.matches("cycle", err2)
    h:close()
  end)

  it("refuses a parent that is nowhere", function()
    local rc, err = radcode.open { payers = { [[return { name = "orphan", inherits = "nobody" }]] } }
    assert.is_nil(rc)
    assert.matches("inherits 'nobody', which is not loaded", err)
  end)
end)

describe("payer overlays: procedural rules", function()
  local RULES = [[
return {
  name = "proc",
  rules = {
    { id = "add-one", check = function(claim, findings, out)
        for i, l in ipairs(claim.lines) do
          if l.code == "77300" then out.add { line = i, severity = "warn", message = "77300 seen", fix = "none" } end
        end
      end },
    { id = "forgive-ptp", check = function(claim, findings, out)
        out.suppress("PTP 77301/77295 indicator 0", "the plan pays planning beside IMRT planning")
      end },
    { id = "soften-mue", check = function(claim, findings, out)
        for _, f in ipairs(findings) do
          if f.edit == "mue" then out.downgrade(f, "info", "the plan ignores the clinical MUE") end
        end
      end },
    { id = "old", to = "2020-12-31", check = function(claim, findings, out) out.add { message = "old rule" } end },
    { id = "broken", check = function(claim) return claim.nothing.here end },
    { id = "after-broken", check = function(claim, findings, out) out.add { message = "still ran" } end },
  },
}]]
  local rc
  setup(function() rc = assert(radcode.open { payers = { RULES } }) end)
  teardown(function() rc:close() end)

  it("adds findings naming the overlay and rule", function()
    local result = rc:check(claim { payer = "proc", lines = { line("77300", D25) } })
    local f = assert(find(result, "overlay", 1))
    assert.are.same({ "warn", "proc", "add-one", "proc/add-one", "77300", "77300 seen" },
      { f.severity, f.overlay, f.overlay_rule, f.rule, f.code, f.message })
  end)

  it("suppresses a national finding by rule id, recording why", function()
    local result = rc:check(claim { payer = "proc", lines = { line("77301", D25), line("77295", D25) } })
    local f = assert(find(result, "ptp", 2))
    assert.are.same({ "info", true, "deny", "proc", "forgive-ptp" }, { f.severity, f.suppressed, f.was, f.overlay, f.overlay_rule })
    assert.matches("planning beside", f.reason)
    assert.is_true(result.ok)
  end)

  it("downgrades a finding it is given", function()
    local result = rc:check(claim { payer = "proc", lines = { line("77407", D25, 3) } })
    local f = assert(find(result, "mue", 1))
    assert.are.same({ "info", "review", "soften-mue" }, { f.severity, f.was, f.overlay_rule })
    assert.is_nil(f.suppressed)
  end)

  it("runs rules only on their dates", function()
    local result = rc:check(claim { payer = "proc", lines = { line("77280", D25) } })
    for _, f in ipairs(result.findings) do assert.are_not.equal("old rule", f.message) end
  end)

  it("isolates an erroring rule: one overlay finding, the rest intact", function()
    local result = rc:check(claim { payer = "proc", lines = { line("77301", D25), line("77300", D25) } })
    local broken, later
    for _, f in ipairs(result.findings) do
      if f.overlay_rule == "broken" then broken = f end
      if f.message == "still ran" then later = f end
    end
    assert.are.same({ "overlay", "review", "proc/broken" }, { broken.edit, broken.severity, broken.rule })
    assert.matches("rule broken failed: .*attempt to index", broken.message)
    assert.is_truthy(later)
    assert.is_truthy(find(result, "overlay", 2))   -- add-one still applied
  end)

  it("cannot change the caller's claim", function()
    local h = assert(radcode.open { payers = { [[return { name = "w", rules = { { id = "write",
      check = function(claim) claim.lines[1].code = "99999"; claim.payer = "x" end } } }]] } })
    local c = claim { payer = "w", lines = { line("77300", D25) } }
    assert.are.same({}, keys(h:check(c)))
    assert.are.equal("77300", c.lines[1].code)
    h:close()
  end)

  it("runs the bluecross_example overlay as shipped", function()
    local h = assert(radcode.open { payers = { "bluecross_example" } })
    local result = h:check(claim { payer = "bluecross_example", authorization = "12345", diagnoses = { "L40.0" },
      lines = { line("77301", D25), line("77290", "2025-06-10"), line("77412", "2025-06-12") } })
    assert.are.same(expect { { "overlay", 0, "warn", "bluecross_example/authorization-format" },
      { "overlay", 2, "deny", "bluecross_example/imrt-planning-window" },
      { "necessity", 3, "warn", "bluecross_example/authorised-necessity" } }, keys(result))
    result = h:check(claim { payer = "bluecross_example", lines = { line("77522", D25) } })
    assert.are.same(expect { { "overlay", 1, "deny", "bluecross_example/pa-proton" } }, keys(result))
    h:close()
  end)
end)

describe("payer overlays: the sandbox", function()
  local function rule(body, opts)
    local o = opts or {}
    o.payers = { ("return { name = 'sb', rules = { { id = 'r', check = function(claim, findings, out) %s end } } }"):format(body) }
    return assert(radcode.open(o))
  end

  local function stopped(rc)
    local result = rc:check(claim { payer = "sb", lines = { line("77300", D25), line("77300", D25, 20) } })
    assert.is_truthy(find(result, "mue", 1))   -- the national finding stays
    return assert(find(result, "overlay", 0))
  end

  for _, name in ipairs { "io", "os", "require", "load", "loadfile", "dofile", "debug", "collectgarbage",
                          "package", "print", "loadstring", "coroutine" } do
    it("has no " .. name, function()
      local rc = rule(("if %s ~= nil then error('%s is reachable') end out.add{ message = 'clean' }"):format(name, name))
      local result = rc:check(claim { payer = "sb", lines = { line("77300", D25) } })
      assert.are.equal("clean", find(result, "overlay", 0).message)
      rc:close()
    end)
  end

  it("has no string.dump, even through a string's metatable", function()
    local rc = rule("if string.dump or ('').dump then error('dump') end out.add{ message = 'clean' }")
    assert.are.equal("clean", find(rc:check(claim { payer = "sb", lines = { line("77300", D25) } }), "overlay", 0).message)
    rc:close()
  end)

  it("refuses binary chunks", function()
    local rc = assert(radcode.open())
    local name, err = rc:load_payer(string.dump(function() return {} end), "bin")
    assert.is_nil(name)
    assert.matches("binary", err)
    rc:close()
  end)

  it("refuses __gc metamethods", function()
    local rc = rule("setmetatable({}, { __gc = function() end })")
    assert.matches("__gc", stopped(rc).message)
    rc:close()
  end)

  it("stops an infinite loop with an overlay finding", function()
    local rc = rule("while true do end")
    local f = stopped(rc)
    assert.are.same({ "review", "sb", "r" }, { f.severity, f.overlay, f.overlay_rule })
    assert.matches("instruction budget", f.message)
    rc:close()
  end)

  it("stops a loop that swallows the stop with pcall", function()
    local rc = rule("while true do pcall(function() while true do end end) end")
    assert.matches("instruction budget", stopped(rc).message)
    rc:close()
  end)

  it("stops a memory bomb", function()
    local rc = rule("local s = 'x' while true do s = s .. s end", { overlay_instructions = 100000000 })
    assert.matches("memory ceiling", stopped(rc).message)
    rc:close()
  end)

  it("stops a table bomb within a small ceiling", function()
    local rc = rule("local t = {} for i = 1, 1e9 do t[i] = { i } end", { overlay_memory = 1024 * 1024, overlay_instructions = 100000000 })
    assert.matches("memory ceiling", stopped(rc).message)
    rc:close()
  end)

  it("starts each claim with a fresh budget and memory", function()
    local rc = rule("if #claim.lines > 1 then while true do end end out.add{ message = 'ok' }")
    stopped(rc)
    local result = rc:check(claim { payer = "sb", lines = { line("77300", D25) } })
    assert.are.equal("ok", find(result, "overlay", 0).message)
    rc:close()
  end)

  it("stops a runaway overlay at load", function()
    local rc = assert(radcode.open())
    local name, err = rc:load_payer("while true do end return {}", "spin")
    assert.is_nil(name)
    assert.matches("instruction budget", err)
    rc:close()
  end)
end)

describe("payer overlays: load errors", function()
  local rc
  before_each(function() rc = assert(radcode.open()) end)
  after_each(function() rc:close() end)

  local function refused(source, pattern)
    local name, err = rc:load_payer(source, "bad")
    assert.is_nil(name)
    assert.matches(pattern, err)
  end

  it("names an unknown top-level key, the file and the line", function()
    local dir = H.tmpdir()
    local path = dir .. "/typo.lua"
    H.write(path, "return {\n  name = 'typo',\n  windos = {},\n}\n")
    local name, err = rc:load_payer(path)
    assert.is_nil(name)
    assert.matches("typo.lua:3: unknown key 'windos' in the overlay table", err, 1, true)
    H.remove_tree(dir)
  end)

  it("names an unknown key inside a row", function()
    refused("return {\n name = 'x',\n windows = { { anchor = '77301', codes = { '77290' },\n  befor = 30 } } }",
      "bad:4: unknown key 'befor' in windows%[1%]")
  end)

  it("refuses bad values with the row", function()
    refused("return { name = 'x', limits = { { code = '77338', max = 3, per = 'month' } } }", "limits%[1%]: per must be")
    refused("return { name = 'x', mue = { { code = '7740', value = 1 } } }", "malformed code '7740'")
    refused("return { name = 'x', prior_auth = { { code = '77522', from = '2025-13-01' } } }", "not a date")
    refused("return { name = 'x', coverage = { { code = '55874', diagnoses = { 'hello' } } } }", "not an ICD%-10%-CM")
    refused("return { name = 'x', rules = { { id = 'r', check = 'nope' } } }", "check must be a function")
    refused("return { name = 'x', windows = { { codes = { '77290' } } } }", "anchor")
  end)

  it("refuses an overlay that is not a table, a syntax error and a runtime error", function()
    refused("return 42", "must return a table")
    refused("return {", "bad:1:")
    refused("return { name = 'x' } .. nil", "attempt to concatenate")
  end)

  it("refuses a second overlay of the same name and an unknown name", function()
    assert.are.equal("x", rc:load_payer("return { name = 'x' }"))
    refused("return { name = 'x' }", "already loaded")
    local name, err = rc:load_payer("no_such_payer")
    assert.is_nil(name)
    assert.matches("no overlay file or shipped overlay", err)
  end)

  it("refuses a name longer than 31 characters rather than cutting it", function()
    local long = ("a"):rep(31)
    assert.are.equal(long, rc:load_payer(("return { name = '%s' }"):format(long)))
    refused(("return { name = '%sb' }"):format(long), "overlay name '" .. long .. "b' must be 1 to 31")
    refused(("return { name = '%s' }"):format(("c"):rep(300)), "overlay name '" .. ("c"):rep(40) .. "%.%.%.' must be 1 to 31")
    assert.are.same({ long }, rc:payers())
  end)

  it("refuses a wrong argument type", function()
    assert.has_error(function() rc:load_payer(42) end)
    assert.has_error(function() radcode.open { payers = "medicare" } end)
  end)
end)

describe("radcode overlay check", function()
  it("validates a shipped overlay and lists its changes", function()
    local out, _, code = H.radcode { "overlay", "check", H.root .. "/lua/radcode/payers/bluecross_example.lua" }
    assert.are.equal(0, code)
    assert.matches("overlay bluecross_example: valid", out, 1, true)
    assert.matches("77280-77295, 77306, 77307, 77321, 77331, 77370 within 30 days before or 30 after 77301", out, 1, true)
    assert.matches("authorised-necessity", out, 1, true)
  end)

  it("refuses a broken overlay with the line (exit 2)", function()
    local dir = H.tmpdir()
    H.write(dir .. "/b.lua", "return {\n  name = 'b',\n  mue = { { code = '77300', valu = 3 } },\n}\n")
    local _, err, code = H.radcode { "overlay", "check", dir .. "/b.lua" }
    assert.are.equal(2, code)
    assert.matches("b.lua:3: unknown key 'valu' in mue[1]", err, 1, true)
    H.remove_tree(dir)
  end)
end)
