--- radcode.cli: the command line. Parses `radcode COMMAND [ARGS] [--OPTIONS]`,
-- dispatches to the command modules in radcode/commands/, and turns their
-- outcome into an exit code: 0 success, 1 findings that deny (check), 2 usage
-- or input errors, with a one-line message on stderr.
local radcode = require "radcode"

local cli = {}

local COMMANDS = { "lookup", "search", "classify", "check", "claims", "pair", "explain", "import", "overlay", "data", "db" }

local GLOBAL_OPTIONS = { db = "value", json = "flag", help = "flag" }

local USAGE = [[
usage: radcode COMMAND [ARGUMENTS] [OPTIONS]

commands:
%s
options for every command:
  --db PATH     use this radcode database instead of the embedded default data
  --json        print JSON instead of text
  --help        show help for the command

radcode %s; `radcode COMMAND --help` for details.]]

local function load_command(name)
  return require("radcode.commands." .. name)
end

local function usage_text()
  local lines = {}
  for _, name in ipairs(COMMANDS) do
    lines[#lines + 1] = ("  %-8s %s"):format(name, load_command(name).summary)
  end
  return USAGE:format(table.concat(lines, "\n"), radcode.version)
end

--- Splits argv into positional words and options, checked against the
-- command's option kinds ("value" or "flag"). Returns words, options or
-- nil, message.
function cli.parse(argv, kinds)
  local words, options, i = {}, {}, 1
  while i <= #argv do
    local a = argv[i]
    local name, inline = a:match("^%-%-([%w-]+)=(.*)$")
    name = name or a:match("^%-%-([%w-]+)$")
    if a == "--" then
      table.move(argv, i + 1, #argv, #words + 1, words)
      break
    elseif name then
      local kind = kinds[name] or GLOBAL_OPTIONS[name]
      if not kind then return nil, ("unknown option --%s"):format(name) end
      if kind == "flag" then
        if inline then return nil, ("option --%s takes no value"):format(name) end
        options[name] = true
      else
        local value = inline or argv[i + 1]
        if value == nil then return nil, ("option --%s needs a value"):format(name) end
        if not inline then i = i + 1 end
        options[name] = value
      end
    else
      words[#words + 1] = a
    end
    i = i + 1
  end
  return words, options
end

local function context(options)
  local ctx = { out = io.stdout, err = io.stderr, options = options }
  function ctx.open()
    return radcode.open(options.db and { db = options.db } or nil)
  end
  function ctx.setting()
    local s = options.setting
    if s ~= nil and s ~= "practitioner" and s ~= "hospital" then
      error(("invalid setting '%s' (expected practitioner or hospital)"):format(s), 0)
    end
    return s
  end
  function ctx.json(value)
    ctx.out:write(radcode.json.encode(value, true), "\n")
  end
  return ctx
end

local function fail(message)
  io.stderr:write("radcode: ", message, "\n")
  return 2
end

--- Runs the command line; returns the exit code.
function cli.main(argv)
  local name = argv[1]
  if name == nil then
    io.stderr:write(usage_text(), "\n")
    return 2
  end
  if name == "--help" or name == "help" then
    io.stdout:write(usage_text(), "\n")
    return 0
  end
  if name == "--version" then
    io.stdout:write("radcode ", radcode.version, "\n")
    return 0
  end
  local known = false
  for _, c in ipairs(COMMANDS) do known = known or c == name end
  if not known then return fail(("unknown command '%s' (try radcode --help)"):format(name)) end
  local command = load_command(name)
  local words, options = cli.parse(table.move(argv, 2, #argv, 1, {}), command.options)
  if not words then return fail(options) end
  if options.help then
    io.stdout:write(command.usage, "\n")
    return 0
  end
  local ok, code = pcall(command.run, words, context(options))
  if not ok then return fail(tostring(code)) end
  return code
end

return cli
