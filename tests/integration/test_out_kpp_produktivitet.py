"""Cost per DRG-poäng excl. ytterfall and the öppenvård cost share, against hand-computed values."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar
from tests.integration.test_out_kpp_kontakter import kpp  # noqa: F401  (fixture)
from tests.integration.test_out_kpp_ytterfall import RIKET, RIKET_DDL


@pytest.fixture
def prod(kpp: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:  # noqa: F811
    kpp.execute(RIKET_DDL)
    kpp.executemany(f"INSERT INTO core_kpp__riket VALUES ({', '.join(['?'] * 12)}, 'r.csv', 1)", RIKET)
    params = {"lan": "25", **Parametrar().as_sql_params()}
    for table in (
        "out_kpp__ytterfallsgranser",
        "out_kpp__kontakter",
        "out_kpp__kostnad_per_drg_poang",
        "out_kpp__oppenvardsandel",
    ):
        warehouse.build_table(kpp, table, params)
    return kpp


def cpp(con: duckdb.DuckDBPyConnection, jamforelse: str, vardform: str, vardtyp: str = "alla") -> tuple:
    """``jamforelse`` is region_kod/jamforelsegrupp, e.g. 25/alla or 00/lanssjukhus."""
    rows = con.sql(
        "SELECT antal_innerfall, kostnad_innerfall_kr, drg_poang_innerfall, kostnad_per_drg_poang_kr, "
        "skillnad_mot_riket_rel FROM out_kpp__kostnad_per_drg_poang WHERE ar = 2020 "
        "AND region_kod || '/' || jamforelsegrupp = $j AND vardform = $v AND vardtyp = $t",
        params={"j": jamforelse, "v": vardform, "t": vardtyp},
    ).fetchall()
    assert len(rows) == 1, rows
    return rows[0]


def test_cost_per_drg_point_excludes_ytterfall(prod: duckdb.DuckDBPyConnection) -> None:
    # County slutenvård innerfall: A01 a01–a19 (190 000 kr, 19 × 1,5 p) + C03 c1, c2, c5 (7 000 kr, 3 × 2 p)
    county = cpp(prod, "25/alla", "sluten")
    assert county[:3] == pytest.approx((22, 197_000.0, 34.5))
    assert county[3] == pytest.approx(197_000 / 34.5)
    # Riket slutenvård: (1 000 000 − 200 000) / (150 × 95/100) and (400 000 − 50 000) / (75 × 48/50)
    riket = cpp(prod, "00/alla", "sluten")
    assert riket[1:3] == pytest.approx((1_150_000.0, 142.5 + 72.0))
    assert county[4] == pytest.approx((197_000 / 34.5) / (1_150_000 / 214.5) - 1)
    assert riket[4] == pytest.approx(0.0)
    oppen = cpp(prod, "25/alla", "oppen")  # b01–b09: 4 500 kr, 9 × 0,2 p
    assert oppen[3] == pytest.approx(2500.0)
    assert oppen[4] == pytest.approx(2500 / (90_000 / 38.8) - 1)
    assert cpp(prod, "25/alla", "sluten", "somatisk")[3] == pytest.approx(197_000 / 34.5)
    assert cpp(prod, "00/alla", "sluten", "somatisk")[3] == pytest.approx(1_150_000 / 214.5)
    assert cpp(prod, "00/lanssjukhus", "sluten")[3] == pytest.approx(8 / (9 * 900 / 999))


def test_open_care_share_includes_ytterfall(prod: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        prod.sql(
            "SELECT region_kod || '/' || jamforelsegrupp || '/' || vardtyp, andel_oppenvard "
            "FROM out_kpp__oppenvardsandel "
            "WHERE ar = 2020"
        ).fetchall()
    )
    assert rows["25/alla/alla"] == pytest.approx(5_500 / 235_500)
    assert rows["25/alla/somatisk"] == pytest.approx(5_500 / 235_500)
    assert rows["00/alla/alla"] == pytest.approx(100_000 / 1_500_000)
    assert rows["00/lanssjukhus/alla"] == 0.0
    diff = prod.sql(
        "SELECT andel_oppenvard_riket, skillnad_mot_riket_pe, riktning FROM out_kpp__oppenvardsandel "
        "WHERE ar = 2020 AND region_kod = '25' AND vardtyp = 'alla'"
    ).fetchall()
    assert diff == [(pytest.approx(1 / 15), pytest.approx(5_500 / 235_500 - 1 / 15), "lagre")]


def test_ytterfall_cost_distribution(prod: duckdb.DuckDBPyConnection) -> None:
    warehouse.build_table(prod, "out_kpp__ytterfall_fordelning", {"lan": "25", "minsta_antal_visas": 5})
    rows = prod.sql(
        "SELECT region_kod, dimension, grupp, grupp_namn, antal_ytterfall, kostnad_ytterfall_kr, "
        "andel_av_ytterfallskostnad, rang, andel_kumulativ FROM out_kpp__ytterfall_fordelning WHERE ar = 2020 ORDER BY ALL"
    ).fetchall()
    by_key = {(r[0], r[1], r[2]): r[3:] for r in rows}
    # County ytterfall: a20 20 000 (A01), c3 + c4 13 000 (C03), b10 1 000 (B02); total 34 000
    assert by_key[("25", "drg", "A01")] == pytest.approx(("Hjärtinfarkt", 1, 20_000.0, 20 / 34, 1, 20 / 34))
    assert by_key[("25", "drg", "C03")] == pytest.approx(("Höftfraktur", 2, 13_000.0, 13 / 34, 2, 33 / 34))
    assert by_key[("25", "drg", "B02")][3:] == pytest.approx((1 / 34, 3, 1.0))
    assert by_key[("25", "diagnoskapitel", "IX")] == pytest.approx(
        ("Cirkulationsorganens sjukdomar", 3, 33_000.0, 33 / 34, 1, 33 / 34)
    )
    assert by_key[("25", "huvuddiagnos", "C50.9")][1:3] == pytest.approx((1, 1_000.0))
    # Riket: A01 250 000 of 260 000, B02 10 000
    assert by_key[("00", "drg", "A01")][1:5] == pytest.approx((7, 250_000.0, 250 / 260, 1))
    # Riket's MDC via the weight list (A01 → 05, B02 → 09) and vårdform; no diagnoses or hospitals
    assert by_key[("00", "mdc", "05")][1:5] == pytest.approx((7, 250_000.0, 250 / 260, 1))
    assert by_key[("00", "vardform", "oppen")][1:5] == pytest.approx((6, 10_000.0, 10 / 260, 2))
    assert {k[1] for k in by_key if k[0] == "00"} == {"drg", "mdc", "vardform"}
    # the county's MDC, hospital (named from core_ref__sjukhus) and vårdform
    assert by_key[("25", "mdc", "08")][1:5] == pytest.approx((2, 13_000.0, 13 / 34, 2))
    assert by_key[("25", "sjukhus", "SUN")][:5] == pytest.approx(("Sunderby sjukhus", 4, 34_000.0, 1.0, 1))
    assert by_key[("25", "vardform", "sluten")][1:5] == pytest.approx((3, 33_000.0, 33 / 34, 1))


def test_county_from_its_own_rows_in_the_kpp_database(kpp: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    # When the national database holds the county (region 25) for the year, the county's figures come from
    # those rows, with the database's ytterfall flags — not from the extract; other regions are ignored.
    kpp.execute(RIKET_DDL)
    lan_rows = [
        (2020, "A01", "sluten", "65-79", "K", "25", "alla", 40, 4, 500_000.0, 100_000.0, 60.0),
        (2020, "A01", "sluten", "65-79", "K", "24", "alla", 70, 7, 900_000.0, 90_000.0, 105.0),
    ]
    kpp.executemany(
        f"INSERT INTO core_kpp__riket VALUES ({', '.join(['?'] * 12)}, 'r.csv', 1)", RIKET + lan_rows
    )
    params = {"lan": "25", **Parametrar().as_sql_params()}
    for table in (
        "out_kpp__ytterfallsgranser",
        "out_kpp__kontakter",
        "out_kpp__kostnad_per_drg_poang",
        "out_kpp__oppenvardsandel",
        "out_kpp__kostnad_per_drg_poang_grupp",
    ):
        warehouse.build_table(kpp, table, params)
    # by kön and åldersgrupp: county K / 65-79 sluten 400 000 / 54 against riket's K sluten 800 000 / 142,5
    grupp = {
        (r[0], r[1], r[2], r[3]): r[4:]
        for r in kpp.sql(
            "SELECT region_kod, vardform, dimension, grupp, dataniva, andel_ytterfall, kostnad_per_drg_poang_kr, "
            "skillnad_mot_riket_rel, riktning FROM out_kpp__kostnad_per_drg_poang_grupp WHERE ar = 2020"
        ).fetchall()
    }
    assert grupp[("25", "sluten", "kon", "K")] == pytest.approx(
        ("kpp-databasen", 0.1, 400_000 / 54, (400_000 / 54) / (800_000 / 142.5) - 1, "hogre")
    )
    assert grupp[("25", "alla", "aldersgrupp", "65-79")][2] == pytest.approx(400_000 / 54)
    assert grupp[("00", "alla", "kon", "K")][2] == pytest.approx((800_000 + 90_000) / (142.5 + 38.8))
    assert ("25", "sluten", "kon", "M") not in grupp  # the county's database rows have no men
    rel = kpp.sql(
        "SELECT dataniva, antal_kontakter, antal_ytterfall, andel_ytterfall, antal_innerfall, kostnad_innerfall_kr, "
        "drg_poang_innerfall, kostnad_per_drg_poang_kr, skillnad_mot_riket_rel FROM out_kpp__kostnad_per_drg_poang "
        "WHERE ar = 2020 AND region_kod = '25' AND vardform = 'sluten' AND vardtyp = 'somatisk'"
    )
    county = rel.fetchall()
    assert len(county) == 1
    # innerfall: 36 contacts, 500 000 − 100 000 kr, 60 × 36/40 = 54 points
    assert county[0][:7] == pytest.approx(("kpp-databasen", 40, 4, 0.1, 36, 400_000.0, 54.0))
    assert county[0][7] == pytest.approx(400_000 / 54)
    assert county[0][8] == pytest.approx((400_000 / 54) / (1_150_000 / 214.5) - 1)
    assert kpp.sql(
        "SELECT riktning FROM out_kpp__kostnad_per_drg_poang WHERE ar = 2020 AND region_kod = '25' "
        "AND vardform = 'sluten' AND vardtyp = 'somatisk'"
    ).fetchall() == [("hogre",)]
    # the database has no öppenvård rows for the county: no county öppenvård from the extract either
    oppen = kpp.sql(
        "SELECT count(*) FROM out_kpp__kostnad_per_drg_poang WHERE ar = 2020 AND region_kod = '25' "
        "AND vardform = 'oppen'"
    ).fetchall()
    assert oppen == [(0,)]
    # the peer group's ytterfall share: länssjukhus 99 of 999
    group = kpp.sql(
        "SELECT andel_ytterfall, andel_kostnad_ytterfall, dataniva FROM out_kpp__kostnad_per_drg_poang "
        "WHERE ar = 2020 AND region_kod = '00' AND jamforelsegrupp = 'lanssjukhus' AND vardform = 'sluten' "
        "AND vardtyp = 'alla'"
    ).fetchall()
    assert group[0] == pytest.approx((99 / 999, 1 / 9, "kpp-databasen"))
    share = kpp.sql(
        "SELECT dataniva, antal_kontakter, antal_kontakter_oppenvard, kostnad_total_kr, andel_oppenvard "
        "FROM out_kpp__oppenvardsandel WHERE ar = 2020 AND region_kod = '25' AND vardtyp = 'alla'"
    ).fetchall()
    assert share == [("kpp-databasen", 40, 0, 500_000.0, 0.0)]


def test_county_from_its_extract_when_the_database_lacks_it(prod: duckdb.DuckDBPyConnection) -> None:
    rows = prod.sql(
        "SELECT DISTINCT region_kod, dataniva FROM out_kpp__kostnad_per_drg_poang ORDER BY ALL"
    ).fetchall()
    assert rows == [("00", "kpp-databasen"), ("25", "eget-extrakt")]
    # county slutenvård by the extract's rule: 3 ytterfall (a20, c3, c4) of 25 contacts
    assert prod.sql(
        "SELECT antal_ytterfall, andel_ytterfall FROM out_kpp__kostnad_per_drg_poang WHERE ar = 2020 "
        "AND region_kod = '25' AND vardform = 'sluten' AND vardtyp = 'alla'"
    ).fetchall() == [(3, pytest.approx(3 / 25))]
