"""The ten new vårdförlopp: reference data and their baseline (out_svf__nya_forlopp_baslinje), hand-computed."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import reference, warehouse
from pipelines.parametrar import Parametrar

STROKE = "Reperfusionsbehandling vid ischemisk stroke"
SMARTA = "Smärta ett år efter höftprotesoperation"


def test_reference_has_the_plans_ten_pathways() -> None:
    names = [v.namn for v in reference.NYA_VARDFORLOPP]
    assert names == [
        "Hjärtsvikt", "Kritisk ischemi", "Stroke", "Schizofreni och schizofreniliknande tillstånd", "Reumatoid artrit",
        "Osteoporos", "Utredning av kognitiv svikt/demenssjukdomar", "KOL", "Sepsis", "Höftartros",
    ]  # fmt: skip
    assert [v.omgang for v in reference.NYA_VARDFORLOPP] == [1] * 5 + [2] * 5
    by_code = {v.kod: v for v in reference.NYA_VARDFORLOPP}
    assert (
        by_code["kol"].lokal_gruppering == "LAG Astma/KOL"
        and by_code["kol"].npo == "Lung- och allergisjukdomar"
    )
    # approved for implementation in 2020 per the annual report (002:1017)
    assert {k for k, v in by_code.items() if v.startar == 2020} == {
        "hoftartros", "reumatoid_artrit", "stroke", "schizofreni", "kol", "sepsis"
    }  # fmt: skip
    assert set(reference.VARDFORLOPP_INDIKATORER) <= set(by_code)


def vis_tables(con: duckdb.DuckDBPyConnection) -> None:
    """A small catalogue and out_vis__jamforelse: stroke reperfusion and höftprotes pain, Norrbotten and riket."""
    con.execute(
        "CREATE TABLE core_vis__katalog AS SELECT * FROM (VALUES ('m1', NULL, 'reperfusionsbehandling vid ischemisk "
        "stroke'), ('m1k', 'm1', 'Reperfusionsbehandling vid ischemisk stroke'), ('m2', NULL, 'Smärta ett år efter "
        "höftprotesoperation'), ('m3', NULL, 'Statinbehandling efter hjärtinfarkt')) t(matt_id, huvudmatt_id, titel)"
    )
    cols = (
        "matt_id, titel, npo, enhetstyp, onskad_riktning, periodtyp, ar, kon, region_kod, taljare, namnare, varde, "
        "ki_lag, ki_hog, varde_riket, varde_skillnad_mot_riket, varde_skillnad_onskad_riktning, orsak_kod"
    )
    hk = "Hjärt- och kärlsjukdomar"
    rows = [
        # stroke 2020 (its start year): 50 of 250 = 0.20 against riket 0.14; 2022 (latest): 0.25
        (
            "m1",
            STROKE,
            hk,
            "andel",
            "hogt",
            "ar",
            2020,
            "alla",
            "25",
            50,
            250,
            0.2,
            0.155,
            0.254,
            0.14,
            0.06,
            0.06,
            None,
        ),
        (
            "m1",
            STROKE,
            hk,
            "andel",
            "hogt",
            "ar",
            2020,
            "alla",
            "00",
            5000,
            35714,
            0.14,
            0.136,
            0.144,
            0.14,
            0.0,
            0.0,
            None,
        ),
        (
            "m1",
            STROKE,
            hk,
            "andel",
            "hogt",
            "ar",
            2022,
            "alla",
            "25",
            60,
            240,
            0.25,
            0.2,
            0.3,
            0.16,
            0.09,
            0.09,
            None,
        ),
        (
            "m1",
            STROKE,
            hk,
            "andel",
            "hogt",
            "halvar",
            2023,
            "alla",
            "25",
            30,
            100,
            0.3,
            0.2,
            0.4,
            0.16,
            0.14,
            0.14,
            None,
        ),
        (
            "m1",
            STROKE,
            hk,
            "andel",
            "hogt",
            "ar",
            2020,
            "K",
            "25",
            20,
            120,
            1 / 6,
            0.1,
            0.2,
            0.13,
            0.04,
            0.04,
            None,
        ),
        (
            "m1",
            STROKE,
            hk,
            "andel",
            "hogt",
            "ar",
            2019,
            "alla",
            "25",
            10,
            100,
            0.1,
            0.05,
            0.15,
            0.12,
            -0.02,
            -0.02,
            None,
        ),
        # höftprotes pain (a mean, lower is better) 2020: 10.0 (8.0–12.0) against riket 13.0
        (
            "m2",
            SMARTA,
            "Rörelseorganens sjukdomar",
            "medelvarde",
            "lagt",
            "ar",
            2020,
            "alla",
            "25",
            None,
            None,
            10.0,
            8.0,
            12.0,
            13.0,
            -3.0,
            3.0,
            None,
        ),
    ]
    con.execute(f"CREATE TABLE out_vis__jamforelse ({cols.replace(',', ' VARCHAR,')} VARCHAR)")
    con.executemany(f"INSERT INTO out_vis__jamforelse VALUES ({', '.join(['?'] * 18)})", rows)
    con.execute(
        "CREATE OR REPLACE TABLE out_vis__jamforelse AS SELECT matt_id, titel, npo, enhetstyp, onskad_riktning, "
        "periodtyp, ar::INTEGER AS ar, kon, region_kod, taljare::BIGINT AS taljare, namnare::BIGINT AS namnare, "
        "varde::DOUBLE AS varde, ki_lag::DOUBLE AS ki_lag, ki_hog::DOUBLE AS ki_hog, varde_riket::DOUBLE AS varde_riket, "
        "varde_skillnad_mot_riket::DOUBLE AS varde_skillnad_mot_riket, "
        "varde_skillnad_onskad_riktning::DOUBLE AS varde_skillnad_onskad_riktning, orsak_kod FROM out_vis__jamforelse"
    )


@pytest.fixture
def baslinje(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    vis_tables(con)
    warehouse.build_table(con, "out_svf__nya_forlopp_baslinje", {"lan": "25", **Parametrar().as_sql_params()})
    return con


def rows(con: duckdb.DuckDBPyConnection, forlopp: str) -> list[dict]:
    rel = con.sql(
        "SELECT * FROM out_svf__nya_forlopp_baslinje WHERE forlopp_kod = $f ORDER BY titel, kon",
        params={"f": forlopp},
    )
    return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def test_every_pathway_has_a_row_and_says_when_no_indicator_exists(
    baslinje: duckdb.DuckDBPyConnection,
) -> None:
    assert baslinje.sql(
        "SELECT count(DISTINCT forlopp_kod) FROM out_svf__nya_forlopp_baslinje"
    ).fetchall() == [(10,)]
    (hjartsvikt,) = rows(
        baslinje, "hjartsvikt"
    )  # the catalogue's hjärtinfarkt statin is not a hjärtsvikt measure
    assert (hjartsvikt["har_indikator"], hjartsvikt["matt_id"], hjartsvikt["kon"]) == (False, None, "alla")
    assert (hjartsvikt["antal_indikatorer"], hjartsvikt["basar"]) == (0, 2021)
    stroke = rows(baslinje, "stroke")
    # the mapping names two stroke indicators; only one is in this catalogue (matched case-insensitively)
    missing = [r for r in stroke if not r["har_indikator"]]
    assert [r["titel"] for r in missing] == ["Nöjd med rehabiliteringen efter stroke"]
    first = stroke[0]
    assert (first["antal_forlopp"], first["antal_forlopp_med_indikator"], first["antal_indikatorer"]) == (
        10,
        2,
        1,
    )


def test_baseline_in_the_start_year_against_riket(baslinje: duckdb.DuckDBPyConnection) -> None:
    alla = next(r for r in rows(baslinje, "stroke") if r["har_indikator"] and r["kon"] == "alla")
    assert (alla["matt_id"], alla["indikator_npo"], alla["npo"], alla["basar"]) == (
        "m1", "Hjärt- och kärlsjukdomar", "Nervsystemets sjukdomar", 2020
    )  # fmt: skip
    assert (alla["antal_fall_basar"], alla["varde_basar"], alla["varde_riket_basar"]) == (250, 0.2, 0.14)
    assert alla["varde_skillnad_mot_riket_basar"] == pytest.approx(0.06)
    assert alla["battre_an_riket"] is True
    # two indicators compared at the baseline for kön alla (stroke, pain): Bonferroni z(0,0125) = 2,24;
    # Wilson at z = 2,2414 for 50 of 250: 0.1495–0.2624, riket's 0.14 outside
    assert (alla["antal_jamforelser"], alla["signifikant"]) == (2, True)
    # the latest whole year (half-year 2023 does not count): 2022, +0.05 since the baseline
    assert (alla["senaste_ar"], alla["varde_senaste"], alla["varde_riket_senaste"]) == (2022, 0.25, 0.16)
    assert alla["varde_forandring_sedan_basar"] == pytest.approx(0.05)
    women = next(r for r in rows(baslinje, "stroke") if r["kon"] == "K")
    assert (women["varde_basar"], women["senaste_ar"], women["antal_jamforelser"]) == (
        pytest.approx(1 / 6),
        2020,
        1,
    )
    (pain,) = [r for r in rows(baslinje, "hoftartros") if r["har_indikator"]]
    # a mean with the delivered 95 % interval 8–12 (half-width 2): at z = 2,24 the half-width is 2,287 < 3
    assert (pain["varde_basar"], pain["battre_an_riket"], pain["signifikant"]) == (10.0, True, True)


def test_every_mapped_indicator_is_in_the_demo_catalogue() -> None:
    """A title that matches nothing would silently drop a baseline: the demo's catalogue has each one."""
    from pipelines.demo.vis import INDICATORS

    titles = {i.title.lower() for i in INDICATORS}
    mapped = [t for ts in reference.VARDFORLOPP_INDIKATORER.values() for t in ts]
    assert mapped and all(t.lower() in titles for t in mapped)
