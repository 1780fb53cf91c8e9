"""out_scb__aldersstruktur against hand-computed values on a small core table."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import warehouse

#   region ar   alder kon folkmangd
CORE = [
    ("2580", 2019, 10, "M", 100),
    ("2580", 2019, 10, "K", 90),
    ("2580", 2019, 70, "M", 30),
    ("2580", 2019, 70, "K", 35),
    ("2580", 2019, 85, "M", 5),
    ("2580", 2019, 85, "K", 10),
    ("2580", 2020, 10, "M", 98),
    ("2580", 2020, 10, "K", 88),
    ("2580", 2020, 70, "M", 32),
    ("2580", 2020, 70, "K", 36),
    ("2580", 2020, 85, "M", 6),
    ("2580", 2020, 85, "K", 12),
    ("00", 2019, 10, "M", 1000),
    ("00", 2019, 10, "K", 1000),
    ("00", 2019, 70, "M", 200),
    ("00", 2019, 70, "K", 220),
    ("00", 2019, 85, "M", 40),
    ("00", 2019, 85, "K", 60),
    ("00", 2020, 10, "M", 1000),
    ("00", 2020, 10, "K", 1000),
    ("00", 2020, 70, "M", 200),
    ("00", 2020, 70, "K", 220),
    ("00", 2020, 85, "M", 40),
    ("00", 2020, 85, "K", 80),
    # another county and one of its kommuner: must not appear for $lan = '25'
    ("24", 2020, 10, "M", 500),
    ("2480", 2020, 10, "M", 300),
]


@pytest.fixture
def out(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE core_scb__befolkning (region_kod VARCHAR, ar INTEGER, alder INTEGER, kon VARCHAR, "
        "folkmangd BIGINT)"
    )
    rows = CORE + [("25", a, al, k, n) for (r, a, al, k, n) in CORE if r == "2580"]  # the county = its kommun
    con.executemany("INSERT INTO core_scb__befolkning VALUES (?, ?, ?, ?, ?)", rows)
    warehouse.build_table(con, "out_scb__aldersstruktur", {"lan": "25"})
    return con


def value(con: duckdb.DuckDBPyConnection, region: str, ar: int, grupp: str, kon: str) -> tuple:
    row = con.sql(
        "SELECT folkmangd, andel, basar, forandring_sedan_basar_rel, region_namn FROM out_scb__aldersstruktur "
        "WHERE region_kod = $r AND ar = $a AND aldersgrupp = $g AND kon = $k",
        params={"r": region, "a": ar, "g": grupp, "k": kon},
    ).fetchall()
    assert len(row) == 1, (region, ar, grupp, kon, row)
    return row[0]


def test_grain_and_regions(out: duckdb.DuckDBPyConnection) -> None:
    # 3 regions (00, 25, 2580) × 2 years × 5 age groups × 3 kön
    assert warehouse.table_rows(out, "out_scb__aldersstruktur") == 90
    regions = {r for (r,) in out.sql("SELECT DISTINCT region_kod FROM out_scb__aldersstruktur").fetchall()}
    assert regions == {"00", "25", "2580"}


def test_totals_and_shares(out: duckdb.DuckDBPyConnection) -> None:
    assert value(out, "2580", 2019, "alla", "alla") == (270, 1.0, 2019, 0.0, "Luleå")
    n, andel, basar, forandring, _ = value(out, "2580", 2020, "alla", "alla")
    assert (n, basar) == (272, 2019)
    assert forandring == pytest.approx(2 / 270)
    n, andel, _, forandring, _ = value(out, "2580", 2020, "65+", "alla")
    assert n == 32 + 36 + 6 + 12
    assert andel == pytest.approx(86 / 272)
    assert forandring == pytest.approx((86 - 80) / 80)
    n, andel, _, forandring, _ = value(out, "2580", 2020, "80+", "K")
    assert n == 12
    assert andel == pytest.approx(12 / (88 + 36 + 12))  # share of women of all ages
    assert forandring == pytest.approx(0.2)
    n, andel, _, forandring, name = value(out, "00", 2020, "80+", "alla")
    assert (n, name) == (120, "Riket")
    assert andel == pytest.approx(120 / 2540)
    assert forandring == pytest.approx(0.2)
    assert value(out, "25", 2020, "0-64", "M")[0] == 98
    assert value(out, "25", 2020, "65-79", "alla")[0] == 68


def test_lan_is_a_bound_parameter(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE core_scb__befolkning AS SELECT * FROM (VALUES ('24', 2020, 10, 'M', 500::BIGINT), "
        "('00', 2020, 10, 'M', 900::BIGINT)) t(region_kod, ar, alder, kon, folkmangd)"
    )
    warehouse.build_table(con, "out_scb__aldersstruktur", {"lan": "24"})
    regions = {r for (r,) in con.sql("SELECT DISTINCT region_kod FROM out_scb__aldersstruktur").fetchall()}
    assert regions == {"00", "24"}
    with pytest.raises(KeyError, match="lan"):
        warehouse.build_table(con, "out_scb__aldersstruktur", {})


def test_difference_in_share_against_riket_in_procentenheter(out: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        out.sql(
            "SELECT region_kod, skillnad_andel_mot_riket_pe FROM out_scb__aldersstruktur "
            "WHERE ar = 2020 AND aldersgrupp = '65+' AND kon = 'alla'"
        ).fetchall()
    )
    # county 2020: 65+ = 32 + 36 + 6 + 12 = 86 of 98 + 88 + 86 = 272; riket: 540 of 2 540
    assert rows["25"] == pytest.approx(86 / 272 - 540 / 2540)
    assert rows["00"] == 0
