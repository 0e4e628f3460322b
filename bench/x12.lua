--- bench/x12.lua: writes claim tables (radcode's contract shape) as one
-- X12 837P (005010X222A1) interchange: ISA/GS/ST envelope with true
-- counts and control numbers, billing provider HL 20, a subscriber HL 22
-- per claim (SBR09 MB for Medicare, else CI), CLM, HI (ABK/ABF), and
-- LX/SV1/DTP*472 per line. Used by `make bench` (20,000 claims) and the
-- specs (spec/x12_spec.lua: large files). Options: sep (element, "*"),
-- comp (component, ":"), term (segment, "~"), nl (after each terminator).
local x12 = {}

local function isa(o, control)
  local e = o.sep
  return table.concat({ "ISA", "00", ("%-10s"):format(""), "00", ("%-10s"):format(""), "ZZ",
    ("%-15s"):format("RADCODEBENCH"), "ZZ", ("%-15s"):format("PAYER"), "260101", "1200", "^", "00501",
    ("%09d"):format(control), "0", "T", o.comp }, e)
end

local function ymd(date) return (tostring(date):gsub("%-", "")) end

--- The 837P text of claims; opts as above.
function x12.write(claims, opts)
  local o = { sep = "*", comp = ":", term = "~", nl = "" }
  for k, v in pairs(opts or {}) do o[k] = v end
  local out, st = {}, 0
  local function seg(...)
    out[#out + 1] = table.concat({ ... }, o.sep) .. o.term .. o.nl
    st = st + 1
  end
  out[1] = isa(o, 1) .. o.term .. o.nl
  seg("GS", "HC", "RADCODE", "PAYER", "20260101", "1200", "1", "X", "005010X222A1")
  st = 0
  seg("ST", "837", "0001", "005010X222A1")
  seg("BHT", "0019", "00", "1", "20260101", "1200", "CH")
  seg("NM1", "41", "2", "RADCODE BENCH", "", "", "", "", "46", "1")
  seg("NM1", "40", "2", "PAYER", "", "", "", "", "46", "2")
  seg("HL", "1", "", "20", "1")
  seg("NM1", "85", "2", "RADIATION CENTER", "", "", "", "", "XX", "1234567893")
  for i, c in ipairs(claims) do
    seg("HL", tostring(i + 1), "1", "22", "0")
    seg("SBR", "P", "18", "", "", "", "", "", "", c.payer == "medicare" and "MB" or "CI")
    seg("NM1", "IL", "1", "PATIENT", "", "", "", "", "MI", c.patient or "P")
    seg("NM1", "PR", "2", c.payer or "PAYER", "", "", "", "", "PI", c.payer == "medicare" and "00435" or "99999")
    seg("CLM", c.id or ("C" .. i), "0", "", "", table.concat({ c.pos or "11", "B", "1" }, o.comp), "Y", "A", "Y", "Y")
    local hi = {}
    for d, dx in ipairs(c.diagnoses or {}) do hi[d] = (d == 1 and "ABK" or "ABF") .. o.comp .. dx:gsub("%.", "") end
    if #hi > 0 then seg("HI", table.unpack(hi)) end
    for n, l in ipairs(c.lines) do
      seg("LX", tostring(n))
      local proc = { "HC", l.code }
      for _, m in ipairs(l.modifiers or {}) do proc[#proc + 1] = m end
      local dx = {}
      for _, p in ipairs(l.dx or { 1 }) do dx[#dx + 1] = tostring(p) end
      seg("SV1", table.concat(proc, o.comp), "0", "UN", tostring(l.units or 1), "", "", table.concat(dx, o.comp))
      seg("DTP", "472", "D8", ymd(l.date))
    end
  end
  seg("SE", tostring(st + 1), "0001")
  out[#out + 1] = table.concat({ "GE", "1", "1" }, o.sep) .. o.term .. o.nl
  out[#out + 1] = table.concat({ "IEA", "1", "000000001" }, o.sep) .. o.term .. o.nl
  return table.concat(out)
end

return x12
