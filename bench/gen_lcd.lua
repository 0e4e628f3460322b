--- bench/gen_lcd.lua: a deterministic CMS MCD "current article" CSV export
-- folder of the real export's size and shape (about 600,000 rows): articles,
-- their HCPCS/CPT codes, covered and non-covered ICD-10-CM codes, contractors
-- with their numbers and states, in the column layout of the real files (see
-- spec/fixtures/lcd). Used by bench/run.lua; also
--   lua5.4 bench/gen_lcd.lua DIR [ROWS]
local gen_lcd = {}

local STAMP = '"2025-01-01 00:00:00"'

local function rng(seed)
  local state = seed
  return function(lo, hi)
    state = state * 6364136223846793005 + 1442695040888963407
    return lo + ((state >> 33) % (hi - lo + 1))
  end
end

local function open(dir, name, header)
  local f = assert(io.open(dir .. "/" .. name, "w"))
  f:write(header, "\n")
  return f
end

local RADIATION = { "77261", "77262", "77263", "77280", "77290", "77295", "77300", "77301", "77336", "77338",
  "77385", "77386", "77387", "77402", "77407", "77412", "77427", "77470", "77520", "77525", "55874" }

--- Writes the export into dir (which must exist); about `rows` rows in all
-- (default 600,000). Returns the number of rows written.
function gen_lcd.write(dir, rows)
  rows = rows or 600000
  local r = rng(16)
  local articles = math.max(10, rows // 300)
  local n = 0
  local fa = open(dir, "article.csv",
    '"article_id","article_version","article_type","title","article_eff_date","article_end_date","last_updated"')
  local fc = open(dir, "article_x_hcpc_code.csv",
    '"article_id","article_version","hcpc_code_id","hcpc_code_version","hcpc_code_group","range","last_updated"')
  local fx = open(dir, "article_x_icd10_covered.csv", '"article_id","article_version","icd10_code_id",'
    .. '"icd10_code_version","icd10_covered_group","range","last_updated","sort_order","description"')
  local fn = open(dir, "article_x_icd10_noncovered.csv", '"article_id","article_version","icd10_code_id",'
    .. '"icd10_code_version","icd10_noncovered_group","range","last_updated","sort_order","description"')
  local fk = open(dir, "article_x_contractor.csv",
    '"article_id","article_version","contractor_id","contractor_type_id","contractor_version","last_updated"')
  local per = (rows - articles * 2) // articles
  for a = 1, articles do
    local id = 50000 + a
    fa:write(('"%d","1","1","Billing and Coding: generated article %d","2019-10-01 00:00:00","",%s\n'):format(id, a, STAMP))
    fk:write(('"%d","1","%d","1","1",%s\n'):format(id, 1 + a % 60, STAMP))
    n = n + 2
    local codes = math.max(1, per // 6)
    for i = 1, codes do
      local code = i <= 3 and RADIATION[r(1, #RADIATION)] or ("%05d"):format(10000 + r(0, 89999))
      fc:write(('"%d","1","%s","1","%d","0",%s\n'):format(id, code, 1 + i % 3, STAMP))
    end
    local dx = per - codes
    for i = 1, dx do
      local f = i % 20 == 0 and fn or fx
      local letter = string.char(65 + r(0, 25))
      f:write(('"%d","1","%s%02d.%d%d","1","%d","0",%s,"%d","generated diagnosis %d"\n'):format(id, letter, r(0, 99),
        r(0, 9), r(0, 9), 1 + i % 4, STAMP, i, i))
    end
    n = n + codes + dx
  end
  fa:close(); fc:close(); fx:close(); fn:close(); fk:close()
  local fo = open(dir, "contractor.csv",
    '"contractor_id","contractor_type_id","contractor_version","contractor_bus_name","contractor_number","last_updated"')
  local fj = open(dir, "contractor_jurisdiction.csv",
    '"contractor_id","contractor_type_id","contractor_version","state_id","last_updated"')
  local fs = open(dir, "state_lookup.csv", '"state_id","state_abbrev","description"')
  for c = 1, 60 do
    fo:write(('"%d","1","1","Generated contractor %d","%05d",%s\n'):format(c, c, 1000 + c, STAMP))
    fj:write(('"%d","1","1","%d",%s\n'):format(c, c, STAMP))
    fs:write(('"%d","S%d","generated state %d"\n'):format(c, c % 10, c))
    n = n + 3
  end
  fo:close(); fj:close(); fs:close()
  return n
end

if arg and arg[0] and arg[0]:match("gen_lcd%.lua$") then
  local dir = assert(arg[1], "usage: lua5.4 bench/gen_lcd.lua DIR [ROWS]")
  os.execute("mkdir -p '" .. dir:gsub("'", "'\\''") .. "'")
  print(gen_lcd.write(dir, tonumber(arg[2])) .. " rows in " .. dir)
end

return gen_lcd
