"""The Quarto route: ``quarto render`` once per format, outputs moved to ``out_dir/report.<ext>``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from pipelines.render.errors import RenderError

QUARTO_TARGETS = {"html": "html", "pdf": "typst", "pptx": "pptx"}


def param_value(value: object) -> str:
    """``-P key:value`` text; Quarto reads the value as YAML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def quarto_command(quarto: str, qmd: Path, fmt: str, params: Mapping[str, object]) -> list[str]:
    command = [quarto, "render", str(qmd), "--to", QUARTO_TARGETS[fmt], "--output", f"report.{fmt}"]
    if fmt == "html":
        command += ["-M", "embed-resources:true"]
    if fmt == "pptx":
        command += ["--slide-level", "2"]  # as the builtin engine: every ## section is one slide
    for key, value in params.items():
        command += ["-P", f"{key}:{param_value(value)}"]
    return command


def render_with_quarto(
    quarto: str,
    qmd: Path,
    out_dir: Path,
    formats: Sequence[str],
    params: Mapping[str, object],
    env: Mapping[str, str] | None,
    colophon: str = "",
) -> dict[str, Path]:
    """Quarto writes ``report.<ext>`` beside the ``.qmd`` (``--output``); we move it to ``out_dir``.

    With a ``colophon`` (markdown), a copy of the ``.qmd`` with it appended is rendered instead, in
    the same folder (relative paths keep working) and removed afterwards.
    """
    if colophon:
        source = qmd.with_name(f".{qmd.stem}-kolofon.qmd")
        source.write_text(qmd.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + colophon, encoding="utf-8")
        try:
            return render_with_quarto(quarto, source, out_dir, formats, params, env)
        finally:
            source.unlink(missing_ok=True)
    outputs: dict[str, Path] = {}
    for fmt in formats:
        proc = subprocess.run(
            quarto_command(quarto, qmd, fmt, params),
            cwd=qmd.parent,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RenderError(
                f"quarto render {qmd.name} --to {QUARTO_TARGETS[fmt]} misslyckades "
                f"(exit {proc.returncode}):\n{proc.stderr[-4000:]}"
            )
        produced = qmd.parent / f"report.{fmt}"
        target = out_dir / f"report.{fmt}"
        if not produced.exists():
            raise RenderError(f"quarto render skrev ingen {produced}")
        if produced.resolve() != target.resolve():
            shutil.move(produced, target)
        outputs[fmt] = target
    return outputs
