--- bench/run.lua: `make bench`. Builds a database from the full CMS files
-- (../shared/cms, or generated files of the same size and shape), generates
-- a deterministic mix of claims, and measures in separate processes:
-- import speed, database size, open-to-first-check time, rc:check
-- throughput and peak memory, the two baselines (SQLite queries, plain Lua
-- tables) on the same claims, `radcode check --batch` end to end, and
-- `radcode check` on the same claims as one X12 837P file (bench/x12.lua); then
-- checks that all three engines found the same PTP and MUE findings. First
-- it reports the embedded default database: its size and the time
-- radcode.open() takes to open it (`lua5.4 bench/run.lua embedded` runs
-- only that part).
local radcode = require "radcode"
local gen = require "gen"
local x12 = require "x12"
local json = radcode.json

local OUT = "build/bench"
local DB = OUT .. "/bench.db"
local CLAIMS = OUT .. "/claims.jsonl"
local CLAIMS_837 = OUT .. "/claims.837"
local N_CLAIMS, PASSES, SQLITE_CLAIMS = 20000, 8, 2000

local function sh(cmd)
  local p = io.popen(cmd)
  local out = p:read("a")
  local ok, _, code = p:close()
  if not ok then error(("command failed (%s): %s"):format(code, cmd)) end
  return out
end

local function stage(...)
  local args = {}
  for i, a in ipairs { ... } do args[i] = ("%q"):format(tostring(a)) end
  local env = ("LUA_PATH='lua/?.lua;lua/?/init.lua;bench/?.lua' LUA_CPATH='build/?.so;build/bench/?.so'")
  return assert(json.decode(sh(env .. " lua5.4 bench/stage.lua " .. table.concat(args, " "))))
end

local function cms_files()
  local dir = "../shared/cms/"
  local names = { "ncci_ptp_practitioner_v301.csv.gz", "mue_2024q2.csv.gz", "aoc_2024q2.csv.gz" }
  local files, real = {}, true
  for i, n in ipairs(names) do
    local f = io.open(dir .. n, "rb")
    if f then f:close(); files[i] = dir .. n else real = false end
  end
  if real then return files, "real CMS files (../shared/cms)" end
  files = { OUT .. "/ptp.csv", OUT .. "/mue.csv", OUT .. "/aoc.csv" }
  gen.ptp_csv(files[1], 2545089)
  gen.mue_csv(files[2], 32202)
  gen.aoc_csv(files[3], 8186)
  return files, "generated files of the real files' size and shape (../shared/cms absent)"
end

