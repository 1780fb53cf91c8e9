"""Files the builtin engine hands to pandoc and Typst (kept in Python so packaging needs no data files)."""

from __future__ import annotations

REPORT_CSS = """\
:root {
  --text: #1f2328;
  --muted: #57606a;
  --accent: #1b5e8a;
  --border: #d0d7de;
  --code-bg: #f6f8fa;
}
html { font-size: 17px; }
body {
  margin: 0 auto;
  max-width: 46rem;
  padding: 2.5rem 1.25rem 4rem;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.6;
  color: var(--text);
  background: #fff;
  overflow-wrap: break-word;
  hyphens: auto;
}
#title-block-header {
  margin-bottom: 2.5rem;
  padding-bottom: 1rem;
  border-bottom: 1px solid var(--border);
}
h1.title { font-size: 2rem; line-height: 1.2; margin: 0 0 0.4rem; }
p.subtitle { font-size: 1.25rem; color: var(--muted); margin: 0 0 0.8rem; }
p.author, p.date { margin: 0.1rem 0; color: var(--muted); }
h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 2.2rem 0 0.75rem; }
h2 { font-size: 1.45rem; border-bottom: 1px solid var(--border); padding-bottom: 0.25rem; }
h3 { font-size: 1.2rem; }
h4 { font-size: 1.05rem; }
a { color: var(--accent); }
img { max-width: 100%; height: auto; }
figure { margin: 1.75rem 0; }
figcaption, caption { color: var(--muted); font-size: 0.92rem; text-align: left; }
figcaption { margin-top: 0.4rem; }
caption { caption-side: top; margin-bottom: 0.4rem; }
table {
  border-collapse: collapse;
  margin: 1.25rem 0;
  font-size: 0.92rem;
  font-variant-numeric: tabular-nums;
}
/* A wide table (pandoc gave it relative column widths) of three or more columns may use more than
   the text column, also when pandoc set width:100% on it; a two-column one (a key and its text, as
   "Om analysen") stays inside it. */
table:has(col[style*="width"]) { width: 100%; }
table:has(col[style*="width"]):has(col:nth-of-type(3)) {
  width: min(64rem, calc(100vw - 2.5rem)) !important;
  position: relative;
  left: 50%;
  transform: translateX(-50%);
  font-size: 0.85rem;
}
th, td { padding: 0.35rem 0.75rem; border-bottom: 1px solid var(--border); }
thead th { border-bottom: 2px solid var(--text); }
tbody tr:nth-child(even) { background: #f8fafc; }
code {
  font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.88em;
}
pre {
  background: var(--code-bg);
  padding: 0.75rem 1rem;
  border-radius: 6px;
  overflow-x: auto;
  font-size: 0.9rem;
  line-height: 1.45;
}
pre.cell-output { background: #fff; border-left: 3px solid var(--border); border-radius: 0; }
pre.cell-output-stderr { border-left-color: #d1242f; }
blockquote { margin: 1rem 0; padding: 0 1rem; color: var(--muted); border-left: 4px solid var(--border); }
.callout {
  margin: 1.5rem 0;
  border: 1px solid var(--border);
  border-left: 5px solid var(--callout-color);
  border-radius: 6px;
  overflow: hidden;
}
.callout-title {
  padding: 0.45rem 1rem;
  background: var(--callout-bg);
  color: var(--callout-color);
  font-weight: 600;
}
.callout-body { padding: 0 1rem; }
.callout-note { --callout-color: #0758e5; --callout-bg: #eef4fd; }
.callout-tip { --callout-color: #00803a; --callout-bg: #ebf7ef; }
.callout-warning { --callout-color: #b86e00; --callout-bg: #fdf5e9; }
.callout-important { --callout-color: #cc1914; --callout-bg: #fbecec; }
.callout-caution { --callout-color: #d14500; --callout-bg: #fff1e9; }
.colophon { margin-top: 1rem; color: var(--muted); font-size: 0.85rem; }
@media print {
  body { max-width: none; padding: 0; }
  figure, table, .callout { break-inside: avoid; }
}
"""

