"""Shared fixtures: an isolated workspace per test, so no test touches var/ or another test's state."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import ingest, warehouse
from pipelines.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    home = tmp_path / "home"
    monkeypatch.setenv("ANALYSPLAN_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    return Workspace(home).ensure()


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory warehouse with the bookkeeping and reference tables."""
    connection = duckdb.connect(":memory:")
    connection.execute(warehouse.META_DDL)
    warehouse.install_macros(connection)
    ingest.build_reference(connection)
    yield connection
    connection.close()


def materialize(selection: Any) -> Any:
    """Materialize ``selection`` (a Dagster AssetSelection) in-process in the current workspace."""
    import dagster as dg

    from pipelines import definitions

    return dg.materialize(
        definitions.ALL_ASSETS,
        selection=selection,
        instance=dg.DagsterInstance.get(),
        resources=definitions.resources(),
        raise_on_error=False,
    )


def edit_csv(data: bytes, line: int, column: str, value: str) -> bytes:
    """A semicolon CSV with one cell changed (``line`` as an editor shows it, header = 1)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8")), delimiter=";"))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def repeat_csv_line(data: bytes, line: int) -> bytes:
    """A CSV with a copy of ``line`` added at the end."""
    lines = data.decode("utf-8").splitlines(keepends=True)
    return "".join([*lines, lines[line - 1]]).encode("utf-8")


def tree(folder: Path) -> dict[str, str]:
    """Relative path → SHA-256 of every file below ``folder``: to prove that nothing changed."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``analysplan ARGS`` as an analyst would, in the workspace ``home``."""
    env = {**os.environ, "ANALYSPLAN_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], env=env, capture_output=True, text=True, timeout=1200
    )
    if check:
        assert proc.returncode == 0, f"{args}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The main job (`analysplan demo`, default settings) run once per test session in its own workspace."""
    home = tmp_path_factory.mktemp("demo") / "home"
    return home, run_cli(home, "demo")
