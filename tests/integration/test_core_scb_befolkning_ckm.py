"""core_scb__befolkning from TAB638 and BefolkningCKM raw rows (no person counted twice), and
core_scb__befolkning_manad, built with ``warehouse.build_table`` on small raw tables and checked
against their contracts."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from pipelines import contracts, warehouse

SINGLES = [str(a) for a in range(100)] + ["100+"]
T1 = datetime(2026, 1, 1)
T2 = datetime(2026, 2, 1)


def raw_rows(
    region: str, year: int, tabell: str, base: int, sha: str, at: datetime, *, extras: bool = True
) -> list[tuple[object, ...]]:
    """One region-year as delivered: single ages (value base + age), plus totals and bands if ``extras``."""
    rows: list[tuple[object, ...]] = []
    for kon in ("1", "2"):
        for i, age in enumerate(SINGLES):
            rows.append((region, year, age, kon, base + i, tabell, 1, "f.json", sha, at))
        if extras:
            rows.append(
                (
                    region,
                    year,
                    "tot",
                    kon,
                    sum(base + i for i in range(101)) + 3,
                    tabell,
                    1,
                    "f.json",
                    sha,
                    at,
                )
            )
            if tabell == "BefolkningCKM":
                rows.append((region, year, "TOT1", kon, 999, tabell, 1, "f.json", sha, at))
                rows.append((region, year, "5-9", kon, 888, tabell, 1, "f.json", sha, at))
                rows.append((region, year, "100+5", kon, 7, tabell, 1, "f.json", sha, at))
    if extras and tabell == "BefolkningCKM":
        for age in ["tot", *SINGLES]:
            rows.append((region, year, age, "tot", 12345, tabell, 1, "f.json", sha, at))
    return rows


def make_raw(con: duckdb.DuckDBPyConnection, rows: list[tuple[object, ...]]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE raw_scb__befolkning (region_kod VARCHAR, ar INTEGER, alder_kod VARCHAR, "
        "kon VARCHAR, folkmangd BIGINT, tabell VARCHAR, kalla_rad BIGINT, kalla_fil VARCHAR, "
        "kalla_sha256 VARCHAR, kalla_inlast TIMESTAMP)"
    )
    con.executemany("INSERT INTO raw_scb__befolkning VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def totals(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], int]:
    rows = con.sql("SELECT region_kod, ar, sum(folkmangd) FROM core_scb__befolkning GROUP BY ALL").fetchall()
    return {(r, a): int(n) for r, a, n in rows}


def test_tab638_up_to_2024_ckm_from_2025_never_both(con: duckdb.DuckDBPyConnection) -> None:
    rows = []
    for year in (2024, 2025):  # both tables deliver both years for Norrbotten
        rows += raw_rows("25", year, "TAB638", 1000, "a", T1)
        rows += raw_rows(
            "25", year, "BefolkningCKM", 2000, "b", T2
        )  # ingested later, but not preferred in 2024
    make_raw(con, rows)
    assert warehouse.build_table(con, "core_scb__befolkning") == 2 * 101 * 2
    per_age = sum(range(101))
    assert totals(con) == {
        ("25", 2024): 2 * (101 * 1000 + per_age),  # TAB638
        ("25", 2025): 2 * (101 * 2000 + per_age),  # BefolkningCKM
    }
    assert con.sql("SELECT max(alder), min(alder) FROM core_scb__befolkning").fetchall() == [(100, 0)]
    assert contracts.validate(con, "core_scb__befolkning").success


def test_the_other_table_fills_a_region_year_the_preferred_one_lacks(con: duckdb.DuckDBPyConnection) -> None:
    rows = raw_rows("2580", 2025, "TAB638", 500, "a", T1)  # only TAB638-format for Luleå 2025
    rows += raw_rows("25", 2025, "BefolkningCKM", 3000, "b", T1)
    rows += raw_rows("2580", 2024, "BefolkningCKM", 700, "b", T1)  # a CKM file carrying 2024 (only source)
    make_raw(con, rows)
    warehouse.build_table(con, "core_scb__befolkning")
    per_age = sum(range(101))
    assert totals(con) == {
        ("2580", 2025): 2 * (101 * 500 + per_age),
        ("25", 2025): 2 * (101 * 3000 + per_age),
        ("2580", 2024): 2 * (101 * 700 + per_age),
    }


def test_totals_bands_and_kon_total_are_dropped_not_summed(con: duckdb.DuckDBPyConnection) -> None:
    make_raw(con, raw_rows("25", 2025, "BefolkningCKM", 10, "b", T1))
    warehouse.build_table(con, "core_scb__befolkning")
    kinds = con.sql("SELECT DISTINCT kon FROM core_scb__befolkning ORDER BY 1").fetchall()
    assert kinds == [("K",), ("M",)]
    assert totals(con) == {("25", 2025): 2 * (101 * 10 + sum(range(101)))}  # no 'tot', 'TOT1', bands


def test_latest_file_wins_within_a_table(con: duckdb.DuckDBPyConnection) -> None:
    rows = raw_rows("25", 2023, "TAB638", 100, "old", T1) + raw_rows("25", 2023, "TAB638", 200, "new", T2)
    make_raw(con, rows)
    warehouse.build_table(con, "core_scb__befolkning")
    assert totals(con) == {("25", 2023): 2 * (101 * 200 + sum(range(101)))}


# --- the monthly table -----------------------------------------------------------------------------------


def make_manad(con: duckdb.DuckDBPyConnection, months: dict[int, int], ages: list[str] = SINGLES) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE raw_scb__befolkning_manad (region_kod VARCHAR, ar INTEGER, manad INTEGER, "
        "alder_kod VARCHAR, kon VARCHAR, folkmangd BIGINT, kalla_rad BIGINT, kalla_fil VARCHAR, "
        "kalla_sha256 VARCHAR, kalla_inlast TIMESTAMP)"
    )
    rows = []
    for month, base in months.items():
        for kon in ("1", "2", "tot"):
            for age in [*ages, "tot", "-4", "100+5"]:
                rows.append(("25", 2025, month, age, kon, base, 1, "m.json", "s", T1))
    con.executemany("INSERT INTO raw_scb__befolkning_manad VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def test_monthly_core_and_contract(con: duckdb.DuckDBPyConnection) -> None:
    make_manad(con, {1: 1000, 2: 1001, 3: 1002})
    assert warehouse.build_table(con, "core_scb__befolkning_manad") == 3 * 101 * 2
    rows = con.sql(
        "SELECT manad, sum(folkmangd) FROM core_scb__befolkning_manad GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert rows == [(1, 202_000), (2, 202_202), (3, 202_404)]
    result = contracts.validate(con, "core_scb__befolkning_manad")
    assert result.success, result.summary()


@pytest.mark.parametrize(
    ("months", "ages", "rule"),
    [
        ({1: 1000, 2: 1000}, SINGLES[:-1], "manad-alla-aldrar"),
        ({1: 1000, 2: 1100}, SINGLES, "manad-rimlig-forandring"),
    ],
)
def test_monthly_contract_catches(
    con: duckdb.DuckDBPyConnection, months: dict[int, int], ages: list[str], rule: str
) -> None:
    make_manad(con, months, ages)
    warehouse.build_table(con, "core_scb__befolkning_manad")
    result = contracts.validate(con, "core_scb__befolkning_manad")
    assert [f.rule for f in result.failures] == [rule]
