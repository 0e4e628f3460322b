-- rc:search: ranked full-text search over codes, summaries, official text
-- and keywords, with synonyms and code prefixes.
local radcode = require "radcode"
local H = require "helper"

describe("rc:search", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  local function codes_of(results)
    local list = {}
    for i, r in ipairs(results) do list[i] = r.code end
    return list
  end

  it("finds 77401, 77402 and 77407 for the prefix 7740, first", function()
    local results = assert(rc:search("7740"))
    local top = { table.unpack(codes_of(results), 1, 3) }
    table.sort(top)
    assert.are.same({ "77401", "77402", "77407" }, { top[1], top[2], top[3] })
    for i = 1, 3 do assert.matches("^7740", results[i].code) end
  end)

  it("puts 77522 first for 'proton compensation'", function()
    local results = assert(rc:search("proton compensation", { limit = 10, date = "2026-03-01" }))
    assert.are.equal("77522", results[1].code)
    for _, r in ipairs(results) do assert.is_string(r.summary) end
  end)

  it("returns results best first, each with code, summary, family, score and status", function()
    local results = assert(rc:search("treatment delivery", { limit = 20 }))
    assert.is_true(#results > 3)
    for i, r in ipairs(results) do
      assert.is_string(r.code)
      assert.is_string(r.summary)
      assert.is_string(r.family)
      assert.is_number(r.score)
      assert.is_string(r.status)
      if i > 1 then assert.is_true(results[i - 1].score >= r.score) end
    end
  end)

  it("expands abbreviations through synonyms", function()
    local cases = { imrt = { "77385", "77386", "G6015" }, sbrt = { "77373" }, srs = { "77372" },
      hdr = { "77770" }, brachy = { "77316" }, igrt = { "77387" }, superficial = { "77401" },
      orthovoltage = { "77438" }, proton = { "77520" }, vmat = { "77407" }, gating = { "77293" },
      ["breath hold"] = { "77293" } }
    for query, wanted in pairs(cases) do
      local found = H.codes(assert(rc:search(query, { limit = 30 })))
      for _, code in ipairs(wanted) do assert.is_true(found[code], query .. " -> " .. code) end
    end
  end)

  it("only returns codes valid on the date when a date is given", function()
    local in2025 = H.codes(rc:search("IMRT delivery", { limit = 50, date = "2025-06-02" }))
    local in2026 = H.codes(rc:search("IMRT delivery", { limit = 50, date = "2026-03-02" }))
    assert.is_true(in2025["77385"])
    assert.is_nil(in2026["77385"])
    assert.is_nil(in2026.G6015)
    assert.is_nil(in2025["77437"])
    assert.is_true(H.codes(rc:search("superficial", { limit = 50, date = "2026-03-02" }))["77437"])
  end)

  it("respects the limit", function()
    assert.are.equal(2, #rc:search("radiation", { limit = 2 }))
    assert.are.equal(1, #rc:search("radiation", { limit = 1 }))
  end)

  it("ignores filler words unless there is nothing else", function()
    local plain = rc:search("proton compensation")
    local filled = rc:search("the proton with compensation")
    assert.are.same(plain, filled)
    assert.is_table(rc:search("with"))
  end)

  it("returns an empty list when nothing matches", function()
    assert.are.same({}, rc:search("xyzzyquux"))
  end)

  it("treats punctuation as space and ignores FTS syntax", function()
    assert.is_table(rc:search('"IMRT" OR NEAR(* -'))
    assert.is_true(H.codes(rc:search("i.m.r.t / imrt; (delivery)"))["77385"])
  end)

  it("answers a huge text in bounded form", function()
    assert.is_table(rc:search(string.rep("proton ", 200000)))
  end)

  describe("with bad input", function()
    it("says there is nothing to search for in empty or blank text", function()
      for _, text in ipairs({ "", "   ", "!!! ---" }) do
        local r, err = rc:search(text)
        assert.is_nil(r)
        assert.matches("^nothing to search for", err)
      end
    end)

    it("refuses bad dates with a message", function()
      local r, err = rc:search("proton", { date = "2026-02-30" })
      assert.is_nil(r)
      assert.are.equal("impossible date '2026-02-30'", err)
    end)

    it("raises on wrong types, bad limits and unknown options", function()
      assert.has_error(function() rc:search() end)
      assert.has_error(function() rc:search(42) end)
      assert.has_error(function() rc:search("x", 10) end)
      assert.has_error(function() rc:search("x", { limit = 0 }) end)
      assert.has_error(function() rc:search("x", { limit = 501 }) end)
      assert.has_error(function() rc:search("x", { limit = 2.5 }) end)
      assert.has_error(function() rc:search("x", { limit = "3" }) end)
      assert.has_error(function() rc:search("x", { max = 3 }) end, "bad argument #2 to 'search' (unknown option 'max')")
    end)
  end)
end)
