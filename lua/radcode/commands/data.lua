--- radcode data: the datasets loaded, with the dates of service each covers.
local data = {
  summary = "list the loaded datasets (NCCI, MUE, RVU, OPPS, HCPCS) and the dates they cover",
  options = {},
  usage = [[
usage: radcode data [--db PATH] [--json]

Lists the datasets of the embedded default data, or of the database PATH:
kind, name (what the rows cite as their source), version, and the dates of
service the data covers. rc:check reads, for each claim line, the NCCI PTP
and MUE version whose dates cover it (the newest otherwise), and says so
with a `coverage` finding when a line is dated outside them.]],
}

--- The datasets with a coverage, then the files loaded without one.
local function split(list)
  local covered, other = {}, {}
  for _, d in ipairs(list) do
    if d.from and d.to then covered[#covered + 1] = d else other[#other + 1] = d end
  end
  return covered, other
end

local function report(out, covered, other, origin)
  out:write(("datasets of %s\n"):format(origin))
  out:write(("  %-9s %-8s %-24s %s\n"):format("kind", "version", "covers", "name"))
  for _, d in ipairs(covered) do
    out:write(("  %-9s %-8s %-24s %s\n"):format(d.kind, d.version or "", d.from .. " to " .. d.to, d.name))
  end
  if #covered == 0 then out:write("  (none with known dates of service)\n") end
  local files = #other
  if files > 0 then
    out:write(("%d more loaded file%s without dates of service of their own (curated tables or files named without an edition)\n")
      :format(files, files == 1 and "" or "s"))
  end
end

function data.run(words, ctx)
  if #words > 0 then error("data takes no arguments (radcode data --help)", 0) end
  local rc = assert(ctx.open())
  local list = rc:datasets()
  rc:close()
  local covered, other = split(list)
  if ctx.options.json then
    local items = {}
    for i, d in ipairs(covered) do
      items[i] = { kind = d.kind, name = d.name, version = d.version, from = d.from, to = d.to, setting = d.setting,
        rows = d.rows_kept, loaded_at = d.loaded_at }
    end
    ctx.json(items)
  else
    report(ctx.out, covered, other, ctx.options.db or "the embedded default data")
  end
  return 0
end

return data
