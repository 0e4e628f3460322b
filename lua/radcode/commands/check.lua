--- radcode check FILE | --batch CLAIMS.jsonl: runs the claim edits
-- (rc:check) on one claim, on every claim of an X12 837 or FHIR file (the
-- format is detected; --format overrides), or on a file of claims one a
-- line, and prints a report grouped by claim line (or JSON). With --record, each claim that no
-- finding denies is added to the history that course limits count.
-- Exit codes: 0 no finding denies, 1 a finding denies (or, in a batch, a line
-- could not be read), 2 usage or input-file errors.
local radcode = require "radcode"
local claims_reader = require "radcode.claims"

local check = {
  summary = "check a claim (or a file of claims) against the claim edits",
  options = { payer = "value", overlay = "list", history = "value", record = "flag", batch = "value", quiet = "flag",
              format = "value" },
  usage = [[
usage: radcode check FILE [--format x12|fhir|json] [--quiet] [--payer NAME] [--overlay FILE]... [--json] [--db PATH] [--history PATH] [--record]
       radcode check --batch CLAIMS.jsonl [--quiet] [--payer NAME] [--overlay FILE]... [--json] [--history PATH] [--record]

Checks a claim (a JSON object: id, patient, course, payer, setting, pos,
diagnoses, lines) against the NCCI, MUE, add-on, frequency, modifier,
validity, setting, companion and necessity edits, and prints its findings
grouped by claim line: severity, message and the fix. FILE may also be an
X12 837P / 837I file, a FHIR R4 Claim or Bundle, or JSON lines: every
claim in it is checked and reported (lines numbered as in the file: LX or
FHIR item), then a summary.
  --format F        read FILE as x12, fhir or json (default: detected)
  --payer NAME      check as this payer (default: the claim's payer), with its
                    overlay: a shipped overlay's name (lua/radcode/payers/),
                    an overlay file, or the name of one given with --overlay;
                    a payer without an overlay is checked against the
                    national rules, with a note on stderr
  --overlay FILE    load this payer overlay too (repeatable); the claim's
                    payer (or --payer) picks the overlay that applies
  --history PATH    the history of recorded claims that course limits count
                    (a SQLite file, created if missing; default: in memory)
  --record          record each claim that no finding denies, after checking it
  --batch FILE      one claim per line (JSON Lines); prints one line per claim
                    with findings and a summary; a progress bar when stderr is
                    a terminal
  --quiet           with --batch or a FILE of several claims (X12, FHIR,
                    JSON lines), print only the summary
  --json            the result as JSON (with --batch or a file of several
                    claims, one JSON object a line)
Exit: 0 when no finding denies, 1 when one does (with --batch: any claim
denied or any line unreadable), 2 for usage or input-file errors, an
overlay that cannot be loaded, or output that cannot be written.]],
}

local SEVERITIES = { "deny", "review", "warn", "info" }

--- A claim from JSON text, or nil, message.
local decode_claim = claims_reader.json_claim

--- Loads an overlay the user named on the command line: a file, or a
-- shipped overlay's name (never Lua source text). Returns its name.
local function load_overlay(rc, spec, option)
  local f, err = io.open(spec, "rb")
  if f then
    local data, rerr = f:read(0)   -- "" or nil at the end of the file; nil, message for a directory
    f:close()
    if data == nil and rerr then f, err = nil, ("%s: %s"):format(spec, rerr) end
  end
  if not f and not radcode.shipped_payer(spec) then
    error(("%s: cannot read overlay file %s"):format(option, tostring(err)), 0)
  end
  local name, why = rc:load_payer(spec)
  if not name then error(("%s: %s"):format(option, why), 0) end
  return name
end

--- The payer of --payer (nil: the claim's), its overlay loaded: one given
-- with --overlay, a shipped overlay or a file. A payer name without an
-- overlay is checked as that payer, national rules only, and stderr says so.
local function load_payer(rc, ctx)
  local payer = ctx.options.payer
  if payer == nil then return nil end
  for _, name in ipairs(rc:payers()) do
    if name == payer:lower() then return name end
  end
  if radcode.shipped_payer(payer) or payer:find("[/\\]") or payer:match("%.lua$") then
    return load_overlay(rc, payer, "--payer")
  end
  ctx.err:write(("radcode: note: no overlay is shipped or given for payer '%s'; "
    .. "its claims are checked against the national rules only (load one with --overlay FILE)\n"):format(payer))
  return payer
end

-- The page cache of a check's database, in MiB: a file of many claims
-- reads the rule tables of thousands of codes, whose pages SQLite's own 2
-- MiB cache kept re-reading (bench/README.md; it grows only as pages are
-- read, so a small check costs nothing more).
local CACHE_MB = 32

--- Opens radcode with --db and --history, and loads --overlay and --payer.
local function open(ctx)
  local rc, err = radcode.open({ db = ctx.options.db, history = ctx.options.history, cache_mb = CACHE_MB })
  if not rc then error(err, 0) end
  local ok, why = pcall(function()
    for _, spec in ipairs(ctx.options.overlay or {}) do load_overlay(rc, spec, "--overlay") end
    ctx.payer = load_payer(rc, ctx)
  end)
  if not ok then
    rc:close()
    error(why, 0)
  end
  return rc
end

--- JSON text of a value, or nil, message when it cannot be JSON.
local function encoded(value)
  local ok, text = pcall(radcode.json.encode, value)
  if not ok then return nil, tostring(text) end
  return text
end

--- Severity -> number of findings.
local function count(findings)
  local n = { deny = 0, review = 0, warn = 0, info = 0 }
  for _, f in ipairs(findings) do n[f.severity] = (n[f.severity] or 0) + 1 end
  return n
end

--- "1 deny, 2 review": the severities that occur, most severe first.
local function tally(n, all)
  local parts = {}
  for _, s in ipairs(SEVERITIES) do
    if all or n[s] > 0 then parts[#parts + 1] = ("%d %s"):format(n[s], s) end
  end
  return table.concat(parts, ", ")
end

--- A claim value as text: strings and numbers as they are, anything else "?".
local function shown(v)
  if type(v) == "string" or type(v) == "number" then return tostring(v) end
  return "?"
end

--- The header of claim line i: "line 3  77387-26  2026-02-09  x1".
local function line_header(claim, i)
  local lines = type(claim.lines) == "table" and claim.lines or {}
  local line = type(lines[i]) == "table" and lines[i] or {}
  local parts = { shown(line.code) }   -- joined once: linear in modifiers
  for _, m in ipairs(type(line.modifiers) == "table" and line.modifiers or {}) do
    parts[#parts + 1] = shown(m)
  end
  local code = table.concat(parts, "-")
  local units = line.units == nil and 1 or line.units
  return ("line %d  %s  %s  x%s%s"):format(i, code, shown(line.date), shown(units), check.where_line(line))
end

--- Where a line was in its file: "  [LX 3, segment 41]", "  [item 2]", or "".
function check.where_line(line)
  local s = type(line.source) == "table" and line.source or nil
  if not s then return "" end
  if s.lx ~= nil then return ("  [LX %s, segment %s]"):format(shown(s.lx), shown(s.segment)) end
  if s.item ~= nil then return ("  [item %s]"):format(shown(s.item)) end
  return ""
end

--- Where a claim was in its file: "  [x12 ST 0021, CLM at segment 22]", ...
local function where_claim(claim)
  local s = type(claim.source) == "table" and claim.source or nil
  if not s then return "" end
  if s.format == "x12" then
    return ("  [x12 ISA %s, ST %s, CLM at segment %s]"):format(shown(s.interchange), shown(s.transaction), shown(s.segment))
  elseif s.format == "fhir" then
    return ("  [fhir Claim %s%s]"):format(shown(s.id), s.entry and (", entry " .. shown(s.entry)) or "")
  elseif s.format == "jsonl" then
    return ("  [line %s]"):format(shown(s.line))
  end
  return ""
end

--- The header of the claim: its id and what it says about itself.
local function claim_header(claim)
  local parts = { "claim " .. (claim.id ~= nil and shown(claim.id) or "(no id)") }
  for _, key in ipairs({ "payer", "setting", "patient", "course" }) do
    if claim[key] ~= nil then parts[#parts + 1] = key .. " " .. shown(claim[key]) end
  end
  return table.concat(parts, "  ") .. where_claim(claim)
end

local function print_finding(out, f)
  out:write(("  %-7s %s\n"):format(f.severity:upper(), f.message or ""))
  if f.fix then out:write(("  %-7s fix: %s\n"):format("", f.fix)) end
end

--- "3 findings: 1 deny, 1 review, 1 info — claim would be denied", or "clean".
local function summary_line(findings)
  if #findings == 0 then return "clean" end
  local n = count(findings)
  return ("%d finding%s: %s — %s"):format(#findings, #findings == 1 and "" or "s", tally(n),
    n.deny > 0 and "claim would be denied" or "no finding denies the claim")
end

--- The readable report: claim-level findings first, then one group per
-- claim line with findings, then the summary.
function check.report(out, claim, result)
  out:write(claim_header(claim), "\n")
  for _, f in ipairs(result.findings) do
    if f.line == nil then print_finding(out, f) end
  end
  local current
  for _, f in ipairs(result.findings) do
    if f.line ~= nil then
      if f.line ~= current then
        current = f.line
        out:write(line_header(claim, f.line), "\n")
      end
      print_finding(out, f)
    end
  end
  out:write(summary_line(result.findings), "\n")
end

--- Checks one claim; nil, message when rc:check cannot.
local function run_check(rc, claim, ctx)
  local ok, result, err = pcall(rc.check, rc, claim, { payer = ctx.payer })
  if not ok then return nil, tostring(result) end
  return result, err
end

--- Records a claim that no finding denies, with --record.
local function maybe_record(rc, claim, result, ctx)
  if not (ctx.options.record and result.ok) then return true end
  local ok, done, err = pcall(rc.record, rc, claim)
  if not ok then return nil, tostring(done) end
  if not done then return nil, "not recorded: " .. tostring(err) end
  return true
end

local function single(ctx, path, text)
  if ctx.options.quiet then error("--quiet goes with --batch or a file of several claims", 0) end
  local claim, err = decode_claim(text)
  if not claim then error(("%s: %s"):format(path, err), 0) end
  local rc <close> = open(ctx)
  local result, cerr = run_check(rc, claim, ctx)
  if not result then error(cerr, 0) end
  if ctx.options.json then
    local ok, jerr = pcall(radcode.json.encode, result, true)
    if not ok then error(("%s: the report cannot be written as JSON: %s"):format(path, jerr), 0) end
    ctx.json(result)
  else
    check.report(ctx.out, claim, result)
  end
  local recorded, rerr = maybe_record(rc, claim, result, ctx)
  if not recorded then error(rerr, 0) end
  return result.ok and 0 or 1
end

-- Batch mode ---------------------------------------------------------------

--- A progress bar on stderr, or nil when stderr is not a terminal.
local function progress_bar(ctx, total)
  if not os.execute("test -t 2") then return nil end
  local bar = { shown = -1 }
  function bar.update(done, claims)
    local pct = total > 0 and math.min(100, done * 100 // total) or 100
    if pct == bar.shown then return end
    bar.shown = pct
    local filled = pct * 30 // 100
    ctx.err:write(("\r[%s%s] %3d%%  %d claims"):format(("#"):rep(filled), ("-"):rep(30 - filled), pct, claims))
    ctx.err:flush()
  end
  function bar.clear()
    ctx.err:write("\r", (" "):rep(60), "\r")
    ctx.err:flush()
    bar.shown = -1
  end
  return bar
end

local function new_stats()
  return { claims = 0, lines = 0, denied = 0, errors = {}, n = count({}), started = os.clock() }
end

--- A line of the batch that could not be checked: stderr, and counted.
local function batch_error(ctx, state, number, message)
  if state.bar then state.bar.clear() end
  ctx.err:write(("radcode: %s line %d: %s\n"):format(state.path, number, message))
  state.stats.errors[#state.stats.errors + 1] = number
  if ctx.options.json then
    ctx.out:write(radcode.json.encode({ line = number, error = message }), "\n")
  end
end

local function add_counts(stats, claim, result)
  stats.claims = stats.claims + 1
  stats.lines = stats.lines + (type(claim.lines) == "table" and #claim.lines or 0)
  for s, k in pairs(count(result.findings)) do stats.n[s] = (stats.n[s] or 0) + k end
  if not result.ok then stats.denied = stats.denied + 1 end
end

--- Whether the summary is all the command prints, so the claims can be
-- checked by rc:check_all or rc:check_json (no result table per claim):
-- --quiet without --json or --record.
local function summary_only(ctx)
  return ctx.options.quiet and not ctx.options.json and not ctx.options.record
end

--- Checks a list of claims with rc:check_all (or, for JSON texts,
-- rc:check_json) and adds them to stats; numbers[k] is claim k's number
-- in the file (line or claim number), what (a word) names it in the
-- messages of claims that cannot be read or checked, printed below the
-- progress bar when there is one.
local function check_list(ctx, rc, stats, path, claims, numbers, what, texts, bar)
  local s = texts and rc:check_json(claims, { payer = ctx.payer }) or rc:check_all(claims, { payer = ctx.payer })
  if bar and #s.errors > 0 then bar.clear() end
  stats.claims, stats.lines, stats.denied = stats.claims + s.claims, stats.lines + s.lines, stats.denied + s.denied
  for sev, k in pairs(s.findings) do stats.n[sev] = stats.n[sev] + k end
  for _, e in ipairs(s.errors) do
    local number = numbers[e.claim]
    stats.errors[#stats.errors + 1] = number
    ctx.err:write(("radcode: %s %s %d: %s\n"):format(path, what, number, e.message))
  end
end

--- Prints the batch's line for one checked claim; nil, message when it
-- cannot be written as JSON.
local function print_claim(ctx, number, claim, result)
  if ctx.options.json then
    local text, err = encoded({ line = number, id = claim.id, ok = result.ok, findings = result.findings })
    if not text then return nil, err end
    ctx.out:write(text, "\n")
  elseif #result.findings > 0 and not ctx.options.quiet then
    ctx.out:write(("line %d %s: %s\n"):format(number,
      claim.id ~= nil and shown(claim.id) or "(no id)", tally(count(result.findings))))
  end
end

--- Checks the claim on one line of the batch file.
local function batch_line(ctx, state, rc, text, number)
  if text:match("^%s*$") then return end
  local claim, err = decode_claim(text)
  if not claim then return batch_error(ctx, state, number, err) end
  local result, cerr = run_check(rc, claim, ctx)
  if not result then return batch_error(ctx, state, number, cerr) end
  local printed, perr = print_claim(ctx, number, claim, result)
  if not printed and perr then return batch_error(ctx, state, number, perr) end
  add_counts(state.stats, claim, result)
  local recorded, rerr = maybe_record(rc, claim, result, ctx)
  if not recorded then batch_error(ctx, state, number, rerr) end
end

--- "line 8", "lines 8, 12", or the first ten and how many more.
local function where(numbers)
  local shown_lines = table.concat(numbers, ", ", 1, math.min(#numbers, 10))
  local more = #numbers > 10 and (" and %d more"):format(#numbers - 10) or ""
  return (#numbers == 1 and "line " or "lines ") .. shown_lines .. more
end

--- The batch's final summary.
local function print_stats(ctx, stats, unit)
  local seconds = os.clock() - stats.started
  local total = stats.n.deny + stats.n.review + stats.n.warn + stats.n.info
  local rate = seconds > 0 and ("%.0f"):format(stats.lines / seconds) or "-"
  if ctx.options.json then
    return ctx.out:write(radcode.json.encode({ summary = { claims = stats.claims, lines = stats.lines,
      findings = stats.n, denied = stats.denied, errors = stats.errors, seconds = seconds } }), "\n")
  end
  local errors = #stats.errors == 0 and "" or (", %d not read (%s)"):format(#stats.errors,
    unit and (unit .. "s " .. table.concat(stats.errors, ", ", 1, math.min(#stats.errors, 10))) or where(stats.errors))
  ctx.out:write(("claims    %d checked%s\n"):format(stats.claims, errors))
  ctx.out:write(("lines     %d\n"):format(stats.lines))
  ctx.out:write(("findings  %d: %s\n"):format(total, tally(stats.n, true)))
  ctx.out:write(("denied    %d claim%s\n"):format(stats.denied, stats.denied == 1 and "" or "s"))
  ctx.out:write(("time      %.3f s (CPU), %s claim lines per second\n"):format(seconds, rate))
end

-- Lines of a batch file decoded before their claims are checked together.
local BATCH_LIST = 64

-- Bytes of a batch file read at a time.
local BATCH_READ = 256 * 1024

--- The lines of f, as f:lines() gives them (split at "\n", which is left
-- out; a last line without one is given too), read in large blocks:
-- f:lines() reads a byte at a time (2.7% of the general batch's work). A line
-- longer than a block is gathered in parts (no quadratic copying).
local function lines_of(f)
  local block, at = "", 1
  return function()
    local stop = block:find("\n", at, true)
    if stop then
      local line = block:sub(at, stop - 1)
      at = stop + 1
      return line
    end
    local parts = { block:sub(at) }
    while true do
      block, at = f:read(BATCH_READ), 1
      if block == nil then
        block = ""
        local last = table.concat(parts)
        if last ~= "" then return last end
        return nil
      end
      stop = block:find("\n", 1, true)
      if stop then
        parts[#parts + 1] = block:sub(1, stop - 1)
        at = stop + 1
        return table.concat(parts)
      end
      parts[#parts + 1] = block
    end
  end
end

--- The batch file read BATCH_LIST lines at a time, each list of texts
-- checked by rc:check_json, which reads plain claims without tables
-- (--quiet: only the summary is printed).
local function batch_lists(ctx, state, rc, f)
  local texts, numbers, number, done = {}, {}, 0, 0
  local function flush()
    if #texts == 0 then return end
    check_list(ctx, rc, state.stats, state.path, texts, numbers, "line", true, state.bar)
    texts, numbers = {}, {}
    if state.bar then state.bar.update(done, state.stats.claims) end
  end
  for text in lines_of(f) do
    number, done = number + 1, done + #text + 1
    if not text:match("^%s*$") then
      texts[#texts + 1], numbers[#texts + 1] = text, number
      if #texts == BATCH_LIST then flush() end
    end
  end
  flush()
end

local function batch(ctx, path)
  local f, err = io.open(path, "rb")
  if not f then error(("cannot read %s"):format(err), 0) end
  local probe, perr = f:read(0)
  if probe == nil and perr then
    f:close()
    error(("cannot read %s: %s"):format(path, perr), 0)
  end
  local rc <close> = open(ctx)
  local total = f:seek("end")
  f:seek("set")
  local state = { path = path, stats = new_stats(), bar = progress_bar(ctx, total) }
  local number, done = 0, 0
  local mode = collectgarbage("generational")   -- claims die young; the handle's rules stay
  local ok, err = pcall(function()
    if summary_only(ctx) then return batch_lists(ctx, state, rc, f) end
    for text in lines_of(f) do
      number, done = number + 1, done + #text + 1
      batch_line(ctx, state, rc, text, number)
      if state.bar then state.bar.update(done, state.stats.claims) end
    end
  end)
  collectgarbage(mode)
  f:close()
  if not ok then error(err, 0) end
  if state.bar then state.bar.clear() end
  print_stats(ctx, state.stats)
  return (state.stats.denied > 0 or #state.stats.errors > 0) and 1 or 0
end

-- A file of claims (X12, FHIR, JSON lines) ------------------------------

local FORMATS = { x12 = true, fhir = true, json = true }

-- Claims an X12 file is read in at a time: a few claims live at once, so
-- the collector's work stays small (measured: 8 claims a batch checks a
-- 20,000-claim file in two thirds of the time 256 take).
local X12_BATCH = 8

--- Checks one claim of a document (number i): its report (or a JSON
-- object a line), counted in stats.
local function document_claim(ctx, rc, stats, path, i, claim)
  local result, err = run_check(rc, claim, ctx)
  if not result then
    stats.errors[#stats.errors + 1] = i
    ctx.err:write(("radcode: %s claim %d: %s\n"):format(path, i, err))
    return
  end
  if ctx.options.json then
    local text, jerr = encoded({ claim = i, id = claim.id, patient = claim.patient, source = claim.source,
      ok = result.ok, findings = result.findings })
    if not text then
      stats.errors[#stats.errors + 1] = i
      ctx.err:write(("radcode: %s claim %d: the report cannot be written as JSON: %s\n"):format(path, i, jerr))
      return ctx.out:write(encoded({ claim = i, error = "the report cannot be written as JSON" }), "\n")
    end
    add_counts(stats, claim, result)
    ctx.out:write(text, "\n")
  else
    add_counts(stats, claim, result)
  end
  if not ctx.options.json and not ctx.options.quiet then
    check.report(ctx.out, claim, result)
    ctx.out:write("\n")
  end
  local recorded, rerr = maybe_record(rc, claim, result, ctx)
  if not recorded then error(rerr, 0) end
end

--- Checks every claim of a document, a list of claims at a time (X12 is
-- read X12_BATCH claims at a time, so a large file's claims never live all
-- at once), then
-- prints the summary. batches: an iterator of lists, or false, message.
local function document(ctx, path, batches)
  local rc <close> = open(ctx)
  local stats, i = new_stats(), 0
  local mode = collectgarbage("generational")   -- claims die young; the handle's rules stay
  local fast = summary_only(ctx)
  for claims, err in batches do
    if not claims then
      collectgarbage(mode)
      error(("%s: %s"):format(path, err), 0)
    end
    if fast then
      local numbers = {}
      for k = 1, #claims do numbers[k] = i + k end
      check_list(ctx, rc, stats, path, claims, numbers, "claim")
      i = i + #claims
    end
    for k = 1, fast and 0 or #claims do
      local claim = claims[k]
      claims[k] = false
      i = i + 1
      document_claim(ctx, rc, stats, path, i, claim)
    end
  end
  collectgarbage(mode)
  print_stats(ctx, stats, "claim")
  return (stats.denied > 0 or #stats.errors > 0) and 1 or 0
end

--- An iterator over one list.
local function once(list)
  local done = false
  return function()
    if done then return nil end
    done = true
    return list
  end
end

--- radcode check FILE: one JSON claim as before; any other document
-- (X12, FHIR, JSON lines) claim by claim.
local function check_file(ctx, path)
  local format = ctx.options.format
  if format ~= nil and not FORMATS[format] then
    error(("--format must be x12, fhir or json, got '%s'"):format(format), 0)
  end
  local text = ctx.read(path)
  local found = claims_reader.detect(text)
  if (format == nil or format == "json") and (found == "json" or found == nil) then return single(ctx, path, text) end
  if format == "x12" or (format == nil and found == "x12") then
    -- only the summary: rc:check_all needs no `source` tables
    return document(ctx, path, require("radcode.core").x12_batches(text, X12_BATCH, summary_only(ctx)))
  end
  local claims, err = radcode.claims(text, { format = format })
  if not claims then error(("%s: %s"):format(path, err), 0) end
  return document(ctx, path, once(claims))
end

function check.run(words, ctx)
  if ctx.options.format and ctx.options.batch then error("--format goes with a FILE, not --batch", 0) end
  if ctx.options.batch then
    if #words ~= 0 then error("check takes a claim file or --batch FILE, not both", 0) end
    return batch(ctx, ctx.options.batch)
  end
  if #words ~= 1 then error("check takes one claim file (radcode check --help)", 0) end
  return check_file(ctx, words[1])
end

return check
