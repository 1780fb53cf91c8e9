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


def test_codes_and_shares_follow_the_vocabulary_on_the_demo(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    """One vocabulary of codes (README, Arkitektur och konventioner): in every core_* and out_* table
    kon is K, M or alla and region_kod one of core_ref__regioner's codes; every out_* andel lies in 0–1."""
    home, _ = demo_run
    broken: list[str] = []
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as con:
        cols = con.sql(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE (table_name LIKE 'core\\_%' ESCAPE '\\' OR table_name LIKE 'out\\_%' ESCAPE '\\') "
            "AND table_name NOT LIKE 'core\\_ref\\_\\_%' ESCAPE '\\'"
        ).fetchall()
        checked = {"kon": 0, "region_kod": 0, "andel": 0}
        for table, column, typ in cols:
            if column == "kon":
                checked["kon"] += 1
                bad = con.sql(
                    f"SELECT DISTINCT kon FROM \"{table}\" WHERE kon IS NULL OR kon NOT IN ('K', 'M', 'alla')"
                ).fetchall()
            elif column == "region_kod":
                checked["region_kod"] += 1
                bad = con.sql(
                    f'SELECT DISTINCT region_kod FROM "{table}" '
                    "WHERE region_kod IS NULL OR region_kod NOT IN (SELECT region_kod FROM core_ref__regioner)"
                ).fetchall()
            elif table.startswith("out_") and (column == "andel" or column.startswith("andel_")):
                checked["andel"] += 1
                assert typ == "DOUBLE", f"{table}.{column}"
                bad = con.sql(
                    f'SELECT DISTINCT "{column}" FROM "{table}" WHERE NOT "{column}" BETWEEN 0 AND 1'
                ).fetchall()
            else:
                continue
            if bad:
                broken.append(f"{table}.{column}: {sorted(map(str, (v for (v,) in bad)))[:5]}")
    assert not broken, "\n".join(broken)
    assert min(checked.values()) >= 5, checked  # the check saw the tables it is meant for
