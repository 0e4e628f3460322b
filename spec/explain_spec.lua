-- rc:explain and `radcode explain`: the code page, every fact with its source,
-- in four outputs; the HTML page parses with tidy (Debian package tidy).
local H = require "helper"
local radcode = require "radcode"
local render = require "radcode.explain_render"

local SECTIONS = { "what", "paid", "use", "with", "billed", "necessity" }

local function fact(section, label_pattern, text_pattern)
  for _, f in ipairs(section.facts) do
    if f.label:find(label_pattern) and (text_pattern == nil or f.text:find(text_pattern)) then return f end
  end
end

-- The rows of a data/*.tsv file as tables keyed by the header (empty fields absent).
local function tsv(path)
  local rows, header = {}, nil
  for line in H.read(path):gmatch("[^\n]+") do
    if not line:match("^#") then
      local fields = {}
      for v in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = v end
      if not header then
        header = fields
      else
        local row = {}
        for i, name in ipairs(header) do
          if fields[i] and fields[i] ~= "" then row[name] = fields[i] end
        end
        rows[#rows + 1] = row
      end
    end
  end
  return rows
end

local function curated_codes()
  local codes = {}
  for _, row in ipairs(tsv("data/codes.tsv")) do codes[#codes + 1] = row.code end
  return codes
end

describe("rc:explain", function()
  local rc
  setup(function() rc = assert(radcode.open()) end)
  teardown(function() rc:close() end)

  it("gives the summary of the era: 77412 is level 3 in 2026 and complex in 2025", function()
    local p26 = assert(rc:explain("77412", { date = "2026-03-02" }))
    local p25 = assert(rc:explain("77412", { date = "2025-03-03" }))
    assert.matches("level 3", p26.what.summary)
    assert.is_nil(p26.what.summary:find("complex level", 1, true))
    assert.matches("complex level", p25.what.summary)
    assert.is_nil(p25.what.summary:find("level 3", 1, true))
    assert.are.equal("level 3", p26.use.level)
    assert.are.equal("complex", p25.use.level)
  end)

  it("takes the levels of the ladder from the classification rows of the era", function()
    local p = assert(rc:explain("77412", { date = "2026-03-02" }))
    local by = {}
    for _, l in ipairs(p.use.levels) do by[l.level] = l end
    assert.is_truthy(by["level 1"] and by["level 2"] and by["level 3"])
    assert.is_true(by["level 3"].this)
    assert.are.same({ "77402" }, by["level 1"].codes)
    -- every criterion is the reason of a classify_rules row in force in 2026
    local reasons = {}
    for _, r in ipairs(tsv("data/classify_rules.tsv")) do
      if r.reason and (r.valid_from or "") <= "2026-03-02" and (r.valid_to == nil or r.valid_to >= "2026-03-02") then
        reasons[r.reason] = true
      end
    end
    for _, l in ipairs(p.use.levels) do
      for _, c in ipairs(l.criteria) do assert.is_true(reasons[c.reason], c.reason) end
    end
    local old = assert(rc:explain("77412", { date = "2025-03-03" }))
    local levels = {}
    for _, l in ipairs(old.use.levels) do levels[l.level] = true end
    assert.is_true(levels.simple and levels.intermediate and levels.complex)
    assert.is_nil(levels["level 3"])
  end)

  it("lists what a chart must document, per family and era", function()
    local d26 = assert(rc:explain("77407", { date = "2026-03-02" })).use.documentation
    local texts = {}
    for _, d in ipairs(d26) do texts[#texts + 1] = d.item end
    local all = table.concat(texts, "\n")
    assert.matches("technique", all)
    assert.matches("isocentre", all)
    assert.matches("motion management", all)
    local m = table.concat((function()
      local t = {}
      for _, d in ipairs(assert(rc:explain("77427", { date = "2026-03-02" })).use.documentation) do t[#t + 1] = d.item end
      return t
    end)(), "\n")
    assert.matches("fractions", m)
    assert.matches("weekly management note", m)
    local p = assert(rc:explain("77301", { date = "2026-03-02" }))
    assert.truthy(fact(p.use, "document", "DVH"))
    assert.truthy(fact(p.use, "document", "constraints"))
    assert.is_nil(fact(assert(rc:explain("77407", { date = "2025-03-03" })).use, "document", "isocentres treated"))
  end)

  it("says what changed on 2026-01-01 and what replaces a deleted code", function()
    local p = assert(rc:explain("77385", { date = "2026-03-02" }))
    assert.are.equal("deleted", p.what.status)
    assert.matches("deleted on 2026%-01%-01", p.what.changes[1].text)
    local instead = {}
    for _, r in ipairs(p.what.replaced_by) do instead[r.code] = true end
    assert.is_true(instead["77407"] and instead["77412"])
    local g = assert(rc:explain("77412", { date = "2026-03-02" }))
    assert.truthy(fact(g.what, "changed", "meaning changed"))
    local igrt = assert(rc:explain("77387", { date = "2026-03-02" }))
    assert.truthy(fact(igrt.with, "must carry 26", "practitioner"))
    local hosp = assert(rc:explain("77387", { date = "2026-03-02", setting = "hospital" }))
    assert.truthy(fact(hosp.with, "must not carry 26", "hospital"))
  end)

  it("says how it is paid: PC/TC and what it means, global, PFS and OPPS status, MUE and MAI in words", function()
    local p = assert(rc:explain("77427", { date = "2025-03-03" }))
    assert.are.equal("2", p.paid.pctc.pctc)
    assert.are.equal("professional", p.paid.pctc.component)
    assert.truthy(fact(p.paid, "PC/TC", "professional"))
    assert.truthy(fact(p.paid, "PFS status"))
    local t = assert(rc:explain("77412", { date = "2026-03-02" }))
    assert.truthy(fact(t.paid, "OPPS status", "^S"))
    local mue = fact(t.paid, "MUE practitioner")
    assert.matches("at most 2 units", mue.text)
    assert.matches("appeal", mue.text)
    assert.matches("CMS MUE", mue.source)
  end)

  it("shows the OPPS status indicator and the APC of an imported Addendum B with its APC column", function()
    local plain = assert(rc:explain("77412", { date = "2026-03-02", setting = "hospital" }))
    assert.is_nil(plain.paid.apc)                       -- the embedded data has no APCs
    assert.is_nil(fact(plain.paid, "^APC$"))
    local dir = H.tmpdir()
    local r = assert(radcode.open({ db = H.new_db(dir) }))
    assert(r:import("opps", H.root .. "/spec/fixtures/import/opps_addb_apc.csv", { edition = "2099Q1", from = "2099-01-01" }))
    local p = assert(r:explain("77412", { date = "2099-02-01", setting = "hospital" }))
    assert.are.same({ apc = "5623", status = "S", payment_rate = 662.41, source = "CMS OPPS Addendum B 2099Q1" }, p.paid.apc)
    local apc = fact(p.paid, "^APC$", "^5623 ")
    assert.matches("status indicator S", apc.text)
    assert.matches("%$662%.41", apc.text)
    assert.are.equal("CMS OPPS Addendum B 2099Q1", apc.source)
    local opps = {}
    for _, f in ipairs(p.paid.facts) do
      if f.label == "OPPS status" then opps[#opps + 1] = f end
    end
    assert.are.equal(1, #opps)                          -- the newest row in force, not the embedded one too
    assert.are.equal("CMS OPPS Addendum B 2099Q1", opps[1].source)
    assert.matches("APC.*5623", render.text(p))
    assert.is_nil(assert(r:explain("77427", { date = "2099-02-01", setting = "hospital" })).paid.apc)   -- no APC on its row
    r:close()
    H.remove_tree(dir)
  end)

  it("says what goes with it: companions, frequency limits, pair edits with indicators, modifiers", function()
    local p = assert(rc:explain("77014", { date = "2025-03-03" }))
    assert.is_true(#p.with.companions > 0)
    local f = assert(rc:explain("77427", { date = "2025-03-03" })).with.frequency
    assert.are.equal("fractions", f[1].period)
    local e = assert(rc:explain("77412", { date = "2025-03-03" }))
    local seen
    for _, x in ipairs(e.with.pair_edits) do
      if x.other == "77402" then seen = x end
    end
    assert.are.equal(1, seen.indicator)
    assert.are.equal("with_modifier", seen.together)
    local mods = {}
    for _, m in ipairs(e.with.modifiers) do mods[m.modifier] = true end
    assert.is_true(mods["26"] and mods.TC and mods["59"] and mods.XS and mods["76"] and mods["77"])
    assert.is_nil(mods["25"])   -- 25 is for E/M codes
  end)

  it("lists the pair edits that matter: radiation codes and E/M visits, not every national code", function()
    local others = {}
    for _, x in ipairs(assert(rc:explain("77263", { date = "2025-03-03" })).with.pair_edits) do others[x.other] = x end
    assert.is_truthy(others["77262"], "the ladder edit 77263/77262")
    assert.is_truthy(others["99213"], "the E/M edit 77263/99213")
    local national = {}
    for _, x in ipairs(assert(rc:explain("77412", { date = "2025-03-03" })).with.pair_edits) do
      local r = rc:lookup(x.other, { date = "2025-03-03" })
      local em = x.other:match("^99") or x.other == "G0463"   -- data/code_groups.tsv's E/M group
      if r and r.family == "other" and not em then national[#national + 1] = x.other end
    end
    assert.are.same({}, national)   -- e.g. 90832, 36000: named by the CMS files, not radiation codes
  end)

  it("says where and how it is billed: claim forms, places, revenue code 033x, BETOS P7A (not a revenue code), specialty", function()
    local p = assert(rc:explain("77412", { date = "2026-03-02" }))
    assert.matches("^033", p.billed.revenue_code)
    assert.are.equal("P7A", p.billed.betos)
    assert.matches("not a revenue code", fact(p.billed, "BETOS").text)
    assert.truthy(fact(p.billed, "specialty", "radiation oncology"))
    assert.truthy(fact(p.billed, "claim %(hospital%)", "institutional"))
    assert.truthy(fact(p.billed, "claim %(practitioner%)", "professional"))
    assert.truthy(fact(p.billed, "place 22"))
    local spacer = assert(rc:explain("55874", { date = "2026-03-02" }))
    assert.is_nil(spacer.billed.betos)   -- a surgical code: no radiation billing facts
  end)

  it("gives medical necessity: supporting diagnoses from data", function()
    local p = assert(rc:explain("77412", { date = "2026-03-02" }))
    assert.is_true(p.necessity.diagnosis_required)
    assert.are.equal("C00", p.necessity.supporting[1].dx_from)
    assert.are.same({}, p.necessity.articles)
  end)

  it("gives every fact a source, for every curated code, in both eras and settings", function()
    for _, code in ipairs(curated_codes()) do
      for _, date in ipairs({ "2025-06-02", "2026-06-01" }) do
        for _, setting in ipairs({ "practitioner", "hospital" }) do
          local p = assert(rc:explain(code, { date = date, setting = setting }))
          for _, key in ipairs(SECTIONS) do
            for _, f in ipairs(p[key].facts) do
              assert.is_string(f.source, ("%s %s %s: %s has no source"):format(code, date, key, f.label))
              assert.is_nil(f.source:lower():find("domain.md", 1, true))
            end
          end
          assert.is_truthy(p.what.facts[1], code)
        end
      end
    end
  end)

  it("works for a code known only from an imported file, with what is known", function()
    local dir = H.tmpdir()
    local db = H.new_db(dir)
    H.write(dir .. "/cpt.txt", "99213\tan office visit (test text)\n")
    local r = assert(radcode.open({ db = db }))
    assert(r:import("cpt-descriptors", dir .. "/cpt.txt"))
    local known = r:lookup("99213")
    if not known then
      r:close()
      H.remove_tree(dir)
      pending("cpt-descriptors import does not add codes radcode does not know")
      return
    end
    local p = assert(r:explain("99213", { date = "2026-03-02" }))
    assert.are.equal("99213", p.code)
    for _, key in ipairs(SECTIONS) do assert.is_table(p[key].facts) end
    r:close()
    H.remove_tree(dir)
  end)

  it("raises on wrong types and gives nil, message for bad values", function()
    assert.has_error(function() rc:explain(77412) end)
    assert.has_error(function() rc:explain("77412", "2026-01-01") end)
    assert.has_error(function() rc:explain("77412", { date = 20260101 }) end)
    assert.has_error(function() rc:explain("77412", { payer = 1 }) end)
    assert.has_error(function() rc:explain("77412", { when = "2026-01-01" }) end)
    local p, err = rc:explain("7741")
    assert.is_nil(p)
    assert.matches("malformed code", err)
    p, err = rc:explain("77412", { date = "2026-02-30" })
    assert.is_nil(p)
    assert.is_string(err)
    p, err = rc:explain("99999")
    assert.is_nil(p)
    assert.matches("unknown code", err)
    assert.has_error(function() rc:explain("77412", { setting = "office" }) end)   -- as rc:lookup
  end)
end)

describe("radcode explain (command line)", function()
  it("prints the readable page with every section", function()
    local out, err, code = H.radcode({ "explain", "77412", "--date", "2026-03-02" })
    assert.are.equal(0, code, err)
    for _, s in ipairs(require("radcode.explain").SECTIONS) do assert.truthy(out:find(s.title, 1, true), s.title) end
    assert.matches("level 3", out)
  end)

  it("prints JSON that decodes to the API's page", function()
    local out, _, code = H.radcode({ "explain", "77427", "--date", "2025-03-03", "--json" })
    assert.are.equal(0, code)
    local page = assert(radcode.json.decode(out))
    assert.are.equal("77427", page.code)
    assert.are.equal("fractions", page.with.frequency[1].period)
  end)

  it("prints Markdown with one heading per section", function()
    local out, _, code = H.radcode({ "explain", "77301", "--markdown", "--date", "2026-03-02" })
    assert.are.equal(0, code)
    for _, s in ipairs(require("radcode.explain").SECTIONS) do assert.truthy(out:find("## " .. s.title, 1, true)) end
    assert.matches("| document | ", out, 1, true)
  end)

  it("prints one HTML page that tidy parses without errors or warnings, with every section", function()
    if not H.run("command -v tidy") or select(3, H.run("command -v tidy")) ~= 0 then
      pending("tidy is not installed (make deps installs it)")
      return
    end
    local dir = H.tmpdir()
    for _, c in ipairs({ "77412", "77385", "55874", "C1717", "77387" }) do
      local out, _, code = H.radcode({ "explain", c, "--html", "--date", "2026-03-02" })
      assert.are.equal(0, code)
      H.write(dir .. "/page.html", out)
      local _, terr, tcode = H.run("tidy -e -q " .. H.quote(dir .. "/page.html"))
      assert.are.equal(0, tcode, terr)
      assert.are.equal("", terr)
      for _, key in ipairs(SECTIONS) do assert.truthy(out:find('<section id="' .. key .. '">', 1, true), key) end
      assert.is_nil(out:find("<script", 1, true))
      assert.is_nil(out:find("<link", 1, true))
    end
    H.remove_tree(dir)
  end)

  it("escapes text in the HTML page", function()
    local page = { code = "X", date = "2026-01-01", setting = "practitioner", what = { summary = "<b>&", facts = {} } }
    for _, key in ipairs(SECTIONS) do page[key] = page[key] or { title = key, facts = {} } end
    page.what.title = "What it is"
    page.paid.facts = { { label = "a<b", text = "x & y", source = '"s"' } }
    local html = render.html(page)
    assert.truthy(html:find("&lt;b&gt;&amp;", 1, true))
    assert.truthy(html:find("a&lt;b", 1, true))
    assert.is_nil(html:find("<b>", 1, true))
  end)

  it("refuses two output formats, and a malformed code, with exit 2", function()
    local _, err, code = H.radcode({ "explain", "77412", "--json", "--html" })
    assert.are.equal(2, code)
    assert.matches("at most one", err)
    _, err, code = H.radcode({ "explain", "7741" })
    assert.are.equal(2, code)
    assert.matches("malformed", err)
  end)
end)
