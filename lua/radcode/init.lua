--- radcode: a radiation oncology coding engine.
-- The public Lua API over the C core (radcode.core):
--   radcode.open([{db = path}])  -> handle | nil, message
--   handle:lookup(code [, {date =, setting =}]) -> record | nil, message
--   handle:search(text [, {limit =, date =}])   -> results | nil, message
--   handle:classify(facts)                      -> {lines, level, reasons} | nil, message
--   handle:check(claim [, {payer =, max_lines =}]) -> {ok, findings} | nil, message
--   handle:check_all(claims [, opts]), handle:check_json(texts [, opts]) -> totals
--   handle:pair(a, b [, {date =, setting =}])   -> {together, ...} | nil, message
--   handle:explain(code [, {date =, setting =, payer =}]) -> page | nil, message (radcode.explain)
--   handle:record(claim)                        -> true | nil, message
--   handle:load_payer(path_or_name_or_source [, name]) -> name | nil, message
--   handle:payers()                             -> { name, ... }
--   handle:payer(name)                          -> {name, inherits, rows, rules, ...} | nil, message
--   handle:save(path), handle:close()
--   radcode.claims(text [, {format =}]) -> { claim, ... } | nil, message
--     (X12 837P/837I, FHIR R4 Claim/Bundle, radcode JSON or JSON lines)
-- See README.md for the whole contract.
local core = require "radcode.core"

local radcode = {
  version = core.version,
  schema_version = core.schema_version,
  null = core.json_null,   -- what JSON null decodes to
}

local Handle = core.Handle
require "radcode.explain"   -- adds Handle:explain, the code page

-- ---- payer overlays --------------------------------------------------
-- The C core (overlay.c) loads one overlay's text into its own sandbox.
-- Here: telling paths, shipped names and source text apart, loading the
-- shipped parents an overlay inherits, and refusing inheritance cycles.

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  return text
end

--- The path of a shipped overlay (lua/radcode/payers/NAME.lua), or nil.
function radcode.shipped_payer(name)
  if type(name) ~= "string" or not name:match("^[%w_%-]+$") then return nil end
  return (package.searchpath("radcode.payers." .. name, package.path))
end

-- The start of a text, to quote in a message.
local function shown(text)
  text = text:gsub("%c", "?")
  return #text > 60 and text:sub(1, 57) .. "..." or text
end

-- A payer spec as {source, chunk, hint}, or nil, message: a shipped
-- overlay's name (letters, digits, _ and -), a file, or else Lua source.
local function resolve(spec, name)
  if type(spec) ~= "string" then
    error(("bad payer overlay (a path, a name or Lua source expected, got %s)"):format(type(spec)), 3)
  end
  if name ~= nil and type(name) ~= "string" then
    error(("bad overlay name (a string expected, got %s)"):format(type(name)), 3)
  end
  local text = not spec:find("\n") and read_file(spec)
  if text then return { source = text, chunk = "@" .. spec, hint = name or spec:match("([^/\\]+)%.lua$") or spec } end
  if spec:match("^[%w_%-]+$") then
    local path = radcode.shipped_payer(spec)
    if not path then return nil, ("no overlay file or shipped overlay named '%s'"):format(shown(spec)) end
    return { source = assert(read_file(path)), chunk = "@" .. path, hint = name or spec }
  end
  if spec:match("^[^\n]*%.lua$") then return nil, ("cannot read overlay file %s"):format(shown(spec)) end
  return { source = spec, chunk = "=" .. (name or "overlay source"), hint = name }
end

-- Loads one overlay, first loading a shipped parent it inherits.
local function try(rc, item, loading)
  local name, err, why, parent, own = rc:_load_overlay(item.source, item.chunk, item.hint)
  if name or why ~= "missing" then return name, err end
  item.own, item.parent, item.err = own, parent, err
  local path = radcode.shipped_payer(parent)
  if loading[parent] or parent == own or not path then return nil, err, "missing" end
  loading[own] = true
  local ok, perr, pwhy = try(rc, { source = assert(read_file(path)), chunk = "@" .. path, hint = parent }, loading)
  loading[own] = nil
  if not ok then return nil, perr, pwhy end
  return try(rc, item, loading)
