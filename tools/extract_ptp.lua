#!/usr/bin/env lua5.4
--[[ extract_ptp.lua: writes data/ptp.tsv, the NCCI procedure-to-procedure
(PTP) edits among radcode's curated codes, from a CMS NCCI PTP practitioner
file. Run from the repository root:

  lua5.4 tools/extract_ptp.lua [options] FILE...
    FILE             the CMS file(s): the CSV copy in ../shared/cms
                     (column_1,column_2,prior_1996,deletion_date,modifier,rationale),
                     or CMS's own tab-delimited part files (a preamble, then the
                     header `Column 1  Column 2 ... Effective Date  Deletion Date ...`);
                     `.gz` files are read through gzip
    --codes PATH     curated code list (default data/codes.tsv)
    --out PATH       output (default data/ptp.tsv; `-` for stdout)
    --edition vNN.N  CMS version, for the source column (default: from a file
                     name such as ..._v301.csv.gz or ccipra-v301r0-f1.txt -> v30.1)
    --either         keep pairs where EITHER code is curated (default: BOTH);
                     codes not in codes.tsv then have no dates of their own.
                     The hospital copies are still written only for pairs of
                     two curated codes (a copy of every national row would
                     double the file; data/README.md, "ptp.tsv")

The output is deterministic: the same inputs give the same bytes.

Rules (data/README.md, "ptp.tsv", says the same):
- A pair is kept when both its codes are in codes.tsv (or one, with --either).
- Modifier indicator 9 rows are left out: CMS gives 9 to an edit deleted
  retroactively, which never applied (rc:pair treats 9 as "may be billed
  together", the same as no row), and they do not date the pair's other rows.
- CMS's deletion date is the LAST date of service the edit applied (deletions
  fall on a quarter's last day, 20191231, and the next version of the edit
  starts the day after, 2020-01-01), so a deleted row has valid_to = its
  deletion date. `*` = still in force.
- The rows of one pair (indicator 0 or 1) are taken in deletion order, those
  still in force last. Each row starts on the latest of: 2015-01-01 (the first
  date radcode covers), both codes' `effective`, its own CMS effective date
  when the file has one, and the day after the previous row's deletion date.
  So 77295/77014 is indicator 0 through 2019-12-31 and 1 from 2020-01-01.
- valid_to is also capped by the earlier `terminated` of the two codes (an
  edit does not outlive its codes).
- Rows that end before they start (deleted before 2015-01-01, or before one of
  their codes existed) are dropped. Two rows of one pair with the same
  deletion date are duplicates: the first in (modifier, rationale) order is
  kept, the other reported on stderr. No two rows of a pair overlap.
- Every kept practitioner row is written with setting `practitioner`; a row
  whose two codes are both curated is written again as a `hospital` copy whose
  source is marked secondary (no OPPS PTP file is in hand; importing the CMS
  hospital file replaces the copies).
]]

local function die(msg)
  io.stderr:write("extract_ptp: ", msg, "\n")
  os.exit(2)
end

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

---------------------------------------------------------------- arguments

