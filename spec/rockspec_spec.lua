-- The rockspec installs every Lua file of the tree: a module added to
-- lua/radcode/ but not to rockspec/radcode-scm-1.rockspec would work in the
-- checkout and be missing from an installed radcode.
local H = require "helper"

local ROCKSPEC = H.root .. "/rockspec/radcode-scm-1.rockspec"

-- The rockspec's build.install.lua table: module name -> file.
local function rockspec_modules()
  local env = {}
  assert(loadfile(ROCKSPEC, "t", env))()
  return assert(env.build and env.build.install and env.build.install.lua, "rockspec has no build.install.lua")
end

-- Every lua/radcode/**/*.lua file, as the module name it provides.
local function tree_modules()
  local out = H.run("unset LD_PRELOAD; cd " .. H.quote(H.root) .. " && find lua -name '*.lua' | sort")
  local found = {}
  for path in out:gmatch("[^\n]+") do
    local name = path:gsub("^lua/", ""):gsub("%.lua$", ""):gsub("/init$", ""):gsub("/", ".")
    found[name] = path
  end
  return found
end

describe("the rockspec", function()
  it("installs every Lua module of the tree, from the file that provides it", function()
    local listed, tree = rockspec_modules(), tree_modules()
    assert.is_truthy(next(tree), "no Lua files found under lua/")
    for name, path in pairs(tree) do
      assert.are.equal(path, listed[name], "rockspec does not install " .. name .. " (" .. path .. ")")
    end
  end)

  it("lists no module the tree does not have", function()
    local tree = tree_modules()
    for name, path in pairs(rockspec_modules()) do
      assert.are.equal(path, tree[name], "rockspec lists " .. name .. " but the tree has no " .. path)
    end
  end)
end)
