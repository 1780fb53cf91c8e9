"""Demographic need (out_demografi__behov) against hand-computed values."""

from __future__ import annotations

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
    con.executemany(
        "INSERT INTO core_scb__prognos VALUES (?, ?, ?, ?, ?, ?)",
        [("25", 2021, 2020, 70, "K", 999), ("25", 2021, 2021, 70, "K", 18), ("25", 2021, 2021, 30, "M", 19),
         ("25", 2021, 2022, 70, "K", 21), ("25", 2021, 2022, 30, "M", 18), ("25", 2019, 2021, 70, "K", 5000)],
    )  # fmt: skip
    warehouse.build_table(con, "out_demografi__behov", {"lan": "25", **Parametrar().as_sql_params()})
    return con


def test_need_follows_population_at_fixed_cost_per_inhabitant(behov: duckdb.DuckDBPyConnection) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in behov.sql(
            "SELECT ar, vardtyp, befolkningsserie, folkmangd, kostnadsar, demografiskt_behov_kr, forandring_rel, "
            "arlig_forandring_sedan_kostnadsar_rel FROM out_demografi__behov"
        ).fetchall()
    }
    # cost per inhabitant 2020: women 70–74: 1 500 / 15 = 100; men 30–34: (200 + 100) / 20 = 15
    assert rows[(2019, "alla")][:4] == ("befolkning", 34, 2020, pytest.approx(12 * 100 + 22 * 15))
    assert rows[(2020, "alla")][:4] == ("befolkning", 135, 2020, pytest.approx(1800.0))
    assert rows[(2020, "alla")][4] == pytest.approx(1800 / 1530 - 1)
    assert rows[(2020, "alla")][5] is None
    assert rows[(2021, "alla")][:4] == ("prognos", 37, 2020, pytest.approx(18 * 100 + 19 * 15))
    assert rows[(2022, "alla")][3] == pytest.approx(21 * 100 + 18 * 15)
    assert rows[(2022, "alla")][5] == pytest.approx((2370 / 1800) ** 0.5 - 1)
    assert rows[(2021, "psykiatrisk")][3] == pytest.approx(19 * 5)
    assert rows[(2021, "somatisk")][3] == pytest.approx(18 * 100 + 19 * 10)


def test_reference_year_is_a_parameter(behov: duckdb.DuckDBPyConnection) -> None:
    params = {"lan": "25", **Parametrar(demografi_kostnadsar=2019).as_sql_params()}
    warehouse.build_table(behov, "out_demografi__behov", params)
    value = warehouse.scalar(
        behov, "SELECT demografiskt_behov_kr FROM out_demografi__behov WHERE ar = 2020 AND vardtyp = 'alla'"
    )
    assert value == pytest.approx(15 * 99999 / 12)  # only women 70–74 had costs in 2019
