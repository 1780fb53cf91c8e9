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
        "out_kpp__ytterfallsgranser",
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
    where = "ar = 2020 AND grupp = $g AND kon = $k AND aldersgrupp = 'alla' AND sjukhus = 'alla' AND vardform = 'alla'"
    alla = one(chain, "out_kpp__cancer", where, {"g": "cancer", "k": "alla"})
    # B02's ten contacts (C50.9, öppenvård, ten patients) are the only cancer care
    assert (alla["antal_kontakter"], alla["antal_individer"], alla["vardtid_dagar"]) == (10, 10, 0)
    assert alla["kostnad_kr"] == 5_500.0
    assert alla["kostnad_per_individ_kr"] == 550.0
    assert alla["andel_av_total_kostnad"] == pytest.approx(5_500 / 235_500)
    assert alla["kostnad_tva_ar_tidigare_kr"] is None
    assert chain.sql("SELECT count(*) FROM out_kpp__cancer WHERE kon = 'M'").fetchall() == [(0,)]


def test_cancer_groups_and_individuals_counted_once(kpp: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    def contact(i: str, patient: str, ar: int, sjukhus: str, vardform: str, diagnos: str, kostnad: float,
                vardtid: int = 0) -> tuple:  # fmt: skip
        return ("25", i, patient, ar, 5, sjukhus, "Onkologi", vardform, "somatisk", "K", 70, diagnos, "C03",
                vardtid, kostnad, "f.csv", 1)  # fmt: skip

    kpp.executemany(
        f"INSERT INTO core_kpp__kontakter VALUES ({', '.join(['?'] * 17)})",
        [
            contact("x1", "Q1", 2020, "SUN", "sluten", "C61", 3000.0, 4),  # the same patient at two hospitals
            contact("x2", "Q1", 2020, "PIT", "oppen", "C61", 1000.0),
            contact("x3", "Q2", 2020, "PIT", "oppen", "D05.1", 2500.0),  # in situ: cancer
            contact("x4", "Q3", 2020, "PIT", "oppen", "D25.9", 8000.0),  # benign: apart, not in cancer
            contact("x5", "Q4", 2018, "SUN", "sluten", "C61", 4000.0, 2),  # two years earlier
        ],
    )
    params = {"lan": "25", **Parametrar().as_sql_params()}
    warehouse.build_table(kpp, "out_kpp__ytterfallsgranser", params)
    warehouse.build_table(kpp, "out_kpp__kontakter", params)
    warehouse.build_table(kpp, "out_kpp__cancer", params)
    where = "ar = 2020 AND grupp = $g AND kon = 'K' AND aldersgrupp = '65+' AND sjukhus = $s AND vardform = 'alla'"
    lan = one(kpp, "out_kpp__cancer", where, {"g": "cancer", "s": "alla"})
    # cancer 65+ 2020: x1, x2 (one patient, two hospitals) and x3; the benign x4 is not in it
    assert (lan["antal_kontakter"], lan["antal_individer"], lan["vardtid_dagar"]) == (3, 2, 4)
    assert lan["kostnad_kr"] == 6500.0
    assert lan["kostnad_per_individ_kr"] == 3250.0
    sun = one(kpp, "out_kpp__cancer", where, {"g": "cancer", "s": "SUN"})
    pit = one(kpp, "out_kpp__cancer", where, {"g": "cancer", "s": "PIT"})
    assert (sun["antal_individer"], pit["antal_individer"]) == (1, 2)  # 1 + 2 ≠ 2: counted, not summed
    assert sun["sjukhus_namn"] == "Sunderby sjukhus"
    # PIT 3 500 kr, SUN 3 000 kr
    assert (pit["rang_kostnad"], sun["rang_kostnad"], lan["rang_kostnad"]) == (1, 2, None)
    assert pit["andel_av_lanets_kostnad"] == pytest.approx(3500 / 6500)
    assert one(kpp, "out_kpp__cancer", where, {"g": "in_situ", "s": "alla"})["kostnad_kr"] == 2500.0
    benign = one(kpp, "out_kpp__cancer", where, {"g": "benign_osaker", "s": "alla"})
    assert (benign["antal_individer"], benign["kostnad_kr"]) == (1, 8000.0)
    # two years earlier (2018): x5, 4 000 kr → 6 500 / 4 000 − 1
    assert lan["kostnad_tva_ar_tidigare_kr"] == 4000.0
    assert lan["antal_individer_tva_ar_tidigare"] == 1
    assert lan["forandring_kostnad_tva_ar_rel"] == pytest.approx(0.625)
    assert lan["riktning_kostnad"] == "hogre"


def test_productivity_by_quarter(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE out_kpp__kontakter AS SELECT * FROM (VALUES "
        "(2019, 1, 'SUN', 'sluten', 'A', 1000.0, false), (2019, 1, 'SUN', 'sluten', 'A', 5000.0, true), "
        "(2019, 1, 'SUN', 'sluten', 'B', 3000.0, false), (2019, 1, 'SUN', 'sluten', 'C', 700.0, false), "
        "(2020, 1, 'SUN', 'sluten', 'A', 900.0, false), (2020, 1, 'SUN', 'sluten', 'B', 2600.0, false), "
        "(2020, 2, 'SUN', 'sluten', 'A', 500.0, false)) "
        "t(ar, kvartal, sjukhus, vardform, drg, kostnad_kr, ytterfall)"
    )
    # DRG A is reweighted from 1,0 (2019) to 1,25 (2020); C is not in the 2020 list; 2021 has a list, no contacts
    con.execute(
        "CREATE TABLE core_drg__vikter AS SELECT * FROM (VALUES (2019, 'A', 1.0), (2019, 'B', 2.0), "
        "(2019, 'C', 0.5), (2020, 'A', 1.25), (2020, 'B', 2.0), (2021, 'A', 1.0)) t(ar, drg, vikt)"
    )
    warehouse.build_table(con, "out_kpp__produktivitet_kvartal", {"minsta_antal_visas": 5})
    where = "ar = $a AND kvartal = $q AND sjukhus = 'SUN' AND vardform = 'sluten'"
    q1 = one(con, "out_kpp__produktivitet_kvartal", where, {"a": 2020, "q": 1})
    # 2020 Q1: (900 + 2 600) / (1,25 + 2); 2019 Q1 at the 2020 weights: the ytterfall and C (no 2020
    # weight) left out, (1 000 + 3 000) / (1,25 + 2)
    assert (q1["antal_kontakter"], q1["antal_kontakter_foregaende_ar"]) == (2, 3)
    assert q1["kostnad_per_drg_poang_kr"] == pytest.approx(3500 / 3.25)
    assert q1["drg_poang_innerfall_foregaende_ar"] == pytest.approx(3.25)
    assert q1["kostnad_per_drg_poang_foregaende_ar_kr"] == pytest.approx(4000 / 3.25)
    assert q1["forandring_rel"] == pytest.approx(3500 / 4000 - 1)
    assert q1["okad_produktivitet"] is True
    q2 = one(con, "out_kpp__produktivitet_kvartal", where, {"a": 2020, "q": 2})
    assert (q2["kostnad_per_drg_poang_foregaende_ar_kr"], q2["okad_produktivitet"]) == (None, None)
    assert q2["antal_kontakter_foregaende_ar"] == 0
    first = one(con, "out_kpp__produktivitet_kvartal", where, {"a": 2019, "q": 1})
    # its own weights: (1 000 + 3 000 + 700) / (1 + 2 + 0,5); no 2018 to compare with
    assert first["kostnad_per_drg_poang_kr"] == pytest.approx(4700 / 3.5)
    assert first["forandring_rel"] is None
    assert con.sql("SELECT count(*) FROM out_kpp__produktivitet_kvartal WHERE ar = 2021").fetchall() == [(0,)]
    county = one(
        con,
        "out_kpp__produktivitet_kvartal",
        "ar = 2020 AND kvartal = 1 AND sjukhus = 'alla' AND vardform = 'alla'",
        {},
    )
    assert county["forandring_rel"] == pytest.approx(-0.125)


def test_hospital_ytterfall_share_against_its_group(chain: duckdb.DuckDBPyConnection) -> None:
    where = "ar = 2020 AND sjukhus = $s AND vardform = $v AND vardtyp = $t"
    sun = one(chain, "out_kpp__sjukhus", where, {"s": "SUN", "v": "sluten", "t": "somatisk"})
    # SUN: 3 ytterfall of 25 contacts; the national länssjukhus group: 99 of 999
    assert sun["andel_ytterfall_jamforelse"] == pytest.approx(99 / 999)
    assert sun["skillnad_andel_ytterfall_pe"] == pytest.approx(3 / 25 - 99 / 999)
    # Wilson 95 %: (p + z²/2n ∓ z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), p = 0,12, n = 25, z = 1,96
    z, n, p = 1.96, 25, 3 / 25
    centre, half = p + z**2 / (2 * n), z * (p * (1 - p) / n + z**2 / (4 * n**2)) ** 0.5
    assert (sun["ki_lag"], sun["ki_hog"]) == pytest.approx(
        ((centre - half) / (1 + z**2 / n), (centre + half) / (1 + z**2 / n))
    )
    assert sun["ki_lag"] == pytest.approx(0.0417, abs=1e-4)
    assert (sun["riktning"], sun["riktning_ytterfall"], sun["andel_av_lanets_kostnad"]) == (
        "hogre",
        "hogre",
        1.0,
    )


def test_primary_care_against_rikets_primary_care(kpp: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    kpp.execute(RIKET_DDL)
    primar = [(2020, "P01", "oppen", "45-64", "K", "00", "alla", 100, 3, 80_000.0, 8_000.0, 30.0)]
    kpp.executemany(
        f"INSERT INTO core_kpp__riket VALUES ({', '.join(['?'] * 12)}, 'r.csv', 1)", RIKET + primar
    )
    kpp.execute(
        "INSERT INTO core_drg__vikter VALUES (2020, 'P01', 'Besök', '23', 'oppen', 0.3, 10000.0, 'v.csv', 1)"
    )
    kpp.executemany(
        "INSERT INTO core_kpp__kontakter VALUES ('25', ?, ?, 2020, 3, 'PV', 'Hälsocentralen', 'oppen', "
        "'primarvard', 'K', 50, 'J06.9', 'P01', 0, ?, 'f.csv', 1)",
        [(f"p{n}", f"Pp{n}", 300.0 * n) for n in range(1, 6)],
    )
    params = {"lan": "25", **Parametrar().as_sql_params()}
    for table in (
        "out_kpp__ytterfallsgranser",
        "out_kpp__kontakter",
        "out_kpp__kostnad_per_drg_poang",
        "out_kpp__sjukhus",
    ):
        warehouse.build_table(kpp, table, params)
    pv = one(
        kpp, "out_kpp__sjukhus", "ar = 2020 AND sjukhus = 'PV' AND vardform = 'alla' AND vardtyp = 'alla'", {}
    )
    # PV: 5 contacts 300 … 1 500 kr at 0,3 p, none above 10 000; riket's primärvård: 72 000 / (30 × 97/100)
    assert pv["jamforelsegrupp"] == "alla"
    assert pv["kostnad_per_drg_poang_innerfall_kr"] == pytest.approx(4500 / 1.5)
    assert pv["kostnad_per_drg_poang_jamforelse_kr"] == pytest.approx(72_000 / 29.1)
    assert pv["andel_ytterfall_jamforelse"] == pytest.approx(0.03)
    assert pv["riktning"] == "hogre"  # 3 000 kr against 72 000 / 29,1 ≈ 2 474 kr
    assert pv["andel_av_lanets_kostnad"] == pytest.approx(4_500 / (235_500 + 4_500))
