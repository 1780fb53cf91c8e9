"""KPP 2020 per hospital, productivity by quarter and the cancer report tables, against hand-computed values."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar
from tests.integration.test_out_kpp_kontakter import kpp  # noqa: F401  (fixture)
from tests.integration.test_out_kpp_ytterfall import RIKET, RIKET_DDL


@pytest.fixture
def chain(kpp: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:  # noqa: F811
    kpp.execute(RIKET_DDL)
    kpp.executemany(f"INSERT INTO core_kpp__riket VALUES ({', '.join(['?'] * 12)}, 'r.csv', 1)", RIKET)
    params = {"lan": "25", **Parametrar().as_sql_params()}
    for table in (
        "out_kpp__kontakter",
        "out_kpp__kostnad_per_drg_poang",
        "out_kpp__sjukhus",
        "out_kpp__cancer",
    ):
        warehouse.build_table(kpp, table, params)
    return kpp


def one(con: duckdb.DuckDBPyConnection, table: str, where: str, params: dict) -> dict:
    rel = con.sql(f"SELECT * FROM {table} WHERE {where}", params=params)
    rows = rel.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(rel.columns, rows[0], strict=True))


def test_hospital_against_its_national_group(chain: duckdb.DuckDBPyConnection) -> None:
    where = "ar = 2020 AND sjukhus = $s AND vardform = $v AND vardtyp = $t"
    sun = one(chain, "out_kpp__sjukhus", where, {"s": "SUN", "v": "sluten", "t": "somatisk"})
    assert (sun["jamforelsegrupp"], sun["antal_kontakter"], sun["antal_ytterfall"]) == ("lanssjukhus", 25, 3)
    assert (sun["drg_poang"], sun["kostnad_kr"]) == pytest.approx((20 * 1.5 + 5 * 2.0, 230_000.0))
    assert sun["kostnad_per_drg_poang_innerfall_kr"] == pytest.approx(197_000 / 34.5)
    lanssjukhus = 8 / (9 * 900 / 999)  # the national länssjukhus group's innerfall cost per point
    assert sun["kostnad_per_drg_poang_jamforelse_kr"] == pytest.approx(lanssjukhus)
    assert sun["skillnad_mot_jamforelse_rel"] == pytest.approx((197_000 / 34.5) / lanssjukhus - 1)
    county = one(chain, "out_kpp__sjukhus", where, {"s": "alla", "v": "alla", "t": "alla"})
    assert (county["jamforelsegrupp"], county["antal_kontakter"]) == ("alla", 35)
    riket = (800_000 + 350_000 + 90_000) / (142.5 + 72 + 38.8)
    assert county["skillnad_mot_jamforelse_rel"] == pytest.approx((201_500 / 36.3) / riket - 1)


def test_cancer_care(chain: duckdb.DuckDBPyConnection) -> None:
    where = "ar = 2020 AND kon = $k AND sjukhus = 'alla' AND vardform = 'alla'"
    alla = one(chain, "out_kpp__cancer", where, {"k": "alla"})
    # B02's ten contacts (C50.9, öppenvård, ten patients) are the only chapter II care
    assert (alla["antal_kontakter"], alla["antal_individer"], alla["vardtid_dagar"]) == (10, 10, 0)
    assert alla["kostnad_kr"] == 5_500.0
    assert alla["andel_av_total_kostnad"] == pytest.approx(5_500 / 235_500)
    men = one(chain, "out_kpp__cancer", where, {"k": "M"})
    assert (men["antal_kontakter"], men["kostnad_kr"], men["andel_av_total_kostnad"]) == (0, 0.0, 0.0)


def test_productivity_by_quarter(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE out_kpp__kontakter AS SELECT * FROM (VALUES "
        "(2019, 1, 'SUN', 'sluten', 1000.0, 1.0, false), (2019, 1, 'SUN', 'sluten', 5000.0, 1.0, true), "
        "(2020, 1, 'SUN', 'sluten', 900.0, 1.0, false), (2020, 2, 'SUN', 'sluten', 500.0, 1.0, false)) "
        "t(ar, kvartal, sjukhus, vardform, kostnad_kr, drg_poang, ytterfall)"
    )
    warehouse.build_table(con, "out_kpp__produktivitet_kvartal", {})
    where = "ar = $a AND kvartal = $q AND sjukhus = 'SUN' AND vardform = 'sluten'"
    q1 = one(con, "out_kpp__produktivitet_kvartal", where, {"a": 2020, "q": 1})
    assert (q1["kostnad_per_drg_poang_kr"], q1["kostnad_per_drg_poang_foregaende_ar_kr"]) == (
        900.0,
        1000.0,
    )  # the ytterfall is excluded
    assert q1["forandring_rel"] == pytest.approx(-0.1)
    assert q1["okad_produktivitet"] is True
    q2 = one(con, "out_kpp__produktivitet_kvartal", where, {"a": 2020, "q": 2})
    assert (q2["kostnad_per_drg_poang_foregaende_ar_kr"], q2["okad_produktivitet"]) == (None, None)
    county = one(
        con,
        "out_kpp__produktivitet_kvartal",
        "ar = 2020 AND kvartal = 1 AND sjukhus = 'alla' AND vardform = 'alla'",
        {},
    )
    assert county["forandring_rel"] == pytest.approx(-0.1)
