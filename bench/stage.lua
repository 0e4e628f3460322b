--- bench/stage.lua: one stage of `make bench`, run in its own process so its
-- peak memory is its own. Prints one JSON object on stdout.
--   import  DB PTP MUE AOC RVU HCPCS LCD  build DB from the default data and the CMS files
--   radcode DB CLAIMS PASSES DIGEST  open, first check, then PASSES passes over the claims
--   lists   DB CLAIMS PASSES         warm passes of rc:check_all (tables) and rc:check_json (texts)
--   sqlite  DB CLAIMS COUNT DIGEST   the SQLite baseline on the first COUNT claims
--   lua     DB CLAIMS COUNT DIGEST   the plain Lua baseline on the first COUNT claims
local radcode = require "radcode"
local json = radcode.json

local function peak_rss_kb()
  local f = io.open("/proc/self/status")
  local kb = f and f:read("a"):match("VmHWM:%s*(%d+)")
  if f then f:close() end
  return tonumber(kb)
end

local function read_claims(path, count)
  local claims = {}
  for text in io.lines(path) do
    if count and #claims >= count then break end
    claims[#claims + 1] = assert(json.decode(text))
  end
  return claims
end

local function count_lines(claims, n)
  local lines = 0
  for i = 1, n or #claims do lines = lines + #claims[i].lines end
  return lines
end

-- One line per claim: its PTP and MUE findings, sorted.
local function write_digest(path, digests)
  local f = assert(io.open(path, "w"))
  for i, d in ipairs(digests) do
    table.sort(d)
    f:write(i, "\t", table.concat(d, ","), "\n")
  end
  f:close()
end

local function radcode_digest(result)
  local d = {}
  for _, f in ipairs(result.findings) do
    if f.edit == "ptp" or f.edit == "mue" then d[#d + 1] = ("%d:%s:%s"):format(f.line, f.edit, f.severity) end
  end
  return d
end

local stages = {}

function stages.import(db, ptp, mue, aoc, rvu, hcpcs, lcd)
  os.remove(db)
  assert(radcode.open():save(db))
  local rc = assert(radcode.open { db = db })
  local out = {}
  local jobs = { { "ncci-ptp", ptp, { setting = "practitioner" } }, { "mue", mue }, { "aoc", aoc },
    { "rvu", rvu, { edition = "2024A", from = "2024-01-01" } }, { "hcpcs", hcpcs, { edition = "2019" } } }
  if lcd then jobs[#jobs + 1] = { "lcd-articles", lcd } end
  for _, job in ipairs(jobs) do
    local t0 = radcode.clock()
    local r = assert(rc:import(job[1], job[2], job[3]))
    local seconds = radcode.clock() - t0
    out[job[1]] = { rows = r.rows_read, kept = r.rows_kept, rejected = r.rows_rejected, seconds = seconds,
      rows_per_s = r.rows_read / seconds }
  end
  rc:close()
  local f = io.open(db, "rb")
  out.db_bytes = f:seek("end")
  f:close()
  return out
end

function stages.radcode(db, claims_path, passes, digest_path)
  local claims = read_claims(claims_path)
  local rss_before = peak_rss_kb()
  local t0 = radcode.clock()
  local rc = assert(radcode.open { db = db })
  assert(rc:check(claims[1]))
  local first = radcode.clock() - t0
  local digests, findings, denied = {}, 0, 0
  -- the first (cold) pass: the rules of every code load on first use
  local cold_c0, cold_t0 = os.clock(), radcode.clock()
  for i = 1, #claims do rc:check(claims[i]) end
  local cold_cpu, cold_wall = os.clock() - cold_c0, radcode.clock() - cold_t0
  for i, c in ipairs(claims) do   -- the findings compared with the baselines
    local result = rc:check(c)
    digests[i] = radcode_digest(result)
    findings = findings + #result.findings
    if not result.ok then denied = denied + 1 end
  end
  write_digest(digest_path, digests)
  -- each pass timed on its own: the best is the figure (this virtual
  -- machine's neighbours slow single passes by 10-30%), the mean is kept too
  local best, total = math.huge, 0
  for _ = 1, tonumber(passes) do
    local c0 = os.clock()
    for i = 1, #claims do rc:check(claims[i]) end
    local cpu = os.clock() - c0
    best, total = math.min(best, cpu), total + cpu
  end
  local lines = count_lines(claims)
  return { open_to_first_check_ms = first * 1000, lines = lines * tonumber(passes), cpu_seconds = total,
    lines_per_s = lines / best, mean_lines_per_s = lines * tonumber(passes) / total,
    cold_lines_per_s = lines / cold_cpu, cold_wall_seconds = cold_wall,
    peak_rss_kb = peak_rss_kb(), rss_claims_kb = rss_before, claims = #claims,
    findings_per_claim = findings / #claims, denied_share = denied / #claims }
end

-- Claims checked LIST at a time, as `radcode check --quiet` does.
local LIST = 64

local function by_lists(items, check)
  for i = 1, #items, LIST do check({ table.unpack(items, i, math.min(i + LIST - 1, #items)) }) end
end

--- The API that returns totals only, warm: the best of PASSES passes of
-- rc:check_all over the claim tables and of rc:check_json over the same
-- claims' JSON texts (after one pass that loads the rules).
function stages.lists(db, claims_path, passes)
  local texts, claims = {}, {}
  for text in io.lines(claims_path) do
    texts[#texts + 1] = text
    claims[#claims + 1] = assert(json.decode(text))
  end
  local rc = assert(radcode.open { db = db })
  by_lists(claims, function(list) rc:check_all(list) end)
  local out, lines = {}, count_lines(claims)
  for _, api in ipairs { "check_all", "check_json" } do
    local items, best = api == "check_all" and claims or texts, math.huge
    for _ = 1, tonumber(passes) do
      local c0 = os.clock()
      by_lists(items, function(list) rc[api](rc, list) end)
      best = math.min(best, os.clock() - c0)
    end
    out[api] = { lines_per_s = lines / best }
  end
  return out
end

-- The best of REPEATS passes, as radcode's figure is.
local REPEATS = 3

local function baseline(engine, claims_path, count, digest_path)
  local claims = read_claims(claims_path, tonumber(count))
  local digests = {}
  local best, total = math.huge, 0
  for _ = 1, REPEATS do
    local c0 = os.clock()
    for i = 1, #claims do digests[i] = engine:check(claims[i]) end
    local cpu = os.clock() - c0
    best, total = math.min(best, cpu), total + cpu
  end
  write_digest(digest_path, digests)
  local lines = count_lines(claims)
  return { lines = lines, cpu_seconds = total, lines_per_s = lines / best, mean_lines_per_s = lines * REPEATS / total,
    passes = REPEATS, peak_rss_kb = peak_rss_kb() }
end

function stages.sqlite(db, claims_path, count, digest_path)
  local engine = require("baseline_sqlite").open(db)
  return baseline(engine, claims_path, count, digest_path)
end

function stages.lua(db, claims_path, count, digest_path)
  local t0 = radcode.clock()
  local engine = require("baseline_lua").load(db)
  local load_seconds = radcode.clock() - t0
  local out = baseline(engine, claims_path, count, digest_path)
  out.load_seconds = load_seconds
  return out
end

local name = arg[1]
assert(stages[name], "unknown stage " .. tostring(name))
io.write(json.encode(stages[name](table.unpack(arg, 2))), "\n")
