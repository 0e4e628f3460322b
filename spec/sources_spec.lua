-- Every curated data row names a public source a user can look up.
-- Pure Lua over data/*.tsv: each file with a `source` column has a non-empty
-- source on every row, and no row cites the project's own design notes
-- (DOMAIN.md, ARCHITECTURE.md), which are not sources. CPT summaries are
-- radcode's own words: a few official phrases are checked for.

local DATA = "data/"

local function tsv_files()
  local p = io.popen("ls " .. DATA .. "*.tsv")
  local files = {}
  for name in p:lines() do files[#files + 1] = name end
  p:close()
  return files
end

-- Rows of a TSV file as {line = n, fields by column name}.
local function read_tsv(path)
  local rows, header = {}, nil
  local n = 0
  for line in io.lines(path) do
    n = n + 1
    if line ~= "" and not line:match("^#") then
      local fields = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
      if not header then
        header = fields
      else
        local row = { line = n }
        for i, name in ipairs(header) do row[name] = fields[i] end
        rows[#rows + 1] = row
      end
    end
  end
  return rows, header or {}
end

local function has_column(header, name)
  for _, h in ipairs(header) do if h == name then return true end end
  return false
end

-- Calls fn(path, row) for every row of every table with a source column.
local function each_sourced_row(files, fn)
  for _, path in ipairs(files) do
    local rows, header = read_tsv(path)
    if has_column(header, "source") then
      for _, row in ipairs(rows) do fn(path, row) end
    end
  end
end

describe("data sources", function()
  local files = tsv_files()

  it("finds the curated tables", function()
    assert.is_true(#files >= 20, "expected the curated tables in data/")
  end)

  it("gives every row of every table a non-empty source", function()
    local missing = {}
    each_sourced_row(files, function(path, row)
      if row.source == nil or row.source:match("^%s*$") then missing[#missing + 1] = path .. ":" .. row.line end
    end)
    assert.are.same({}, missing)
  end)

  it("never cites the project's design notes as a source", function()
    local cited = {}
    each_sourced_row(files, function(path, row)
      local s = (row.source or ""):lower()
      if s:find("domain.md", 1, true) or s:find("domain %d") or s:find("architecture.md", 1, true) then
        cited[#cited + 1] = path .. ":" .. row.line .. ": " .. row.source
      end
    end)
    assert.are.same({}, cited)
  end)

  it("keeps CPT summaries in radcode's own words", function()
    -- Phrases of official CPT descriptors that once crept into summaries.
    local official = { "simple, without compensation", "simple, with compensation",
                       "per week of therapy" }
    local copied = {}
    for _, row in ipairs((read_tsv(DATA .. "codes.tsv"))) do
      if row.system == "CPT" then
        local s = (row.summary or ""):lower()
        for _, phrase in ipairs(official) do
          if s:find(phrase, 1, true) then copied[#copied + 1] = row.code .. ": " .. phrase end
        end
      end
    end
    assert.are.same({}, copied)
  end)
end)
