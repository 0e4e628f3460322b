-- User databases follow the module (issue 18): a database saved by an older
-- radcode, with CMS files imported into it, opened by this radcode has this
-- release's curated rows and keeps the imports; a read-only one is read with
-- this release's curated rows in memory; an older schema is migrated; a
-- failed upgrade changes nothing; `radcode db upgrade PATH` does it on request.
local radcode = require "radcode"
local H = require "helper"

local PTP = H.root .. "/spec/fixtures/import/ptp_practitioner_f1.txt"
local IMPORTED = "CMS NCCI PTP practitioner v99.9"
local CURATED_PTP = "CMS NCCI PTP practitioner v30.1"
-- a classification that needs the fact motion_management
local FACTS = { service = "delivery", date = "2026-03-02", setting = "hospital", technique = "imrt",
  motion_management = "breath_hold" }

local sql = H.sql

local function one(path, query)
  return sql(path, query)[1]
end

local function bytes(path)
  local f = assert(io.open(path, "rb"))
  local b = f:read("a")
  f:close()
  return b
end

--- A database as this radcode saves it, with a small PTP file imported
-- (as dataset `edition`, default v99.9).
local function saved(path, edition)
  local rc = assert(radcode.open())
  assert(rc:save(path))
  rc:close()
  rc = assert(radcode.open { db = path })
  assert(rc:import("ncci-ptp", PTP, { setting = "practitioner", edition = edition or "v99.9" }))
  rc:close()
end

--- Makes it look like last year's release wrote it: the curated code 77412
-- and the fact motion_management did not exist yet, a summary said other
-- words, and the release stamped no curated data.
local function make_old(path)
  sql(path, "DELETE FROM codes WHERE code = '77412'",
    "DELETE FROM classify_facts WHERE name = 'motion_management'",
    "UPDATE synonyms SET expansion = 'last year' WHERE rowid = (SELECT min(rowid) FROM synonyms)",
    "DELETE FROM meta WHERE key = 'curated_id'",
    "UPDATE meta SET value = '0.0.9' WHERE key = 'radcode_version'")
end

local function curated_id()
  local dir = H.tmpdir()
  local rc = assert(radcode.open())
  assert(rc:save(dir .. "/fresh.db"))
  rc:close()
  local id = one(dir .. "/fresh.db", "SELECT value FROM meta WHERE key = 'curated_id'")
  H.remove_tree(dir)
  return id
end

