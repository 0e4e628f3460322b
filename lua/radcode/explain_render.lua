--- radcode.explain_render: the code page (rc:explain) as readable text,
-- Markdown, or one self-contained HTML page a biller can print. Every
-- renderer walks the same sections and facts (label, text, source).
local explain = require "radcode.explain"

local render = {}

local function heading(page)
  return ("%s on %s (%s claim%s)"):format(page.code, page.date,
    page.setting == "hospital" and "institutional" or "professional",
    page.payer and (", payer " .. page.payer) or "")
end

--- Plain text: one block per section, facts as "label  text [source]".
function render.text(page)
  local out = { heading(page), page.what.summary or "", "" }
  for _, s in ipairs(explain.SECTIONS) do
    local section = page[s.key]
    out[#out + 1] = section.title
    if #section.facts == 0 then out[#out + 1] = "  (nothing on file)" end
    for _, f in ipairs(section.facts) do
      out[#out + 1] = ("  %-18s %s%s"):format(f.label, f.text, f.source and ("  [" .. f.source .. "]") or "")
    end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

local function md_cell(s)
  return (tostring(s or ""):gsub("|", "\\|"):gsub("\n", " "))
end

--- Markdown: a title, and one table of facts per section.
function render.markdown(page)
  local out = { "# " .. heading(page), "", md_cell(page.what.summary), "" }
  for _, s in ipairs(explain.SECTIONS) do
    local section = page[s.key]
    out[#out + 1] = "## " .. section.title
    out[#out + 1] = ""
    if #section.facts == 0 then
      out[#out + 1] = "Nothing on file."
    else
      out[#out + 1] = "| | | source |"
      out[#out + 1] = "|---|---|---|"
      for _, f in ipairs(section.facts) do
        out[#out + 1] = ("| %s | %s | %s |"):format(md_cell(f.label), md_cell(f.text), md_cell(f.source))
      end
    end
    out[#out + 1] = ""
  end
  return table.concat(out, "\n")
end

local ESCAPES = { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;", ["'"] = "&#39;" }

local function esc(s)
  return (tostring(s or ""):gsub("[&<>\"']", ESCAPES))
end

local STYLE = [[
body { font-family: sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; border-bottom: 1px solid #999; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.2em 0.5em; border-bottom: 1px solid #ddd; }
td.source { color: #555; font-size: 0.85em; }
@media print { body { margin: 0; } }]]

--- HTML: one self-contained page (inline style, no scripts or links).
function render.html(page)
  local title = esc(heading(page))
  local out = {
    "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
    "<title>radcode: " .. title .. "</title>", "<style>" .. STYLE .. "</style>", "</head>", "<body>",
    "<h1>" .. title .. "</h1>", "<p>" .. esc(page.what.summary) .. "</p>",
  }
  for _, s in ipairs(explain.SECTIONS) do
    local section = page[s.key]
    out[#out + 1] = ('<section id="%s">'):format(s.key)
    out[#out + 1] = "<h2>" .. esc(section.title) .. "</h2>"
    if #section.facts == 0 then
      out[#out + 1] = "<p>Nothing on file.</p>"
    else
      out[#out + 1] = "<table>"
      out[#out + 1] = "<tr><th>fact</th><th>what radcode holds</th><th>source</th></tr>"
      for _, f in ipairs(section.facts) do
        out[#out + 1] = ('<tr><th scope="row">%s</th><td>%s</td><td class="source">%s</td></tr>'):format(
          esc(f.label), esc(f.text), esc(f.source))
      end
      out[#out + 1] = "</table>"
    end
    out[#out + 1] = "</section>"
  end
  out[#out + 1] = "</body>"
  out[#out + 1] = "</html>"
  return table.concat(out, "\n") .. "\n"
end

return render
