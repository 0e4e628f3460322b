-- The overlay sandbox against hostile overlays: each forbidden facility,
-- loops, memory and string-repeat bombs, work hidden in C library calls
-- (patterns, sorting, shifting), coroutine tricks, metatable tricks on the
-- claim copy and on the values handed back to the engine, a kept `out`,
-- and floods of findings. In every case the check still returns the
-- national findings plus an `overlay` finding naming the overlay and rule,
-- and the host's string metatable, string library and globals are as they
-- were. overlay_spec.lua covers the plain cases (no io, no string.dump, an
-- infinite loop, a memory bomb); these are the hostile ones.
local radcode = require "radcode"
local H = require "helper"

local D25 = "2025-06-02"
-- Wall-clock seconds a stopped rule may take: the stops are about CPU
-- work, and a busy machine or valgrind stretches the wall clock.
local BOUND = os.getenv("RADCODE_VALGRIND") and 120 or 30

local function claim(payer)
  return { id = "C-1", patient = "P-1", course = "P-1/c-1", payer = payer or "sb", setting = "practitioner",
    diagnoses = { "C61" }, lines = { { code = "77300", date = D25 }, { code = "77300", date = D25, units = 20 } } }
end

local find = H.find

-- What the host's string metatable, string library and globals hold.
local function host_state()
  local state, mt = {}, getmetatable("")
  state["metatable"] = mt
  for k, v in pairs(mt) do state["mt." .. tostring(k)] = v end
  for k, v in pairs(string) do state["string." .. k] = v end
  for k, v in pairs(_G) do state["_G." .. tostring(k)] = v end
  state["_G metatable"] = getmetatable(_G) or "none"
  return state
end

local function assert_host_unchanged(before)
  local after = host_state()
  for k, v in pairs(before) do assert(rawequal(after[k], v), "the host's " .. k .. " changed") end
  for k in pairs(after) do assert(before[k] ~= nil, "the host gained " .. k) end
  assert.are.equal("xx", ("x"):rep(2))
end

-- A handle with overlay 'sb' whose one rule 'r' runs body.
local function rule(body, opts)
  local o = opts or {}
  o.payers = { ("return { name = 'sb', rules = { { id = 'r', check = function(claim, findings, out)\n%s\nend } } }"):format(body) }
  return assert(radcode.open(o))
end

-- Checks the claim: the national MUE finding stays, and one overlay
-- finding names sb/r, its message matching pattern; the host is unchanged.
local function holds(rc, pattern)
  local before = host_state()
  local t = radcode.clock()
  local result = rc:check(claim())
  local seconds = radcode.clock() - t
  assert.is_truthy(find(result, "mue", 1), "the national finding stays")
  local f = assert(find(result, "overlay", 0), "an overlay finding")
  assert.are.same({ "overlay", "review", "sb", "r", "sb/r" }, { f.edit, f.severity, f.overlay, f.overlay_rule, f.rule })
  assert.matches("^payer overlay sb: rule r ", f.message)
  if type(pattern) == "table" then
    local any = false
    for _, p in ipairs(pattern) do any = any or f.message:find(p) ~= nil end
    assert(any, "unexpected message: " .. f.message)
  elseif pattern then
    assert.matches(pattern, f.message)
  end
  assert_host_unchanged(before)
  return f, seconds
end

local function case_name(body)
  return (body:gsub("%s+", " "):sub(1, 70))
end

