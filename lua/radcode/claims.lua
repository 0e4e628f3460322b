--- radcode.claims(text [, {format = "x12" | "fhir" | "json"}]): the claims
-- of a document as claim tables (the shape rc:check takes), or nil,
-- message. Without a format it is detected: `ISA` at the start is X12
-- (the C reader, radcode.core.x12_claims); a JSON object whose
-- resourceType is Claim or Bundle (or any other FHIR resource, refused
-- clearly) is FHIR (the C mapping, radcode.core.fhir_claims, over
-- radcode's JSON parser); any other JSON object is one radcode
-- claim; text of several lines, each a JSON object, is JSON lines. Each
-- claim carries `source` (format, and where it was in the document). A key
-- given twice in a JSON object (the last value is kept) is one of
-- claim.problems, a deny: radcode cannot tell which value was meant. A
-- UTF-8 byte order mark before a document or a JSON line is skipped.
local core = require "radcode.core"

local FORMATS = { x12 = true, fhir = true, json = true }

local BOM = "\239\187\191"

--- The text without a UTF-8 byte order mark before it.
local function unmarked(text)
  return text:sub(1, 3) == BOM and text:sub(4) or text
end

--- Adds to claim.problems the keys its JSON gave twice (found: the
-- messages of json_decode's duplicates list); returns the claim.
local function duplicates(claim, found)
  if #found == 0 or type(claim) ~= "table" then return claim end
  if claim.problems == nil then claim.problems = {} end
  if type(claim.problems) ~= "table" then return claim end   -- refused as it is by rc:check
  for _, message in ipairs(found) do
    table.insert(claim.problems, { message = message,
      fix = "give each key once in a JSON object: radcode cannot tell which value was meant" })
  end
  return claim
end

--- "x12", "fhir", "json" or "jsonl": what the text looks like.
local function detect(text)
  local start = text:match("^%s*()", text:sub(1, 3) == BOM and 4 or 1) or 1
  if text:sub(start, start + 2) == "ISA" then return "x12" end
  if text:sub(start, start) ~= "{" then return nil end
  local head = text:sub(start, start + 4096)
  if head:find('"resourceType"', 1, true) then return "fhir" end
  local first_line = text:match("^[^\n]*", start)
  if #first_line < #text - start + 1 and core.json_decode(first_line) ~= nil then return "jsonl" end
  return "json"
end

--- A JSON object as a claim, or nil, message.
local function object(text)
  local found = {}
  local value, err = core.json_decode(text, found)
  if value == nil then return nil, err end
  if type(value) ~= "table" or not unmarked(text):match("^%s*{") then return nil, "json: a claim must be a JSON object" end
  return value, found
end

--- One claim from its JSON text, as a line of a JSON lines file is read by
-- `radcode check --batch` and rc:check_json (csrc/batch.c calls it): the
-- claim table (keys given twice become claim.problems), or nil, message.
local function json_claim(text)
  local found = {}
  local claim, err = core.json_decode(text, found)
  if claim == nil then return nil, err end
  if type(claim) ~= "table" or not unmarked(text):match("^%s*{") then return nil, "a claim must be a JSON object" end
  return duplicates(claim, found)
end

--- Every claim of a list with the duplicates of its document; the list.
local function each_duplicates(list, found)
  for _, claim in ipairs(type(list) == "table" and list or {}) do duplicates(claim, found) end
  return list
end

local function json_claims(text)
  local claim, found = object(text)
  if not claim then return nil, found end
  if claim.resourceType ~= nil then
    local list, ferr = core.fhir_claims(claim)
    return each_duplicates(list, found), ferr
  end
  duplicates(claim, found)
  if claim.source == nil then claim.source = { format = "json" } end
  return { claim }
end

--- JSON lines: a line that is not a claim becomes a claim with a problem.
local function jsonl_claims(text)
  local claims, number = {}, 0
  for line in text:gmatch("([^\n]*)\n?") do
    number = number + 1
    if not line:match("^%s*$") then
      local claim, err = object(line)
      if claim then duplicates(claim, err) end   -- err: the duplicate keys
      if not claim then
        claim = { problems = { { message = ("json lines: line %d: %s"):format(number, err),
          fix = "give one claim per line, a JSON object" } } }
      end
      if claim.source == nil then claim.source = { format = "jsonl", line = number } end
      claims[#claims + 1] = claim
    end
  end
  return claims
end

local function fhir_claims(text)
  local found = {}
  local doc, err = core.json_decode(text, found)
  if doc == nil then return nil, (err:gsub("^json:", "fhir: json:")) end
  local list, ferr = core.fhir_claims(doc)
  return each_duplicates(list, found), ferr
end

local claims = { detect = detect, duplicates = duplicates, unmarked = unmarked, json_claim = json_claim }

--- The claims of text (see the top of this file), or nil, message.
function claims.read(text, opts)
  if type(text) ~= "string" then
    error(("bad argument #1 to 'claims' (string expected, got %s)"):format(type(text)), 2)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #2 to 'claims' (table expected, got %s)"):format(type(opts)), 2)
  end
  local format = opts and opts.format
  for k in pairs(opts or {}) do
    if k ~= "format" then error(("bad argument #2 to 'claims' (unknown option '%s')"):format(tostring(k)), 2) end
  end
  if format ~= nil and not FORMATS[format] then
    error(("bad argument #2 to 'claims' (format must be x12, fhir or json, got %s)"):format(tostring(format)), 2)
  end
  local found = detect(text)
  format = format or found
  if format == "x12" then return core.x12_claims(text) end
  if format == "fhir" then return fhir_claims(text) end
  if found == "jsonl" and (format == "json" or format == "jsonl") then return jsonl_claims(text) end
  if format == "json" then return json_claims(text) end
  return nil, "not a claim document: expected X12 837 (ISA ...), FHIR JSON or radcode JSON ({ ... })"
end

return claims
