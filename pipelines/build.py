"""Skip unchanged work: each built table records the fingerprint of what it was built from.

A table's fingerprint is the hash of its code version, its parameters and its inputs'
fingerprints. Everything a build reads is in it:

- code: ``sql/<table>.sql`` and the definitions of the macros in ``sql/macros.sql`` it calls,
  directly or through another macro (:func:`pipelines.warehouse.code_version`); for raw tables the
  reader's source;
- inputs: the tables its SQL names (:func:`pipelines.warehouse.tables_read`, not a hand list), for
  a core table also those its contract's rules read; for raw tables the delivered files'
  SHA-256s; for reference tables the reference data itself (per table);
- parameters: the ``$name`` parameters its SQL binds.

When an asset is asked to run and the fingerprint it would produce equals the recorded one, the
table is already up to date and the step returns at once. The fingerprint is also the asset's
Dagster data version, so the UI's staleness agrees with the CLI.

A core table also records the hash of the contract suite it passed (``kontrakt``). A changed
contract re-runs build and check of that table, but the contract is a check, not an input: it is
not in the fingerprint that dependents read. A re-check that passes leaves the same data and the
same fingerprint, so nothing downstream is rebuilt; a re-check that fails blocks the dependents
(the check is blocking) and keeps the old record, so the next run checks again.

Each table also records the parameters it was built with (``parametrar``, JSON): its own and
those of its inputs, so a published version's manifest can list every choice behind a number.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import duckdb

from pipelines import warehouse

DDL = """
CREATE TABLE IF NOT EXISTS meta_tabeller (
    tabell VARCHAR PRIMARY KEY,
    fingeravtryck VARCHAR NOT NULL,
    rader BIGINT NOT NULL,
    byggd TIMESTAMP NOT NULL DEFAULT now(),
    kodversion VARCHAR,
    kontrakt VARCHAR,      -- SHA-256 of the contract suite the table passed (core_* only)
    parametrar VARCHAR     -- JSON: the parameters it was built with, its inputs' included
);
ALTER TABLE meta_tabeller ADD COLUMN IF NOT EXISTS kontrakt VARCHAR;
ALTER TABLE meta_tabeller ADD COLUMN IF NOT EXISTS parametrar VARCHAR;
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


def _meta(con: duckdb.DuckDBPyConnection, column: str, table: str) -> Any:
    """``column`` of ``table``'s record; None if there is none (also on a read-only connection to a
    warehouse whose meta_tabeller predates the column)."""
    known = warehouse.scalar(
        con,
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'meta_tabeller' "
        "AND column_name = $c AND table_catalog = current_database() AND table_schema = current_schema()",
        {"c": column},
    )
    if not known:
        return None
    return warehouse.scalar(con, f"SELECT {column} FROM meta_tabeller WHERE tabell = $t", {"t": table})


def recorded(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    value = _meta(con, "fingeravtryck", table)
    return str(value) if value is not None else None


def up_to_date(con: duckdb.DuckDBPyConnection, table: str, fp: str, contract: str | None = None) -> bool:
    """``table`` exists, was built from ``fp`` and (for a core table) passed ``contract``."""
    if recorded(con, table) != fp or not warehouse.table_exists(con, table):
        return False
    return contract is None or recorded_contract(con, table) == contract


def record(
    con: duckdb.DuckDBPyConnection,
    table: str,
    fp: str,
    rows: int,
    code_version: str | None = None,
    *,
    contract: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> None:
    con.execute(DDL)
    con.execute(
        "INSERT OR REPLACE INTO meta_tabeller (tabell, fingeravtryck, rader, byggd, kodversion, kontrakt, "
        "parametrar) VALUES ($t, $f, $r, now(), $k, $c, $p)",
        {
            "t": table,
            "f": fp,
            "r": rows,
            "k": code_version,
            "c": contract,
            "p": json.dumps(dict(sorted((params or {}).items())), ensure_ascii=False, default=str),
        },
    )


def recorded_code_version(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    value = _meta(con, "kodversion", table)
    return str(value) if value is not None else None


def recorded_contract(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    value = _meta(con, "kontrakt", table)
    return str(value) if value is not None else None


def recorded_parameters(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, Any]:
    """The parameters ``table`` was built with (its inputs' included); {} if none or not recorded."""
    value = _meta(con, "parametrar", table)
    return dict(json.loads(value)) if value else {}


def merge_parameters(*sets: Mapping[str, Any]) -> dict[str, Any]:
    """The union of parameter sets. A parameter with different values in different sets (a table
    built before a change, read beside one built after) keeps all of them, as a sorted list."""
    values: dict[str, list[Any]] = {}
    for params in sets:
        for name, value in params.items():
            for v in value if isinstance(value, list) else [value]:
                if v not in values.setdefault(name, []):
                    values[name].append(v)
    return {
        name: vs[0] if len(vs) == 1 else sorted(vs, key=lambda v: json.dumps(v, default=str))
        for name, vs in sorted(values.items())
    }


def effective_parameters(
    con: duckdb.DuckDBPyConnection, own: Mapping[str, Any], inputs: Iterable[str]
) -> dict[str, Any]:
    """The parameters a table is built with: its own and, recursively, those of its inputs."""
    return merge_parameters(own, *(recorded_parameters(con, t) for t in inputs))


def forget(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(DDL)
    con.execute("DELETE FROM meta_tabeller WHERE tabell = $t", {"t": table})


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One transaction: a table and the record of its fingerprint are written together or not at
    all (a run killed between them leaves the old table under the old fingerprint)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
