"""The builtin engine: execute cells, write pandoc markdown, convert with pandoc 3.9 and Typst."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import pypandoc
import typst
import yaml

from pipelines import stadning
from pipelines.render import assets
from pipelines.render.crossref import Numbering, number_document, resolve_references
from pipelines.render.errors import RenderError
from pipelines.render.execute import FIGURE_DIR, Execution, Output, execute
from pipelines.render.qmd import Cell, CellOptions, Document, Metadata, Text, map_markdown, resolved

READER = "markdown-citations"
TOC_TITLES = {"sv": "Innehållsförteckning", "en": "Contents"}

_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


def render_builtin(
    doc: Document,
    qmd: Path,
    out_dir: Path,
    formats: Sequence[str],
    params: Mapping[str, object] | None,
    env: Mapping[str, str] | None,
    colophon: str = "",
) -> dict[str, Path]:
    """``colophon`` (markdown) is appended after the executed document."""
    with tempfile.TemporaryDirectory(prefix=stadning.render_prefix()) as tmp:  # owner in the name
        work = Path(tmp)
        execution = execute(doc, qmd, work, params, env)
        markdown = build_markdown(doc, execution, number_document(doc))
        if colophon:
            markdown += "\n" + colophon
        source = work / "report.md"
        source.write_text(markdown, encoding="utf-8")
        (work / "report.css").write_text(assets.REPORT_CSS, encoding="utf-8")
        (work / "filter.lua").write_text(assets.FILTER_LUA, encoding="utf-8")
        (work / "header.typ").write_text(assets.HEADER_TYPST, encoding="utf-8")
        outputs: dict[str, Path] = {}
        for fmt in formats:
            target = out_dir / f"report.{fmt}"
            if fmt == "html":
                _html(doc.meta, qmd, work, target)
            elif fmt == "pdf":
                _pdf(doc, qmd, work, target)
            else:
                _pptx(doc.meta, qmd, work, target)
            outputs[fmt] = target
        return outputs


# --- markdown --------------------------------------------------------------------------------------


def build_markdown(doc: Document, execution: Execution, numbering: Numbering) -> str:
    """Pandoc markdown for the executed document: outputs in place, references resolved."""
    parts = [_metadata_block(doc.meta)]
    values = iter(execution.inline)
    for block in doc.blocks:
        if isinstance(block, Text):
            parts.append(
                map_markdown(
                    block.text,
                    lambda prose, _offset: resolve_references(prose, numbering),
                    lambda _engine, _code, _offset: next(values),
                )
            )
        elif isinstance(block, Cell):
            cell_outputs = execution.cells[block.index]
            parts.append(_cell_markdown(block, resolved(block, doc.meta.execute), cell_outputs, numbering))
        else:
            parts.append(block.text)
    return "\n\n".join(part for part in parts if part.strip()) + "\n"


def _metadata_block(meta: Metadata) -> str:
    data: dict[str, object] = {"lang": meta.lang}
    if meta.title is not None:
        data["title"] = meta.title
    if meta.subtitle is not None:
        data["subtitle"] = meta.subtitle
    if meta.authors:
        data["author"] = list(meta.authors)
    if meta.date is not None:
        data["date"] = meta.date
    if meta.toc:
        data["toc-title"] = TOC_TITLES.get(meta.language, TOC_TITLES["en"])
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---"


def fenced(text: str, attributes: str) -> str:
    """A fenced code block whose fence is longer than any backtick run inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{attributes}\n{text.rstrip()}\n{fence}"


def _cell_markdown(cell: Cell, opts: CellOptions, outputs: list[Output], numbering: Numbering) -> str:
    if not opts.include:
        return ""
    parts: list[str] = []
    if opts.echo and cell.source.strip():
        parts.append(fenced(cell.source, " {.python .cell-code}"))
    if opts.output is False:
        return "\n\n".join(parts)
    label = opts.label or ""
    figures = [o for o in outputs if o.kind == "figure"]
    if label.startswith("fig-") and len(figures) != 1:
        raise RenderError(
            f"rad {cell.line}: cellen {label} gav {len(figures)} figurer; en cell med fig-label "
            "ska ge exakt en figur"
        )
    shown: list[tuple[bool, str]] = []  # (is raw markdown, text)
    for output in outputs:
        if output.kind == "stdout" and opts.output == "asis":
            shown.append((True, output.text.strip("\n")))
        elif output.kind in ("stdout", "stderr"):
            shown.append((False, fenced(output.text, f" {{.cell-output .cell-output-{output.kind}}}")))
        elif output.kind == "markdown":
            shown.append((True, output.text.strip("\n")))
        elif output.kind == "text":
            shown.append((False, fenced(output.text, " {.cell-output .cell-output-display}")))
        else:
            shown.append((False, _figure(output.text, label, opts, numbering)))
    if label.startswith("tbl-"):
        caption = numbering.caption(label, resolve_references(opts.tbl_cap or "", numbering))
        for i, (raw, text) in enumerate(shown):
            captioned = _caption_first_table(text, caption) if raw else None
            if captioned is not None:
                shown[i] = (True, captioned)
                break
        else:
            raise RenderError(
                f"rad {cell.line}: cellen {label} gav ingen markdown-tabell att sätta tbl-cap på "
                "(skriv ut en pipe-tabell med output: asis eller låt en DataFrame vara sista uttrycket)"
            )
        body = "\n\n".join(text for _, text in shown)
        parts.append(f"::::: {{#{label} .cell-table}}\n{body}\n:::::")
    else:
        parts.extend(text for _, text in shown)
    return "\n\n".join(part for part in parts if part.strip())