local opts = { codes = "data/codes.tsv", out = "data/ptp.tsv", either = false, files = {} }
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--either" then
      opts.either = true
    elseif a == "--codes" or a == "--out" or a == "--edition" then
      i = i + 1
      opts[a:sub(3)] = arg[i] or die(a .. " needs a value")
    elseif a:sub(1, 2) == "--" then
      die("unknown option " .. a)
    else
      opts.files[#opts.files + 1] = a
    end
    i = i + 1
  end
end
if #opts.files == 0 then die("usage: lua5.4 tools/extract_ptp.lua [--either] [--codes PATH] [--out PATH] [--edition vNN.N] FILE...") end
if not opts.edition then
  local a, b = opts.files[1]:match("[_%-]v(%d%d)(%d)[^/]*$")   -- _v301 or CMS's -v301r0
  if not a then die("cannot tell the CMS version from " .. opts.files[1] .. ": give --edition") end
  opts.edition = "v" .. a .. "." .. b
end
local SOURCE = "CMS NCCI PTP practitioner " .. opts.edition
local HOSPITAL_SOURCE = SOURCE .. "; applied to the hospital setting (secondary: import the OPPS PTP file to replace)"
local FIRST_DATE = "2015-01-01"

---------------------------------------------------------------- dates

local function iso8(s)   -- "20191231" -> "2019-12-31"
  local y, m, d = s:match("^(%d%d%d%d)(%d%d)(%d%d)$")
  return y and (y .. "-" .. m .. "-" .. d)
end

local function next_day(s)
  local y, m, d = s:match("^(%d+)%-(%d+)%-(%d+)$")
  return os.date("%Y-%m-%d", os.time { year = tonumber(y), month = tonumber(m), day = tonumber(d) + 1, hour = 12 })
end

local function latest(a, b) if a == nil then return b elseif b == nil then return a end return a > b and a or b end
local function earliest(a, b) if a == nil then return b elseif b == nil then return a end return a < b and a or b end

---------------------------------------------------------------- curated codes

local function read_codes(path)
  local f = io.open(path, "rb") or die("cannot read " .. path)
  local header, codes = nil, {}
  for line in f:lines() do
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local fields = {}
      for field in (line .. "\t"):gmatch("(.-)\t") do fields[#fields + 1] = field end
      if not header then
        header = {}
        for i, h in ipairs(fields) do header[h] = i end
        if not (header.code and header.effective and header.terminated) then die(path .. ": no code/effective/terminated columns") end
      else
        local t = fields[header.terminated]
        codes[fields[header.code]] = { effective = fields[header.effective], terminated = t ~= "" and t or nil }
      end
    end
  end
  f:close()
  return codes
end

---------------------------------------------------------------- CMS file

local function split(line, sep)
  local fields = {}
  if sep == "\t" then
    for field in (line .. "\t"):gmatch("(.-)\t") do fields[#fields + 1] = field end
    return fields
  end
  local i, n = 1, #line
  while i <= n + 1 do
    if line:sub(i, i) == '"' then
      local buf, j = {}, i + 1
      while true do
        local q = line:find('"', j, true) or die("unterminated quote: " .. line)
        buf[#buf + 1] = line:sub(j, q - 1)
        if line:sub(q + 1, q + 1) == '"' then buf[#buf + 1] = '"'; j = q + 2 else i = q + 1; break end
      end
      fields[#fields + 1] = table.concat(buf)
      i = i + 1   -- past the comma
    else
      local c = line:find(",", i, true) or (n + 1)
      fields[#fields + 1] = line:sub(i, c - 1)
      i = c + 1
    end
  end
  return fields
end

-- Maps header names to column indexes: c1, c2, effective, deletion, modifier, rationale.
local function columns_of(fields)
  local col = {}
  for i, name in ipairs(fields) do
    local n = name:lower():gsub("^%s+", ""):gsub("%s+$", "")
    if n == "column 1" or n == "column_1" or n == "column1" then col.c1 = i
    elseif n == "column 2" or n == "column_2" or n == "column2" then col.c2 = i
    elseif n:find("effective", 1, true) then col.effective = i
    elseif n:find("deletion", 1, true) then col.deletion = i
    elseif n:find("modifier", 1, true) then col.modifier = i
    elseif n:find("rationale", 1, true) then col.rationale = i
    end
  end
  if not (col.c1 and col.c2 and col.deletion and col.modifier) then return nil end
  return col
end

-- Reads one file; calls keep(col1, col2) to filter and add(row) for each kept row.
local function read_file(path, keep, add)
  local f
  if path:match("%.gz$") then f = io.popen("gzip -dc " .. quote(path)) else f = io.open(path, "rb") end
  if not f then die("cannot read " .. path) end
  local col, sep, n = nil, nil, 0
  for line in f:lines() do
    n = n + 1
    line = line:gsub("\r$", "")
    if not col then
      sep = line:find("\t", 1, true) and "\t" or ","
      local first = line:match("^[^\t,]*"):lower()
      if first == "column 1" or first == "column_1" or first == "column1" then
        col = columns_of(split(line, sep)) or die(path .. ":" .. n .. ": header without the PTP columns")
      end
    elseif line ~= "" then
      local c1, c2 = line:match(sep == "\t" and "^([^\t]*)\t([^\t]*)" or "^([^,]*),([^,]*)")
      if c1 and keep(c1, c2) then
        local x = split(line, sep)
        local del = x[col.deletion]
        local row = {
          col1 = x[col.c1], col2 = x[col.c2], modifier = x[col.modifier],
          rationale = col.rationale and x[col.rationale] or "",
          effective = col.effective and iso8(x[col.effective] or "") or nil,
          deletion = (del ~= "*" and del ~= "") and (iso8(del) or die(path .. ":" .. n .. ": bad deletion date " .. del)) or nil,
        }
        if not row.modifier:match("^[019]$") then die(path .. ":" .. n .. ": bad modifier indicator " .. row.modifier) end
        add(row)
      end
    end
  end
  f:close()
  if not col then die(path .. ": no header line (Column 1, Column 2, ...)") end
end

---------------------------------------------------------------- dating

-- Orders a pair's rows: by deletion date, still-in-force last, then modifier, rationale.
local function by_deletion(a, b)
  if a.deletion ~= b.deletion then
    if a.deletion == nil then return false end
    if b.deletion == nil then return true end
    return a.deletion < b.deletion
  end
  if a.modifier ~= b.modifier then return a.modifier < b.modifier end
  return a.rationale < b.rationale
end

-- Dates the rows of one pair; returns the rows kept, with valid_from / valid_to.
local function date_pair(list, codes)
  table.sort(list, by_deletion)
  local a, b = codes[list[1].col1] or {}, codes[list[1].col2] or {}
  local base = latest(latest(FIRST_DATE, a.effective), b.effective)
  local cap = earliest(a.terminated, b.terminated)
  local out, prev = {}, nil
  for _, r in ipairs(list) do
    if prev and prev.deletion == r.deletion then
      io.stderr:write(("extract_ptp: %s/%s: duplicate edit (deletion %s), kept the first\n"):format(
        r.col1, r.col2, r.deletion or "*"))
    else
      local from = latest(base, r.effective)
      if prev then from = latest(from, next_day(prev.deletion)) end
      local to = earliest(r.deletion, cap)
      if to == nil or from <= to then
        out[#out + 1] = { col1 = r.col1, col2 = r.col2, valid_from = from, valid_to = to,
                          modifier = r.modifier, rationale = r.rationale }
      end
      prev = r
    end
  end
  return out
end

---------------------------------------------------------------- main

local codes = read_codes(opts.codes)
local function keep(c1, c2)
  if opts.either then return codes[c1] ~= nil or codes[c2] ~= nil end
  return codes[c1] ~= nil and codes[c2] ~= nil
end

local pairs_by, order = {}, {}
local function add(row)
  if row.modifier == "9" then return end
  local key = row.col1 .. "|" .. row.col2
  if not pairs_by[key] then pairs_by[key] = {}; order[#order + 1] = key end
  table.insert(pairs_by[key], row)
end
for _, path in ipairs(opts.files) do read_file(path, keep, add) end

table.sort(order)
local rows = {}
for _, key in ipairs(order) do
  for _, r in ipairs(date_pair(pairs_by[key], codes)) do rows[#rows + 1] = r end
end

local HEADER = {
  "# ptp: NCCI procedure-to-procedure edits among radcode's codes. GENERATED by tools/extract_ptp.lua",
  "# from " .. SOURCE .. " (" .. (opts.either and "pairs with either code" or "pairs with both codes") .. " in codes.tsv): do not edit by hand, rerun it.",
  "# Every edit still in force and every deleted one, indicator 9 (deleted retroactively, never applied) left out.",
  "# CMS's deletion date is the last date the edit applied: a deleted row has valid_to = that date, and",
  "# the pair's next row starts the day after. The first row of a pair starts on the later of 2015-01-01",
  "# and both codes' effective dates; valid_to is also capped by the earlier termination of the two codes.",
  "col1\tcol2\tsetting\tvalid_from\tvalid_to\tmodifier\trationale\tsource",
}
local HOSPITAL = {
  "# Hospital outpatient: no OPPS PTP file is in hand, so the practitioner edits above between two",
  "# curated codes are",
  "# applied to the hospital setting too (secondary). `rc:import(\"ncci-ptp\", file, {setting = \"hospital\"})`",
  "# with the CMS hospital file replaces them.",
}

local out = {}
for _, l in ipairs(HEADER) do out[#out + 1] = l end
local function emit(setting, source, only_curated)
  for _, r in ipairs(rows) do
    if not only_curated or (codes[r.col1] and codes[r.col2]) then
    out[#out + 1] = table.concat({ r.col1, r.col2, setting, r.valid_from, r.valid_to or "", r.modifier,
                                   r.rationale, source }, "\t")
    end
  end
end
emit("practitioner", SOURCE)
for _, l in ipairs(HOSPITAL) do out[#out + 1] = l end
emit("hospital", HOSPITAL_SOURCE, true)

local text = table.concat(out, "\n") .. "\n"
if opts.out == "-" then
  io.write(text)
else
  local f = io.open(opts.out, "wb") or die("cannot write " .. opts.out)
  f:write(text)
  f:close()
  io.stderr:write(("extract_ptp: %d practitioner edits written to %s\n"):format(#rows, opts.out))
end
