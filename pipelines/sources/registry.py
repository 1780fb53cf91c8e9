"""The delivered sources: name, reader and the raw/core tables each one feeds.

Every module in ``pipelines/sources/`` that defines a module-level ``SOURCES: list[Source]`` is
picked up here, so adding a source means adding one module (reader + its ``SOURCES`` entry), one
``sql/core_<source>__<name>.sql`` and one ``data_contracts/core_<source>__<name>.json``.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    import duckdb

    from pipelines.sources.swecsv import ByteScan

Reader = Callable[[bytes, str], pa.Table]


@dataclass(frozen=True)
class StageTarget:
    """Where a source's :data:`Stager` writes a delivered file's checked rows: straight into the raw
    table ``table`` in the open transaction of the warehouse connection ``con`` (created there when
    ``create``), each row with the constant columns of ``extra`` (SQL, e.g. the file's provenance)
    and bound ``params``; ``rows_of`` (SQL) selects this file's rows in the table."""

    con: duckdb.DuckDBPyConnection
    table: str
    create: bool
    extra: str
    rows_of: str
    params: Mapping[str, Any]

    def bind(self, sql: str, **more: Any) -> dict[str, Any]:
        """The parameters that ``sql`` names (``$name``) from ``params`` and ``more``."""
        given = {**self.params, **more}
        return {k: given[k] for k in sorted(set(re.findall(r"\$(\w+)", sql)))}


@dataclass(frozen=True)
class StagedRows:
    """A delivered file's checked rows, already in the raw table of a :class:`StageTarget` (what the
    reader's Arrow table would hold, with each row's line in ``row_column``), without an Arrow or
    any other copy in between."""

    target: StageTarget
    rows: int
    row_column: str | None

    @property
    def num_rows(self) -> int:
        return self.rows


class StageAborted(Exception):
    """The stager wrote rows and then found the file broken (or DuckDB refused a value): the
    warehouse transaction holds them, or is aborted, so the caller rolls back and lets the reader
    read the file (it names file, row, column and rule)."""


# file name as delivered, the file on disk (read there, never held whole in memory), where its rows
# go, and the file's bytes as the ingest's copy scanned them (None: the stager scans): the staged
# rows, or None before anything was written (then the reader reads the file); StageAborted after
Stager = Callable[[str, Path, StageTarget, "ByteScan | None"], StagedRows | None]


@dataclass(frozen=True)
class Source:
    name: str  # CLI name, e.g. "scb-befolkning"
    raw_table: str  # raw_<source>__<name>
    core_table: str  # core_<source>__<name>
    reader: Reader  # bytes + file name → Arrow table as delivered, or RejectedInput
    description: str  # Swedish, shown in the UI and CLI
    code_modules: tuple[ModuleType, ...]  # whose source code is the reader's code version
    depends_on: tuple[str, ...] = ()  # other tables its core SQL or contract reads (e.g. core_drg__vikter)
    order: int = 100  # ingest order in the demo: reference sources first
    extensions: tuple[str, ...] = field(default=(".json",))  # accepted file name endings
    # a reader for large files that writes the checked rows straight into the raw table instead
    # (ingest with a build in the same transaction: no Arrow copy, no second write)
    stager: Stager | None = None

    @property
    def code_version(self) -> str:
        """Hash of the reader's source code: a changed parser re-reads every file."""
        digest = hashlib.sha256()
        for module in self.code_modules:
            digest.update(inspect.getsource(module).encode())
        return digest.hexdigest()[:16]


@cache
def all_sources() -> dict[str, Source]:
    import pipelines.sources as package

    found: dict[str, Source] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "registry":
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for source in getattr(module, "SOURCES", []):
            if source.name in found:
                raise ValueError(f"source {source.name!r} defined twice")
            found[source.name] = source
    return dict(sorted(found.items(), key=lambda kv: (kv[1].order, kv[0])))


def get_source(name: str) -> Source:
    sources = all_sources()
    try:
        return sources[name]
    except KeyError:
        raise KeyError(f"Okänd källa {name!r}. Kända källor: {', '.join(sources)}") from None
