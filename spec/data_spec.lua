-- Integrity of the curated default dataset in data/*.tsv.
-- Pure Lua: reads the TSV files and data/schema.sql directly (paths relative
-- to the repository root, busted's working directory); needs no radcode
-- module. Checks the file format, dates, keys, cross references, and the
-- facts of design/DOMAIN.md (section 4 values, the 2026 code changes).

local H = require "helper"
local DATA = "data/"

local TABLES = {
  "codes", "indicators", "pctc_meanings", "payment_status", "status_meanings",
  "mue", "ptp", "aoc", "required_modifiers", "replacements", "related", "synonyms",
  "dx_required", "dx_support", "places", "setting_modifiers", "payer_codes", "gaps", "fraction_codes",
}

-- Tables whose every row names a real public source (never the project's
-- design notes); spec/sources_spec.lua checks every data/*.tsv file too.
local SOURCED = {
  "codes", "pctc_meanings", "payment_status", "status_meanings", "mue", "ptp", "aoc",
  "related", "synonyms", "dx_required", "dx_support", "places", "setting_modifiers", "payer_codes",
  "indicators", "required_modifiers", "replacements", "gaps", "fraction_codes",
}

local FAMILIES = {
  delivery = true, imrt = true, guidance = true, superficial = true, proton = true,
  srs = true, sbrt = true, brachytherapy = true, planning = true, simulation = true,
  dosimetry = true, physics = true, devices = true, management = true, supply = true,
  procedure = true,
}

-- Every CPT / HCPCS code DOMAIN.md names.
local DOMAIN_CODES = {
  "77401", "77402", "77407", "77412", "77385", "77386", "77387", "77014",
  "G6001", "G6002", "G6003", "G6004", "G6005", "G6006", "G6007", "G6008",
  "G6009", "G6010", "G6011", "G6012", "G6013", "G6014", "G6015", "G6016", "G6017",
  "77417", "77423", "77436", "77437", "77438", "77439",
  "77520", "77522", "77523", "77525", "77371", "77372", "77373", "G0339", "G0340",
  "77770", "77771", "77772", "77767", "77768", "77316", "77317", "77318", "C1717",
  "77261", "77262", "77263", "77280", "77285", "77290", "77293", "77295", "77301",
  "77300", "77306", "77307", "77321", "77331", "77332", "77333", "77334", "77336",
  "77338", "77370", "77427", "77431", "77432", "77435", "77469", "77470", "55874",
}

local DELETED_2026 = {
  "77385", "77386", "77014", "77401", "G6001", "G6002", "G6003", "G6004", "G6005",
  "G6006", "G6007", "G6008", "G6009", "G6010", "G6011", "G6012", "G6013", "G6014",
  "G6015", "G6016", "G6017",
}
local NEW_2026 = { "77436", "77437", "77438", "77439" }

-- DOMAIN.md section 4, MUE (CMS 2024 Q2): code, setting, value, MAI.
local MUE_2024 = {}
local function mue(codes, setting, value, mai)
  for _, c in ipairs(codes) do MUE_2024[#MUE_2024 + 1] = { c, setting, value, mai } end
end
mue({ "77407", "77412", "77402", "77014" }, "practitioner", 2, 3)
mue({ "77427", "77431", "77432", "77435", "77469", "77470", "77336", "77321", "77401",
      "77417", "77371", "77372" }, "practitioner", 1, 2)
mue({ "77301", "77295", "77293", "77261", "77262", "77263", "77285", "77290", "77306",
      "77307", "77338", "77370", "77373" }, "practitioner", 1, 3)
mue({ "77280" }, "practitioner", 2, 3)
mue({ "77300", "77334" }, "practitioner", 10, 3)
mue({ "77385", "77386", "77387" }, "practitioner", 1, 3)
mue({ "77385", "77386", "77387" }, "hospital", 2, 3)
mue({ "77520", "77522", "77523", "77525", "77770", "77771", "77772", "G6001", "G6002",
      "G6003", "G6004", "G6005", "G6006", "G6007", "G6008", "G6009", "G6010", "G6011",
      "G6012", "G6013", "G6014", "G6015", "G6016", "G6017" }, "practitioner", 2, 3)

-- DOMAIN.md section 4, PTP (practitioner): column 1, column 2, modifier indicator.
local PTP_2024 = {
  { "77290", "77280", 1 }, { "77263", "77261", 0 }, { "77263", "77262", 0 },
  { "77412", "77407", 1 }, { "77412", "77402", 1 }, { "77407", "77402", 1 },
  { "77301", "77295", 0 }, { "77301", "77307", 0 }, { "77301", "77014", 0 },
  { "77306", "77300", 0 }, { "77307", "77306", 1 }, { "77014", "G6002", 1 },
  { "77373", "77014", 1 }, { "77280", "77014", 0 }, { "77285", "77014", 0 },
  { "77290", "77014", 0 }, { "77431", "77427", 0 }, { "77435", "77427", 0 },
  { "77427", "77432", 1 }, { "77427", "G0339", 0 }, { "77427", "G0340", 0 },
  { "77371", "77372", 1 }, { "77336", "77370", 1 }, { "77470", "77432", 0 },
  { "77469", "77470", 0 }, { "77301", "77470", 0 }, { "77525", "77523", 1 },
  { "G6015", "G6003", 0 },
}

-- DOMAIN.md section 4, fee schedule 2024 PC/TC indicators.
local PCTC_2024 = {}
local function pctc(codes, value)
  for _, c in ipairs(codes) do PCTC_2024[#PCTC_2024 + 1] = { c, value } end
end
pctc({ "77402", "77407", "77412", "77385", "77386", "G6003", "G6004", "G6005", "G6006",
       "G6007", "G6008", "G6009", "G6010", "G6011", "G6012", "G6013", "G6014", "G6015",
       "G6016", "77401", "77417", "77336", "77370", "77371", "77372", "77373", "77520",
       "77522", "77523", "77525", "77423" }, "3")
pctc({ "77261", "77262", "77263", "77427", "77431", "77432", "77435" }, "2")
pctc({ "G6001", "G6002", "77014", "77280", "77285", "77290", "77293", "77295", "77300",
       "77301", "77306", "77307", "77316", "77317", "77318", "77321", "77331", "77332",
       "77333", "77334", "77338", "77470", "77770", "77771", "77772" }, "1")

---------------------------------------------------------------- helpers

local read = H.read

-- Column names and primary keys of every table in schema.sql.
-- Tables by name: columns, set, pk and required (NOT NULL without DEFAULT).
-- A view with a column list (ptp over ptp_edit) counts as a table with its
-- base table's primary key and required columns.
local function parse_schema(text)
  local tables = {}
  for name, body in text:gmatch("CREATE TABLE%s+([%w_]+)%s*(%b())") do
    local t = { columns = {}, set = {}, pk = nil, required = {} }
    body = body:sub(2, -2)
    for line in body:gmatch("[^\n]+") do
      line = line:gsub("%-%-.*$", "")
      local pk = line:match("^%s*PRIMARY KEY%s*(%b())")
      if pk then
        t.pk = {}
        for col in pk:gmatch("[%w_]+") do t.pk[#t.pk + 1] = col end
      else
        local col = line:match("^%s*([%w_]+)%s+%u")
        if col and col ~= "CHECK" then
          t.columns[#t.columns + 1] = col
          t.set[col] = true
          if line:match("PRIMARY KEY") then t.pk = { col } end
          if line:match("NOT NULL") and not line:match("DEFAULT") then t.required[col] = true end
        end
      end
    end
    tables[name] = t
  end
  for name, cols, base in text:gmatch("CREATE VIEW%s+([%w_]+)%s*(%b())%s*AS.-FROM%s+([%w_]+)") do
    local b = assert(tables[base], "view " .. name .. " over unknown table " .. base)
    local t = { columns = {}, set = {}, pk = b.pk, required = {} }
    for col in cols:gmatch("[%w_]+") do
      t.columns[#t.columns + 1] = col
      t.set[col] = true
      t.required[col] = b.required[col]
    end
    tables[name] = t
  end
  return tables
end

-- Parses one TSV file: returns { header = {...}, rows = { {line=n, f={...}, by={}} } }
-- or raises with the file and line of the first format error.
local function parse_tsv(path)
  local text = read(path)
  assert(not text:find("\r", 1, true), path .. ": CR characters (use LF line ends)")
  assert(utf8.len(text), path .. ": not valid UTF-8")
  local out = { rows = {} }
  local n = 0
  for line in (text .. (text:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\n") do
    n = n + 1
    if line ~= "" and line:sub(1, 1) ~= "#" then
      local fields = {}
      for field in (line .. "\t"):gmatch("(.-)\t") do fields[#fields + 1] = field end
      if not out.header then
        out.header = fields
      else
        if #fields ~= #out.header then
          error(("%s:%d: %d fields, header has %d"):format(path, n, #fields, #out.header))
        end
        local by = {}
        for i, h in ipairs(out.header) do by[h] = fields[i] ~= "" and fields[i] or nil end
        out.rows[#out.rows + 1] = { line = n, f = fields, by = by }
      end
    end
  end
  assert(out.header, path .. ": no header line")
  return out
end

local schema = parse_schema(read(DATA .. "schema.sql"))
local files, parse_errors = {}, {}
for _, t in ipairs(TABLES) do
  local ok, res = pcall(parse_tsv, DATA .. t .. ".tsv")
  if ok then files[t] = res else parse_errors[t] = res end
end

local function rows(t)
  return assert(files[t], "table " .. t .. " did not parse").rows
end

local DAYS = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
local function is_date(s)
  local y, m, d = tostring(s):match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
  if not y then return false end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 then return false end
  local leap = (y % 4 == 0 and y % 100 ~= 0) or y % 400 == 0
  local max = (m == 2 and leap) and 29 or DAYS[m]
  return d <= max
end

local function next_day(s)
  local y, m, d = s:match("^(%d+)%-(%d+)%-(%d+)$")
  local t = os.time { year = tonumber(y), month = tonumber(m), day = tonumber(d) + 1, hour = 12 }
  return os.date("%Y-%m-%d", t)
end

-- Does a row with valid_from / valid_to cover the date?
local function covers(r, date)
  return r.by.valid_from <= date and (r.by.valid_to == nil or date <= r.by.valid_to)
end

local DATE_COLUMNS = { effective = true, terminated = true, valid_from = true, valid_to = true }
local CODE_COLUMNS = {
  indicators = { "code" }, payment_status = { "code" }, mue = { "code" },
  ptp = { "col1", "col2" }, aoc = { "addon", "primary_code" },
  required_modifiers = { "code" }, replacements = { "code", "replacement" }, payer_codes = { "code" },
  related = { "code", "related" },
}

local codes = {}
for _, r in ipairs(files.codes and files.codes.rows or {}) do codes[r.by.code] = r.by end
-- Codes a row may name: the curated ones and the national ones
-- (data/national/codes.tsv, generated by tools/extract_national.lua).
local known = {}
for c, r in pairs(codes) do known[c] = r end
do
  local ok, national = pcall(parse_tsv, DATA .. "national/codes.tsv")
  for _, r in ipairs(ok and national.rows or {}) do known[r.by.code] = known[r.by.code] or r.by end
end

---------------------------------------------------------------- specs

describe("curated data", function()
  it("runs under Lua 5.4", function()
    assert.are.equal("Lua 5.4", _VERSION)
  end)

  describe("file format", function()
    for _, t in ipairs(TABLES) do
      it(t .. ".tsv parses with the header's column count on every row", function()
        assert.is_nil(parse_errors[t])
        assert.is_true(#rows(t) > 0, t .. " has no rows")
      end)

      it(t .. ".tsv names only columns of the schema, once each, and every required one", function()
        local s = assert(schema[t], "no table " .. t .. " in schema.sql")
        local seen = {}
        assert(files[t], "table " .. t .. " did not parse")
        for _, h in ipairs(files[t].header) do
          assert.is_true(s.set[h] == true, t .. ": unknown column " .. h)
          assert.is_nil(seen[h], t .. ": column twice: " .. h)
          seen[h] = true
        end
        for col in pairs(s.required) do
          assert.is_true(seen[col] == true, t .. ": required column missing: " .. col)
        end
      end)
    end
  end)

  describe("values", function()
    it("has real ISO dates and valid_from <= valid_to", function()
      for _, t in ipairs(TABLES) do
        for _, r in ipairs(rows(t)) do
          for col, v in pairs(r.by) do
            if DATE_COLUMNS[col] then
              assert.is_true(is_date(v), ("%s:%d: %s is not a date: %s"):format(t, r.line, col, v))
            end
          end
          if r.by.valid_from and r.by.valid_to then
            assert.is_true(r.by.valid_from <= r.by.valid_to, ("%s:%d: valid_from after valid_to"):format(t, r.line))
          end
          if r.by.effective and r.by.terminated then
            assert.is_true(r.by.effective <= r.by.terminated, ("%s:%d: effective after terminated"):format(t, r.line))
          end
        end
      end
    end)

    it("names a source on every row", function()
      for _, t in ipairs(TABLES) do
        for _, r in ipairs(rows(t)) do
          assert.is_truthy(r.by.source and r.by.source:match("%S"), ("%s:%d: no source"):format(t, r.line))
        end
      end
    end)

    it("names a real public source, never DOMAIN.md, on every row of the curated tables", function()
      for _, t in ipairs(SOURCED) do
        for _, r in ipairs(rows(t)) do
          local src = r.by.source
          assert.is_truthy(src and src:match("%S"), ("%s:%d: no source"):format(t, r.line))
          assert.is_nil(src:lower():find("domain.md", 1, true), ("%s:%d: cites DOMAIN.md: %s"):format(t, r.line, src))
          assert.is_nil(src:lower():find("design/", 1, true), ("%s:%d: cites a design note: %s"):format(t, r.line, src))
        end
      end
    end)

    it("has no duplicate primary keys", function()
      for _, t in ipairs(TABLES) do
        local pk = schema[t].pk
        if pk then
          local seen = {}
          for _, r in ipairs(rows(t)) do
            local parts = {}
            for i, col in ipairs(pk) do parts[i] = r.by[col] or "" end
            local key = table.concat(parts, "|")
            assert.is_nil(seen[key], ("%s:%d: duplicate key %s (first at line %s)"):format(t, r.line, key, seen[key]))
            seen[key] = r.line
          end
        end
      end
    end)

    it("respects the schema's CHECK values", function()
      local enum = {
        ["codes.system"] = { CPT = true, HCPCS = true },
        ["codes.addon"] = { ["0"] = true, ["1"] = true },
        ["pctc_meanings.component"] = { professional = true, technical = true, split = true, none = true },
        ["payment_status.setting"] = { practitioner = true, hospital = true },
        ["status_meanings.setting"] = { practitioner = true, hospital = true },
        ["status_meanings.recognized"] = { ["0"] = true, ["1"] = true },
        ["mue.setting"] = { practitioner = true, hospital = true, dme = true },
        ["mue.mai"] = { ["1"] = true, ["2"] = true, ["3"] = true },
        ["ptp.setting"] = { practitioner = true, hospital = true },
        ["ptp.modifier"] = { ["0"] = true, ["1"] = true, ["9"] = true },
        ["aoc.type"] = { ["1"] = true, ["2"] = true, ["3"] = true },
        ["required_modifiers.setting"] = { practitioner = true, hospital = true, ["*"] = true },
        ["required_modifiers.kind"] = { required = true, not_allowed = true },
        ["places.facility"] = { ["0"] = true, ["1"] = true },
        ["setting_modifiers.setting"] = { practitioner = true, hospital = true },
        ["replacements.setting"] = { practitioner = true, hospital = true, ["*"] = true },
      }
      for key, allowed in pairs(enum) do
        local t, col = key:match("^(.-)%.(.*)$")
        for _, r in ipairs(rows(t)) do
          local v = r.by[col]
          assert.is_true(v ~= nil and allowed[v] == true, ("%s:%d: bad %s: %s"):format(t, r.line, col, tostring(v)))
        end
      end
      for _, r in ipairs(rows("mue")) do
        assert.is_truthy(r.by.value:match("^%d+$"), ("mue:%d: bad value"):format(r.line))
      end
    end)

    it("uses the documented code shapes, systems and families", function()
      for _, r in ipairs(rows("codes")) do
        local c = r.by
        if c.code:match("^%d%d%d%d%d$") then
          assert.are.equal("CPT", c.system, c.code)
        else
          assert.is_truthy(c.code:match("^%u%d%d%d%d$"), "malformed code " .. c.code)
          assert.are.equal("HCPCS", c.system, c.code)
        end
        assert.is_true(FAMILIES[c.family] == true, c.code .. ": unknown family " .. c.family)
        assert.are.equal(c.code == "77293" and "1" or "0", c.addon, c.code .. " addon")
      end
    end)

    it("has a plain summary under 200 characters and no CPT descriptor", function()
      for _, r in ipairs(rows("codes")) do
        local c = r.by
        assert.is_truthy(c.summary and c.summary:match("%S"), c.code .. ": empty summary")
        assert.is_true(utf8.len(c.summary) < 200, c.code .. ": summary too long")
        if c.system == "CPT" then
          assert.is_nil(c.descriptor, c.code .. ": CPT descriptor text must not be shipped")
        else
          assert.is_truthy(c.descriptor, c.code .. ": HCPCS Level II code without its descriptor")
        end
      end
    end)

    it("words 77520's summary in radcode's own words, not the CPT descriptor", function()
      local summary = assert(codes["77520"], "77520 is missing").summary:lower()
      assert.is_nil(summary:find("simple, without compensation", 1, true), summary)
      assert.is_nil(summary:find("without compensation", 1, true), summary)
    end)

    it("has lower-case single-expansion synonyms made of plain words", function()
      for _, r in ipairs(rows("synonyms")) do
        assert.are.equal(r.by.term:lower(), r.by.term)
        assert.is_truthy(r.by.expansion:match("^[%w ]+$"), "synonym " .. r.by.term)
      end
    end)
  end)

  describe("cross references", function()
    it("names only codes that codes.tsv (or data/national/codes.tsv) holds", function()
      for t, cols in pairs(CODE_COLUMNS) do
        for _, r in ipairs(rows(t)) do
          for _, col in ipairs(cols) do
            local v = r.by[col]
            if v ~= nil and not known[v] then   -- assert only on a miss: ptp.tsv has 21,000 rows
              assert.is_truthy(known[v], ("%s:%d: %s %s is not in codes.tsv"):format(t, r.line, col, v))
            end
          end
        end
      end
    end)

    it("keeps dated rows inside the life of their codes", function()
      for t, cols in pairs(CODE_COLUMNS) do
        if t ~= "related" then
          for _, r in ipairs(rows(t)) do
            for _, col in ipairs(cols) do
              local c = codes[r.by[col]]
              if c and not (t == "replacements" and col == "code") then
                local where = ("%s:%d: %s"):format(t, r.line, r.by[col])
                assert.is_true(r.by.valid_from >= c.effective, where .. " starts before the code")
                if c.terminated then
                  assert.is_truthy(r.by.valid_to and r.by.valid_to <= c.terminated, where .. " outlives the code")
                end
              end
            end
          end
        end
      end
    end)

    -- Rows of table t grouped by key(row): no two of a group overlap in dates.
    local function assert_no_overlap(t, key_of)
      local groups = {}
      for _, r in ipairs(rows(t)) do
        local key = key_of(r.by)
        groups[key] = groups[key] or {}
        table.insert(groups[key], r.by)
      end
      for key, list in pairs(groups) do
        table.sort(list, function(a, b) return a.valid_from < b.valid_from end)
        for i = 2, #list do
          local prev = list[i - 1]
          if not (prev.valid_to and prev.valid_to < list[i].valid_from) then
            assert.is_truthy(false, ("%s: overlapping rows for %s (%s and %s)"):format(t, key, prev.valid_from, list[i].valid_from))
          end
        end
      end
    end

    it("has no overlapping date ranges for one code and setting", function()
      for _, t in ipairs { "indicators", "payment_status", "mue" } do
        assert_no_overlap(t, function(r) return r.code .. "|" .. (r.setting or "") end)
      end
    end)

    it("has no overlapping date ranges for one PTP pair and setting", function()
      assert_no_overlap("ptp", function(r) return r.col1 .. "|" .. r.col2 .. "|" .. r.setting end)
    end)

    it("explains every PC/TC indicator and payment status used", function()
      local meanings = {}
      for _, r in ipairs(rows("pctc_meanings")) do meanings[r.by.pctc] = true end
      for d = 0, 9 do assert.is_true(meanings[tostring(d)], "pctc " .. d .. " has no meaning") end
      for _, r in ipairs(rows("indicators")) do
        assert.is_true(meanings[r.by.pctc] == true, "indicators: unknown pctc " .. r.by.pctc)
      end
      local status = {}
      for _, r in ipairs(rows("status_meanings")) do status[r.by.setting .. "|" .. r.by.status] = true end
      for _, r in ipairs(rows("payment_status")) do
        assert.is_true(status[r.by.setting .. "|" .. r.by.status] == true,
          ("payment_status:%d: status %s has no meaning"):format(r.line, r.by.status))
      end
    end)
  end)

  describe("DOMAIN.md facts", function()
    it("holds every code DOMAIN.md names", function()
      for _, c in ipairs(DOMAIN_CODES) do
        assert.is_truthy(codes[c], c .. " is missing")
      end
    end)

    it("ends the 2026 deletions on 2025-12-31 and starts 77436-77439 on 2026-01-01", function()
      for _, c in ipairs(DELETED_2026) do
        assert.are.equal("2025-12-31", codes[c] and codes[c].terminated, c)
      end
      for _, c in ipairs(NEW_2026) do
        assert.are.equal("2026-01-01", codes[c] and codes[c].effective, c)
        assert.is_nil(codes[c].terminated, c)
      end
      for _, c in ipairs { "77402", "77407", "77412", "77387", "77427", "77301" } do
        assert.is_nil(codes[c].terminated, c .. " is still in force")
      end
    end)

    it("gives every deleted code a successor from the day after its deletion", function()
      for code, c in pairs(codes) do
        if c.terminated then
          local found = false
          for _, r in ipairs(rows("replacements")) do
            if r.by.code == code and r.by.valid_from == next_day(c.terminated) then found = true end
          end
          assert.is_true(found, code .. " has no replacement from " .. next_day(c.terminated))
        end
      end
    end)

    it("has the section 4 MUE values", function()
      for _, m in ipairs(MUE_2024) do
        local code, setting, value, mai = m[1], m[2], m[3], m[4]
        local hit
        for _, r in ipairs(rows("mue")) do
          if r.by.code == code and r.by.setting == setting and covers(r, "2024-04-01") then hit = r.by end
        end
        assert.is_truthy(hit, ("no %s MUE for %s on 2024-04-01"):format(setting, code))
        assert.are.same({ code, setting, value, mai }, { code, setting, tonumber(hit.value), tonumber(hit.mai) })
      end
    end)

    it("has the section 4 PTP edits for practitioners", function()
      for _, p in ipairs(PTP_2024) do
        local hit
        for _, r in ipairs(rows("ptp")) do
          if r.by.col1 == p[1] and r.by.col2 == p[2] and r.by.setting == "practitioner"
            and covers(r, "2024-04-01") then hit = r.by end
        end
        assert.is_truthy(hit, ("no PTP %s/%s"):format(p[1], p[2]))
        assert.are.same(p, { hit.col1, hit.col2, tonumber(hit.modifier) })
      end
    end)

    it("keeps the PTP edits deleted in v30.1 for the dates before their deletion", function()
      local function edit(c1, c2, date)
        for _, r in ipairs(rows("ptp")) do
          if r.by.col1 == c1 and r.by.col2 == c2 and r.by.setting == "practitioner" and covers(r, date) then
            return tonumber(r.by.modifier)
          end
        end
      end
      for _, c2 in ipairs { "77280", "77285", "77290" } do
        assert.are.equal(0, edit("77295", c2, "2015-01-01"), "77295/" .. c2 .. " in 2015")
        assert.are.equal(0, edit("77295", c2, "2019-12-31"), "77295/" .. c2 .. " on its deletion date")
        assert.is_nil(edit("77295", c2, "2020-01-01"), "77295/" .. c2 .. " after its deletion")
      end
      for _, c2 in ipairs { "77014", "77306" } do
        assert.are.same({ 0, 1 }, { edit("77295", c2, "2019-12-31"), edit("77295", c2, "2020-01-01") }, "77295/" .. c2)
      end
    end)

    it("copies every practitioner PTP row between two curated codes to the hospital setting, marked secondary", function()
      local function key(r)
        return table.concat({ r.by.col1, r.by.col2, r.by.valid_from, r.by.valid_to or "", r.by.modifier }, "|")
      end
      local prac, hosp = {}, {}
      for _, r in ipairs(rows("ptp")) do
        if r.by.setting == "practitioner" then
          if codes[r.by.col1] and codes[r.by.col2] then prac[#prac + 1] = key(r) end
        else
          hosp[#hosp + 1] = key(r)
          assert.is_truthy(r.by.source:find("(secondary", 1, true), ("ptp:%d: hospital copy not marked secondary"):format(r.line))
        end
      end
      table.sort(prac)
      table.sort(hosp)
      assert.is_true(#prac > 600)
      assert.are.same(prac, hosp)
    end)

    it("has the section 4 PC/TC indicators and 77293's ZZZ global", function()
      for _, p in ipairs(PCTC_2024) do
        local hit
        for _, r in ipairs(rows("indicators")) do
          if r.by.code == p[1] and covers(r, "2024-01-01") then hit = r.by end
        end
        assert.is_truthy(hit, "no indicators for " .. p[1] .. " on 2024-01-01")
        assert.are.same(p, { hit.code, hit.pctc })
      end
      for _, r in ipairs(rows("indicators")) do
        if r.by.code == "77293" then assert.are.equal("ZZZ", r.by.global) end
      end
    end)

    it("lists 77295 and 77301 as the type 1 primaries of add-on 77293", function()
      local primaries = {}
      for _, r in ipairs(rows("aoc")) do
        if r.by.addon == "77293" then
          assert.are.equal("1", r.by.type)
          primaries[r.by.primary_code] = true
        end
      end
      assert.is_true(primaries["77295"] and primaries["77301"])
    end)

    it("requires 26 on 77387 from 2026 on professional claims, and refuses it on hospital claims", function()
      local hit, banned
      for _, r in ipairs(rows("required_modifiers")) do
        if r.by.code == "77387" and r.by.modifier == "26" and r.by.setting == "practitioner" and r.by.kind == "required" then hit = r.by end
        if r.by.code == "77387" and r.by.modifier == "26" and r.by.setting == "hospital" and r.by.kind == "not_allowed" then banned = r.by end
        assert.are_not.equal("*", r.by.setting)
      end
      assert.is_truthy(hit)
      assert.are.equal("2026-01-01", hit.valid_from)
      assert.are.equal("2026-01-01", banned and banned.valid_from)
    end)

    it("marks the Medicare practitioner levels status I in 2015-2025 and recognised from 2026", function()
      local recognized = {}
      for _, r in ipairs(rows("status_meanings")) do
        recognized[r.by.setting .. "|" .. r.by.status] = r.by.recognized == "1"
      end
      local function status(code, date)
        for _, r in ipairs(rows("payment_status")) do
          if r.by.code == code and r.by.setting == "practitioner" and covers(r, date) then return r.by.status end
        end
      end
      for _, c in ipairs { "77402", "77407", "77412", "77385", "77386" } do
        assert.are.equal("I", status(c, "2020-06-01"), c)
      end
      for _, c in ipairs { "77402", "77407", "77412" } do
        assert.is_true(recognized["practitioner|" .. status(c, "2026-03-01")], c)
      end
      assert.is_false(recognized["practitioner|I"])
      assert.is_true(recognized["hospital|N"])
      assert.is_false(recognized["hospital|B"])
    end)

    it("maps the Medicare practitioner levels to the G-code of each energy band", function()
      local want = {
        ["77402"] = { "G6003", "G6004", "G6005", "G6006" },
        ["77407"] = { "G6007", "G6008", "G6009", "G6010" },
        ["77412"] = { "G6011", "G6012", "G6013", "G6014" },
      }
      for cpt, gs in pairs(want) do
        for _, g in ipairs(gs) do
          local hit = false
          for _, r in ipairs(rows("replacements")) do
            if r.by.code == cpt and r.by.replacement == g and r.by.payer == "medicare"
              and r.by.setting == "practitioner" and covers(r, "2020-06-01") and not covers(r, "2026-01-01") then
              hit = true
            end
          end
          assert.is_true(hit, cpt .. " -> " .. g)
        end
      end
    end)
  end)
  -- What a new year of codes must bring (data/ANNUAL_UPDATE.md): a row in
  -- each table a code needs, or a row of gaps.tsv saying why not.
  describe("year-change checks", function()
    local gaps = {}
    for _, r in ipairs(rows("gaps")) do gaps[r.by.code .. "|" .. r.by.fact .. "|" .. r.by.setting] = r.by end
    local function gap(code, fact, setting)
      return gaps[code .. "|" .. fact .. "|" .. setting] or gaps[code .. "|" .. fact .. "|*"]
    end
    local function have(t, with_setting)
      local set = {}
      for _, r in ipairs(rows(t)) do set[r.by.code .. (with_setting and ("|" .. r.by.setting) or "")] = true end
      return set
    end

    it("gives every code a PC/TC indicator, and an MUE and a payment status in each setting, or a gaps row", function()
      local pctc, mue, status, missing = have("indicators"), have("mue", true), have("payment_status", true), {}
      for code in pairs(codes) do
        if not pctc[code] and not gap(code, "pctc", "*") then missing[#missing + 1] = code .. " pctc" end
        for _, setting in ipairs { "practitioner", "hospital" } do
          if not mue[code .. "|" .. setting] and not gap(code, "mue", setting) then
            missing[#missing + 1] = code .. " mue " .. setting
          end
          if not status[code .. "|" .. setting] and not gap(code, "payment_status", setting) then
            missing[#missing + 1] = code .. " payment_status " .. setting
          end
        end
      end
      table.sort(missing)
      assert.are.same({}, missing)
    end)

    it("names only curated codes in gaps.tsv, for tables that lack them", function()
      local pctc, mue, status = have("indicators"), have("mue", true), have("payment_status", true)
      for _, r in ipairs(rows("gaps")) do
        local g, where = r.by, ("gaps:%d: %s %s"):format(r.line, r.by.code, r.by.fact)
        if g.code ~= "*" then assert.is_truthy(codes[g.code], where .. ": not in codes.tsv") end
        if g.fact == "pctc" then assert.is_nil(pctc[g.code], where .. ": it has an indicators row") end
        for _, setting in ipairs { "practitioner", "hospital" } do
          if g.setting == "*" or g.setting == setting then
            if g.fact == "mue" then assert.is_nil(mue[g.code .. "|" .. setting], where .. ": it has one") end
            if g.fact == "payment_status" then assert.is_nil(status[g.code .. "|" .. setting], where .. ": it has one") end
          end
        end
      end
    end)

    it("counts every delivery-family code's units as fractions (fraction_codes), or says why not", function()
      local fraction, missing = have("fraction_codes"), {}
      local DELIVERY = { delivery = true, imrt = true, proton = true, superficial = true, srs = true, sbrt = true }
      for code, c in pairs(codes) do
        if DELIVERY[c.family] and not fraction[code] and not gap(code, "fraction_codes", "*") then
          missing[#missing + 1] = code
        end
        if fraction[code] then assert.is_nil(gap(code, "fraction_codes", "*"), code .. ": in fraction_codes and gaps") end
      end
      table.sort(missing)
      assert.are.same({}, missing)
    end)

    it("has every PTP edit in both settings, or a gaps row marks it practitioner-only", function()
      local function key(r, setting)
        return table.concat({ r.col1, r.col2, setting, r.valid_from, r.valid_to or "", r.modifier }, "|")
      end
      local all = {}
      for _, r in ipairs(rows("ptp")) do all[key(r.by, r.by.setting)] = true end
      local practitioner_only = gap("*", "ptp", "hospital")
      for _, r in ipairs(rows("ptp")) do
        local other = r.by.setting == "practitioner" and "hospital" or "practitioner"
        if not all[key(r.by, other)] then
          local curated = codes[r.by.col1] and codes[r.by.col2]
          if curated or other == "practitioner" or not practitioner_only then
            assert.is_truthy(false, ("ptp:%d: %s/%s has no %s row"):format(r.line, r.by.col1, r.by.col2, other))
          end
        end
      end
    end)

    it("names a real public source, never the design notes, on every row of every data file", function()
      local p = io.popen("env -u LD_PRELOAD ls " .. DATA .. "*.tsv " .. DATA .. "national/*.tsv")
      for path in p:lines() do
        local t = parse_tsv(path)
        local has_source = false
        for _, h in ipairs(t.header) do has_source = has_source or h == "source" end
        for _, r in ipairs(has_source and t.rows or {}) do
          local src = r.by.source or ""
          assert.is_truthy(src:match("%S"), ("%s:%d: no source"):format(path, r.line))
          local low = src:lower()
          assert.is_nil(low:find("domain.md", 1, true) or low:find("architecture.md", 1, true)
            or low:find("design/", 1, true), ("%s:%d: cites a design note: %s"):format(path, r.line, src))
        end
      end
      p:close()
    end)

    it("has a yearly checklist, linked from data/README.md, naming every table that holds rows per code", function()
      local checklist = read(DATA .. "ANNUAL_UPDATE.md")
      assert.is_truthy(read(DATA .. "README.md"):find("ANNUAL_UPDATE.md", 1, true), "data/README.md does not link it")
      local p = io.popen("env -u LD_PRELOAD ls " .. DATA .. "*.tsv")
      for path in p:lines() do
        local name = path:match("([%w_]+%.tsv)$")
        local header = parse_tsv(path).header
        local per_code = false
        for _, h in ipairs(header) do per_code = per_code or h == "code" or h == "col1" or h == "service" end
        if per_code then
          assert.is_truthy(checklist:find("`" .. name .. "`", 1, true), "ANNUAL_UPDATE.md does not name " .. name)
        end
      end
      p:close()
      for _, pattern in ipairs { "valid_to", "priority", "has%(", "note:", "slot `check`", "RC_FACTS_MAX", "MUE", "NCCI" } do
        assert.is_truthy(checklist:find(pattern), "ANNUAL_UPDATE.md says nothing of " .. pattern)
      end
    end)

    it("refuses in every classify_rules row of slot check (a row that did not would skip the later checks)", function()
      local t = parse_tsv(DATA .. "classify_rules.tsv")
      for _, r in ipairs(t.rows) do
        if r.by.slot == "check" then
          assert.are.equal("1", r.by.refuse, ("classify_rules:%d: slot check without refuse"):format(r.line))
        end
      end
    end)

    it("quotes no row counts in the data docs (they go stale every quarter)", function()
      for _, doc in ipairs { "README.md", "ANNUAL_UPDATE.md" } do
        local text = read(DATA .. doc)
        local count = text:match("%f[%d]%d[%d,]+ rows") or text:match("%f[%d]%d[%d,]+ practitioner rows")
        assert.is_nil(count, doc .. " quotes a row count: " .. tostring(count))
      end
    end)

    it("has no two rows of one key (the primary key but valid_from) overlapping in dates, in any dated table", function()
      local p = io.popen("env -u LD_PRELOAD ls " .. DATA .. "*.tsv")
      local checked = 0
      for path in p:lines() do
        local name = path:match("([%w_]+)%.tsv$")
        local t, s = parse_tsv(path), schema[name]
        local dated = false
        for _, h in ipairs(t.header) do dated = dated or h == "valid_from" end
        if dated and s and s.pk then
          checked = checked + 1
          local groups = {}
          for _, r in ipairs(t.rows) do
            local parts = {}
            for _, col in ipairs(s.pk) do
              if col ~= "valid_from" then parts[#parts + 1] = r.by[col] or "" end
            end
            local key = table.concat(parts, "|")
            groups[key] = groups[key] or {}
            table.insert(groups[key], r)
          end
          for key, list in pairs(groups) do
            table.sort(list, function(a, b) return a.by.valid_from < b.by.valid_from end)
            for i = 2, #list do
              local prev = list[i - 1].by
              assert.is_truthy(prev.valid_to and prev.valid_to < list[i].by.valid_from,
                ("%s:%d: %s overlaps the row at line %d"):format(path, list[i].line, key, list[i - 1].line))
            end
          end
        end
      end
      p:close()
      assert.is_true(checked >= 10, "only " .. checked .. " dated tables checked")
    end)
  end)
end)
