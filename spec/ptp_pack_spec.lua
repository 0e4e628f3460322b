-- ptp_pack: every PTP row of a column-1 code packed in one blob
-- (csrc/ptp_pack.c), so a check loads a code's edits with one read. The
-- packs are a cache of ptp_edit: an NCCI import and an upgrade make them, a
-- change to a code's rows drops its pack, and a code without a pack, or
-- with one that cannot be read, is read from ptp_edit. So the answers never
-- depend on the packs: these specs compare them with packs, without, and
-- with broken ones, and show the loader does read the packs.
local radcode = require "radcode"
local H = require "helper"

local FIX = H.root .. "/spec/fixtures/import/"
local sql = H.sql

--- A copy of the default data with the fixture PTP files imported.
local function imported_db(dir)
  local path = H.new_db(dir)
  local rc = assert(radcode.open({ db = path }))
  assert(rc:import("ncci-ptp", { FIX .. "ptp_practitioner_f1.txt", FIX .. "ptp_practitioner_f2.txt" },
    { setting = "practitioner", edition = "v99.9" }))
  rc:close()
  return path
end

--- The codes of the fixture's rows (either column), which the default
-- data's rows name too.
local function ptp_codes(path)
  local of = " FROM ptp WHERE source = 'CMS NCCI PTP practitioner v99.9'"
  return sql(path, "SELECT col1" .. of .. " UNION SELECT col2" .. of .. " ORDER BY 1")
end

local DATES = { "2015-06-01", "2024-06-03", "2025-12-31", "2026-01-05" }

--- rc:pair's answer for every ordered pair of the codes, on each date,
-- in both settings, as one text per question (a fresh handle: rules are
-- cached per handle).
local function answers(path, codes)
  local rc = assert(radcode.open({ db = path }))
  local out = {}
  for _, date in ipairs(DATES) do
    for _, setting in ipairs({ "practitioner", "hospital" }) do
      for _, a in ipairs(codes) do
        for _, b in ipairs(codes) do
          if a ~= b then
            local p = rc:pair(a, b, { date = date, setting = setting })
            out[#out + 1] = table.concat({ a, b, date, setting, tostring(p.together), tostring(p.indicator),
              tostring(p.column1), tostring(p.rationale), tostring(p.source) }, "|")
          end
        end
      end
    end
  end
  rc:close()
  return out
end

