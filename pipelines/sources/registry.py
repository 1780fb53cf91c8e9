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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from pipelines.sources.swecsv import ByteScan

Reader = Callable[[bytes, str], pa.Table]


@dataclass(frozen=True)
class StagedRows:
    """A delivered file's checked rows, read straight into table ``table`` of the DuckDB file
    ``path`` (a source's :data:`Stager`): what the reader's Arrow table would hold, without it.
    ``row_column``: the reader's line column, not stored: a row's line is its row id + 2."""

    path: Path
    rows: int
    row_column: str | None
    table: str = "rader"

    @property
    def num_rows(self) -> int:
        return self.rows


# file name as delivered, the file on disk (read there, never held whole in memory), a new DuckDB
# file to write, and the file's bytes as the ingest's copy scanned them (None: the stager scans):
# the staged rows, or None (then the reader reads the file and names what is wrong)
Stager = Callable[[str, Path, Path, "ByteScan | None"], StagedRows | None]


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
    # a reader for large files that writes the checked rows to a DuckDB file instead (ingest with
    # a build in the same transaction: the rows go from there into the raw table, no Arrow copy)
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
