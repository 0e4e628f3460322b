--- radcode pair CODE1 CODE2: may two codes be billed together on one date of
-- service (rc:pair)? Prints the NCCI verdict, indicator, rationale and
-- source; exit 0 when they may ("yes" or "with_modifier"), 1 when not, 2 on
-- errors (malformed or unknown code, bad date or setting).
local pair = {
  summary = "may two codes be billed together on one date (NCCI procedure-to-procedure edits)",
  options = { date = "value", setting = "value" },
  usage = [[
usage: radcode pair CODE1 CODE2 [--date YYYY-MM-DD] [--setting practitioner|hospital] [--json] [--db PATH]

Says whether two codes may be billed for one patient on one date of service
under the NCCI procedure-to-procedure edits of the setting: yes, with a
modifier (XE, XS, XP, XU or 59, when the services were distinct), or no; with
the edit's column 1 and column 2 codes, modifier indicator, rationale and
source. The date defaults to today and the setting to practitioner.
A code not valid on the date (not yet valid, deleted) makes the answer
"invalid". Exit: 0 when they may be billed together (also with a modifier),
1 when not (or invalid), 2 for errors.]],
}

local VERDICT = { yes = "yes", with_modifier = "only with a modifier", no = "no",
  invalid = "no: a code is not valid on the date" }

local function print_pair(out, r)
  out:write(r.message, "\n")
  out:write(("  %-10s %s\n"):format("together", VERDICT[r.together] or r.together))
  if r.indicator then
    out:write(("  %-10s column 1 %s, column 2 %s, modifier indicator %d\n"):format("edit", r.column1, r.column2,
      r.indicator))
    out:write(("  %-10s %s\n"):format("rationale", r.rationale or "-"))
    out:write(("  %-10s %s\n"):format("source", r.source or "-"))
  end
  out:write(("  %-10s %s (%s)\n"):format("on", r.date, r.setting))
end

function pair.run(words, ctx)
  if #words ~= 2 then error("pair takes two codes (radcode pair --help)", 0) end
  local setting = ctx.setting()
  local rc <close> = assert(ctx.open())
  local result, err = rc:pair(words[1], words[2], { date = ctx.options.date, setting = setting })
  if not result then error(err, 0) end
  if ctx.options.json then ctx.json(result) else print_pair(ctx.out, result) end
  return (result.together == "no" or result.together == "invalid") and 1 or 0
end

return pair
