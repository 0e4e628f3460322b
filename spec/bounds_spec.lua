-- Bounds: a claim of the CMS limit (450 lines) is checked in time that
-- grows with its lines, even when every line is on one day and the codes
-- pair with each other; longer claims get one input finding; and hostile
-- values (megabyte strings, zero bytes, deep tables, cycles, metatables,
-- every wrong type at every field) in claims, facts and arguments are
-- refused with a message naming the field, never a crash. Hostile payer
-- overlays are in sandbox_spec.lua. Under valgrind (RADCODE_VALGRIND=1)
-- only repetition counts shrink.
local radcode = require "radcode"
local H = require "helper"

local VALGRIND = os.getenv("RADCODE_VALGRIND") ~= nil
local D25 = "2025-06-02"
local MB = ("x"):rep(2 ^ 20)

local function claim(t)
  local c = { id = "C-1", patient = "P-1", course = "P-1/c-1", payer = "acme",
    setting = "practitioner", diagnoses = { "C61" }, lines = {} }
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

local function line(code, date, units, modifiers, dx)
  return { code = code, date = date, units = units, modifiers = modifiers, dx = dx }
end

-- The findings of an edit (and line, when given).
local function findings(result, edit, line_no)
  local out = {}
  for _, f in ipairs(result.findings) do
    if f.edit == edit and (line_no == nil or (f.line or 0) == line_no) then out[#out + 1] = f end
  end
  return out
end

-- The input finding whose message holds every one of the plain texts.
local function input_with(result, ...)
  local texts = { ... }
  for _, f in ipairs(result.findings) do
    local all = f.edit == "input"
    for _, t in ipairs(texts) do all = all and f.message:find(t, 1, true) ~= nil end
    if all then return f end
  end
  local seen = {}
  for _, f in ipairs(result.findings) do seen[#seen + 1] = f.message end
  error(("no input finding with %s among:\n  %s"):format(table.concat(texts, " + "), table.concat(seen, "\n  ")), 2)
end

-- The fastest of reps calls of fn, in seconds.
local function fastest(reps, fn)
  local best = math.huge
  for _ = 1, reps do
    local t = radcode.clock()
    fn()
    best = math.min(best, radcode.clock() - t)
  end
  return best
end

-- A table nested n deep: {{{...}}}.
local function deep(n)
  local top = {}
  local t = top
  for _ = 1, n do
    t[1] = {}
    t = t[1]
  end
  return top
end

-- One value of every type but string and nil (a whole number is text for
-- text fields, so the number is a fraction).
local function wrong_values()
  return {
    { 1.5, "number" }, { true, "boolean" }, { {}, "table" }, { function() end, "function" },
    { io.stdout, "userdata" }, { coroutine.create(function() end), "thread" }, { deep(1e5), "table" },
  }
end

describe("bounds: the size of a claim", function()
  local rc, pairing
  setup(function()
    rc = assert(radcode.open())
    -- Every code on a 2025 claim that is in some NCCI pair with another.
    local codes, seen = {}, {}
    for _, prefix in ipairs { "77", "G6", "G0", "55", "76", "A9", "C9" } do
      for _, hit in ipairs(rc:search(prefix, { limit = 500, date = D25 }) or {}) do
        if not seen[hit.code] then seen[hit.code], codes[#codes + 1] = true, hit.code end
      end
    end
    local degree = {}
    for _, a in ipairs(codes) do
      for _, b in ipairs(codes) do
        local p = a < b and rc:pair(a, b, { date = D25 })
        if p and p.together ~= "yes" then degree[a], degree[b] = (degree[a] or 0) + 1, (degree[b] or 0) + 1 end
      end
    end
    pairing = {}   -- the codes in most pairs first
    for code in pairs(degree) do pairing[#pairing + 1] = code end
    table.sort(pairing, function(a, b) return degree[a] > degree[b] or (degree[a] == degree[b] and a < b) end)
  end)
  teardown(function() rc:close() end)

  -- Claims of n lines of three shapes: a course (ten lines a day over the
  -- weeks), every pairing code on one day, and 77301 and 77295 (an
  -- indicator-0 pair) alternating on one day.
  local shapes = {
    course = function(n)
      local codes = { "77412", "77387", "77336", "77427", "77300", "77334", "77014", "77280", "77290", "77295" }
      local lines = {}
      for i = 1, n do
        local day = (i - 1) // 10
        lines[i] = line(codes[(i - 1) % #codes + 1], os.date("!%Y-%m-%d", os.time { year = 2025, month = 6, day = 2 + day, hour = 12 }))
      end
      return claim { lines = lines }
    end,
    one_day = function(n, codes)
      local lines = {}
      for i = 1, n do lines[i] = line(codes[(i - 1) % #codes + 1], D25) end
      return claim { lines = lines }
    end,
    pair = function(n)
      local lines = {}
      for i = 1, n do lines[i] = line(i % 2 == 1 and "77301" or "77295", D25) end
      return claim { lines = lines }
    end,
  }

  for _, name in ipairs { "course", "one_day", "pair" } do
    it("checks a 450-line claim (" .. name .. ") in time that grows with its lines", function()
      assert.is_true(#pairing >= 40, "the data has codes that pair")
      local small, large = shapes[name](30, pairing), shapes[name](450, pairing)
      local f30, f450 = #rc:check(small).findings, #rc:check(large).findings   -- rules are loaded once, then cached
      local t30 = fastest(VALGRIND and 5 or 20, function() rc:check(small) end)
      local t450 = fastest(VALGRIND and 3 or 5, function() rc:check(large) end)
      -- Linear work would be 15 times; allow 8 times that, and a little
      -- for the clock: the quadratic pass this guards against was 260
      -- times. All on one day, 450 lines meet every pairing code while 30
      -- meet 30 of them, so there the measure is lines plus findings
      -- (findings per line are bounded below), with room for sorting them.
      local growth = name == "one_day" and 2 * (450 + f450) / (30 + f30) or 450 / 30
      assert.is_true(t450 <= 8 * growth * t30 + 0.005,
        ("450 lines took %.4f s, 30 lines %.6f s (%.0f times; %d and %d findings)"):format(t450, t30, t450 / t30, f450, f30))
    end)
  end

  it("gives each line at most one PTP finding per column-1 code that day", function()
    local result = rc:check(shapes.pair(450))
    local ptp = findings(result, "ptp")
    assert.are.equal(225, #ptp)   -- each 77295 once, beside the first 77301
    for _, f in ipairs(ptp) do
      assert.are.same({ "77295", 1, "deny" }, { f.code, f.other, f.severity })
    end
    result = rc:check(shapes.one_day(450, pairing))
    local per_line = {}
    for _, f in ipairs(findings(result, "ptp")) do
      per_line[f.line] = (per_line[f.line] or 0) + 1
      assert.is_true(per_line[f.line] <= #pairing)
    end
  end)

  it("names the column-1 line a bypass modifier does not cover, and passes when all are covered", function()
    local p = rc:pair("77412", "77407", { date = D25, setting = "practitioner" })
    assert.are.equal("with_modifier", p.together)
    local c1, c2 = p.column1, p.column2
    local result = rc:check(claim { setting = "hospital",
      lines = { line(c1, D25, 1, { "XS" }), line(c1, D25), line(c2, D25) } })
    local ptp = findings(result, "ptp")
    assert.are.same({ { 3, 2, "deny" } }, { { ptp[1].line, ptp[1].other, ptp[1].severity } })
    assert.are.equal(1, #ptp)
    result = rc:check(claim { setting = "hospital",
      lines = { line(c1, D25, 1, { "XS" }), line(c1, D25, 1, { "59" }), line(c2, D25) } })
    ptp = findings(result, "ptp")
    assert.are.same({ { 3, 1, "info" } }, { { ptp[1].line, ptp[1].other, ptp[1].severity } })
    assert.are.equal(1, #ptp)
  end)

  it("refuses a claim over max_lines (default 450) with one input finding and no line work", function()
    local function bad_lines(n)
      local lines = {}
      for i = 1, n do lines[i] = line("bad", "never", -1) end
      return claim { lines = lines }
    end
    local result = rc:check(bad_lines(450))
    assert.is_true(#result.findings >= 450)   -- every line is read
    result = rc:check(bad_lines(451))
    assert.are.equal(1, #result.findings)
    assert.matches("claim has 451 lines, more than the limit of 450; it was not checked", result.findings[1].message)
    assert.are.same({ "input", "deny" }, { result.findings[1].edit, result.findings[1].severity })
    result = rc:check(bad_lines(11), { max_lines = 10 })
    assert.are.equal(1, #result.findings)
    assert.matches("more than the limit of 10", result.findings[1].message)
    assert.is_false(result.ok)
    assert.are.equal(33, #findings(rc:check(bad_lines(11), { max_lines = 11 }), "input"))   -- code, date, units
  end)

  it("refuses a huge claim in far less time than it takes to check 450 lines", function()
    local n = VALGRIND and 20000 or 200000
    local lines = {}
    for i = 1, n do lines[i] = line("77300", D25) end
    local huge = claim { lines = lines }
    local t_huge = fastest(3, function()
      local result = rc:check(huge)
      assert.are.equal(1, #result.findings)
    end)
    local t450 = fastest(3, function() rc:check(shapes.course(450)) end)
    assert.is_true(t_huge <= t450, ("%d lines took %.4f s to refuse"):format(n, t_huge))
    assert.are.equal(1, #H.drop_coverage(rc:check(huge, { max_lines = 100000 }).findings))
  end)

  -- A same-day claim of every pairing code, each line with a bypass
  -- modifier (59): the pair, add-on and companion edits of one day.
  local function same_day(n)
    local lines = {}
    for i = 1, n do lines[i] = line(pairing[(i - 1) % #pairing + 1], D25, 1, { "59" }) end
    return claim { lines = lines }
  end

  it("checks a 100,000-line same-day claim in time linear in its lines", function()
    local n = VALGRIND and 10000 or 100000
    local small, large = same_day(1000), same_day(n)
    local long = { max_lines = 100000 }
    rc:check(small, long)   -- rules are loaded once, then cached
    local t1k = fastest(3, function() rc:check(small, long) end)
    local t = radcode.clock()
    local result = rc:check(large, long)
    t = radcode.clock() - t
    assert.is_true(#result.findings >= 10000)
    -- Linear is 100 times (the findings listed stop at 10000 anyway); the
    -- quadratic passes this guards against were thousands of times.
    assert.is_true(t <= 3 * (n / 1000) * t1k + 0.05,
      ("%d lines took %.3f s, 1000 lines %.4f s (%.0f times)"):format(n, t, t1k, t / t1k))
  end)

  it("checks a 100,000-line course with a payer overlay in time linear in its lines", function()
    local payer = assert(radcode.open { payers = { "bluecross_example" } })
    local codes = { "77301", "77338", "77300", "77334", "77014", "77412", "77336", "77295" }
    local function course(n)
      local lines = {}
      for i = 1, n do   -- ten lines a day: windows, per-days limits and prior authorisation at work
        lines[i] = line(codes[(i - 1) % #codes + 1], os.date("!%Y-%m-%d", 1748865600 + ((i - 1) // 10) * 86400))
      end
      return claim { payer = "bluecross_example", lines = lines }
    end
    local n = VALGRIND and 10000 or 100000
    local long = { max_lines = 100000 }
    local small, large = course(1000), course(n)
    payer:check(small, long)
    local t1k = fastest(3, function() payer:check(small, long) end)
    local t = radcode.clock()
    local result = payer:check(large, long)
    t = radcode.clock() - t
    assert.is_true(#result.findings >= 10000)
    assert.is_true(t <= 3 * (n / 1000) * t1k + 0.05,
      ("%d lines took %.3f s, 1000 lines %.4f s (%.0f times)"):format(n, t, t1k, t / t1k))
    payer:close()
  end)

  it("checks a long claim beside a long course history in time linear in both", function()
    local payer = assert(radcode.open { payers = { "bluecross_example" } })
    local codes = { "77412", "77336", "77427", "77301", "77338", "77014", "77417" }
    local function course(n, id, course_id, first_day)
      local lines = {}
      for i = 1, n do
        local day = first_day + ((i - 1) // 7) % 60
        lines[i] = line(codes[(i - 1) % #codes + 1], os.date("!%Y-%m-%d", 1748865600 + day * 86400))
      end
      return claim { id = id, payer = "bluecross_example", course = course_id, lines = lines }
    end
    local recorded = VALGRIND and 1000 or 9000
    for k = 1, recorded // 300 do assert(payer:record(course(300, "H-" .. k, "P-1/long", 0))) end
    local n = VALGRIND and 10000 or 100000
    local long = { max_lines = 100000 }
    local big_new, big_old = course(n, "C-new", "P-1/new", 30), course(n, "C-old", "P-1/long", 30)
    local small_old = course(1000, "C-small", "P-1/long", 30)
    payer:check(big_new, long)
    local t_claim = fastest(2, function() payer:check(big_new, long) end)
    local t_history = fastest(2, function() payer:check(small_old, long) end)
    local t = radcode.clock()
    local result = payer:check(big_old, long)
    t = radcode.clock() - t
    assert.is_true(#result.findings >= 1000)
    -- Each claim line once and each recorded line once: about the sum of
    -- the two; a scan of the history per claim line was hundreds of times it.
    assert.is_true(t <= 4 * (t_claim + t_history) + 0.1,
      ("%d lines beside %d recorded took %.3f s; alone %.3f s, 1000 lines beside them %.3f s"):format(
        n, recorded, t, t_claim, t_history))
    payer:close()
  end)

  it("reports a line of 1,000,000 modifiers as text in time linear in them", function()
    local report = require("radcode.commands.check").report
    local sink = { write = function() end }
    local n = VALGRIND and 100000 or 1000000
    local small = same_day(1000)
    local t1k = fastest(3, function() report(sink, small, rc:check(small, { max_lines = 1000 })) end)
    local mods = {}
    for i = 1, n do mods[i] = "59" end
    local big = claim { lines = { line("77300", D25, 1, mods) } }
    local t = radcode.clock()
    local result = rc:check(big)
    assert.is_not_nil(H.find(result, "input", 1) or H.find(result, "modifier", 1))
    report(sink, big, result)
    t = radcode.clock() - t
    -- The line's header joins its modifiers once (it was a string grown
    -- one modifier at a time: 1,000,000 took minutes).
    assert.is_true(t <= 50 * (n / 1000000) * t1k + 0.5,
      ("%d modifiers took %.3f s to check and report, a 1000-line claim %.4f s"):format(n, t, t1k))
  end)

  it("takes max_lines as an integer from 1 to 100000, and raises otherwise", function()
    for _, bad in ipairs { 0, -1, 100001, 1.5, "10", true, {} } do
      assert.has_error(function() rc:check(claim { lines = { line("77300", D25) } }, { max_lines = bad }) end)
    end
    assert.has_error(function() rc:check(claim(), { max_line = 10 }) end, "bad argument #2 to 'check' (unknown option 'max_line')")
  end)

  it("lists at most 10000 findings, and says how many more there were", function()
    local lines = {}
    for i = 1, 2000 do lines[i] = line("77300", D25, 1, { "!", "!", "!", "!", "!", "!", "!", "!" }) end
    local result = rc:check(claim { lines = lines }, { max_lines = 2000 })
    assert.are.equal(10000, #result.findings)
    local last = input_with(result, "the claim has more than 9999 findings")
    local more = tonumber(last.message:match("; (%d+) more"))
    assert.is_true(9999 + more >= 16000)
    assert.are.same({ "deny", false }, { last.severity, result.ok })
    assert.is_nil(last.line)   -- a claim-level finding, first
  end)
end)

describe("bounds: hostile values in a claim", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  local TEXT = { "id", "patient", "course", "payer", "setting", "pos", "npi", "authorization" }

  it("refuses a megabyte in every text field, naming the field", function()
    for _, field in ipairs(TEXT) do
      local result = rc:check(claim { [field] = MB, lines = { line("77300", D25) } })
      local f = input_with(result, "claim." .. field .. " is too long (1048576 characters")
      assert.are.equal("deny", f.severity)
    end
  end)

  it("refuses a megabyte in every line field and list, naming the line and field", function()
    local cases = {
      { { code = MB, date = D25 }, "line 1: malformed code 'xxxx" },
      { { code = "77300", date = MB }, "line 1: malformed date 'xxxx" },
      { { code = "77300", date = D25, modifiers = { MB } }, "line 1: modifier 1 'xxxx" },
      { { code = "77300", date = D25, npi = MB }, "line 1: npi is not an NPI (1048576 characters)" },
      { { code = "77300", date = D25, [MB] = 1 }, "line 1 has an unknown field 'xxxx" },
    }
    for _, case in ipairs(cases) do
      local f = input_with(rc:check(claim { lines = { case[1] } }), case[2])
      assert.is_true(#f.message < 300)
    end
    input_with(rc:check(claim { diagnoses = { MB }, lines = { line("77300", D25) } }), "diagnosis 1 'xxxx")
    input_with(rc:check(claim { [MB] = 1, lines = { line("77300", D25) } }), "claim has an unknown field 'xxxx")
  end)

  it("refuses text that hides a zero byte instead of cutting it there", function()
    for _, field in ipairs(TEXT) do
      input_with(rc:check(claim { [field] = "a\0b", lines = { line("77300", D25) } }), "claim." .. field .. " contains a zero byte")
    end
    input_with(rc:check(claim { lines = { line("77300\0", D25) } }), "line 1: malformed code")
    input_with(rc:check(claim { lines = { line("77300", D25 .. "\0") } }), "line 1: malformed date")
    input_with(rc:check(claim { lines = { line("77300", D25, 1, { "26\0" }) } }), "line 1: modifier 1")
    input_with(rc:check(claim { diagnoses = { "C61\0" }, lines = { line("77300", D25) } }), "diagnosis 1")
    local ok, err = rc:record(claim { id = "C-9\0other", lines = { line("77300", D25) } })
    assert.is_nil(ok)
    assert.matches("no id", err)   -- not recorded as C-9
  end)

  it("refuses every wrong type at every claim field, naming it", function()
    local lists = { diagnoses = true, lines = true }
    for _, field in ipairs { "id", "patient", "course", "payer", "setting", "pos", "npi", "authorization", "diagnoses", "lines" } do
      for _, v in ipairs(wrong_values()) do
        local value, type_name = v[1], v[2]
        if not (lists[field] and type_name == "table") then
          local c = claim { lines = { line("77300", D25) } }
          c[field] = value
          local result = rc:check(c)
          input_with(result, "claim." .. field .. " must be a " .. (lists[field] and "list" or "string") .. ", got " .. type_name)
          assert.is_false(result.ok)
          local ok, err = rc:record(c)
          assert.is_nil(ok)
          assert.is_string(err)
        end
      end
    end
  end)

  it("refuses every wrong type at every line field and list item, naming them", function()
    local expect = {
      code = "line 1: code must be a string, got %s",
      date = "line 1: date must be a string, got %s",
      units = "line 1: units must be a number, got %s",
      modifiers = "line 1: modifiers must be a list, got %s",
      dx = "line 1: dx must be a list, got %s",
      charge = "line 1: charge must be a number, got %s",
      npi = "line 1: npi must be a string, got %s",
    }
    for field, text in pairs(expect) do
      for _, v in ipairs(wrong_values()) do
        local value, type_name = v[1], v[2]
        local l = line("77300", D25)
        l[field] = value
        local result = rc:check(claim { lines = { l } })
        if type_name == "number" and field == "units" then
          input_with(result, "line 1: units must be a whole number from 1 to 9999, got 1.5")
        elseif not (type_name == "number" and field == "charge") and not (type_name == "table" and (field == "modifiers" or field == "dx")) then
          input_with(result, text:format(type_name))
        end
      end
    end
    for _, v in ipairs(wrong_values()) do
      local value, type_name = v[1], v[2]
      if type_name ~= "table" then input_with(rc:check(claim { lines = { value } }), "line 1 must be a table, got " .. type_name) end
      input_with(rc:check(claim { lines = { line("77300", D25, 1, { value }) } }), "line 1: modifier 1 (" .. type_name .. ") is malformed")
      input_with(rc:check(claim { lines = { line("77300", D25, 1, nil, { value }) } }),
        "line 1: diagnosis pointer 1 must be a whole number, got " .. type_name)
      input_with(rc:check(claim { diagnoses = { value }, lines = { line("77300", D25) } }), "diagnosis 1 must be a string, got " .. type_name)
    end
    input_with(rc:check(claim { lines = { { code = "77300", date = D25, charge = -1 } } }), "line 1: charge -1 is not an amount")
    input_with(rc:check(claim { lines = { { code = "77300", date = D25, charge = 0 / 0 } } }), "line 1: charge")
  end)

  it("survives cycles: a claim that holds itself, lines that hold the claim", function()
    local c = claim { lines = { line("77300", D25) } }
    c.lines[2] = c
    c.lines[3] = c.lines
    c.lines[1].dx = c.lines
    c.diagnoses = { "C61", c }
    c.self = c
    local result = rc:check(c)
    input_with(result, "line 2 has no code")
    input_with(result, "line 3 has no code")
    input_with(result, "claim has an unknown field 'self'")
    input_with(result, "diagnosis 2 must be a string, got table")
    input_with(result, "line 1: diagnosis pointer 1 must be a whole number, got table")
    assert.is_nil(rc:record(c))
  end)

  it("reads tables raw: metamethods of a claim never run", function()
    local trap = { __index = function() error("__index ran") end, __newindex = function() error("__newindex ran") end,
      __len = function() error("__len ran") end, __pairs = function() error("__pairs ran") end,
      __eq = function() error("__eq ran") end, __tostring = function() error("__tostring ran") end }
    local c = setmetatable(claim { lines = setmetatable({ setmetatable(line("77300", D25, 1, setmetatable({ "26" }, trap)), trap) }, trap) }, trap)
    local result = rc:check(c)
    assert.is_true(result.ok)
    input_with(rc:check(setmetatable(claim(), { __index = { lines = { line("77300", D25) } } })), "claim has no lines")
  end)

  it("names a few unknown fields and counts the rest", function()
    local c = claim { lines = { line("77300", D25) } }
    for i = 1, 100000 do c["field" .. i] = i end
    for i = 1, 1000 do c.lines[1]["f" .. i] = i end
    local result = rc:check(c)
    local claim_level, line_level = 0, 0
    for _, f in ipairs(findings(result, "input")) do
      if f.line then line_level = line_level + 1 else claim_level = claim_level + 1 end
    end
    assert.are.same({ 6, 6 }, { claim_level, line_level })
    input_with(result, "claim has 99995 more unknown fields")
    input_with(result, "line 1 has 995 more unknown fields")
  end)

  it("refuses lists with keys that are not positions, and reads at most what a line carries", function()
    input_with(rc:check(claim { lines = { code = "77300", date = D25 } }), "claim.lines is not a list: 2 keys such as")
    input_with(rc:check(claim { lines = { line("77300", D25) } , diagnoses = { "C61", primary = "C61" } }),
      "claim.diagnoses is not a list: 1 key such as 'primary' is not a position")
    input_with(rc:check(claim { lines = { line("77300", D25, 1, { "26", x = "TC" }) } }), "line 1: modifiers is not a list")
    local mods, dx = {}, {}
    for i = 1, 1e6 do mods[i] = "!!" end
    for i = 1, 100 do dx[i] = 1 end
    local result = rc:check(claim { lines = { line("77300", D25, 1, mods, dx) } })
    input_with(result, "line 1 has 1000000 modifiers; only the first 8 were read")
    -- the modifier edit counts every modifier the line listed, not the 8 read
    local twelve = { "59", "XS", "XE", "XU", "XP", "76", "77", "LT", "RT", "GA", "GY", "GZ" }
    local four = false
    for _, f in ipairs(rc:check(claim { lines = { line("77300", D25, 1, twelve) } }).findings) do
      four = four or (f.edit == "modifier" and f.message == "line has 12 modifiers; a claim line holds at most four")
    end
    assert.is_true(four)
    input_with(result, "line 1 has 100 diagnosis pointers; only the first 12 were read")
    assert.is_true(#result.findings < 20)
    local diagnoses = {}
    for i = 1, 1000 do diagnoses[i] = "C61" end
    input_with(rc:check(claim { diagnoses = diagnoses, lines = { line("77300", D25) } }), "claim has 1000 diagnoses; only the first 25 were read")
  end)

  it("raises for a claim that is not a table, as for any wrong argument", function()
    for _, v in ipairs { "claim", 1, true, function() end } do
      assert.has_error(function() rc:check(v) end)
      assert.has_error(function() rc:record(v) end)
    end
    assert.has_error(function() rc:check(claim(), { payer = 1 }) end)
  end)

  it("matches no overlay with a payer option too long for an overlay name", function()
    local h = assert(radcode.open { payers = { "return { name = '" .. ("a"):rep(31) .. "', rules = { { id = 'r', check = function(c, f, out) out.add { message = 'matched' } end } } }" } })
    local result = h:check(claim { lines = { line("77300", D25) } }, { payer = ("a"):rep(31) .. "b" })
    for _, f in ipairs(result.findings) do assert.are_not.equal("matched", f.message) end
    assert.matches("no overlay is loaded for payer 'a+%.%.%.'", findings(result, "overlay")[1].message)
    h:close()
  end)
end)

describe("bounds: arguments of lookup, search, pair, classify and open", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  -- nil, message, with the message short and naming the value.
  local function refused(pattern, ok, msg)
    assert.is_nil(ok)
    assert.is_string(msg)
    assert.is_true(#msg < 300, "a short message")
    assert.matches(pattern, msg)
  end

  it("gives short messages for megabyte codes, dates, texts and facts", function()
    refused("^malformed code 'x+%.%.%.'$", rc:lookup(MB))
    refused("^malformed date 'x+%.%.%.'", rc:lookup("77300", { date = MB }))
    refused("^malformed code", rc:pair(MB, "77300"))
    refused("^malformed date", rc:pair("77300", "77301", { date = MB }))
    refused("^unknown service 'x+%.%.%.'", rc:classify { service = MB })
    refused("^technique 'x+%.%.%.' is not one of", rc:classify { service = "delivery", date = D25, technique = MB })
    refused("^payer name too long", rc:classify { service = "delivery", date = D25, payer = MB })
    refused("fraction_dates%[1%]: malformed date", rc:classify { service = "sbrt", date = D25, fraction_dates = { MB } })
    local ok, err = pcall(rc.classify, rc, { service = "delivery", [MB] = 1 })
    assert.is_false(ok)
    assert.matches("unknown fact 'x+%.%.%.'%)$", err)
    ok, err = pcall(rc.lookup, rc, "77300", { setting = MB })
    assert.is_false(ok)
    assert.is_true(#err < 300)
    local results = rc:search(MB)
    assert.are.same({}, results)
    assert.is_table(rc:search(("imrt "):rep(2 ^ 16), { limit = 3 }))
  end)

  it("does not cut values at a zero byte", function()
    refused("^malformed code", rc:lookup("77300\0"))
    refused("^malformed date '2025%-06%-02%?x'", rc:lookup("77300", { date = D25 .. "\0x" }))
    refused("is not one of", rc:classify { service = "delivery", date = D25, technique = "imrt\0x" })
    local ok, err = pcall(rc.classify, rc, { service = "delivery\0x", date = D25 })
    assert.is_false(ok)
    assert.matches("option 'service' contains a zero byte", err)
    ok, err = pcall(rc.classify, rc, { service = "delivery", date = D25, ["areas\0x"] = 2 })
    assert.is_false(ok)
    assert.matches("unknown fact 'areas%?x'", err)
    ok, err = pcall(radcode.open, { db = "build/default.db\0.other" })
    assert.is_false(ok)
    assert.matches("option 'db' contains a zero byte", err)
  end)

  it("raises for every wrong type, naming the argument or fact", function()
    for _, v in ipairs(wrong_values()) do
      local value, type_name = v[1], v[2]
      assert.has_error(function() rc:lookup(value) end)
      assert.has_error(function() rc:lookup("77300", { date = value }) end)
      assert.has_error(function() rc:lookup("77300", { setting = value }) end)
      assert.has_error(function() rc:search(value) end)
      assert.has_error(function() rc:search("imrt", { limit = value }) end)
      assert.has_error(function() rc:pair(value, "77300") end)
      assert.has_error(function() rc:pair("77300", value) end)
      assert.has_error(function() rc:pair("77300", "77301", { date = value }) end)
      if type_name ~= "table" then
        assert.has_error(function() rc:lookup("77300", value) end)
        assert.has_error(function() rc:classify(value) end)
      end
      local ok, err = pcall(rc.classify, rc, { service = "delivery", date = D25, areas = value })
      if type_name == "number" then   -- a fraction is a value out of place: nil, message
        assert.are.same({ true, nil, "areas must be a whole number (got 1.5)" }, { ok, err, select(3, pcall(rc.classify, rc, { service = "delivery", date = D25, areas = value })) })
      else
        assert.is_false(ok)
        assert.matches("fact 'areas' must be an integer, got " .. type_name, err)
      end
      ok, err = pcall(rc.classify, rc, { service = "delivery", date = D25, technique = value })
      assert.is_false(ok)
      assert.matches("fact 'technique' must be a string, got " .. type_name, err)
      ok, err = pcall(rc.classify, rc, { service = value, date = D25 })
      assert.is_false(ok)
      assert.matches("option 'service' must be a string, got " .. type_name, err)
    end
  end)

  it("survives cycles and deep tables among the facts", function()
    local facts = { service = "sbrt", date = D25 }
    facts.fraction_dates = { D25, facts }
    local ok, err = pcall(rc.classify, rc, facts)
    assert.is_false(ok)
    assert.matches("fraction_dates' must be a list of date strings", err)
    facts.fraction_dates = deep(1e5)
    ok, err = pcall(rc.classify, rc, facts)
    assert.is_false(ok)
    assert.matches("must be a list of date strings", err)
    facts.fraction_dates, facts.self = nil, facts
    ok, err = pcall(rc.classify, rc, facts)
    assert.is_false(ok)
    assert.matches("unknown fact 'self'", err)
  end)

  it("refuses wrong overlay arguments", function()
    for _, v in ipairs(wrong_values()) do
      assert.has_error(function() rc:load_payer(v[1]) end)
      if v[2] ~= "table" then assert.has_error(function() rc:load_payer("return { name = 'x' }", v[1]) end) end
    end
    local name, err = rc:load_payer(MB)
    assert.is_nil(name)
    assert.is_true(#err < 300)
    name, err = rc:load_payer("return {}", ("n"):rep(40))
    assert.is_nil(name)
    assert.matches("overlay name 'n+%.%.%.' must be 1 to 31", err)
  end)
end)
