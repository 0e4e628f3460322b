--- radcode db upgrade PATH: brings a user's database up to this radcode's
-- schema and curated data, keeping what was imported into it.
local radcode = require "radcode"

local db = {
  summary = "db upgrade PATH: bring a database up to this radcode, keeping its imports",
  options = {},
  usage = [[
usage: radcode db upgrade PATH [--json]

A database made with radcode.open():save(path) or `radcode import ... --db
PATH` holds two kinds of rows: radcode's curated data (the codes, summaries,
classification facts and rules, related codes, companions, required
modifiers, ... of the release that wrote it) and the CMS/AMA files you
imported. `radcode db upgrade PATH` replaces the curated rows by this
release's, in one transaction, and keeps every imported dataset (where you
imported a dataset the release also ships, your rows stay); a database of
an older schema version is migrated the same way. Opening the database with
a newer radcode does this by itself (radcode.open{db = PATH}); this command
does it now and says what changed. A read-only file is read with this
release's curated data in memory and left as it is: this command then
refuses, and says how to upgrade a copy. On any failure nothing changes.]],
}

local function stamp(s)
  local text = ("radcode %s, schema %s"):format(s.radcode_version ~= "" and s.radcode_version or "?",
    s.schema_version ~= "" and s.schema_version or "?")
  if s.curated_id then text = text .. ", curated data " .. s.curated_id end
  return text
end

function db.run(words, ctx)
  if words[1] ~= "upgrade" or #words ~= 2 then
    error("usage: radcode db upgrade PATH (radcode db --help)", 0)
  end
  local r, err = radcode.upgrade(words[2])
  if not r then error(err, 0) end
  if ctx.options.json then
    ctx.json(r)
  elseif r.upgraded then
    ctx.out:write(("%s: upgraded from %s to %s; %d imported dataset%s kept\n"):format(r.path, stamp(r.from),
      stamp(r.to), r.imports, r.imports == 1 and "" or "s"))
  else
    ctx.out:write(("%s: already has this radcode's curated data (%s); %d imported dataset%s\n"):format(r.path,
      stamp(r.to), r.imports, r.imports == 1 and "" or "s"))
  end
  return 0
end

return db
