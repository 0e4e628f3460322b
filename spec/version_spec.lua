-- The specs run under Lua 5.4, and the version lives in one place.
local radcode = require "radcode"
local H = require "helper"

describe("the test run", function()
  it("runs under Lua 5.4", function()
    assert.are.equal("Lua 5.4", _VERSION)
  end)
end)

describe("radcode.version", function()
  it("is the Makefile's VERSION, reaching Lua through the C define", function()
    local makefile = assert(io.open(H.root .. "/Makefile")):read("a")
    local version = assert(makefile:match("\nVERSION%s*=%s*([%d.]+)"))
    assert.are.equal(version, radcode.version)
    assert.are.equal(version, require("radcode.core").version)
  end)

  it("names the schema version the module reads", function()
    assert.matches("^%d+$", radcode.schema_version)
  end)
end)

-- The curated data's identity (issue 18): a user's database knows which
-- curated data it holds, so that a newer module can bring it up to its own.
describe("the curated data's stamp", function()
  local function meta(path, key)
    local out, err, code = H.run(("unset LD_PRELOAD; sqlite3 %s %s"):format(H.quote(path),
      H.quote(("SELECT value FROM meta WHERE key = '%s'"):format(key))))
    assert(code == 0, err)
    return (out:gsub("%s+$", ""))
  end

  local function mkdb(dir, out)
    local _, err, code = H.run(("unset LD_PRELOAD; cd %s && %s/build/tools/mkdb %s data/schema.sql $(ls data/*.tsv | sort) $(ls data/national/*.tsv | sort)")
      :format(H.quote(dir), H.quote(H.root), H.quote(out)))
    assert(code == 0, err)
    return meta(out, "curated_id")
  end

  it("is in the embedded data and in every database saved from it", function()
    local dir = H.tmpdir()
    local rc = assert(radcode.open())
    assert(rc:save(dir .. "/saved.db"))
    rc:close()
    local id = meta(dir .. "/saved.db", "curated_id")
    assert.matches("^%x+$", id)
    assert.are.equal(radcode.schema_version, meta(dir .. "/saved.db", "schema_version"))
    local r = assert(radcode.upgrade(dir .. "/saved.db"))
    assert.is_false(r.upgraded)
    assert.are.equal(id, r.from.curated_id)
    assert.are.equal(id, r.to.curated_id)
    assert.are.equal(radcode.version, r.to.radcode_version)
    H.remove_tree(dir)
  end)

  it("names the data: the same files give the same stamp, one changed row another", function()
    local dir = H.tmpdir()
    local _, err, code = H.run(("unset LD_PRELOAD; cp -r %s/data %s/data"):format(H.quote(H.root), H.quote(dir)))
    assert(code == 0, err)
    local rc = assert(radcode.open())
    assert(rc:save(dir .. "/embedded.db"))
    rc:close()
    local embedded = meta(dir .. "/embedded.db", "curated_id")
    assert.are.equal(embedded, mkdb(dir, dir .. "/same.db"))
    local f = assert(io.open(dir .. "/data/synonyms.tsv", "ab"))
    f:write("# a maintainer's note\n")
    f:close()
    assert.are_not.equal(embedded, mkdb(dir, dir .. "/changed.db"))
    H.remove_tree(dir)
  end)
end)
