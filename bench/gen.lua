--- bench/gen.lua: deterministic data for the benchmark.
--   * synthetic CMS files of the real files' size and shape (for machines
--     without ../shared/cms): the practitioner PTP CSV, MUE and AOC CSVs;
--   * synthetic PFS RVU and HCPCS Level II files of the same shape;
--   * claims: 1 to 30 lines billed the way a radiation course is (planning,
--     daily delivery and guidance, weekly management and physics), some
--     other codes, a real PTP pair in one claim in ten, modifiers on 15% of
--     lines;
--   * the general mix: 1 to 30 lines on one date, codes from every code of
--     the PTP file, modifier 59 on a quarter of the lines.
-- Everything comes from one seeded linear congruential generator.
local gen = {}

local Rng = {}
Rng.__index = Rng

function gen.rng(seed)
  return setmetatable({ state = seed }, Rng)
end

--- An integer in [lo, hi].
function Rng:int(lo, hi)
  self.state = self.state * 6364136223846793005 + 1442695040888963407
  return lo + ((self.state >> 33) % (hi - lo + 1))
end

function Rng:pick(list)
  return list[self:int(1, #list)]
end

local function code_of(r, i)
  if i % 10 == 0 then return ("G%04d"):format(i % 10000) end
  return ("%05d"):format(10000 + (i * 7919) % 89999)
end

--- Writes a synthetic PTP CSV like the shared one (rows, 2/3 active).
function gen.ptp_csv(path, rows)
  local r, f = gen.rng(1), assert(io.open(path, "w"))
  f:write("column_1,column_2,prior_1996,deletion_date,modifier,rationale\n")
  for i = 1, rows do
    local a, b = code_of(r, r:int(1, 12000)), code_of(r, r:int(1, 12000))
    local deleted = r:int(1, 3) == 1
    f:write(a, ",", b, ",", r:int(1, 5) == 1 and "*" or "", ",", deleted and "20190101" or "*", ",",
      deleted and "9" or tostring(r:int(0, 1)), ",Misuse of column two code with column one code\n")
  end
  f:close()
end

function gen.mue_csv(path, rows)
  local r, f = gen.rng(2), assert(io.open(path, "w"))
  f:write("hcpcs,mue,mai,adjudication,rationale,service_type\n")
  for i = 1, rows do
    f:write(code_of(r, i), ",", r:int(1, 4), ",", r:int(1, 3), ",,Clinical: Data,",
      i % 3 == 0 and "Outpatient Hospital" or "Practitioner", "\n")
  end
  f:close()
end

function gen.aoc_csv(path, rows)
  local r, f = gen.rng(3), assert(io.open(path, "w"))
  f:write("primary,addon,type,primary_deleted_year,addon_deleted_year,edit_effective_year,edit_deleted_year,notes\n")
  for _ = 1, rows do
    f:write(code_of(r, r:int(1, 12000)), ",", code_of(r, r:int(1, 12000)), ",1,,,2015,,\n")
  end
  f:close()
end

--- Writes a synthetic PFS RVU CSV like the shared one: rows repeat per
-- modifier (blank, 26, TC) for codes with both components.
function gen.rvu_csv(path, rows)
  local r, f = gen.rng(4), assert(io.open(path, "w"))
  f:write("hcpcs,mod,status,pctc,global,wrvu,nfprvu,fprvu,mrvu,mult_proc,surg_bilat,supvis\n")
  local i, n = 0, 0
  while n < rows do
    i = i + 1
    local code, pctc = code_of(r, i), r:int(0, 9)
    for _, mod in ipairs(pctc == 1 and { "", "26", "TC" } or { "" }) do
      if n < rows then
        f:write(code, ",", mod, ",", r:pick { "A", "A", "A", "B", "C", "I", "X" }, ",", pctc, ",",
          r:pick { "000", "010", "090", "XXX", "ZZZ" }, ",1.0,2.0,1.5,0.1,0,0,09\n")
        n = n + 1
      end
    end
  end
  f:close()
end

--- Writes a synthetic HCPCS Level II annual file like the shared one
-- (fixed width, 320 bytes a record, after a disclaimer preamble): records
-- of rows procedures, one first record (id 3) each.
function gen.hcpcs_txt(path, rows)
  local f = assert(io.open(path, "w"))
  f:write("***Disclaimers\r\n*Generated rows in the layout of the CMS HCPCS annual file.\r\n\r\n")
  for i = 1, rows do
    local code = ("%s%04d"):format(string.char(65 + i % 20), i % 10000)
    local long = ("Generated service number %d"):format(i)
    local rec = code .. "00100" .. "3" .. ("%-80s"):format(long) .. ("%-28s"):format(long:sub(1, 28))
    rec = rec .. (" "):rep(268 - #rec) .. "20190101" .. "20190101" .. (" "):rep(8) .. "N"
    f:write(rec, (" "):rep(320 - #rec), "\r\n")
  end
  f:close()
end

local MODIFIERS = { "59", "XS", "XU", "GA", "KX", "LT", "RT", "76" }
local DELIVERY = { "G6015", "G6012", "G6011", "G6008", "G6013" }   -- Medicare practitioner, 2024
local PLANNING = { { "77263", 0 }, { "77290", 0 }, { "77301", 2 }, { "77300", 2 }, { "77338", 2 },
  { "77300", 2 } }

local function date_of(day)
  local t = os.time { year = 2024, month = 5, day = day, hour = 12 }
  return os.date("%Y-%m-%d", t)
end

local function line(r, code, date, units)
  local l = { code = code, date = date, units = units or 1 }
  if r:int(1, 100) <= 15 then l.modifiers = { r:pick(MODIFIERS) } end
  return l
end

local function add(lines, n, l)
  if #lines < n then lines[#lines + 1] = l end
end

local function weekday(day)
  return tonumber(os.date("%w", os.time { year = 2024, month = 5, day = day, hour = 12 })) % 6 ~= 0
end

-- Treatment days (Monday to Friday) from `day`: a delivery and stereoscopic
-- guidance each day, 77427 and 77336 after every fifth fraction, until n lines.
local function treatment(r, lines, n, day)
  local delivery, fractions = r:pick(DELIVERY), 0
  while #lines < n do
    while not weekday(day) do day = day + 1 end
    local date = date_of(day)
    add(lines, n, line(r, delivery, date))
    add(lines, n, line(r, "G6002", date))
    fractions = fractions + 1
    if fractions % 5 == 0 then
      add(lines, n, line(r, "77427", date))
      add(lines, n, line(r, "77336", date))
    end
    day = day + 1
  end
end

--- One claim of n lines, billed the way a course is: in a claim in four a
-- planning block (77263, 77290, 77301, 77300, 77338), then treatment
-- days; one line in ten is another code (from the MUE file) on a treatment
-- day; one claim in ten carries a pair a real PTP edit covers, on one day.
-- Modifiers on 15% of lines. pairs: {col1, col2} rows of the PTP file.
function gen.claim(r, n, pairs, codes)
  local start, lines = 6 + 7 * r:int(0, 1), {}   -- a Monday
  if n >= 8 and r:int(1, 4) == 1 then
    for _, p in ipairs(PLANNING) do add(lines, n, line(r, p[1], date_of(start + p[2]))) end
    start = start + 7
  end
  if n >= 2 and #pairs > 0 and r:int(1, 10) == 1 then
    local p, date = r:pick(pairs), date_of(start)
    add(lines, n, line(r, p[1], date))
    add(lines, n, line(r, p[2], date))
  end
  for _ = 1, n // 10 do add(lines, n, line(r, r:pick(codes), date_of(start + r:int(0, 4)))) end
  treatment(r, lines, n, start)
  return { id = ("B-%d"):format(n * 100000 + r:int(0, 99999)), patient = ("P-%d"):format(r:int(1, 5000)),
    course = "course-1", payer = "medicare", setting = "practitioner", diagnoses = { "C61" }, lines = lines }
end

--- The general mix (issue 15): count claims of 1 to 30 lines, every line
-- on one date, codes drawn uniformly from `codes` (every code of the
-- national PTP file), modifier 59 on a quarter of the lines, one unit each.
function gen.general(count, codes)
  local r, claims = gen.rng(1515), {}
  for i = 1, count do
    local lines = {}
    for j = 1, r:int(1, 30) do
      lines[j] = { code = r:pick(codes), date = "2024-05-06", units = 1 }
      if r:int(1, 4) == 1 then lines[j].modifiers = { "59" } end
    end
    claims[i] = { id = ("G-%d"):format(i), payer = "medicare", setting = "practitioner", diagnoses = { "C61" },
      lines = lines }
  end
  return claims
end

--- count claims of 1 to 30 lines.
function gen.claims(count, pairs, codes)
  local r, claims = gen.rng(42), {}
  for i = 1, count do claims[i] = gen.claim(r, r:int(1, 30), pairs, codes) end
  return claims
end

return gen
