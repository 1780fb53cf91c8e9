"""Demographic need (out_demografi__behov) and its yearly growth (out_demografi__behovstakt) against
hand-computed values; SCB's projection is spliced onto the last actual year."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar


@pytest.fixture
def behov(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE out_kpp__kontakter (vardtyp VARCHAR, alder INTEGER, kon VARCHAR, ar INTEGER, kostnad_kr DOUBLE)"
    )
    con.executemany(
        "INSERT INTO out_kpp__kontakter VALUES (?, ?, ?, ?, ?)",
        [("somatisk", 70, "K", 2020, 1000.0), ("somatisk", 72, "K", 2020, 500.0), ("somatisk", 30, "M", 2020, 200.0),
         ("psykiatrisk", 31, "M", 2020, 100.0), ("somatisk", 70, "K", 2019, 99999.0)],
    )  # fmt: skip
    con.execute(
        "CREATE TABLE core_scb__befolkning (region_kod VARCHAR, ar INTEGER, alder INTEGER, kon VARCHAR, folkmangd BIGINT)"
    )
    con.executemany(
        "INSERT INTO core_scb__befolkning VALUES (?, ?, ?, ?, ?)",
        [("25", 2020, 70, "K", 10), ("25", 2020, 71, "K", 5), ("25", 2020, 30, "M", 20), ("25", 2020, 50, "M", 100),
         ("25", 2019, 74, "K", 12), ("25", 2019, 34, "M", 22), ("00", 2020, 70, "K", 10_000)],
    )  # fmt: skip
    con.execute(
        "CREATE TABLE core_scb__prognos (region_kod VARCHAR, prognosar INTEGER, ar INTEGER, alder INTEGER, "
        "kon VARCHAR, folkmangd BIGINT)"
    )
    # vintage 2021 starts from 2020 with its own (wrong) figures: women 70–74 30 instead of 15
    con.executemany(
        "INSERT INTO core_scb__prognos VALUES (?, ?, ?, ?, ?, ?)",
        [("25", 2021, 2020, 72, "K", 30), ("25", 2021, 2020, 30, "M", 25), ("25", 2021, 2020, 50, "M", 100),
         ("25", 2021, 2021, 72, "K", 36), ("25", 2021, 2021, 30, "M", 25), ("25", 2021, 2021, 50, "M", 90),
         ("25", 2021, 2022, 72, "K", 33), ("25", 2021, 2022, 30, "M", 20), ("25", 2021, 2022, 50, "M", 80),
         ("25", 2022, 2022, 72, "K", 5000),  # a later vintage without the last actual year: not used
         ("25", 2019, 2021, 70, "K", 5000)],
    )  # fmt: skip
    warehouse.build_table(con, "out_demografi__behov", {"lan": "25", **Parametrar().as_sql_params()})
    return con


def rows(con: duckdb.DuckDBPyConnection, kon: str = "alla", aldersgrupp: str = "alla") -> dict[tuple, dict]:
    rel = con.sql(
        "SELECT * FROM out_demografi__behov WHERE kon = $kon AND aldersgrupp = $grupp",
        params={"kon": kon, "grupp": aldersgrupp},
    )
    out = {}
    for values in rel.fetchall():
        row = dict(zip(rel.columns, values, strict=True))
        out[(row["ar"], row["vardtyp"])] = row
    return out


def test_need_follows_population_at_fixed_cost_per_inhabitant(behov: duckdb.DuckDBPyConnection) -> None:
    got = rows(behov)
    # cost per inhabitant 2020: women 70–74: 1 500 / 15 = 100; men 30–34: (200 + 100) / 20 = 15; men 50–54: 0
    r2019, r2020 = got[(2019, "alla")], got[(2020, "alla")]
    assert (r2019["befolkningsserie"], r2019["folkmangd"], r2019["antal_invanare_scb"], r2019["kostnadsar"]) == (
        "befolkning", 34, 34, 2020)  # fmt: skip
    assert r2019["demografiskt_behov_kr"] == pytest.approx(12 * 100 + 22 * 15)
    assert (r2020["folkmangd"], r2020["demografiskt_behov_kr"]) == (135, pytest.approx(1800.0))
    assert r2020["forandring_rel"] == pytest.approx(1800 / 1530 - 1)
    assert r2020["arlig_forandring_sedan_kostnadsar_rel"] is None
    assert r2020["forandring_sedan_kostnadsar_rel"] == pytest.approx(0.0)
    assert r2019["forandring_sedan_kostnadsar_rel"] == pytest.approx(1530 / 1800 - 1)


def test_the_projection_is_spliced_onto_the_last_actual_year(behov: duckdb.DuckDBPyConnection) -> None:
    got = rows(behov)
    # per band × kön: actual 2020 × projection(year) / projection(2020)
    women, men30, men50 = 15 * 36 / 30, 20 * 25 / 25, 100 * 90 / 100
    r2021 = got[(2021, "alla")]
    assert (r2021["befolkningsserie"], r2021["folkmangd"], r2021["antal_invanare_scb"]) == (
        "prognos", round(women + men30 + men50), 36 + 25 + 90)  # fmt: skip
    assert r2021["demografiskt_behov_kr"] == pytest.approx(
        women * 100 + men30 * 15
    )  # 2 100, not 36·100 + 25·15
    assert r2021["forandring_rel"] == pytest.approx(2100 / 1800 - 1)
    behov_2022 = 15 * 33 / 30 * 100 + 20 * 20 / 25 * 15
    assert got[(2022, "alla")]["demografiskt_behov_kr"] == pytest.approx(behov_2022)
    assert got[(2022, "alla")]["arlig_forandring_sedan_kostnadsar_rel"] == pytest.approx(
        (behov_2022 / 1800) ** 0.5 - 1
    )
    assert got[(2021, "psykiatrisk")]["demografiskt_behov_kr"] == pytest.approx(20 * 5)
    assert got[(2021, "somatisk")]["demografiskt_behov_kr"] == pytest.approx(women * 100 + 20 * 10)
    assert {a for a, _ in got} == {2019, 2020, 2021, 2022}


def test_need_by_kon_and_age_group(behov: duckdb.DuckDBPyConnection) -> None:
    assert rows(behov, "K")[(2021, "alla")]["demografiskt_behov_kr"] == pytest.approx(15 * 36 / 30 * 100)
    men = rows(behov, "M", "0-64")[(2021, "alla")]
    assert (men["folkmangd"], men["antal_invanare_scb"]) == (20 + 90, 25 + 90)
    assert rows(behov, "alla", "65+")[(2019, "alla")]["demografiskt_behov_kr"] == pytest.approx(1200.0)
    assert rows(behov, "alla", "0-64")[(2020, "alla")]["demografiskt_behov_kr"] == pytest.approx(300.0)


def test_reference_year_is_a_parameter(behov: duckdb.DuckDBPyConnection) -> None:
    params = {"lan": "25", **Parametrar(demografi_kostnadsar=2019).as_sql_params()}
    warehouse.build_table(behov, "out_demografi__behov", params)
    value = warehouse.scalar(
        behov,
        "SELECT demografiskt_behov_kr FROM out_demografi__behov WHERE ar = 2020 AND vardtyp = 'alla' "
        "AND kon = 'alla' AND aldersgrupp = 'alla'",
    )
    assert value == pytest.approx(15 * 99999 / 12)  # only women 70–74 had costs in 2019


@pytest.fixture
def takt(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE out_demografi__behov (ar INTEGER, vardtyp VARCHAR, kon VARCHAR, aldersgrupp VARCHAR, "
        "befolkningsserie VARCHAR, demografiskt_behov_kr DOUBLE)"
    )
    values = [(2016, "befolkning", 1000.0), (2021, "befolkning", 1000 * 1.005**5), (2023, "befolkning", 1030.0),
              (2028, "prognos", 1030 * 1.004**5)]  # fmt: skip
    con.executemany(
        "INSERT INTO out_demografi__behov VALUES (?, 'alla', 'alla', 'alla', ?, ?)",
        [(a, k, v) for a, k, v in values],
    )
    con.execute("INSERT INTO out_demografi__behov VALUES (2016, 'alla', 'K', '65+', 'befolkning', 100)")
    con.execute("INSERT INTO out_demografi__behov VALUES (2021, 'alla', 'K', '65+', 'befolkning', 121)")
    return con


def test_yearly_growth_per_period(takt: duckdb.DuckDBPyConnection) -> None:
    params = replace(Parametrar(), demografi_planens_takt=0.006).as_sql_params()
    warehouse.build_table(takt, "out_demografi__behovstakt", params)
    got = {
        (r[0], r[1], r[2]): r[3:]
        for r in takt.sql(
            "SELECT period_kod, kon, aldersgrupp, basar, malar, befolkningsserie, arlig_forandring_rel, "
            "planens_arliga_forandring_rel, skillnad_mot_planen_pe, riktning_mot_planen_kod "
            "FROM out_demografi__behovstakt"
        ).fetchall()
    }
    plan = got[("planens_period", "alla", "alla")]
    assert plan[:3] == (2016, 2021, "befolkning")
    assert plan[3:6] == (pytest.approx(0.005), 0.006, pytest.approx(-0.001))
    assert plan[6] == "lagre"  # 0,5 % a year, lower than the plan's 0,6 %
    assert got[("darefter", "alla", "alla")][3] == pytest.approx((1030 / (1000 * 1.005**5)) ** 0.5 - 1)
    prognos = got[("prognos_5_ar", "alla", "alla")]
    assert prognos[:4] == (2023, 2028, "befolkning+prognos", pytest.approx(0.004))
    assert ("prognos_10_ar", "alla", "alla") not in got  # 2033 is not in the table
    assert got[("planens_period", "K", "65+")][3] == pytest.approx(1.21**0.2 - 1)
    assert got[("planens_period", "K", "65+")][6] == "hogre"
