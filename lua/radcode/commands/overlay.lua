--- radcode overlay check FILE: validates a payer overlay and lists what it
-- changes over the national rules (and over the overlay it inherits).
local radcode = require "radcode"

local overlay = {
  summary = "validate a payer overlay and list what it changes",
  options = {},
  usage = [[
usage: radcode overlay check FILE.lua [--json] [--db PATH]

Loads the overlay the way rc:load_payer does (in its sandbox, with the
shipped overlay it inherits, if any) and lists its rows and procedural
rules. An overlay with an unknown key, a bad value or a syntax error is
refused with the file, the line and the reason (exit code 2).]],
}

-- "77280-77295, 77306": runs of consecutive codes shown as ranges.
local function list(t)
  local out, i = {}, 1
  while i <= #t do
    local j = i
    while j < #t and tonumber(t[j + 1]) and tonumber(t[j]) and tonumber(t[j + 1]) == tonumber(t[j]) + 1 do j = j + 1 end
    out[#out + 1] = j > i + 1 and (t[i] .. "-" .. t[j]) or t[i]
    if j == i + 1 then out[#out + 1] = t[j] end
    i = j + 1
  end
  return table.concat(out, ", ")
end

local function dates(row)
  if not row.from and not row.to then return "" end
  return (" [%s to %s]"):format(row.from or "always", row.to or "open")
end

local function setting(row)
  return row.setting and (" (" .. row.setting .. ")") or ""
end

-- One line per row id, its codes gathered.
local function describe(group)
  local row, codes, others, seen = group[1], {}, {}, {}
  for _, r in ipairs(group) do
    if not seen[r.code] then codes[#codes + 1], seen[r.code] = r.code, true end
    if r.other and not seen["o" .. r.other] then others[#others + 1], seen["o" .. r.other] = r.other, true end
  end
  local k = row.kind
  if k == "window" then
    return ("%s within %d days before or %d after %s"):format(list(codes), row.a, row.b, row.other)
  elseif k == "limit_days" then
    return ("%s at most %d in any %d days"):format(list(codes), row.a, row.b)
  elseif k == "limit" then
    return ("%s at most %d per %s"):format(list(codes), row.a, row.other)
  elseif k == "pair" then
    if row.a < 0 then return ("removes the pair %s/%s"):format(codes[1], row.other) end
    return ("adds the pair %s (column 1) / %s (column 2), indicator %d"):format(codes[1], row.other, row.a)
  elseif k == "mue" then
    return ("MUE of %s: %d (MAI %d)"):format(list(codes), row.a, row.b)
  elseif k == "prior_auth" then
    return ("prior authorisation for %s"):format(list(codes))
  elseif k == "coverage" then
    local dx = {}
    for _, r in ipairs(group) do
      local range = r.other == r.extra and r.other or (r.other .. "-" .. r.extra)
      if not seen["d" .. range] then dx[#dx + 1], seen["d" .. range] = range, true end
    end
    return ("%s covered only for %s"):format(list(codes), list(dx))
  elseif k == "mapping" then
    return ("%s not taken: bill %s"):format(list(codes), list(others))
  end
  return k
end

local function groups(info)
  local order, by_id = {}, {}
  for _, r in ipairs(info.rows) do
    local key = r.section .. "\0" .. r.id
    if not by_id[key] then
      by_id[key] = {}
      order[#order + 1] = key
    end
    table.insert(by_id[key], r)
  end
  table.sort(order)
  local out = {}
  for _, key in ipairs(order) do out[#out + 1] = by_id[key] end
  return out
end

local function report(ctx, info)
  local w = function(...) ctx.out:write(...) end
  w(("overlay %s: valid\n"):format(info.name))
  w(("  file:     %s\n"):format(info.file))
  if info.description then w(("  about:    %s\n"):format(info.description)) end
  w(("  inherits: %s\n"):format(info.inherits and (info.inherits .. " (then the national rules)") or "the national rules"))
  w(("  sandbox:  %d bytes, %d instructions per claim\n"):format(info.memory, info.budget))
  local gs = groups(info)
  w(("changes (%d):\n"):format(#gs))
  for _, g in ipairs(gs) do
    w(("  %-10s %-26s %s%s%s\n"):format(g[1].section, g[1].id, describe(g), setting(g[1]), dates(g[1])))
  end
  w(("procedural rules (%d):\n"):format(#info.rules))
  for _, r in ipairs(info.rules) do w(("  %s%s\n"):format(r.id, dates(r))) end
end

function overlay.run(words, ctx)
  if words[1] ~= "check" or #words ~= 2 then error("usage: radcode overlay check FILE.lua", 0) end
  local f, ferr = io.open(words[2], "rb")
  if f then f:close() elseif not radcode.shipped_payer(words[2]) then
    error(("cannot read overlay file %s"):format(ferr), 0)   -- a FILE here, never Lua source text
  end
  local rc = assert(ctx.open())
  local name, err = rc:load_payer(words[2])
  if not name then
    rc:close()
    error(err, 0)
  end
  local info = assert(rc:payer(name))
  rc:close()
  if ctx.options.json then ctx.json(info) else report(ctx, info) end
  return 0
end

return overlay