describe("the sandbox refuses each forbidden facility", function()
  local USES = {
    "io.open('/etc/passwd')", "os.execute('true')", "os.exit(1)", "require('os')", "load('return 1')()",
    "loadstring('return 1')()", "dofile('/etc/passwd')", "loadfile('/etc/passwd')", "debug.sethook()",
    "debug.getregistry()", "string.dump(function() end)", "('').dump(function() end)",
    "getmetatable('').__index.dump(function() end)", "collectgarbage('stop')", "package.loaded.os.exit(1)",
    "rawget(_G, 'io').open('/etc/passwd')", "_ENV.os.exit(1)", "print('x')", "warn('x')",
    "setmetatable({}, { __gc = function() end })",
    "module('x')", "coroutine.running()",
  }
  for _, use in ipairs(USES) do
    it("refuses " .. use, function()
      local rc = rule(use)
      local f = holds(rc, "failed")
      rc:close()
      return f
    end)
  end

  it("keeps a __gc added to a metatable after setmetatable from ever running", function()
    local rc = rule("local mt = {} setmetatable(claim, mt) mt.__gc = function() while true do end end out.add { message = 'added' }")
    local result = rc:check(claim())
    assert.are.equal("added", find(result, "overlay", 0).message)
    local t = radcode.clock()
    rc:close()   -- a finalizer that ran would loop here
    assert.is_true(radcode.clock() - t < BOUND)
  end)

  it("keeps one overlay's changes to shared tables from other overlays and the host", function()
    local POISON = [[return { name = 'bad', rules = { { id = 'poison', check = function(claim, findings, out)
      local mt = getmetatable('')
      rawset(string, 'rep', function() error('poisoned rep') end)
      string.format = nil
      rawset(_G, 'ipairs', nil)
      mt.__add = function() return 'poisoned add' end
      mt.__index = function() error('poisoned index') end
      mt.__metatable = 'locked'
      setmetatable(_G, { __index = function() error('poisoned global') end })
      out.add { message = 'poisoned' }
    end } } }]]
    local CLEAN = [[return { name = 'good', rules = { { id = 'uses', check = function(claim, findings, out)
      out.add { message = ('x'):rep(3) .. string.format('%d', #claim.lines) .. select('#', ipairs(claim.lines)) }
    end } } }]]
    local before = host_state()
    local rc = assert(radcode.open { payers = { POISON, CLEAN } })
    assert.are.equal("poisoned", find(rc:check(claim("bad")), "overlay", 0).message)
    local again = rc:check(claim("bad"))   -- its own state is poisoned: its rule fails, the rest stands
    assert.is_truthy(find(again, "mue", 1))
    assert.matches("rule poison failed", find(again, "overlay", 0).message)
    assert.are.equal("xxx23", find(rc:check(claim("good")), "overlay", 0).message)
    assert_host_unchanged(before)
    rc:close()
  end)
end)

describe("the sandbox stops loops", function()
  local LOOPS = {
    "local x <close> = setmetatable({}, { __close = function() while true do end end }) while true do end",
    "xpcall(function() while true do end end, function() while true do end end)",
    "xpcall(error, function() while true do end end)",
    "local function f() return f() end return f()",
    "error(setmetatable({}, { __tostring = function() while true do end end }))",
    "while true do local ok = pcall(error, 'x') end",
    "for i = 1, math.maxinteger do end",
  }
  for _, body in ipairs(LOOPS) do
    it("stops " .. case_name(body), function()
      local rc = rule(body)
      local _, seconds = holds(rc)
      assert.is_true(seconds < BOUND)
      rc:close()
    end)
  end

  it("refuses endless recursion", function()
    local rc = rule("local function f() return 1 + f() end f()")
    holds(rc, { "stack overflow", "memory ceiling" })
    rc:close()
  end)
end)

describe("the sandbox bounds memory and C work", function()
  -- Each body spends its budget inside C library calls: before the
  -- calls were charged, the first ones ran for hours or forever.
  local BOMBS = {
    "local s = ('x'):rep(2^40)",
    "local s = string.rep('x', 2^30, ',')",
    "local s = ('x'):rep(2^20, ('y'):rep(2^20))",
    "local s = (''):rep(2^40)",
    "local s = string.rep('', 2^52, '')",
    "local s = ('x'):rep(2^20):rep(2^20)",
    "local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end",
    "local s = ('a'):rep(5000) local x = s:find('.-.-.-b')",
    "local s = ('a'):rep(4000) local x = s:gsub('a-a-a-a-b', '')",
    "local s = ('a'):rep(3000) for x in s:gmatch('a*a*a*b') do end",
    "local s = ('a'):rep(2^20) local x = s:find(s:sub(2) .. 'b', 1, true)",
    "local s = ('a'):rep(2000) .. 'b' local x = s:match('^(a-)(a-)(a-)(a-)c')",
    "local t = {} for i = 1, 100000 do t[i] = -i end for i = 1, 1000 do table.sort(t) end",
    "local t = {} for i = 1, 100000 do t[i] = i end for i = 1, 1e6 do table.insert(t, 1, i) end",
    "local t = {} for i = 1, 100000 do t[i] = i end for i = 1, 1e6 do table.remove(t, 1) end",
    "local t = setmetatable({}, { __len = function() return 2^50 end, __index = function() return 1 end }) table.sort(t)",
    "local t = {} for i = 1, 1e6 do table.move(t, 1, 2^40, 2) end",
    "local s = ('\\xe4\\xbd\\xa0'):rep(2^18) for i = 1, 1e6 do local n = utf8.len(s) end",
    "local s = ('x'):rep(2^19) for i = 1, 1e6 do local a, b = s:byte(1, -1) end",
    "local t = {} for i = 1, 2^17 do t[i] = i end for i = 1, 1e6 do local n = select('#', table.unpack(t)) end",
    "local t = {} for i = 1, 2^17 do t[i] = 'x' end for i = 1, 1e6 do local s = table.concat(t) end",
    "local a, b = ('x'):rep(2^20), ('x'):rep(2^20 - 1) .. 'y' for i = 1, 1e6 do local e = rawequal(a, b) end",
  }
  for _, body in ipairs(BOMBS) do
    it("stops " .. case_name(body), function()
      local rc = rule(body)
      local _, seconds = holds(rc, { "was stopped: instruction budget of 1000000 exceeded", "was stopped: memory ceiling" })
      assert.is_true(seconds < BOUND, ("took %.1f s"):format(seconds))
      rc:close()
    end)
  end

  -- Work the count cannot see, in single VM instructions: long vararg
  -- lists copied at each call, __index chains 2000 tables long. The
  -- allocations they need are charged, and a CPU-time backstop (10 s per
  -- million instructions of budget: 1 s here) ends what is left.
  local HIDDEN = {
    [[local s = ('x'):rep(25000)
      local function g(...) end
      local function f(...) while true do g(...) g(...) g(...) g(...) end end
      f(s:byte(1, -1))]],
    [[local t = {} for i = 1, 1990 do t = setmetatable({}, { __index = t }) end
      while true do local a, b, c, d = t.x, t.y, t.z, t.w end]],
  }
  for _, body in ipairs(HIDDEN) do
    it("stops " .. case_name(body) .. " in bounded time", function()
      local rc = rule(body, { overlay_instructions = 100000 })
      local _, seconds = holds(rc, { "was stopped: time limit of 1%.0 s reached", "was stopped: instruction budget of 100000" })
      assert.is_true(seconds < BOUND, ("took %.1f s"):format(seconds))
      rc:close()
    end)
  end

  it("still lets ordinary rules use patterns, sorting and lists", function()
    local rc = rule([[
      local words = {}
      for i = 1, 200 do words[#words + 1] = ('  code %05d  '):format(i) end
      for i, w in ipairs(words) do words[i] = w:match('^%s*(.-)%s*$'):gsub('%s+', '-') end
      table.sort(words, function(a, b) return a > b end)
      table.insert(words, 1, 'first')
      local n = 0
      for _ in table.concat(words, ','):gmatch('[^,]+') do n = n + 1 end
      out.add { message = words[1] .. ' ' .. words[2] .. ' ' .. n .. ' ' .. utf8.len(table.concat(words)) }
    ]])
    local f = find(rc:check(claim()), "overlay", 0)
    assert.are.equal("first code-00200 201 2005", f.message)
    rc:close()
  end)
end)

describe("the sandbox charges every entry into C work before it runs", function()
  -- Each of these ran to its end (about a second each, the first one
  -- minutes with a longer subject) without a charge: the subject was a
  -- number, or argument 4 (true) was taken for `plain` in match, gmatch and
  -- gsub, where it is not. Each is stopped before the matcher starts.
  local MATCHER = {
    "local s = ('a'):rep(25) local x = string.match(s, ('a*'):rep(9) .. 'b', 1, true)",
    "local x = string.match(('a'):rep(40), ('a*'):rep(6) .. 'b', 1, true)",
    "local x = ('a'):rep(40):gsub(('a*'):rep(6) .. 'b', '', 1)",
    "for x in ('a'):rep(40):gmatch(('a*'):rep(6) .. 'b', 1, true) do end",
    "local x = string.find(1111111111111111111, ('%d*'):rep(9) .. 'x')",
    "local x = string.match(1111111111111111111, ('1*'):rep(9) .. 'x')",
    "for x in string.gmatch(1111111111111111111, ('1*'):rep(9) .. 'x') do end",
    "local x = string.gsub(1111111111111111111, ('1*'):rep(9) .. 'x', '')",
    "local x = string.find(1111111111111111111, '^' .. ('1*'):rep(9) .. 'x')",
  }
  for _, body in ipairs(MATCHER) do
    it("stops " .. case_name(body), function()
      local rc = rule(body .. " out.add { message = 'the matcher ran to its end' }")
      local _, seconds = holds(rc, "was stopped: instruction budget of 1000000 exceeded")
      assert.is_true(seconds < BOUND, ("took %.1f s"):format(seconds))
      rc:close()
    end)
  end

  it("stops the same work at load, in the overlay's top-level code", function()
    local t = radcode.clock()
    local rc, err = radcode.open { payers = {
      "local x = string.match(1111111111111111111, ('1*'):rep(9) .. 'x', 1, true) return { name = 'sb' }" } }
    assert.is_nil(rc)
    assert.matches("instruction budget of 1000000 exceeded", err)
    assert.is_true(radcode.clock() - t < BOUND)
  end)

  -- table.sort was charged n log n comparisons, but one comparison of two
  -- long strings with a common prefix reads them both: megabytes in one
  -- step the count cannot see (55 s of CPU per claim). Each comparison is
  -- now charged by the bytes it may compare, so the budget ends the rule
  -- after a few sorts, where thousands ran before. The rule counts its
  -- sorts in a global of its sandbox; the next claim reports the count.
  local SORTS = {
    "table.sort(t)",
    "table.sort(t, function(x, y) return x > y end)",
    "table.sort(t, function(x, y) return x < y end, 'ignored')",
  }
  for _, call in ipairs(SORTS) do
    it("charges each comparison of " .. call .. " by the bytes it compares", function()
      local rc = rule(([[
        if sorts then out.add { message = 'sorts ' .. sorts } return end
        sorts = 0
        local a = ('x'):rep(2^19)
        local t = {}
        for i = 1, 8 do t[i] = a .. (i %% 5) end
        a = nil
        for i = 1, 1e6 do %s sorts = sorts + 1 end]]):format(call), { overlay_instructions = 400000, overlay_memory = 2^26 })
      local _, seconds = holds(rc, "was stopped: instruction budget of 400000 exceeded")
      assert.is_true(seconds < BOUND, ("took %.1f s"):format(seconds))
      local sorts = tonumber(find(rc:check(claim()), "overlay", 0).message:match("^sorts (%d+)$"))
      assert.is_true(sorts >= 1 and sorts < 20, "sorts before the stop: " .. sorts)
      rc:close()
    end)
  end

  it("still sorts with a comparator, and refuses a bad one as table.sort does", function()
    local rc = rule([[
      local t = { 'b', 'c', 'a' }
      table.sort(t)
      local u = { 3, 1, 2 }
      table.sort(u, function(a, b) return a > b end, 'ignored')
      local ok, err = pcall(table.sort, t, 42)
      out.add { message = table.concat(t) .. table.concat(u) .. ' ' .. tostring(ok) .. ' ' .. tostring(err:match('bad argument') ~= nil) }
    ]])
    assert.are.equal("abc321 false true", find(rc:check(claim()), "overlay", 0).message)
    rc:close()
  end)

  -- An anchored pattern tries one start position: it is charged for that
  -- one (the pattern's length and the runs its repeated items may take),
  -- not for every byte of a long subject. The same search unanchored, or
  -- plain, is charged for every start and stopped.
  it("charges an anchored find for one start, an unanchored one for every start", function()
    local rc = rule([[
      local s = ('x'):rep(2^20)
      local n = 0
      for i = 1, 10000 do n = n + (s:find('^abc') or 0) + #(s:match('^x') or '') end
      out.add { message = 'anchored ' .. n }
    ]])
    assert.are.equal("anchored 10000", find(rc:check(claim()), "overlay", 0).message)
    rc:close()
    for _, call in ipairs { "s:find('abc')", "s:find('abc', 1, true)", "s:match('^abc', 1, true) or s:find('x^abc')" } do
      rc = rule(("local s = ('x'):rep(2^20) for i = 1, 10000 do local x = %s end out.add { message = 'ran' }"):format(call))
      holds(rc, "was stopped: instruction budget")
      rc:close()
    end
  end)
end)

describe("a stopped overlay contributes nothing", function()
  -- Its earlier rules' findings and changes are withdrawn, one overlay
  -- finding (review) says why, and the check goes on: the national
  -- findings stay as they were, and other overlays' results stay.
  local STOPS = {
    "while true do end",
    "local s = ('a'):rep(5000) local x = s:find('.-.-.-b')",
    "local t = {} while true do t[#t + 1] = ('x'):rep(1000) .. #t end",
  }
  local function overlay(body)
    return assert(radcode.open { payers = { ([[return { name = 'sb', rules = {
        { id = 'first', check = function(claim, findings, out)
            out.add { line = 1, severity = 'deny', message = 'added before the stop' }
            for _, f in ipairs(findings) do if f.edit == 'mue' then out.suppress(f, 'forgiven before the stop') end end
          end },
        { id = 'r', check = function(claim, findings, out) %s end },
        { id = 'later', check = function(claim, findings, out) out.add { message = 'after the stop' } end } } }]]):format(body) } })
  end

  it("applies those rules' findings and changes when nothing is stopped", function()
    local rc = overlay("")
    local result = rc:check(claim())
    assert.are.same({ "info", true, "sb" }, { find(result, "mue", 1).severity, find(result, "mue", 1).suppressed, find(result, "mue", 1).overlay })
    local messages = {}
    for _, x in ipairs(result.findings) do messages[x.message] = true end
    assert.is_true(messages["added before the stop"] and messages["after the stop"])
    rc:close()
  end)

  for _, body in ipairs(STOPS) do
    it("withdraws what its earlier rules did when a later one is stopped: " .. case_name(body), function()
      local rc = assert(radcode.open { payers = { ([[return { name = 'sb', rules = {
        { id = 'first', check = function(claim, findings, out)
            out.add { line = 1, severity = 'deny', message = 'added before the stop' }
            for _, f in ipairs(findings) do if f.edit == 'mue' then out.suppress(f, 'forgiven before the stop') end end
          end },
        { id = 'r', check = function(claim, findings, out) %s end },
        { id = 'later', check = function(claim, findings, out) out.add { message = 'after the stop' } end } } }]]):format(body) } })
      local f = holds(rc, "was stopped")
      assert.matches("none of its rules' findings or changes are used", f.message, 1, true)
      local result = rc:check(claim())
      local mue = assert(find(result, "mue", 1))
      assert.are.same({ "review", false }, { mue.severity, mue.suppressed == true })
      assert.is_nil(mue.overlay)
      for _, x in ipairs(result.findings) do
        assert.are_not.equal("added before the stop", x.message)
        assert.are_not.equal("after the stop", x.message)
      end
      rc:close()
    end)
  end

  it("keeps an erroring overlay's other rules, and a parent's results when the child is stopped", function()
    local rc = assert(radcode.open { payers = {
      [[return { name = 'base', rules = { { id = 'kept', check = function(claim, findings, out) out.add { message = 'from base' } end } } }]],
      [[return { name = 'sb', inherits = 'base', rules = {
        { id = 'first', check = function(claim, findings, out) out.add { message = 'from sb' } end },
        { id = 'r', check = function(claim, findings, out) while true do end end } } }]] } })
    local result = rc:check(claim())
    local messages = {}
    for _, x in ipairs(result.findings) do messages[x.message] = true end
    assert.is_true(messages["from base"])
    assert.is_nil(messages["from sb"])
    assert.is_truthy(find(result, "mue", 1))
    rc:close()
  end)
end)

describe("the sandbox has no coroutines to escape with", function()
  local TRICKS = {
    "coroutine.yield()",
    "coroutine.wrap(function() while true do end end)()",
    "while true do coroutine.create(function() end) end",
    "local co = coroutine.create(function() while true do coroutine.yield() end end) while true do coroutine.resume(co) end",
    "return coroutine.isyieldable()",
  }
  for _, body in ipairs(TRICKS) do
    it("refuses " .. case_name(body), function()
      local rc = rule(body)
      holds(rc, "failed: .*global 'coroutine'")
      rc:close()
    end)
  end
end)

describe("the sandbox holds against metatable tricks", function()
  local TRICKS = {
    -- on the claim copy given to the rule
    { "setmetatable(claim, { __index = function(t, k) while true do end end }) return claim.anything", "was stopped" },
    { "setmetatable(claim.lines[1], { __newindex = function(t, k, v) t[k .. 'x'] = v end }) claim.lines[1].a = 1", "failed" },
    { "local mt = {} mt.__index = setmetatable({}, mt) setmetatable(claim, mt) return claim.x", "failed" },
    { "setmetatable(claim, { __gc = function() end })", "__gc" },
    { "setmetatable(claim.lines, { __len = function() return 2^60 end }) table.insert(claim.lines, 1, {})", "was stopped" },
    { "setmetatable(findings, { __index = function() error('trap') end }) return findings[99]", "trap" },
    -- on the values handed back to the engine
    { "out.add(setmetatable({}, { __index = function(t, k) while true do end end }))", "was stopped" },
    { "out.add(setmetatable({ message = 'm' }, { __index = function() error('trap') end }))", "trap" },
    { "out.add { message = setmetatable({}, { __tostring = function() return 'm' end, __concat = function() return 'm' end }) }", "message must be a string, got table" },
    { "out.add { message = 'm', severity = setmetatable({}, { __tostring = function() return 'deny' end, __eq = function() return true end }) }", "failed" },
    { "out.add { message = 'm', line = setmetatable({}, { __len = function() return 1 end, __lt = function() return true end, __eq = function() return true end }) }", "line must be a line number" },
    { "out.add { [setmetatable({}, { __tostring = function() while true do end end })] = 1, message = 'm' }", "was stopped" },
    { "out.add { [setmetatable({}, { __tostring = function() return {} end })] = 1, message = 'm' }", "failed" },
    { "out.add { message = 'a' .. setmetatable({}, { __concat = function() while true do end end }) }", "was stopped" },
    { "out.suppress(setmetatable({}, { __index = function() error('trap') end }), 'why')", "trap" },
    { "out.downgrade(findings[1], setmetatable({}, { __tostring = function() return 'info' end }), 'why')", "failed" },
    { "out.add { message = 'm', line = 1e300 }", "line must be a line number" },
    { "out.add { message = 'm', line = -1 }", "line must be a line number" },
    { "out.add { message = 'm', edit = 'ptp\\0x' }", "not allowed" },
    { "out.add { message = 'm', wrong = true }", "unknown key 'wrong'" },
    { "out.add(setmetatable({}, { __gc = true }))", "__gc" },
  }
  for _, case in ipairs(TRICKS) do
    it("holds against " .. case_name(case[1]), function()
      local rc = rule(case[1])
      holds(rc, case[2])
      rc:close()
    end)
  end

  it("copies only what is given: the rule's returned objects are ignored", function()
    local rc = rule("out.add { message = 'kept' } return setmetatable({}, { __index = function() error('ran') end }), print, out")
    assert.are.equal("kept", find(rc:check(claim()), "overlay", 0).message)
    rc:close()
  end)

  it("refuses overlay tables with metatables at load, so nothing runs while they are read", function()
    local SOURCES = {
      -- a fresh string each read, and garbage to collect it: C once kept a pointer to it
      [[return setmetatable({}, { __index = function(t, k)
        local junk = {} for i = 1, 20000 do junk[i] = ('x'):rep(50) .. i end
        if k == 'name' then return 'nm' .. #junk .. ('z'):rep(20) end
        if k == 'description' then return ('d'):rep(100) .. #junk end
      end })]],
      "return { name = 'x', limits = setmetatable({}, { __index = function() error('ran') end }) }",
      "return { name = 'x', limits = { setmetatable({ code = '77300', max = 1, per = 'course' }, { __index = function() return 'week' end }) } }",
      "return { name = 'x', rules = { setmetatable({ id = 'r' }, { __index = { check = function() end } }) } }",
      "return { name = 'x', mue = { { code = '77300', codes = setmetatable({}, { __len = function() return 2^40 end }), value = 1 } } }",
    }
    for _, src in ipairs(SOURCES) do
      local rc = assert(radcode.open())
      local name, err = rc:load_payer(src)
      assert.is_nil(name)
      assert.matches("may not have metatables", err)
      rc:close()
    end
    local rc = assert(radcode.open())
    local name, err = rc:load_payer("return { name = 'a\\0b' }")
    assert.is_nil(name)
    assert.matches("name contains a zero byte", err)
    name, err = rc:load_payer("return { name = 'x', mue = { { code = '77300\\0', value = 1 } } }")
    assert.is_nil(name)
    assert.matches("code contains a zero byte", err)
    name, err = rc:load_payer("local s = (''):rep(2^40) return { name = 'x' }")
    assert.is_nil(name)
    assert.matches("instruction budget", err)
    rc:close()
  end)
end)

describe("the sandbox bounds what a rule hands back", function()
  it("refuses an out kept from an earlier call", function()
    local rc = rule("if kept then kept.add { message = 'stale' } end kept = out out.add { message = 'fresh' }")
    assert.are.equal("fresh", find(rc:check(claim()), "overlay", 0).message)
    local f = holds(rc, "out may only be used during the call of the rule it was given to")
    assert.matches("failed", f.message)
    rc:close()
  end)

  it("refuses an out passed from one rule to the next", function()
    local rc = assert(radcode.open { payers = { [[return { name = 'sb', rules = {
      { id = 'keep', check = function(claim, findings, out) shared = out end },
      { id = 'r', check = function(claim, findings, out) shared.add { message = 'as keep' } end } } }]] } })
    holds(rc, "out may only be used during the call")
    rc:close()
  end)

  it("caps the changes of one rule", function()
    local rc = rule("for i = 1, 1e6 do out.add { message = 'x' } end")
    holds(rc, "at most 64 changes per claim")
    rc:close()
    rc = rule("for i = 1, 1e5 do pcall(out.add, { message = 'x' }) end")
    local result = rc:check(claim())
    local n = 0
    for _, f in ipairs(result.findings) do if f.message == "x" then n = n + 1 end end
    assert.are.equal(64, n)
    rc:close()
  end)

  it("bounds the findings of an overlay with thousands of rules", function()
    local rc = assert(radcode.open { payers = { [[local rules = {}
      for i = 1, 5000 do
        rules[i] = { id = 'r' .. i, check = function(claim, findings, out)
          for k = 1, 64 do out.add { line = 1, message = ('flood %d'):format(k), fix = ('f'):rep(200) } end
        end }
      end
      return { name = 'sb', rules = rules }]] } })
    local t = radcode.clock()
    local result = rc:check(claim())
    assert.is_true(radcode.clock() - t < BOUND)
    assert.is_true(#result.findings <= 10000)
    assert.is_truthy(find(result, "mue", 1))
    local stopped = find(result, "overlay", 0)
    assert.is_truthy(stopped == nil or stopped.message:find("was stopped") or stopped.message:find("more than 9999"))
    rc:close()
  end)

  it("charges the copy of a claim that holds itself many times over", function()
    local wide = {}
    for i = 1, 1000 do wide[i] = function() end end
    for _ = 1, 3 do
      local up = {}
      for i = 1, 1000 do up[i] = wide end
      wide = up
    end
    local c = claim()
    c.extra = wide
    c.lines[3] = c
    local rc = rule("out.add { message = 'ran' }", { overlay_instructions = 100000 })
    local t = radcode.clock()
    local result = rc:check(c)
    assert.is_true(radcode.clock() - t < BOUND)
    assert.is_truthy(find(result, "mue", 1))
    assert.matches("was stopped", find(result, "overlay", 0).message)
    rc:close()
  end)
end)
