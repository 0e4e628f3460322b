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
