"""Shared fixtures: an isolated workspace per test, so no test touches var/ or another test's state."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import ingest, warehouse
from pipelines.workspace import Workspace

FIXTURES = Path(__file__).parent / "fixtures"
NETGUARD = Path(__file__).parent / "netguard"


def _load_network_guard() -> Any:
    spec = importlib.util.spec_from_file_location("analysplan_test_netguard", NETGUARD / "sitecustomize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


network_guard = _load_network_guard()
NETWORK_LOG = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """No network in the tests: the guard in this process and, through ``sitecustomize`` on
    ``PYTHONPATH``, in every Python process a test starts; attempts are logged for the session end."""
    log = Path(tempfile.mkstemp(prefix="analysplan-natlogg-", suffix=".txt")[1])
    config.stash[NETWORK_LOG] = log
    os.environ[network_guard.LOG_ENV] = str(log)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(NETGUARD), os.environ.get("PYTHONPATH")]))
    network_guard.install()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the session if anything tried to reach the network, even if the error was swallowed."""
    log = session.config.stash.get(NETWORK_LOG, None)
    if log is None or not log.exists():
        return
    attempts = log.read_text(encoding="utf-8").strip()
    log.unlink()
    if attempts:
        print(f"\nNätverksförsök under testerna (utanför loopback):\n{attempts}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


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
