-- radcode.open and the handle's life: the embedded default, a user's
-- database file, close/__gc/__close, use after close, and bad databases.
local radcode = require "radcode"
local H = require "helper"

describe("radcode.open", function()
  local dir
  setup(function() dir = H.tmpdir() end)
  teardown(function() H.remove_tree(dir) end)

  it("opens the embedded default dataset with no argument", function()
    local rc = assert(radcode.open())
    assert.are.equal("radcode.Handle", getmetatable(rc).__name)
    assert.matches("embedded default data", tostring(rc))
    assert.are.equal("delivery", rc:lookup("77407").family)
    rc:close()
  end)

  it("works from any directory, reading no data file at run time", function()
    -- A copy of the module and the Lua files, far from data/ and build/.
    local copy = dir .. "/elsewhere"
    assert(os.execute(("mkdir -p %s/radcode && cp %s/radcode/core.so %s/radcode/ && cp -r %s/lua %s/"):format(
      H.quote(copy), H.quote(H.abs_build), H.quote(copy), H.quote(H.root), H.quote(copy))))
    local out, err, code = H.run(("cd %s && LUA_PATH='./lua/?.lua;./lua/?/init.lua' LUA_CPATH='./?.so' lua5.4 -e %s"):format(
      H.quote(copy), H.quote('print(require("radcode").open():lookup("77407").family)')))
    assert.are.equal(0, code, err)
    assert.are.equal("delivery\n", out)
  end)

  it("opens a user's database of the same schema", function()
    local path = dir .. "/copy.db"
    local rc = assert(radcode.open())
    assert.is_true(rc:save(path))
    rc:close()
    local user = assert(radcode.open({ db = path }))
    assert.matches("copy.db", tostring(user))
    assert.are.same(radcode.open():lookup("77385", { date = "2025-06-02" }),
      user:lookup("77385", { date = "2025-06-02" }))
    user:close()
  end)

  it("refuses to overwrite a file when saving", function()
    local path = dir .. "/exists.db"
    H.write(path, "x")
    local ok, err = radcode.open():save(path)
    assert.is_nil(ok)
    assert.matches("cannot save to", err)
  end)

  it("says why a database cannot be used", function()
    local missing, err1 = radcode.open({ db = dir .. "/missing.db" })
    assert.is_nil(missing)
    assert.matches("cannot open database", err1)

    H.write(dir .. "/text.db", string.rep("not a database\n", 100))
    local text, err2 = radcode.open({ db = dir .. "/text.db" })
    assert.is_nil(text)
    assert.matches("text.db", err2)

    H.write(dir .. "/empty.db", "")
    local empty, err3 = radcode.open({ db = dir .. "/empty.db" })
    assert.is_nil(empty)
    assert.matches("not a radcode database", err3)
  end)

  it("refuses a database of another schema version", function()
    local path = dir .. "/old.db"
    radcode.open():save(path)
    local _, _, code = H.run("sqlite3 " .. H.quote(path) .. " \"UPDATE meta SET value = '999' WHERE key = 'schema_version'\"")
    assert.are.equal(0, code)
    local rc, err = radcode.open({ db = path })
    assert.is_nil(rc)
    assert.matches("schema version 999, this radcode reads version " .. radcode.schema_version, err, 1, true)
  end)

  it("sizes the page cache with cache_mb: the same answers, bad sizes refused", function()
    local path = dir .. "/cache.db"
    local plain = assert(radcode.open())
    assert(plain:save(path))
    local claim = { id = "c", setting = "practitioner", diagnoses = { "C61" },
                    lines = { { code = "77301", date = "2025-03-03", units = 1 }, { code = "77300", date = "2025-03-03", units = 3 },
                              { code = "77014", date = "2025-03-03", units = 1, modifiers = { "59" } } } }
    local expected = plain:check(claim)
    plain:close()
    for _, mb in ipairs({ 1, 32, 4096 }) do
      local rc = assert(radcode.open({ db = path, cache_mb = mb }))
      assert.same(expected, rc:check(claim))
      rc:close()
    end
    local rc = assert(radcode.open({ cache_mb = 8 }))   -- the embedded image takes it too
    assert.same(expected, rc:check(claim))
    rc:close()
    for _, bad in ipairs({ 0, -1, 4097, 1.5, "32", true }) do
      local ok, err = pcall(radcode.open, { db = path, cache_mb = bad })
      assert.is_false(ok)
      assert.matches("option 'cache_mb' must be", err)
    end
  end)

  it("raises on wrong argument types and unknown options", function()
    assert.has_error(function() radcode.open("cms.db") end)
    assert.has_error(function() radcode.open({ db = 5 }) end)
    assert.has_error(function() radcode.open({ database = "x.db" }) end,
      "bad argument #1 to 'open' (unknown option 'database')")
    assert.has_error(function() radcode.open():save() end)
  end)
end)

describe("a radcode handle", function()
  it("closes idempotently", function()
    local rc = radcode.open()
    assert.is_true(rc:close())
    assert.is_true(rc:close())
    assert.is_false(rc:is_open())
    assert.are.equal("radcode handle (closed)", tostring(rc))
  end)

  it("gives a clear error when used after close", function()
    local rc = radcode.open()
    rc:close()
    assert.has_error(function() rc:lookup("77407") end, "attempt to use a closed radcode handle")
    assert.has_error(function() rc:search("proton") end, "attempt to use a closed radcode handle")
    assert.has_error(function() rc:save("/tmp/never.db") end, "attempt to use a closed radcode handle")
  end)

  it("closes as a <close> variable", function()
    local kept
    do
      local rc <close> = radcode.open()
      kept = rc
      assert.is_true(kept:is_open())
    end
    assert.is_false(kept:is_open())
  end)

  it("closes when an error leaves a <close> scope", function()
    local kept
    local ok = pcall(function()
      local rc <close> = radcode.open()
      kept = rc
      error("boom")
    end)
    assert.is_false(ok)
    assert.is_false(kept:is_open())
  end)

  it("is collected without being closed first", function()
    for _ = 1, 50 do radcode.open():lookup("77407") end
    collectgarbage()
    collectgarbage()
    assert.is_true(radcode.open():is_open())
  end)

  it("refuses to be forged from another userdata", function()
    assert.has_error(function() radcode.open().lookup(io.stdout, "77407") end)
  end)
end)
