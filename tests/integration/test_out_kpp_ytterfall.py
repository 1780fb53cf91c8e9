"""out_kpp__ytterfall against hand-computed shares on the small fixture of test_out_kpp_kontakter."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar
from tests.integration.test_out_kpp_kontakter import RIKET_DDL, kpp  # noqa: F401  (fixture)

RIKET = [
    (2020, "A01", "sluten", "65-79", "K", "00", "alla", 100, 5, 1_000_000.0, 200_000.0, 150.0),
    (2020, "A01", "sluten", "18-44", "M", "00", "alla", 50, 2, 400_000.0, 50_000.0, 75.0),
    (2020, "B02", "oppen", "45-64", "K", "00", "alla", 200, 6, 100_000.0, 10_000.0, 40.0),
    (2020, "A01", "sluten", "65-79", "K", "00", "lanssjukhus", 999, 99, 9.0, 1.0, 9.0),  # a group, not all
]


@pytest.fixture
def ytterfall(kpp: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:  # noqa: F811
    kpp.execute(RIKET_DDL)
    kpp.executemany(f"INSERT INTO core_kpp__riket VALUES ({', '.join(['?'] * 12)}, 'r.csv', 1)", RIKET)
    params = {"lan": "25", **Parametrar().as_sql_params()}
    warehouse.build_table(kpp, "out_kpp__ytterfallsgranser", params)
    warehouse.build_table(kpp, "out_kpp__kontakter", params)
    warehouse.build_table(kpp, "out_kpp__ytterfall", params)
    return kpp


def row(con: duckdb.DuckDBPyConnection, region: str, vardform: str, dimension: str, grupp: str) -> tuple:
    rows = con.sql(
        "SELECT antal_kontakter, antal_ytterfall, andel_ytterfall, kostnad_kr, kostnad_ytterfall_kr, "
        "andel_kostnad_ytterfall FROM out_kpp__ytterfall WHERE ar = 2020 AND region_kod = $r "
        "AND vardform = $v AND dimension = $d AND grupp = $g",
        params={"r": region, "v": vardform, "d": dimension, "g": grupp},
    ).fetchall()
    assert len(rows) == 1, (region, vardform, dimension, grupp, rows)
    return rows[0]


def test_county_shares(ytterfall: duckdb.DuckDBPyConnection) -> None:
    # ytterfall by the default rule: a20 (20 000), c3 (6 000), c4 (7 000) in slutenvård, b10 (1 000) öppen
    assert row(ytterfall, "25", "sluten", "total", "alla") == pytest.approx(
        (25, 3, 3 / 25, 230_000.0, 33_000.0, 33_000 / 230_000)
    )
    assert row(ytterfall, "25", "oppen", "total", "alla") == pytest.approx(
        (10, 1, 0.1, 5_500.0, 1_000.0, 1 / 5.5)
    )
    assert row(ytterfall, "25", "alla", "total", "alla") == pytest.approx(
        (35, 4, 4 / 35, 235_500.0, 34_000.0, 34_000 / 235_500)
    )
    assert row(ytterfall, "25", "alla", "kon", "M") == pytest.approx((5, 2, 0.4, 20_000.0, 13_000.0, 0.65))
    assert row(ytterfall, "25", "alla", "aldersgrupp", "65+") == pytest.approx(
        (5, 2, 0.4, 20_000.0, 13_000.0, 0.65)
    )
    assert row(ytterfall, "25", "alla", "aldersgrupp", "0-64")[:2] == (30, 2)
    assert row(ytterfall, "25", "sluten", "aldersgrupp", "60-69") == pytest.approx(
        (1, 1, 1.0, 20_000.0, 20_000.0, 1.0)
    )
    assert row(ytterfall, "25", "alla", "diagnoskapitel", "IX")[:2] == (25, 3)
    assert row(ytterfall, "25", "alla", "diagnoskapitel", "II")[:2] == (10, 1)
    assert row(ytterfall, "25", "alla", "sjukhus", "SUN")[:2] == (35, 4)
    assert row(ytterfall, "25", "sluten", "drg", "A01") == pytest.approx(
        (20, 1, 0.05, 210_000.0, 20_000.0, 20_000 / 210_000)
    )
    assert row(ytterfall, "25", "sluten", "mdc", "08")[:2] == (5, 2)


def test_riket_side_by_side(ytterfall: duckdb.DuckDBPyConnection) -> None:
    assert row(ytterfall, "00", "sluten", "total", "alla") == pytest.approx(
        (150, 7, 7 / 150, 1_400_000.0, 250_000.0, 250_000 / 1_400_000)
    )
    assert row(ytterfall, "00", "alla", "total", "alla")[:2] == (350, 13)
    assert row(ytterfall, "00", "alla", "aldersgrupp", "65+")[:2] == (100, 5)
    assert row(ytterfall, "00", "alla", "aldersgrupp", "0-64")[:2] == (250, 8)
    assert row(ytterfall, "00", "sluten", "kon", "M") == pytest.approx(
        (50, 2, 0.04, 400_000.0, 50_000.0, 0.125)
    )
    assert row(ytterfall, "00", "sluten", "mdc", "05")[:2] == (150, 7)
    # dimensions the national data cannot give are absent, not zero
    n = warehouse.scalar(
        ytterfall,
        "SELECT count(*) FROM out_kpp__ytterfall "
        "WHERE region_kod = '00' AND dimension IN ('sjukhus', 'diagnoskapitel')",
    )
    assert n == 0


def test_every_group_sums_to_its_total(ytterfall: duckdb.DuckDBPyConnection) -> None:
    bad = ytterfall.sql(
        """
        WITH t AS (SELECT ar, region_kod, vardform, antal_kontakter, kostnad_kr FROM out_kpp__ytterfall
                   WHERE dimension = 'total')
        SELECT d.region_kod, d.vardform, d.dimension, sum(d.antal_kontakter), any_value(t.antal_kontakter)
        FROM out_kpp__ytterfall d JOIN t USING (ar, region_kod, vardform)
        WHERE d.dimension <> 'total' AND NOT (d.dimension = 'aldersgrupp' AND d.grupp NOT IN ('0-64', '65+'))
        GROUP BY ALL HAVING sum(d.antal_kontakter) <> any_value(t.antal_kontakter)
        """
    ).fetchall()
    assert bad == []


def test_each_groups_share_of_all_ytterfall(ytterfall: duckdb.DuckDBPyConnection) -> None:
    def shares(region: str, dimension: str, grupp: str) -> tuple:
        return ytterfall.sql(
            "SELECT andel_av_ytterfallen, andel_av_ytterfallskostnaden, andel_av_kontakterna, "
            "andel_av_ytterfallen_ki_lag, andel_av_ytterfallen_ki_hog FROM out_kpp__ytterfall "
            "WHERE ar = 2020 AND region_kod = $r AND vardform = 'alla' AND dimension = $d AND grupp = $g",
            params={"r": region, "d": dimension, "g": grupp},
        ).fetchall()[0]

    # county: 4 ytterfall (a20, b10, c3, c4) costing 34 000; the 65+ (c1–c5) have c3 and c4 (13 000)
    # and 5 of the 35 contacts — "hur stor andel av ytterfallen finns i … 65 år och äldre"
    andel, kostnad, kontakter, lag, hog = shares("25", "aldersgrupp", "65+")
    assert (andel, kostnad, kontakter) == pytest.approx((2 / 4, 13_000 / 34_000, 5 / 35))
    # Wilson, 2 of 4: (0,5 + 3,8416/8 ∓ 1,96·√(0,0625 + 3,8416/64)) / (1 + 3,8416/4)
    half = 1.96 * (0.0625 + 3.8416 / 64) ** 0.5
    assert (lag, hog) == pytest.approx(((0.5 + 0.4802 - half) / 1.9604, (0.5 + 0.4802 + half) / 1.9604))
    assert shares("25", "kon", "M")[:2] == pytest.approx((2 / 4, 13_000 / 34_000))
    assert shares("25", "total", "alla")[:3] == pytest.approx((1.0, 1.0, 1.0))
    # the ten-year bands are a whole of their own, beside 0-64/65+: 90+ = c1–c5
    assert shares("25", "aldersgrupp", "90+")[0] == pytest.approx(2 / 4)
    # KPP's age bands, both regions: county 45-64 = a05–a20 and b01–b10 (a20, b10); riket 65-79 5 of 13
    assert shares("25", "kpp_aldersgrupp", "45-64")[:3] == pytest.approx((2 / 4, 21_000 / 34_000, 26 / 35))
    assert shares("00", "kpp_aldersgrupp", "65-79")[:3] == pytest.approx(
        (5 / 13, 200_000 / 260_000, 100 / 350)
    )
    assert shares("00", "aldersgrupp", "0-64")[0] == pytest.approx(8 / 13)
