--- radcode lookup CODE: what radcode knows of one code, as text or JSON.
local lookup = {
  summary = "what a code is, and whether it is valid on a date and in a setting",
  options = { date = "value", setting = "value" },
  usage = [[
usage: radcode lookup CODE [--date YYYY-MM-DD] [--setting practitioner|hospital] [--json] [--db PATH]

Shows the code's summary, its status on the date of service (active, deleted,
not_yet_valid), professional/technical split, multiple-procedure and bilateral
indicators, payment status in the setting and in both fee schedules (PFS; OPPS
with its payment rate), MUE in the setting, add-on primaries, required
modifiers, replacements, related codes, and the dataset each fact came from.
The date defaults to today and the setting to practitioner.]],
}

local MAI = { "per claim line", "per date of service, policy", "per date of service, clinical" }

local function list_codes(items)
  local parts = {}
  for _, item in ipairs(items) do
    local where = ""
    if item.payer and item.payer ~= "*" then where = where .. item.payer .. " " end
    if item.setting and item.setting ~= "*" then where = where .. item.setting end
    parts[#parts + 1] = item.code .. (item.relation and (" (" .. item.relation .. ")") or "")
      .. (where ~= "" and (" [" .. where:gsub(" $", "") .. "]") or "")
      .. (item.reason and (": " .. item.reason) or "")
  end
  return parts
end

local function line(out, label, text)
  if text and text ~= "" then out:write(("  %-14s %s\n"):format(label, text)) end
end

local function lines(out, label, items)
  for i, text in ipairs(list_codes(items or {})) do
    line(out, i == 1 and label or "", text)
  end
end

local function print_record(out, r)
  out:write(("%s  %s  %s  %s on %s (%s)\n"):format(r.code, r.system, r.family, r.status, r.date, r.setting))
  line(out, "summary", r.summary)
  line(out, "official text", r.descriptor)
  line(out, "valid", r.effective .. " to " .. (r.terminated or "(no end date)"))
  if r.pctc then
    line(out, "PC/TC", ("%s (%s), global %s"):format(r.pctc, r.component or "?", r.global or "-"))
  end
  if r.mult_proc or r.bilateral then
    line(out, "indicators", ("multiple procedure %s, bilateral %s"):format(r.mult_proc or "-", r.bilateral or "-"))
  end
  local primaries = {}
  for _, p in ipairs(r.primaries or {}) do primaries[#primaries + 1] = p.code end
  line(out, "add-on", r.addon and ("yes" .. (#primaries > 0 and (" (primaries " .. table.concat(primaries, ", ") .. ")") or "")) or "no")
  if r.payment_status then
    line(out, "payment", ("status %s%s%s"):format(r.payment_status,
      r.recognized == false and ", not recognised in this setting" or "",
      r.payment_meaning and (" (" .. r.payment_meaning .. ")") or ""))
  end
  if r.pfs then line(out, "PFS", ("status %s [%s]"):format(r.pfs.status, r.pfs.source)) end
  if r.opps then
    line(out, "OPPS", ("status %s%s [%s]"):format(r.opps.status,
      r.opps.payment_rate and (", payment rate %.2f"):format(r.opps.payment_rate) or "", r.opps.source))
  end
  if r.mue then
    line(out, "MUE", ("%d %s (MAI %d) [%s]"):format(r.mue.value, MAI[r.mue.mai] or "", r.mue.mai, r.mue.source))
  end
  for _, m in ipairs(r.required_modifiers or {}) do line(out, "must carry", m.modifier .. ": " .. m.reason) end
  lines(out, "use instead", r.replaced_by)
  lines(out, "related", r.related)
  line(out, "source", r.source)
  local keys, parts = {}, {}
  for k in pairs(r.sources or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do parts[#parts + 1] = k .. ": " .. r.sources[k] end
  line(out, "sources", table.concat(parts, "; "))
end

function lookup.run(words, ctx)
  if #words ~= 1 then error("lookup takes one code (radcode lookup --help)", 0) end
  local setting = ctx.setting()
  local rc = assert(ctx.open())
  local record, err = rc:lookup(words[1], { date = ctx.options.date, setting = setting })
  rc:close()
  if not record then error(err, 0) end
  if ctx.options.json then ctx.json(record) else print_record(ctx.out, record) end
  return 0
end

return lookup
