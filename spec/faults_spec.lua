-- Faults: an import killed with SIGKILL at random points, a reader in
-- another process while an import runs, two processes recording claims at
-- once, and files radcode cannot use (another schema version, truncated,
-- damaged, not SQLite, a read-only directory, a full disk). The processes
-- are real: lua5.4 children using the module of RADCODE_BUILD, killed by sh
-- with `kill -9`. The import file is bench/gen.lua's synthetic NCCI PTP CSV
-- with long rationales, so that an import outgrows the importer's page
-- cache and writes its log while it runs. As root, a read-only bind mount
-- and a small tmpfs stand in for a read-only directory and a full disk;
-- otherwise chmod 555 does, and the tmpfs test is pending (ulimit -f works
-- for everyone). RADCODE_VALGRIND=1 and an ASan build shrink the files; the
-- kill test never does fewer than 20 kills.
local radcode = require "radcode"
local H = require "helper"

package.path = H.root .. "/bench/?.lua;" .. package.path
local gen = require "gen"

local VALGRIND = os.getenv("RADCODE_VALGRIND") == "1"
local ASAN = (os.getenv("LD_PRELOAD") or ""):match("asan") ~= nil
local ROWS = VALGRIND and 3000 or ASAN and 10000 or 40000
-- The reader's import is bigger: it outgrows SQLite's page cache, so that
-- without WAL its writes would lock the reader out for a good while.
local READER_ROWS = VALGRIND and 6000 or ASAN and 20000 or 150000
local KILLS = 20

-- A claim with the pair the reader test adds (77427 column 1, 77263 column
-- 2), as Lua source for the child processes too.
local PAIR_CLAIM_SOURCE = [[
return { id = "R-1", payer = "medicare", setting = "practitioner", diagnoses = { "C61" },
  lines = { { code = "77427", date = "2025-06-02", units = 1, dx = { 1 } },
            { code = "77263", date = "2025-06-02", units = 1, dx = { 1 } } } }
]]
local PAIR_CLAIM = load(PAIR_CLAIM_SOURCE)()

---------------------------------------------------------------------------
-- helpers

local function sleep(seconds)
  os.execute(("sleep %.3f"):format(seconds))
end

local function size_of(path)
  local f = io.open(path, "rb")
  if not f then return 0 end
  local n = f:seek("end")
  f:close()
  return n
end

