-- The checker's fast paths (issue 15) keep rc:check's answers: coverage
-- article answers cached per code follow the articles' start and end
-- dates; claims longer than the lines kept on the C stack, and claims with
-- more findings than the inline findings, are read and reported in full;
-- the findings storage a check leaves for the next one never leaks into
-- an earlier result, nor into a check run from a finalizer inside a check.
local H = require "helper"
local radcode = require "radcode"

local FIX = H.root .. "/spec/fixtures/lcd"

local function necessity(result)
  local list = {}
  for _, f in ipairs(result.findings) do
    if f.rule:match("^necessity") then list[#list + 1] = f end
  end
  return list
end

-- One line string per finding: everything a caller can read of it.
local function digest(result)
  local out = { tostring(result.ok) }
  for _, f in ipairs(result.findings) do
    out[#out + 1] = table.concat({ f.line or 0, f.edit, f.severity, f.code or "", f.rule, f.message, f.fix or "",
      f.source }, "|")
  end
  return table.concat(out, "\n")
end

-- n lines, every bad-th of them with a malformed code (an input finding).
local function claim(n, bad, date)
  local lines = {}
  for i = 1, n do
    lines[i] = { code = i % bad == 0 and ("Z%d"):format(i) or "77412", date = date or "2026-02-02", units = 1 }
  end
  return { setting = "hospital", diagnoses = { "C61" }, lines = lines }
end

