"""core_kolada__varden on small raw tables: the latest file wins (also when it deletes a value), and
the contract's rules (known regions, value or status, cost range, riket present)."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from pipelines import contracts, warehouse

T1 = datetime(2026, 1, 1)
T2 = datetime(2026, 2, 1)
Row = tuple[str, str, int, str, float | None, str | None, bool, str, datetime]


def make_raw(con: duckdb.DuckDBPyConnection, rows: list[Row]) -> None:
    con.execute(
        "CREATE OR REPLACE TABLE raw_kolada__varden (kpi VARCHAR, kolada_id VARCHAR, region_kod VARCHAR, "
        "ar INTEGER, kon VARCHAR, varde DOUBLE, status VARCHAR, borttagen BOOLEAN, kalla_rad BIGINT, "
        "kalla_fil VARCHAR, kalla_sha256 VARCHAR, kalla_inlast TIMESTAMP)"
    )
    con.executemany(
        "INSERT INTO raw_kolada__varden VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 'k.json', ?, ?)",
        [
            (kpi, "00" + reg if len(reg) == 2 else reg, reg, ar, kon, v, st, d, sha, at)
            for kpi, reg, ar, kon, v, st, d, sha, at in rows
        ],
    )


GOOD: list[Row] = [
    ("N70061", "00", 2024, "T", 32353.0, None, False, "a", T1),
    ("N70061", "25", 2024, "T", 34912.0, None, False, "a", T1),
    ("N70061", "24", 2024, "T", 35500.0, None, False, "a", T1),
    ("N79173", "25", 2024, "K", 84.1, None, False, "a", T1),
    ("N79173", "25", 2024, "M", None, "Uppgift saknas", False, "a", T1),
]


def test_latest_file_wins_including_deletions(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        *GOOD,
        ("N70061", "25", 2024, "T", 35000.0, None, False, "b", T2),  # revised later
        ("N70061", "24", 2024, "T", 35500.0, None, True, "b", T2),  # withdrawn later
    ]
    make_raw(con, rows)
    assert warehouse.build_table(con, "core_kolada__varden") == 4
    values = dict(
        con.sql(
            "SELECT region_kod, varde FROM core_kolada__varden WHERE kpi = 'N70061' AND kon = 'alla'"
        ).fetchall()
    )
    assert values == {"00": 32353.0, "25": 35000.0}
    assert contracts.validate(con, "core_kolada__varden").success


@pytest.mark.parametrize(
    ("bad", "rule"),
    [
        (("N70061", "02", 2024, "T", 30000.0, None, False, "a", T1), "kolada-kand-region"),
        (("N70061", "13", 2024, "T", None, None, False, "a", T1), "kolada-varde-eller-status"),
        (("N70059", "13", 2024, "T", 4_600_000.0, None, False, "a", T1), "kolada-kostnad-per-invanare"),
        (("N70059", "13", 2023, "T", 4600.0, None, False, "a", T1), "kolada-jamforelse-med-riket"),
        (("N70059", "13", 2023, "X", 4600.0, None, False, "a", T1), "expect_column_values_to_be_in_set"),
    ],
)
def test_contract_catches(con: duckdb.DuckDBPyConnection, bad: Row, rule: str) -> None:
    extra: list[Row] = [bad]
    if rule == "kolada-jamforelse-med-riket":
        extra.append(("N70059", "25", 2023, "T", 4700.0, None, False, "a", T1))  # two regions, no riket
    make_raw(con, GOOD + extra)
    warehouse.build_table(con, "core_kolada__varden")
    result = contracts.validate(con, "core_kolada__varden")
    assert rule in [f.rule for f in result.failures], result.summary()
