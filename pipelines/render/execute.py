"""Run a parsed report's cells in one fresh Python subprocess (see ``_runner.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pipelines.render.errors import RenderError
from pipelines.render.qmd import Document, resolved

RUNNER = Path(__file__).with_name("_runner.py")
FIGURE_DPI = 150
FIGURE_DIR = "cell-figures"  # inside the work folder; the Lua filter knows this name

OutputKind = Literal["stdout", "stderr", "figure", "markdown", "text"]


@dataclass(frozen=True)
class Output:
    kind: OutputKind
    text: str  # for figures: the PNG's absolute path


@dataclass(frozen=True)
class Execution:
    cells: list[list[Output]]  # per cell, in document order
    inline: list[str]  # values of the inline expressions, in document order


def injected_params(doc: Document, overrides: Mapping[str, object]) -> tuple[dict[str, object], int]:
    """What to inject and after which cell (-1 = before the first cell).

    With a cell tagged ``parameters``: the overrides, after that cell (papermill/Quarto style).
    Without one: front matter ``params:`` defaults merged with the overrides, before the first cell.
    """
    cells = doc.cells
    marked = next((c.index for c in cells if c.is_parameters), None)
    if marked is not None:
        return dict(overrides), marked
    unknown = sorted(set(overrides) - set(doc.meta.params))
    if unknown:
        raise RenderError(
            f"okända parametrar {', '.join(unknown)}: rapporten har ingen parameters-cell och "
            f"front matter params: deklarerar bara {', '.join(doc.meta.params) or '(inga)'}"
        )
    return {**doc.meta.params, **overrides}, -1


def execute(
    doc: Document,
    qmd: Path,
    work_dir: Path,
    params: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
) -> Execution:
    """Execute every cell (also ``include: false`` ones), then the inline expressions.

    Inline expressions are evaluated after all cells ran (Quarto evaluates them in document
    order), so they see each variable's final value.

    Raises :class:`RenderError` naming the cell (label or number) and its line, with the traceback.
    """
    values, after = injected_params(doc, params or {})
    fig_dir = work_dir / FIGURE_DIR
    fig_dir.mkdir(parents=True, exist_ok=True)
    cells = doc.cells
    job = {
        "qmd": str(qmd),
        "fig_dir": str(fig_dir),
        "dpi": FIGURE_DPI,
        "params": values,
        "params_after": after,
        "cells": [
            {
                "code": cell.code,
                "line": cell.first_code_line,
                "warning": bool(resolved(cell, doc.meta.execute).warning),
            }
            for cell in cells
        ],
        "inline": doc.inline_expressions,
    }
    job_path, result_path = work_dir / "job.json", work_dir / "result.json"
    try:
        job_path.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    except TypeError as exc:
        raise RenderError(f"parametrarna går inte att skicka till rapporten (inte JSON): {exc}") from exc
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(job_path), str(result_path)],
        cwd=qmd.parent,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 or not result_path.exists():
        raise RenderError(
            f"{qmd.name}: körningen av kodcellerna avbröts (exit {proc.returncode}):\n"
            f"{proc.stderr[-4000:]}{proc.stdout[-2000:]}"
        )
    result = json.loads(result_path.read_text(encoding="utf-8"))
    error = result["error"]
    if error is not None:
        if "meddelande" in error:  # the report refused (reportlib.RapportFel): its message alone
            raise RenderError(f"{qmd.name}: {error['meddelande']}")
        if "cell" in error:
            cell = cells[error["cell"]]
            raise RenderError(
                f"{qmd.name}, rad {cell.line}: cellen '{cell.name}' kastade ett fel:\n{error['traceback']}"
            )
        if "inline" in error:
            line, code = doc.inline_expressions[error["inline"]]
            raise RenderError(
                f"{qmd.name}, rad {line}: inline-uttrycket `{{python}} {code}` kastade ett fel:\n"
                f"{error['traceback']}"
            )
        raise RenderError(
            f"{qmd.name}: okända parametrar {', '.join(error['params'])} "
            "(de sätts inte i cellen med taggen parameters)"
        )
    return Execution(
        cells=[[Output(o["kind"], o["text"]) for o in outputs] for outputs in result["cells"]],
        inline=list(result["inline"]),
    )
