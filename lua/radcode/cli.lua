--- radcode.cli: the command line. Parses `radcode COMMAND [ARGS] [--OPTIONS]`,
-- dispatches to the command modules in radcode/commands/, and turns their
-- outcome into an exit code: 0 success, 1 findings that deny (check), 2 usage
-- or input errors, and output that could not be written (a full disk, a
-- closed stdout), with a one-line message on stderr. Messages are plain:
-- no paths inside radcode, no "bad argument #N to '?'", no control bytes.
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
-- command's option kinds ("value", "list": a value that may repeat, kept in
-- order, or "flag"). Returns words, options or nil, message.
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
        if kind == "list" then
          options[name] = options[name] or {}
          table.insert(options[name], value)
        else
          options[name] = value
        end
      end
    else
      words[#words + 1] = a
    end
    i = i + 1
  end
  return words, options
end

--- A writer over an output file whose failed writes raise (a full disk, a
-- closed stdout): "cannot write the output: No space left on device".
local function checked(file)
  local w = {}
  local function check(ok, err)
    if not ok then error(cli.WRITE_ERROR .. tostring(err), 0) end
    return w
  end
  function w:write(...) return check(file:write(...)) end
  function w:flush() return check(file:flush()) end
  return w
end

cli.WRITE_ERROR = "cannot write the output: "

local function context(options)
  local ctx = { out = checked(io.stdout), err = io.stderr, options = options }
  function ctx.open()
    local rc, err = radcode.open(options.db and { db = options.db } or nil)
    if not rc then error(err, 0) end
    return rc
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
  --- The bytes of a file the user named, or an error saying plainly why not.
  function ctx.read(path)
    local f, err = io.open(path, "rb")
    if not f then error(("cannot read %s"):format(err), 0) end
    local text, rerr = f:read("a")
    f:close()
    if text == nil then error(("cannot read %s: %s"):format(path, rerr or "not a readable file"), 0) end
    return text
  end
  return ctx
end

-- Where radcode's own Lua files are ("/usr/share/lua/5.4/radcode/"), so
-- messages never show them.
local HERE = (debug.getinfo(1, "S").source:match("^@(.*[/\\])") or "")

--- A message as a user should see it: without a position inside radcode's
-- own files, without "bad argument #N to 'f'" around the reason, control
-- bytes (a zero byte, a newline) shown as escapes, never empty.
function cli.plain(message)
  message = type(message) == "string" and message or "an error without a message"
  local prefix = message:match("^(.-[/\\]radcode[/\\][^:\n]*%.lua:%d+: )")
  if prefix and (prefix:sub(1, #HERE) == HERE or prefix:match("^%.?/?lua[/\\]radcode[/\\]")) then
    message = message:sub(#prefix + 1)
  end
  message = message:gsub("bad argument #%d+ to '[^']*' %((.*)%)", "%1")
  message = message:gsub("[\0-\31\127]", function(c)
    return c == "\0" and "\\0" or ("\\x%02x"):format(c:byte())
  end)
  if message:match("^%s*$") then return "an error without a message" end
  if message:match(":%s*$") then return message:gsub("%s+$", "") .. " (an error without a message)" end
  return message
end

local function fail(message)
  io.stderr:write("radcode: ", cli.plain(message), "\n")
  return 2
end

--- Flushes stdout: output that could not be written is an error (exit 2).
local function finish(code)
  local ok, err = io.stdout:flush()
  if not ok then return fail(cli.WRITE_ERROR .. tostring(err)) end
  return code
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
    return finish(0)
  end
  if name == "--version" then
    io.stdout:write("radcode ", radcode.version, "\n")
    return finish(0)
  end
  local known = false
  for _, c in ipairs(COMMANDS) do known = known or c == name end
  if not known then return fail(("unknown command '%s' (try radcode --help)"):format(name)) end
  local command = load_command(name)
  local rest = table.move(argv, 2, #argv, 1, {})
  -- a command whose options depend on the database (classify's facts) builds them
  local words, options = cli.parse(rest, command.options_for and command.options_for(rest) or command.options)
  if not words then return fail(options) end
  if options.help then
    io.stdout:write(command.usage, "\n")
    return finish(0)
  end
  local ok, code = pcall(command.run, words, context(options))
  if not ok then
    io.stdout:flush()
    return fail(code)
  end
  return finish(code)
end

return cli
