-- radcode classify on the command line: repeated units of one code print as
-- one line with their count and the fractions each unit covers; --json keeps
-- every line as rc:classify returns it; the README and `make demo` examples run.
local H = require "helper"
local radcode = require "radcode"

--- n weekday dates from Monday 2025-06-02, each repeated `per_day` times.
local function weekdays(n, per_day)
  local dates, t = {}, os.time { year = 2025, month = 6, day = 2, hour = 12 }
  while #dates < n do
    local wday = os.date("*t", t).wday
    if wday ~= 1 and wday ~= 7 then
      for _ = 1, per_day or 1 do
        if #dates < n then dates[#dates + 1] = os.date("%Y-%m-%d", t) end
      end
    end
    t = t + 86400
  end
  return dates
end

local function classify(args)
  local out, err, code = H.radcode(args)
  assert.are.equal(0, code, err)
  local lines = {}
  for line in out:gmatch("([^\n]*)\n") do lines[#lines + 1] = line end
  return lines, out
end

local function code_lines(lines, code)
  local found = {}
  for _, line in ipairs(lines) do
    if line:sub(1, #code) == code then found[#found + 1] = line end
  end
  return found
end

describe("radcode classify (repeated units)", function()
  it("prints 18 fractions of management as one 77427 line with the fractions of each unit", function()
    local lines = classify { "classify", "--service", "management", "--fractions", "18", "--date", "2025-06-02" }
    assert.are.same({ "77427 x4  fractions 1-5, 6-10, 11-15, 16-18" }, code_lines(lines, "77427"))
    assert.are.equal("77427 x4  fractions 1-5, 6-10, 11-15, 16-18", lines[1])
  end)

  it("gives the last unit the one or two fractions left over", function()
    local lines = classify { "classify", "--service", "management", "--fractions", "62" }
    assert.are.equal(1, #code_lines(lines, "77427"))
    assert.is_truthy(lines[1]:find("^77427 x12  fractions 1%-5, 6%-10, .*, 51%-55, 56%-62$"), lines[1])
    lines = classify { "classify", "--service", "management", "--fractions", "17" }
    assert.are.equal("77427 x3  fractions 1-5, 6-10, 11-17", lines[1])
  end)

  it("names the date of each unit when the fraction dates are given", function()
    local dates = weekdays(18)
    local lines = classify { "classify", "--service", "management", "--fraction-dates", table.concat(dates, ",") }
    assert.are.equal(("77427 x4  fractions 1-5 on %s, 6-10 on %s, 11-15 on %s, 16-18 on %s")
      :format(dates[5], dates[10], dates[15], dates[18]), lines[1])
  end)

  it("counts fractions, not days, for twice-daily treatment", function()
    local dates = weekdays(10, 2)
    local lines = classify { "classify", "--service", "management", "--fraction-dates", table.concat(dates, ",") }
    assert.are.equal(("77427 x2  fractions 1-5 on %s, 6-10 on %s"):format(dates[5], dates[10]), lines[1])
  end)

  it("keeps a single unit on its own line as before", function()
    local lines = classify { "classify", "--service", "management", "--fractions", "6" }
    assert.are.equal("77427 x1", lines[1])
    lines = classify { "classify", "--service", "management", "--fractions", "2" }
    assert.are.equal("77431 x1", lines[1])
  end)

  it("keeps every line in --json, as rc:classify returns them", function()
    local args = { "classify", "--service", "management", "--fractions", "18", "--date", "2025-06-02", "--json" }
    local _, out = classify(args)
    local rc = assert(radcode.open())
    local direct = assert(rc:classify { service = "management", fractions = 18, date = "2025-06-02" })
    rc:close()
    local r = radcode.json.decode(out)
    assert.are.equal(4, #r.lines)
    assert.are.same(direct, r)
  end)
end)

describe("radcode classify (README and make demo examples)", function()
  it("runs the demo's 2026 hospital IMRT with breath hold: 77412, level 3", function()
    local lines = classify { "classify", "--service", "delivery", "--date", "2026-03-02", "--setting", "hospital",
      "--technique", "imrt", "--motion-management", "breath_hold" }
    assert.are.equal("77412 x1", lines[1])
    assert.is_truthy(lines[2]:find("level 3", 1, true), lines[2])
  end)

  it("runs the demo's management of 18 fractions", function()
    local lines = classify { "classify", "--service", "management", "--fractions", "18", "--date", "2025-06-02" }
    assert.are.equal("77427 x4  fractions 1-5, 6-10, 11-15, 16-18", lines[1])
  end)

  it("runs the README's Medicare practitioner example: G6008", function()
    local lines = classify { "classify", "--service", "delivery", "--date", "2025-06-02", "--setting", "practitioner",
      "--payer", "medicare", "--energy", "6", "--areas", "2" }
    assert.are.equal("G6008 x1", lines[1])
  end)

  it("classifies 2015-2025 delivery with --technique imrt", function()
    local lines = classify { "classify", "--service", "delivery", "--date", "2025-06-02", "--setting", "hospital",
      "--technique", "vmat", "--imrt-site", "prostate" }
    assert.are.equal("77385 x1", lines[1])
  end)

  it("prints 77387 with no modifier for 2026 hospital guidance, 77387-26 for a professional claim", function()
    local lines = classify { "classify", "--service", "guidance", "--date", "2026-03-02", "--setting", "hospital",
      "--guidance", "cbct" }
    assert.are.equal("77387 x1", lines[1])
    lines = classify { "classify", "--service", "guidance", "--date", "2026-03-02", "--setting", "practitioner",
      "--guidance", "cbct" }
    assert.are.equal("77387-26 x1", lines[1])
  end)
end)
