"""GAP-analys tables on Vården i siffror data, against hand-computed values."""

from __future__ import annotations

import math
from datetime import date

import duckdb
import pytest

from pipelines import warehouse

KATALOG = [  # matt_id, huvudmatt_id, kon, aldersgrupp, titel, npo, enhetstyp, onskad_riktning, malvarde
    ("M1", None, "alla", "alla", "Andel i tid", "Hjärta", "andel", "hogt", 0.9),
    ("M1K", "M1", "K", "alla", "Andel i tid, kvinnor", "Hjärta", "andel", "hogt", None),
    ("M1M", "M1", "M", "alla", "Andel i tid, män", "Hjärta", "andel", "hogt", None),
    ("M2", None, "alla", "alla", "Väntetid", "Cancer", "median", "lagt", None),
]
P = (date(2020, 1, 1), date(2020, 12, 31), "ar", 2020)


def res(matt: str, region: str, t: int | None, n: int | None, andel: float | None = None, varde: float | None = None,
        ki: tuple[float | None, float | None] = (None, None), niva: str = "region", enhet: str | None = None,
        kon: str = "alla", huvud: str | None = None, orsak: str | None = None) -> tuple:  # fmt: skip
    if andel is None and t is not None and n:
        andel = t / n
    return (
        matt,
        huvud,
        kon,
        "alla",
        *P,
        region,
        niva,
        enhet,
        None,
        None,
        t,
        n,
        andel,
        varde,
        *ki,
        None,
        orsak,
    )


RESULTAT = [
    res("M1", "00", 800, 1000, niva="riket"),
    res("M1", "25", 70, 100), res("M1", "24", 90, 100), res("M1", "23", 85, 100),
    res("M1", "22", None, None, orsak="MSK"),
    res("M1K", "25", 30, 50, kon="K", huvud="M1"), res("M1M", "25", 40, 50, kon="M", huvud="M1"),
    res("M2", "00", None, None, varde=30.0, niva="riket"),
    res("M2", "25", None, None, varde=35.0, ki=(31.0, 39.0)), res("M2", "24", None, None, varde=25.0),
    # hospitals in the county
    res("M1", "25", 50, 60, niva="sjukhus", enhet="Sunderby sjukhus"),
    res("M1", "25", 20, 40, niva="sjukhus", enhet="Kalix sjukhus"),
]  # fmt: skip


def wilson(t: int, n: int) -> tuple[float, float]:
    p, z = t / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture
def vis(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE core_vis__katalog (matt_id VARCHAR, huvudmatt_id VARCHAR, kon VARCHAR, aldersgrupp VARCHAR, "
        "titel VARCHAR, npo VARCHAR, enhetstyp VARCHAR, onskad_riktning VARCHAR, malvarde DOUBLE)"
    )
    con.executemany("INSERT INTO core_vis__katalog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", KATALOG)
    con.execute(
        "CREATE TABLE core_vis__resultat (matt_id VARCHAR, huvudmatt_id VARCHAR, kon VARCHAR, aldersgrupp VARCHAR, "
        "period_start DATE, period_slut DATE, periodtyp VARCHAR, ar INTEGER, region_kod VARCHAR, enhetsniva VARCHAR, "
        "enhet VARCHAR, enhet_hsaid VARCHAR, kommun_kod VARCHAR, taljare BIGINT, namnare BIGINT, andel DOUBLE, "
        "varde DOUBLE, ki_lag DOUBLE, ki_hog DOUBLE, matpopulation BIGINT, orsakskod VARCHAR)"
    )
    con.executemany(f"INSERT INTO core_vis__resultat VALUES ({', '.join(['?'] * 21)})", RESULTAT)
    for table in ("out_vis__jamforelse", "out_vis__gap_geografi", "out_vis__prioritering"):
        warehouse.build_table(con, table, {"lan": "25"})
    return con


def jamf(con: duckdb.DuckDBPyConnection, matt: str, region: str, kon: str = "alla") -> dict:
    rel = con.sql(
        "SELECT * FROM out_vis__jamforelse WHERE matt_id = $m AND region_kod = $r AND kon = $k",
        params={"m": matt, "r": region, "k": kon},
    )
    rows = rel.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(rel.columns, rows[0], strict=True))


