--- radcode import KIND PATH... --db DB: load CMS/AMA files into a database.
local radcode = require "radcode"

local import = {
  summary = "load CMS/AMA files (NCCI, MUE, AOC, HCPCS, RVU, OPPS, CPT text, LCD articles) into a database",
  options = { setting = "value", version = "value", edition = "value", from = "value", to = "value",
    ["allow-empty"] = "flag" },
  usage = [[
usage: radcode import KIND PATH... --db DB [--setting S] [--version V] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                     [--allow-empty] [--json]

Loads one file, or several (e.g. the four NCCI part files) in one
transaction, plain or gzip, into the database DB. DB is created from the
embedded default data when it does not exist yet.

kinds:
  ncci-ptp          NCCI procedure-to-procedure edits (--setting practitioner|hospital)
  mue               medically unlikely edits (--setting, unless the file has service_type)
  aoc               NCCI add-on code edits
  hcpcs             the HCPCS Level II annual file (fixed width)
  rvu               physician fee schedule RVU file: PC/TC, global, status
  opps              OPPS Addendum B status indicators (the payment rate and the APC
                    when the file has those columns)
  cpt-descriptors   a licensed AMA descriptor file (code<TAB>text)
  lcd-articles      the CMS Medicare Coverage Database "current article" CSV export:
                    its FOLDER (article.csv, article_x_hcpc_code.csv, ...) or its ZIP
                    as downloaded (read in place; the files may sit in a folder of it)

--version names the edition (default: from the file name, e.g. v30.1 from
ncci_ptp_practitioner_v301, 2024Q2, 2024A; --edition is its older name); the
rows carry the dataset name (e.g. "CMS MUE 2024Q2") as their source, and
importing the same dataset again replaces its rows, while other versions stay
beside it (each claim line is checked against the version that covers its
date). The dates of service the data covers come from the version (NCCI v30.1
and MUE 2024Q2: 2024-04-01 to 2024-06-30; OPPS 2025Q4 a quarter; RVU 2024A
and HCPCS 2019 the calendar year); --from/--to give them when the file name
says nothing, and are also the dates of rows that have none of their own
(default: 2015-01-01, open end). `radcode data` lists them.
Rejected rows are listed with their line numbers (a line longer than
1 MiB, or holding a zero byte, is one); the import goes on. An import that
keeps no rows (a header-only file, say), or rejects more rows than it
keeps, fails and changes nothing: the dataset keeps its rows.
--allow-empty imports it anyway; the command still exits 1 when every row
was rejected. A failed import into a new DB leaves no file behind.]],
}

local KINDS = {
  ["ncci-ptp"] = true, mue = true, aoc = true, hcpcs = true, rvu = true,
  opps = true, ["cpt-descriptors"] = true, ["lcd-articles"] = true,
}

local function exists(path)
  local f = io.open(path, "rb")
  if f then f:close() end
  return f ~= nil
end

--- Removes a database this command created and its SQLite logs.
local function remove_db(path)
  for _, suffix in ipairs({ "", "-journal", "-wal", "-shm" }) do os.remove(path .. suffix) end
end

--- Opens DB, first saving the embedded default data there if it is new;
-- also says whether it was new.
local function open_db(path)
  local created = false
  if not exists(path) then
    local default = assert(radcode.open())
    local ok, err = default:save(path)
    default:close()
    if not ok then error(err, 0) end
    created = true
  end
  local rc, err = radcode.open({ db = path })
  if not rc then
    if created then remove_db(path) end
    error(err, 0)
  end
  return rc, created
end

local function report(out, r)
  out:write(("imported %s as '%s' (dataset %d): read %d, kept %d, rejected %d, skipped %d in %.2f s\n"):format(
    r.kind, r.source, r.dataset, r.rows_read, r.rows_kept, r.rows_rejected, r.rows_skipped, r.seconds))
  out:write(r.from and ("  covers dates of service %s to %s\n"):format(r.from, r.to or "(open)")
    or "  covers dates of service not known: give --from and --to\n")
  for _, x in ipairs(r.rejects) do
    out:write(("  %s:%d: %s\n"):format(x.file, x.line, x.reason))
  end
  if r.rows_rejected > #r.rejects then
    out:write(("  ... and %d more rejected rows\n"):format(r.rows_rejected - #r.rejects))
  end
end

function import.run(words, ctx)
  local kind = words[1]
  if #words < 2 then error("import takes a kind and one or more files (radcode import --help)", 0) end
  if not KINDS[kind] then error(("unknown import kind '%s' (radcode import --help)"):format(kind), 0) end
  if not ctx.options.db then error("import needs --db DB (the database to load into)", 0) end
  local paths = table.move(words, 2, #words, 1, {})
  local o = ctx.options
  local rc, created = open_db(o.db)
  local ok, result, err = pcall(rc.import, rc, kind, #paths == 1 and paths[1] or paths,
    { setting = o.setting, version = o.version, edition = o.edition, from = o.from, to = o.to,
      allow_empty = o["allow-empty"] or nil })
  rc:close()
  if created and not (ok and result) then remove_db(o.db) end
  if not ok then error((tostring(result):gsub("^bad argument #%d+ to '%?' %((.*)%)$", "%1")), 0) end
  if not result then error(err, 0) end
  if o.json then ctx.json(result) else report(ctx.out, result) end
  if result.rows_kept == 0 and result.rows_rejected > 0 then
    ctx.err:write(("radcode: every row was rejected (%d); the dataset '%s' now has no rows\n"):format(
      result.rows_rejected, result.source))
    return 1
  end
  return 0
end

return import
