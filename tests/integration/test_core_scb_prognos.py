"""core_scb__prognos on small raw tables: ages above 100 collapse into 100, one file per
region-vintage-year, and the contract's rules."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from pipelines import contracts, warehouse

T1 = datetime(2026, 1, 1)
T2 = datetime(2026, 2, 1)


def rows_for(
    region: str, vintage: int, year: int, ages: list[str], value: int, sha: str, at: datetime
) -> list[tuple[object, ...]]:
    out: list[tuple[object, ...]] = []
    for kon in ("1", "2", "tot"):
        for age in [*ages, "tot"]:
            out.append((region, vintage, year, age, kon, value, "000004LG", 1, "p.json", sha, at))
    return out


def make_raw(con: duckdb.DuckDBPyConnection, rows: list[tuple[object, ...]]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE raw_scb__prognos (region_kod VARCHAR, prognosar INTEGER, ar INTEGER, "
        "alder_kod VARCHAR, kon VARCHAR, folkmangd BIGINT, innehall VARCHAR, kalla_rad BIGINT, "
        "kalla_fil VARCHAR, kalla_sha256 VARCHAR, kalla_inlast TIMESTAMP)"
    )
    con.executemany("INSERT INTO raw_scb__prognos VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


TO_104 = [*(str(a) for a in range(105)), "105+"]
TO_100 = [*(str(a) for a in range(100)), "100+"]


def test_ages_above_100_collapse_and_totals_are_dropped(con: duckdb.DuckDBPyConnection) -> None:
    make_raw(con, rows_for("25", 2020, 2030, TO_104, 10, "a", T1))
    assert warehouse.build_table(con, "core_scb__prognos") == 101 * 2
    top = con.sql("SELECT kon, folkmangd FROM core_scb__prognos WHERE alder = 100 ORDER BY kon").fetchall()
    assert top == [("K", 60), ("M", 60)]  # 100, 101, 102, 103, 104 and 105+
    assert warehouse.scalar(con, "SELECT sum(folkmangd) FROM core_scb__prognos") == 2 * (100 * 10 + 60)
    assert contracts.validate(con, "core_scb__prognos").success


def test_one_file_per_region_vintage_and_year(con: duckdb.DuckDBPyConnection) -> None:
    rows = rows_for("25", 2023, 2030, TO_104, 10, "old", T1)  # an older fetch with 0–104, 105+
    rows += rows_for("25", 2023, 2030, TO_100, 11, "new", T2)  # a newer one with 0–99, 100+
    rows += rows_for("25", 2020, 2030, TO_100, 12, "x", T1)  # another vintage: kept beside it
    make_raw(con, rows)
    warehouse.build_table(con, "core_scb__prognos")
    result = con.sql(
        "SELECT prognosar, sum(folkmangd), max(folkmangd) FILTER (WHERE alder = 100) FROM core_scb__prognos "
        "GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert result == [(2020, 2 * 101 * 12, 12), (2023, 2 * 101 * 11, 11)]  # the newer file only, no mix


def good(con: duckdb.DuckDBPyConnection, extra: list[tuple[object, ...]] | None = None) -> None:
    rows = []
    for year, value in ((2024, 1000), (2025, 995)):
        rows += rows_for("25", 2024, year, TO_100, value, "a", T1)
    make_raw(con, rows + (extra or []))
    warehouse.build_table(con, "core_scb__prognos")


def test_contract_passes_on_a_smooth_projection(con: duckdb.DuckDBPyConnection) -> None:
    good(con)
    result = contracts.validate(con, "core_scb__prognos")
    assert result.success, result.summary()


@pytest.mark.parametrize(
    ("extra", "rule"),
    [
        (rows_for("25", 2024, 2023, TO_100, 1000, "b", T1), "prognos-ar-efter-prognosar"),
        (rows_for("25", 2024, 2026, TO_100, 1100, "b", T1), "prognos-jamn-utveckling"),
        (rows_for("25", 2024, 2027, TO_100[:-1], 980, "b", T1), "prognos-alla-aldrar"),
    ],
)
def test_contract_catches(con: duckdb.DuckDBPyConnection, extra: list[tuple[object, ...]], rule: str) -> None:
    good(con, extra)
    result = contracts.validate(con, "core_scb__prognos")
    assert rule in [f.rule for f in result.failures], result.summary()


def test_contract_catches_swapped_kon(con: duckdb.DuckDBPyConnection) -> None:
    good(con)
    con.execute("UPDATE core_scb__prognos SET folkmangd = folkmangd * 3 WHERE kon = 'M'")
    result = contracts.validate(con, "core_scb__prognos")
    assert [f.rule for f in result.failures] == ["prognos-konsfordelning"]