local function input_lines(result)
  local lines = {}
  for _, f in ipairs(result.findings) do
    if f.edit == "input" and f.line then lines[#lines + 1] = f.line end
  end
  return lines
end

describe("article answers cached per code", function()
  local dir, db, rc
  setup(function()
    dir = H.tmpdir()
    db = H.new_db(dir)
    local w = assert(radcode.open({ db = db }))
    assert(w:import("lcd-articles", FIX))
    w:close()
    -- A58002 (which covers C61 for 77412) ends on 2026-01-31; A58003 also lists 77412
    H.sql(db, "UPDATE lcd_article SET ended = '2026-01-31' WHERE article_id = '58002'")
    rc = assert(radcode.open({ db = db }))
  end)
  teardown(function()
    rc:close()
    H.remove_tree(dir)
  end)

  it("give each date the articles in force on it, in any order of checks", function()
    for _ = 1, 2 do
      local before = necessity(assert(rc:check(claim(1, 99, "2026-01-31"))))
      local after = necessity(assert(rc:check(claim(1, 99, "2026-02-02"))))
      assert.are.same({ "info", "review" }, { before[1].severity, after[1].severity })
      assert.matches("A58002", before[1].message)
      assert.matches("A58003", after[1].message)
    end
  end)

  it("give two lines of one claim on either side of an article's end their own answers", function()
    local c = claim(2, 99, "2026-02-02")
    c.lines[1].date = "2026-01-31"
    local n = necessity(assert(rc:check(c)))
    assert.are.same({ 1, "info", 2, "review" }, { n[1].line, n[1].severity, n[2].line, n[2].severity })
  end)
end)

describe("long claims and many findings", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)

  it("reads every line of a claim longer than the lines kept inline", function()
    for _, n in ipairs { 31, 32, 33, 64, 200 } do
      assert.are.same(#input_lines(assert(rc:check(claim(n, 7)))), n // 7)
      assert.are.equal(n, input_lines(assert(rc:check(claim(n, 1))))[n])
    end
  end)

  it("lists every finding past the inline ones, by line, and keeps earlier results intact", function()
    local big = assert(rc:check(claim(60, 2)))
    local kept = digest(big)
    local lines = input_lines(big)
    assert.are.equal(30, #lines)
    for i, l in ipairs(lines) do assert.are.equal(2 * i, l) end
    -- later checks reuse the storage the first one left: its result must not change
    local small = assert(rc:check(claim(9, 3)))
    local other = assert(rc:check(claim(120, 3)))
    assert.are.equal(kept, digest(big))
    assert.are.same({ 3, 6, 9 }, input_lines(small))
    assert.are.equal(40, #input_lines(other))
    assert.are.equal(kept, digest(assert(rc:check(claim(60, 2)))))
  end)

  it("gives checks run by finalizers inside a check their own storage", function()
    local expected = { [2] = digest(assert(rc:check(claim(40, 2)))), [3] = digest(assert(rc:check(claim(45, 3)))) }
    local inner_ok, inner_runs = true, 0
    local function garbage()
      setmetatable({}, { __gc = function()
        local ok, r = pcall(rc.check, rc, claim(45, 3))
        inner_runs = inner_runs + 1
        inner_ok = inner_ok and ok and digest(r) == expected[3]
      end })
    end
    collectgarbage("incremental", 10, 400)   -- collect often: finalizers run inside checks
    for _ = 1, 30 do
      for _ = 1, 5 do garbage() end
      assert.are.equal(expected[2], digest(assert(rc:check(claim(40, 2)))))
    end
    collectgarbage("incremental", 200, 100)
    collectgarbage()
    assert.is_true(inner_runs > 0)
    assert.is_true(inner_ok)
  end)
end)

-- PTP rows are kept in 16 bytes, column 2's code packed in 32 bits (issue
-- 15, peak memory with the national file loaded): the packed codes must
-- order as the codes do, digits before letters, so an overlay's pairs merged
-- among the national ones are found, whatever their characters.
describe("compact PTP rows", function()
  local D = "2025-06-02"
  local COLUMN2 = { "0001U", "00100", "0591T", "77280", "77299", "A0021", "G6002", "V2799", "97999" }
  local rc
  setup(function()
    local rows = {}
    for i, c in ipairs(COLUMN2) do
      rows[i] = ("{ id = 'p%d', column1 = '77300', column2 = '%s', indicator = %d }"):format(i, c, i % 2)
    end
    rc = assert(radcode.open { payers = { "return { name = 'packed', source = 'Packed plan 2025', pairs = { "
      .. table.concat(rows, ", ") .. " } }" } })
  end)
  teardown(function() rc:close() end)

  local function ptp_on(code, modifiers)
    local result = rc:check { id = "C-1", payer = "packed", setting = "practitioner", diagnoses = { "C61" },
      lines = { { code = "77300", date = D, units = 1 }, { code = code, date = D, units = 1, modifiers = modifiers } } }
    for _, f in ipairs(result.findings) do
      if f.edit == "ptp" and f.line == 2 then return f end
    end
  end

  it("finds every added pair, with its own indicator, beside the national ones", function()
    for i, c in ipairs(COLUMN2) do
      local f = ptp_on(c)
      assert.is_table(f, c)
      assert.are.equal("deny", f.severity, c)
      assert.are.equal("packed", f.overlay, c)
      assert.are.equal("p" .. i, f.overlay_rule, c)
      local bypassed = ptp_on(c, { "59" })
      assert.are.equal(i % 2 == 1 and "info" or "deny", bypassed.severity, c)
    end
  end)

  it("finds none of the added pairs for codes next to them", function()
    for _, c in ipairs { "0002U", "00102", "0592T", "A0022", "G6003", "V2798" } do
      local f = ptp_on(c)
      assert.is_nil(f and f.overlay, c)
    end
  end)
end)

-- The memory a code's PTP rows take once loaded (issue 15: peak RSS with
-- the national file loaded): 8 bytes a row (column 2 packed in 32 bits
-- and the index of the row's shape): these rows grow the process by about
-- 4.5 MB; rows of 24 bytes (and the list they load in, grown by doubling)
-- grew it by 10 MB.
describe("PTP rows in memory", function()
  local dir, db
  local ROWS = 180000
  setup(function()
    dir = H.tmpdir()
    db = dir .. "/many.db"
    local csv = assert(io.open(dir .. "/ptp.csv", "w"))
    csv:write("column_1,column_2,prior_1996,deletion_date,modifier,rationale\n")
    local n = 0
    for letter in ("ABCDEGHJKLMPQRSTUV"):gmatch(".") do   -- HCPCS Level II codes as column 2
      for i = 0, 9999 do
        if n == ROWS then break end
        n = n + 1
        csv:write("77300,", letter, ("%04d"):format(i), ",,*,", n % 3 == 0 and "0" or "1", ",Misuse of column two code with column one code\n")
      end
    end
    csv:close()
    local rc = assert(radcode.open())
    assert(rc:save(db))
    rc:close()
    rc = assert(radcode.open { db = db })
    local r = assert(rc:import("ncci-ptp", dir .. "/ptp.csv", { setting = "practitioner", edition = "v30.1" }))
    assert.are.equal(ROWS, r.rows_kept)
    rc:close()
  end)
  teardown(function() H.remove_tree(dir) end)

  it("keep a code's 180,000 rows in less than 8 MB, and find them", function()
    local out, err = H.lua_in(dir, ([[
      local radcode = require "radcode"
      local function hwm()
        for l in io.lines("/proc/self/status") do
          local kb = l:match("^VmHWM:%%s+(%%d+)")
          if kb then return tonumber(kb) end
        end
      end
      local rc = assert(radcode.open { db = %q })
      local function check(code)
        return rc:check { setting = "practitioner", diagnoses = { "C61" }, lines = {
          { code = "77300", date = "2024-05-06", units = 1 }, { code = code, date = "2024-05-06", units = 1 } } }
      end
      assert(rc:check { setting = "practitioner", diagnoses = { "C61" },   -- first-use costs, not 77300's rows
        lines = { { code = "77301", date = "2024-05-06", units = 1 }, { code = "A0003", date = "2024-05-06", units = 1 } } })
      local before = hwm()
      local r = check("A0003")
      local grew = hwm() - before
      local found = {}
      for _, code in ipairs { "A0003", "V9999", "G5000", "F0001", "W0001" } do
        local ptp = "none"
        for _, f in ipairs(check(code).findings) do
          if f.edit == "ptp" then ptp = f.rule end
        end
        found[#found + 1] = ptp
      end
      print(("grew %%d found %%s"):format(grew, table.concat(found, ",")))
    ]]):format(db))
    local grew, found = out:match("^grew (%d+) found (.-)\n")
    assert(grew, out .. (err or ""))
    assert.is_true(tonumber(grew) < 8 * 1024, ("loading the rows grew the process by %s KiB"):format(grew))
    -- A0003 is row 4 (indicator 1), V9999 the last (indicator 0), G5000 row 55,001; F and W codes have none
    assert.are.equal("PTP 77300/A0003 indicator 1,PTP 77300/V9999 indicator 0,PTP 77300/G5000 indicator 1,none,none",
      found)
  end)
end)
