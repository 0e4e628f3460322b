-- rc:import and rc:datasets: the CMS/AMA importers on small fixtures in the
-- exact CMS layouts (spec/fixtures/import, invented rows and text), gzip
-- input, rejects with line numbers, one transaction per import, the
-- read-only embedded default, bad arguments, `radcode import`, and the real
-- CMS files in ../shared/cms (pending when absent).
local radcode = require "radcode"
local H = require "helper"

local FIX = H.root .. "/spec/fixtures/import/"

--- Runs SQL on a database file with the sqlite3 command; returns the
-- output lines (columns separated by |).
local sql = H.sql

--- The reject reasons of a result, by line number.
local function rejected(result)
  local by = {}
  for _, r in ipairs(result.rejects) do by[r.line] = r.reason end
  return by
end

local new_db = H.new_db

describe("rc:import", function()
  local dir, path, rc
  before_each(function()
    dir = H.tmpdir()
    path = new_db(dir)
    rc = assert(radcode.open({ db = path }))
  end)
  after_each(function()
    rc:close()
    H.remove_tree(dir)
  end)

  describe("ncci-ptp", function()
    it("loads the CMS part files in one import, rejecting bad rows by line number", function()
      local r = assert(rc:import("ncci-ptp", { FIX .. "ptp_practitioner_f1.txt", FIX .. "ptp_practitioner_f2.txt" },
        { setting = "practitioner", edition = "v99.9" }))
      assert.are.equal("ncci-ptp", r.kind)
      assert.are.equal("CMS NCCI PTP practitioner v99.9", r.source)
      -- the indicator 9 row of f2 (deleted retroactively: it never applied) is skipped
      assert.are.same({ 12, 7, 4, 1 }, { r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped })
      local why = rejected(r)
      assert.matches("malformed column 1 code '7740'", why[9])
      assert.matches("modifier indicator '5'", why[10])
      assert.matches("bad deletion date", why[11])
      assert.matches("duplicate", why[12])
      assert.are.equal("ptp_practitioner_f1.txt", r.rejects[1].file)
      local src = " AND source = 'CMS NCCI PTP practitioner v99.9'"
      assert.are.same({ "7" }, sql(path, "SELECT count(*) FROM ptp WHERE 1" .. src))
      assert.are.same({ "2015-01-01||0|CPT Manual or CMS manual coding instruction" },
        sql(path, "SELECT valid_from, valid_to, modifier, rationale FROM ptp WHERE col1 = '77301' AND col2 = '77295'" .. src))
      -- CMS's deletion date is the last day the edit applied.
      assert.are.same({ "2025-12-31" }, sql(path, "SELECT valid_to FROM ptp WHERE col1 = '77014'" .. src))
      assert.are.same({ "2015-01-01||0" },
        sql(path, "SELECT valid_from, valid_to, modifier FROM ptp WHERE col1 = '77306' AND col2 = '77300'" .. src
          .. " ORDER BY valid_from"))
    end)

    it("infers the dates of the CSV copy, which has no effective dates", function()
      local r = assert(rc:import("ncci-ptp", FIX .. "ptp_practitioner.csv", { setting = "practitioner", edition = "v1.0" }))
      assert.are.same({ 7, 4, 2, 1 }, { r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped })
      local why = rejected(r)
      assert.matches("duplicate of line 6", why[7])
      assert.matches("malformed column 2 code", why[8])
      -- deleted 2019-12-31 (its last day), the next row starts the day after;
      -- the 9 row is skipped and dates nothing
      assert.are.same({ "2015-01-01|2019-12-31|1", "2020-01-01||0" },
        sql(path, "SELECT valid_from, valid_to, modifier FROM ptp WHERE col1 = '77301' AND col2 = '77295'"
          .. " AND source = 'CMS NCCI PTP practitioner v1.0' ORDER BY valid_from"))
    end)

    it("reads gzip files as they are", function()
      local r = assert(rc:import("ncci-ptp", FIX .. "ptp_practitioner_f1.txt.gz", { setting = "hospital", edition = "v99.9" }))
      assert.are.same({ 8, 4, 4 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      assert.are.same({ "4" }, sql(path, "SELECT count(*) FROM ptp WHERE source = 'CMS NCCI PTP hospital v99.9'"
        .. " AND setting = 'hospital'"))
    end)

    it("replaces the rows of the same dataset when it is imported again", function()
      local files = { FIX .. "ptp_practitioner_f1.txt", FIX .. "ptp_practitioner_f2.txt" }
      local first = assert(rc:import("ncci-ptp", files, { setting = "practitioner", edition = "v99.9" }))
      local again = assert(rc:import("ncci-ptp", files, { setting = "practitioner", edition = "v99.9" }))
      assert.are.equal(first.rows_kept, again.rows_kept)
      assert.are.same({ "7" }, sql(path, "SELECT count(*) FROM ptp WHERE source = 'CMS NCCI PTP practitioner v99.9'"))
      assert.are_not.equal(first.dataset, again.dataset)
    end)

    it("stores each rationale and dataset name once, and the view ptp reads them back", function()
      local files = { FIX .. "ptp_practitioner_f1.txt", FIX .. "ptp_practitioner_f2.txt" }
      assert(rc:import("ncci-ptp", files, { setting = "practitioner", edition = "v99.9" }))
      assert(rc:import("ncci-ptp", files, { setting = "hospital", edition = "v99.9" }))
      local texts = tonumber(sql(path, "SELECT count(*) FROM ptp_text")[1])
      local distinct = tonumber(sql(path, "SELECT count(DISTINCT rationale) + count(DISTINCT source) FROM ptp")[1])
      assert.are.equal(distinct, texts - #sql(path, "SELECT 1 FROM ptp_text WHERE id NOT IN"
        .. " (SELECT rationale FROM ptp_edit WHERE rationale IS NOT NULL UNION SELECT source FROM ptp_edit)"))
      assert.are.same({ "1|7", "2|7" }, sql(path, "SELECT setting, count(*) FROM ptp_edit"
        .. " WHERE source = (SELECT id FROM ptp_text WHERE text = 'CMS NCCI PTP practitioner v99.9')"
        .. " OR source = (SELECT id FROM ptp_text WHERE text = 'CMS NCCI PTP hospital v99.9') GROUP BY setting"))
      -- the findings carry the texts
      local f = assert(rc:pair("77301", "77295", { date = "2025-06-02", setting = "hospital" }))
      assert.are.equal("CPT Manual or CMS manual coding instruction", f.rationale)
      assert.matches("CMS NCCI PTP hospital v99.9", f.source, 1, true)
    end)

    it("takes rows written into the view ptp by hand, and refuses a setting it cannot store", function()
      sql(path, "INSERT INTO ptp VALUES ('77401', '77999', 'hospital', '2015-01-01', NULL, 1, NULL, 'my own edits')")
      assert.are.same({ "77401|77999|hospital|1||my own edits" },
        sql(path, "SELECT col1, col2, setting, modifier, rationale, source FROM ptp WHERE col1 = '77401' AND col2 = '77999'"))
      local _, err, code = H.run(("sqlite3 %s %s"):format(H.quote(path),
        H.quote("INSERT INTO ptp VALUES ('77401', '77998', 'dme', '2015-01-01', NULL, 1, NULL, 'x')")))
      assert.are_not.equal(0, code)
      assert.matches("ptp.setting must be practitioner or hospital", err, 1, true)
      _, err, code = H.run(("sqlite3 %s %s"):format(H.quote(path),
        H.quote("INSERT INTO ptp VALUES ('77401', '77998', 'hospital', '2015-02-30x', NULL, 1, NULL, 'x')")))
      assert.are_not.equal(0, code)
      assert.matches("must be dates YYYY-MM-DD", err, 1, true)
      sql(path, "DELETE FROM ptp WHERE col1 = '77401' AND col2 = '77999'")
      assert.are.same({ "0" }, sql(path, "SELECT count(*) FROM ptp_edit WHERE col1 = '77401' AND col2 = '77999'"))
    end)

    it("deletes through the view only the dataset's row named, not another's of the same pair and start", function()
      local key = " WHERE col1 = '77301' AND col2 = '77295' AND setting = 'practitioner'"
      local curated = sql(path, "SELECT valid_from, source FROM ptp" .. key .. " ORDER BY valid_from LIMIT 1")[1]
      assert.is_truthy(curated, "the default data pairs 77301 with 77295")
      local from = curated:match("^([^|]+)")
      sql(path, ("INSERT INTO ptp VALUES ('77301', '77295', 'practitioner', '%s', NULL, 1, NULL, 'my own edits')"):format(from))
      sql(path, "DELETE FROM ptp" .. key .. " AND source = 'my own edits'")
      assert.are.same({ curated }, sql(path, ("SELECT valid_from, source FROM ptp%s AND valid_from = '%s'"):format(key, from)))
      assert.are.same({ "0" }, sql(path, "SELECT count(*) FROM ptp WHERE source = 'my own edits'"))
    end)

    it("names the dataset after the file when no edition is given", function()
      local r = assert(rc:import("ncci-ptp", FIX .. "ptp_practitioner_f1.txt", { setting = "practitioner" }))
      assert.are.equal("CMS NCCI PTP practitioner ptp_practitioner_f1", r.source)
    end)

    -- A CSV copy of n pairs in key order, so that the importer stores them
    -- by batches: one row a pair, versions (the one in force first),
    -- indicator 9 rows, rationales and none; then rows out of order, which
    -- go alone: a pair again (its first version collides with the stored
    -- one), a new pair that sorts before the last one, two rows of one pair
    -- with one deletion date (and, dated, rows with a missing or impossible
    -- effective date, one of them first); then rows in order again. Without effective dates
    -- unless dated. Returns the text and the rejects expected, by line.
    local function ptp_csv(n, dated)
      local lines = { "column_1,column_2,prior_1996," .. (dated and "effective_date," or "") .. "deletion_date,modifier,rationale" }
      local rats = { "Mutually exclusive procedures", "", "CPT Manual or CMS manual coding instruction" }
      local function add(c1, c2, eff, del, mod, rat)
        lines[#lines + 1] = table.concat(dated and { c1, c2, "", eff, del, mod, rat } or { c1, c2, "", del, mod, rat }, ",")
      end
      local function col1(i) return i <= n // 2 and ("%05d"):format(10000 + i // 7 * 13) or ("G%04d"):format(i // 7) end
      local want = {}
      if dated then   -- the first date read is none
        add("09999", "0000Z", "", "*", "0", "")
        want[#lines] = "bad effective date ''"
      end
      for i = 1, n do
        local c1, c2, rat = col1(i), ("%04dZ"):format(i), rats[i % 3 + 1]
        if i % 4 == 0 then add(c1, c2, "20200101", "*", "0", rat) end
        add(c1, c2, "20150101", i % 4 == 0 and "20191231" or "*", "1", rat)
        if i % 9 == 0 then add(c1, c2, "20150101", "20180331", "9", rat) end
      end
      add(col1(8), "0008Z", "20150101", "20191231", "1", rats[1])
      want[#lines] = "duplicate of an earlier row of this import"
      add("10000", "29999", "20150101", "*", "0", "")
      add("10000", "29998", "20150101", "20201231", "0", "")
      add("10000", "29998", "20150101", "20201231", "1", "")
      want[#lines] = dated and "duplicate of an earlier row of this import" or "duplicate of line " .. (#lines - 1)
      if dated then   -- after a row whose dates were read, none and an impossible one
        add("10000", "29997", "", "20201231", "0", "")
        want[#lines] = "bad effective date ''"
        add("10000", "29996", "20151301", "*", "0", "")
        want[#lines] = "bad effective date '20151301'"
      end
      for i = 1, 150 do add(("Y%04d"):format(i // 3), ("%04dZ"):format(1000 + i), "20150101", "*", "0", rats[i % 3 + 1]) end
      return table.concat(lines, "\n") .. "\n", want
    end

    -- A new copy of the default data in dir, after the SQL setup.
    local function saved_copy(name, setup)
      local db = dir .. "/" .. name
      local h = assert(radcode.open())
      assert(h:save(db))
      h:close()
      if setup then sql(db, setup) end
      return db
    end

    -- Imports dir/ptp.csv into a new copy of the default data, after the
    -- SQL setup; what the import did and the tables it wrote.
    local function import_into(name, setup)
      local db = saved_copy(name, setup)
      local h = assert(radcode.open({ db = db }))
      local r = assert(h:import("ncci-ptp", dir .. "/ptp.csv", { setting = "practitioner", edition = "v99.1" }))
      h:close()
      return { counts = { r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped }, rejects = rejected(r),
        rows = sql(db, "SELECT * FROM ptp_edit ORDER BY 1, 2, 3, 4, 5"), texts = sql(db, "SELECT * FROM ptp_text"),
        codes = sql(db, "SELECT rowid, code, system, source FROM codes ORDER BY rowid") }, db
    end
    -- a BEFORE trigger on ptp_edit (here one that does nothing) makes every
    -- row go alone: such a trigger could skip a row unseen by a batch
    local ALONE = "CREATE TRIGGER spec_alone BEFORE INSERT ON ptp_edit BEGIN SELECT 1; END"

    it("stores by batches what it would store row by row, and rejects the same rows", function()
      local text, want = ptp_csv(600)
      H.write(dir .. "/ptp.csv", text)
      local batched, db = import_into("batched.db")
      assert.are.same(import_into("alone.db", ALONE), batched)
      assert.are.same({ 970, 902, 2, 66 }, batched.counts)
      -- an AFTER trigger leaves the batches on, and runs for every row stored
      local seen = "CREATE TABLE spec_seen (col1 TEXT); CREATE TRIGGER spec_after AFTER INSERT ON ptp_edit"
        .. " BEGIN INSERT INTO spec_seen VALUES (NEW.col1); END"
      local after, after_db = import_into("after.db", seen)
      assert.are.same(batched, after)
      assert.are.same({ "902" }, sql(after_db, "SELECT count(*) FROM spec_seen"))
      for line, why in pairs(want) do assert.matches(why, batched.rejects[line], 1, true) end
      assert.are.same({ "2015-01-01|2019-12-31|1", "2020-01-01||0" }, sql(db, "SELECT valid_from, valid_to, modifier"
        .. " FROM ptp WHERE col1 = '10013' AND col2 = '0008Z' AND source = 'CMS NCCI PTP practitioner v99.1' ORDER BY 1"))
      -- every code of the rows kept is known
      local named = "SELECT code FROM codes WHERE source = 'CMS NCCI PTP practitioner v99.1'"
      assert.are.same({ "0" }, sql(db, "SELECT count(*) FROM (SELECT col1 AS c FROM ptp UNION SELECT col2 FROM ptp)"
        .. " WHERE c NOT IN (SELECT code FROM codes)"))
      assert.are.same({ "0" }, sql(db, "SELECT count(*) FROM (" .. named .. ")"
        .. " WHERE code NOT IN (SELECT col1 FROM ptp UNION SELECT col2 FROM ptp)"))
      -- the codes no curated row had (column 2 xxxxZ, column 1 Yxxxx), added in code order
      assert.are.same({ "801" }, sql(db, "SELECT count(*) FROM (" .. named .. ") WHERE code LIKE '____Z' OR code LIKE 'Y%'"))
      assert.are.same(sql(db, named .. " ORDER BY code"), sql(db, named .. " ORDER BY rowid"))
      -- a row SQLite refuses in the middle of a batch (here a user's unique
      -- index allows one version a pair) is rejected as it is alone, and the
      -- rows before and after it in its batch are kept
      local one_version = "CREATE UNIQUE INDEX spec_one_version ON ptp_edit (col1, col2, setting, source)"
        .. " WHERE substr(col2, 5) = 'Z'"
      batched = import_into("batched1.db", one_version)
      assert.are.same(import_into("alone1.db", one_version .. "; " .. ALONE), batched)
      assert.are.same({ 970, 752, 152, 66 }, batched.counts)
    end)

    it("leaves ptp_pack as the schema's triggers would, loading with them off", function()
      -- two imports of one dataset, the second without the pairs of column 1
      -- codes G0043-G0085 (so their packs must go); compared with the same
      -- imports made with the triggers on (a user's trigger keeps them on)
      local first, second = ptp_csv(600), ptp_csv(300)
      local function imports(name, setup)
        local db = saved_copy(name, setup)
        local h = assert(radcode.open({ db = db }))
        for _, text in ipairs({ first, second }) do
          H.write(dir .. "/ptp.csv", text)
          assert(h:import("ncci-ptp", dir .. "/ptp.csv", { setting = "practitioner", edition = "v99.1" }))
        end
        -- the triggers are on again after: a user's trigger on aoc runs in the next import
        sql(db, "CREATE TABLE spec_spy (code TEXT); CREATE TRIGGER spec_aoc AFTER INSERT ON aoc"
          .. " BEGIN INSERT INTO spec_spy VALUES (NEW.addon); END")
        local aoc = assert(h:import("aoc", FIX .. "aoc.csv", { edition = "2099Q1" }))
        assert.are.same({ tostring(aoc.rows_kept) }, sql(db, "SELECT count(*) FROM spec_spy"))
        h:close()
        return { rows = sql(db, "SELECT * FROM ptp_edit ORDER BY 1, 2, 3, 4, 5"),
          packs = sql(db, "SELECT col1, hex(rows) FROM ptp_pack ORDER BY 1"),
          codes = sql(db, "SELECT rowid, code, system, source FROM codes ORDER BY rowid") }
      end
      local off, on = imports("off.db"), imports("on.db", ALONE)
      assert.are.same(on, off)
      assert.are.same({ "0" }, sql(dir .. "/off.db", "SELECT count(*) FROM ptp_pack WHERE col1 NOT IN (SELECT col1 FROM ptp_edit)"))
      assert.are.same(sql(dir .. "/off.db", "SELECT count(DISTINCT col1) FROM ptp_edit"), sql(dir .. "/off.db", "SELECT count(*) FROM ptp_pack"))
    end)

    it("stores by batches what it would store row by row from a file with effective dates", function()
      local text, want = ptp_csv(600, true)
      H.write(dir .. "/ptp.csv", text)
      local batched = import_into("batched.db")
      assert.are.same(import_into("alone.db", ALONE), batched)
      assert.are.same({ 973, 902, 5, 66 }, batched.counts)
      for line, why in pairs(want) do assert.matches(why, batched.rejects[line], 1, true) end
    end)
  end)

  describe("mue", function()
    it("reads the CMS CSV: quoted preamble, a line end inside the header, indicator text", function()
      local r = assert(rc:import("mue", FIX .. "mue_practitioner.csv", { setting = "practitioner", edition = "2099Q1" }))
      assert.are.equal("CMS MUE practitioner 2099Q1", r.source)
      assert.are.same({ 8, 5, 3 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      local why = rejected(r)
      -- physical line numbers: the header takes lines 3 and 4
      assert.matches("not a whole number", why[9])
      assert.matches("not 1, 2 or 3", why[10])
      assert.matches("expected at least 3 fields, found 2", why[12])
      -- edition 2099Q1 answers for its quarter (the embedded 2024Q2 still answers for 2024 Q2)
      local m = rc:lookup("77407", { date = "2099-02-01", setting = "practitioner" }).mue
      assert.are.same({ 2, 3, "CMS MUE practitioner 2099Q1" }, { m.value, m.mai, m.source })
      local q = rc:lookup("77385", { date = "2099-02-01", setting = "practitioner" }).mue
      assert.are.equal('Clinical: "CMS" Workgroup', q.rationale)
      assert.are.equal(1, rc:lookup("77427", { date = "2099-02-01" }).mue.value)
    end)

    it("reads gzip input", function()
      local r = assert(rc:import("mue", FIX .. "mue_practitioner.csv.gz", { setting = "practitioner" }))
      assert.are.same({ 8, 5, 3 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      assert.are.equal("CMS MUE practitioner mue_practitioner", r.source)
    end)

    it("takes each row's setting from service_type", function()
      local r = assert(rc:import("mue", FIX .. "mue_2024q2_small.csv", { edition = "2099Q2", from = "2099-04-01" }))
      assert.are.same({ 5, 4, 1 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      assert.matches("unknown service type 'Ambulance'", rejected(r)[6])
      assert.are.equal(2, rc:lookup("77385", { date = "2099-05-01", setting = "hospital" }).mue.value)
      assert.are.same({ "A4250|dme|1|1" }, sql(path, "SELECT code, setting, value, mai FROM mue WHERE source = 'CMS MUE 2099Q2'"
        .. " AND setting = 'dme'"))
    end)

    it("wants the setting from the file or from the options, not both", function()
      local ok, err = rc:import("mue", FIX .. "mue_2024q2_small.csv", { setting = "hospital" })
      assert.is_nil(ok)
      assert.matches("leave out option 'setting'", err)
      ok, err = rc:import("mue", FIX .. "mue_practitioner.csv")
      assert.is_nil(ok)
      assert.matches("give option 'setting'", err)
    end)
  end)

  describe("aoc", function()
    it("loads add-on edits; CCCCC or no primary means none listed", function()
      local r = assert(rc:import("aoc", FIX .. "aoc.csv", { edition = "2099Q1" }))
      assert.are.same({ 7, 5, 2 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      local why = rejected(r)
      assert.matches("edit type '4'", why[7])
      assert.matches("type 1 edit needs a primary", why[8])
      assert.are.same({ "0054T||2|2013-01-01|", "0055T||2|2013-01-01|", "77293|77295|1|2014-01-01|",
                        "77293|77301|1|2014-01-01|", "77999|77770|3|2016-01-01|2020-12-31" },
        sql(path, "SELECT addon, primary_code, type, valid_from, valid_to FROM aoc WHERE source = 'CMS NCCI AOC 2099Q1'"
          .. " ORDER BY addon, primary_code"))
    end)
  end)

  describe("hcpcs", function()
    local r
    before_each(function()
      r = assert(rc:import("hcpcs", FIX .. "hcpcs_anweb_small.txt", { edition = "2099" }))
    end)

    it("joins continuation records, reads modifiers and skips the preamble", function()
      assert.are.equal("CMS HCPCS 2099", r.source)
      assert.are.same({ 8, 5, 3, 0 }, { r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped })
      local why = rejected(r)
      assert.matches("bad added date", why[12])
      assert.matches("continuation of 'G9994' without its first record", why[13])
      assert.matches("not a HCPCS record", why[14])
      local g = assert(rc:lookup("G9991", { date = "2099-01-01" }))
      assert.are.same({ "HCPCS", "other", "Invented radiation service", "2019-01-01", "CMS HCPCS 2099" },
        { g.system, g.family, g.summary, g.effective, g.source })
      assert.are.equal("Invented radiation service described at some length so that it continues on a second"
        .. " record, and then on a third", g.descriptor)
      assert.are.equal("2018-12-31", rc:lookup("G9992").terminated)
      assert.are.equal("Invented last", rc:lookup("G9995").summary)
    end)

    it("never overwrites a curated code's family or summary, only its descriptor", function()
      local before = radcode.open():lookup("G6003", { date = "2024-06-01" })
      local after = rc:lookup("G6003", { date = "2024-06-01" })
      assert.are.same({ before.family, before.summary, before.effective, before.terminated, before.source },
        { after.family, after.summary, after.effective, after.terminated, after.source })
      assert.are.equal("Invented long text for a curated code", after.descriptor)
    end)

    it("refreshes the search index", function()
      assert.are.equal("G9991", rc:search("invented radiation service")[1].code)
    end)
  end)

  describe("rvu", function()
    it("loads PC/TC, global and status from the blank-modifier rows", function()
      local r = assert(rc:import("rvu", FIX .. "pfs_rvu_small.csv", { edition = "2099A", from = "2099-01-01" }))
      assert.are.same({ 7, 4, 1, 2 }, { r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped })
      assert.matches("PC/TC indicator 'X'", rejected(r)[8])
      local c = rc:lookup("77427", { date = "2099-06-01", setting = "practitioner" })
      assert.are.same({ "2", "professional", "XXX", "A" }, { c.pctc, c.component, c.global, c.payment_status })
      assert.are.equal("I", rc:lookup("77402", { date = "2099-06-01" }).payment_status)
      assert.are.same({ "77290|1|XXX|2099-01-01" }, sql(path, "SELECT code, pctc, global, valid_from FROM indicators"
        .. " WHERE source = 'CMS PFS RVU 2099A' AND code = '77290'"))
    end)
  end)

  describe("opps", function()
    it("loads status indicators for the hospital setting over the given dates", function()
      local r = assert(rc:import("opps", FIX .. "opps_addb_small.csv", { edition = "2099Q1", from = "2099-01-01", to = "2099-03-31" }))
      assert.are.same({ 5, 4, 1 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      assert.matches("bad status indicator", rejected(r)[6])
      assert.are.equal("S", rc:lookup("77407", { date = "2099-02-01", setting = "hospital" }).payment_status)
      assert.are.equal("U", rc:lookup("C1717", { date = "2099-02-01", setting = "hospital" }).payment_status)
      assert.are.same({ "C1717|hospital|2099-01-01|2099-03-31|U" }, sql(path, "SELECT code, setting, valid_from, valid_to, status"
        .. " FROM payment_status WHERE source = 'CMS OPPS Addendum B 2099Q1' AND code = 'C1717'"))
    end)

    it("keeps no APC from a file without the APC column", function()
      assert(rc:import("opps", FIX .. "opps_addb_small.csv", { edition = "2099Q1", from = "2099-01-01" }))
      assert.are.same({ "4|0" }, sql(path, "SELECT count(*), count(apc) FROM payment_status"
        .. " WHERE source = 'CMS OPPS Addendum B 2099Q1'"))
      assert.is_nil(rc:lookup("77407", { date = "2099-02-01", setting = "hospital" }).opps.apc)
    end)

    it("keeps the APC of CMS's original layout (preamble, \"HCPCS Code\", \"SI\", \"APC\", \"Payment Rate\")", function()
      local r = assert(rc:import("opps", FIX .. "opps_addb_apc.csv", { edition = "2099Q1", from = "2099-01-01" }))
      assert.are.same({ 6, 5, 1 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      assert.matches("bad APC '56X3'", rejected(r)[10])
      assert.are.same({ "77402|S|5621|158.52", "77412|S|5623|662.41", "77427|B||", "77470|S|0612|200.23",
                        "C1717|U|2632|431.67" },
        sql(path, "SELECT code, status, apc, payment_rate FROM payment_status"
          .. " WHERE source = 'CMS OPPS Addendum B 2099Q1' ORDER BY code"))
      local o = rc:lookup("77412", { date = "2099-02-01", setting = "hospital" }).opps
      assert.are.same({ "S", "5623", "CMS OPPS Addendum B 2099Q1" }, { o.status, o.apc, o.source })
      assert.is_nil(rc:lookup("77427", { date = "2099-02-01", setting = "hospital" }).opps.apc)
      -- a later file without the column replaces the APCs of the same edition
      assert(rc:import("opps", FIX .. "opps_addb_small.csv", { edition = "2099Q1", from = "2099-01-01" }))
      assert.are.same({ "0" }, sql(path, "SELECT count(apc) FROM payment_status WHERE source = 'CMS OPPS Addendum B 2099Q1'"))
    end)
  end)

  describe("cpt-descriptors", function()
    it("adds the licensed text to known codes and creates unknown ones", function()
      local before = radcode.open():lookup("77407")
      local r = assert(rc:import("cpt-descriptors", FIX .. "cpt_descriptors.txt"))
      assert.are.equal("AMA CPT descriptors cpt_descriptors", r.source)
      assert.are.same({ 4, 2, 2 }, { r.rows_read, r.rows_kept, r.rows_rejected })
      local why = rejected(r)
      assert.matches("malformed code '7740'", why[4])
      assert.matches("no descriptor text for 77412", why[5])
      local known = rc:lookup("77407")
      assert.are.equal("Invented fixture text for an intermediate delivery code", known.descriptor)
      assert.are.same({ before.summary, before.family }, { known.summary, known.family })
      local new = assert(rc:lookup("77499"))
      assert.are.same({ "CPT", "other", "CPT code (official text imported)" }, { new.system, new.family, new.summary })
      assert.are.equal("77499", rc:search("invented fixture text uncurated")[1].code)
    end)
  end)

  describe("in one transaction", function()
    it("rolls everything back when a file of the list cannot be read", function()
      local ok, err = rc:import("ncci-ptp", { FIX .. "ptp_practitioner_f1.txt", dir .. "/vanished.txt" },
        { setting = "practitioner", edition = "v99.9" })
      assert.is_nil(ok)
      assert.matches("cannot open '.*vanished.txt'", err)
      assert.are.same({ "0" }, sql(path, "SELECT count(*) FROM ptp WHERE source = 'CMS NCCI PTP practitioner v99.9'"))
      assert.are.same({ "0" }, sql(path, "SELECT count(*) FROM datasets WHERE name = 'CMS NCCI PTP practitioner v99.9'"))
    end)

    it("keeps the previous rows of the dataset when its new import fails", function()
      assert(rc:import("ncci-ptp", FIX .. "ptp_practitioner_f2.txt", { setting = "practitioner", edition = "v99.9" }))
      local ok, err = rc:import("ncci-ptp", FIX .. "truncated.txt.gz", { setting = "practitioner", edition = "v99.9" })
      assert.is_nil(ok)
      assert.matches("gzip", err)
      assert.are.same({ "3" }, sql(path, "SELECT count(*) FROM ptp WHERE source = 'CMS NCCI PTP practitioner v99.9'"))
      assert.are.equal(1, #sql(path, "SELECT id FROM datasets WHERE name = 'CMS NCCI PTP practitioner v99.9'"))
    end)

    it("fails without a header line, and leaves the database as it was", function()
      local ok, err = rc:import("mue", FIX .. "aoc.csv", { setting = "practitioner" })
      assert.is_nil(ok)
      assert.matches("no header line naming the columns 'hcpcs', 'mue', 'mai'", err)
      ok, err = rc:import("hcpcs", FIX .. "aoc.csv")
      assert.is_nil(ok)
      assert.matches("no HCPCS records", err)
    end)
  end)

  describe("arguments", function()
    it("raises on a wrong kind, path, option key or setting", function()
      assert.has_error(function() rc:import("ptp", FIX .. "aoc.csv") end)
      assert.has_error(function() rc:import("aoc", 42) end)
      assert.has_error(function() rc:import("aoc", {}) end)
      assert.has_error(function() rc:import("aoc", { FIX .. "aoc.csv", 7 }) end)
      assert.has_error(function() rc:import("aoc", FIX .. "aoc.csv", { bogus = 1 }) end)
      assert.has_error(function() rc:import("aoc", FIX .. "aoc.csv", { edition = 2024 }) end)
      assert.has_error(function() rc:import("aoc", FIX .. "aoc.csv", { setting = "hospital" }) end)
      assert.has_error(function() rc:import("ncci-ptp", FIX .. "ptp_practitioner.csv") end)
      assert.has_error(function() rc:import("ncci-ptp", FIX .. "ptp_practitioner.csv", { setting = "dme" }) end)
      assert.has_error(function() rc.import(nil, "aoc", FIX .. "aoc.csv") end)
    end)

    it("gives nil and a message for a bad date or a missing file", function()
      local ok, err = rc:import("aoc", FIX .. "aoc.csv", { from = "2024-02-30" })
      assert.is_nil(ok)
      assert.matches("option 'from': impossible date", err)
      ok, err = rc:import("aoc", dir .. "/none.csv")
      assert.is_nil(ok)
      assert.matches("cannot open", err)
    end)
  end)
end)

describe("rc:import on the embedded default", function()
  it("refuses: the embedded data is read-only", function()
    local ok, err = radcode.open():import("aoc", FIX .. "aoc.csv")
    assert.is_nil(ok)
    assert.matches("the embedded default data is read%-only; open a database file", err)
  end)
end)

describe("rc:datasets", function()
  it("lists what has been loaded, with the dataset name the rows carry", function()
    local dir = H.tmpdir()
    local rc = assert(radcode.open({ db = new_db(dir) }))
    local r = assert(rc:import("aoc", FIX .. "aoc.csv", { edition = "2099Q1" }))
    local list = rc:datasets()
    local last = list[#list]
    assert.are.same({ r.dataset, "aoc", "aoc.csv", "CMS NCCI AOC 2099Q1", 7, 5, 2 },
      { last.id, last.kind, last.source, last.edition, last.rows_read, last.rows_kept, last.rows_rejected })
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT", last.loaded_at)
    assert.is_number(last.seconds)
    assert.are.equal("curated", radcode.open():datasets()[1].kind)
    rc:close()
    H.remove_tree(dir)
  end)
end)

describe("radcode import", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() H.remove_tree(dir) end)

  it("creates the database from the default data and reports the rejects", function()
    local db = dir .. "/new.db"
    local out, err, code = H.radcode({ "import", "mue", FIX .. "mue_practitioner.csv.gz", "--db", db,
      "--setting", "practitioner", "--edition", "2099Q1" })
    assert.are.equal(0, code, err)
    assert.matches("imported mue as 'CMS MUE practitioner 2099Q1'", out)
    assert.matches("read 8, kept 5, rejected 3", out)
    assert.matches("mue_practitioner.csv.gz:10: adjudication indicator", out)
    local rc = assert(radcode.open({ db = db }))
    assert.are.equal("77407", rc:lookup("77407").code)
    rc:close()
  end)

  it("loads several files at once and prints JSON", function()
    local db = dir .. "/new.db"
    local out, err, code = H.radcode({ "import", "ncci-ptp", FIX .. "ptp_practitioner_f1.txt",
      FIX .. "ptp_practitioner_f2.txt", "--db", db, "--setting", "hospital", "--json" })
    assert.are.equal(0, code, err)
    local r = radcode.json.decode(out)
    assert.are.same({ 12, 7 }, { r.rows_read, r.rows_kept })
  end)

  it("exits 2 on errors", function()
    local db = dir .. "/new.db"
    local cases = {
      { "import", "mue", FIX .. "mue_practitioner.csv" },                                   -- no --db
      { "import", "bogus", FIX .. "aoc.csv", "--db", db },                                  -- unknown kind
      { "import", "aoc", dir .. "/missing.csv", "--db", db },                               -- no file
      { "import", "ncci-ptp", FIX .. "ptp_practitioner.csv", "--db", db },                  -- no setting
      { "import", "aoc", FIX .. "aoc.csv", "--db", db, "--from", "soon" },                  -- bad date
      { "import", "aoc" },                                                                  -- no file
    }
    for _, args in ipairs(cases) do
      local _, err, code = H.radcode(args)
      assert.are.equal(2, code, table.concat(args, " "))
      assert.matches("^radcode: ", err)
    end
  end)
end)

describe("rc:import on the real CMS files", function()
  local dir, path, rc
  setup(function()
    dir = H.tmpdir()
    path = new_db(dir)
    rc = assert(radcode.open({ db = path }))
  end)
  teardown(function()
    rc:close()
    H.remove_tree(dir)
  end)

  local function real(name)
    local file = H.cms(name)
    if not file then pending("../shared/cms/" .. name .. " is not here") end
    return file
  end

  it("loads the full NCCI practitioner file (v30.1, 2.5 million rows)", function()
    local file = real("ncci_ptp_practitioner_v301.csv.gz")
    if not file then return end
    local rows, active = 2545089, 1669187
    -- RADCODE_VALGRIND=1 (make valgrind): SCALED DOWN. The full file takes
    -- over five minutes under memcheck, so this imports the same file cut
    -- (by native zcat/awk/gzip) to the radiation oncology rows (column 1
    -- 77xxx) and column 1 88108 (a pair with two indicator 9 rows):
    -- the same importer, gzip reader and checks, on 31,721 rows.
    if os.getenv("RADCODE_VALGRIND") == "1" then
      local cut = dir .. "/ncci_ptp_practitioner_v301.csv.gz"
      local _, err, code = H.run(("zcat %s | awk -F, 'NR == 1 || $1 ~ /^77/ || $1 == \"88108\"' | gzip -1 > %s")
        :format(H.quote(file), H.quote(cut)))
      assert(code == 0, err)
      file, rows, active = cut, 31721, 0
      local text = H.run("zcat " .. H.quote(cut))
      for _ in text:gmatch("\n[^,\n]*,[^,\n]*,[^,\n]*,%*,") do active = active + 1 end
    end
    local r = assert(rc:import("ncci-ptp", file, { setting = "practitioner" }))
    assert.are.equal("CMS NCCI PTP practitioner v30.1", r.source)
    -- rows with indicator 9 (deleted retroactively, they never applied) are
    -- skipped; counted here by native zcat/awk
    local nine = tonumber((H.run(("zcat %s | awk -F, '$5 == 9' | wc -l"):format(H.quote(file)))))
    assert.is_true(nine > 0)
    assert.are.same({ rows, rows - nine, 0, nine }, { r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped })
    print(("\n  NCCI PTP v30.1: %d rows in %.2f s, %.0f rows/s"):format(r.rows_read, r.seconds, r.rows_read / r.seconds))
    local q = "SELECT modifier FROM ptp WHERE setting = 'practitioner' AND valid_to IS NULL"
      .. " AND source = 'CMS NCCI PTP practitioner v30.1' AND col1 = '%s' AND col2 = '%s'"
    assert.are.same({ "0" }, sql(path, q:format("77301", "77295")))
    assert.are.same({ "1" }, sql(path, q:format("77290", "77280")))
    assert.are.same({ tostring(active) }, sql(path, "SELECT count(*) FROM ptp WHERE valid_to IS NULL"
      .. " AND source = 'CMS NCCI PTP practitioner v30.1'"))
    -- every code is packed (ptp_pack), and the packs made from the file's
    -- rows are those ptp_edit gives (a copy upgraded from schema 7 is
    -- packed anew from ptp_edit)
    local made, repacked = H.packs_and_repacked(path)
    assert.are.equal(tonumber(sql(path, "SELECT count(DISTINCT col1) FROM ptp_edit")[1]), #made)
    assert.is_true(#made == #repacked and table.concat(made, "\n") == table.concat(repacked, "\n"),
      "the import's packs differ from those made from ptp_edit")
  end)

  it("loads the MUE file: 77407 is 2 with MAI 3 for practitioners", function()
    local file = real("mue_2024q2.csv.gz")
    if not file then return end
    local r = assert(rc:import("mue", file))
    assert.are.same({ 32202, 32202, 0 }, { r.rows_read, r.rows_kept, r.rows_rejected })
    local m = rc:lookup("77407", { date = "2024-06-01", setting = "practitioner" }).mue
    assert.are.same({ 2, 3, "CMS MUE 2024Q2" }, { m.value, m.mai, m.source })
  end)

  it("loads the HCPCS 2019 file: G6003's official text", function()
    local file = real("hcpcs2019_anweb.txt.gz")
    if not file then return end
    local r = assert(rc:import("hcpcs", file))
    assert.are.equal("CMS HCPCS 2019", r.source)
    assert.are.equal(0, r.rows_rejected)
    local g = rc:lookup("G6003", { date = "2024-06-01" })
    assert.matches("^Radiation treatment delivery, single treatment area", g.descriptor)
    assert.are.equal("delivery", g.family)
  end)

  it("loads the AOC, RVU and OPPS files without rejects", function()
    local aoc, rvu, q4, q2 = real("aoc_2024q2.csv.gz"), real("pfs_rvu_2024a.csv.gz"),
      real("opps_addb_2025q4.csv.gz"), real("opps_addb_2026q2.csv.gz")
    if not (aoc and rvu and q4 and q2) then return end
    local a = assert(rc:import("aoc", aoc))
    assert.are.same({ 8186, 8186, 0 }, { a.rows_read, a.rows_kept, a.rows_rejected })
    local r = assert(rc:import("rvu", rvu))
    assert.are.same({ 18499, 0 }, { r.rows_read, r.rows_rejected })
    assert.are.equal("3", rc:lookup("77407", { date = "2024-06-01" }).pctc)
    assert(rc:import("opps", q4, { to = "2025-12-31" }))
    local o = assert(rc:import("opps", q2, { from = "2026-01-01" }))
    assert.are.equal(0, o.rows_rejected)
    assert.are.equal("B", rc:lookup("G6003", { date = "2025-06-02", setting = "hospital" }).payment_status)
  end)
end)

-- Issue 17, points 7-10: an import that keeps nothing changes nothing, line
-- ends and lines radcode cannot take are read or rejected (never a silent
-- cut or a crash), and paths hiding a zero byte are refused.
describe("imports that lose nothing", function()
  local dir, path, rc
  local AOC_2024 = "SELECT count(*) FROM aoc WHERE source = 'CMS NCCI AOC 2024Q2'"
  local PTP_HEAD = "Column 1,Column 2,*=in existence prior to 1996,Effective Date,Deletion Date,Modifier,PTP Edit Rationale"
  local function ptp_row(col1) return col1 .. ",77280,*,20200101,*,0,Misuse of column two code with column one code" end
  -- 77293 alone on a claim: the curated AOC rows deny it
  local LONE_ADDON = { id = "A-1", patient = "P-1", course = "P-1/c", payer = "acme", setting = "practitioner",
    diagnoses = { "C61" }, lines = { { code = "77293", date = "2025-06-02", units = 1 } } }
  local function addon_denied(handle)
    for _, f in ipairs(handle:check(LONE_ADDON).findings) do
      if f.edit == "addon" and f.severity == "deny" then return true end
    end
    return false
  end

  before_each(function()
    dir = H.tmpdir()
    path = new_db(dir)
    rc = assert(radcode.open({ db = path }))
  end)
  after_each(function()
    rc:close()
    H.remove_tree(dir)
  end)

  it("reads CR-only line ends as line ends (an old Mac file), in plain and in CRLF files alike", function()
    local lf = H.read(FIX .. "aoc.csv")
    H.write(dir .. "/aoc_cr.csv", (lf:gsub("\n", "\r")))
    H.write(dir .. "/aoc_crlf.csv", (lf:gsub("\n", "\r\n")))
    local want = assert(rc:import("aoc", FIX .. "aoc.csv", { edition = "2099Q1" }))
    for _, name in ipairs({ "aoc_cr.csv", "aoc_crlf.csv" }) do
      local r = assert(rc:import("aoc", dir .. "/" .. name, { edition = "2099Q1" }))
      assert.are.same({ want.rows_read, want.rows_kept, want.rows_rejected }, { r.rows_read, r.rows_kept, r.rows_rejected })
      assert.are.same(rejected(want), rejected(r))
    end
  end)

  it("fails a header-only file and changes nothing: the curated AOC rows stay", function()
    local before = sql(path, AOC_2024)[1]
    assert.is_true(tonumber(before) > 0)
    assert.is_true(addon_denied(rc))
    H.write(dir .. "/aoc_2024q2.csv", H.read(FIX .. "aoc.csv"):match("^[^\n]*\n"))
    local r, err = rc:import("aoc", dir .. "/aoc_2024q2.csv", { version = "2024Q2" })
    assert.is_nil(r)
    assert.matches("no rows kept of 0 read.*nothing was changed.*allow_empty", err)
    assert.are.same({ before }, sql(path, AOC_2024))
    assert.is_true(addon_denied(rc))
    -- allowed explicitly, it replaces the dataset with nothing
    r = assert(rc:import("aoc", dir .. "/aoc_2024q2.csv", { version = "2024Q2", allow_empty = true }))
    assert.are.equal(0, r.rows_kept)
    assert.are.same({ "0" }, sql(path, AOC_2024))
    assert.has_error(function() rc:import("aoc", FIX .. "aoc.csv", { allow_empty = "yes" }) end)
  end)

  it("fails when it rejects more rows than it keeps, naming the first reject", function()
    assert(rc:import("ncci-ptp", FIX .. "ptp_practitioner_f2.txt", { setting = "practitioner", edition = "v99.9" }))
    local before = sql(path, "SELECT count(*) FROM ptp WHERE source = 'CMS NCCI PTP practitioner v99.9'")
    H.write(dir .. "/mostly_bad.csv", table.concat({ PTP_HEAD, ptp_row("77300"), ptp_row("7730"), ptp_row("x"),
      ptp_row("77-01") }, "\n") .. "\n")
    local r, err = rc:import("ncci-ptp", dir .. "/mostly_bad.csv", { setting = "practitioner", edition = "v99.9" })
    assert.is_nil(r)
    assert.matches("more rows rejected %(3%) than kept %(1%) %(first reject: mostly_bad.csv:3: .*%); nothing was changed", err)
    assert.are.same(before, sql(path, "SELECT count(*) FROM ptp WHERE source = 'CMS NCCI PTP practitioner v99.9'"))
    r = assert(rc:import("ncci-ptp", dir .. "/mostly_bad.csv",
      { setting = "practitioner", edition = "v99.9", allow_empty = true }))
    assert.are.same({ 1, 3 }, { r.rows_kept, r.rows_rejected })
  end)

  it("rejects a line longer than 1 MiB with its line number and reads on", function()
    -- 3 MiB, and just over the cap (a line the reader's buffer still holds)
    H.write(dir .. "/long.csv", table.concat({ PTP_HEAD, ptp_row("77300"),
      ptp_row("77301") .. string.rep("x", 3 * 1024 * 1024), ptp_row("77302"),
      ptp_row("77304") .. string.rep("y", 1024 * 1024), ptp_row("77303") }, "\r\n"))
    local r = assert(rc:import("ncci-ptp", dir .. "/long.csv", { setting = "practitioner", edition = "v99.8" }))
    assert.are.same({ 5, 3, 2 }, { r.rows_read, r.rows_kept, r.rows_rejected })
    assert.matches("line is longer than 1 MiB", rejected(r)[3])
    assert.matches("line is longer than 1 MiB", rejected(r)[5])
    assert.are.same({ "77300", "77302", "77303" },
      sql(path, "SELECT col1 FROM ptp WHERE source = 'CMS NCCI PTP practitioner v99.8' ORDER BY 1"))
  end)

  it("rejects a line holding a zero byte with its line number, in a CSV field and in the HCPCS file", function()
    H.write(dir .. "/nul.csv", table.concat({ PTP_HEAD, ptp_row("77300"), ptp_row("77301") .. "\0tail",
      '77302,77280,*,20200101,*,0,"quoted\0"', ptp_row("77303") }, "\n") .. "\n")
    local r = assert(rc:import("ncci-ptp", dir .. "/nul.csv", { setting = "practitioner", edition = "v99.8" }))
    assert.are.same({ 4, 2, 2 }, { r.rows_read, r.rows_kept, r.rows_rejected })
    assert.matches("zero byte", rejected(r)[3])
    assert.matches("zero byte", rejected(r)[4])
    local hcpcs = H.read(FIX .. "hcpcs_anweb_small.txt")
    local n, lines = 0, {}
    for l in hcpcs:gmatch("[^\n]*\n?") do
      n = n + 1
      lines[n] = l
    end
    local last = #lines - (lines[#lines] == "" and 1 or 0)
    lines[last] = lines[last]:sub(1, 20) .. "\0" .. lines[last]:sub(22)
    H.write(dir .. "/hcpcs_nul.txt", table.concat(lines))
    r = assert(rc:import("hcpcs", dir .. "/hcpcs_nul.txt", { edition = "2099" }))
    assert.matches("zero byte", rejected(r)[last])
  end)

  it("reads a gzip bomb (one endless line) within a bounded buffer, rejecting the line", function()
    local status = io.open("/proc/self/status")
    if not status then pending("no /proc/self/status here") return end
    status:close()
    local gz = dir .. "/bomb.csv.gz"
    local _, err, code = H.run(("env -u LD_PRELOAD sh -c %s"):format(H.quote(
      ("{ printf '%%s\\n%%s\\n' %s %s; head -c 268435456 /dev/zero; printf '\\n%%s\\n' %s; } | gzip -1 > %s"):format(
        H.quote(PTP_HEAD), H.quote(ptp_row("77300")), H.quote(ptp_row("77302")), H.quote(gz)))))
    assert.are.equal(0, code, err)
    assert.is_true(#H.read(gz) < 2 * 1024 * 1024)
    -- in a child, whose peak memory is its own
    local out, cerr = H.lua_in(dir, ([[
      local radcode = require "radcode"
      local function hwm()
        for l in io.lines("/proc/self/status") do
          local kb = l:match("^VmHWM:%%s+(%%d+)")
          if kb then return tonumber(kb) end
        end
      end
      local rc = assert(radcode.open { db = %q })
      local before = hwm()
      local r, err = rc:import("ncci-ptp", %q, { setting = "practitioner", edition = "v99.7" })
      local grew = hwm() - before
      if not r then print("failed " .. tostring(err)) return end
      print(("grew %%d kept %%d rejected %%d line %%d %%s"):format(grew, r.rows_kept, r.rows_rejected,
        r.rejects[1] and r.rejects[1].line or 0, r.rejects[1] and r.rejects[1].reason or "-"))
    ]]):format(path, gz))
    local grew, kept, rejects, line, reason = out:match("^grew (%d+) kept (%d+) rejected (%d+) line (%d+) (.-)\n")
    assert(grew, out .. cerr)
    assert.is_true(tonumber(grew) < 64 * 1024, ("the import grew the process by %s KiB"):format(grew))
    assert.are.same({ "2", "1", "3" }, { kept, rejects, line })
    assert.matches("longer than 1 MiB", reason)
  end)

  it("refuses a path holding a zero byte (rc:import, rc:save) and writes nothing", function()
    assert.error_matches(function() rc:import("aoc", FIX .. "aoc.csv\0.gz") end, "a path contains a zero byte")
    assert.has_error(function() rc:import("aoc", { FIX .. "aoc.csv", FIX .. "aoc.csv\0" }) end)
    local ok, err = pcall(rc.save, rc, dir .. "/x.db\0.tmp")
    assert.is_false(ok)
    assert.matches("zero byte", err)
    assert.is_nil(io.open(dir .. "/x.db"))
    assert.is_nil(io.open(dir .. "/x.db-journal"))
  end)

  it("refuses an empty history path rather than making a '-turn' file where it runs", function()
    local cwd = H.root
    local h, err = radcode.open({ history = "" })
    assert.is_nil(h)
    assert.matches("cannot open history '': the path is empty", err, 1, true)
    assert.is_nil(io.open(cwd .. "/-turn"))
    local _, stderr, code = H.run(("cd %s && RADCODE_BUILD=%s lua5.4 %s/bin/radcode check --history '' %s"):format(
      H.quote(dir), H.quote(H.abs_build), H.quote(H.root), H.quote(H.root .. "/examples/sbrt_lung.json")))
    assert.are.equal(2, code)
    assert.matches("the path is empty", stderr, 1, true)
    assert.is_nil(io.open(dir .. "/-turn"))
  end)

  it("refuses a history that is not a regular file, leaving nothing beside it", function()
    local fifo = dir .. "/fifo"
    local _, _, code = H.run("env -u LD_PRELOAD mkfifo " .. H.quote(fifo))
    assert.are.equal(0, code)
    for _, p in ipairs({ "/dev/null", fifo, dir }) do
      local h, err = radcode.open({ history = p })
      assert.is_nil(h)
      assert.matches("cannot open history '.*': " .. (p == dir and "it is a directory" or "not a regular file"), err)
    end
    local out = H.run("env -u LD_PRELOAD ls -a " .. H.quote(dir))
    assert.is_nil(out:match("fifo%-"), out)
    assert.is_nil(out:match("%-turn"), out)
    assert.is_nil(out:match("%-journal"), out)
  end)
end)

describe("radcode import that keeps nothing", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() H.remove_tree(dir) end)

  local function leftovers(db)
    local found = {}
    for _, suffix in ipairs({ "", "-journal", "-wal", "-shm" }) do
      local f = io.open(db .. suffix)
      if f then
        f:close()
        found[#found + 1] = db .. suffix
      end
    end
    return found
  end

  it("fails into a new database and leaves no file behind", function()
    local db, header = dir .. "/new.db", dir .. "/header.csv"
    H.write(header, H.read(FIX .. "aoc.csv"):match("^[^\n]*\n"))
    local _, err, code = H.radcode({ "import", "aoc", header, "--db", db })
    assert.are.equal(2, code)
    assert.matches("^radcode: import aoc: no rows kept", err)
    assert.are.same({}, leftovers(db))
    -- a file that cannot be read either
    _, err, code = H.radcode({ "import", "ncci-ptp", FIX .. "truncated.txt.gz", "--db", db, "--setting", "practitioner" })
    assert.are.equal(2, code, err)
    assert.are.same({}, leftovers(db))
  end)

  it("exits non-zero when every row was rejected, even when allowed", function()
    local db, bad = dir .. "/new.db", dir .. "/bad.csv"
    H.write(bad, H.read(FIX .. "aoc.csv"):match("^[^\n]*\n") .. "7729,77295,1,,,2014,,\nxx,77293,1,,,2014,,\n")
    local _, err, code = H.radcode({ "import", "aoc", bad, "--db", db, "--edition", "2099Q1" })
    assert.are.equal(2, code)
    assert.matches("no rows kept of 2 read %(2 rejected", err)
    local out
    out, err, code = H.radcode({ "import", "aoc", bad, "--db", db, "--edition", "2099Q1", "--allow-empty" })
    assert.are.equal(1, code)
    assert.matches("kept 0, rejected 2", out)
    assert.matches("every row was rejected", err)
    -- a header-only file, allowed, empties the dataset and succeeds
    H.write(bad, H.read(FIX .. "aoc.csv"):match("^[^\n]*\n"))
    out, err, code = H.radcode({ "import", "aoc", bad, "--db", db, "--edition", "2099Q1", "--allow-empty" })
    assert.are.equal(0, code, err)
    assert.matches("kept 0, rejected 0", out)
  end)
end)