--- The pairs whose answers differ between two runs of answers().
local function differences(x, y)
  local d = {}
  for i = 1, math.max(#x, #y) do
    if x[i] ~= y[i] then d[#d + 1] = tostring(x[i]) .. " / " .. tostring(y[i]) end
  end
  return d
end

describe("ptp_pack", function()
  local dir, path
  before_each(function()
    dir = H.tmpdir()
    path = imported_db(dir)
  end)
  after_each(function() H.remove_tree(dir) end)

  it("an NCCI import packs every column-1 code of ptp_edit", function()
    local codes = sql(path, "SELECT count(DISTINCT col1) FROM ptp_edit")
    assert.is_true(tonumber(codes[1]) > 100)   -- the default data's codes and the fixture's
    assert.are.same(codes, sql(path, "SELECT count(*) FROM ptp_pack"))
    assert.are.same({ "0" }, sql(path, "SELECT count(*) FROM ptp_pack WHERE hex(substr(rows, 1, 3)) <> '525001'"))
    assert.are.same({ "0" }, sql(path, "SELECT count(*) FROM ptp_edit WHERE col1 NOT IN (SELECT col1 FROM ptp_pack)"))
  end)

  it("answers the same with packs, without them, and with broken ones", function()
    local codes = ptp_codes(path)
    local packed = answers(path, codes)
    -- the fixtures' pairs are there: some answers say no, some with a modifier
    local text = table.concat(packed, "\n")
    assert.matches("|no|0|", text, 1, true)
    assert.matches("|with_modifier|1|", text, 1, true)
    local broken = dir .. "/broken.db"
    H.run(("env -u LD_PRELOAD cp %s %s"):format(H.quote(path), H.quote(broken)))
    -- cut short, a wrong version, a row sharing more than the row before
    -- has, a shape index out of range, trailing bytes, empty
    sql(broken, "UPDATE ptp_pack SET rows = CASE unicode(substr(col1, -1)) % 6"
      .. " WHEN 0 THEN substr(rows, 1, length(rows) - 1) WHEN 1 THEN x'525002' || substr(rows, 4)"
      .. " WHEN 2 THEN x'5250010100000000010001057F' WHEN 3 THEN x'52500101000000000100010100014105'"
      .. " WHEN 4 THEN rows || x'00' ELSE x'' END")
    assert.are.same({}, differences(packed, answers(broken, codes)))
    sql(path, "DELETE FROM ptp_pack")
    assert.are.same({}, differences(packed, answers(path, codes)))
  end)

  it("the loader reads the packs (a pack moved to another code answers for it)", function()
    local before = radcode.open({ db = path })
    assert.are.equal("yes", before:pair("15777", "77295", { date = "2024-06-03" }).together)
    before:close()
    sql(path, "INSERT OR REPLACE INTO ptp_pack SELECT '15777', rows FROM ptp_pack WHERE col1 = '77301'")
    local rc = assert(radcode.open({ db = path }))
    assert.are.equal("no", rc:pair("15777", "77295", { date = "2024-06-03" }).together)
    rc:close()
  end)

  it("a change to a code's rows drops its pack, so no answer is stale", function()
    local function packed(code) return sql(path, ("SELECT count(*) FROM ptp_pack WHERE col1 = '%s'"):format(code))[1] end
    -- a pack that lies (moved from 77301) goes when 77014's rows change
    sql(path, "INSERT OR REPLACE INTO ptp_pack SELECT '15777', rows FROM ptp_pack WHERE col1 = '77301'")
    sql(path, "INSERT INTO ptp (col1, col2, setting, valid_from, modifier, source)"
      .. " VALUES ('15777', '77417', 'practitioner', '2015-01-01', 1, 'by hand')")
    assert.are.equal("0", packed("15777"))
    assert.are.equal("1", packed("77301"))
    local rc = assert(radcode.open({ db = path }))
    assert.are.equal("yes", rc:pair("15777", "77295", { date = "2024-06-03" }).together)
    assert.are.equal("with_modifier", rc:pair("15777", "77417", { date = "2024-06-03" }).together)
    rc:close()
    -- a delete and an update drop the pack too
    sql(path, "DELETE FROM ptp WHERE col1 = '77301' AND col2 = '77295'")
    assert.are.equal("0", packed("77301"))
    rc = assert(radcode.open({ db = path }))
    assert.are_not.equal("no", rc:pair("77301", "77295", { date = "2024-06-03" }).together)
    rc:close()
    assert.are.equal("1", packed("77306"))
    sql(path, "UPDATE ptp_edit SET modifier = 1 WHERE col1 = '77306'")
    assert.are.equal("0", packed("77306"))
  end)

  -- A CSV of PTP rows: codes in order, each with several column 2 codes
  -- and versions; then a code again (out of order), a code the default
  -- data has rows for (77301), and codes in order again.
  local function ptp_csv(seed)
    local lines = { "column_1,column_2,prior_1996,deletion_date,modifier,rationale" }
    local function add(c1, c2, del, mod, rat) lines[#lines + 1] = table.concat({ c1, c2, "", del, mod, rat }, ",") end
    for i = 1, 40 do
      local c1 = ("%05d"):format(10000 + i * seed)
      for j = 1, 1 + i % 5 do
        local c2 = ("%05d"):format(20000 + j * 7)
        if (i + j) % 3 == 0 then add(c1, c2, "20191231", "1", "Mutually exclusive procedures") end
        add(c1, c2, "*", tostring((i + j) % 2), j % 2 == 0 and "" or "Misuse of column two code with column one code")
      end
    end
    add(("%05d"):format(10000 + 5 * seed), "29999", "*", "0", "")
    add("77301", "29998", "*", "1", "")
    for i = 1, 10 do add(("G%04d"):format(i), "77300", "*", "0", "") end
    return table.concat(lines, "\n") .. "\n"
  end

  it("packs an import makes from its rows are those ptp_edit gives, triggers on or off", function()
    H.write(dir .. "/a.csv", ptp_csv(3))
    H.write(dir .. "/b.csv", ptp_csv(2))
    for _, setup in ipairs({ "SELECT 1", "CREATE TRIGGER spec_alone BEFORE INSERT ON ptp_edit BEGIN SELECT 1; END" }) do
      local own = H.tmpdir()
      local db = H.new_db(own)
      sql(db, setup)
      local rc = assert(radcode.open({ db = db }))
      assert(rc:import("ncci-ptp", dir .. "/a.csv", { setting = "practitioner", edition = "v1" }))
      local packs, rebuilt = H.packs_and_repacked(db)
      assert.is_true(#packs > 150)
      assert.are.same(rebuilt, packs)
      -- another dataset, then the first again (its rows replaced)
      assert(rc:import("ncci-ptp", dir .. "/b.csv", { setting = "practitioner", edition = "v2" }))
      assert(rc:import("ncci-ptp", dir .. "/b.csv", { setting = "practitioner", edition = "v1" }))
      rc:close()
      packs, rebuilt = H.packs_and_repacked(db)
      assert.are.same(rebuilt, packs)
      assert.are.same(sql(db, "SELECT count(DISTINCT col1) FROM ptp_edit"), sql(db, "SELECT count(*) FROM ptp_pack"))
      H.remove_tree(own)
    end
  end)

  it("an upgrade from schema 8 keeps the packs in a rowid table and packs every code", function()
    local codes = ptp_codes(path)
    local expected = answers(path, codes)
    -- schema 8 kept the packs WITHOUT ROWID, where a blob larger than a page
    -- sat in interior pages too and every lookup read its overflow again
    sql(path, "PRAGMA legacy_alter_table = ON",
      "CREATE TABLE old_pack (col1 TEXT PRIMARY KEY, rows BLOB NOT NULL) WITHOUT ROWID",
      "INSERT INTO old_pack SELECT col1, rows FROM ptp_pack WHERE col1 > '7'", "DROP TABLE ptp_pack",
      "ALTER TABLE old_pack RENAME TO ptp_pack", "UPDATE meta SET value = '8' WHERE key = 'schema_version'")
    assert.matches("WITHOUT ROWID", sql(path, "SELECT sql FROM sqlite_schema WHERE name = 'ptp_pack'")[1])
    local rc = assert(radcode.open({ db = path }))
    rc:close()
    assert.are.same({ radcode.schema_version }, sql(path, "SELECT value FROM meta WHERE key = 'schema_version'"))
    assert.is_nil(sql(path, "SELECT sql FROM sqlite_schema WHERE name = 'ptp_pack'")[1]:match("WITHOUT ROWID"))
    assert.are.same(sql(path, "SELECT count(DISTINCT col1) FROM ptp_edit"), sql(path, "SELECT count(*) FROM ptp_pack"))
    local packs, rebuilt = H.packs_and_repacked(path)
    assert.are.same(rebuilt, packs)
    assert.are.same({}, differences(expected, answers(path, codes)))
  end)

  -- The PTP edits of a day are looked up by walking each column 1 code's
  -- rows over the day's codes in ascending order (rc_rules_ptp_next): on a
  -- claim of every code, shuffled and some twice, the findings are those
  -- the codes' pairs get, each pair on a claim of its own.
  it("a claim of every code gets the PTP findings of its pairs", function()
    local codes = ptp_codes(path)
    local extra = sql(path, "SELECT DISTINCT col2 FROM ptp_edit WHERE col1 IN ('77301', '77295', '77014')")
    for _, code in ipairs(extra) do codes[#codes + 1] = code end
    local rc = assert(radcode.open({ db = path }))
    local function ptp_rules(lines, found)
      local result = rc:check({ id = "walk", setting = "practitioner", diagnoses = { "C61" }, lines = lines })
      for _, f in ipairs(result.findings) do
        if f.edit == "ptp" then found[f.rule .. " " .. f.severity] = true end
      end
      return found
    end
    local function line(code) return { code = code, date = "2024-06-03", units = 1 } end
    local expected = {}
    for i, a in ipairs(codes) do
      for j = i + 1, #codes do
        if a ~= codes[j] then ptp_rules({ line(a), line(codes[j]) }, expected) end
      end
    end
    local lines, seed = {}, 7
    for _, code in ipairs(codes) do lines[#lines + 1] = line(code) end
    for k = 1, 20 do lines[#lines + 1] = line(codes[1 + (k * 37) % #codes]) end
    for k = #lines, 2, -1 do   -- a fixed shuffle
      seed = (seed * 1103515245 + 12345) % 2147483648
      local m = 1 + seed % k
      lines[k], lines[m] = lines[m], lines[k]
    end
    local got = ptp_rules(lines, {})
    rc:close()
    local function keys(t) local out = {} for k in pairs(t) do out[#out + 1] = k end table.sort(out) return out end
    assert.is_true(#keys(expected) > 50)
    assert.are.same(keys(expected), keys(got))
  end)

  it("an upgrade from schema 7 packs every code", function()
    local codes = ptp_codes(path)
    local expected = answers(path, codes)
    sql(path, "DROP TRIGGER ptp_edit_insert_unpacks", "DROP TRIGGER ptp_edit_delete_unpacks",
      "DROP TRIGGER ptp_edit_update_unpacks", "DROP TABLE ptp_pack",
      "UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    local rc = assert(radcode.open({ db = path }))
    rc:close()
    assert.are.same(sql(path, "SELECT count(DISTINCT col1) FROM ptp_edit"), sql(path, "SELECT count(*) FROM ptp_pack"))
    assert.are.same({}, differences(expected, answers(path, codes)))
  end)
end)
