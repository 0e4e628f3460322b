--- bench/gen.lua: deterministic data for the benchmark.
--   * synthetic CMS files of the real files' size and shape (for machines
--     without ../shared/cms): the practitioner PTP CSV, MUE and AOC CSVs;
--   * claims: 1 to 30 lines over one to five days, mostly radiation oncology
--     codes and some others, a real PTP pair in one claim in ten, a share
--     with modifiers (15% of lines) and extra units (10%).
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

local RADONC = { "77263", "77290", "77295", "77301", "77300", "77334", "77338", "77336",
  "77412", "77407", "77402", "77387", "77014", "77427", "77373", "77435", "77280", "77293" }
local MODIFIERS = { "59", "XS", "XU", "26", "TC", "LT", "RT", "76", "GA" }

local function date_of(r, base_day, days)
  return ("2024-05-%02d"):format(base_day + r:int(0, days - 1))
end

local function line(r, code, date)
  local l = { code = code, date = date, units = r:int(1, 10) == 1 and r:int(2, 4) or 1 }
  if r:int(1, 100) <= 15 then l.modifiers = { r:pick(MODIFIERS) } end
  return l
end

--- One claim of n lines over one to five days of a course: mostly
-- radiation oncology codes, some other codes (from the MUE file), and in one
-- claim in ten a pair that a real PTP edit covers, on one day. pairs: a list
-- of {col1, col2} from the PTP file; codes: other codes.
function gen.claim(r, n, pairs, codes)
  local base, days, lines = r:int(1, 20), r:int(1, 5), {}
  if n >= 2 and #pairs > 0 and r:int(1, 10) == 1 then
    local p, date = r:pick(pairs), date_of(r, base, days)
    lines[1] = line(r, p[1], date)
    lines[2] = line(r, p[2], date)
  end
  while #lines < n do
    local code = r:int(1, 10) <= 7 and r:pick(RADONC) or r:pick(codes)
    lines[#lines + 1] = line(r, code, date_of(r, base, days))
  end
  return { id = ("B-%d"):format(n * 100000 + r:int(0, 99999)), patient = ("P-%d"):format(r:int(1, 5000)),
    course = "course-1", payer = "medicare", setting = "practitioner", diagnoses = { "C61" }, lines = lines }
end

--- count claims of 1 to 30 lines.
function gen.claims(count, pairs, codes)
  local r, claims = gen.rng(42), {}
  for i = 1, count do claims[i] = gen.claim(r, r:int(1, 30), pairs, codes) end
  return claims
end

return gen
