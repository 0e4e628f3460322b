-- Coverage articles: rc:import("lcd-articles", folder) on fixtures of the
-- CMS MCD "current article" export layout (spec/fixtures/lcd), bad input,
-- the necessity edit against the articles (claim.contractor, claim.state),
-- and the articles on the code page.
local H = require "helper"
local radcode = require "radcode"

local FIX = H.root .. "/spec/fixtures/lcd"
local BAD = H.root .. "/spec/fixtures/lcd_bad"
-- Runs shell commands (zip, cp) without the sanitizer runtime that `make
-- sanitize` preloads into every child: those tools are not built for it,
-- and its leak check aborts them.
local function sh(command)
  return os.execute("env -u LD_PRELOAD sh -c " .. H.quote(command))
end

local function claim(dx, extra)
  local c = { setting = "hospital", diagnoses = dx, lines = { { code = "77412", date = "2026-02-02" } } }
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

local function necessity(result)
  local list = {}
  for _, f in ipairs(result.findings) do
    if f.rule:match("^necessity") then list[#list + 1] = f end
  end
  return list
end

describe("lcd-articles import", function()
  local dir, db, rc
  before_each(function()
    dir = H.tmpdir()
    db = H.new_db(dir)
    rc = assert(radcode.open({ db = db }))
  end)
  after_each(function()
    rc:close()
    H.remove_tree(dir)
  end)

  it("loads the articles, their codes, covered and non-covered diagnoses and contractors with states", function()
    local r = assert(rc:import("lcd-articles", FIX, { edition = "2026-01-15" }))
    assert.are.equal("CMS MCD articles 2026-01-15", r.source)
    assert.are.equal(0, r.rows_rejected)
    assert.are.same({ "58001|Billing and Coding: Transperineal Placement of a Biodegradable Rectal Spacer (test fixture)|2023-07-01",
                      "58002|Billing and Coding: External Beam Radiation Therapy (test fixture)|2019-10-01",
                      "58003|Billing and Coding: Radiation Therapy for Lung Cancer (test fixture)|2020-10-01" },
      H.sql(db, "SELECT article_id, title, effective FROM lcd_article ORDER BY 1"))
    assert.are.same({ "58002|77402", "58002|77407", "58002|77412", "58003|77412" },
      H.sql(db, "SELECT article_id, code FROM lcd_article_code WHERE code LIKE '774%' ORDER BY 1, 2"))
    assert.are.same({ "C3490|1|2", "C50911|1|1", "C61|1|1", "Z510|0|1" },
      H.sql(db, "SELECT dx, covered, grp FROM lcd_article_dx WHERE article_id = '58002' ORDER BY 1"))
    assert.are.same({ "58001|01112|CA", "58002|15202|OH", "58003|01112|CA" },
      H.sql(db, "SELECT article_id, number, state FROM lcd_article_contractor ORDER BY 1"))
  end)

  it("replaces the articles of an earlier import (the export is a snapshot)", function()
    assert(rc:import("lcd-articles", FIX))
    local r = assert(rc:import("lcd-articles", BAD))
    assert.is_true(r.rows_kept > 0)
    assert.are.same({ "58102" }, H.sql(db, "SELECT article_id FROM lcd_article"))
  end)

  it("rejects bad rows with their file and line, and goes on", function()
    local r = assert(rc:import("lcd-articles", BAD))
    local by = {}
    for _, x in ipairs(r.rejects) do by[x.file .. ":" .. x.line] = x.reason end
    assert.matches("bad article_id 'A12'", by["article.csv:2"])
    assert.matches("no title", by["article.csv:3"])
    assert.matches("malformed code '7741'", by["article_x_hcpc_code.csv:2"])
    assert.matches("malformed ICD%-10%-CM code '61C'", by["article_x_icd10_covered.csv:2"])
    assert.are.equal(4, r.rows_rejected)
    assert.are.same({ "58102|77412" }, H.sql(db, "SELECT article_id, code FROM lcd_article_code"))
  end)

  it("refuses a file that is not a zip, a missing folder and a folder without the export", function()
    local ok, err = rc:import("lcd-articles", FIX .. "/article.csv")
    assert.is_nil(ok)
    assert.matches("not a zip file", err)
    ok, err = rc:import("lcd-articles", dir .. "/nowhere")
    assert.is_nil(ok)
    assert.matches("not a folder or a zip", err)
    ok, err = rc:import("lcd-articles", dir)
    assert.is_nil(ok)
    assert.matches("no article%.csv", err)
    assert.are.same({ "0" }, H.sql(db, "SELECT count(*) FROM lcd_article"))
  end)

  it("refuses a file without the columns it needs", function()
    local d = dir .. "/export"
    assert(os.execute("mkdir -p " .. H.quote(d)))
    for _, f in ipairs({ "article_x_hcpc_code.csv", "article_x_icd10_covered.csv", "article_x_contractor.csv" }) do
      assert(sh(("cp %s %s"):format(H.quote(FIX .. "/" .. f), H.quote(d .. "/" .. f))))
    end
    H.write(d .. "/article.csv", '"id","name"\n"1","x"\n')
    local ok, err = rc:import("lcd-articles", d)
    assert.is_nil(ok)
    assert.matches("article_id", err)
  end)

  it("raises on wrong types", function()
    assert.has_error(function() rc:import("lcd-articles", 5) end)
    assert.has_error(function() rc:import("lcd-articles", FIX, { setting = "hospital" }) end)
  end)

  it("imports from the command line", function()
    local out, err, code = H.radcode({ "import", "lcd-articles", FIX, "--db", db, "--json" })
    assert.are.equal(0, code, err)
    assert.are.equal("lcd-articles", radcode.json.decode(out).kind)
  end)
end)

-- The export's zip, read in place: zip.c (stored and deflated members, in
-- a subfolder of the zip or at its top), and damaged zips refused.
describe("lcd-articles import from the export's zip", function()
  local dir, db, rc

  -- Every loaded row of the four tables, for comparing two imports.
  local function tables(path)
    local rows = {}
    for _, q in ipairs({
      "SELECT article_id, version, title, effective, ended FROM lcd_article ORDER BY 1",
      "SELECT article_id, code, grp FROM lcd_article_code ORDER BY 1, 2",
      "SELECT article_id, dx, covered, grp, description FROM lcd_article_dx ORDER BY 1, 2, 3",
      "SELECT article_id, contractor_id, number, name, state FROM lcd_article_contractor ORDER BY 1, 2, 5" }) do
      for _, r in ipairs(H.sql(path, q)) do rows[#rows + 1] = r end
    end
    return rows
  end

  -- Zips the fixture folder's files: flags for zip (-0 stored, -9
  -- deflated), nested in folder sub (or at the top when sub is nil).
  local function make_zip(name, flags, sub)
    local stage = dir .. "/stage_" .. name
    local into = sub and (stage .. "/" .. sub) or stage
    assert(sh(("mkdir -p %s && cp %s/*.csv %s"):format(H.quote(into), H.quote(FIX), H.quote(into))))
    local zip = dir .. "/" .. name
    assert(sh(("cd %s && zip -q -r %s %s ."):format(H.quote(stage), flags, H.quote(zip))))
    return zip
  end

  local function rewrite(from, to, change)
    local bytes = H.read(from)
    local f = assert(io.open(to, "wb"))
    f:write(change(bytes))
    f:close()
    return to
  end

  local function refused(path, pattern)
    local ok, err = rc:import("lcd-articles", path)
    assert.is_nil(ok)
    assert.matches(pattern, err)
    assert.are.same({ "0" }, H.sql(db, "SELECT count(*) FROM lcd_article"))
  end

  local folder
  setup(function()
    local d = H.tmpdir()
    local fdb = H.new_db(d)
    local frc = assert(radcode.open({ db = fdb }))
    assert(frc:import("lcd-articles", FIX, { edition = "2026-01-15" }))
    frc:close()
    folder = tables(fdb)
    H.remove_tree(d)
  end)
  before_each(function()
    dir = H.tmpdir()
    db = H.new_db(dir)
    rc = assert(radcode.open({ db = db }))
  end)
  after_each(function()
    rc:close()
    H.remove_tree(dir)
  end)

  it("gives the folder's tables from a deflated zip whose files sit in a subfolder", function()
    local zip = make_zip("current_article_csv.zip", "-9", "current_article_csv")
    assert.matches("current_article_csv/article%.csv", H.read(zip))
    local r = assert(rc:import("lcd-articles", zip, { edition = "2026-01-15" }))
    assert.are.equal("CMS MCD articles 2026-01-15", r.source)
    assert.are.equal(0, r.rows_rejected)
    assert.is_true(#folder > 15)
    assert.are.same(folder, tables(db))
  end)

  it("reads the download as CMS ships it: the CSV zip inside an outer zip", function()
    local inner = make_zip("current_article_csv.zip", "-9", "current_article_csv")
    local outer_dir = dir .. "/outer"
    assert(sh(("mkdir -p %s && cp %s %s/ && echo 'read me' > %s/README.txt && cd %s && zip -q -0 %s current_article_csv.zip README.txt")
      :format(H.quote(outer_dir), H.quote(inner), H.quote(outer_dir), H.quote(outer_dir), H.quote(outer_dir),
        H.quote(dir .. "/current_article.zip"))))
    assert(rc:import("lcd-articles", dir .. "/current_article.zip", { edition = "2026-01-15" }))
    assert.are.same(folder, tables(db))
    -- from the command line, with TMPDIR in a folder of its own: the
    -- temporary copy of the inner zip is made there and gone afterwards
    local tmp = dir .. "/tmp"
    assert(os.execute("mkdir -p " .. H.quote(tmp)))
    local _, err, code = H.run(("TMPDIR=%s RADCODE_BUILD=%s lua5.4 %s/bin/radcode import lcd-articles %s --db %s"):format(
      H.quote(tmp), H.quote(H.abs_build), H.quote(H.root), H.quote(dir .. "/current_article.zip"), H.quote(dir .. "/cli.db")))
    assert.are.equal(0, code, err)
    assert.are.same(folder, tables(dir .. "/cli.db"))
    local listed, lserr, lscode = H.run("env -u LD_PRELOAD ls -A " .. H.quote(tmp))
    assert.are.same({ "", 0 }, { listed, lscode }, lserr)
  end)

  it("refuses an outer zip whose inner CSV zip is damaged, naming the outer file", function()
    local inner = make_zip("current_article_csv.zip", "-9", "current_article_csv")
    local bad = rewrite(inner, dir .. "/inner_bad.zip", function(b) return b:sub(1, #b // 2) end)
    local outer_dir = dir .. "/outer_bad"
    assert(sh(("mkdir -p %s && cp %s %s/current_article_csv.zip && cd %s && zip -q -0 %s current_article_csv.zip")
      :format(H.quote(outer_dir), H.quote(bad), H.quote(outer_dir), H.quote(outer_dir), H.quote(dir .. "/twice.zip"))))
    refused(dir .. "/twice.zip", "twice%.zip: inner zip current_article_csv%.zip: not a zip file")
  end)

  it("gives the folder's tables from a stored zip with the files at its top", function()
    local zip = make_zip("stored.zip", "-0")
    assert.matches("Radiation Therapy for Lung Cancer", H.read(zip))   -- stored: the text is there as is
    assert(rc:import("lcd-articles", zip, { edition = "2026-01-15" }))
    assert.are.same(folder, tables(db))
  end)

  it("imports a zip from the command line", function()
    local zip = make_zip("cli.zip", "-6", "export")
    local out, err, code = H.radcode({ "import", "lcd-articles", zip, "--db", db, "--json" })
    assert.are.equal(0, code, err)
    assert.is_true(radcode.json.decode(out).rows_kept > 0)
  end)

  it("refuses a truncated zip", function()
    local zip = make_zip("whole.zip", "-9", "current_article_csv")
    refused(rewrite(zip, dir .. "/truncated.zip", function(b) return b:sub(1, #b // 2) end),
      "truncated.zip: not a zip file, or a truncated one")
    refused(rewrite(zip, dir .. "/short.zip", function(b) return b:sub(1, #b - 30) end), "truncated")
  end)

  it("refuses a zip whose member fails its CRC-32, naming the member", function()
    local zip = make_zip("crc.zip", "-0", "current_article_csv")
    local bad = rewrite(zip, dir .. "/bad_crc.zip", function(b)
      local s, n = b:gsub("Radiation Therapy for Lung Cancer", "Radiation Therapy for Lung CANCER")
      assert.are.equal(1, n)
      return s
    end)
    refused(bad, "current_article_csv/article%.csv: CRC%-32 mismatch")
  end)

  it("refuses damaged deflate data", function()
    local zip = make_zip("deflate.zip", "-9")
    local bad = rewrite(zip, dir .. "/bad_deflate.zip", function(b)
      local at = b:find("article.csv", 1, true) + #"article.csv" + 40   -- inside article.csv's data
      return b:sub(1, at - 1) .. string.rep("\255", 16) .. b:sub(at + 16)
    end)
    refused(bad, "article%.csv: .*damaged zip")
  end)

  it("refuses a non-zip file named .zip, an unsupported method and an encrypted zip", function()
    H.write(dir .. "/current_article.zip", "article_id,title\n1,not a zip\n")
    refused(dir .. "/current_article.zip", "current_article%.zip: not a zip file")
    local zip = make_zip("method.zip", "-0")
    -- method 12 (bzip2) in every local and central header
    local bz = rewrite(zip, dir .. "/bzip2.zip", function(b)
      b = b:gsub("PK\3\4(....)\0\0", "PK\3\4%1\12\0")
      return (b:gsub("PK\1\2(......)\0\0", "PK\1\2%1\12\0"))
    end)
    refused(bz, "compression method 12 is not supported")
    local stage = dir .. "/stage_method.zip"
    assert(sh(("cd %s && zip -q -P secret %s *.csv"):format(H.quote(stage), H.quote(dir .. "/secret.zip"))))
    refused(dir .. "/secret.zip", "encrypted members are not supported")
  end)

  it("refuses a zip without article.csv, naming the file", function()
    local stage = dir .. "/partial"
    assert(sh(("mkdir -p %s && cp %s/article_x_*.csv %s && cd %s && zip -q %s *.csv"):format(
      H.quote(stage), H.quote(FIX), H.quote(stage), H.quote(stage), H.quote(dir .. "/partial.zip"))))
    refused(dir .. "/partial.zip", "no article%.csv")
  end)
end)

describe("necessity against the coverage articles", function()
  local dir, rc
  setup(function()
    dir = H.tmpdir()
    rc = assert(radcode.open({ db = H.new_db(dir) }))
    assert(rc:import("lcd-articles", FIX))
  end)
  teardown(function()
    rc:close()
    H.remove_tree(dir)
  end)

  it("names the article that covers the line's diagnosis", function()
    local n = necessity(assert(rc:check(claim({ "C61" }))))
    assert.are.equal(1, #n)
    assert.are.equal("info", n[1].severity)
    assert.matches("A58002", n[1].message)
    assert.are.equal("necessity article A58002", n[1].rule)
  end)

  it("reviews a diagnosis the article does not cover, naming the article", function()
    local n = necessity(assert(rc:check(claim({ "C61" }, { contractor = "01112" }))))
    assert.are.equal(1, #n)
    assert.are.equal("review", n[1].severity)
    assert.matches("A58003", n[1].message)
    assert.matches("radcode explain 77412", n[1].fix)
  end)

  it("takes the articles of the claim's state", function()
    local n = necessity(assert(rc:check(claim({ "C34.90" }, { state = "ca" }))))
    assert.are.equal("info", n[1].severity)
    assert.matches("A58003", n[1].message)
    n = necessity(assert(rc:check(claim({ "C34.91" }, { state = "OH" }))))
    assert.are.equal("review", n[1].severity)
    assert.matches("A58002", n[1].message)
  end)

  it("keeps the generic edit when no article of the claim's contractor lists the code", function()
    local n = necessity(assert(rc:check(claim({ "C61" }, { contractor = "99999" }))))
    assert.are.same({}, n)
    n = necessity(assert(rc:check(claim({ "Z00.00" }, { contractor = "99999" }))))
    assert.are.equal(1, #n)
    assert.are.equal("necessity delivery", n[1].rule)
  end)

  it("reads claim.contractor and claim.state as known fields, and refuses wrong types", function()
    local r = assert(rc:check(claim({ "C61" }, { contractor = "01112", state = "CA" })))
    for _, f in ipairs(r.findings) do assert.is_nil(f.message:find("unknown field", 1, true)) end
    r = assert(rc:check(claim({ "C61" }, { state = {} })))
    local bad
    for _, f in ipairs(r.findings) do bad = bad or f.message:find("claim.state must be a string", 1, true) end
    assert.truthy(bad)
  end)

  it("shows the articles and their covered diagnosis groups on the code page", function()
    local p = assert(rc:explain("77412", { date = "2026-02-02" }))
    local ids = {}
    for _, a in ipairs(p.necessity.articles) do ids[#ids + 1] = a.article_id end
    assert.are.same({ "58002", "58003" }, ids)
    local a = p.necessity.articles[1]
    assert.are.equal(1, a.dx_groups[1].covered)
    assert.are.same({ "C50911", "C61" }, a.dx_groups[1].codes)
    assert.are.equal("OH", a.contractors[1].states)
    local text
    for _, f in ipairs(p.necessity.facts) do
      if f.label == "article A58002" then text = f.text end
    end
    assert.matches("covered group 1 %(2%): C50911 C61", text)
  end)
end)
