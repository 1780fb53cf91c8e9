"""Parse a Quarto ``.qmd`` file into front matter, markdown and Python cells.

Only the subset described in ``SUBSET.md`` is accepted. Parsing never raises for the report's
content: everything outside the subset becomes a :class:`Problem` that names its line.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

import yaml

OutputOption: TypeAlias = bool | Literal["asis"]

CALLOUT_KINDS = ("note", "tip", "warning", "important", "caution")
# Conditional content (Quarto's own syntax): which output formats a div may name.
CONTENT_CLASSES = ("content-visible", "content-hidden")
CONTENT_CONDITIONS = ("when-format", "unless-format")
CONTENT_FORMATS = ("html", "typst", "pptx")
CELL_OPTIONS = ("echo", "output", "include", "warning", "label", "fig-cap", "tbl-cap", "tags")
EXECUTE_OPTIONS = ("echo", "output", "include", "warning")
LANGUAGES = ("sv", "en")
# Quarto cross-reference kinds that the builtin engine does not number.
UNSUPPORTED_REF_KINDS = (
    "eq", "lst", "thm", "lem", "cor", "prp", "cnj", "def", "exm", "exr", "sol", "rem", "apx", "ch"
)  # fmt: skip


@dataclass(frozen=True)
class Problem:
    """One use of something outside the supported subset."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"rad {self.line}: {self.message}"


@dataclass(frozen=True)
class CellOptions:
    """``#|`` options of a cell (or front matter ``execute:`` defaults); ``None`` = not given."""

    echo: bool | None = None
    output: OutputOption | None = None
    include: bool | None = None
    warning: bool | None = None
    label: str | None = None
    fig_cap: str | None = None
    tbl_cap: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cell:
    """A ```` ```{python} ```` cell. ``code`` keeps the ``#|`` lines so line numbers stay true."""

    index: int
    line: int
    code: str
    options: CellOptions
    option_lines: int = 0

    @property
    def first_code_line(self) -> int:
        return self.line + 1

    @property
    def source(self) -> str:
        """The code as shown by ``echo``: without the ``#|`` option lines."""
        return "\n".join(self.code.split("\n")[self.option_lines :]).strip("\n")

    @property
    def name(self) -> str:
        return self.options.label or f"cell {self.index + 1}"

    @property
    def is_parameters(self) -> bool:
        return "parameters" in self.options.tags


@dataclass(frozen=True)
class Text:
    """Markdown prose (may contain inline expressions, cross-references and callout fences)."""

    line: int
    text: str


@dataclass(frozen=True)
class Verbatim:
    """A plain fenced code block or raw block, handed to pandoc unchanged."""

    line: int
    text: str


Block: TypeAlias = Text | Verbatim | Cell


@dataclass(frozen=True)
class Heading:
    line: int
    level: int
    identifier: str | None
    numbered: bool


@dataclass(frozen=True)
class Reference:
    line: int
    label: str


@dataclass(frozen=True)
class Metadata:
    title: str | None = None
    subtitle: str | None = None
    authors: tuple[str, ...] = ()
    date: str | None = None
    lang: str = "en"
    params: dict[str, object] = field(default_factory=dict)
    execute: CellOptions = CellOptions()
    toc: bool = False
    number_sections: bool = False

    @property
    def language(self) -> str:
        """``sv`` or ``en``: the language of generated words (Figur/Figure, callout titles)."""
        return self.lang.split("-")[0].lower()


@dataclass
class Document:
    meta: Metadata
    blocks: list[Block]
    headings: list[Heading]
    references: list[Reference]
    inline_expressions: list[tuple[int, str]]
    problems: list[Problem]

    @property
    def cells(self) -> list[Cell]:
        return [b for b in self.blocks if isinstance(b, Cell)]


# --- markdown helpers shared with the renderer -----------------------------------------------

_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_INLINE_EXPR = re.compile(r"^\{(\w+)\}\s+(.+)$", re.DOTALL)
REFERENCE = re.compile(
    r"(?<![\w@\\])(?P<open>\[)?(?P<minus>-)?@(?P<label>(?P<kind>[a-z]+)-[\w-]*\w)(?(open)\])"
)


