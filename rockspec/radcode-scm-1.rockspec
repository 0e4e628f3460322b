-- radcode rockspec: `luarocks --lua-version=5.4 make --local rockspec/radcode-scm-1.rockspec`
-- The build is "make" because the embedded default dataset is generated from
-- data/ before the module is compiled; the Makefile honours the variables below.
rockspec_format = "3.0"
package = "radcode"
version = "scm-1"
source = {
  url = "git+file:///radcode",   -- built from a checkout with `luarocks make`
}
description = {
  summary = "Radiation oncology coding engine: CPT/HCPCS lookup, classification and claim edits",
  detailed = [[
radcode looks up CPT/HCPCS radiation oncology codes, classifies treatments
into codes and checks claims against national edits, with payer overlays
written in Lua. A C core over SQLite, with the default dataset embedded.]],
  license = "MIT",
}
dependencies = {
  "lua >= 5.4, < 5.5",
}
external_dependencies = {
  SQLITE = { header = "sqlite3.h" },
}
build = {
  type = "make",
  build_target = "module",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LIBFLAG = "$(LIBFLAG)",
    LUA = "$(LUA)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    SQLITE_INCDIR = "$(SQLITE_INCDIR)",
    SQLITE_LIBDIR = "$(SQLITE_LIBDIR)",
  },
  install_target = "rock-install",
  install_variables = {
    INST_LIBDIR = "$(LIBDIR)",
  },
  install = {
    lua = {
      ["radcode"] = "lua/radcode/init.lua",
      ["radcode.cli"] = "lua/radcode/cli.lua",
      ["radcode.commands.lookup"] = "lua/radcode/commands/lookup.lua",
      ["radcode.commands.search"] = "lua/radcode/commands/search.lua",
      ["radcode.commands.classify"] = "lua/radcode/commands/classify.lua",
      ["radcode.commands.overlay"] = "lua/radcode/commands/overlay.lua",
      ["radcode.payers.medicare"] = "lua/radcode/payers/medicare.lua",
      ["radcode.payers.bluecross_example"] = "lua/radcode/payers/bluecross_example.lua",
      ["radcode.commands.check"] = "lua/radcode/commands/check.lua",
      ["radcode.commands.claims"] = "lua/radcode/commands/claims.lua",
      ["radcode.claims"] = "lua/radcode/claims.lua",
      ["radcode.commands.pair"] = "lua/radcode/commands/pair.lua",
      ["radcode.commands.import"] = "lua/radcode/commands/import.lua",
      ["radcode.commands.explain"] = "lua/radcode/commands/explain.lua",
      ["radcode.commands.data"] = "lua/radcode/commands/data.lua",
      ["radcode.commands.db"] = "lua/radcode/commands/db.lua",
      ["radcode.explain"] = "lua/radcode/explain.lua",
      ["radcode.explain_render"] = "lua/radcode/explain_render.lua",
    },
    bin = {
      radcode = "bin/radcode",
    },
  },
}
