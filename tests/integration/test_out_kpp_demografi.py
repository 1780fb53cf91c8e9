"""The plan's demographic cost method (out_kpp__demografi_klinik) against hand-computed cases:
the klinik is classified, chapters are detail, and costs are compared in the målår's prices."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar

FAKTOR = 110 / 100  # LPIK 2019 / 2016 in the fixture: 2016's costs × 1,1 = 2019's prices


def contacts() -> list[tuple]:
    rows: list[tuple] = []

    def add(vardtyp: str, sjukhus: str, klinik: str, kapitel: str, kon: str, ar: int, grupp: str, n: int,
            kostnad: float) -> None:  # fmt: skip
        rows.extend((vardtyp, sjukhus, klinik, kapitel, kon, ar, grupp, kostnad) for _ in range(n))

    # SUN Medicin (women): the klinik has 0–64 6 → 5 (falls), 65+ 3 → 7 (rises)
    add("somatisk", "SUN", "Medicin", "IX", "K", 2016, "0-64", 2, 100.0)
    add("somatisk", "SUN", "Medicin", "IX", "K", 2016, "65+", 2, 300.0)
    add("somatisk", "SUN", "Medicin", "IX", "K", 2019, "0-64", 3, 100.0)
    add("somatisk", "SUN", "Medicin", "IX", "K", 2019, "65+", 4, 300.0)
    add("somatisk", "SUN", "Medicin", "II", "K", 2016, "0-64", 4, 50.0)
    add("somatisk", "SUN", "Medicin", "II", "K", 2016, "65+", 1, 1000.0)
    add("somatisk", "SUN", "Medicin", "II", "K", 2019, "0-64", 2, 50.0)
    add("somatisk", "SUN", "Medicin", "II", "K", 2019, "65+", 3, 1000.0)
    # PIT Kirurgi (men): the klinik has both groups rising (65+ 4 → 6, 0–64 1 → 3), although 65+
    # falls in its chapter XIX: classified per chapter, XIX would count nothing
    add("somatisk", "PIT", "Kirurgi", "XIX", "M", 2016, "65+", 3, 500.0)
    add("somatisk", "PIT", "Kirurgi", "XIX", "M", 2016, "0-64", 1, 100.0)
    add("somatisk", "PIT", "Kirurgi", "XIX", "M", 2019, "65+", 2, 600.0)
    add("somatisk", "PIT", "Kirurgi", "XIX", "M", 2019, "0-64", 2, 100.0)
    add("somatisk", "PIT", "Kirurgi", "XI", "M", 2016, "65+", 1, 200.0)
    add("somatisk", "PIT", "Kirurgi", "XI", "M", 2019, "65+", 4, 200.0)
    add("somatisk", "PIT", "Kirurgi", "XI", "M", 2019, "0-64", 1, 100.0)
    add("somatisk", "PIT", "Kirurgi", "XIX", "M", 2017, "65+", 50, 9999.0)  # outside the compared years
    # SUN Vuxenpsykiatri (women): no 65+ at all: not covered by the plan
    add("psykiatrisk", "SUN", "Vuxenpsykiatri", "V", "K", 2016, "0-64", 5, 100.0)
    add("psykiatrisk", "SUN", "Vuxenpsykiatri", "V", "K", 2019, "0-64", 4, 100.0)
    return rows


@pytest.fixture
def demo_con(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE out_kpp__kontakter (vardtyp VARCHAR, sjukhus VARCHAR, klinik VARCHAR, "
        "diagnoskapitel VARCHAR, kon VARCHAR, ar INTEGER, aldersgrupp VARCHAR, kostnad_kr DOUBLE)"
    )
    con.executemany("INSERT INTO out_kpp__kontakter VALUES (?, ?, ?, ?, ?, ?, ?, ?)", contacts())
    con.execute(
        "CREATE TABLE core_skr__prisindex (prisindex VARCHAR, ar INTEGER, typ VARCHAR, indexvarde DOUBLE)"
    )
    con.execute(
        "INSERT INTO core_skr__prisindex VALUES ('LPIK', 2016, 'utfall', 100), ('LPIK', 2017, 'utfall', 104), "
        "('LPIK', 2019, 'prognos', 110), ('LPI', 2016, 'utfall', 100), ('LPI', 2019, 'utfall', 150)"
    )
    return con


def build(con: duckdb.DuckDBPyConnection, **changes: object) -> dict[tuple, dict]:
    params = replace(Parametrar(), **changes).as_sql_params()  # type: ignore[arg-type]
    warehouse.build_table(con, "out_kpp__demografi_klinik", params)
    rel = con.sql("SELECT * FROM out_kpp__demografi_klinik")
    out = {}
    for values in rel.fetchall():
        row = dict(zip(rel.columns, values, strict=True))
        out[(row["niva_kod"], row["sjukhus"], row["klinik"], row["diagnoskapitel"], row["kon"])] = row
    return out


def test_the_klinik_is_classified_in_fixed_prices(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = build(demo_con)
    medicin = rows[("klinik", "SUN", "Medicin", "alla", "alla")]
    assert (medicin["basar"], medicin["malar"], medicin["prisindex_kod"]) == (2016, 2019, "LPIK")
    assert (medicin["prisforandring_rel"], medicin["prisindextyp_kod"]) == (
        pytest.approx(FAKTOR - 1),
        "prognos",
    )
    assert (medicin["antal_kontakter_bas"], medicin["antal_kontakter_mal"]) == (9, 12)
    assert (medicin["sjukhus_namn"], medicin["fall"]) == ("Sunderby sjukhus", "65_okar_064_minskar")
    assert (medicin["antal_kontakter_0_64_bas"], medicin["antal_kontakter_0_64_mal"], medicin["antal_kontakter_65_bas"],
            medicin["antal_kontakter_65_mal"]) == (6, 5, 3, 7)  # fmt: skip
    assert medicin["kostnad_bas_lopande_kr"] == 2000.0
    assert medicin["kostnad_bas_kr"] == pytest.approx(2000 * FAKTOR)
    assert medicin["forandring_kostnad_0_64_kr"] == pytest.approx(400 - 400 * FAKTOR)  # −40
    assert medicin["forandring_kostnad_65_kr"] == pytest.approx(4200 - 1600 * FAKTOR)  # 2 440
    assert medicin["demografisk_kostnad_kr"] == pytest.approx(2440 - 40)  # the 0–64 decrease is netted
    kirurgi = rows[("klinik", "PIT", "Kirurgi", "alla", "alla")]
    assert (kirurgi["fall"], kirurgi["antal_kontakter_65_bas"], kirurgi["antal_kontakter_65_mal"]) == (
        "bada_okar",
        4,
        6,
    )
    assert kirurgi["kostnad_bas_kr"] == pytest.approx(1800 * FAKTOR)  # the 2017 contacts are not compared
    assert kirurgi["demografisk_kostnad_kr"] == pytest.approx(2300 - 1980)  # the klinik's whole change: 320
    psyk = rows[("klinik", "SUN", "Vuxenpsykiatri", "alla", "alla")]
    assert (psyk["fall"], psyk["demografisk_kostnad_kr"]) == ("ovrigt", 0.0)
    assert psyk["forandring_kostnad_total_kr"] == pytest.approx(400 - 550)
    assert [rows[("klinik", s, k, "alla", "alla")]["rang_kostnadsforandring"]
            for s, k in [("SUN", "Medicin"), ("PIT", "Kirurgi"), ("SUN", "Vuxenpsykiatri")]] == [1, 2, 3]  # fmt: skip


def test_chapters_are_detail_below_the_klinik(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = build(demo_con)
    xix = rows[("klinik_kapitel", "PIT", "Kirurgi", "XIX", "alla")]
    assert (xix["fall"], xix["demografisk_kostnad_kr"]) == (None, None)  # not classified on its own
    assert xix["kapitel_namn"].startswith("Skador")
    assert xix["forandring_kostnad_total_kr"] == pytest.approx(1400 - 1600 * FAKTOR)
    assert [rows[("klinik_kapitel", "SUN", "Medicin", k, "alla")]["rang_kostnadsforandring"] for k in ("II", "IX")] == [
        1, 2]  # fmt: skip
    lan = {k[3]: r for k, r in rows.items() if k[0] == "lan_kapitel"}
    assert lan["II"]["forandring_kostnad_total_kr"] == pytest.approx(3100 - 1200 * FAKTOR)  # 1 780
    assert {k: r["rang_kostnadsforandring"] for k, r in lan.items()} == {
        "II": 1,
        "XI": 2,
        "IX": 3,
        "XIX": 4,
        "V": 5,
    }


def test_sums_over_kliniker_and_by_kon(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = build(demo_con)
    total = rows[("lan", "alla", "alla", "alla", "alla")]
    assert total["demografisk_kostnad_kr"] == pytest.approx(2400 + 320 + 0)
    assert total["forandring_kostnad_total_kr"] == pytest.approx(2400 + 320 - 150)
    assert (total["antal_kliniker"], total["antal_kliniker_bada_okar"], total["antal_kliniker_65_okar_064_minskar"]) == (
        3, 1, 1)  # fmt: skip
    assert total["forandring_kostnad_total_rel"] == pytest.approx(2570 / ((2000 + 1800 + 500) * FAKTOR))
    rel = demo_con.sql("SELECT * FROM out_kpp__demografi_klinik WHERE niva_kod = 'vardtyp'")
    vardtyp = {
        r[rel.columns.index("vardtyp")]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()
    }
    assert vardtyp["somatisk"]["demografisk_kostnad_kr"] == pytest.approx(2720)
    assert (vardtyp["psykiatrisk"]["antal_kliniker"], vardtyp["psykiatrisk"]["demografisk_kostnad_kr"]) == (
        1,
        0.0,
    )
    kvinnor = rows[("lan_kon", "alla", "alla", "alla", "K")]
    assert (kvinnor["antal_kontakter_65_bas"], kvinnor["antal_kontakter_65_mal"]) == (3, 7)
    assert kvinnor["forandring_kostnad_total_kr"] == pytest.approx(2400 - 150)
    assert kvinnor["demografisk_kostnad_kr"] is None  # the plan's method does not use kön
    assert rows[("lan_kon", "alla", "alla", "alla", "M")]["forandring_kostnad_total_kr"] == pytest.approx(320)


def test_open_choices_are_parameters(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = build(demo_con, demografi_bada_okar="65+")
    assert rows[("klinik", "PIT", "Kirurgi", "alla", "alla")]["demografisk_kostnad_kr"] == pytest.approx(
        2000 - 1700 * FAKTOR
    )  # only 65+'s change: 130
    rows = build(demo_con, prisindex="LPI")
    assert rows[("lan", "alla", "alla", "alla", "alla")]["prisforandring_rel"] == pytest.approx(0.5)


def test_no_comparison_in_current_prices_without_the_index(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = build(demo_con, demografi_malar=2018)  # LPIK has no 2018
    total = rows[("lan", "alla", "alla", "alla", "alla")]
    assert total["prisforandring_rel"] is None
    assert (
        total["kostnad_bas_kr"],
        total["forandring_kostnad_total_kr"],
        total["demografisk_kostnad_kr"],
    ) == (
        None,
        None,
        None,
    )
    assert total["kostnad_bas_lopande_kr"] == pytest.approx(4300.0)
