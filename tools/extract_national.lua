#!/usr/bin/env lua5.4
--[[ extract_national.lua: writes data/national/*.tsv, what the CMS files say
of every code that data/ptp.tsv names but data/codes.tsv does not curate
(E/M visits, imaging, drugs, labs: the codes a radiation oncology claim
carries beside radiation codes), so that the embedded default checks and
looks them up out of the box. Run from the repository root, after
`lua5.4 tools/extract_ptp.lua --either ...` has written data/ptp.tsv:

  lua5.4 tools/extract_national.lua [--cms DIR] [--out DIR]
    --cms DIR   the CMS files (default ../shared/cms): mue_2024q2.csv.gz,
                pfs_rvu_2024a.csv.gz, opps_addb_2025q4.csv.gz,
                opps_addb_2026q2.csv.gz, aoc_2024q2.csv.gz, hcpcs2019_anweb.txt.gz
    --out DIR   output folder (default data/national)

Outputs (one table a file, loaded after data/*.tsv; data/README.md,
"data/national"):
  codes.tsv           one row per named code. HCPCS Level II codes found in
                      the HCPCS 2019 file: its short description as summary,
                      its long description as descriptor, its added and
                      termination dates (public domain text). CPT codes and
                      Level II codes that file lacks: a neutral summary, no
                      descriptor (AMA CPT text is never shipped), effective
                      2015-01-01 (the first date radcode covers); a code
                      none of the RVU, MUE and OPPS files carries and whose
                      edits all ended is terminated on the last date of its
                      edits (source marked secondary), else it has no end.
  aoc.tsv             AOC 2024Q2 rows whose add-on is a named code (its
                      codes row then has addon 1).
  mue.tsv             MUE 2024Q2 rows (practitioner, hospital, dme).
  indicators.tsv      PFS RVU 2024A: PC/TC, global days, multiple-procedure
                      and bilateral indicators.
  payment_status.tsv  PFS RVU 2024A status (practitioner); OPPS Addendum B
                      2025Q4 status and payment rate to 2025-12-31, 2026Q2
                      from 2026-01-01 (hospital).
Every row applies from the code's effective date (at the earliest
2015-01-01) to its termination, like the curated rows of the same files.
The output is deterministic: the same inputs give the same bytes. ]]

local function die(msg)
  io.stderr:write("extract_national: ", msg, "\n")
  os.exit(2)
end

local opts = { cms = "../shared/cms", out = "data/national", ptp = "data/ptp.tsv", codes = "data/codes.tsv" }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--cms" or a == "--out" or a == "--ptp" or a == "--codes" then
      i = i + 1
      opts[a:sub(3)] = arg[i] or die(a .. " needs a value")
    else
      die("unknown argument " .. a .. " (usage: lua5.4 tools/extract_national.lua [--cms DIR] [--out DIR])")
    end
    i = i + 1
  end
end

local FIRST_DATE = "2015-01-01"
local CPT_SUMMARY = "CPT code (no radcode summary; import your licensed CPT file for its descriptor)"
local HCPCS_SUMMARY = "HCPCS Level II code (no radcode summary; import the HCPCS file for its descriptor)"
local SRC = {
  mue = "CMS MUE 2024Q2", rvu = "CMS PFS RVU 2024A", hcpcs = "CMS HCPCS 2019",
  opps25 = "CMS OPPS Addendum B 2025Q4", opps26 = "CMS OPPS Addendum B 2026Q2",
  ptp = "CMS NCCI PTP practitioner v30.1", aoc = "CMS NCCI AOC 2024Q2",
}

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local function lines_of(path)
  local f
  if path:match("%.gz$") then f = io.popen("gzip -dc " .. quote(path)) else f = io.open(path, "rb") end
  if not f then die("cannot read " .. path) end
  return f
end

local function tsv_rows(path, each)
  local f = lines_of(path)
  local header
  for line in f:lines() do
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local x = {}
      for field in (line .. "\t"):gmatch("(.-)\t") do x[#x + 1] = field end
      if not header then header = {}; for i, h in ipairs(x) do header[h] = i end
      else each(x, header) end
    end
  end
  f:close()
end

-- Simple CSV (the ../shared/cms copies quote no field that holds a comma
-- except MUE rationales, handled by the quote-aware split).
local function csv_split(line)
  local out, i, n = {}, 1, #line
  while i <= n + 1 do
    if line:sub(i, i) == '"' then
      local q = line:find('"', i + 1, true) or die("unterminated quote: " .. line)
      out[#out + 1] = line:sub(i + 1, q - 1)
      i = q + 2
    else
      local c = line:find(",", i, true) or (n + 1)
      out[#out + 1] = line:sub(i, c - 1)
      i = c + 1
    end
  end
  return out
end

local function csv_rows(path, each)
  local f = lines_of(path)
  local header
  for line in f:lines() do
    line = line:gsub("\r$", "")
    local x = csv_split(line)
    if not header then header = {}; for i, h in ipairs(x) do header[h] = i end
    elseif line ~= "" then each(x, header) end
  end
  f:close()
end

local function iso8(s)
  local y, m, d = (s or ""):match("^(%d%d%d%d)(%d%d)(%d%d)$")
  return y and (y .. "-" .. m .. "-" .. d) or nil
end

local function latin1_to_utf8(s)
  return (s:gsub("[\128-\255]", function(c)
    local b = c:byte()
    return string.char(0xC0 | (b >> 6), 0x80 | (b & 0x3F))
  end))
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

---------------------------------------------------------------- the codes

local curated, named, last_edit = {}, {}, {}
tsv_rows(opts.codes, function(x, h) curated[x[h.code]] = true end)
tsv_rows(opts.ptp, function(x, h)
  for _, c in ipairs { x[h.col1], x[h.col2] } do
    if not curated[c] then
      named[c] = true
      local to = x[h.valid_to]
      if to == "" or last_edit[c] == "" then last_edit[c] = ""
      elseif last_edit[c] == nil or to > last_edit[c] then last_edit[c] = to end
    end
  end
end)
local list = {}
for c in pairs(named) do list[#list + 1] = c end
table.sort(list)

-- HCPCS Level II records of the named codes (record id 3 and continuations 4).
local hcpcs = {}
do
  local f, cur = lines_of(opts.cms .. "/hcpcs2019_anweb.txt.gz"), nil
  for line in f:lines() do
    line = line:gsub("\r$", "")
    local id = line:sub(11, 11)
    if #line >= 100 and id == "3" then
      local code = line:sub(1, 5)
      cur = named[code] and { long = { trim(line:sub(12, 91)) }, short = trim(line:sub(92, 119)),
                              added = iso8(line:sub(269, 276)) or iso8(line:sub(277, 284)),
                              term = iso8(trim(line:sub(285, 292))) } or nil
      if cur then hcpcs[code] = cur end
    elseif #line >= 12 and id == "4" and cur and line:sub(1, 5) ~= "" then
      cur.long[#cur.long + 1] = trim(line:sub(12, 91))
    elseif id ~= "4" then
      cur = nil
    end
  end
  f:close()
end

-- Codes the current files (RVU 2024A, MUE 2024Q2, OPPS 2025Q4 / 2026Q2) carry.
local present = {}
for _, file in ipairs { "pfs_rvu_2024a.csv.gz", "mue_2024q2.csv.gz", "opps_addb_2025q4.csv.gz", "opps_addb_2026q2.csv.gz" } do
  csv_rows(opts.cms .. "/" .. file, function(x, h) present[x[h.hcpcs]] = true end)
end
local GONE = SRC.ptp .. "; terminated on the last date of its edits (secondary: the code is in none of "
  .. SRC.rvu .. ", " .. SRC.mue .. ", " .. SRC.opps25 .. ", " .. SRC.opps26 .. ")"

local dates = {}   -- code -> { from, to }
local code_rows = {}
for _, c in ipairs(list) do
  local h = hcpcs[c]
  local from, to, row = FIRST_DATE, nil, nil
  local system = c:match("^%d") and "CPT" or "HCPCS"
  if h then
    if h.added and h.added > from then from = h.added end
    to = h.term
    row = { c, system, "other", from, to or "", "0", latin1_to_utf8(h.short),
            latin1_to_utf8(table.concat(h.long, " "):gsub("%s+", " ")), "", SRC.hcpcs }
  else
    -- a code no current file carries and whose edits all ended: deleted then
    local gone = not present[c] and last_edit[c] ~= "" and last_edit[c] or nil
    if gone then to = gone end
    row = { c, system, "other", from, to or "", "0", system == "CPT" and CPT_SUMMARY or HCPCS_SUMMARY, "", "",
            gone and GONE or SRC.ptp }
  end
  if to == nil or to >= from then
    dates[c] = { from = from, to = to }
    code_rows[#code_rows + 1] = row
  end
end

---------------------------------------------------------------- the facts

local function span(c, from, to)
  local d = dates[c]
  if not d then return nil end
  local f = (from and from > d.from) and from or d.from
  local t = d.to
  if to and (t == nil or to < t) then t = to end
  if t and t < f then return nil end
  return f, t or ""
end

local mue_rows, ind_rows, pay_rows, aoc_rows, addon = {}, {}, {}, {}, {}
local SETTING = { Practitioner = "practitioner", ["Outpatient Hospital"] = "hospital", ["DME Supplier"] = "dme" }
csv_rows(opts.cms .. "/mue_2024q2.csv.gz", function(x, h)
  local c, s = x[h.hcpcs], SETTING[x[h.service_type]]
  local f, t = span(c)
  if f and s then
    mue_rows[#mue_rows + 1] = { c, s, f, t, x[h.mue], x[h.mai], x[h.rationale], SRC.mue }
  end
end)
csv_rows(opts.cms .. "/pfs_rvu_2024a.csv.gz", function(x, h)
  local c = x[h.hcpcs]
  local f, t = span(c)
  if f and x[h.mod] == "" then
    ind_rows[#ind_rows + 1] = { c, f, t, x[h.pctc], x[h.global], x[h.mult_proc], x[h.surg_bilat], SRC.rvu }
    pay_rows[#pay_rows + 1] = { c, "practitioner", f, t, x[h.status], "", SRC.rvu }
  end
end)
for _, o in ipairs { { "opps_addb_2025q4.csv.gz", nil, "2025-12-31", SRC.opps25 },
                     { "opps_addb_2026q2.csv.gz", "2026-01-01", nil, SRC.opps26 } } do
  csv_rows(opts.cms .. "/" .. o[1], function(x, h)
    local c = x[h.hcpcs]
    local f, t = span(c, o[2], o[3])
    if f and x[h.status_indicator] ~= "" then
      pay_rows[#pay_rows + 1] = { c, "hospital", f, t, x[h.status_indicator], x[h.payment_rate], o[4] }
    end
  end)
end

-- Add-on edits of the named codes (years: from January 1st of the edit's
-- year to December 31st before the earliest deletion year, as import_aoc.c).
csv_rows(opts.cms .. "/aoc_2024q2.csv.gz", function(x, h)
  local c = x[h.addon]
  local del
  for _, k in ipairs { "primary_deleted_year", "addon_deleted_year", "edit_deleted_year" } do
    local y = tonumber(x[h[k]])
    if y and (del == nil or y < del) then del = y end
  end
  local eff = tonumber(x[h.edit_effective_year])
  local f, t = span(c, eff and (("%04d-01-01"):format(eff)) or nil, del and (("%04d-12-31"):format(del - 1)) or nil)
  local primary = x[h.primary]
  if primary == "CCCCC" then primary = "" end
  if f then
    aoc_rows[#aoc_rows + 1] = { c, primary, x[h.type], f, t, SRC.aoc }
    addon[c] = true
  end
end)
for _, r in ipairs(code_rows) do
  if addon[r[1]] then r[6] = "1" end
end

local function by_fields(a, b)
  for i = 1, math.max(#a, #b) do
    if a[i] ~= b[i] then return (a[i] or "") < (b[i] or "") end
  end
  return false
end

local function write(name, comment, header, rows)
  table.sort(rows, by_fields)
  local out = {}
  for _, l in ipairs(comment) do out[#out + 1] = "# " .. l end
  out[#out + 1] = table.concat(header, "\t")
  for _, r in ipairs(rows) do out[#out + 1] = table.concat(r, "\t") end
  local path = opts.out .. "/" .. name .. ".tsv"
  local f = io.open(path, "wb") or die("cannot write " .. path)
  f:write(table.concat(out, "\n"), "\n")
  f:close()
  io.stderr:write(("extract_national: %d rows written to %s\n"):format(#rows, path))
end

local GEN = "GENERATED by tools/extract_national.lua from the CMS files: do not edit by hand, rerun it."
write("codes", {
  "codes: the national codes data/ptp.tsv names that data/codes.tsv does not curate. " .. GEN,
  "HCPCS Level II codes of the HCPCS 2019 file carry its (public domain) short and long descriptions and dates;",
  "CPT codes carry no descriptor (AMA text is never shipped) and a neutral summary, effective 2015-01-01.",
}, { "code", "system", "family", "effective", "terminated", "addon", "summary", "descriptor", "keywords", "source" }, code_rows)
write("aoc", { "aoc: NCCI add-on code edits (AOC 2024Q2) whose add-on is a national code. " .. GEN },
  { "addon", "primary_code", "type", "valid_from", "valid_to", "source" }, aoc_rows)
write("mue", { "mue: MUE 2024Q2 values of the national codes, applied from each code's effective date. " .. GEN },
  { "code", "setting", "valid_from", "valid_to", "value", "mai", "rationale", "source" }, mue_rows)
write("indicators", { "indicators: PFS RVU 2024A indicators of the national codes, applied from each code's effective date. " .. GEN },
  { "code", "valid_from", "valid_to", "pctc", "global", "mult_proc", "bilateral", "source" }, ind_rows)
write("payment_status", {
  "payment_status: PFS RVU 2024A status (practitioner) and OPPS Addendum B status and payment rate (hospital:",
  "2025Q4 to 2025-12-31, 2026Q2 from 2026-01-01) of the national codes. " .. GEN,
}, { "code", "setting", "valid_from", "valid_to", "status", "payment_rate", "source" }, pay_rows)