describe("an old-release database opened by this radcode", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() H.remove_tree(dir) end)

  it("sees this release's curated code and fact, and keeps the imported rows", function()
    local path = dir .. "/old.db"
    saved(path)
    local expansion = one(path, "SELECT expansion FROM synonyms WHERE rowid = (SELECT min(rowid) FROM synonyms)")
    make_old(path)
    local rc = assert(radcode.open { db = path })
    local code = rc:lookup("77412")
    assert.is_table(code, "77412 unknown after the upgrade")
    assert.are.equal("delivery", code.family)
    local ok, r = pcall(rc.classify, rc, FACTS)
    assert(ok, tostring(r))
    assert.is_table(r)
    local found
    for _, d in ipairs(rc:datasets()) do
      if d.name == IMPORTED then found = d end
    end
    assert.is_table(found, "the imported dataset is gone")
    assert.are.equal(4, found.rows_kept)
    rc:close()
    -- the upgrade is in the file: imported PTP rows, curated rows, stamp
    assert.are.equal("4", one(path, ("SELECT count(*) FROM ptp WHERE source = '%s'"):format(IMPORTED)))
    assert.is_true(tonumber(one(path, ("SELECT count(*) FROM ptp WHERE source = '%s'"):format(CURATED_PTP))) > 1000)
    assert.are.equal(expansion, one(path, "SELECT expansion FROM synonyms WHERE rowid = (SELECT min(rowid) FROM synonyms)"))
    assert.are.equal(curated_id(), one(path, "SELECT value FROM meta WHERE key = 'curated_id'"))
    assert.are.equal(radcode.version, one(path, "SELECT value FROM meta WHERE key = 'radcode_version'"))
    assert.are.equal("ok", one(path, "PRAGMA integrity_check"))
    -- the search index follows the codes
    rc = assert(radcode.open { db = path })
    local hits = assert(rc:search("77412"))
    assert.are.equal("77412", hits[1] and hits[1].code)
    rc:close()
  end)

  it("keeps the user's rows of a dataset the release also ships (the import replaced them)", function()
    local path = dir .. "/same.db"
    saved(path, "v30.1")
    assert.are.equal("4", one(path, ("SELECT count(*) FROM ptp WHERE source = '%s'"):format(CURATED_PTP)))
    make_old(path)
    local rc = assert(radcode.open { db = path })
    assert.is_table(rc:lookup("77412"))
    rc:close()
    assert.are.equal("4", one(path, ("SELECT count(*) FROM ptp WHERE source = '%s'"):format(CURATED_PTP)))
    assert.are.equal("1", one(path, ("SELECT count(*) FROM datasets WHERE name = '%s'"):format(CURATED_PTP)))
    assert.are.equal("ncci-ptp", one(path, ("SELECT kind FROM datasets WHERE name = '%s' AND source <> 'curated data (data/*.tsv)'"):format(CURATED_PTP)))
  end)

  it("keeps the curated codes that cite an edition the user imported (the import named none of them anew)", function()
    local path = dir .. "/codes.db"
    saved(path, "v30.1")
    local citing = one(path, ("SELECT count(*) FROM codes WHERE source = '%s'"):format(CURATED_PTP))
    local all = one(path, "SELECT count(*) FROM codes")
    local first = one(path, ("SELECT min(code) FROM codes WHERE source = '%s'"):format(CURATED_PTP))
    assert.is_true(tonumber(citing) > 0)
    make_old(path)
    local rc = assert(radcode.open { db = path })
    local code = rc:lookup(first)
    rc:close()
    assert.is_table(code, "a curated code citing the imported edition is gone")
    assert.are.equal(citing, one(path, ("SELECT count(*) FROM codes WHERE source = '%s'"):format(CURATED_PTP)))
    assert.are.equal(all, one(path, "SELECT count(*) FROM codes"))
  end)

  it("takes this release's curated modifiers, limits and editions when the user imported the HCPCS edition they cite", function()
    local path = dir .. "/modifiers.db"
    saved(path)
    local rc = assert(radcode.open { db = path })
    assert(rc:import("hcpcs", H.root .. "/spec/fixtures/import/hcpcs_anweb_small.txt", { edition = "2019" }))
    rc:close()
    local meaning = one(path, "SELECT meaning FROM modifiers WHERE modifier = 'AA'")
    assert.are.equal("CMS HCPCS 2019", one(path, "SELECT source FROM modifiers WHERE modifier = 'AE'"))
    -- last year's release: other words for AA, no AE yet
    make_old(path)
    sql(path, "UPDATE modifiers SET meaning = 'last year' WHERE modifier = 'AA'", "DELETE FROM modifiers WHERE modifier = 'AE'",
      -- an end date the import gave a curated modifier (the release gives none)
      "UPDATE modifiers SET terminated = '2030-12-31' WHERE modifier = 'A1' AND terminated IS NULL",
      -- curated rows of tables no import writes that cite the edition: other limits, no edition row
      "UPDATE frequency_limits SET max_units = 99 WHERE source = 'CMS HCPCS 2019'",
      "DELETE FROM editions WHERE source = 'CMS HCPCS 2019'")
    assert(radcode.open { db = path }):close()
    assert.are.equal("0", one(path, "SELECT count(*) FROM frequency_limits WHERE max_units = 99"))
    assert.are.equal(one(path, "SELECT count(*) FROM frequency_limits WHERE source = 'CMS HCPCS 2019'"), "2")
    assert.are.equal("1", one(path, "SELECT count(*) FROM editions WHERE source = 'CMS HCPCS 2019'"))
    assert.are.equal("2030-12-31", one(path, "SELECT terminated FROM modifiers WHERE modifier = 'A1'"))
    assert.are.equal(meaning, one(path, "SELECT meaning FROM modifiers WHERE modifier = 'AA'"))
    assert.are.equal("1", one(path, "SELECT count(*) FROM modifiers WHERE modifier = 'AE'"))
  end)

  it("keeps a descriptor an import gave a curated code when the codes table is rebuilt (a schema change)", function()
    local path = dir .. "/descriptor.db"
    saved(path)
    make_old(path)
    sql(path, "UPDATE codes SET descriptor = 'licensed text' WHERE code = '77407'",
      "ALTER TABLE codes DROP COLUMN keywords",
      ("UPDATE meta SET value = '%d' WHERE key = 'schema_version'"):format(tonumber(radcode.schema_version) - 1))
    local rc = assert(radcode.open { db = path })
    local code = assert(rc:lookup("77407"))
    rc:close()
    assert.are.equal("licensed text", code.descriptor)
    assert.are.equal("1", one(path, "SELECT count(*) FROM pragma_table_info('codes') WHERE name = 'keywords'"))
  end)

  it("keeps rows added by hand whose source a datasets row records; others count as curated", function()
    local path = dir .. "/hand.db"
    saved(path)
    make_old(path)
    sql(path, "INSERT INTO ptp (col1, col2, setting, valid_from, valid_to, modifier, rationale, source) VALUES"
      .. " ('77300', '99999', 'practitioner', '2025-01-01', NULL, 1, 'ours', 'clinic edits')",
      "INSERT INTO ptp (col1, col2, setting, valid_from, valid_to, modifier, rationale, source) VALUES"
      .. " ('77300', '99998', 'practitioner', '2025-01-01', NULL, 1, 'ours', 'unrecorded edits')",
      "INSERT INTO datasets (kind, source, name, rows_read, rows_kept, rows_rejected, loaded_at, seconds)"
      .. " VALUES ('local', 'typed in', 'clinic edits', 1, 1, 0, '2026-01-05T00:00:00Z', 0)")
    assert(radcode.open { db = path }):close()
    assert.are.equal("1", one(path, "SELECT count(*) FROM ptp WHERE source = 'clinic edits'"))
    assert.are.equal("0", one(path, "SELECT count(*) FROM ptp WHERE source = 'unrecorded edits'"))
  end)

  it("takes this release's curated rows when its stamp names other curated data", function()
    local path = dir .. "/stamp.db"
    saved(path)
    sql(path, "DELETE FROM codes WHERE code = '77412'", "UPDATE meta SET value = 'last-year' WHERE key = 'curated_id'")
    local rc = assert(radcode.open { db = path })
    assert.is_table(rc:lookup("77412"))
    rc:close()
    assert.are.equal(curated_id(), one(path, "SELECT value FROM meta WHERE key = 'curated_id'"))
  end)

  it("a code an import named (family other) becomes the module's curated code", function()
    local path = dir .. "/named.db"
    saved(path)
    make_old(path)
    sql(path, ("INSERT INTO codes (code, system, family, summary, descriptor, effective, source) VALUES"
      .. " ('77412', 'CPT', 'other', 'CPT code (no radcode summary)', 'licensed text', '2015-01-01', '%s')"):format(IMPORTED))
    local rc = assert(radcode.open { db = path })
    local code = assert(rc:lookup("77412"))
    assert.are.equal("delivery", code.family)
    rc:close()
    assert.are.equal("licensed text", one(path, "SELECT descriptor FROM codes WHERE code = '77412'"))
  end)

  it("a read-only file: this release's curated rows in memory, the file unchanged, imports refused", function()
    local path = dir .. "/ro.db"
    saved(path)
    make_old(path)
    local before = bytes(path)
    local rc = assert(radcode.open { db = "file:" .. path .. "?mode=ro" })
    assert.is_table(rc:lookup("77412"))
    local ok, r = pcall(rc.classify, rc, FACTS)
    assert(ok, tostring(r))
    local found
    for _, d in ipairs(rc:datasets()) do
      if d.name == IMPORTED then found = d end
    end
    assert.are.equal(4, found and found.rows_kept)
    local imported, err = rc:import("ncci-ptp", PTP, { setting = "practitioner", edition = "v100" })
    assert.is_nil(imported)
    assert.matches("readonly", err)
    rc:close()
    assert.are.equal(before, bytes(path))
    local up, why = radcode.upgrade("file:" .. path .. "?mode=ro")
    assert.is_nil(up)
    assert.matches("read%-only.*radcode db upgrade", why)
    assert.are.equal(before, bytes(path))
  end)

  it("a database of the previous schema version is migrated, its imports kept", function()
    local path = dir .. "/previous.db"
    local previous = tonumber(radcode.schema_version) - 1
    saved(path)
    make_old(path)
    -- what an older schema lacked: a column of a mixed table, a whole table,
    -- a column of a curated table
    sql(path, "ALTER TABLE payment_status DROP COLUMN payment_rate", "DROP TABLE revenue_codes",
      "ALTER TABLE related DROP COLUMN note",
      ("UPDATE meta SET value = '%d' WHERE key = 'schema_version'"):format(previous))
    local rc, err = radcode.open { db = path }
    assert(rc, err)
    assert.is_table(rc:lookup("77412"))
    rc:close()
    assert.are.equal(radcode.schema_version, one(path, "SELECT value FROM meta WHERE key = 'schema_version'"))
    assert.is_true(tonumber(one(path, "SELECT count(*) FROM revenue_codes")) > 0)
    assert.are.equal("1", one(path, "SELECT count(*) FROM pragma_table_info('payment_status') WHERE name = 'payment_rate'"))
    assert.is_true(tonumber(one(path, "SELECT count(*) FROM payment_status WHERE payment_rate IS NOT NULL")) > 0)
    assert.is_true(tonumber(one(path, "SELECT count(*) FROM related WHERE note IS NOT NULL")) > 0)
    assert.are.equal("4", one(path, ("SELECT count(*) FROM ptp WHERE source = '%s'"):format(IMPORTED)))
    assert.are.equal("ok", one(path, "PRAGMA integrity_check"))
    -- the PTP view and its triggers are back: an import writes through them
    rc = assert(radcode.open { db = path })
    assert(rc:import("ncci-ptp", PTP, { setting = "practitioner", edition = "v100" }))
    rc:close()
  end)

  it("a migration keeps the user's own view and trigger on a table it rebuilds", function()
    local path = dir .. "/own.db"
    saved(path)
    make_old(path)
    sql(path, "CREATE VIEW my_codes AS SELECT code, summary FROM codes WHERE family = 'delivery'",
      "CREATE TABLE my_log (code TEXT)",
      "CREATE TRIGGER my_related AFTER INSERT ON related BEGIN INSERT INTO my_log VALUES (NEW.code); END",
      "ALTER TABLE codes DROP COLUMN keywords", "ALTER TABLE related DROP COLUMN note",
      ("UPDATE meta SET value = '%d' WHERE key = 'schema_version'"):format(tonumber(radcode.schema_version) - 1))
    local rc, err = radcode.open { db = path }
    assert(rc, err)
    rc:close()
    assert.are.equal(radcode.schema_version, one(path, "SELECT value FROM meta WHERE key = 'schema_version'"))
    assert.are.equal(one(path, "SELECT count(*) FROM codes WHERE family = 'delivery'"), one(path, "SELECT count(*) FROM my_codes"))
    assert.are.equal("related", one(path, "SELECT tbl_name FROM sqlite_schema WHERE name = 'my_related'"))
    assert.are.equal("ok", one(path, "PRAGMA integrity_check"))
    assert.are.equal("0", one(path, "SELECT count(*) FROM sqlite_schema WHERE sql LIKE '%rc_old_%'"))
  end)

  it("a database without curated data (made from data/schema.sql) gets only the schema, and a search index of its codes", function()
    local path = dir .. "/bare.db"
    local _, err, code = H.run(("sqlite3 %s < %s"):format(H.quote(path), H.quote(H.root .. "/data/schema.sql")))
    assert(code == 0, err)
    sql(path, "DROP TABLE revenue_codes", "DROP TABLE code_search", ("INSERT INTO meta VALUES ('schema_version', '%d'), ('radcode_version', 'hand')")
      :format(tonumber(radcode.schema_version) - 1),
      "INSERT INTO codes (code, system, family, summary, effective, source) VALUES"
      .. " ('99999', 'CPT', 'other', 'a code of my own', '2020-01-01', 'my list')")
    local rc, why = radcode.open { db = path }
    assert(rc, why)
    assert.is_nil(rc:lookup("77407"))
    assert.is_table(rc:lookup("99999"))
    local hits = assert(rc:search("own"))
    assert.are.equal("99999", hits[1] and hits[1].code, "the remade search index is empty")
    rc:close()
    assert.are.equal(radcode.schema_version, one(path, "SELECT value FROM meta WHERE key = 'schema_version'"))
    assert.are.equal("0", one(path, "SELECT count(*) FROM revenue_codes"))
    assert.are.equal("1", one(path, "SELECT count(*) FROM codes"))
  end)

  it("a schema too old to migrate, or newer: the message says exactly what to do", function()
    local path = dir .. "/ancient.db"
    saved(path)
    sql(path, "UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    local before = bytes(path)
    local rc, err = radcode.open { db = path }
    assert.is_nil(rc)
    assert.matches("ancient.db: schema version 2, this radcode reads version " .. radcode.schema_version
      .. "; make a new database with this radcode (radcode.open():save(path)) and import your files again"
      .. " (databases of schema version ", err, 1, true)
    assert.matches("and later are migrated when opened)", err, 1, true)
    assert.are.equal(before, bytes(path))
    sql(path, "UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    rc, err = radcode.open { db = path }
    assert.is_nil(rc)
    assert.matches("import your files again, or use the newer radcode that wrote it", err, 1, true)
  end)

  it("a failed upgrade changes nothing and says why", function()
    local path = dir .. "/fails.db"
    saved(path)
    make_old(path)
    sql(path, "CREATE TRIGGER no_new_codes BEFORE INSERT ON codes BEGIN"
      .. " SELECT RAISE(ABORT, 'this office adds no codes'); END")
    local before = bytes(path)
    local rc, err = radcode.open { db = path }
    assert.is_nil(rc)
    assert.matches("fails.db: cannot bring the database up to this radcode's data", err, 1, true)
    assert.matches("this office adds no codes", err, 1, true)
    assert.matches("the file is unchanged", err, 1, true)
    assert.are.equal(before, bytes(path))
    local up, why = radcode.upgrade(path)
    assert.is_nil(up)
    assert.matches("this office adds no codes", why, 1, true)
    assert.are.equal(before, bytes(path))
  end)
end)

describe("radcode db upgrade", function()
  local dir
  before_each(function() dir = H.tmpdir() end)
  after_each(function() H.remove_tree(dir) end)

  it("upgrades an old-release database, then says it is current", function()
    local path = dir .. "/cli.db"
    saved(path)
    make_old(path)
    local out, err, code = H.radcode { "db", "upgrade", path }
    assert.are.equal(0, code, err)
    assert.matches("cli.db: upgraded from radcode 0.0.9", out, 1, true)
    assert.matches("1 imported dataset kept", out, 1, true)
    assert.are.equal("delivery", one(path, "SELECT family FROM codes WHERE code = '77412'"))
    out, err, code = H.radcode { "db", "upgrade", path, "--json" }
    assert.are.equal(0, code, err)
    local r = radcode.json.decode(out)
    assert.is_false(r.upgraded)
    assert.are.equal(1, r.imports)
    assert.are.equal(curated_id(), r.to.curated_id)
  end)

  it("refuses a missing file and a bad word with exit code 2", function()
    local _, err, code = H.radcode { "db", "upgrade", dir .. "/none.db" }
    assert.are.equal(2, code)
    assert.matches("no such file", err)
    _, err, code = H.radcode { "db", "grade", dir .. "/none.db" }
    assert.are.equal(2, code)
    assert.matches("usage: radcode db upgrade PATH", err, 1, true)
  end)
end)
