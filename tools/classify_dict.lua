--- tools/classify_dict.lua [DATA_DIR]: prints the libFuzzer dictionary of
-- the classify target (fuzz/dict/classify.dict) built from the data: the
-- context keys, every fact of classify_facts.tsv, every service of
-- classify_rules.tsv, every choice, then a few dates, payers, settings and
-- JSON words. `make fuzz-dict` writes it; spec/january_spec.lua checks the
-- committed file is current, so a new fact reaches the fuzzer with no hand edit.
local dir = arg[1] or "data"

--- The rows of a curated TSV file (data/README.md: '#' comments, a header line).
local function rows(path)
  local f = assert(io.open(path, "rb"))
  local header, out = nil, {}
  for line in f:lines() do
    if line ~= "" and not line:match("^#") then
      local fields = {}
      for field in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = field end
      if not header then
        header = fields
      else
        local row = {}
        for i, name in ipairs(header) do row[name] = fields[i] ~= "" and fields[i] or nil end
        out[#out + 1] = row
      end
    end
  end
  f:close()
  return out
end

local function sorted_set(set)
  local list = {}
  for k in pairs(set) do list[#list + 1] = k end
  table.sort(list)
  return list
end

local words = { "service", "date", "setting", "payer" }
local facts, services, choices = {}, {}, {}
for _, f in ipairs(rows(dir .. "/classify_facts.tsv")) do
  facts[f.name] = true
  for c in (f.choices or ""):gmatch("[^|]+") do choices[c] = true end
end
for _, r in ipairs(rows(dir .. "/classify_rules.tsv")) do services[r.service] = true end
for _, set in ipairs { facts, services, choices } do
  for _, w in ipairs(sorted_set(set)) do words[#words + 1] = w end
end
for _, w in ipairs { "2025-06-02", "aetna", "hospital", "practitioner", "medicare", "2025-12-31",
                     "2026-01-01", "2026-03-02" } do
  words[#words + 1] = w
end
for _, w in ipairs(words) do io.write(('"\\"%s\\""\n'):format(w)) end
io.write('"true"\n"false"\n"null"\n')
