--- bench/baseline_lua.lua: the benchmark's plain Lua baseline: the PTP and
-- MUE edits over Lua tables (ptp[col1][col2] = rows, mue[code] = rows),
-- loaded from the same database, with the same rules as rc:check (latest
-- row in force, deleted edits up to their deletion date, indicator 9 does
-- nothing, MAI 1/2/3, and a bypass modifier counts only when it is in
-- force and meant for its line's code: modifiers.applies_to '*', a group of
-- code_groups ('em': 25 on an E/M code) or 'non-' a group ('non-em': 59,
-- XE/XS/XP/XU on any other)). Findings are returned as "line:edit:severity"
-- strings for comparison.
local M = {}
M.__index = M

local function query(db, sql)
  return io.popen(("sqlite3 -separator '|' %q %q"):format(db, sql))
end

--- Loads the practitioner PTP and MUE rows, the bypass modifiers and the
-- code groups they refer to.
function M.load(db)
  local self = setmetatable({ ptp = {}, mue = {}, bypass = {}, groups = {} }, M)
  local p = query(db, "SELECT col1, col2, modifier, valid_from, coalesce(valid_to, '9999-12-31') FROM ptp WHERE setting = 'practitioner'")
  for a, b, m, from, to in p:read("a"):gmatch("([^|\n]*)|([^|\n]*)|([^|\n]*)|([^|\n]*)|([^|\n]*)\n") do
    local row = self.ptp[a]
    if not row then row = {}; self.ptp[a] = row end
    local list = row[b]
    if not list then list = {}; row[b] = list end
    list[#list + 1] = { tonumber(m), from, to }
  end
  p:close()
  p = query(db, "SELECT code, value, mai, valid_from, coalesce(valid_to, '9999-12-31') FROM mue WHERE setting = 'practitioner'")
  for code, value, mai, from, to in p:read("a"):gmatch("([^|\n]*)|([^|\n]*)|([^|\n]*)|([^|\n]*)|([^|\n]*)\n") do
    local list = self.mue[code]
    if not list then list = {}; self.mue[code] = list end
    list[#list + 1] = { tonumber(value), tonumber(mai), from, to }
  end
  p:close()
  p = query(db, "SELECT modifier, applies_to, coalesce(terminated, '9999-12-31') FROM modifiers WHERE bypass = 1")
  for m, to, term in p:read("a"):gmatch("([^|\n]*)|([^|\n]*)|([^|\n]*)\n") do self.bypass[m] = { to, term } end
  p:close()
  p = query(db, "SELECT grp, code_from, code_to, valid_from, coalesce(valid_to, '9999-12-31') FROM code_groups")
  for g, from, to, vf, vt in p:read("a"):gmatch("([^|\n]*)|([^|\n]*)|([^|\n]*)|([^|\n]*)|([^|\n]*)\n") do
    local list = self.groups[g]
    if not list then list = {}; self.groups[g] = list end
    list[#list + 1] = { from, to, vf, vt }
  end
  p:close()
  return self
end

-- The row in force on date with the latest start (from at index f).
local function in_force(list, date, f)
  local best
  for _, r in ipairs(list or {}) do
    if r[f] <= date and r[f + 1] >= date and (not best or r[f] > best[f]) then best = r end
  end
  return best
end

-- Is code in the group on date? (ranges of codes of the same length, as text)
local function in_group(self, group, code, date)
  for _, g in ipairs(self.groups[group] or {}) do
    if #g[1] == #code and code >= g[1] and code <= g[2] and date >= g[3] and date <= g[4] then return true end
  end
  return false
end

-- Is the modifier meant for the code (applies_to '*', a group, 'non-' a group)?
local function fits(self, to, code, date)
  if to == "" or to == "*" then return true end
  local group = to:match("^non%-(.*)$")
  if group then return not in_group(self, group, code, date) end
  return in_group(self, to, code, date)
end

local function bypassed(self, line)
  for _, m in ipairs(line.modifiers or {}) do
    local row = self.bypass[m]
    if row and line.date <= row[2] and fits(self, row[1], line.code, line.date) then return true end
  end
  return false
end

function M:check(claim)
  local out, lines = {}, claim.lines
  -- one finding per column 2 line and column 1 code that day (as radcode)
  local verdicts, order = {}, {}
  for i, a in ipairs(lines) do
    local row = self.ptp[a.code]
    for j, b in ipairs(lines) do
      if i ~= j and a.date == b.date and a.code ~= b.code and row then
        local edit = in_force(row[b.code], a.date, 2)
        if edit and edit[1] ~= 9 then
          local pass = edit[1] == 1 and (bypassed(self, a) or bypassed(self, b))
          local key = j .. "|" .. a.code .. "|" .. a.date
          if verdicts[key] == nil then
            order[#order + 1] = { key, j }
            verdicts[key] = pass
          else
            verdicts[key] = verdicts[key] and pass
          end
        end
      end
    end
  end
  for _, o in ipairs(order) do out[#out + 1] = o[2] .. ":ptp:" .. (verdicts[o[1]] and "info" or "deny") end
  local seen = {}
  for i, l in ipairs(lines) do
    local rule = in_force(self.mue[l.code], l.date, 3)
    local key = l.date .. l.code
    if rule and rule[2] == 1 then
      if (l.units or 1) > rule[1] then out[#out + 1] = i .. ":mue:deny" end
    elseif rule and not seen[key] then
      seen[key] = true
      local total = 0
      for j = i, #lines do
        if lines[j].date == l.date and lines[j].code == l.code then total = total + (lines[j].units or 1) end
      end
      if total > rule[1] then out[#out + 1] = i .. ":mue:" .. (rule[2] == 2 and "deny" or "review") end
    end
  end
  return out
end

return M
