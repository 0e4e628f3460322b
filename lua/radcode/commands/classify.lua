--- radcode classify: the codes, units and reasons for a treatment described
-- by its facts, given as options or as a JSON file (--facts FILE.json).
local radcode = require "radcode"

local classify = {
  summary = "the codes for a treatment, from its facts (delivery, guidance, management, ...)",
  usage = [[
usage: radcode classify --service SERVICE [--date YYYY-MM-DD] [--setting practitioner|hospital]
                        [--payer NAME] [FACT OPTIONS] [--facts FILE.json] [--json] [--db PATH]

Classifies a treatment into claim lines (code, units, modifiers, date), its
level and the reasons that decided them, for the date of service, setting and
payer (Medicare G-codes apply to Medicare practitioner claims 2015-2025).
Services: delivery, imrt, guidance, proton, srs, sbrt, hdr, isodose,
superficial, planning, simulation, management.

Fact options (see data/README.md); yes/no facts are flags:
  --energy MEV (= --energy-mev)  --areas N  --ports N  --blocks N  --isocenters N
  --custom-blocking --tangential --wedges --rotational --compensation --electrons
  --technique 2d|3d|imrt|vmat|electron   --imrt-method mlc|compensator
  --imrt-site prostate|breast|other      --motion-management none|breath_hold|gating|tracking
  --mixed-modality --total-skin --matching --with-imrt --surface --contrast
  --brachytherapy --particles
  --guidance ct|cbct|ultrasound|stereoscopic|kv|tracking   --platform linac|cobalt|robotic
  --fraction N  --fractions N  --fraction-dates D1,D2,...  --course-kind external|srs|sbrt
  --channels N  --sources N  --lesion-mm N  --lesions N  --kv N
  --modality teletherapy|brachytherapy
--facts FILE.json reads a JSON object of facts (snake_case names, as rc:classify
takes them); options given beside it override the file's values.
The date defaults to today and the setting to practitioner.]],
}

-- Option name -> { fact name, kind }: kind int, string, flag or dates.
local FACTS = {
  service = "string", date = "string", setting = "string", payer = "string",
  ["energy-mev"] = "int", areas = "int", ports = "int", blocks = "int", isocenters = "int",
  ["custom-blocking"] = "flag", tangential = "flag", wedges = "flag", rotational = "flag",
  compensation = "flag", electrons = "flag", technique = "string", ["imrt-method"] = "string",
  ["imrt-site"] = "string", ["motion-management"] = "string", ["mixed-modality"] = "flag",
  ["total-skin"] = "flag", matching = "flag", ["with-imrt"] = "flag", surface = "flag",
  contrast = "flag", brachytherapy = "flag", particles = "flag", guidance = "string",
  platform = "string", fraction = "int", fractions = "int", ["fraction-dates"] = "dates",
  ["course-kind"] = "string", channels = "int", sources = "int", ["lesion-mm"] = "int",
  lesions = "int", kv = "int", modality = "string",
}
local ALIASES = { energy = "energy-mev" }

classify.options = { facts = "value" }
for name, kind in pairs(FACTS) do classify.options[name] = kind == "flag" and "flag" or "value" end
for alias, name in pairs(ALIASES) do classify.options[alias] = classify.options[name] end

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

local function print_result(out, r)
  for _, line in ipairs(r.lines) do
    local mods = line.modifiers and ("-" .. table.concat(line.modifiers, "-")) or ""
    out:write(("%s%s x%d%s\n"):format(line.code, mods, line.units, line.date and ("  " .. line.date) or ""))
  end
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
  rc:close()
  if not ok then error((tostring(result):gsub("^bad argument #%d+ to '[^']*' %((.*)%)$", "%1")), 0) end
  if not result then error(err, 0) end
  if ctx.options.json then ctx.json(result) else print_result(ctx.out, result) end
  return 0
end

return classify
