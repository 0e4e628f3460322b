--- radcode explain CODE: the code page (rc:explain) as text, JSON, Markdown
-- or one self-contained HTML page.
local render = require "radcode.explain_render"

local explain = {
  summary = "the code page: what a code is, how it is paid and billed, what goes with it, with sources",
  options = { date = "value", setting = "value", payer = "value", markdown = "flag", html = "flag" },
  usage = [[
usage: radcode explain CODE [--date YYYY-MM-DD] [--setting practitioner|hospital] [--payer NAME]
                            [--json | --markdown | --html] [--db PATH]

Puts together every fact radcode holds about one code on the date of service,
for the claim type (practitioner: professional claim; hospital: institutional
claim), each with its source: what it is (the summary of the era, official
text, status, what changed on 2026-01-01 and what replaces a deleted code),
how it is paid (PC/TC, global days, PFS and OPPS status, MUE), when to use it
(the ladder's levels and what a chart must document), what goes with it
(add-ons, companions, frequency limits, pair edits, modifiers), where and how
it is billed (claim form, places of service, revenue code, BETOS, specialty)
and medical necessity (supporting diagnoses, and the coverage articles that
list the code once imported with `radcode import lcd-articles`).
--html prints one page to save and print. The date defaults to today.]],
}

function explain.run(words, ctx)
  if #words ~= 1 then error("explain takes one code (radcode explain --help)", 0) end
  local setting = ctx.setting()
  local o = ctx.options
  local formats = (o.json and 1 or 0) + (o.markdown and 1 or 0) + (o.html and 1 or 0)
  if formats > 1 then error("give at most one of --json, --markdown and --html", 0) end
  local rc <close> = assert(ctx.open())
  local page, err = rc:explain(words[1], { date = o.date, setting = setting, payer = o.payer })
  if not page then error(err, 0) end
  if o.json then ctx.json(page)
  elseif o.markdown then ctx.out:write(render.markdown(page), "\n")
  elseif o.html then ctx.out:write(render.html(page))
  else ctx.out:write(render.text(page), "\n") end
  return 0
end

return explain
