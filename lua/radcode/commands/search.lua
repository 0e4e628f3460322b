--- radcode search WORDS: ranked full-text search over codes.
local search = {
  summary = "find codes by words, abbreviations or a code prefix",
  options = { limit = "value", date = "value" },
  usage = [[
usage: radcode search WORDS... [--limit N] [--date YYYY-MM-DD] [--json] [--db PATH]

Finds codes whose number, summary, official text or keywords match the words
(each word also matches as a prefix: "7740" finds 77401, 77402 and 77407;
abbreviations such as IMRT, SBRT, IGRT and HDR match their long forms).
Codes matching more words come first. With --date, only codes valid on that
date of service are shown. --limit defaults to 10.]],
}

function search.run(words, ctx)
  if #words == 0 then error("search needs words (radcode search --help)", 0) end
  local limit = ctx.options.limit
  if limit then
    limit = math.tointeger(tonumber(limit))
    if not limit or limit < 1 or limit > 500 then error("--limit must be a whole number from 1 to 500", 0) end
  end
  local rc = assert(ctx.open())
  local results, err = rc:search(table.concat(words, " "), { limit = limit, date = ctx.options.date })
  rc:close()
  if not results then error(err, 0) end
  if ctx.options.json then
    ctx.json(results)
  elseif #results == 0 then
    ctx.out:write("no codes match\n")
  else
    for i, r in ipairs(results) do
      ctx.out:write(("%2d. %s  %-13s %5.2f  %s%s\n"):format(i, r.code, r.family, r.score, r.summary,
        r.status ~= "active" and (" [" .. r.status .. "]") or ""))
    end
  end
  return 0
end

return search