def _figure(path: str, label: str, opts: CellOptions, numbering: Numbering) -> str:
    path = f"{FIGURE_DIR}/{Path(path).name}"  # relative to the work folder: no temp names in outputs
    if label.startswith("fig-"):
        caption = numbering.caption(label, resolve_references(opts.fig_cap or "", numbering))
        return f"![{caption}](<{path}>){{#{label}}}"
    caption = resolve_references(opts.fig_cap, numbering) if opts.fig_cap else ""
    return f"![{caption}](<{path}>)"


def _caption_first_table(text: str, caption: str) -> str | None:
    lines = text.split("\n")
    for i in range(len(lines) - 1):
        if _TABLE_ROW.match(lines[i]) and "|" in lines[i + 1] and _TABLE_RULE.match(lines[i + 1]):
            end = i + 2
            while end < len(lines) and _TABLE_ROW.match(lines[end]):
                end += 1
            return "\n".join([*lines[:end], "", f"Table: {caption}", "", *lines[end:]])
    return None


# --- pandoc and Typst ------------------------------------------------------------------------------


def _source_date_epoch(meta: Metadata) -> str:
    """Timestamps pandoc writes (PPTX properties) come from the report's date, else 1970."""
    try:
        day = dt.date.fromisoformat((meta.date or "")[:10])
    except ValueError:
        return "0"
    return str(int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()))


def _pandoc(args: list[str], meta: Metadata, qmd: Path, work: Path) -> None:
    command = [
        pypandoc.get_pandoc_path(),
        "report.md",
        "--from",
        READER,
        "--standalone",
        "--lua-filter",
        "filter.lua",
        "--metadata",
        f"analysplan-resource-dir={qmd.parent}",
        "--resource-path",
        os.pathsep.join([str(qmd.parent), str(work)]),
        *args,
    ]
    if meta.toc:
        command.append("--toc")
    env = {**os.environ, "SOURCE_DATE_EPOCH": _source_date_epoch(meta)}
    proc = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.split("HasCallStack backtrace:")[0].strip()
        raise RenderError(f"pandoc misslyckades ({' '.join(args[:2])}):\n{message}")


def _html(meta: Metadata, qmd: Path, work: Path, target: Path) -> None:
    args = ["--to", "html5", "--embed-resources", "--mathml", "--css", "report.css", "--output", "out.html"]
    if meta.title is None:
        args += ["--metadata", f"pagetitle={qmd.stem}"]
    if meta.number_sections:
        args.append("--number-sections")
    _pandoc(args, meta, qmd, work)
    shutil.move(work / "out.html", target)


def _pdf(doc: Document, qmd: Path, work: Path, target: Path) -> None:
    meta = doc.meta
    args = ["--to", "typst", "--include-in-header", "header.typ", "-V", "papersize=a4"]
    args += ["--output", "report.typ"]
    if meta.language == "sv":
        args += ["-V", "region=SE"]
    if meta.number_sections:
        top = min((h.level for h in doc.headings if h.numbered), default=1)
        args += ["-V", "section-numbering=1.1.1", f"--shift-heading-level-by={1 - top}"]
    _pandoc(args, meta, qmd, work)
    try:
        typst.compile(
            str(work / "report.typ"), output=str(work / "out.pdf"), root="/", ignore_system_fonts=True
        )
    except Exception as exc:  # the binding raises its own error types
        raise RenderError(f"Typst misslyckades: {exc}") from exc
    shutil.move(work / "out.pdf", target)


def _pptx(meta: Metadata, qmd: Path, work: Path, target: Path) -> None:
    # Level-2 headings are slides (one question each); text before a figure → "Content with Caption".
    _pandoc(["--to", "pptx", "--slide-level", "2", "--output", "out.pptx"], meta, qmd, work)
    shutil.move(work / "out.pptx", target)
