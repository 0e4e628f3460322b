--- radcode classify: the codes, units and reasons for a treatment described
-- by its facts, given as options or as a JSON file (--facts FILE.json).
local radcode = require "radcode"

local classify = {
  summary = "the codes for a treatment, from its facts (delivery, guidance, management, ...)",
  usage = [[
usage: radcode classify --service SERVICE [--date YYYY-MM-DD] [--setting practitioner|hospital]
                        [--payer NAME] [FACT OPTIONS] [--facts FILE.json] [--json] [--db PATH]

Classifies a treatment into claim lines (code, units, modifiers, date), its
level and the reasons that decided them, for the date of service, setting
(the claim type: practitioner = professional claim, hospital = institutional
claim) and payer (Medicare G-codes apply to Medicare practitioner claims
2015-2025). Repeated units of one code print as one line with their count
and the fractions each unit covers (77427 x4  fractions 1-5, 6-10, 11-15,
16-18); --json gives every line as rc:classify returns it.
Services: delivery, imrt (= delivery with technique imrt), guidance, proton,
srs, sbrt, hdr, isodose, superficial, planning, simulation, management.

Fact options: one per row of classify_facts (data/README.md), named with
dashes for underscores; yes/no facts are flags, the others take a value:
%s
--facts FILE.json reads a JSON object of facts (snake_case names, as rc:classify
takes them); options given beside it override the file's values.
The date defaults to today and the setting to practitioner.]],
}

-- The options every classification takes (the context, not facts).
local CONTEXT = { service = "string", date = "string", setting = "string", payer = "string" }
local ALIASES = { energy = "energy-mev" }
local KIND = { integer = "int", boolean = "flag", choice = "string", dates = "dates" }

--- Option name -> kind (int, string, flag or dates) for the facts of a
--- database (rc:classify_facts()), with the context options.
function classify.kinds(rows)
  local kinds = {}
  for name, kind in pairs(CONTEXT) do kinds[name] = kind end
  for _, f in ipairs(rows) do kinds[(f.name:gsub("_", "-"))] = KIND[f.type] or "string" end
  return kinds
end

--- The classify_facts rows of the database the command line names (--db
--- PATH or --db=PATH), else of the default data; nil when it cannot be read
--- (the command then says why when it opens it).
local function fact_rows(argv)
  local path
  for i, a in ipairs(argv or {}) do
    if a == "--" then break end
    path = (a == "--db" and argv[i + 1]) or a:match("^%-%-db=(.*)$") or path
  end
  local ok, rc = pcall(radcode.open, path and { db = path } or nil)
  if not ok or not rc then return nil end
  local rows = rc:classify_facts()
  rc:close()
  return rows
end

