"""notebooks/: each notebook runs, as Jupyter runs it, against the demo workspace the test session built."""

from __future__ import annotations

import hashlib
import html
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.e2e
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def run_notebook(name: str, home: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Execute ``notebooks/<name>`` in a fresh kernel of this interpreter, in the workspace ``home``."""
    kernels = tmp / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
    }
    (kernels / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp / "jupyter"))  # before any other python3 kernel
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    monkeypatch.setenv("ANALYSPLAN_HOME", str(home))
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    return notebook


def stream_text(notebook: Any) -> str:
    return "".join(
        out.get("text", "")
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "stream"
    )


def test_share_65_plus_notebook_reproduces_the_published_figure_read_only(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    home, _ = demo_run
    warehouse = home / "warehouse.duckdb"
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()

    notebook = run_notebook("befolkning_andel_aldre.ipynb", home, tmp_path, monkeypatch)

    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before  # opened read-only
    figures = [
        out
        for cell in notebook.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "image/png" in out.get("data", {})
    ]
    assert len(figures) == 1
    text = stream_text(notebook)
    assert "Lagret och den publicerade versionen stämmer" in text
    # The report's own sentences, as published (for its period): "Den 31 december 2025 bodde 248 927
    # personer i Norrbottens län, och 25,4 % av dem var 65 år eller äldre, mot 21,1 % i riket."
    report = html.unescape((home / "published" / "befolkning" / "latest" / "report.html").read_text("utf-8"))
    flat = " ".join(re.sub(r"<[^>]+>", " ", report).split())
    year = re.search(r"Den 31 december (\d{4}) bodde", flat)
    published = re.search(r"(\d+,\d\s%) av dem var 65 år eller äldre, mot (\d+,\d\s%) i riket", flat)
    assert year and published, "rapportens meningar om andelen 65+ saknas"
    lan, riket = (" ".join(share.split()) for share in published.groups())
    said = re.search(
        r"Den 31 december (\d{4}) var (\d+,\d\s%) av invånarna i Norrbottens län 65 år eller äldre, mot (\d+,\d\s%)",
        text,
    )
    assert said, text
    assert [" ".join(part.split()) for part in said.groups()] == [year.group(1), lan, riket]
    assert lan != riket  # the county is older than the country


def test_notebooks_are_stored_without_outputs() -> None:
    """Outputs belong to a run, not to the repository: a stored output could show another warehouse's numbers."""
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name
