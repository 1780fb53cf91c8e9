"""Child process of the builtin engine: runs a report's cells in one namespace, like a Jupyter kernel.

Usage: ``python _runner.py JOB.json RESULT.json`` with the report's folder as working directory.
Standard library only; pandas, polars and matplotlib are touched only if the report imported them.

Per cell it records, in order: stdout/stderr text, figures (PNG files, at ``plt.show()`` and at the
end of the cell) and the value of a last expression (markdown for ``_repr_markdown_`` objects and
pandas/polars DataFrames, otherwise ``repr``). Code is compiled with the ``.qmd`` as file name and
its true line numbers, so tracebacks point into the report.
"""

from __future__ import annotations

import ast
import builtins
import importlib.abc
import importlib.machinery
import importlib.util
import io
import json
import math
import numbers
import os
import sys
import traceback
import types
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

RUNNER_MODULE = "_analysplan_render_runner"
BACKEND_MODULE = "_analysplan_inline_backend"
BACKEND_FILE = Path(__file__).with_name("_inline_backend.py")
RUNNER_FILE = os.path.abspath(__file__)


class Outputs:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def stream(self, kind: str, text: str) -> None:
        if not text:
            return
        if self.items and self.items[-1]["kind"] == kind:
            self.items[-1]["text"] += text
        else:
            self.items.append({"kind": kind, "text": text})

    def add(self, kind: str, text: str) -> None:
        self.items.append({"kind": kind, "text": text})


class State:
    def __init__(self, fig_dir: Path, dpi: int) -> None:
        self.outputs = Outputs()
        self.fig_dir = fig_dir
        self.dpi = dpi
        self.cell = 0
        self.figures = 0


STATE = State(Path.cwd(), 150)


class Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` during a cell: text goes into the cell's outputs, in order."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        STATE.outputs.stream(self.kind, text)
        return len(text)


class BackendFinder(importlib.abc.MetaPathFinder):
    """Makes ``module://_analysplan_inline_backend`` importable without touching ``sys.path``."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname == BACKEND_MODULE:
            return importlib.util.spec_from_file_location(fullname, BACKEND_FILE)
        return None


def flush_figures() -> None:
    """Save every open matplotlib figure as PNG into the current cell's outputs, then close them."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    for number in pyplot.get_fignums():
        figure = pyplot.figure(number)
        STATE.figures += 1
        path = STATE.fig_dir / f"cell{STATE.cell + 1:03d}-fig{STATE.figures}.png"
        figure.savefig(path, dpi=STATE.dpi, bbox_inches="tight", metadata={"Software": None})
        STATE.outputs.add("figure", str(path))
    pyplot.close("all")


# --- showing values ------------------------------------------------------------------------------


def format_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool | numbers.Integral):
        return str(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            return ""
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
        return f"{number:.6g}"
    return str(value)


def markdown_table(headers: list[str], rows: list[list[str]], right: list[bool]) -> str:
    def clean(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ").strip()

    lines = ["| " + " | ".join(clean(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---:" if r else ":---" for r in right) + "|")
    lines.extend("| " + " | ".join(clean(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def dataframe_markdown(value: object) -> str | None:
    pandas: Any = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, pandas.DataFrame):
        is_numeric = pandas.api.types.is_numeric_dtype
        index_names = ["" if n is None else str(n) for n in value.index.names]
        columns = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in value.columns]
        right = [is_numeric(value.index.get_level_values(i)) for i in range(value.index.nlevels)]
        right += [is_numeric(dtype) for dtype in value.dtypes]
        rows = []
        for key, values in zip(value.index, value.itertuples(index=False, name=None), strict=True):
            keys = key if isinstance(key, tuple) else (key,)
            rows.append([format_cell(k) for k in keys] + [format_cell(v) for v in values])
        return markdown_table(index_names + columns, rows, right)
    polars: Any = sys.modules.get("polars")
    if polars is not None and isinstance(value, polars.DataFrame):
        right = [dtype.is_numeric() for dtype in value.dtypes]
        rows = [[format_cell(v) for v in row] for row in value.iter_rows()]
        return markdown_table(list(value.columns), rows, right)
    return None


def as_markdown(value: object) -> str | None:
    method = getattr(value, "_repr_markdown_", None)
    if callable(method) and not isinstance(value, type):
        data = method()
        if isinstance(data, tuple):
            data = data[0]
        if isinstance(data, str):
            return data
    return dataframe_markdown(value)


def display(*values: object) -> None:
    """Jupyter's ``display()``: show values in the cell's output at this point."""
    for value in values:
        if value is None:
            continue
        markdown = as_markdown(value)
        if markdown is not None:
            STATE.outputs.add("markdown", markdown)
        else:
            STATE.outputs.add("text", repr(value))


# --- execution -----------------------------------------------------------------------------------


def show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    STATE.outputs.stream("stderr", warnings.formatwarning(message, category, filename, lineno, line))


def run_cell(code: str, first_line: int, filename: str, namespace: dict[str, Any], warning: bool) -> None:
    padded = "\n" * (first_line - 1) + code
    with warnings.catch_warnings():
        if warning:
            warnings.showwarning = show_warning
        else:
            warnings.simplefilter("ignore")
        tree = ast.parse(padded, filename=filename)
        last: ast.Expression | None = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            stmt = tree.body[-1]
            end_line = padded.split("\n")[(stmt.end_lineno or 1) - 1].encode()  # offsets are in bytes
            if not end_line[stmt.end_col_offset or 0 :].lstrip().startswith(b";"):
                tree.body.pop()
                last = ast.Expression(stmt.value)
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            display(eval(compile(last, filename, "eval"), namespace))
        flush_figures()


def format_error(exc: BaseException) -> str:
    """The traceback without the runner's own frames."""
    tb = exc.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == RUNNER_FILE:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


def main(job_path: str, result_path: str) -> int:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    STATE.fig_dir = Path(job["fig_dir"])
    STATE.dpi = int(job["dpi"])
    sys.modules[RUNNER_MODULE] = sys.modules[__name__]
    sys.meta_path.append(BackendFinder())
    os.environ["MPLBACKEND"] = f"module://{BACKEND_MODULE}"
    sys.path[0] = ""  # like a kernel: the report's folder (cwd) first, not this package's folder
    sys.argv = [job["qmd"]]
    main_module = types.ModuleType("__main__")
    namespace: dict[str, Any] = main_module.__dict__
    namespace.update(__builtins__=builtins, display=display)
    sys.modules["__main__"] = main_module

    filename: str = job["qmd"]
    params: dict[str, Any] = job["params"]
    result: dict[str, Any] = {"cells": [], "inline": [], "error": None}
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    try:
        if job["params_after"] < 0:
            namespace.update(params)
        for index, cell in enumerate(job["cells"]):
            STATE.cell, STATE.outputs = index, Outputs()
            try:
                run_cell(cell["code"], cell["line"], filename, namespace, cell["warning"])
            except KeyboardInterrupt:
                raise
            except BaseException as exc:
                if type(exc).__name__ == "RapportFel":  # pipelines.reportlib: a message, not a bug
                    result["error"] = {"cell": index, "meddelande": str(exc)}
                    break
                result["error"] = {"cell": index, "traceback": format_error(exc)}
                break
            result["cells"].append(STATE.outputs.items)
            if index == job["params_after"]:
                unknown = sorted(set(params) - set(namespace))
                if unknown:
                    result["error"] = {"params": unknown}
                    break
                namespace.update(params)
        else:
            STATE.outputs = Outputs()
            for index, (line, expression) in enumerate(job["inline"]):
                try:
                    value = eval(compile("\n" * (line - 1) + expression, filename, "eval"), namespace)
                except KeyboardInterrupt:
                    raise
                except BaseException as exc:
                    result["error"] = {"inline": index, "traceback": format_error(exc)}
                    break
                markdown = as_markdown(value)
                result["inline"].append(markdown if markdown is not None else str(value))
    finally:
        sys.stdout, sys.stderr = saved
    Path(result_path).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
