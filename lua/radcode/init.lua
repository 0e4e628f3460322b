--- radcode: a radiation oncology coding engine.
-- The public Lua API over the C core (radcode.core):
--   radcode.open([{db = path}])  -> handle | nil, message
--   handle:lookup(code [, {date =, setting =}]) -> record | nil, message
--   handle:search(text [, {limit =, date =}])   -> results | nil, message
--   handle:classify(facts)                      -> {lines, level, reasons} | nil, message
--   handle:check(claim [, {payer =, max_lines =}]) -> {ok, findings} | nil, message
--   handle:pair(a, b [, {date =, setting =}])   -> {together, ...} | nil, message
--   handle:record(claim)                        -> true | nil, message
--   handle:save(path), handle:close()
-- See README.md for the whole contract.
local core = require "radcode.core"

local radcode = {
  version = core.version,
  schema_version = core.schema_version,
  null = core.json_null,   -- what JSON null decodes to
}

--- Opens the embedded default dataset, or a radcode database file with
-- opts.db; opts.history names the SQLite file of recorded claims (in memory
-- without it). Returns a handle, or nil and a message.
function radcode.open(opts)
  return core.open(opts)
end

--- Seconds on a monotonic clock (for timing).
radcode.clock = core.clock

--- JSON text <-> Lua values (strict; null is radcode.null).
radcode.json = {
  encode = core.json_encode,
  decode = core.json_decode,
}

return radcode
