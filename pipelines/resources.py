"""The one Dagster resource: the workspace (and through it the DuckDB warehouse)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines import las, parametrar, stadning, warehouse
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

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Record the run's process on the run (tag ``analysplan/process``): a run whose process is
        killed is then marked failed at the next start (:func:`pipelines.stadning.fail_dead_runs`).
        Then take the warehouse's writer lock for the run, waiting its turn with a line."""
        if context.instance is not None and context.run_id:
            context.instance.add_run_tags(context.run_id, {stadning.PROCESS_TAG: stadning.process_token()})
        if context.run_id:  # the whole run is one writer's turn (pipelines.las)
            las.take_for_run(self.workspace, context.run_id, on_acquire=stadning.vid_start)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if context.run_id:
            las.release_for_run(context.run_id)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the warehouse; a writing one holds the writer lock (:mod:`pipelines.las`),
        waiting its turn behind another command or run."""
        ws = self.workspace
        if read_only:
            with warehouse.connect(ws.warehouse, read_only=True) as con:
                yield con
            return
        with (
            las.skrivlas(ws, on_acquire=stadning.vid_start),
            las.oppna_nar_ledigt(lambda: warehouse.connect(ws.warehouse)) as con,
        ):
            yield con
