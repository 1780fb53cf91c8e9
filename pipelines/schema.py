"""The documented analysis tables (``sql/schema.yml``): grain, columns, types, Swedish labels."""

from __future__ import annotations

from functools import cache
from typing import Any

import duckdb
import yaml

from pipelines.warehouse import SQL_DIR

SCHEMA_FILE = SQL_DIR / "schema.yml"


@cache
def documented() -> dict[str, dict[str, Any]]:
    # libyaml's loader where installed: the same result, a tenth of the time (every command reads it)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, dict[str, Any]] = yaml.load(SCHEMA_FILE.read_text(encoding="utf-8"), Loader=loader)
    return data


def columns(table: str) -> dict[str, str]:
    """Documented column → DuckDB type, in order."""
    return {name: spec["typ"] for name, spec in documented()[table]["kolumner"].items()}


def label(table: str, column: str) -> str:
    """The Swedish label of a column, for table headings in reports."""
    spec = documented()[table]["kolumner"][column]
    return str(spec.get("etikett", column))


def materialised_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.sql(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $t "
        "AND table_catalog = current_database() AND table_schema = current_schema() "
        "ORDER BY ordinal_position",
        params={"t": table},
    ).fetchall()
    return {str(n): str(t) for n, t in rows}