def test_county_against_riket_and_regions(vis: duckdb.DuckDBPyConnection) -> None:
    row = jamf(vis, "M1", "25")
    assert (row["varde"], row["varde_riket"]) == pytest.approx((0.7, 0.8))
    assert (row["ki_lag"], row["ki_hog"]) == pytest.approx(wilson(70, 100))
    assert row["signifikant"] is True  # 0,8 lies above the interval ≈ 0,604–0,781
    assert (row["varde_skillnad_mot_riket"], row["varde_skillnad_onskad_riktning"]) == pytest.approx(
        (-0.1, -0.1)
    )
    assert (row["rang"], row["antal_regioner"], row["varde_basta"]) == (3, 3, pytest.approx(0.9))
    assert row["forbattringspotential_riket"] == pytest.approx(10.0)  # (0,8 − 0,7) × 100 patients
    assert row["forbattringspotential_basta"] == pytest.approx(20.0)
    assert row["varde_skillnad_kvinnor_man"] == pytest.approx(0.6 - 0.8)
    assert (row["npo"], row["titel"], row["varde_mal"]) == ("Hjärta", "Andel i tid", 0.9)
    assert jamf(vis, "M1", "24")["rang"] == 1
    assert jamf(vis, "M1", "24")["forbattringspotential_riket"] == 0.0
    msk = jamf(vis, "M1", "22")
    assert (msk["varde"], msk["rang"], msk["orsak_kod"]) == (None, None, "MSK")
    women = jamf(vis, "M1", "25", "K")
    assert women["varde"] == pytest.approx(0.6) and women["varde_skillnad_kvinnor_man"] is None


def test_low_is_good_indicator(vis: duckdb.DuckDBPyConnection) -> None:
    row = jamf(vis, "M2", "25")
    assert (row["varde_skillnad_mot_riket"], row["varde_skillnad_onskad_riktning"]) == (5.0, -5.0)
    assert (row["ki_lag"], row["ki_hog"], row["signifikant"]) == (31.0, 39.0, True)  # delivered interval
    assert (row["rang"], row["varde_basta"], row["forbattringspotential_riket"]) == (2, 25.0, None)


def test_geographic_gaps_within_the_county(vis: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r[0]: r[1:]
        for r in vis.sql(
            "SELECT enhet, varde, varde_lan, varde_skillnad_onskad_riktning, signifikant, varde_spridning "
            "FROM out_vis__gap_geografi WHERE matt_id = 'M1'"
        ).fetchall()
    }
    assert rows["Sunderby sjukhus"][:3] == pytest.approx((50 / 60, 0.7, 50 / 60 - 0.7))
    assert rows["Kalix sjukhus"][:3] == pytest.approx((0.5, 0.7, -0.2))
    lo, hi = wilson(20, 40)
    assert rows["Kalix sjukhus"][3] is (not lo <= 0.7 <= hi)
    assert rows["Kalix sjukhus"][4] == pytest.approx(50 / 60 - 0.5)  # largest minus smallest unit


def test_ranked_lists(vis: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r[0]: r[1:]
        for r in vis.sql(
            "SELECT matt_id, rang_forbattringspotential, rang_kvalitetsproblem FROM out_vis__prioritering "
            "WHERE region_kod = '25'"
        ).fetchall()
    }
    # M1: the only proportion with a patient potential; worse than riket by 0,1 / 0,8 = 12,5 %
    assert rows["M1"] == (1, 2)
    assert rows["M2"] == (None, 1)  # worse by 5 / 30 = 16,7 % (in days: no patient potential)