-- Every step-th row of a query, whose one or two columns are codes.
local function sample(sql, step, limit)
  local rows, i = {}, 0
  for line in sh(("sqlite3 -separator '|' %q %q"):format(DB, sql)):gmatch("[^\n]+") do
    i = i + 1
    local a, b = line:match("^([^|]*)|?(.*)$")
    if i % step == 0 and #rows < limit and a:match("^%w%w%w%w%w$") and (b == "" or b:match("^%w%w%w%w%w$")) then
      rows[#rows + 1] = b ~= "" and { a, b } or a
    end
  end
  return rows
end

local function write_claims()
  local pairs = sample("SELECT col1, col2 FROM ptp WHERE setting = 'practitioner' AND valid_to IS NULL"
    .. " AND modifier <> 9 ORDER BY col1, col2", 397, 4000)
  local codes = sample("SELECT code FROM mue WHERE setting = 'practitioner' ORDER BY code", 5, 4000)
  local f = assert(io.open(CLAIMS, "w"))
  local claims = gen.claims(N_CLAIMS, pairs, codes)
  for _, c in ipairs(claims) do f:write(json.encode(c), "\n") end
  f:close()
  f = assert(io.open(CLAIMS_837, "w"))
  f:write(x12.write(claims, { nl = "\n" }))
  f:close()
  return #pairs, #codes
end

local function same_digests(a, b, n)
  local fa, fb = assert(io.open(a)), assert(io.open(b))
  local differ, findings = 0, 0
  for _ = 1, n do
    local x, y = fa:read("l"), fb:read("l")
    if x ~= y then differ = differ + 1 end
    if x then findings = findings + select(2, x:gsub(":", "")) // 2 end
  end
  fa:close(); fb:close()
  return differ, findings
end

-- The best of BATCH_RUNS runs of the whole command, in seconds.
local BATCH_RUNS = 3

local function batch()
  local best = math.huge
  for _ = 1, BATCH_RUNS do
    local t0 = radcode.clock()
    os.execute(("RADCODE_BUILD=build lua5.4 bin/radcode check --batch %s --db %s --quiet > %s/batch.out 2>&1"):format(CLAIMS, DB, OUT))
    best = math.min(best, radcode.clock() - t0)
  end
  return best
end

-- The embedded default database: the size of the image compiled into the
-- module (build/default.db), its PTP rows, and the best of EMBED_RUNS fresh
-- processes' radcode.open() and open-to-first-check times.
local EMBED_RUNS = 7
local EMBED_CHILD = [[
local radcode = require "radcode"
local t0 = radcode.clock()
local rc = assert(radcode.open())
local t1 = radcode.clock()
rc:check { setting = "practitioner", pos = "11", lines = {
  { code = "77263", date = "2024-05-06", units = 1 }, { code = "77300", date = "2024-05-06", units = 1 } } }
io.write(("%.9f %.9f"):format(t1 - t0, radcode.clock() - t0))
]]

local function embedded()
  local f = assert(io.open("build/default.db", "rb"))
  local bytes = f:seek("end")
  f:close()
  local ptp = tonumber((sh("sqlite3 build/default.db 'SELECT count(*) FROM ptp_edit'"):match("%d+")))
  local env = "LUA_PATH='lua/?.lua;lua/?/init.lua' LUA_CPATH='build/?.so'"
  local open, first = math.huge, math.huge
  for _ = 1, EMBED_RUNS do
    local a, b = sh(("%s lua5.4 -e %q"):format(env, EMBED_CHILD)):match("^(%S+) (%S+)$")
    open, first = math.min(open, tonumber(a)), math.min(first, tonumber(b))
  end
  return { bytes = bytes, ptp_rows = ptp, open_ms = open * 1000, first_check_ms = first * 1000, runs = EMBED_RUNS }
end

local function line(label, value, target) print(("  %-44s %s%s"):format(label, value, target and ("   " .. target) or "")) end
local function verdict(ok) return ok and "met" or "NOT MET" end

local function report_embedded(e)
  line("embedded database (build/default.db)", ("%.2f MB, %d PTP rows"):format(e.bytes / 1e6, e.ptp_rows))
  line("embedded radcode.open()", ("%.1f ms; to first finished check %.1f ms (best of %d processes)"):format(
    e.open_ms, e.first_check_ms, e.runs), ("target < 100 ms: %s"):format(verdict(e.open_ms < 100)))
end

-- The same claims as one 837P file: `radcode check FILE` (read, check,
-- report), the best of BATCH_RUNS runs, in seconds.
local function x12_check()
  local best = math.huge
  for _ = 1, BATCH_RUNS do
    local t0 = radcode.clock()
    os.execute(("RADCODE_BUILD=build lua5.4 bin/radcode check %s --db %s --quiet > %s/x12.out 2>&1"):format(CLAIMS_837, DB, OUT))
    best = math.min(best, radcode.clock() - t0)
  end
  return best
end

local function report(r)
  print(("radcode benchmark: %s"):format(r.source))
  report_embedded(r.embedded)
  line("claims", ("%d claims, %d lines; %.1f findings a claim, %.0f%% of claims denied"):format(r.radcode.claims,
    r.batch_lines, r.radcode.findings_per_claim, 100 * r.radcode.denied_share))
  line("PTP import", ("%d rows in %.2f s = %.0f rows/s"):format(r.import["ncci-ptp"].rows, r.import["ncci-ptp"].seconds,
    r.import["ncci-ptp"].rows_per_s), ("target 500,000 rows/s: %s"):format(verdict(r.import["ncci-ptp"].rows_per_s >= 500000)))
  line("MUE import", ("%d rows in %.3f s"):format(r.import.mue.rows, r.import.mue.seconds))
  line("AOC import", ("%d rows in %.3f s"):format(r.import.aoc.rows, r.import.aoc.seconds))
  if r.import["lcd-articles"] then
    line("LCD articles import", ("%d rows in %.3f s"):format(r.import["lcd-articles"].rows, r.import["lcd-articles"].seconds))
  end
  line("database size", ("%.1f MB"):format(r.import.db_bytes / 1e6))
  line("open to first finished check", ("%.1f ms"):format(r.radcode.open_to_first_check_ms),
    ("target < 100 ms: %s"):format(verdict(r.radcode.open_to_first_check_ms < 100)))
  line("rc:check, one core, best pass", ("%.0f claim lines/s (mean of %d passes %.0f)"):format(r.radcode.lines_per_s,
    PASSES, r.radcode.mean_lines_per_s), ("target 1,000,000: %s"):format(verdict(r.radcode.lines_per_s >= 1e6)))
  line("peak RSS of the check process", ("%.0f MB (claims loaded: %.0f MB)"):format(r.radcode.peak_rss_kb / 1024,
    r.radcode.rss_claims_kb / 1024), ("target < 200 MB: %s"):format(verdict(r.radcode.peak_rss_kb < 200 * 1024)))
  local vs_sqlite, vs_lua = r.radcode.lines_per_s / r.sqlite.lines_per_s, r.radcode.lines_per_s / r.lua.lines_per_s
  line("baseline: SQLite query per pair and code", ("%.0f lines/s (best of %d); radcode %.1fx"):format(r.sqlite.lines_per_s,
    r.sqlite.passes, vs_sqlite), ("target 30x: %s"):format(verdict(vs_sqlite >= 30)))
  line("baseline: plain Lua over Lua tables", ("%.0f lines/s (best of %d; load %.1f s); radcode %.1fx"):format(
    r.lua.lines_per_s, r.lua.passes, r.lua.load_seconds, vs_lua), ("target 3x: %s"):format(verdict(vs_lua >= 3)))
  line("radcode check --batch, end to end", ("%.0f lines/s (%d lines, %.2f s wall, best of %d)"):format(
    r.batch_lines / r.batch_seconds, r.batch_lines, r.batch_seconds, BATCH_RUNS),
    ("target 300,000: %s"):format(verdict(r.batch_lines / r.batch_seconds >= 300000)))
  line("radcode check FILE.837 (X12 837P), end to end", ("%.0f lines/s (%d claims, %.2f s wall, best of %d)"):format(
    r.batch_lines / r.x12_seconds, N_CLAIMS, r.x12_seconds, BATCH_RUNS),
    ("target 300,000: %s"):format(verdict(r.batch_lines / r.x12_seconds >= 300000)))
  line("same PTP/MUE findings, radcode vs SQLite", ("%d of %d claims differ (%d findings)"):format(r.diff_sqlite, SQLITE_CLAIMS, r.findings_sqlite))
  line("same PTP/MUE findings, radcode vs Lua", ("%d of %d claims differ (%d findings)"):format(r.diff_lua, N_CLAIMS, r.findings_lua))
end

local function main()
  os.execute("mkdir -p " .. OUT)
  local r = { embedded = embedded() }
  if arg[1] == "embedded" then
    print("radcode benchmark: the embedded default data")
    report_embedded(r.embedded)
    return 0
  end
  local files
  files, r.source = cms_files()
  os.execute("mkdir -p " .. OUT .. "/lcd")
  require("gen_lcd").write(OUT .. "/lcd", 600000)   -- the MCD article export (generated: not in ../shared/cms)
  r.import = stage("import", DB, files[1], files[2], files[3], OUT .. "/lcd")
  os.execute("sync")   -- the import's writes reach the disk before anything is timed
  r.pairs, r.codes = write_claims()
  r.radcode = stage("radcode", DB, CLAIMS, PASSES, OUT .. "/digest-radcode.txt")
  r.sqlite = stage("sqlite", DB, CLAIMS, SQLITE_CLAIMS, OUT .. "/digest-sqlite.txt")
  r.lua = stage("lua", DB, CLAIMS, N_CLAIMS, OUT .. "/digest-lua.txt")
  r.diff_sqlite, r.findings_sqlite = same_digests(OUT .. "/digest-radcode.txt", OUT .. "/digest-sqlite.txt", SQLITE_CLAIMS)
  r.diff_lua, r.findings_lua = same_digests(OUT .. "/digest-radcode.txt", OUT .. "/digest-lua.txt", N_CLAIMS)
  r.batch_seconds = batch()
  r.x12_seconds = x12_check()
  r.batch_lines = r.radcode.lines // PASSES
  report(r)
  local f = assert(io.open(OUT .. "/results.json", "w"))
  f:write(json.encode(r, true), "\n")
  f:close()
  return (r.diff_sqlite == 0 and r.diff_lua == 0) and 0 or 1
end

os.exit(main())
