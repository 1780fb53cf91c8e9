"""Every out_* table materialised by the demo has exactly the documented columns (sql/schema.yml),
every core_* table exactly its contract's, and every derived table has its SQL file."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipelines import contracts, schema, warehouse

pytestmark = pytest.mark.e2e


def test_documentation_equals_materialised_columns(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as con:
        tables = {t for (t,) in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        out_tables = {t for t in tables if t.startswith("out_")}
        assert out_tables == set(schema.documented()), "document every out_* table in sql/schema.yml"
        for table in sorted(out_tables):
            assert schema.materialised_columns(con, table) == schema.columns(table), table
            grain = schema.documented()[table]["korn"]
            dupes = warehouse.scalar(
                con,
                f"SELECT count(*) FROM (SELECT {', '.join(grain)} FROM {table} "
                "GROUP BY ALL HAVING count(*) > 1)",
            )
            assert dupes == 0, f"{table}: grain {grain} is not unique"
        for table in sorted(t for t in tables if t.startswith("core_") and not t.startswith("core_ref__")):
            expected = contracts.load_suite(table)["meta"]["column_types"]
            assert schema.materialised_columns(con, table) == expected, table
    for table in out_tables | {t for t in tables if t.startswith("core_")}:
        assert (warehouse.SQL_DIR / f"{table}.sql").exists(), table


def test_every_sql_file_is_a_documented_or_contracted_table() -> None:
    for path in warehouse.SQL_DIR.glob("*.sql"):
        name = path.stem
        if name.startswith("out_"):
            assert name in schema.documented(), name
        elif name.startswith("core_") and not name.startswith("core_ref__"):
            assert contracts.suite_path(name).exists(), name