def map_markdown(
    text: str,
    prose: Callable[[str, int], str],
    expression: Callable[[str, str, int], str],
) -> str:
    """Rebuild ``text``: ``prose(chunk, offset)`` outside code spans, ``expression(engine, code,
    offset)`` for inline expressions `` `{engine} code` ``; other code spans stay as they are."""
    out: list[str] = []
    pos = 0
    for match in _CODE_SPAN.finditer(text):
        out.append(prose(text[pos : match.start()], pos))
        inline = _INLINE_EXPR.match(match.group(2).strip())
        if inline:
            out.append(expression(inline.group(1), inline.group(2).strip(), match.start()))
        else:
            out.append(match.group(0))
        pos = match.end()
    out.append(prose(text[pos:], pos))
    return "".join(out)


# --- attributes --------------------------------------------------------------------------------

_ATTR_TOKEN = re.compile(
    r"\s*(?:(?P<cls>\.[\w-]+)|(?P<id>#[\w:-]+)|(?P<key>[\w-]+)="
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"']+))|(?P<dash>-))"
)


@dataclass(frozen=True)
class Attributes:
    identifier: str | None
    classes: tuple[str, ...]
    values: dict[str, str]


def parse_attributes(text: str) -> Attributes | None:
    """Parse a pandoc attribute block's inside (``#id .class key="value"``); None if malformed."""
    identifier: str | None = None
    classes: list[str] = []
    values: dict[str, str] = {}
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _ATTR_TOKEN.match(text, pos)
        if not match or match.end() == pos:
            return None
        if match["cls"]:
            classes.append(match["cls"][1:])
        elif match["id"]:
            identifier = match["id"][1:]
        elif match["dash"]:
            classes.append("unnumbered")
        else:
            value = match["dq"] if match["dq"] is not None else match["sq"]
            values[match["key"]] = value if value is not None else match["bare"]
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return Attributes(identifier, tuple(classes), values)


# --- parsing -----------------------------------------------------------------------------------

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CELL_INFO = re.compile(r"^\{(?P<engine>[A-Za-z][\w-]*)(?P<rest>[^}]*)\}$")
_DIV_OPEN = re.compile(r"^ {0,3}:{3,}\s*(?P<attrs>\{[^}]*\}|[^\s{}:]+)\s*:*\s*$")
_DIV_CLOSE = re.compile(r"^ {0,3}:{3,}\s*$")
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>.*?)[ \t]*$")
_HEADING_ATTRS = re.compile(r"\{(?P<attrs>[^}]*)\}$")
_LABEL = re.compile(r"^[A-Za-z][\w-]*$")
_OPTION_KEY = re.compile(r"^\s*(?P<key>[\w-]+)\s*:")
_DYNAMIC_DATES = ("today", "now", "last-modified")
_FRONT_MATTER_IGNORED = ("format", "editor", "jupyter", "engine")


def parse(text: str) -> Document:
    """Parse ``.qmd`` text. Problems are collected in ``Document.problems``, sorted by line."""
    parser = _Parser(text)
    return parser.run()


@dataclass
class _Div:
    line: int
    callout: bool
    expects_title: bool


