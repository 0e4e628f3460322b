#!/usr/bin/env lua5.4
--- tools/extract_modifiers.lua: refreshes data/modifiers.tsv from the CMS
-- HCPCS annual file (fixed width, 320 bytes a record; modifier records have
-- id 7 in column 11, continuations id 8, the modifier in columns 4-5, the
-- long description in 12-91 and the termination date in 285-292).
--
--   lua5.4 tools/extract_modifiers.lua ../shared/cms/hcpcs2019_anweb.txt.gz [data/modifiers.tsv]
--
-- Every Level II modifier of the file gets a row whose meaning is CMS's long
-- description (public domain), source `CMS HCPCS <year>`, and the file's
-- termination date. Its kind, bypass and applies_to are kept from the
-- existing row, else taken from the NCCI-associated list below (NCCI Policy
-- Manual for Medicare Services, chapter I), else kind `other`, bypass 0,
-- applies_to `*`. CPT (two-digit numeric) modifiers are not in the HCPCS
-- file: their rows (radcode's own words) are kept as they are.

local input, output = arg[1], arg[2] or "data/modifiers.tsv"
assert(input, "usage: extract_modifiers.lua HCPCS_FILE[.gz] [data/modifiers.tsv]")
local year = input:match("hcpcs(%d%d%d%d)") or assert(arg[3], "cannot tell the year; give it as 3rd argument")

local NCCI = "NCCI Policy Manual for Medicare Services, chapter I"

-- NCCI-associated Level II modifiers (kind, applies_to), NCCI Policy Manual chapter I.
local ncci = { XE = "ncci", XS = "ncci", XP = "ncci", XU = "ncci",
  LT = "anatomic", RT = "anatomic", LC = "anatomic", LD = "anatomic", LM = "anatomic",
  RC = "anatomic", RI = "anatomic", FA = "anatomic", TA = "anatomic" }
for i = 1, 4 do ncci["E" .. i] = "anatomic" end
for i = 1, 9 do ncci["F" .. i] = "anatomic"; ncci["T" .. i] = "anatomic" end
local ncci_applies = { XE = "non-em", XS = "non-em", XP = "non-em", XU = "non-em" }

local function read_lines(path)
  if path:match("%.gz$") then
    local p = assert(io.popen("gzip -dc '" .. path:gsub("'", "'\\''") .. "'"))
    local text = p:read("a")
    assert(p:close())
    return text
  end
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Latin-1 to UTF-8 when the text is not UTF-8 already.
local function utf8ify(s)
  if utf8.len(s) then return s end
  return (s:gsub("[\128-\255]", function(c) return utf8.char(c:byte()) end))
end

local function date8(s)
  s = trim(s)
  if s == "" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)(%d%d)(%d%d)$")
  assert(y, "bad date " .. s)
  return y .. "-" .. m .. "-" .. d
end

-- The file's modifiers: code -> {meaning, terminated}.
local cms, order = {}, {}
for line in read_lines(input):gmatch("[^\n]+") do
  local id = line:sub(11, 11)
  if #line >= 11 and line:sub(1, 3) == "   " and line:sub(6, 10):match("^%d%d%d%d%d$") and (id == "7" or id == "8") then
    local m, piece = line:sub(4, 5), trim(line:sub(12, 91))
    if id == "7" then
      assert(cms[m] == nil, "modifier twice: " .. m)
      cms[m] = { meaning = piece, terminated = date8(line:sub(285, 292)) }
      order[#order + 1] = m
    elseif cms[m] and piece ~= "" then
      cms[m].meaning = cms[m].meaning .. " " .. piece
    end
  end
end
assert(#order > 0, "no modifier records in " .. input)

-- The curated rows, and the comment lines heading the file.
local header, comments, old = nil, {}, {}
local f = io.open(output, "r")
if f then
  for line in f:lines() do
    if line:match("^#") then comments[#comments + 1] = line
    elseif line:match("%S") then
      local fields = {}
      for v in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = v end
      if not header then header = fields
      else
        local row = {}
        for i, col in ipairs(header) do row[col] = fields[i] ~= "" and fields[i] or nil end
        old[row.modifier] = row
      end
    end
  end
  f:close()
end

local COLUMNS = { "modifier", "kind", "bypass", "applies_to", "terminated", "meaning", "source" }
local rows = {}
for m, row in pairs(old) do
  if m:match("^%d%d$") then rows[#rows + 1] = row end
end
for _, m in ipairs(order) do
  local was = old[m] or {}
  local kind = was.kind or ncci[m] or "other"
  local bypass = was.bypass or (ncci[m] and "1" or "0")
  local source = "CMS HCPCS " .. year .. (bypass == "1" and "; " .. NCCI or "")
  rows[#rows + 1] = { modifier = m, kind = kind, bypass = bypass,
    applies_to = was.applies_to or ncci_applies[m] or "*", terminated = cms[m].terminated,
    meaning = utf8ify(cms[m].meaning), source = source }
end
for m, row in pairs(old) do
  if not m:match("^%d%d$") and not cms[m] then
    io.stderr:write("kept ", m, ": not in the HCPCS file\n")
    rows[#rows + 1] = row
  end
end
table.sort(rows, function(a, b) return a.modifier < b.modifier end)

if #comments == 0 then comments = { "# modifiers: the modifiers radcode knows (see data/README.md)." } end
local out = assert(io.open(output, "w"))
for _, c in ipairs(comments) do out:write(c, "\n") end
out:write(table.concat(COLUMNS, "\t"), "\n")
for _, r in ipairs(rows) do
  local fields = {}
  for i, col in ipairs(COLUMNS) do
    local v = r[col] or ""
    assert(not v:find("[\t\n]"), "tab or newline in " .. r.modifier)
    fields[i] = v
  end
  out:write(table.concat(fields, "\t"), "\n")
end
out:close()
io.stderr:write(("%d modifiers written to %s (%d from the HCPCS file)\n"):format(#rows, output, #order))
