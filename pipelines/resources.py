"""The one Dagster resource: the workspace (and through it the DuckDB warehouse)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines import parametrar, warehouse
from pipelines.workspace import Workspace


class AnalysplanResource(dg.ConfigurableResource):
    """Where the workspace lives; hands out the single writing connection to the warehouse."""

    home: str
    lan: str  # the county whose extracts this pipeline runs on: parametrar.lan() (definitions.resources)

    def sql_params(self) -> dict[str, Any]:
        """Everything SQL files may bind: the county and the analysis parameters."""
        return parametrar.sql_params(self.lan)

    @property
    def workspace(self) -> Workspace:
        return Workspace(Path(self.home)).ensure()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(self.workspace.warehouse, read_only=read_only) as con:
            yield con
