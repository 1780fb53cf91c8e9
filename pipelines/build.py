"""Skip unchanged work: each built table records the fingerprint of what it was built from.

A table's fingerprint is the hash of its code version (the SQL file or reader source), its
parameters and its inputs' fingerprints (for raw tables: the delivered files' SHA-256s). When an
asset is asked to run and the fingerprint it would produce equals the recorded one, the table is
already up to date and the step returns at once. The fingerprint is also the asset's Dagster data
version, so the UI's staleness agrees with the CLI.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import duckdb

from pipelines import warehouse

DDL = """
CREATE TABLE IF NOT EXISTS meta_tabeller (
    tabell VARCHAR PRIMARY KEY,
    fingeravtryck VARCHAR NOT NULL,
    rader BIGINT NOT NULL,
    byggd TIMESTAMP NOT NULL DEFAULT now(),
    kodversion VARCHAR
)
"""


def fingerprint(
    code_version: str, inputs: Mapping[str, str | None], params: Mapping[str, object] | None = None
) -> str:
    payload = json.dumps(
        {
            "code": code_version,
            "inputs": dict(sorted(inputs.items())),
            "params": dict(sorted((params or {}).items())),
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def recorded(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    con.execute(DDL)
    value = warehouse.scalar(con, "SELECT fingeravtryck FROM meta_tabeller WHERE tabell = $t", {"t": table})
    return str(value) if value is not None else None


def record(
    con: duckdb.DuckDBPyConnection, table: str, fp: str, rows: int, code_version: str | None = None
) -> None:
    con.execute(DDL)
    con.execute(
        "INSERT OR REPLACE INTO meta_tabeller (tabell, fingeravtryck, rader, byggd, kodversion) "
        "VALUES ($t, $f, $r, now(), $k)",
        {"t": table, "f": fp, "r": rows, "k": code_version},
    )


def recorded_code_version(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    con.execute(DDL)
    value = warehouse.scalar(con, "SELECT kodversion FROM meta_tabeller WHERE tabell = $t", {"t": table})
    return str(value) if value is not None else None


def forget(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(DDL)
    con.execute("DELETE FROM meta_tabeller WHERE tabell = $t", {"t": table})
