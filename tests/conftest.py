"""Shared fixtures: an isolated workspace per test, so no test touches var/ or another test's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
    ingest.build_reference(connection)
    yield connection
    connection.close()
