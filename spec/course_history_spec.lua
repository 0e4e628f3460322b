-- The course's history, read once per check and searched by code and day
-- (csrc/course_history.c): course and week limits, companions recorded
-- that day, payer per-days limits and windows give what a plain scan of every recorded line gives. Random
-- histories and claims are checked against a brute-force count here.
local radcode = require "radcode"

local OVERLAY = [[
return {
  name = "histplan",
  source = "History test plan 2025",
  limits = {
    { id = "77338-20", code = "77338", max = 3, per = "days", days = 20 },
    { id = "77300-week", code = "77300", max = 2, per = "week" },
  },
  windows = {
    { id = "plan-window", anchor = "77301", codes = { "77290" }, before = 4, after = 9 },
  },
}
]]

local CODES = { "77338", "77338", "77300", "77300", "77301", "77290", "77290", "77014", "77014", "77412" }
local BASE = 20209   -- 2025-05-01, days since 1970-01-01

local function date(day) return os.date("!%Y-%m-%d", day * 86400) end
local function week(day) return (day + 3) // 7 end   -- Mondays start weeks

local function random_lines(n, span)
  local out = {}
  for i = 1, n do
    out[i] = { code = CODES[math.random(#CODES)], day = BASE + math.random(0, span), units = math.random(1, 2) }
  end
  return out
end

local function claim(id, lines)
  local c = { id = id, patient = "P-1", course = "P-1/c-1", payer = "histplan", setting = "practitioner",
    diagnoses = { "C61" }, lines = {} }
  for i, l in ipairs(lines) do c.lines[i] = { code = l.code, date = date(l.day), units = l.units } end
  return c
end

-- Claim lines that come before line i: an earlier day, or its day and an
-- earlier position.
local function before(lines, i, j)
  return lines[j].day < lines[i].day or (lines[j].day == lines[i].day and j < i)
end

local function sum(list, keep)
  local n = 0
  for j, l in ipairs(list) do
    if keep(l, j) then n = n + l.units end
  end
  return n
end

-- What a scan of every recorded line and claim line says, as sorted keys.
local function expected(history, lines)
  local out = {}
  for i, l in ipairs(lines) do
    local function earlier_of(code, extra)
      return function(m, j) return m.code == code and j ~= i and before(lines, i, j) and extra(m) end
    end
    local all = function() return true end
    if l.code == "77301" then   -- national: once per course
      local n = sum(history, function(h) return h.code == "77301" end) + sum(lines, earlier_of("77301", all)) + l.units
      if n > 1 then out[#out + 1] = ("frequency@%d:"):format(i) end
    elseif l.code == "77300" then
      local same = function(m) return week(m.day) == week(l.day) end
      local n = sum(history, function(h) return h.code == "77300" and same(h) end)
        + sum(lines, earlier_of("77300", same)) + l.units
      if n > 2 then out[#out + 1] = ("frequency@%d:histplan/77300-week"):format(i) end
    elseif l.code == "77338" then
      local worst = 0
      for s = l.day - 19, l.day do
        local inside = function(m) return m.day >= s and m.day <= s + 19 end
        local n = sum(history, function(h) return h.code == "77338" and inside(h) end)
          + sum(lines, earlier_of("77338", inside)) + l.units
        if n > worst then worst = n end
      end
      if worst > 3 then out[#out + 1] = ("frequency@%d:histplan/77338-20"):format(i) end
    elseif l.code == "77014" then   -- guidance needs a delivery (77412) that day, on the claim or recorded
      local hit = false
      for _, m in ipairs(history) do hit = hit or (m.code == "77412" and m.day == l.day) end
      for _, m in ipairs(lines) do hit = hit or (m.code == "77412" and m.day == l.day) end
      if not hit then out[#out + 1] = ("companion@%d:"):format(i) end
    elseif l.code == "77290" then
      local near = function(m) return m.code == "77301" and m.day >= l.day - 9 and m.day <= l.day + 4 end
      local hit = false
      for _, m in ipairs(history) do hit = hit or near(m) end
      for _, m in ipairs(lines) do hit = hit or near(m) end
      if hit then out[#out + 1] = ("overlay@%d:histplan/plan-window"):format(i) end
    end
  end
  table.sort(out)
  return out
end

local function found(result)
  local out = {}
  for _, f in ipairs(result.findings) do
    local ours = (f.edit == "frequency" and (f.overlay or f.code == "77301"))
      or (f.edit == "overlay" and f.overlay_rule == "plan-window") or (f.edit == "companion" and f.severity == "deny")
    if ours then
      out[#out + 1] = ("%s@%d:%s"):format(f.edit, f.line, f.overlay and (f.overlay .. "/" .. f.overlay_rule) or "")
    end
  end
  table.sort(out)
  return out
end

describe("the course history (course_history.c)", function()
  it("gives course, week, companion, per-days and window findings as a scan of every recorded line does", function()
    math.randomseed(20261130)
    for trial = 1, 150 do
      local rc = assert(radcode.open { payers = { OVERLAY } })
      local history = {}
      for h = 1, math.random(0, 4) do
        local lines = random_lines(math.random(1, 6), 21)
        assert(rc:record(claim("H-" .. h, lines)))
        for _, l in ipairs(lines) do history[#history + 1] = l end
      end
      local lines = random_lines(math.random(1, 8), 21)
      local result = rc:check(claim("C-" .. trial, lines))
      assert.are.same(expected(history, lines), found(result), ("trial %d"):format(trial))
      rc:close()
    end
  end)
end)