local function read_lines(path)
  local lines, f = {}, io.open(path, "rb")
  if not f then return lines end
  for line in f:lines() do lines[#lines + 1] = line end
  f:close()
  return lines
end

local sql = H.sql

--- The query whose rows are the content of a database: one
-- "table|rows|sha3" row per table (and one for the schema). The datasets
-- table leaves out when and how long a load took, so that two loads of the
-- same files digest alike. The tables are those of the schema (imports add
-- none).
local digest_query
local function content_query(path)
  if digest_query then return digest_query end
  local parts = { "SELECT 'schema', 0, hex(sha3_query('SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name'))" }
  for _, t in ipairs(sql(path, "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")) do
    local select = t == "datasets"
      and "SELECT id, kind, source, edition, rows_read, rows_kept, rows_rejected FROM datasets"
      or ('SELECT * FROM "%s"'):format(t)
    parts[#parts + 1] = ("SELECT '%s', (SELECT count(*) FROM \"%s\"), hex(sha3_query('%s'))"):format(t, t, select:gsub("'", "''"))
  end
  digest_query = table.concat(parts, " UNION ALL ")
  return digest_query
end

--- PRAGMA integrity_check's verdict and the content digest, from one
-- sqlite3 run (each process counts under ASan and valgrind).
local function examine(path)
  local lines = sql(path, "PRAGMA integrity_check", content_query(path))
  return table.remove(lines, 1), table.concat(lines, "\n")
end

local function digest(path)
  local _, d = examine(path)
  return d
end

--- Does text match one of the patterns?
local function match_any(text, ...)
  for _, p in ipairs({ ... }) do
    if tostring(text):match(p) then return true end
  end
  return false
end

--- Runs a shell command that must succeed.
local function sh(command)
  local _, err, code = H.run(command)
  assert(code == 0, command .. ": " .. err)
end

local function integrity(path)
  return table.concat(sql(path, "PRAGMA integrity_check"), "\n")
end

--- The shell words that run a Lua script with this checkout's module.
local function lua_cmd(script, ...)
  local words = { "LUA_PATH=" .. H.quote(H.root .. "/lua/?.lua;" .. H.root .. "/lua/?/init.lua"),
    "LUA_CPATH=" .. H.quote(H.abs_build .. "/?.so"), "lua5.4", H.quote(script) }
  for _, a in ipairs({ ... }) do words[#words + 1] = H.quote(a) end
  return table.concat(words, " ")
end

--- The shell words of `radcode ...` from this checkout.
local function radcode_cmd(...)
  local words = { "RADCODE_BUILD=" .. H.quote(H.abs_build), "lua5.4", H.quote(H.root .. "/bin/radcode") }
  for _, a in ipairs({ ... }) do words[#words + 1] = H.quote(a) end
  return table.concat(words, " ")
end

-- Child scripts, written into the test directory. Each starts by finding
-- radcode and a `mark(path, what)` that appends "what <monotonic time>".
local PRELUDE = [[
local radcode = require "radcode"
local function mark(path, what)
  local f = assert(io.open(path, "a"))
  f:write(what, " ", ("%.6f"):format(radcode.clock()), "\n")
  f:close()
end
]]

local CHILD_IMPORT = PRELUDE .. [[
local db, file, marks, edition = ...
local rc = assert(radcode.open { db = db })
mark(marks, "begun")
local r, err = rc:import("ncci-ptp", file, { setting = "practitioner", edition = edition })
mark(marks, r and "done" or ("failed " .. tostring(err)))
rc:close()
]]

-- A check's result in one line (verdict, then its findings' edit,
-- severity, code and source, sorted), for the reader in both processes.
local ANSWER_SOURCE = [[
return function(r)
  local seen = {}
  for _, f in ipairs(r.findings) do
    seen[#seen + 1] = ("%s/%s/%s/%s"):format(f.edit, f.severity, f.code or "-", f.source or "-")
  end
  table.sort(seen)
  return (r.ok and "ok" or "deny") .. " " .. table.concat(seen, ",")
end
]]
local answer = load(ANSWER_SOURCE)()

local CHILD_READER = PRELUDE .. [[
local db, log, stop = ...
local c = (function() ]] .. PAIR_CLAIM_SOURCE .. [[ end)()
local rc = assert(radcode.open { db = db })
local out = assert(io.open(log, "w"))
out:setvbuf("line")
local deadline = radcode.clock() + 300
local answer = load(]] .. ("%q"):format(ANSWER_SOURCE) .. [[)()
repeat
  local t0 = radcode.clock()
  local ok, r, err = pcall(rc.check, rc, c)
  local t1 = radcode.clock()
  local text = not ok and ("raised " .. tostring(r)) or r and answer(r) or ("error " .. tostring(err))
  out:write(("%.6f %.6f %s\n"):format(t0, t1, text))
  local f = io.open(stop)
  if f then f:close() end
until f or radcode.clock() > deadline
out:write("exit\n")
out:close()
]]

local CHILD_WRITER = PRELUDE .. [[
local history, me, count, shared, start_at, log = ...
count, shared, start_at = tonumber(count), tonumber(shared), tonumber(start_at)
local rc = assert(radcode.open { history = history })
local out = assert(io.open(log, "w"))
local function claim(id, n)
  return { id = id, patient = "P-" .. n % 7, course = "P-" .. n % 7 .. "/c", payer = "medicare",
    setting = "practitioner", diagnoses = { "C61" },
    lines = { { code = "77427", date = "2025-06-02", units = 1, dx = { 1 } },
              { code = "77336", date = "2025-06-02", units = 1, dx = { 1 } } } }
end
while radcode.clock() < start_at do end          -- both writers start together
for i = 1, count do
  local ids = { me .. "-" .. i }
  if i <= shared then ids[2] = "S-" .. i end      -- both writers try these
  for _, id in ipairs(ids) do
    local t0 = radcode.clock()
    local ok, err = rc:record(claim(id, i))
    out:write(("%s %.6f %.6f %s\n"):format(id, t0, radcode.clock(), ok and "ok" or ("err " .. tostring(err))))
  end
end
out:close()
rc:close()
]]

local function write_script(dir, name, text)
  local path = dir .. "/" .. name
  H.write(path, text)
  return path
end

--- The PTP CSV: gen.lua's rows with a long rationale (a different one per
-- edition, so that a new edition changes every row). extra: lines to put
-- first.
local function ptp_file(path, rows, rationale, extra)
  local tmp = path .. ".gen"
  gen.ptp_csv(tmp, rows)
  local text = assert(io.open(tmp, "rb")):read("a")
  os.remove(tmp)
  -- a rationale of its own on every row, so that the rows stay as big as
  -- CMS's on disk (radcode stores each distinct rationale once)
  local pad = (rationale .. " Row %d." .. string.rep(" Misuse of column two code with column one code.", 4)):sub(1, 190)
  local n = 0
  text = text:gsub(",Misuse of column two code with column one code\n", function()
    n = n + 1
    return "," .. pad:format(n) .. "\n"
  end)
  if extra then text = text:gsub("^([^\n]*\n)", "%1" .. extra) end
  H.write(path, text)
end

local function new_db(path)
  local rc = assert(radcode.open())
  assert(rc:save(path))
  rc:close()
end

local function marks_of(path)
  local m = {}
  for _, line in ipairs(read_lines(path)) do
    local what, t = line:match("^(%S+).-([%d.]+)$")
    if what then m[what] = tonumber(t) end
    if what == "failed" then m.error = line end
  end
  return m
end

--- A deterministic generator of fractions in [0, 1).
local function fractions(seed)
  local r = gen.rng(seed)
  return function() return r:int(0, 999999) / 1e6 end
end

---------------------------------------------------------------------------

describe("an import killed with SIGKILL", function()
  local dir, db, pristine, file
  setup(function()
    dir = H.tmpdir()
    db, pristine, file = dir .. "/cms.db", dir .. "/pristine.db", dir .. "/ptp.csv"
    new_db(db)
    -- the edition the killed import replaces: every row will change
    local old = dir .. "/ptp_old.csv"
    ptp_file(old, math.floor(ROWS / 10), "Old edition.")
    local rc = assert(radcode.open { db = db })
    assert(rc:import("ncci-ptp", old, { setting = "practitioner", edition = "v1" }))
    rc:close()
    ptp_file(file, ROWS, "New edition.")
    sh(("cp %s %s"):format(H.quote(db), H.quote(pristine)))
  end)
  teardown(function() H.remove_tree(dir) end)

  it("leaves the database as it was before the import, intact and usable, every time", function()
    local script = write_script(dir, "import.lua", CHILD_IMPORT)
    local before = digest(db)
    assert.are.equal("ok", integrity(db))

    -- A complete import on a copy: how long it takes, when it commits
    -- (datasets.seconds is the time it took up to its commit), and what it
    -- leaves.
    local copy, marks = dir .. "/copy.db", dir .. "/marks"
    sh(("cp %s %s"):format(H.quote(pristine), H.quote(copy)))
    local spawned = radcode.clock()
    H.run(lua_cmd(script, copy, file, marks, "v1"))
    local m = marks_of(marks)
    assert.is_not_nil(m.done, table.concat(read_lines(marks), "\n"))
    local startup = m.begun - spawned
    local loading = tonumber(sql(copy, "SELECT seconds FROM datasets ORDER BY id DESC LIMIT 1")[1])
    local after = digest(copy)
    assert.are_not.equal(before, after)   -- the import changes the database
    os.remove(marks)

    -- `sleep` itself takes a while to start (much longer under ASan or valgrind)
    local t0 = radcode.clock()
    H.run("sleep 0")
    local t1 = radcode.clock()
    H.run(":")
    local lag = math.max(0, (t1 - t0) - (radcode.clock() - t1))

    local next_fraction = fractions(7)
    local interrupted, committed, hot, cli, attempts = 0, 0, 0, 0, 0
    local scale = 1      -- shrinks when kills land after the commit (a busier machine than at calibration)
    -- (an ASan or valgrind run imports too little to outgrow the page cache)
    local want_hot = (ASAN or VALGRIND) and 0 or 5
    -- The kills are placed by the import's progress, not by the clock
    -- since the spawn (a loaded machine starts processes late): the shell
    -- waits until the child has marked "begun" (or, for the kills aimed
    -- at the log, until the -wal file has bytes), then waits a fraction of
    -- the measured load time. A kill aimed at the log that lands after the
    -- commit halves the window the next one is aimed into.
    local hot_window = 0.3 * loading
    local polls = math.ceil((startup + 4 * loading + 10) / 0.005)
    local function kill_cmd(cmd, wait_for, delay)
      local wait = wait_for and ("n=0; while [ ! -s %s ] && kill -0 $pid 2>/dev/null && [ $n -lt %d ]; do"
        .. " sleep 0.005; n=$((n+1)); done; "):format(H.quote(wait_for), polls) or ""
      return ("%s >/dev/null 2>&1 & pid=$!; %ssleep %.3f; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null;"
        .. " echo \"status $?\""):format(cmd, wait, math.max(0, delay))
    end
    while (interrupted < KILLS or hot < want_hot) and attempts < 4 * KILLS + 60 do
      attempts = attempts + 1
      -- a third of the kills anywhere while it loads, a third near the end
      -- of the load, and a third around the commit; then, while too few
      -- landed while it wrote its log, kills once the log has bytes
      local f, delay, aim, wait_for = next_fraction(), nil, nil, marks
      if interrupted >= KILLS then
        aim, wait_for = hot_window, db .. "-wal"
        delay = f * hot_window
      elseif attempts % 3 == 1 then
        delay = f * loading * scale
      elseif attempts % 3 == 2 then
        delay = (0.6 + 0.5 * f) * loading * scale
      else
        delay = (0.9 + 0.15 * f) * loading * scale
      end
      local use_cli = attempts % 5 == 0 and aim == nil
      if use_cli then delay, wait_for = startup + delay, nil end
      delay = math.max(0, delay - lag)
      local cmd = use_cli
        and radcode_cmd("import", "ncci-ptp", file, "--db", db, "--setting", "practitioner", "--edition", "v1")
        or lua_cmd(script, db, file, marks, "v1")
      assert(size_of(db .. "-wal") == 0, "a log left from the last attempt")
      local out = H.run(kill_cmd(cmd, wait_for, delay))
      local status = tonumber(out:match("status (%d+)"))
      local logged = size_of(db .. "-wal") > 0 or size_of(db .. "-journal") > 0
      m = marks_of(marks)
      os.remove(marks)

      -- the next open works, and so does a check
      local rc, err = radcode.open { db = db }
      assert(rc, ("attempt %d (kill after %.3fs): %s"):format(attempts, delay, tostring(err)))
      assert.are.equal("delivery", rc:lookup("77407").family)
      assert.is_table(rc:check(PAIR_CLAIM))
      rc:close()
      local verdict, now = examine(db)
      assert.are.equal("ok", verdict)

      local where = ("attempt %d: kill %.3fs after %s (commit near %.3fs after begun), status %s"):format(attempts,
        delay, wait_for and wait_for:match("[^/]*$") or "the spawn", loading, tostring(status))
      if now == after then
        -- killed after the commit (or not killed at all): the whole import
        assert(use_cli or m.begun, where)
        committed = committed + 1
        scale = scale * 0.9
        if aim then hot_window = hot_window / 2 end
        sh(("cp %s %s && rm -f %s-wal %s-shm %s-journal"):format(H.quote(pristine), H.quote(db),
          H.quote(db), H.quote(db), H.quote(db)))
      else
        assert.are.equal(before, now, where)
        assert(m.done == nil, where .. ": the import says it committed, yet nothing changed")
        if status == 137 and use_cli then cli = cli + 1 end
        scale = math.min(1, scale * 1.05)
        if status == 137 and not use_cli and m.begun then
          interrupted = interrupted + 1
          if logged then hot = hot + 1 end
        end
      end
    end
    print(("\n  kills: %d inside the import (%d of them while it wrote its log), %d of `radcode import`,"
      .. " %d after the commit; %d attempts, the import commits after %.2fs"):format(interrupted, hot, cli, committed,
      attempts, loading))
    assert(interrupted >= KILLS, ("only %d of %d attempts killed the import while it ran"):format(interrupted, attempts))
    assert(hot >= want_hot, ("only %d kills landed while the import wrote its log"):format(hot))
    assert(cli >= 1, "no kill of `radcode import`")
  end)
end)

describe("a reader in another process while an import runs", function()
  local dir, db, file
  setup(function()
    dir = H.tmpdir()
    db, file = dir .. "/cms.db", dir .. "/ptp.csv"
    new_db(db)
    -- the pair first: an import that showed rows before its commit would show it at once
    ptp_file(file, READER_ROWS, "Reader edition.", "77427,77263,,*,0,Reader test pair\n")
  end)
  teardown(function() H.remove_tree(dir) end)

  local function answer_of(rc)
    return answer(assert(rc:check(PAIR_CLAIM)))
  end

  it("keeps answering, with the old data until the import commits and the new after", function()
    local rc = assert(radcode.open { db = db })
    local old = answer_of(rc)
    assert.is_nil(old:match("ptp/"))
    local log, stop = dir .. "/reader.log", dir .. "/stop"
    local script = write_script(dir, "reader.lua", CHILD_READER)
    os.execute(lua_cmd(script, db, log, stop) .. " >/dev/null 2>" .. H.quote(dir .. "/reader.err") .. " &")
    local waited = 0
    while #read_lines(log) < 5 and waited < 600 do sleep(0.05); waited = waited + 1 end
    assert(#read_lines(log) >= 5, "the reader did not start: " .. table.concat(read_lines(dir .. "/reader.err"), "\n"))

    local t_begin = radcode.clock()
    local r = assert(rc:import("ncci-ptp", file, { setting = "practitioner", edition = "vR" }))
    local t_end = radcode.clock()
    assert.is_true(r.rows_kept > READER_ROWS / 2)
    local new = answer_of(rc)       -- this handle sees its own import at once
    assert.matches("ptp/deny/77263/CMS NCCI PTP practitioner vR", new, 1, true)
    rc:close()
    local fresh = assert(radcode.open { db = db })
    assert.are.equal(new, answer_of(fresh))
    fresh:close()

    -- let the reader answer a few times after the commit, then stop it
    local function answered_after()
      local n = 0
      for _, line in ipairs(read_lines(log)) do
        local t0 = tonumber(line:match("^(%S+)"))
        if t0 and t0 > t_end + 0.05 then n = n + 1 end
      end
      return n
    end
    waited = 0
    while answered_after() < 5 and waited < 600 do sleep(0.05); waited = waited + 1 end
    H.write(stop, "")
    waited = 0
    while read_lines(log)[#read_lines(log)] ~= "exit" and waited < 600 do sleep(0.05); waited = waited + 1 end

    local duration = t_end - t_begin
    local during, old_late, after, gap, last, seen_new = 0, 0, 0, 0, nil, false
    for _, line in ipairs(read_lines(log)) do
      if line ~= "exit" then
        local t0, t1, text = line:match("^(%S+) (%S+) (.*)$")
        t0, t1 = tonumber(t0), tonumber(t1)
        assert(text == old or text == new, "a wrong answer: " .. line)
        if text == new then seen_new = true else assert(not seen_new, "old data after new: " .. line) end
        if t1 < t_begin then assert.are.equal(old, text) end
        if t0 > t_end + 0.05 then   -- a handle asks whether the data changed every 10 ms
          assert.are.equal(new, text, line)
          after = after + 1
        end
        if t0 > t_begin and t1 < t_end then during = during + 1 end
        if text == old and t0 > t_begin + 0.3 * duration then old_late = old_late + 1 end
        if last and t1 > t_begin and last < t_end then gap = math.max(gap, t1 - last) end
        last = t1
      end
    end
    print(("\n  reader: %d answers during a %.2fs import, longest wait %.3fs"):format(during, duration, gap))
    assert(during >= 10, ("only %d answers during the import"):format(during))
    assert(old_late >= 1, "no old answer once the import was well under way")
    assert(after >= 5)
    -- with a rollback journal it would wait while the import spills and commits (0.8s here)
    local patience = VALGRIND and math.max(1.5, 0.1 * duration) or ASAN and 0.4 or 0.25
    assert(gap < patience, ("the reader waited %.3fs during a %.3fs import"):format(gap, duration))
  end)
end)

describe("rc:record from two processes at once", function()
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() H.remove_tree(dir) end)

  it("loses no claim and records none twice", function()
    local count, shared = VALGRIND and 40 or 200, VALGRIND and 10 or 50
    local history = dir .. "/history.db"
    local script = write_script(dir, "writer.lua", CHILD_WRITER)
    local start_at = ("%.6f"):format(radcode.clock() + (VALGRIND and 8 or 1))
    local cmds = {}
    for _, me in ipairs({ "A", "B" }) do
      cmds[#cmds + 1] = lua_cmd(script, history, me, count, shared, start_at, dir .. "/" .. me .. ".log")
        .. " 2>" .. H.quote(dir .. "/" .. me .. ".err") .. " &"
    end
    local _, _, code = H.run(table.concat(cmds, " ") .. " wait")
    assert.are.equal(0, code)

    local won, order = {}, {}
    for _, me in ipairs({ "A", "B" }) do
      local lines = read_lines(dir .. "/" .. me .. ".log")
      assert.are.equal(count + shared, #lines, table.concat(read_lines(dir .. "/" .. me .. ".err"), "\n"))
      for _, line in ipairs(lines) do
        local id, _, t1, result = line:match("^(%S+) (%S+) (%S+) (.*)$")
        if id:match("^S%-") then
          if result == "ok" then won[id] = (won[id] or 0) + 1
          else assert.are.equal("err claim " .. id .. " is already recorded", result) end
        else
          assert.are.equal("ok", result, line)
        end
        if result == "ok" then order[#order + 1] = { tonumber(t1), me } end
      end
    end
    for i = 1, shared do assert.are.equal(1, won["S-" .. i], "S-" .. i) end
    -- they took turns: neither waited for the other to finish (that would
    -- give one or two turns; a loaded machine gives fewer than an idle one,
    -- so the bar is a tenth of the claims, far above a serial run)
    table.sort(order, function(x, y) return x[1] < y[1] end)
    local turns = 0
    for i = 2, #order do
      if order[i][2] ~= order[i - 1][2] then turns = turns + 1 end
    end
    print(("\n  writers: %d claims, %d turns"):format(#order, turns))
    assert(turns >= count // 10, ("the writers took only %d turns"):format(turns))

    local expected = {}
    for i = 1, count do expected[#expected + 1] = "A-" .. i; expected[#expected + 1] = "B-" .. i end
    for i = 1, shared do expected[#expected + 1] = "S-" .. i end
    table.sort(expected)
    local ids = sql(history, "SELECT id FROM claims ORDER BY id")
    table.sort(ids)
    assert.are.same(expected, ids)
    assert.are.same({ tostring(2 * #expected) .. "|" .. tostring(2 * #expected) },
      sql(history, "SELECT count(*), count(DISTINCT claim_id || '/' || line) FROM lines"))
    assert.are.equal("ok", integrity(history))

    -- and the course limits count them: 77336 is once per five fractions,
    -- and each patient's course already has it on 2025-06-02
    local rc = assert(radcode.open { history = history })
    local lines = { { code = "77336", date = "2025-06-03", units = 1, dx = { 1 } } }
    for d = 2, 6 do lines[#lines + 1] = { code = "G6008", date = ("2025-06-%02d"):format(d), units = 1, dx = { 1 } } end
    local r = assert(rc:check { id = "N-1", patient = "P-1", course = "P-1/c", payer = "medicare",
      setting = "practitioner", diagnoses = { "C61" }, lines = lines })
    rc:close()
    local frequency = false
    for _, f in ipairs(r.findings) do frequency = frequency or (f.edit == "frequency" and f.code == "77336") end
    assert.is_true(frequency)
  end)

  -- Opening a new history sets it up (WAL, tables): a moment at which
  -- SQLite answers "locked" at once instead of waiting. Six processes open
  -- one new file together, five rounds; every open and record must work.
  it("opens one new history from several processes at once", function()
    local script = write_script(dir, "opener.lua", PRELUDE .. [[
local history, me, start_at = ...
while radcode.clock() < tonumber(start_at) do end
local rc, err = radcode.open { history = history }
if not rc then io.stderr:write(err, "\n") os.exit(1) end
assert(rc:record { id = "O-" .. me, patient = "P", course = "P/c", setting = "practitioner", diagnoses = { "C61" },
  lines = { { code = "77427", date = "2025-06-02", units = 1, dx = { 1 } } } })
]])
    local procs = VALGRIND and 3 or 6
    for round = 1, VALGRIND and 2 or 5 do
      local history = ("%s/opened-%d.db"):format(dir, round)
      local start_at = ("%.6f"):format(radcode.clock() + (VALGRIND and 8 or 0.5))
      local cmds = {}
      for me = 1, procs do
        cmds[#cmds + 1] = lua_cmd(script, history, tostring(me), start_at) .. " 2>>" .. H.quote(dir .. "/opened.err") .. " &"
      end
      local _, _, code = H.run(table.concat(cmds, " ") .. " wait")
      assert.are.equal(0, code)
      local err = io.open(dir .. "/opened.err") and table.concat(read_lines(dir .. "/opened.err"), "\n") or ""
      assert.are.equal("", err)
      assert.are.same({ tostring(procs) }, sql(history, "SELECT count(*) FROM claims"), "round " .. round)
    end
  end)
end)

---------------------------------------------------------------------------

--- Makes the directory read-only: a read-only bind mount (which holds for
-- root too) when mount works, else chmod 555. Returns the undo function,
-- or nil when writes still succeed (root without mount).
local function lock_dir(path)
  local q = H.quote(path)
  local undo
  local _, _, code = H.run(("{ mount --bind %s %s && mount -o remount,bind,ro %s %s; }"):format(q, q, q, q))
  if code == 0 then
    undo = function() H.run(("{ umount %s || umount -l %s; }"):format(q, q)) end
  else
    H.run("umount " .. q)
    sh("chmod 555 " .. q)
    undo = function() H.run("chmod 755 " .. q) end
  end
  local f = io.open(path .. "/probe", "w")
  if f then
    f:close()
    os.remove(path .. "/probe")
    undo()
    return nil
  end
  return undo
end

describe("files radcode cannot use", function()
  local dir, good
  setup(function()
    dir = H.tmpdir()
    good = dir .. "/good.db"
    new_db(good)
  end)
  teardown(function()
    for _, m in ipairs({ "/ro", "/tmpfs" }) do   -- in case a test stopped short
      H.run(("{ umount -l %s; chmod 755 %s; } 2>/dev/null"):format(H.quote(dir .. m), H.quote(dir .. m)))
    end
    H.remove_tree(dir)
  end)

  local function refused(opts, pattern)
    local ok, rc, err = pcall(radcode.open, opts)
    assert(ok, "raised: " .. tostring(rc))
    assert.is_nil(rc)
    assert.is_string(err)
    assert.matches(pattern, err)
    return err
  end

  it("another schema version: says which, and what to do", function()
    local path = dir .. "/v1.db"
    new_db(path)
    sql(path, "UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    refused({ db = path }, "v1.db: schema version 1, this radcode reads version " .. radcode.schema_version
      .. "; make a new database with this radcode %(radcode.open%(%):save%(path%)%) and import your files again")
  end)

  it("a truncated file: says so, wherever it was cut", function()
    local image = assert(io.open(good, "rb")):read("a")
    local cuts = { 50, 100, 4096, #image // 2, #image - 4096 }
    for _, n in ipairs(cuts) do
      local path = ("%s/cut%d.db"):format(dir, n)
      H.write(path, image:sub(1, n))
      refused({ db = path }, "the database file is truncated: " .. n .. " bytes")
    end
  end)

  it("a damaged page anywhere: nil and a message, from open or from the call that reads it", function()
    local image = assert(io.open(good, "rb")):read("a")
    local page = 4096
    local r = gen.rng(11)
    local junk = {}
    for i = 1, page do junk[i] = string.char(r:int(0, 255)) end
    junk = table.concat(junk)
    local calls = {
      function(rc) return rc:lookup("77407") end,
      function(rc) return rc:search("proton") end,
      function(rc) return rc:check(PAIR_CLAIM) end,
      function(rc) return rc:classify { service = "management", date = "2025-06-02", fractions = 5 } end,
      function(rc) return rc:pair("77295", "77301", { date = "2025-06-02" }) end,
    }
    local path, said = dir .. "/damaged.db", 0
    for at = 0, #image // page - 1, VALGRIND and 10 or 1 do
      H.write(path, image:sub(1, at * page) .. junk .. image:sub((at + 1) * page + 1))
      local ok, rc, err = pcall(radcode.open, { db = path })
      assert(ok, rc)
      if rc == nil then
        assert(match_any(err, "the database file is damaged %(database disk image is malformed%)",
          "not a radcode database: file is not a database"), err)
        said = said + 1
      else
        for _, call in ipairs(calls) do
          local fine, v, msg = pcall(call, rc)
          assert(fine, ("page %d: raised %s"):format(at + 1, tostring(v)))
          if v == nil then
            assert(match_any(msg, "database disk image is malformed", "vtable constructor failed: code_search"), msg)
            -- a damaged file is named as such, with what to do
            assert(not msg:find("malformed", 1, true) or msg:find("restore it from a copy", 1, true), msg)
            said = said + 1
          end
        end
        rc:close()
      end
    end
    assert.is_true(said > 10)
  end)

  it("a file that is not SQLite, or not radcode's", function()
    H.write(dir .. "/text.db", string.rep("claims and codes\n", 300))
    refused({ db = dir .. "/text.db" }, "text.db: not a radcode database: file is not a database")
    local r, bytes = gen.rng(5), {}
    for i = 1, 8192 do bytes[i] = string.char(r:int(0, 255)) end
    H.write(dir .. "/random.db", table.concat(bytes))
    refused({ db = dir .. "/random.db" }, "not a radcode database: file is not a database")
    H.write(dir .. "/empty.db", "")
    refused({ db = dir .. "/empty.db" }, "not a radcode database: the file is empty")
    sql(dir .. "/other.db", "CREATE TABLE t (x)")
    refused({ db = dir .. "/other.db" }, "not a radcode database %(no meta table%)")
    refused({ db = dir }, "cannot open database '.*': it is a directory")
    refused({ db = dir .. "/missing.db" }, "cannot open database '.*missing.db': no such file")
    -- and as a history
    refused({ history = dir .. "/text.db" }, "cannot open history '.*text.db': file is not a database")
    refused({ history = good }, "cannot open history '.*good.db': it is a radcode database, not a claim history")
    refused({ history = dir .. "/no/such/dir/h.db" }, "cannot open history .*No such file or directory")
  end)

  it("a read-only directory: reads work; imports and new histories say why not", function()
    local ro = dir .. "/ro"
    local imported = dir .. "/imported.db"
    new_db(imported)
    local rc = assert(radcode.open { db = imported })
    assert(rc:import("ncci-ptp", H.root .. "/spec/fixtures/import/ptp_practitioner_f1.txt",
      { setting = "practitioner", edition = "v99.9" }))
    rc:close()
    sh(("mkdir -p %s && cp %s %s/cms.db && cp %s %s/wal.db"):format(H.quote(ro), H.quote(imported), H.quote(ro),
      H.quote(good), H.quote(ro)))
    sql(ro .. "/wal.db", "PRAGMA journal_mode = WAL")
    rc = assert(radcode.open { history = ro .. "/history.db" })
    assert(rc:record { id = "H-1", patient = "P", course = "P/c", lines = { { code = "77427", date = "2025-06-02" } } })
    rc:close()
    local before = digest(ro .. "/cms.db")

    local undo = lock_dir(ro)
    if not undo then pending("cannot make a read-only directory here") return end
    local ok, failure = pcall(function()
      -- a database imported into (an import leaves it in rollback mode) is read
      rc = assert(radcode.open { db = ro .. "/cms.db" })
      assert.are.equal("delivery", rc:lookup("77407").family)
      assert.is_table(rc:check(PAIR_CLAIM))
      local r, err = rc:import("ncci-ptp", H.root .. "/spec/fixtures/import/ptp_practitioner_f1.txt",
        { setting = "practitioner", edition = "v100" })
      assert.is_nil(r)
      assert(match_any(err, "cms.db' is read%-only$", "cms.db': its directory is not writable"), err)
      rc:close()
      -- a database left in WAL mode needs its -shm file
      refused({ db = ro .. "/wal.db" }, "cannot read this database in WAL mode.*PRAGMA journal_mode = DELETE")
      -- histories
      refused({ history = ro .. "/new.db" }, "cannot open history '.*new.db': .*%((.+)%)")
      local h, herr = radcode.open { history = ro .. "/history.db" }
      if h then
        local r2, err2 = h:record { id = "H-2", patient = "P", course = "P/c", lines = { { code = "77427", date = "2025-06-02" } } }
        assert.is_nil(r2)
        assert.matches("cannot record claim H%-2: .*", err2)
        h:close()
      else
        assert.matches("cannot open history '.*history.db'", herr)
      end
    end)
    rc = nil
    collectgarbage()   -- a handle left open by a failure would keep the mount busy
    undo()
    assert(ok, failure)
    assert.are.equal(before, digest(ro .. "/cms.db"))
  end)

  describe("a full disk", function()
    local file
    setup(function()
      file = dir .. "/ptp.csv"
      ptp_file(file, ROWS, "Full disk edition.")
    end)

    local function import_in_child(db, limit_blocks)
      local script = write_script(dir, "import_full.lua", CHILD_IMPORT)
      local marks = dir .. "/full.marks"
      os.remove(marks)
      local _, err, code = H.run(("trap '' XFSZ; ulimit -f %d; %s"):format(limit_blocks,
        lua_cmd(script, db, file, marks, "vF")))
      assert.are.equal(0, code, err)
      return marks_of(marks)
    end

    it("(ulimit -f) an import gives nil, message and leaves the database as it was", function()
      local db = dir .. "/ulimit.db"
      new_db(db)
      local before = digest(db)
      -- far below the log a big import writes (sh counts 512- or 1024-byte blocks)
      local m = import_in_child(db, size_of(db) // 512 + 64)
      assert.is_nil(m.done)
      assert.is_string(m.error)
      assert.matches("import ncci%-ptp: .*database error: .*%(File too large%)", m.error)
      local rc = assert(radcode.open { db = db })
      assert.are.equal("delivery", rc:lookup("77407").family)
      rc:close()
      assert.are.equal("ok", integrity(db))
      assert.are.equal(before, digest(db))
      -- with room, the same import goes through
      m = import_in_child(db, 10 * 1024 * 1024)
      assert.is_not_nil(m.done, m.error)
    end)

    -- without `trap '' XFSZ`: radcode itself ignores SIGXFSZ while it
    -- writes a database, so the limit is a message, not a silent kill
    it("(ulimit -f, SIGXFSZ not trapped) `radcode import` says so, exits 2, and leaves the database as it was", function()
      local db = dir .. "/ulimit_cli.db"
      new_db(db)
      local before = digest(db)
      local out, err, code = H.run(("ulimit -f %d; %s"):format(size_of(db) // 512 + 64,
        radcode_cmd("import", "ncci-ptp", file, "--db", db, "--setting", "practitioner", "--edition", "vF")))
      assert.are.equal(2, code, out .. err)
      assert.matches("^radcode: import ncci%-ptp: .*%(File too large%); the file size limit %(ulimit %-f%)", err)
      assert.are.equal("ok", integrity(db))
      assert.are.equal(before, digest(db))
    end)

    it("(ulimit -f, SIGXFSZ not trapped) rc:save and `radcode import` into a new database leave no file", function()
      local db = dir .. "/ulimit_new.db"
      local script = write_script(dir, "save_full.lua", [[
local radcode = require "radcode"
local ok, err = radcode.open():save(...)
print(ok and "saved" or err)
]])
      local out, err, code = H.run(("ulimit -f 64; %s"):format(lua_cmd(script, db)))
      assert.are.equal(0, code, err)
      assert.matches("^cannot save to '.*ulimit_new.db': .*%(File too large%); the file size limit", out)
      out, err, code = H.run(("ulimit -f 64; %s"):format(
        radcode_cmd("import", "ncci-ptp", file, "--db", db, "--setting", "practitioner", "--edition", "vF")))
      assert.are.equal(2, code, out .. err)
      assert.matches("^radcode: cannot save to '.*ulimit_new.db': .*the file size limit %(ulimit %-f%)", err)
      for _, suffix in ipairs({ "", "-journal", "-wal", "-shm" }) do
        assert.are.equal(0, size_of(db .. suffix))
        assert.is_nil(io.open(db .. suffix), db .. suffix .. " was left behind")
      end
    end)

    it("(ulimit -f) rc:record gives nil, message; what was recorded stays", function()
      local history = dir .. "/ulimit_history.db"
      local script = write_script(dir, "record_full.lua", [[
local radcode = require "radcode"
local rc = assert(radcode.open { history = ... })
local n = 0
for i = 1, 100000 do
  local ok, err = rc:record { id = "F-" .. i, patient = "P", course = "P/c",
    lines = { { code = "77427", date = "2025-06-02", units = 1, modifiers = { "26" } } } }
  if not ok then print("recorded " .. n); print(err); break end
  n = n + 1
end
rc:close()
]])
      local out, err, code = H.run(("trap '' XFSZ; ulimit -f 400; %s"):format(lua_cmd(script, history)))
      assert.are.equal(0, code, err)
      local n, msg = out:match("^recorded (%d+)\n(.-)\n$")
      assert(n, out .. err)
      assert.is_true(tonumber(n) > 0)
      assert.matches("cannot record claim F%-" .. (tonumber(n) + 1) .. ": .*%(File too large%)", msg)
      assert.are.same({ n }, sql(history, "SELECT count(*) FROM claims"))
      assert.are.equal("ok", integrity(history))
    end)

    it("(a full tmpfs) an import and rc:record give nil, message; with room again they work", function()
      local mnt = dir .. "/tmpfs"
      sh("mkdir -p " .. H.quote(mnt))
      local _, _, code = H.run(("mount -t tmpfs -o size=%dk tmpfs %s"):format(size_of(good) // 1024 + 2048, H.quote(mnt)))
      if code ~= 0 then pending("cannot mount a tmpfs here (it needs root)") return end
      local db, history, filler = mnt .. "/cms.db", mnt .. "/history.db", mnt .. "/filler"
      local ok, failure = pcall(function()
        sh(("cp %s %s"):format(H.quote(good), H.quote(db)))
        local before = digest(db)
        local rc = assert(radcode.open { db = db, history = history })
        local function record(id)
          return rc:record { id = id, patient = "P", course = "P/c",
            lines = { { code = "77427", date = "2025-06-02", units = 1 } } }
        end
        assert(record("T-0"))
        -- fill the disk
        H.run(("dd if=/dev/zero of=%s bs=64k"):format(H.quote(filler)))
        assert.is_true(size_of(filler) > 1024 * 1024)
        local r, err = rc:import("ncci-ptp", file, { setting = "practitioner", edition = "vT" })
        assert.is_nil(r)
        assert.matches("import ncci%-ptp: .*database or disk is full", err)
        assert.are.equal("delivery", rc:lookup("77407").family)   -- the handle still works
        local recorded, rerr = 1, nil
        for i = 1, 10000 do
          local done, e = record("T-" .. i)
          if not done then rerr = e; break end
          recorded = recorded + 1
        end
        assert.matches("cannot record claim T%-%d+: database or disk is full", rerr)
        rc:close()
        assert.are.same({ tostring(recorded) }, sql(history, "SELECT count(*) FROM claims"))
        assert.are.equal("ok", integrity(db))
        assert.are.equal(before, digest(db))
        -- room again
        os.remove(filler)
        rc = assert(radcode.open { db = db, history = history })
        assert(rc:import("ncci-ptp", H.root .. "/spec/fixtures/import/ptp_practitioner_f1.txt",
          { setting = "practitioner", edition = "vT" }))
        assert(record("T-after"))
        rc:close()
      end)
      collectgarbage()   -- a handle left open by a failure would keep the mount busy
      H.run(("{ umount %s || umount -l %s; }"):format(H.quote(mnt), H.quote(mnt)))
      assert(ok, failure)
    end)
  end)
end)
