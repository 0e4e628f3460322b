--- radcode.explain: the code page. rc:explain(code [, {date =, setting =,
-- payer =}]) gathers every fact radcode holds about one code on a date of
-- service, for a claim type and payer, into one table of six sections
-- (what it is, how it is paid, when to use it, what goes with it, where and
-- how it is billed, medical necessity). Every fact comes from the data
-- (rc:lookup, rc:pair and the rows of rc:_explain_rows) and carries its
-- source; this module only puts them together. The renderers are in
-- radcode.explain_render.
local core = require "radcode.core"

local explain = {}

-- The order of the sections on the page, with their titles.
explain.SECTIONS = {
  { key = "what", title = "What it is" },
  { key = "paid", title = "How it is paid" },
  { key = "use", title = "When to use it" },
  { key = "with", title = "What goes with it" },
  { key = "billed", title = "Where and how it is billed" },
  { key = "necessity", title = "Medical necessity" },
}

-- The date the 2026 radiation oncology code set took effect (the codes'
-- effective and terminated dates in the data meet there).
local CHANGE = "2026-01-01"

local function add(section, label, text, source)
  if text == nil or text == "" then return end
  section.facts[#section.facts + 1] = { label = label, text = text, source = source }
end

local function new_section(key)
  for _, s in ipairs(explain.SECTIONS) do
    if s.key == key then return { title = s.title, facts = {} } end
  end
end

local function rows(rc, kind, code, q)
  local list, err = rc:_explain_rows(kind, code, q)
  if not list then error(err, 0) end
  return list
end

-- What it is ------------------------------------------------------------

local function what_changed(rc, code, rec, q)
  local changes = {}
  if rec.terminated and rec.terminated < CHANGE and rec.terminated >= "2025-12-31" then
    local after = rc:lookup(code, { date = CHANGE, setting = q.setting })
    local instead = {}
    for _, r in ipairs(after and after.replaced_by or {}) do
      instead[#instead + 1] = r.code .. (r.reason and (" (" .. r.reason .. ")") or "")
    end
    changes[#changes + 1] = { text = ("deleted on %s%s"):format(CHANGE,
      #instead > 0 and ("; use instead: " .. table.concat(instead, "; ")) or ""), source = rec.source }
  elseif rec.effective == CHANGE then
    changes[#changes + 1] = { text = ("new on %s"):format(CHANGE), source = rec.source }
  end
  local eras = rows(rc, "eras", code, q)
  for i = 2, #eras do
    if eras[i].valid_from == CHANGE then
      changes[#changes + 1] = { text = ("meaning changed: before, %s From %s: %s"):format(eras[i - 1].summary, CHANGE,
        eras[i].summary), source = eras[i].source }
    end
  end
  local ind = rows(rc, "indicator_changes", code, q)
  for i = 2, #ind do
    if ind[i].valid_from == CHANGE then
      changes[#changes + 1] = { text = ("PC/TC indicator %s from %s (was %s)"):format(ind[i].pctc, CHANGE, ind[i - 1].pctc),
        source = ind[i].source }
    end
  end
  return changes
end

local function section_what(rc, code, rec, q)
  local s = new_section("what")
  local era = rows(rc, "summary", code, q)[1]
  s.summary = era and era.summary or rec.summary
  s.summary_source = era and era.source or rec.source
  s.system, s.family, s.status = rec.system, rec.family, rec.status
  s.descriptor, s.effective, s.terminated, s.addon = rec.descriptor, rec.effective, rec.terminated, rec.addon
  s.changes = what_changed(rc, code, rec, q)
  s.replaced_by = rec.replaced_by
  add(s, "summary", s.summary, s.summary_source)
  add(s, "official text", rec.descriptor, rec.descriptor and rec.source)
  add(s, "code", ("%s %s, family %s%s"):format(rec.system, code, rec.family, rec.addon and ", an add-on code" or ""),
    rec.source)
  add(s, "status", ("%s on %s (valid %s to %s)"):format(rec.status, q.date, rec.effective,
    rec.terminated or "no end date"), rec.source)
  for _, c in ipairs(s.changes) do add(s, "changed " .. CHANGE, c.text, c.source) end
  for _, r in ipairs(rec.replaced_by or {}) do
    add(s, "use instead", ("%s%s: %s"):format(r.code, r.payer ~= "*" and (" (" .. r.payer .. ")") or "", r.reason),
      r.source)
  end
  return s
end

-- How it is paid ----------------------------------------------------------

local function section_paid(rc, code, q)
  local s = new_section("paid")
  local pctc = rows(rc, "pctc", code, q)[1]
  s.pctc = pctc
  if pctc then
    add(s, "PC/TC", ("indicator %s (%s): %s"):format(pctc.pctc, pctc.component or "?", pctc.meaning or ""),
      pctc.source .. (pctc.meaning_source and ("; " .. pctc.meaning_source) or ""))
    add(s, "global days", pctc.global, pctc.source)
  end
  local mai = {}
  for _, b in ipairs(rows(rc, "billing", code, q)) do
    if b.fact == "mai" then mai[b.value] = b end
  end
  s.payment = rows(rc, "payment", code, q)
  for _, p in ipairs(s.payment) do
    p.recognized = p.recognized == 1
    add(s, p.setting == "hospital" and "OPPS status" or "PFS status",
      ("%s: %s"):format(p.status, p.meaning or "no meaning on file"), p.source)
    if p.setting == "hospital" and p.apc then
      -- the APC of an imported OPPS Addendum B that has its APC column
      s.apc = { apc = p.apc, status = p.status, payment_rate = p.payment_rate, source = p.source }
      add(s, "APC", ("%s (OPPS payment group, status indicator %s%s)"):format(p.apc, p.status,
        p.payment_rate and (", national rate $%.2f"):format(p.payment_rate) or ""), p.source)
    end
  end
  s.mue = rows(rc, "mue", code, q)
  for _, m in ipairs(s.mue) do
    local meaning = mai[tostring(m.mai)]
    m.mai_meaning = meaning and meaning.meaning
    add(s, "MUE " .. m.setting, ("at most %d unit%s; MAI %d: %s%s"):format(m.value, m.value == 1 and "" or "s", m.mai,
      m.mai_meaning or "", m.rationale and (" (" .. m.rationale .. ")") or ""),
      m.source .. (meaning and ("; " .. meaning.source) or ""))
  end
  return s
end

-- When to use it ---------------------------------------------------------

-- The level a code row decides: its level column, or level == "X" in its condition.
local function level_of(row)
  return row.level or (row.condition and row.condition:match('level == "([^"]+)"'))
end

-- A rule's reason with its {fact} placeholders filled from the values its
-- condition compares the fact with ("prostate or breast"), or dropped.
local function criterion(reason, condition)
  local function values(name)
    local seen = {}
    for v in (condition or ""):gmatch(name .. '%s*==%s*"([^"]+)"') do seen[#seen + 1] = v end
    return #seen > 0 and table.concat(seen, " or ") or nil
  end
  local text = reason:gsub("%s*%(%{([%w_]+)%}%)", function(name)
    local v = values(name)
    return v and (" (" .. v .. ")") or ""
  end)
  return (text:gsub("%{([%w_]+)%}", function(name) return values(name) or name end))
end

local function ladder(rc, code, q)
  local levels, by_level, own = {}, {}, nil
  for _, r in ipairs(rows(rc, "ladder", code, q)) do
    local lvl = level_of(r)
    if lvl then
      local entry = by_level[lvl]
      if not entry then
        entry = { level = lvl, service = r.service, codes = {}, criteria = {}, seen = {} }
        by_level[lvl] = entry
        levels[#levels + 1] = entry
      end
      if r.slot == "code" and r.code then
        local seen = false
        for _, c in ipairs(entry.codes) do seen = seen or c == r.code end
        if not seen then entry.codes[#entry.codes + 1] = r.code end
        if r.code == code then own = lvl end
      end
      local text = r.reason and criterion(r.reason, r.condition)
      if text and not entry.seen[text] then
        entry.seen[text] = true
        entry.criteria[#entry.criteria + 1] = { text = text, reason = r.reason, source = r.source }
      end
    end
  end
  for _, e in ipairs(levels) do e.this, e.seen = e.level == own, nil end
  return levels, own
end

local function section_use(rc, code, q)
  local s = new_section("use")
  s.levels, s.level = ladder(rc, code, q)
  for _, e in ipairs(s.levels) do
    local texts, sources = {}, {}
    for _, c in ipairs(e.criteria) do
      texts[#texts + 1] = c.text
      sources[c.source] = true
    end
    local src = {}
    for k in pairs(sources) do src[#src + 1] = k end
    table.sort(src)
    add(s, ("%s%s"):format(e.level, e.this and " (this code)" or ""),
      ("%s%s"):format(#e.codes > 0 and (table.concat(e.codes, ", ") .. ": ") or "",
        #texts > 0 and table.concat(texts, "; ") or "when no higher level applies"), table.concat(src, "; "))
  end
  s.documentation = rows(rc, "documentation", code, q)
  for _, d in ipairs(s.documentation) do add(s, "document", d.item, d.source) end
  return s
end

-- What goes with it --------------------------------------------------------

local function section_with(rc, code, q)
  local s = new_section("with")
  s.primaries = rows(rc, "primaries", code, q)
  for _, r in ipairs(s.primaries) do add(s, "add-on to", r.code or ("any primary (AOC type " .. r.type .. ")"), r.source) end
  s.addons = rows(rc, "addons", code, q)
  for _, r in ipairs(s.addons) do add(s, "its add-on", r.code, r.source) end
  s.related = {}
  s.related = rows(rc, "related", code, q)
  for _, r in ipairs(s.related) do
    add(s, (r.relation:gsub("_", " ")), r.code .. (r.note and (": " .. r.note) or ""), r.source)
  end
  s.companions = rows(rc, "companions", code, q)
  for _, c in ipairs(s.companions) do
    add(s, "needs", ("%s%s: %s"):format(c.partner, c.modifier and (" (when billed with " .. c.modifier .. ")") or "",
      c.reason), c.source)
  end
  s.frequency = rows(rc, "frequency", code, q)
  for _, f in ipairs(s.frequency) do
    add(s, "how often", ("at most %d per %s%s: %s"):format(f.max_units,
      f.period == "fractions" and (f.fractions .. " fractions") or f.period,
      f.payer ~= "*" and (" (" .. f.payer .. ")") or "", f.reason), f.source)
  end
  s.pair_edits = {}
  for _, e in ipairs(rows(rc, "ptp", code, q)) do
    local other = e.column1 == code and e.column2 or e.column1
    local verdict = rc:pair(e.column1, e.column2, { date = q.date, setting = q.setting })
    e.other, e.together = other, verdict and verdict.together
    s.pair_edits[#s.pair_edits + 1] = e
    add(s, "pair edit", ("%s: column 1 %s, column 2 %s, indicator %d (%s)%s"):format(other, e.column1, e.column2,
      e.indicator, e.together == "with_modifier" and "only with a bypass modifier when distinct" or
      (e.together == "no" and "never together" or tostring(e.together)),
      e.rationale and ("; " .. e.rationale) or ""), e.source)
  end
  s.modifiers = rows(rc, "modifiers", code, q)
  for _, m in ipairs(s.modifiers) do
    add(s, "modifier " .. m.modifier, ("%s (%s)"):format(m.meaning, m.kind), m.source)
  end
  s.modifier_rules = {}
  for _, m in ipairs(rows(rc, "modifier_rules", code, q)) do
    if m.setting == "*" or m.setting == q.setting then
      s.modifier_rules[#s.modifier_rules + 1] = m
      local what = m.kind == "required" and "must carry" or "must not carry"
      add(s, what .. " " .. m.modifier, ("%s claim: %s"):format(m.setting, m.reason), m.source)
    end
  end
  return s
end

-- Where and how it is billed -------------------------------------------------

local function section_billed(rc, code, q)
  local s = new_section("billed")
  s.facts_by_kind = {}
  local labels = { claim_form = "claim", revenue_code = "revenue code", betos = "BETOS", specialty = "specialty" }
  for _, b in ipairs(rows(rc, "billing", code, q)) do
    if labels[b.fact] then
      local list = s.facts_by_kind[b.fact] or {}
      s.facts_by_kind[b.fact] = list
      list[#list + 1] = b
      add(s, labels[b.fact] .. (b.setting ~= "*" and (" (" .. b.setting .. ")") or ""),
        ("%s: %s"):format(b.value, b.meaning), b.source)
    end
  end
  s.revenue_code = s.facts_by_kind.revenue_code and s.facts_by_kind.revenue_code[1].value
  s.betos = s.facts_by_kind.betos and s.facts_by_kind.betos[1].value
  s.specialty = s.facts_by_kind.specialty and s.facts_by_kind.specialty[1].value
  s.places = rows(rc, "places", code, q)
  for _, p in ipairs(s.places) do
    p.facility = p.facility == 1
    add(s, "place " .. p.pos, p.name .. (p.facility and " (facility rate: professional part only)" or ""), p.source)
  end
  return s
end

-- Medical necessity ---------------------------------------------------------

local function section_necessity(rc, code, q)
  local s = new_section("necessity")
  local required = rows(rc, "dx_required", code, q)[1]
  s.diagnosis_required = required ~= nil
  if required then add(s, "diagnosis", "a line needs a diagnosis that supports radiation therapy", required.source) end
  for _, b in ipairs(rows(rc, "billing", code, q)) do
    if b.fact == "coverage" then
      s.coverage = b.value
      add(s, "coverage", b.meaning, b.source)
    end
  end
  s.supporting = rows(rc, "dx_support", code, q)
  for _, d in ipairs(s.supporting) do
    add(s, "supports", ("%s-%s %s%s"):format(d.dx_from, d.dx_to, d.note, d.payer ~= "*" and (" (" .. d.payer .. ")") or ""),
      d.source)
  end
  s.articles = rows(rc, "articles", code, q)
  local groups, contractors = {}, {}
  for _, g in ipairs(rows(rc, "article_dx", code, q)) do
    groups[g.article_id] = groups[g.article_id] or {}
    table.insert(groups[g.article_id], g)
  end
  for _, c in ipairs(rows(rc, "article_contractors", code, q)) do
    contractors[c.article_id] = contractors[c.article_id] or {}
    table.insert(contractors[c.article_id], c)
  end
  for _, a in ipairs(s.articles) do
    a.dx_groups, a.contractors = groups[a.article_id] or {}, contractors[a.article_id] or {}
    local parts = {}
    for _, g in ipairs(a.dx_groups) do
      local all, shown = {}, {}
      for dx in g.codes:gmatch("%S+") do all[#all + 1] = dx end
      table.sort(all)
      table.move(all, 1, math.min(12, #all), 1, shown)
      g.codes = shown
      parts[#parts + 1] = ("%s group %d (%d): %s%s"):format(g.covered == 1 and "covered" or "not covered", g.grp,
        g.count, table.concat(shown, " "), g.count > #shown and " ..." or "")
    end
    local who = {}
    for _, c in ipairs(a.contractors) do who[#who + 1] = (c.number ~= "" and c.number or c.contractor_id) ..
      (c.states and c.states ~= "" and (" " .. c.states) or "") end
    add(s, "article A" .. a.article_id, ("%s%s%s"):format(a.title,
      #parts > 0 and ("; " .. table.concat(parts, "; ")) or "",
      #who > 0 and ("; contractors " .. table.concat(who, ", ")) or ""), a.source)
  end
  return s
end

--- rc:explain(code [, {date =, setting =, payer =}]) -> page | nil, message
function explain.page(rc, code, opts)
  if opts ~= nil and type(opts) ~= "table" then
    error(("bad argument #2 to 'explain' (table expected, got %s)"):format(type(opts)), 3)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if k ~= "date" and k ~= "setting" and k ~= "payer" then
      error(("bad argument #2 to 'explain' (unknown option '%s')"):format(tostring(k)), 3)
    end
  end
  if opts.payer ~= nil and type(opts.payer) ~= "string" then
    error(("bad argument #2 to 'explain' (option 'payer' must be a string, got %s)"):format(type(opts.payer)), 3)
  end
  local rec, err = rc:lookup(code, { date = opts.date, setting = opts.setting })
  if not rec then return nil, err end
  local q = { date = rec.date, setting = rec.setting, payer = opts.payer }
  local c = rec.code
  local ok, page = pcall(function()
    return {
      code = c, date = rec.date, setting = rec.setting, payer = opts.payer,
      what = section_what(rc, c, rec, q),
      paid = section_paid(rc, c, q),
      use = section_use(rc, c, q),
      with = section_with(rc, c, q),
      billed = section_billed(rc, c, q),
      necessity = section_necessity(rc, c, q),
    }
  end)
  if not ok then return nil, tostring(page) end
  return page
end

--- Adds rc:explain to the handle's methods.
function explain.install(Handle)
  function Handle:explain(code, opts) return explain.page(self, code, opts) end
end

explain.install(core.Handle)

return explain
