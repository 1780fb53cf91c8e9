"""Helpers for the KPP/DRG integration tests: load fixture files through the real raw-load path."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from pipelines import contracts, ingest, warehouse
from pipelines.sources.registry import get_source

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kpp"
T0 = datetime(2024, 3, 1, 8, 0, 0)


def stored(
    source: str, paths: list[Path], start: datetime = T0, step: timedelta = timedelta(hours=1)
) -> list[ingest.StoredFile]:
    """Fixture files as if accepted one after another (``step`` apart), oldest first."""
    out = []
    for i, path in enumerate(paths):
        data = path.read_bytes()
        out.append(
            ingest.StoredFile(source, ingest.sha256_bytes(data), path, path.name, start + i * step, len(data))
        )
    return out


def load(
    con: duckdb.DuckDBPyConnection,
    source: str,
    *names: str | Path,
    params: Mapping[str, Any] | None = None,
    step: timedelta = timedelta(hours=1),
) -> int:
    """Load files (names in tests/fixtures/kpp, or paths) into the raw table; build the core table."""
    src = get_source(source)
    paths = [n if isinstance(n, Path) else FIXTURES / n for n in names]
    ingest.load_raw(con, src, stored(source, paths, step=step))
    return warehouse.build_table(con, src.core_table, params or {"lan": "25"})


def failing_rules(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {f.rule for f in contracts.validate(con, table).failures}


def rows(
    con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    return con.sql(query, params=dict(params or {})).fetchall()