class _Parser:
    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.problems: list[Problem] = []
        self.blocks: list[Block] = []
        self.headings: list[Heading] = []
        self.references: list[Reference] = []
        self.inline_expressions: list[tuple[int, str]] = []
        self.divs: list[_Div] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def run(self) -> Document:
        meta, start = self.front_matter()
        self.body(start)
        for div in self.divs:
            self.problem(div.line, "div-blocket (':::') stängs aldrig")
        self.check_cells(meta)
        self.problems.sort(key=lambda p: p.line)
        return Document(
            meta, self.blocks, self.headings, self.references, self.inline_expressions, self.problems
        )

    # front matter ------------------------------------------------------------------------------

    def front_matter(self) -> tuple[Metadata, int]:
        lines = self.lines
        if not lines or lines[0].strip() != "---":
            return Metadata(), 0
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            self.problem(1, "front matter ('---') stängs aldrig")
            return Metadata(), len(lines)
        yaml_text = "\n".join(lines[1:end])
        try:
            data = yaml.safe_load(yaml_text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else 1
            self.problem(line, f"front matter är inte giltig YAML: {getattr(exc, 'problem', exc)}")
            return Metadata(), end + 1
        if data is None:
            return Metadata(), end + 1
        if not isinstance(data, dict):
            self.problem(1, "front matter måste vara en YAML-mappning")
            return Metadata(), end + 1

        def key_line(key: str) -> int:
            for i in range(1, end):
                if re.match(rf"^{re.escape(key)}\s*:", lines[i]):
                    return i + 1
            return 1

        meta = Metadata()
        for key, value in data.items():
            line = key_line(str(key))
            meta = self.front_matter_key(meta, str(key), value, line)
        return meta, end + 1

    def front_matter_key(self, meta: Metadata, key: str, value: object, line: int) -> Metadata:
        if key == "title":
            return replace(meta, title=self.meta_text(key, value, line))
        if key == "subtitle":
            return replace(meta, subtitle=self.meta_text(key, value, line))
        if key == "author":
            return replace(meta, authors=self.authors(value, line))
        if key == "date":
            if isinstance(value, dt.date):
                return replace(meta, date=value.isoformat())
            text = self.meta_text(key, value, line)
            if text is not None and text.strip().lower() in _DYNAMIC_DATES:
                self.problem(line, f"date: {text} stöds inte (ange datumet eller en parameter)")
                return meta
            return replace(meta, date=text)
        if key == "lang":
            if not isinstance(value, str) or value.split("-")[0].lower() not in LANGUAGES:
                self.problem(line, f"lang: {value!r} stöds inte (bara sv eller en)")
                return meta
            return replace(meta, lang=value)
        if key == "params":
            return replace(meta, params=self.params(value, line))
        if key == "execute":
            return replace(meta, execute=self.execute(value, line))
        if key in ("toc", "number-sections"):
            if not isinstance(value, bool):
                self.problem(line, f"{key} måste vara true eller false")
                return meta
            return replace(meta, toc=value) if key == "toc" else replace(meta, number_sections=value)
        if key == "engine" and value != "jupyter":
            self.problem(line, f"engine: {value} stöds inte (bara python-celler via jupyter)")
        elif key == "jupyter" and not (isinstance(value, str) and value.startswith("python")):
            self.problem(line, f"jupyter: {value!r} stöds inte (bara en python-kärna)")
        elif key not in _FRONT_MATTER_IGNORED:
            self.problem(line, f"front matter-nyckeln '{key}' stöds inte")
        return meta

    def meta_text(self, key: str, value: object, line: int) -> str | None:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(line, f"{key} måste vara en text")
            return None
        text = str(value)
        if "`{" in text:
            self.problem(line, f"inline-uttryck i front matter ({key}) stöds inte")
        return text

    def authors(self, value: object, line: int) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        names: list[str] = []
        for item in items:
            name = item.get("name") if isinstance(item, dict) else item
            if not isinstance(name, str):
                self.problem(line, "author måste vara en text, en lista av texter eller name:-poster")
                continue
            names.append(name)
        return tuple(names)

    def params(self, value: object, line: int) -> dict[str, object]:
        if not isinstance(value, dict):
            self.problem(line, "params måste vara en mappning namn: standardvärde")
            return {}
        params: dict[str, object] = {}
        for name, default in value.items():
            if not (isinstance(name, str) and name.isidentifier()):
                self.problem(line, f"parameternamnet {name!r} är inte ett giltigt Python-namn")
                continue
            if isinstance(default, dict):
                self.problem(line, f"parametern {name}: värdet ska vara en enkel YAML-skalär eller lista")
                continue
            params[name] = default.isoformat() if isinstance(default, dt.date) else default
        return params

    def execute(self, value: object, line: int) -> CellOptions:
        if not isinstance(value, dict):
            self.problem(line, "execute måste vara en mappning")
            return CellOptions()
        options: dict[str, object] = {}
        for key, option in value.items():
            if key not in EXECUTE_OPTIONS:
                self.problem(line, f"execute-tillvalet '{key}' stöds inte")
                continue
            checked = self.option_value(str(key), option, line)
            if checked is not None:
                options[key] = checked
        return _cell_options(options)

    # body ----------------------------------------------------------------------------------------

    def body(self, start: int) -> None:
        lines = self.lines
        prose: list[str] = []
        prose_start = start
        i = start
        while i < len(lines):
            fence = _FENCE.match(lines[i])
            if not fence or (fence["fence"][0] == "`" and "`" in fence["info"]):
                self.prose_line(lines[i], i + 1)
                prose.append(lines[i])
                i += 1
                continue
            self.flush_prose(prose, prose_start)
            prose = []
            marker = fence["fence"]
            closing = re.compile(rf"^ {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}\s*$")
            end = i + 1
            while end < len(lines) and not closing.match(lines[end]):
                end += 1
            if end == len(lines):
                self.problem(i + 1, "kodblocket stängs aldrig")
            self.fenced_block(fence["info"].strip(), i, lines[i + 1 : end], lines[i : end + 1])
            i = end + 1
            prose_start = i
        self.flush_prose(prose, prose_start)

    def fenced_block(self, info: str, index: int, content: list[str], whole: list[str]) -> None:
        line = index + 1
        self.title_seen()
        if info.startswith("{{"):
            self.problem(line, "okörda celler (```{{…}}```) stöds inte")
            return
        cell_info = _CELL_INFO.match(info)
        if cell_info is None:
            self.blocks.append(Verbatim(line, "\n".join(whole)))
            return
        engine = cell_info["engine"]
        if engine != "python":
            self.problem(line, f"kodceller i '{engine}' stöds inte (bara python)")
            return
        if cell_info["rest"].strip():
            self.problem(line, "tillval i cellens klammer stöds inte; skriv dem som '#| namn: värde'")
            return
        self.blocks.append(self.cell(len(self.cells_so_far()), line, content))

    def cells_so_far(self) -> list[Cell]:
        return [b for b in self.blocks if isinstance(b, Cell)]

    def cell(self, index: int, line: int, content: list[str]) -> Cell:
        option_lines = 0
        for text in content:
            if not text.startswith("#|"):
                break
            option_lines += 1
        raw = [text[2:][1:] if text[2:].startswith(" ") else text[2:] for text in content[:option_lines]]
        options: dict[str, object] = {}
        if raw:
            try:
                data = yaml.safe_load("\n".join(raw))
            except yaml.YAMLError as exc:
                self.problem(line + 1, f"cellens #|-tillval är inte giltig YAML: {exc}")
                data = {}
            if data is None:
                data = {}
            if not isinstance(data, dict):
                self.problem(line + 1, "cellens #|-tillval måste vara 'namn: värde'-rader")
                data = {}
            for key, value in data.items():
                key_line = line + 1
                for offset, text in enumerate(raw):
                    match = _OPTION_KEY.match(text)
                    if match and match["key"] == key:
                        key_line = line + 1 + offset
                        break
                if key not in CELL_OPTIONS:
                    self.problem(key_line, f"celltillvalet '{key}' stöds inte")
                    continue
                checked = self.option_value(str(key), value, key_line)
                if checked is not None:
                    options[key] = checked
        return Cell(index, line, "\n".join(content), _cell_options(options), option_lines)

    def option_value(self, key: str, value: object, line: int) -> object | None:
        if key in ("echo", "include", "warning"):
            if isinstance(value, bool):
                return value
            self.problem(line, f"{key}: {value!r} stöds inte (true eller false)")
        elif key == "output":
            if isinstance(value, bool) or value == "asis":
                return value
            self.problem(line, f"output: {value!r} stöds inte (true, false eller asis)")
        elif key == "label":
            if isinstance(value, str) and _LABEL.match(value):
                return value
            self.problem(line, f"label: {value!r} är inte ett giltigt namn")
        elif key in ("fig-cap", "tbl-cap"):
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                if "`{" in str(value):
                    self.problem(line, f"inline-uttryck i {key} stöds inte")
                return " ".join(str(value).split())
            self.problem(line, f"{key} måste vara en text (listor/underfigurer stöds inte)")
        elif key == "tags":
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                return tuple(value)
            self.problem(line, "tags måste vara en lista av texter, t.ex. [parameters]")
        return None

    # prose -----------------------------------------------------------------------------------------

    def title_seen(self) -> None:
        """Any block ends the chance for a callout's leading heading to become its title."""
        if self.divs:
            self.divs[-1].expects_title = False

    def prose_line(self, text: str, line: int) -> None:
        if "{{<" in text:
            self.problem(line, "shortcodes ({{< … >}}, t.ex. include) stöds inte")
        if re.search(r"\{#(fig|tbl)-", text) and not _DIV_OPEN.match(text):
            self.problem(
                line, "figurer/tabeller med id i markdown stöds inte; skapa dem i en kodcell med label"
            )
        if _DIV_CLOSE.match(text):
            if self.divs:
                self.divs.pop()
            else:
                self.problem(line, "':::' stänger inget öppet div-block")
            return
        opening = _DIV_OPEN.match(text)
        if opening:
            self.title_seen()
            self.divs.append(_Div(line, *self.div_kind(opening["attrs"], line)))
            return
        if not text.strip():
            return
        heading = _HEADING.match(text)
        if heading:
            is_title = bool(self.divs) and self.divs[-1].expects_title
            self.title_seen()
            if not is_title:
                self.heading(heading, line)
            return
        self.title_seen()

    def div_kind(self, attrs_text: str, line: int) -> tuple[bool, bool]:
        """Validate a div's attributes; return (is_callout, expects_heading_title)."""
        if attrs_text.startswith("{"):
            attrs = parse_attributes(attrs_text[1:-1])
        else:
            attrs = Attributes(None, (attrs_text,), {})
        if attrs is None:
            self.problem(line, f"kunde inte läsa div-attributen {attrs_text}")
            return False, False
        if any(c in CONTENT_CLASSES for c in attrs.classes):
            self.content_div(attrs, line)
            return False, False
        callouts = [c for c in attrs.classes if c in {f"callout-{k}" for k in CALLOUT_KINDS}]
        if len(callouts) != 1 or len(attrs.classes) != 1:
            shown = ", ".join(attrs.classes) or "(ingen klass)"
            allowed = "/".join(CALLOUT_KINDS)
            self.problem(
                line,
                f"div-klassen {shown} stöds inte (bara callout-{allowed}, content-visible, content-hidden)",
            )
            return False, False
        if attrs.identifier:
            self.problem(line, "id på callouts (korsreferenser till callouts) stöds inte")
        for key in attrs.values:
            if key != "title":
                self.problem(line, f"callout-attributet '{key}' stöds inte (bara title)")
        return True, "title" not in attrs.values

    def content_div(self, attrs: Attributes, line: int) -> None:
        """``::: {.content-visible when-format="html"}`` and friends: one class, one condition."""
        if len(attrs.classes) != 1 or attrs.identifier:
            self.problem(line, f"{'/'.join(CONTENT_CLASSES)} ska stå ensam (ingen annan klass, inget id)")
        conditions = [k for k in attrs.values if k in CONTENT_CONDITIONS]
        for key in attrs.values:
            if key not in CONTENT_CONDITIONS:
                self.problem(
                    line, f"attributet '{key}' stöds inte här (bara when-format eller unless-format)"
                )
        if len(conditions) != 1:
            self.problem(line, 'ange exakt ett av when-format="…" och unless-format="…"')
            return
        value = attrs.values[conditions[0]]
        if value not in CONTENT_FORMATS:
            hint = " (PDF:en görs med Typst: skriv typst)" if value == "pdf" else ""
            self.problem(
                line, f"formatet {value!r} stöds inte i {conditions[0]} ({', '.join(CONTENT_FORMATS)}){hint}"
            )

    def heading(self, match: re.Match[str], line: int) -> None:
        content = match["text"].rstrip("#").rstrip()
        identifier: str | None = None
        numbered = True
        attrs_match = _HEADING_ATTRS.search(content)
        if attrs_match:
            attrs = parse_attributes(attrs_match["attrs"])
            if attrs is None:
                self.problem(line, "kunde inte läsa rubrikens attribut")
            else:
                identifier = attrs.identifier
                numbered = "unnumbered" not in attrs.classes
        self.headings.append(Heading(line, len(match["hashes"]), identifier, numbered))

    def flush_prose(self, prose: list[str], start: int) -> None:
        if not prose:
            return
        text = "\n".join(prose)
        block = Text(start + 1, text)
        self.blocks.append(block)

        def line_at(offset: int) -> int:
            return block.line + text.count("\n", 0, offset)

        def prose_refs(chunk: str, offset: int) -> str:
            for match in REFERENCE.finditer(chunk):
                line = line_at(offset + match.start())
                kind = match["kind"]
                if kind in ("fig", "tbl", "sec"):
                    self.references.append(Reference(line, match["label"]))
                elif kind in UNSUPPORTED_REF_KINDS:
                    self.problem(line, f"korsreferenser av typen @{kind}- stöds inte")
            return chunk

        def expression(engine: str, code: str, offset: int) -> str:
            line = line_at(offset)
            if engine == "python":
                self.inline_expressions.append((line, code))
            else:
                self.problem(line, f"inline-kod i '{engine}' stöds inte (bara python)")
            return ""

        map_markdown(text, prose_refs, expression)

    # document-wide checks ------------------------------------------------------------------------

    def check_cells(self, meta: Metadata) -> None:
        labels: dict[str, int] = {}
        parameter_cells = 0
        for cell in self.cells_so_far():
            opts = cell.options
            if cell.is_parameters:
                parameter_cells += 1
                if parameter_cells == 2:
                    self.problem(cell.line, "mer än en cell har taggen parameters")
            if opts.label:
                if opts.label in labels:
                    self.problem(cell.line, f"label '{opts.label}' används redan på rad {labels[opts.label]}")
                labels[opts.label] = cell.line
            label = opts.label or ""
            if label.startswith("fig-") and not opts.fig_cap:
                self.problem(cell.line, f"cellen {label} saknar fig-cap (krävs för numrerade figurer)")
            if label.startswith("tbl-") and not opts.tbl_cap:
                self.problem(cell.line, f"cellen {label} saknar tbl-cap (krävs för numrerade tabeller)")
            if opts.fig_cap and opts.tbl_cap:
                self.problem(cell.line, "en cell kan inte ha både fig-cap och tbl-cap")
            if (label.startswith("fig-") and opts.tbl_cap) or (label.startswith("tbl-") and opts.fig_cap):
                self.problem(cell.line, f"cellen {label}: bildtexten passar inte labelns typ")
            if opts.tbl_cap and not label.startswith("tbl-"):
                self.problem(cell.line, "tbl-cap kräver en label som börjar med tbl-")


def _cell_options(values: dict[str, object]) -> CellOptions:
    def flag(key: str) -> bool | None:
        value = values.get(key)
        return value if isinstance(value, bool) else None

    output = values.get("output")
    label = values.get("label")
    fig_cap = values.get("fig-cap")
    tbl_cap = values.get("tbl-cap")
    tags = values.get("tags")
    return CellOptions(
        echo=flag("echo"),
        output=_output(output),
        include=flag("include"),
        warning=flag("warning"),
        label=label if isinstance(label, str) else None,
        fig_cap=fig_cap if isinstance(fig_cap, str) else None,
        tbl_cap=tbl_cap if isinstance(tbl_cap, str) else None,
        tags=tags if isinstance(tags, tuple) else (),
    )


def _output(value: object) -> OutputOption | None:
    if isinstance(value, bool):
        return value
    return "asis" if value == "asis" else None


def resolved(cell: Cell, defaults: CellOptions) -> CellOptions:
    """The cell's options with front matter ``execute:`` defaults and Quarto's defaults applied."""
    opts = cell.options

    def pick(value: object, default: object, fallback: object) -> object:
        if value is not None:
            return value
        return default if default is not None else fallback

    return replace(
        opts,
        echo=bool(pick(opts.echo, defaults.echo, True)),
        output=_output(pick(opts.output, defaults.output, True)),
        include=bool(pick(opts.include, defaults.include, True)),
        warning=bool(pick(opts.warning, defaults.warning, True)),
    )
