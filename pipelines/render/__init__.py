"""Render Quarto ``.qmd`` reports to HTML, PDF and PPTX, with ``quarto`` or with our builtin engine.

The builtin engine (used when ``quarto`` is not on PATH) executes the Python cells in one
subprocess and converts with pandoc 3.9 (from pypandoc-binary) and Typst (Python binding). Both
routes accept only the subset described in ``SUBSET.md``, so a report renders the same either way.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

from pipelines.render.crossref import number_document, reference_problems
from pipelines.render.errors import RenderError
from pipelines.render.qmd import Document, Problem, parse

__all__ = ["FORMATS", "RenderError", "check_subset", "colophon_markdown", "render", "resolve_engine"]

FORMATS = ("html", "pdf", "pptx")
COLOPHON_TITLES = {"sv": "Om versionen", "en": "About this version"}


def _problems(doc: Document) -> list[Problem]:
    found = doc.problems + reference_problems(doc, number_document(doc))
    return sorted(found, key=lambda p: p.line)


def resolve_engine(engine: str = "auto") -> Literal["quarto", "builtin"]:
    """The engine ``render(engine=...)`` will use: ``auto`` means quarto if it is on PATH."""
    if engine == "builtin":
        return "builtin"
    if engine not in ("auto", "quarto"):
        raise RenderError(f"okänd renderingsmotor {engine!r} (auto, quarto eller builtin)")
    if shutil.which("quarto") is not None:
        return "quarto"
    if engine == "quarto":
        raise RenderError("engine='quarto' men quarto finns inte på PATH")
    return "builtin"


def check_subset(qmd_text: str) -> list[str]:
    """Everything in ``qmd_text`` outside the supported subset, each naming its line; ``[]`` = ok."""
    return [str(p) for p in _problems(parse(qmd_text))]


def colophon_markdown(lines: Sequence[str], language: str) -> str:
    """The colophon appended to a document: its own unnumbered section (in PPTX: the last slide)."""
    title = COLOPHON_TITLES.get(language, COLOPHON_TITLES["en"])
    body = "\\\n".join(line.strip() for line in lines)
    return f"## {title} {{.unnumbered .unlisted}}\n\n::: {{.colophon}}\n{body}\n:::\n"


def render(
    qmd: Path,
    out_dir: Path,
    *,
    formats: Sequence[str] = ("html", "pdf"),
    params: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    engine: Literal["auto", "quarto", "builtin"] = "auto",
    colophon: Sequence[str] = (),
) -> dict[str, Path]:
    """Render ``qmd`` to ``out_dir/report.<ext>`` for each format; returns ``{format: path}``.

    ``engine="auto"`` uses ``quarto`` when it is on PATH, otherwise the builtin engine. ``params``
    override the report's parameters; ``env`` is added to the environment the cells run in.
    ``colophon`` (markdown lines, e.g. version, date, code revision) ends every output as a section
    of its own — in the slides, a last slide — with both engines.
    Raises :class:`RenderError` for anything outside the subset, a failing cell, or a failing tool.
    """
    qmd = Path(qmd).resolve()
    out_dir = Path(out_dir).resolve()
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise RenderError(f"okända format {', '.join(unknown)} (stöds: {', '.join(FORMATS)})")
    doc = parse(qmd.read_text(encoding="utf-8"))
    problems = _problems(doc)
    if problems:
        shown = "\n".join(f"  - {p}" for p in problems)
        raise RenderError(
            f"{qmd.name} använder sådant som inte stöds (se pipelines/render/SUBSET.md):\n{shown}",
            [str(p) for p in problems],
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    ending = colophon_markdown(colophon, doc.meta.language) if colophon else ""
    if resolve_engine(engine) == "quarto":
        from pipelines.render.execute import injected_params
        from pipelines.render.quarto_cli import render_with_quarto

        values, _ = injected_params(doc, params or {})
        quarto = shutil.which("quarto") or "quarto"
        return render_with_quarto(
            quarto, qmd, out_dir, list(dict.fromkeys(formats)), values, env, colophon=ending
        )
    from pipelines.render.builtin import render_builtin

    return render_builtin(doc, qmd, out_dir, list(dict.fromkeys(formats)), params, env, colophon=ending)
