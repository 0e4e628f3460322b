--- Shared helpers for radcode's specs: where the build is, running the
-- command line and other processes, temporary files, and the real CMS files
-- in ../shared/cms (specs that need them go pending when they are absent).
local H = {}

H.root = assert(os.getenv("PWD"), "PWD is not set")
H.build = os.getenv("RADCODE_BUILD") or "build"
H.abs_build = H.build:match("^/") and H.build or (H.root .. "/" .. H.build)

function H.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local text = f:read("a")
  f:close()
  return text
end

--- Runs a shell command; returns stdout, stderr and the exit code.
function H.run(command)
  local errfile = os.tmpname()
  local p = io.popen(command .. " 2>" .. H.quote(errfile))
  local out = p:read("a")
  local _, _, code = p:close()
  local err = slurp(errfile)
  os.remove(errfile)
  return out, err, code
end

--- Runs bin/radcode with the given arguments (a list of strings).
function H.radcode(args)
  local parts = {}
  for i, a in ipairs(args) do parts[i] = H.quote(a) end
  return H.run(("RADCODE_BUILD=%s lua5.4 %s/bin/radcode %s"):format(
    H.quote(H.abs_build), H.quote(H.root), table.concat(parts, " ")))
end

--- Runs a Lua chunk in a fresh lua5.4 whose module paths point at this
-- checkout, from the directory `dir`.
function H.lua_in(dir, chunk)
  return H.run(("cd %s && LUA_PATH=%s LUA_CPATH=%s lua5.4 -e %s"):format(
    H.quote(dir), H.quote(H.root .. "/lua/?.lua;" .. H.root .. "/lua/?/init.lua"),
    H.quote(H.abs_build .. "/?.so"), H.quote(chunk)))
end

function H.tmpdir()
  local path = os.tmpname()
  os.remove(path)
  assert(os.execute("mkdir -p " .. H.quote(path)))
  return path
end

function H.remove_tree(path)
  os.execute("rm -rf " .. H.quote(path))
end

function H.write(path, text)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
end

--- The path of a real CMS file in ../shared/cms, or nil when absent.
function H.cms(name)
  local path = H.root .. "/../shared/cms/" .. name
  local f = io.open(path, "rb")
  if not f then return nil end
  f:close()
  return path
end

--- The first finding of an edit on a line (0: the whole claim), or nil.
function H.find(result, edit, line_no)
  for _, f in ipairs(result.findings) do
    if f.edit == edit and (f.line or 0) == line_no then return f end
  end
end

--- The findings but the `coverage` ones (which say the loaded NCCI / MUE
-- data does not cover the claim's dates: spec/vintage_spec.lua).
function H.drop_coverage(findings)
  local out = {}
  for _, f in ipairs(findings) do
    if f.edit ~= "coverage" then out[#out + 1] = f end
  end
  return out
end

--- The set of codes in a list of records.
function H.codes(list)
  local set = {}
  for _, item in ipairs(list or {}) do set[item.code] = true end
  return set
end

--- The whole text of a file.
function H.read(path)
  local f = assert(io.open(path, "rb"))
  local text = f:read("a")
  f:close()
  return text
end

--- The output lines of the queries (or dot-commands) run by the sqlite3
-- command on a database file, one argument each.
function H.sql(path, ...)
  local args = {}
  for i, q in ipairs({ ... }) do args[i] = H.quote(q) end
  local out, err, code = H.run(("sqlite3 %s %s"):format(H.quote(path), table.concat(args, " ")))
  assert(code == 0, err)
  local lines = {}
  for line in out:gmatch("[^\n]+") do lines[#lines + 1] = line end
  return lines
end

--- A copy of the default dataset in a new database file in dir.
function H.new_db(dir)
  local path = dir .. "/radcode.db"
  local rc = assert(require("radcode").open())
  assert(rc:save(path))
  rc:close()
  return path
end

--- The packs (ptp_pack) of a database file, and those made from its
-- ptp_edit alone: a copy upgraded from schema 7 is packed anew from
-- ptp_edit. Each as "code HEX" lines in code order.
function H.packs_and_repacked(path)
  local copy = path .. ".repacked"
  local _, err, code = H.run(("env -u LD_PRELOAD cp %s %s"):format(H.quote(path), H.quote(copy)))
  assert(code == 0, err)
  H.sql(copy, "DELETE FROM ptp_pack", "UPDATE meta SET value = '7' WHERE key = 'schema_version'")
  assert(require("radcode").open({ db = copy })):close()
  local q = "SELECT col1 || ' ' || hex(rows) FROM ptp_pack ORDER BY col1"
  local packs, repacked = H.sql(path, q), H.sql(copy, q)
  os.remove(copy)
  return packs, repacked
end

return H
