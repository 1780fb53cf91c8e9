"""out_kpp__ytterfall_andelar and out_kpp__ytterfall_trend against hand-computed values: the county's
and riket's rows of the national KPP database side by side, and the county's own extract (the
35-contact fixture of test_out_kpp_kontakter: ytterfall a20, b10, c3, c4 costing 34 000 in 2020)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar
from tests.integration.test_out_kpp_kontakter import RIKET_DDL, kpp  # noqa: F401  (fixture)

# (ar, drg, vardform, aldersgrupp, kon, region_kod, antal_kontakter, antal_ytterfall, kostnad,
#  kostnad_ytterfall, drg_poang); riket ("00") includes the county ("25"), as in the database
RIKET = [
    (2020, "A01", "sluten", "65-79", "K", "00", 100, 5, 1_000_000.0, 200_000.0, 150.0),
    (2020, "A01", "sluten", "18-44", "M", "00", 50, 2, 400_000.0, 50_000.0, 75.0),
    (2020, "B02", "oppen", "45-64", "K", "00", 200, 6, 100_000.0, 10_000.0, 40.0),
    (2020, "A01", "sluten", "65-79", "K", "25", 20, 2, 300_000.0, 80_000.0, 30.0),
    (2020, "B02", "oppen", "45-64", "K", "25", 30, 1, 15_000.0, 2_000.0, 6.0),
    (2019, "A01", "sluten", "65-79", "K", "00", 100, 4, 900_000.0, 150_000.0, 150.0),
    (2019, "A01", "sluten", "65-79", "K", "25", 20, 1, 250_000.0, 50_000.0, 30.0),
]


@pytest.fixture
def kpp_riket(kpp: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:  # noqa: F811
    kpp.execute(RIKET_DDL)
    kpp.executemany(
        "INSERT INTO core_kpp__riket VALUES (?, ?, ?, ?, ?, ?, 'alla', ?, ?, ?, ?, ?, 'r.csv', 1)", RIKET
    )
    params = {"lan": "25", **Parametrar().as_sql_params()}
    for table in (
        "out_kpp__ytterfallsgranser",
        "out_kpp__kontakter",
        "out_kpp__ytterfall_andelar",
        "out_kpp__ytterfall_trend",
    ):
        warehouse.build_table(kpp, table, params)
    return kpp


def andel(con: duckdb.DuckDBPyConnection, underlag: str, region: str, dimension: str, grupp: str,
          vardform: str = "alla", ar: int = 2020) -> dict:  # fmt: skip
    rel = con.sql(
        "SELECT * FROM out_kpp__ytterfall_andelar WHERE ar = $a AND kostnadsunderlag_lan = $u AND region_kod = $r "
        "AND vardform = $v AND dimension = $d AND grupp = $g",
        params={"a": ar, "u": underlag, "r": region, "v": vardform, "d": dimension, "g": grupp},
    )
    rows = rel.fetchall()
    assert len(rows) == 1, (underlag, region, dimension, grupp)
    return dict(zip(rel.columns, rows[0], strict=True))


def test_share_65_plus_and_kon_from_the_database_for_both(kpp_riket: duckdb.DuckDBPyConnection) -> None:
    lan = andel(kpp_riket, "kpp-databasen", "25", "aldersgrupp", "65+")
    # county: 3 ytterfall (2 + 1) costing 82 000 on 50 contacts; 65+ = the 65-79 row: 2, 80 000, 20
    assert (lan["antal_kontakter"], lan["antal_ytterfall"]) == (20, 2)
    assert lan["andel_av_ytterfallen"] == pytest.approx(2 / 3)
    assert lan["andel_av_ytterfallskostnaden"] == pytest.approx(80 / 82)
    assert lan["andel_av_kontakterna"] == pytest.approx(20 / 50)
    assert lan["andel_ytterfall"] == pytest.approx(2 / 20)
    assert lan["riktning_mot_kontaktandel"] == "hogre"
    # riket: 13 ytterfall costing 260 000 on 350 contacts; 65+: 5, 200 000, 100
    assert lan["andel_av_ytterfallen_riket"] == pytest.approx(5 / 13)
    assert lan["skillnad_andel_av_ytterfallen_pe"] == pytest.approx(2 / 3 - 5 / 13)
    assert lan["riktning_andel_av_ytterfallen"] == "hogre"
    assert lan["andel_av_ytterfallskostnaden_riket"] == pytest.approx(200 / 260)
    assert (lan["andel_ytterfall_riket"], lan["riktning_andel_ytterfall"]) == (
        pytest.approx(5 / 100),
        "hogre",
    )
    # Wilson 95 %, 2 of 3
    z2 = 1.96**2
    half = 1.96 * ((2 / 3) * (1 / 3) / 3 + z2 / 36) ** 0.5
    assert lan["andel_av_ytterfallen_ki_lag"] == pytest.approx((2 / 3 + z2 / 6 - half) / (1 + z2 / 3))
    assert lan["andel_av_ytterfallen_ki_hog"] == pytest.approx((2 / 3 + z2 / 6 + half) / (1 + z2 / 3))
    riket_k = andel(kpp_riket, "kpp-databasen", "00", "kon", "K")
    assert riket_k["andel_av_ytterfallen"] == pytest.approx(11 / 13)
    assert riket_k["andel_av_ytterfallen_riket"] is None  # riket is not compared with itself
    lan_k = andel(kpp_riket, "kpp-databasen", "25", "kon", "K")
    assert (lan_k["andel_av_ytterfallen"], lan_k["riktning_andel_av_ytterfallen"]) == (
        pytest.approx(1.0),
        "hogre",
    )
    assert andel(kpp_riket, "kpp-databasen", "25", "aldersgrupp_kon", "65+ K")["andel_av_ytterfallen"] == (
        pytest.approx(2 / 3)
    )
    assert andel(kpp_riket, "kpp-databasen", "00", "kpp_aldersgrupp", "18-44")["andel_av_ytterfallen"] == (
        pytest.approx(2 / 13)
    )
    sluten = andel(kpp_riket, "kpp-databasen", "25", "total", "alla", vardform="sluten")
    assert (sluten["antal_kontakter"], sluten["andel_ytterfall"]) == (20, pytest.approx(0.1))
    assert sluten["andel_kostnad_ytterfall_riket"] == pytest.approx(250 / 1400)


def test_the_county_extract_beside_the_database(kpp_riket: duckdb.DuckDBPyConnection) -> None:
    eget = andel(kpp_riket, "eget-extrakt", "25", "aldersgrupp", "65+")
    # c1–c5 are 90 years old: 2 of the extract's 4 ytterfall, 13 000 of 34 000
    assert (eget["andel_av_ytterfallen"], eget["andel_av_ytterfallskostnaden"]) == pytest.approx(
        (0.5, 13 / 34)
    )
    assert eget["andel_av_ytterfallen_riket"] == pytest.approx(5 / 13)  # compared with the database's riket
    assert andel(kpp_riket, "eget-extrakt", "25", "kon", "M")["andel_av_ytterfallen"] == pytest.approx(0.5)


def trend(con: duckdb.DuckDBPyConnection, underlag: str, region: str, ar: int) -> dict:
    rel = con.sql(
        "SELECT * FROM out_kpp__ytterfall_trend WHERE ar = $a AND kostnadsunderlag_lan = $u AND region_kod = $r",
        params={"a": ar, "u": underlag, "r": region},
    )
    rows = rel.fetchall()
    assert len(rows) == 1
    return dict(zip(rel.columns, rows[0], strict=True))


def test_trend_in_fixed_prices(kpp_riket: duckdb.DuckDBPyConnection) -> None:
    # price index: riket's cost per DRG-poäng, 2019 900 000 / 150 = 6 000, 2020 (prisår) 1 500 000 / 265
    index_2019 = 6_000 / (1_500_000 / 265)
    lan19, lan20 = (
        trend(kpp_riket, "kpp-databasen", "25", 2019),
        trend(kpp_riket, "kpp-databasen", "25", 2020),
    )
    assert (lan20["prisar"], lan20["prisindex"]) == (2020, pytest.approx(1.0))
    assert lan19["prisindex"] == pytest.approx(index_2019)
    assert lan20["ytterfallskostnad_per_kontakt_kr"] == pytest.approx(82_000 / 50)
    assert lan19["ytterfallskostnad_per_kontakt_fast_kr"] == pytest.approx(50_000 / 20 / index_2019)
    # 2016 (ytterfall_basar) is not in the data: the first year is the base
    assert (lan20["basar"], lan19["forandring_sedan_basar_rel"]) == (2019, pytest.approx(0.0))
    change = 1640 / (2500 / index_2019) - 1  # −30,5 %
    assert lan20["forandring_sedan_basar_rel"] == pytest.approx(change)
    assert lan20["forandring_fran_foregaende_ar_rel"] == pytest.approx(change)
    assert (lan20["riktning_sedan_basar"], lan19["riktning_fran_foregaende_ar"]) == ("minskade", None)
    assert lan20["skillnad_mot_riket_rel"] == pytest.approx(1640 / (260_000 / 350) - 1)
    assert lan20["riktning_mot_riket"] == "hogre"
    assert lan20["andel_ytterfall"] == pytest.approx(3 / 50)
    # the extract in 2020: 4 ytterfall of 35 contacts costing 34 000, against the database's county rows
    eget = trend(kpp_riket, "eget-extrakt", "25", 2020)
    assert eget["ytterfallskostnad_per_kontakt_kr"] == pytest.approx(34_000 / 35)
    assert eget["skillnad_andel_mot_kpp_databasen_pe"] == pytest.approx(4 / 35 - 3 / 50)
    assert eget["riktning_mot_kpp_databasen"] == "hogre"
    assert eget["skillnad_per_kontakt_mot_kpp_databasen_rel"] == pytest.approx((34_000 / 35) / 1640 - 1)
    assert lan20["skillnad_andel_mot_kpp_databasen_pe"] is None


def test_trend_base_year_is_the_parameter_when_present(kpp_riket: duckdb.DuckDBPyConnection) -> None:
    params = {"lan": "25", **Parametrar(ytterfall_basar=2020).as_sql_params()}
    warehouse.build_table(kpp_riket, "out_kpp__ytterfall_trend", params)
    lan19 = trend(kpp_riket, "kpp-databasen", "25", 2019)
    assert lan19["basar"] == 2020
    assert lan19["forandring_sedan_basar_rel"] == pytest.approx(
        (2500 / (6_000 / (1_500_000 / 265))) / 1640 - 1
    )