# Callouts for HTML, Typst and other formats; relative image paths made absolute against the
# report's folder (metadata ``analysplan-resource-dir``) so Typst and the HTML embedding find them;
# cell figures stay relative to the work folder (stable paths, no temp names in the outputs).
FILTER_LUA = """\
local TITLES = {
  sv = { note = "Notera", tip = "Tips", warning = "Varning", important = "Viktigt", caution = "Caution" },
  en = { note = "Note", tip = "Tip", warning = "Warning", important = "Important", caution = "Caution" },
}
local language = "en"
local resource_dir = nil

local function read_meta(meta)
  if meta.lang then
    language = (pandoc.utils.stringify(meta.lang):match("^(%a+)") or "en"):lower()
  end
  if meta["analysplan-resource-dir"] then
    resource_dir = pandoc.utils.stringify(meta["analysplan-resource-dir"])
  end
end

local function callout_kind(div)
  for _, class in ipairs(div.classes) do
    local kind = class:match("^callout%-(%a+)$")
    if kind then
      return kind
    end
  end
  return nil
end

local function callout(div)
  local kind = callout_kind(div)
  if not kind then
    return nil
  end
  local body = pandoc.Blocks(div.content)
  local title
  if div.attributes.title then
    title = pandoc.utils.blocks_to_inlines(pandoc.read(div.attributes.title, "markdown").blocks)
  elseif #body > 0 and body[1].t == "Header" then
    title = body[1].content
    body:remove(1)
  else
    title = pandoc.Inlines((TITLES[language] or TITLES.en)[kind] or kind)
  end
  if FORMAT:match("typst") then
    local typst_title = pandoc.write(pandoc.Pandoc({ pandoc.Plain(title) }), "typst"):gsub("%s+$", "")
    local blocks = pandoc.Blocks({
      pandoc.RawBlock("typst", '#callout(kind: "' .. kind .. '", title: [' .. typst_title .. "])["),
    })
    blocks:extend(body)
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  elseif FORMAT:match("html") then
    return pandoc.Div({
      pandoc.Div(pandoc.Plain(title), { class = "callout-title" }),
      pandoc.Div(body, { class = "callout-body" }),
    }, { class = "callout callout-" .. kind })
  end
  local blocks = pandoc.Blocks({ pandoc.Para({ pandoc.Strong(title) }) })
  blocks:extend(body)
  return blocks
end

local function absolute_image(img)
  local relative = not img.src:match("^/") and not img.src:match("^%a[%w+.-]*:")
  -- cell figures are written as cell-figures/NAME.png relative to the work folder
  if resource_dir and relative and not img.src:match("^cell%-figures/") then
    img.src = resource_dir .. "/" .. img.src
  end
  return img
end

-- A tbl- cell's output arrives as ::: {#tbl-x .cell-table}: move the id onto its table, so the
-- label sits on the table itself (Typst: on the figure; a wrapping block would shrink to fit).
local function cell_table(div)
  for _, block in ipairs(div.content) do
    if block.t == "Table" then
      block.identifier = div.identifier
      return div.content
    end
  end
  return nil
end

-- Quarto's conditional content: {.content-visible when-format="pptx"}, {.content-hidden
-- unless-format="html"}, … The output format is html, typst or pptx.
local function output_format()
  if FORMAT:match("html") then
    return "html"
  end
  return FORMAT
end

local function conditional(d)
  local visible = d.classes:includes("content-visible")
  if not visible and not d.classes:includes("content-hidden") then
    return nil
  end
  local matches
  if d.attributes["when-format"] then
    matches = d.attributes["when-format"] == output_format()
  else
    matches = d.attributes["unless-format"] ~= output_format()
  end
  if matches == visible then
    return d.content
  end
  return {}
end

-- The version colophon that publish appends: small grey text in the PDF.
local function colophon(d)
  if FORMAT:match("typst") then
    local blocks = pandoc.Blocks({ pandoc.RawBlock("typst", "#block[#set text(size: 8pt, fill: luma(90))") })
    blocks:extend(d.content)
    blocks:insert(pandoc.RawBlock("typst", "]"))
    return blocks
  end
  return nil
end

local function div(d)
  if d.classes:includes("cell-table") then
    return cell_table(d)
  end
  if d.classes:includes("colophon") then
    return colophon(d)
  end
  return callout(d)
end

-- Conditional content first, so a hidden div's callouts and tables are never touched.
return { { Meta = read_meta }, { Div = conditional }, { Div = div, Image = absolute_image } }
"""

# Typst header: no creation date (deterministic PDFs), our own numbered captions (Typst must not
# prefix "Figur 1:" again), unjustified table cells, shaded code blocks and the callout box
# used by the Lua filter.
HEADER_TYPST = """\
#set document(date: none)
#show figure.caption: it => align(center, it.body)
#show table.cell: set par(justify: false)
#show figure.where(kind: table): set block(breakable: true)
#show table: set text(size: 0.9em, hyphenate: true)
#show heading: set text(hyphenate: false)
#show raw.where(block: true): it => block(fill: luma(246), inset: 8pt, radius: 3pt, width: 100%, it)
#let callout(kind: "note", title: none, body) = {
  let colors = (
    note: rgb("#0758e5"),
    tip: rgb("#00803a"),
    warning: rgb("#b86e00"),
    important: rgb("#cc1914"),
    caution: rgb("#d14500"),
  )
  let color = colors.at(kind, default: colors.note)
  block(
    width: 100%,
    breakable: true,
    fill: color.lighten(94%),
    stroke: (left: 3pt + color),
    radius: 2pt,
    inset: (x: 10pt, y: 8pt),
    above: 1.2em,
    below: 1.2em,
  )[
    #if title != none { block(below: 0.8em, sticky: true, text(weight: "bold", fill: color, title)) }
    #body
  ]
}
"""
