-- The cold path (issue 15): what a code's rules load with them stays
-- right. Whether any coverage article lists a code is read once with the
-- code's rules (the article queries are skipped for codes none lists); it
-- follows imports on the same handle and changes made by another
-- connection, and a payer overlay's merged rules keep it.
local H = require "helper"
local radcode = require "radcode"

local FIX = H.root .. "/spec/fixtures/lcd"

local function necessity(result)
  local list = {}
  for _, f in ipairs(result.findings) do
    if f.rule:match("^necessity") then list[#list + 1] = f.code .. " " .. f.rule end
  end
  table.sort(list)
  return list
end

-- 77412 (listed by A58002 and A58003 in the fixtures) and 77427 (listed by
-- none), on one day, with a diagnosis no article covers.
local function claim(payer)
  return { setting = "hospital", payer = payer, diagnoses = { "Z00.00" }, lines = {
    { code = "77412", date = "2026-02-02", units = 1 },
    { code = "77427", date = "2026-02-02", units = 1 } } }
end

describe("codes listed by coverage articles", function()
  local dir, db
  before_each(function()
    dir = H.tmpdir()
    db = H.new_db(dir)
  end)
  after_each(function()
    H.remove_tree(dir)
  end)

  it("ask the articles for a listed code and keep the generic edit for a code none lists", function()
    local rc <close> = assert(radcode.open({ db = db }))
    local generic = necessity(assert(rc:check(claim())))
    assert(rc:import("lcd-articles", FIX))
    local n = necessity(assert(rc:check(claim())))
    assert.are.same({ "77412 necessity article A58002" }, { n[1] })
    for _, f in ipairs(generic) do
      if f:match("^77427") then assert.truthy(table.concat(n, "\n"):find(f, 1, true)) end
    end
    for _, f in ipairs(n) do assert.is_nil(f:match("^77427 necessity article")) end
  end)

  it("learn that a code is listed when another connection lists it after its rules were loaded", function()
    local w = assert(radcode.open({ db = db }))
    assert(w:import("lcd-articles", FIX))
    w:close()
    local rc <close> = assert(radcode.open({ db = db }))
    for _, f in ipairs(necessity(assert(rc:check(claim())))) do assert.is_nil(f:match("^77427 necessity article")) end
    H.sql(db, "INSERT INTO lcd_article_code (article_id, code, grp) VALUES ('58002', '77427', 1)")
    os.execute("sleep 0.05")   -- a handle looks for other connections' commits every few milliseconds
    local n = necessity(assert(rc:check(claim())))
    local listed
    for _, f in ipairs(n) do listed = listed or f:match("^77427 necessity article A58002") end
    assert.truthy(listed)
  end)

  it("name the first article and say when others list the code, counting only those in force", function()
    local rc <close> = assert(radcode.open({ db = db }))
    assert(rc:import("lcd-articles", FIX))
    local function message(date)
      local c = claim()
      c.lines[1].date, c.lines[2].date = date, date
      for _, f in ipairs(assert(rc:check(c)).findings) do
        if f.code == "77412" and f.rule:match("^necessity article") then return f.message end
      end
    end
    local both = message("2026-02-02")   -- A58002 and A58003 list 77412, neither covers Z00.00
    assert.matches("article A58002", both)
    assert.matches("or the other articles that list it", both, 1, true)
    H.sql(db, "UPDATE lcd_article SET ended = '2026-01-31' WHERE article_id = '58002'")
    os.execute("sleep 0.05")
    local one = message("2026-02-02")
    assert.matches("article A58003", one)
    assert.is_nil(one:find("other articles", 1, true))
  end)

  it("stay listed in a payer overlay's merged rules", function()
    local rc <close> = assert(radcode.open({ db = db }))
    assert(rc:import("lcd-articles", FIX))
    local name = assert(rc:load_payer([[return { name = "coldtest", source = "radcode summary",
      pairs = { { id = "pair-77412-77427", column1 = "77412", column2 = "77427", indicator = 1 } } }]]))
    local result = assert(rc:check(claim(), { payer = name }))
    local pair
    for _, f in ipairs(result.findings) do pair = pair or f.rule:match("^PTP 77412/77427") end
    assert.truthy(pair)   -- the merged rules are in use
    assert.are.same({ "77412 necessity article A58002" }, { necessity(result)[1] })
  end)
end)
