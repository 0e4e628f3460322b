-- Re-entrancy: a host's Lua code that runs in the middle of a call on a
-- handle. Any allocation the C core makes (a number read as text, a table
-- or string of the result, findings that grow) may run a __gc finalizer,
-- and a finalizer may close the handle, import into it or call it again.
-- A handle stays alive and consistent for the whole call: a close waits
-- for the outermost call to end, only check, pair and record may run
-- inside another call (sharing its rules, which are never freed under it:
-- data changed meanwhile is read after the outer call ends), any other
-- call on a busy handle raises, and option tables are read raw. The
-- finalizers here are made to run inside the call under test: each one
-- looks at the stack, and one that finds the call not running arms a new
-- one. Each case runs in a fresh lua5.4 (child below): in the suite's big
-- heap a collection may not come round within a short call. (make
-- sanitize runs this file, and so its children, under ASan and UBSan.)
local H = require "helper"

-- What every case's child starts with: the module, luassert, and the
-- helpers that make a finalizer run inside a call.
local PRELUDE = [==[
local radcode = require "radcode"
local H = require "helper"
local assert = require "luassert"
local D25 = "2025-06-02"

local function claim(lines, t)
  local c = { id = "C-1", patient = "P-1", course = "P-1/c-1", payer = "medicare",
    setting = "practitioner", diagnoses = { "C61" }, lines = lines }
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

-- A claim whose units are numbers (read as text: C allocates) and whose
-- lines pair, so its findings grow while the edits run.
local function busy_claim(n, id)
  local codes = { "77301", "77295", "77300", "77334", "77280", "77014", "77412", "77336" }
  local lines = {}
  for i = 1, n do
    lines[i] = { code = codes[(i - 1) % #codes + 1], date = D25, units = 1 + i % 3, modifiers = { "26" } }
  end
  return claim(lines, { id = id })
end

-- Is fn running (a frame of it on the stack below the caller)?
local function running(fn)
  for level = 3, 250 do
    local info = debug.getinfo(level, "f")
    if info == nil then return false end
    if info.func == fn then return true end
  end
  return false
end

-- Calls call() until a finalizer has run action() inside method (the
-- function a handle's method names), at the (skip + 1)th finalizer that
-- finds it running. Returns whether it ran, the packed pcall of the call
-- it ran in, and the packed pcall of the action.
local function during(method, skip, action, call)
  local seen, fired, acted = 0, false, nil
  local function arm()
    setmetatable({}, { __gc = function()
      if fired then return end
      if running(method) then
        seen = seen + 1
        if seen > skip then
          fired = true
          acted = table.pack(pcall(action))
          return
        end
      end
      arm()
    end })
  end
  collectgarbage("generational", 1, 100)   -- young collections every 1% of growth
  arm()
  local out
  for _ = 1, 3000 do
    out = table.pack(pcall(call))
    if fired then break end
  end
  collectgarbage("incremental")
  collectgarbage()
  return fired, out, acted
end

-- What a fresh handle answers.
local function fresh(fn)
  local rc = assert(radcode.open())
  local r = table.pack(fn(rc))
  rc:close()
  return r
end
]==]

-- Runs a case's body (Lua source) after PRELUDE in a fresh lua5.4; the
-- case holds when the child exits 0 (a failed assert exits 1 and says why).
local function child(body)
  local file = os.tmpname()
  H.write(file, PRELUDE .. "\n" .. body .. "\n")
  local out, err, code = H.run(("LUA_PATH=%s LUA_CPATH=%s lua5.4 %s"):format(
    H.quote(H.root .. "/lua/?.lua;" .. H.root .. "/lua/?/init.lua;" .. H.root .. "/spec/?.lua;;"),
    H.quote(H.abs_build .. "/?.so;;"), H.quote(file)))
  os.remove(file)
  assert.are.equal(0, code, out .. err)
end

describe("a finalizer that closes the handle during a call", function()
  for _, name in ipairs { "check", "check_all", "check_json", "pair", "lookup", "search", "classify", "datasets" } do
    it("lets rc:" .. name .. " finish with its answer, then the handle is closed", function()
      child(("local name = %q\n"):format(name) .. [==[
local cases = {
  check = function(rc) return rc:check(busy_claim(120)) end,
  check_all = function(rc) return rc:check_all({ busy_claim(120), busy_claim(20), busy_claim(3) }) end,
  check_json = function(rc)   -- a plain claim read in C, and claims the Lua reader reads inside the call
    return rc:check_json({ radcode.json.encode(busy_claim(120)), radcode.json.encode(busy_claim(20)),
                           radcode.json.encode(busy_claim(3)), "{not json" })
  end,
  pair = function(rc) return rc:pair("77301", "77295", { date = D25 }) end,
  lookup = function(rc) return rc:lookup("77412", { date = D25, setting = "hospital" }) end,
  search = function(rc) return rc:search("radiation treatment delivery", { limit = 50, date = D25 }) end,
  classify = function(rc)
    return rc:classify { service = "delivery", date = D25, setting = "practitioner", energy_mev = 6, areas = 2 }
  end,
  datasets = function(rc) return rc:datasets() end,
}
local want = fresh(cases[name])
for skip = 0, 3 do
  local rc = assert(radcode.open())
  local fired, out, acted = during(rc[name], skip, function() return rc:close() end,
    function() return cases[name](rc) end)
  assert.is_true(fired, "no finalizer ran inside rc:" .. name)
  assert.are.same({ true, true, n = 2 }, acted)   -- close said yes
  assert.is_true(out[1], tostring(out[2]))
  assert.are.same(want[1], out[2])
  assert.is_false(rc:is_open())
  assert.matches("%(closed%)", tostring(rc))
  assert.has_error(function() rc:lookup("77412") end, "attempt to use a closed radcode handle")
  assert.is_true(rc:close())   -- still idempotent
end
]==])
    end)
  end

  it("lets rc:import finish into the file, then the handle is closed", function()
    child [==[
local dir = H.tmpdir()
local path = H.new_db(dir)
local csv = { '"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"' }
for i = 1, 3000 do   -- every other row a reject: the rejects list grows in Lua
  csv[#csv + 1] = i % 2 == 0 and ('%05d,1,"2 Date of Service Edit: Policy","Clinical: Data"'):format(10000 + i)
    or ("%05d,x,bad,bad"):format(10000 + i)
end
H.write(dir .. "/mue.csv", table.concat(csv, "\n") .. "\n")
for skip = 0, 1 do
  local rc = assert(radcode.open { db = path })
  local fired, out, acted = during(rc.import, skip, function() return rc:close() end, function()
    return rc:import("mue", dir .. "/mue.csv", { setting = "practitioner", version = "2099Q" .. (skip + 1) })
  end)
  assert.is_true(fired, "no finalizer ran inside rc:import")
  assert.are.same({ true, true, n = 2 }, acted)
  assert.is_true(out[1], tostring(out[2]))
  assert.is_table(out[2], tostring(out[3]))
  assert.are.equal(1500, out[2].rows_kept)
  assert.is_false(rc:is_open())
end
local rc = assert(radcode.open { db = path })
local names = {}
for _, d in ipairs(rc:datasets()) do names[d.name or ""] = true end
assert.is_true(names["CMS MUE practitioner 2099Q1"] and names["CMS MUE practitioner 2099Q2"] or false)
rc:close()
H.remove_tree(dir)
]==]
  end)

  it("lets rc:record finish into the history file and say so truly", function()
    child [==[
local dir = H.tmpdir()
local history = dir .. "/history.db"
for skip = 0, 2 do
  local rc = assert(radcode.open { history = history })
  local n = 0
  local fired, out = during(rc.record, skip, function() return rc:close() end, function()
    n = n + 1
    return rc:record(busy_claim(60, ("R-%d-%d"):format(skip, n)))
  end)
  assert.is_true(fired, "no finalizer ran inside rc:record")
  assert.are.same({ true, true, n = 2 }, out)
  assert.is_false(rc:is_open())
  -- every claim it said it recorded is in the file: recording it again is refused
  local again = assert(radcode.open { history = history })
  for i = 1, n do
    local ok, err = again:record(busy_claim(60, ("R-%d-%d"):format(skip, i)))
    assert.is_nil(ok)
    assert.matches("is already recorded", err)
  end
  again:close()
end
H.remove_tree(dir)
]==]
  end)
end)

describe("a finalizer that calls the handle again during a call", function()
  -- A database file and an MUE file that lowers 77300 to 1 a day.
  local SETUP = [==[
local dir = H.tmpdir()
local path = H.new_db(dir)
H.write(dir .. "/mue.csv", '"HCPCS/CPT Code","Practitioner Services MUE Values","MUE Adjudication Indicator","MUE Rationale"\n'
  .. '77300,1,"2 Date of Service Edit: Policy","Clinical: Data"\n')
]==]

  it("refuses an import into the busy handle, and the call goes on", function()
    child(SETUP .. [==[
local rc = assert(radcode.open { db = path })
local c = busy_claim(120)
local want = rc:check(c)
local fired, out, acted = during(rc.check, 0, function()
  return rc:import("mue", dir .. "/mue.csv", { setting = "practitioner", version = "2025Q2", from = "2025-04-01" })
end, function() return rc:check(c) end)
assert.is_true(fired)
assert.is_false(acted[1])
assert.matches("radcode handle is busy", acted[2])
assert.are.same({ true, want, n = 2 }, out)
assert.are.same(want, rc:check(c))   -- nothing was imported
rc:close()
H.remove_tree(dir)
]==])
  end)

  for _, name in ipairs { "lookup", "search", "datasets" } do
    it("refuses rc:" .. name .. " inside rc:" .. name .. " with a message, never a wrong answer", function()
      child(("local name = %q\n"):format(name) .. [==[
local rc = assert(radcode.open())
local calls = {
  lookup = function() return rc:lookup("77412", { date = D25 }) end,
  search = function() return rc:search("radiation treatment delivery", { limit = 50, date = D25 }) end,
  datasets = function() return rc:datasets() end,
}
local want = calls[name]()
local fired, out, acted = during(rc[name], 0, calls[name], calls[name])
assert.is_true(fired)
assert.is_false(acted[1])
assert.matches("radcode handle is busy", acted[2])
assert.are.same({ true, want, n = 2 }, out)
assert.are.same(want, calls[name]())   -- not busy any more
rc:close()
]==])
    end)
  end

  it("runs checks inside checks with a payer overlay's procedural rules, each answer unchanged", function()
    child [==[
local rc = assert(radcode.open { payers = { "bluecross_example" } })
local outer_claim = claim({ { code = "77301", date = D25 }, { code = "77295", date = D25 },
  { code = "77338", date = D25, units = 5 }, { code = "77300", date = "2025-06-10" }, { code = "77412", date = D25 } },
  { id = "O", payer = "bluecross_example" })
local inner_claim = claim({ { code = "77014", date = D25 }, { code = "77280", date = D25 }, { code = "77338", date = D25, units = 9 } },
  { id = "I", payer = "bluecross_example" })
local want_outer, want_inner = rc:check(outer_claim), rc:check(inner_claim)
assert.is_true(#want_outer.findings > 0 and #want_inner.findings > 0)
local same = require("luassert.util").deepcompare
local nested, wrong, outers, in_outer = 0, 0, 0, false
local function inner()
  if not same(rc:check(inner_claim), want_inner) then wrong = wrong + 1 end
  if in_outer then nested = nested + 1 end
end
collectgarbage("generational", 1, 100)
while nested < 50 and outers < 20000 do
  setmetatable({}, { __gc = inner })
  in_outer = true
  local r = rc:check(outer_claim)
  in_outer = false
  outers = outers + 1
  if not same(r, want_outer) then wrong = wrong + 1 end
end
collectgarbage("incremental")
assert.is_true(nested >= 50, "too few checks ran inside another")
assert.are.equal(0, wrong)
rc:close()
]==]
  end)

  it("runs a nested check on the outer check's rules after another handle changed the data, and reads the change after",
    function()
      child(SETUP .. [==[
local rc, other = assert(radcode.open { db = path }), assert(radcode.open { db = path })
local c = claim { { code = "77300", date = D25, units = 3 }, { code = "77301", date = D25, units = 1 },
  { code = "77295", date = D25, units = "1" } }
local big = busy_claim(150)
local before, big_before = rc:check(c), rc:check(big)
assert.is_nil(H.find(before, "mue", 1))
local inner
local fired, out, acted = during(rc.check, 0, function()
  assert(other:import("mue", dir .. "/mue.csv", { setting = "practitioner", version = "2025Q2",
    from = "2025-04-01", to = "2025-06-30" }))
  inner = rc:check(c)
  return true
end, function() return rc:check(big) end)
assert.is_true(fired)
assert.are.same({ true, true, n = 2 }, acted)
assert.are.same(before, inner)               -- the outer check's rules, still whole
assert.are.same({ true, big_before, n = 2 }, out)
local after, deadline = nil, radcode.clock() + 5
repeat after = rc:check(c) until H.find(after, "mue", 1) or radcode.clock() > deadline
assert.is_not_nil(H.find(after, "mue", 1), "the imported MUE is read after the outer check")
rc:close()
other:close()
H.remove_tree(dir)
]==])
    end)
end)

describe("option tables", function()
  it("are read raw: an __index metamethod is not consulted", function()
    child [==[
local dir = H.tmpdir()
local path = H.new_db(dir)
local asked = 0
local opts = setmetatable({}, { __index = function(_, k)
  asked = asked + 1
  if k == "payers" then return { "no-such-overlay" } end   -- radcode.open's Lua layer reads raw too
  if k == "db" then return (path .. "x"):sub(1, -2) end   -- a new string, referenced by nothing else
end })
local rc = assert(radcode.open(opts))
assert.matches("embedded default data", tostring(rc))
local facts = setmetatable({ date = D25, setting = "practitioner", energy_mev = 6, areas = 2 },
  { __index = function(_, k)
    asked = asked + 1
    if k == "service" then return ("delivery!"):sub(1, -2) end
  end })
local result, err = rc:classify(facts)
assert.is_nil(result)
assert.matches("service is required", err)
local lookup = rc:lookup("77412", setmetatable({}, { __index = function() asked = asked + 1; return "hospital" end }))
assert.are.equal("77412", lookup.code)
assert.are.equal(0, asked)
rc:close()
H.remove_tree(dir)
]==]
  end)

  it("keep a string a finalizer takes out of the table alive until the call ends", function()
    child [==[
local rc = assert(radcode.open())
local function facts()   -- fresh strings, referenced by the table alone
  return { service = ("delivery!"):sub(1, -2), payer = ("medicare!"):sub(1, -2), date = D25,
    setting = "practitioner", energy_mev = 6, areas = 2 }
end
local want = rc:classify(facts())
for skip = 0, 5 do
  local f
  local fired, out = during(rc.classify, skip, function()
    f.service, f.payer = nil, nil
    local junk = {}
    for i = 1, 2000 do junk[i] = ("%d"):format(i) .. "x" end   -- memory the collector may hand out again
    return true
  end, function()
    f = facts()
    return rc:classify(f)
  end)
  assert.is_true(fired)
  assert.is_true(out[1], tostring(out[2]))
  if out[2] == nil then   -- the finalizer ran before service was read
    assert.matches("^service is required", out[3])
  else                    -- after: the string read stayed whole (ASan sees a use after free)
    assert.are.same(want, out[2])
  end
end
rc:close()
]==]
  end)
end)

describe("argument errors of a guarded method", function()
  it("name the method and its argument as before, with the caller's position", function()
    local rc = assert(require("radcode").open())
    local ok, err = pcall(function() rc:check({}, { payor = "x" }) end)
    assert.is_false(ok)
    assert.matches("^[^:]*reentrancy_spec.lua:%d+: bad argument #2 to 'check' %(unknown option 'payor'%)$", err)
    assert.has_error(function() rc:lookup() end, "bad argument #1 to 'lookup' (string expected, got no value)")
    assert.has_error(function() rc.lookup(42, "77412") end, "bad argument #1 to 'lookup' (radcode.Handle expected, got number)")
    local other = { lookup = rc.lookup }
    assert.has_error(function() other:lookup("77412") end, "calling 'lookup' on bad self (radcode.Handle expected, got table)")
    rc:close()
  end)
end)