--- "  --areas N  --blocks N  --custom-blocking  --technique 2d|3d|..." for the usage.
local function describe(rows)
  local parts, lines, width = {}, {}, 2
  for _, f in ipairs(rows) do
    local option = "--" .. f.name:gsub("_", "-")
    if f.type == "integer" then option = option .. " N"
    elseif f.type == "dates" then option = option .. " D1,D2,..."
    elseif f.type == "choice" then option = option .. " " .. (f.choices or "VALUE") end
    parts[#parts + 1] = option
  end
  local line = " "
  for _, part in ipairs(parts) do
    if #line + #part + width > 78 then lines[#lines + 1] = line; line = " " end
    line = line .. " " .. part
  end
  lines[#lines + 1] = line .. "  (--energy = --energy-mev)"
  return table.concat(lines, "\n")
end

local DEFAULT_ROWS = fact_rows(nil) or {}
local FACTS = classify.kinds(DEFAULT_ROWS)
classify.usage = classify.usage:format(describe(DEFAULT_ROWS))

--- The option kinds ("value" or "flag") for a command line: the fact
--- options come from the classify_facts of the database it names.
function classify.options_for(argv)
  FACTS = classify.kinds(argv and fact_rows(argv) or DEFAULT_ROWS)   -- a database it cannot read: the open says why
  local options = { facts = "value" }
  for name, kind in pairs(FACTS) do options[name] = kind == "flag" and "flag" or "value" end
  for alias, name in pairs(ALIASES) do options[alias] = options[name] end
  return options
end
classify.options = classify.options_for(nil)

local function read_json(path)
  local f, err = io.open(path, "rb")
  if not f then error(("cannot read facts file: %s"):format(err), 0) end
  local text = f:read("a")
  f:close()
  local facts, derr = radcode.json.decode(text)
  if facts == nil then error(("%s: %s"):format(path, derr), 0) end
  if type(facts) ~= "table" or facts[1] ~= nil then
    error(("%s: facts must be a JSON object"):format(path), 0)
  end
  return facts
end

local function convert(option, kind, value)
  if kind == "int" then
    local n = math.tointeger(tonumber(value))
    if not n then error(("--%s needs a whole number, got '%s'"):format(option, value), 0) end
    return n
  elseif kind == "dates" then
    local dates = {}
    for d in value:gmatch("[^,%s]+") do dates[#dates + 1] = d end
    return dates
  end
  return value
end

--- The facts table from --facts and the fact options.
function classify.facts(options)
  local facts = options.facts and read_json(options.facts) or {}
  for option, value in pairs(options) do
    local name = ALIASES[option] or option
    local kind = FACTS[name]
    if kind then facts[name:gsub("-", "_")] = convert(option, kind, value) end
  end
  return facts
end

local function mods_of(line)
  return line.modifiers and ("-" .. table.concat(line.modifiers, "-")) or ""
end

--- Consecutive one-unit lines of one code (and modifiers) as groups
--- { line = first line, from = i, to = j }.
local function groups_of(lines)
  local groups = {}
  for i, line in ipairs(lines) do
    local g = groups[#groups]
    if g and line.units == 1 and g.line.units == 1 and line.code == g.line.code
        and mods_of(line) == mods_of(g.line) then
      g.to = i
    else
      groups[#groups + 1] = { line = line, from = i, to = i }
    end
  end
  return groups
end

--- n distinct dates in order (2015-01-01 onward), to learn which fraction
--- each dated line falls on.
local function numbered_dates(n)
  local dates, base = {}, os.time { year = 2015, month = 1, day = 1, hour = 12 }
  for i = 1, n do dates[i] = os.date("!%Y-%m-%d", base + (i - 1) * 86400) end
  return dates
end

--- For each line, the number of the fraction it is dated on, found by
--- classifying the same facts with numbered fraction dates (the engine
--- dates the lines; the CLI does not repeat its rule). nil when the facts
--- give no fractions or the lines are not dated by them.
local function fraction_positions(rc, facts, count)
  local probe = {}
  for k, v in pairs(facts) do probe[k] = v end
  local dates = numbered_dates(count)
  probe.fraction_dates, probe.fractions = dates, count
  local ok, r = pcall(rc.classify, rc, probe)
  if not ok or type(r) ~= "table" then return nil end
  local index, positions = {}, {}
  for i, d in ipairs(dates) do index[d] = i end
  for i, line in ipairs(r.lines) do positions[i] = line.date and index[line.date] end
  return positions
end

local function fraction_count(facts)
  if type(facts.fraction_dates) == "table" then return #facts.fraction_dates end
  return math.tointeger(facts.fractions)
end

--- "fractions 1-5, 6-10, 16-18" (with " on DATE" when the lines are dated):
--- each unit covers the fractions after the previous unit's up to its own,
--- and the last unit of the course also the one or two left over.
local function coverage(lines, g, positions, count)
  local parts, start = {}, 1
  for i = g.from, g.to do
    local last = positions[i]
    if not last then return nil end
    if i == g.to and g.to == #lines then last = count end
    local part = start == last and tostring(start) or ("%d-%d"):format(start, last)
    parts[#parts + 1] = part .. (lines[i].date and (" on " .. lines[i].date) or "")
    start = positions[i] + 1
  end
  return "fractions " .. table.concat(parts, ", ")
end

local function print_group(out, lines, g, positions, count)
  local line = g.line
  local head = ("%s%s x%d"):format(line.code, mods_of(line), g.to == g.from and line.units or g.to - g.from + 1)
  local tail = line.date and ("  " .. line.date) or ""
  if g.to > g.from then
    tail = positions and coverage(lines, g, positions, count)
    if tail then
      tail = "  " .. tail
    else
      local dates = {}
      for i = g.from, g.to do dates[#dates + 1] = lines[i].date end
      tail = #dates > 0 and ("  " .. table.concat(dates, ", ")) or ""
    end
  end
  out:write(head, tail, "\n")
end

local function print_result(out, r, rc, facts)
  local groups = groups_of(r.lines)
  local count = fraction_count(facts)
  local positions
  for _, g in ipairs(groups) do
    if g.to > g.from and count and not positions then positions = fraction_positions(rc, facts, count) end
  end
  for _, g in ipairs(groups) do print_group(out, r.lines, g, positions, count) end
  if #r.lines == 0 then out:write("no lines\n") end
  if r.level then out:write(("  %-8s %s\n"):format("level", r.level)) end
  for i, reason in ipairs(r.reasons) do
    out:write(("  %-8s %s\n"):format(i == 1 and "because" or "", reason))
  end
end

function classify.run(words, ctx)
  if #words ~= 0 then error("classify takes options, not words (radcode classify --help)", 0) end
  ctx.setting()
  local facts = classify.facts(ctx.options)
  local rc = assert(ctx.open())
  local ok, result, err = pcall(rc.classify, rc, facts)
  local printed, perr = true, nil
  if ok and result and not ctx.options.json then printed, perr = pcall(print_result, ctx.out, result, rc, facts) end
  rc:close()
  if not ok then error((tostring(result):gsub("^bad argument #%d+ to '[^']*' %((.*)%)$", "%1")), 0) end
  if not result then error(err, 0) end
  if not printed then error(perr, 0) end
  if ctx.options.json then ctx.json(result) end
  return 0
end

return classify
