"""The delivered sources: name, reader and the raw/core tables each one feeds."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from pipelines.sources import pxweb, scb_befolkning

Reader = Callable[[bytes, str], pa.Table]


@dataclass(frozen=True)
class Source:
    name: str  # CLI name, e.g. "scb-befolkning"
    raw_table: str
    core_table: str
    reader: Reader
    description: str
    code_modules: tuple[object, ...]

    @property
    def code_version(self) -> str:
        """Hash of the reader's source code: a changed parser re-reads every file."""
        digest = hashlib.sha256()
        for module in self.code_modules:
            digest.update(inspect.getsource(module).encode())  # type: ignore[arg-type]
        return digest.hexdigest()[:16]


SOURCES: dict[str, Source] = {
    s.name: s
    for s in [
        Source(
            name="scb-befolkning",
            raw_table="raw_scb__befolkning",
            core_table="core_scb__befolkning",
            reader=scb_befolkning.read,
            description="SCB folkmängd 31 december (BE0101N1/TAB638), PxWeb json, json-stat eller json-stat2",
            code_modules=(pxweb, scb_befolkning),
        ),
    ]
}


def get_source(name: str) -> Source:
    try:
        return SOURCES[name]
    except KeyError:
        known = ", ".join(sorted(SOURCES))
        raise KeyError(f"Okänd källa {name!r}. Kända källor: {known}") from None