end

-- Why overlays waiting for each other cannot load: a cycle, or a parent
-- that is nowhere.
local function stuck(items)
  local parent_of, where = {}, {}
  for _, item in ipairs(items) do parent_of[item.own], where[item.own] = item.parent, item.chunk:sub(2) end
  local seen, chain, name = {}, {}, items[1].own
  while name and not seen[name] do
    seen[name] = true
    chain[#chain + 1] = name
    name = parent_of[name]
  end
  if not name then return items[1].err end
  chain[#chain + 1] = name
  return ("%s: inheritance cycle: %s"):format(where[items[1].own], table.concat(chain, " -> "))
end

-- Loads overlays in any order: one waiting for a parent listed later is
-- retried once the others are in.
local function load_all(rc, specs)
  local pending, loaded = {}, {}
  for i, spec in ipairs(specs) do
    local item, err = resolve(spec)
    if not item then return nil, err end
    pending[i] = item
  end
  while #pending > 0 do
    local waiting = {}
    for _, item in ipairs(pending) do
      local name, err, why = try(rc, item, {})
      if name then loaded[#loaded + 1] = name
      elseif why == "missing" then waiting[#waiting + 1] = item
      else return nil, err end
    end
    if #waiting == #pending then return nil, stuck(waiting) end
    pending = waiting
  end
  return loaded
end

--- rc:load_payer(path | shipped name | Lua source [, name]): loads a payer
-- overlay (and the shipped overlay it inherits, if not loaded yet).
-- Returns its name, or nil and a message naming the file and line.
function Handle:load_payer(spec, name)
  local item, err = resolve(spec, name)
  if not item then return nil, err end
  local loaded, why = try(self, item, {})
  if loaded then return loaded end
  if item.own and item.parent == item.own then
    return nil, ("%s: inheritance cycle: %s -> %s"):format(item.chunk:sub(2), item.own, item.own)
  end
  return nil, why
end

--- Opens the embedded default dataset, or a radcode database file with
-- opts.db; opts.history names the SQLite file of recorded claims (in memory
-- without it); opts.payers lists payer overlays (paths, shipped names or
-- Lua source) to load; opts.overlay_memory (bytes, default 16 MiB) and
-- opts.overlay_instructions (per claim, default 1e6) bound each overlay;
-- opts.cache_mb (1 to 4096) sizes the database's page cache (SQLite's
-- default is 2 MiB).
-- Returns a handle, or nil and a message.
-- Options are read raw, as core.open and claims read them (no __index,
-- __pairs or __len runs).
function radcode.open(opts)
  local payers = type(opts) == "table" and rawget(opts, "payers") or nil
  if payers == nil then return core.open(opts) end
  if type(payers) ~= "table" then
    error(("bad argument #1 to 'open' (option 'payers' must be a list, got %s)"):format(type(payers)), 2)
  end
  local rest, specs = {}, {}
  for k, v in next, opts do
    if k ~= "payers" then rest[k] = v end   -- core.open refuses unknown keys
  end
  for i = 1, rawlen(payers) do specs[i] = rawget(payers, i) end
  local rc, err = core.open(rest)
  if not rc then return nil, err end
  local ok, why = load_all(rc, specs)
  if not ok then
    rc:close()
    return nil, why
  end
  return rc
end

--- Seconds on a monotonic clock (for timing).
radcode.clock = core.clock

--- radcode.upgrade(path): brings a database file up to this radcode's schema
-- and curated data now, keeping its imports (opening it does the same);
-- returns {path, upgraded, imports, from, to} or nil, message (csrc/lupgrade.c).
radcode.upgrade = core.upgrade

--- radcode.claims(text [, {format = "x12" | "fhir" | "json"}]): the claims
-- of an X12 837, FHIR or radcode JSON document (radcode/claims.lua).
radcode.claims = require("radcode.claims").read

--- JSON text <-> Lua values (strict; null is radcode.null).
radcode.json = {
  encode = core.json_encode,
  decode = core.json_decode,
}

return radcode
