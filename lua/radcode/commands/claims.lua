--- radcode claims FILE [--format F] [--json]: prints the claims of an X12
-- 837P / 837I file, a FHIR R4 Claim or Bundle, or radcode JSON (lines) as
-- radcode read them (radcode.claims), without checking them: a biller can
-- see what radcode takes from each segment or element.
local radcode = require "radcode"
local check = require "radcode.commands.check"

local claims = {
  summary = "print the claims of an X12 837, FHIR or JSON file as radcode reads them",
  options = { format = "value" },
  usage = [[
usage: radcode claims FILE [--format x12|fhir|json] [--json]

Reads FILE (X12 837P / 837I, FHIR R4 Claim or Bundle, radcode JSON or JSON
lines; the format is detected) and prints each claim as radcode reads it:
id, claim type, place of service or type of bill, patient, payer,
provider, diagnoses, and each line (code, modifiers, date, units,
diagnosis pointers, revenue code, where it was in the file), with what
could not be read.
  --format F   read FILE as x12, fhir or json (default: detected)
  --json       the claims as JSON (the tables rc:check takes)
Exit: 0 when the file was read, 2 when it is not a readable document.]],
}

local function text(v)
  if type(v) == "table" then
    local parts = {}
    for _, x in ipairs(v) do parts[#parts + 1] = tostring(x) end
    return table.concat(parts, ",")
  end
  return tostring(v)
end

local CLAIM_FIELDS = { "setting", "pos", "bill_type", "patient", "payer", "provider", "authorization" }

local function print_claim(out, i, claim)
  local parts = { ("claim %d: %s"):format(i, claim.id ~= nil and text(claim.id) or "(no id)") }
  for _, k in ipairs(CLAIM_FIELDS) do
    if claim[k] ~= nil then parts[#parts + 1] = k .. " " .. text(claim[k]) end
  end
  out:write(table.concat(parts, "  "), "\n")
  if claim.diagnoses and #claim.diagnoses > 0 then
    out:write("  diagnoses ", table.concat(claim.diagnoses, " "), "\n")
  end
  for n, line in ipairs(claim.lines or {}) do
    local code = text(line.code or "(no code)")
    for _, m in ipairs(line.modifiers or {}) do code = code .. "-" .. text(m) end
    local extra = ""
    if line.dx then extra = extra .. "  dx " .. text(line.dx) end
    if line.revenue then extra = extra .. "  revenue " .. text(line.revenue) end
    if line.pos then extra = extra .. "  pos " .. text(line.pos) end
    out:write(("  line %d  %s  %s  x%s%s%s\n"):format(n, code, text(line.date), text(line.units or 1), extra,
      check.where_line(line)))
  end
  for _, p in ipairs(claim.problems or {}) do
    out:write(("  %-7s %s%s\n"):format(tostring(p.severity or "deny"):upper(),
      p.line and ("line " .. p.line .. ": ") or "", tostring(p.message)))
  end
end

function claims.run(words, ctx)
  if #words ~= 1 then error("claims takes one file (radcode claims --help)", 0) end
  local body = ctx.read(words[1])
  local format = ctx.options.format
  if format ~= nil and format ~= "x12" and format ~= "fhir" and format ~= "json" then
    error(("--format must be x12, fhir or json, got '%s'"):format(format), 0)
  end
  local list, why = radcode.claims(body, { format = format })
  if not list then error(("%s: %s"):format(words[1], why), 0) end
  if ctx.options.json then
    ctx.json(list)
    return 0
  end
  for i, claim in ipairs(list) do print_claim(ctx.out, i, claim) end
  return 0
end

return claims
