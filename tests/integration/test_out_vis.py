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
    ("M2", None, "alla", "alla", "Smärta efter operation", "Cancer", "medelvarde", "lagt", None),
    ("M3", None, "alla", "alla", "Antibiotikarecept per 1 000 invånare", "Infektion", "antal", "lagt", None),
    ("M4", None, "alla", "alla", "Väntetid", "Cancer", "median", "lagt", None),
]
P = (date(2020, 1, 1), date(2020, 12, 31), "ar", 2020)
P19 = (date(2019, 1, 1), date(2019, 12, 31), "ar", 2019)
H2 = (date(2020, 7, 1), date(2020, 12, 31), "halvar", 2020)


def res(matt: str, region: str, t: int | None, n: int | None, andel: float | None = None, varde: float | None = None,
        ki: tuple[float | None, float | None] = (None, None), niva: str = "region", enhet: str | None = None,
        kon: str = "alla", huvud: str | None = None, orsak: str | None = None, pop: int | None = None,
        period: tuple = P) -> tuple:  # fmt: skip
    if andel is None and t is not None and n:
        andel = t / n
    return (
        matt,
        huvud,
        kon,
        "alla",
        *period,
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
        pop,
        orsak,
    )


RESULTAT = [
    res("M1", "00", 800, 1000, niva="riket"),
    res("M1", "25", 70, 100), res("M1", "24", 90, 100), res("M1", "23", 85, 100),
    res("M1", "22", None, None, orsak="MSK"),
    res("M1K", "25", 30, 50, kon="K", huvud="M1"), res("M1M", "25", 40, 50, kon="M", huvud="M1"),
    res("M2", "00", None, None, varde=30.0, ki=(29.0, 31.0), pop=1000, niva="riket"),
    res("M2", "25", None, None, varde=35.0, ki=(31.0, 39.0), pop=100),
    res("M2", "24", None, None, varde=25.0, ki=(22.0, 28.0), pop=200),
    res("M3", "00", None, None, varde=250.0, pop=10_000_000, niva="riket"),
    res("M3", "25", None, None, varde=230.0, pop=250_000),
    res("M4", "00", None, None, varde=30.0, pop=1000, niva="riket"), res("M4", "25", None, None, varde=35.0, pop=100),
    # the year before, and the second half of 2020 (the full year is the latest period)
    res("M1", "00", 700, 1000, niva="riket", period=P19), res("M1", "25", 60, 100, period=P19),
    res("M1", "00", 400, 500, niva="riket", period=H2), res("M1", "25", 40, 50, period=H2),
    # hospitals in the county
    res("M1", "25", 50, 60, niva="sjukhus", enhet="Sunderby sjukhus"),
    res("M1", "25", 20, 40, niva="sjukhus", enhet="Kalix sjukhus"),
]  # fmt: skip


def wilson(t: int, n: int) -> tuple[float, float]:
    p, z = t / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


VIS_TABLES = (
    "out_vis__jamforelse",
    "out_vis__gap_geografi",
    "out_vis__prioritering",
    "out_vis__npo_oversikt",
)


def build_vis(con: duckdb.DuckDBPyConnection, resultat: list[tuple] = RESULTAT) -> duckdb.DuckDBPyConnection:
    """The four VIS out tables on the small catalog and ``resultat`` (rows as made by :func:`res`)."""
    con.execute(
        "CREATE OR REPLACE TABLE core_vis__katalog (matt_id VARCHAR, huvudmatt_id VARCHAR, kon VARCHAR, "
        "aldersgrupp VARCHAR, titel VARCHAR, npo VARCHAR, enhetstyp VARCHAR, onskad_riktning VARCHAR, "
        "malvarde DOUBLE, definition VARCHAR)"
    )
    con.executemany("INSERT INTO core_vis__katalog VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)", KATALOG)
    con.execute(
        "CREATE OR REPLACE TABLE core_vis__resultat (matt_id VARCHAR, huvudmatt_id VARCHAR, kon VARCHAR, "
        "aldersgrupp VARCHAR, period_start DATE, period_slut DATE, periodtyp VARCHAR, ar INTEGER, region_kod VARCHAR, "
        "enhetsniva VARCHAR, enhet VARCHAR, enhet_hsaid VARCHAR, kommun_kod VARCHAR, taljare BIGINT, namnare BIGINT, "
        "andel DOUBLE, varde DOUBLE, ki_lag DOUBLE, ki_hog DOUBLE, matpopulation BIGINT, orsakskod VARCHAR)"
    )
    con.executemany(f"INSERT INTO core_vis__resultat VALUES ({', '.join(['?'] * 21)})", resultat)
    for table in VIS_TABLES:
        warehouse.build_table(con, table, {"lan": "25", "minsta_antal_visas": 5})
    return con


@pytest.fixture
def vis(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    return build_vis(con)


def p_norm(z: float) -> float:
    return math.erfc(abs(z) / math.sqrt(2))


def z_two(x1: float, n1: float, x2: float, n2: float) -> float:
    p1, p2 = x1 / n1, x2 / n2
    return (p1 - p2) / math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)


def bh(p: dict[str, float]) -> dict[str, float]:
    """Benjamini–Hochberg by hand: sort, p·m/i, running minimum from the largest p down."""
    order = sorted(p, key=p.__getitem__)
    m, q, running = len(order), {}, 1.0
    for i in range(m, 0, -1):
        running = min(running, p[order[i - 1]] * m / i)
        q[order[i - 1]] = running
    return q


def jamf(con: duckdb.DuckDBPyConnection, matt: str, region: str, kon: str = "alla", start: date = P[0],
         slut: date = P[1]) -> dict:  # fmt: skip
    rel = con.sql(
        "SELECT * FROM out_vis__jamforelse WHERE matt_id = $m AND region_kod = $r AND kon = $k "
        "AND period_start = $s AND period_slut = $e",
        params={"m": matt, "r": region, "k": kon, "s": start, "e": slut},
    )
    rows = rel.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(rel.columns, rows[0], strict=True))


def test_county_against_riket_and_regions(vis: duckdb.DuckDBPyConnection) -> None:
    row = jamf(vis, "M1", "25")
    assert (row["varde"], row["varde_riket"], row["testmetod_kod"]) == (
        pytest.approx(0.7),
        pytest.approx(0.8),
        "wilson",
    )
    assert (row["ki_lag"], row["ki_hog"]) == pytest.approx(wilson(70, 100))
    # tested against the rest of riket (730 of 900), not against riket that contains the county
    assert row["varde_ovriga"] == pytest.approx(730 / 900)
    assert row["p_varde"] == pytest.approx(p_norm(z_two(70, 100, 730, 900)), abs=1e-6)  # ≈ 0,0197
    assert (row["signifikant"], row["jamforelse_riket_kod"]) == (True, "samre")  # q ≈ 0,0236 < 0,05
    assert (row["varde_skillnad_mot_riket"], row["varde_skillnad_onskad_riktning"]) == pytest.approx(
        (-0.1, -0.1)
    )
    assert (row["rang"], row["antal_regioner"], row["varde_basta"]) == (3, 3, pytest.approx(0.9))
    assert row["varde_samsta"] == pytest.approx(0.7)
    assert row["forbattringspotential_riket"] == pytest.approx(10.0)  # (0,8 − 0,7) × 100 patients
    assert row["forbattringspotential_basta"] == pytest.approx(20.0)
    assert (row["npo"], row["titel"], row["varde_mal"]) == ("Hjärta", "Andel i tid", 0.9)
    assert jamf(vis, "M1", "24")["rang"] == 1
    assert jamf(vis, "M1", "24")["forbattringspotential_riket"] == 0.0
    msk = jamf(vis, "M1", "22")
    assert (msk["varde"], msk["rang"], msk["orsak_kod"], msk["jamforelse_riket_kod"]) == (
        None,
        None,
        "MSK",
        "ej_testad",
    )
    assert jamf(vis, "M1", "00")["jamforelse_riket_kod"] is None


def test_benjamini_hochberg_over_indicators_and_regions(vis: duckdb.DuckDBPyConnection) -> None:
    """The family: every tested indicator × region of 2020, kön alla — six p-values."""
    se_n = 2 / 3.92  # riket's delivered interval 29–31
    p = {
        ("M1", "25"): p_norm(z_two(70, 100, 730, 900)),
        ("M1", "24"): p_norm(z_two(90, 100, 710, 900)),
        ("M1", "23"): p_norm(z_two(85, 100, 715, 900)),
        # means with delivered intervals: the rest of riket weighted by matpopulation
        ("M2", "25"): p_norm((35 - 26500 / 900) / math.hypot(8 / 3.92, se_n * math.sqrt(1000 / 900))),
        ("M2", "24"): p_norm((25 - 25000 / 800) / math.hypot(6 / 3.92, se_n * math.sqrt(1000 / 800))),
        # rate per 1 000: 57 500 prescriptions of 250 000 against 2 442 500 of 9 750 000
        ("M3", "25"): p_norm((230 - 2_442_500 / 9_750) / math.hypot(math.sqrt(0.92), math.sqrt(2_442_500 / 9_750 / 9_750))),
    }  # fmt: skip
    q = bh(p)
    for (matt, region), expected in q.items():
        row = jamf(vis, matt, region)
        assert row["p_varde"] == pytest.approx(p[(matt, region)], abs=1e-6), (matt, region)
        assert row["q_varde"] == pytest.approx(expected, abs=1e-6), (matt, region)
        assert row["signifikant"] is (expected < 0.05)
    assert q[("M1", "25")] == pytest.approx(p[("M1", "25")] * 6 / 5)  # fifth smallest of six
    assert jamf(vis, "M1", "23")["jamforelse_riket_kod"] == "ingen_skillnad"  # q ≈ 0,145
    m3 = jamf(vis, "M3", "25")
    assert (m3["ki_lag"], m3["ki_hog"]) == pytest.approx(
        (230 - 1.96 * math.sqrt(0.92), 230 + 1.96 * math.sqrt(0.92))
    )
    assert m3["jamforelse_riket_kod"] == "battre"  # fewer prescriptions is better
    median = jamf(vis, "M4", "25")  # a median without a delivered interval is not tested
    assert (median["p_varde"], median["signifikant"], median["jamforelse_riket_kod"]) == (
        None,
        None,
        "ej_testad",
    )


def test_rank_interval(vis: duckdb.DuckDBPyConnection) -> None:
    # Wilson: 25 ≈ 0,606–0,779, 24 ≈ 0,826–0,945, 23 ≈ 0,770–0,905 — only 24 lies wholly above 25
    assert [(jamf(vis, "M1", r)["rang_lag"], jamf(vis, "M1", r)["rang_hog"]) for r in ("25", "24", "23")] == [
        (2, 3), (1, 2), (1, 3)
    ]  # fmt: skip
    assert jamf(vis, "M4", "25")["rang_lag"] is None


def test_women_against_men(vis: duckdb.DuckDBPyConnection) -> None:
    row = jamf(vis, "M1", "25")
    assert (row["varde_kvinnor"], row["varde_man"]) == pytest.approx((0.6, 0.8))
    assert row["varde_skillnad_kvinnor_man"] == pytest.approx(0.6 - 0.8)
    expected = p_norm(-0.2 / math.sqrt(0.24 / 50 + 0.16 / 50))  # ≈ 0,0253, the only test in its family
    assert (row["p_varde_kon"], row["q_varde_kon"]) == pytest.approx((expected, expected), abs=1e-6)
    assert row["signifikant_kon"] is True
    women = jamf(vis, "M1", "25", "K")
    assert women["varde"] == pytest.approx(0.6) and women["varde_skillnad_kvinnor_man"] is None


def test_small_sexes_hide_the_sex_comparison(
    con: duckdb.DuckDBPyConnection, vis: duckdb.DuckDBPyConnection
) -> None:
    vis.execute("UPDATE core_vis__resultat SET taljare = 4, andel = 4 / 50 WHERE matt_id = 'M1K'")
    warehouse.build_table(vis, "out_vis__jamforelse", {"lan": "25", "minsta_antal_visas": 5})
    row = jamf(vis, "M1", "25")
    assert (row["varde_kvinnor"], row["varde_man"], row["varde_skillnad_kvinnor_man"], row["q_varde_kon"]) == (
        None, None, None, None
    )  # fmt: skip


def test_change_and_latest_period(vis: duckdb.DuckDBPyConnection) -> None:
    row = jamf(vis, "M1", "25")
    assert (row["varde_foregaende"], row["foregaende_period_slut_datum"]) == (
        pytest.approx(0.6),
        date(2019, 12, 31),
    )
    assert row["varde_forandring"] == pytest.approx(0.1)
    assert row["p_varde_forandring"] == pytest.approx(p_norm(z_two(70, 100, 60, 100)), abs=1e-6)  # ≈ 0,136
    assert (row["basar"], row["varde_forsta"], row["varde_forandring_sedan_forsta"]) == (
        2019, pytest.approx(0.6), pytest.approx(0.1)
    )  # fmt: skip
    # the full year 2020 is the latest period, not its second half
    assert row["senaste_period"] is True
    assert jamf(vis, "M1", "25", start=H2[0], slut=H2[1])["senaste_period"] is False
    assert jamf(vis, "M1", "25", start=P19[0], slut=P19[1])["senaste_period"] is False
    prio = vis.sql(
        "SELECT period_start, period_slut, q_varde_forandring, forandring_kod FROM out_vis__prioritering "
        "WHERE matt_id = 'M1'"
    ).fetchall()
    assert prio == [(P[0], P[1], pytest.approx(p_norm(z_two(70, 100, 60, 100)), abs=1e-6), "oforandrad")]
    assert vis.sql("SELECT forandring_kod FROM out_vis__prioritering WHERE matt_id = 'M4'").fetchall() == [
        ("ej_testad",)
    ]


def test_geographic_gaps_within_the_county(vis: duckdb.DuckDBPyConnection) -> None:
    rel = vis.sql(
        "SELECT enhet, varde, varde_lan, varde_ovriga_lanet, varde_skillnad_onskad_riktning, p_varde, q_varde, "
        "jamforelse_lan_kod, varde_spridning, rang_geografisk_skillnad "
        "FROM out_vis__gap_geografi WHERE matt_id = 'M1' AND period_slut = DATE '2020-12-31' "
        "AND period_start = DATE '2020-01-01'"
    )
    rows = {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}
    sun, kal = rows["Sunderby sjukhus"], rows["Kalix sjukhus"]
    # each hospital against the rest of the county (the other hospital), not against the county
    assert (sun["varde"], sun["varde_lan"], sun["varde_ovriga_lanet"]) == pytest.approx((50 / 60, 0.7, 0.5))
    assert (kal["varde_ovriga_lanet"], kal["varde_skillnad_onskad_riktning"]) == pytest.approx(
        (50 / 60, 0.5 - 50 / 60)
    )
    p = p_norm(z_two(50, 60, 20, 40))  # ≈ 0,0003, the same for both
    assert (sun["p_varde"], kal["p_varde"], sun["q_varde"], kal["q_varde"]) == pytest.approx(
        (p, p, p, p), abs=1e-6
    )
    assert (sun["jamforelse_lan_kod"], kal["jamforelse_lan_kod"]) == ("battre", "samre")
    assert kal["varde_spridning"] == pytest.approx(50 / 60 - 0.5)  # largest minus smallest unit
    # relative gaps 0,33/0,5 = 0,67 and 0,33/0,83 = 0,4
    assert (sun["rang_geografisk_skillnad"], kal["rang_geografisk_skillnad"]) == (1, 2)


def test_ranked_lists(vis: duckdb.DuckDBPyConnection) -> None:
    rel = vis.sql("SELECT * FROM out_vis__prioritering WHERE region_kod = '25'")
    rows = {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}
    # M1: the only proportion with a patient potential; worse than riket by 0,1 / 0,8 = 12,5 %
    assert (rows["M1"]["rang_forbattringspotential"], rows["M1"]["rang_kvalitetsproblem"]) == (1, 2)
    # M2: worse by 5 / 30 = 16,7 % (a mean: no patient potential)
    assert (rows["M2"]["rang_forbattringspotential"], rows["M2"]["rang_kvalitetsproblem"]) == (None, 1)
    assert rows["M3"]["rang_kvalitetsproblem"] is None  # better than riket
    # spread between regions: M1 0,9 − 0,7 = 0,2 (0,25 of riket), M2 35 − 25 = 10 (0,33 of riket)
    assert (rows["M1"]["varde_spridning_regioner"], rows["M1"]["spridning_regioner_rel"]) == pytest.approx(
        (0.2, 0.25)
    )
    assert (rows["M2"]["varde_spridning_regioner"], rows["M2"]["spridning_regioner_rel"]) == pytest.approx(
        (10, 1 / 3)
    )
    assert (rows["M1"]["antal_regioner_battre"], rows["M1"]["antal_regioner_samre"]) == (1, 1)
    assert (rows["M2"]["antal_regioner_battre"], rows["M2"]["antal_regioner_samre"]) == (1, 1)
    # two deviating regions each (tie broken by the larger relative spread), M3 one, M4 none
    assert [rows[m]["rang_spridning"] for m in ("M2", "M1", "M3", "M4")] == [1, 2, 3, 4]


def test_npo_overview_counts(vis: duckdb.DuckDBPyConnection) -> None:
    rel = vis.sql("SELECT * FROM out_vis__npo_oversikt")
    rows = {r[0]: dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()}
    assert set(rows) == {"Hjärta", "Cancer", "Infektion", "Alla"}
    alla = rows["Alla"]
    assert (alla["antal_indikatorer"], alla["antal_testade"], alla["antal_battre"], alla["antal_samre"],
            alla["antal_ingen_skillnad"], alla["antal_ej_testade"]) == (4, 3, 1, 2, 0, 1)  # fmt: skip
    assert (alla["antal_kon_testade"], alla["antal_kon_signifikanta"]) == (1, 1)
    assert (alla["antal_oforandrade"], alla["antal_forandring_ej_testade"]) == (1, 3)
    hj = rows["Hjärta"]
    assert (hj["antal_enhetsjamforelser"], hj["antal_enheter_battre"], hj["antal_enheter_samre"]) == (2, 1, 1)
    assert (
        rows["Cancer"]["antal_indikatorer"],
        rows["Cancer"]["antal_samre"],
        rows["Cancer"]["antal_ej_testade"],
    ) == (2, 1, 1)


def test_a_small_cell_is_never_another_rows_best_or_worst(vis: duckdb.DuckDBPyConnection) -> None:
    vis.execute(
        "UPDATE core_vis__resultat SET taljare = 4, andel = 0.04 WHERE matt_id = 'M1' AND region_kod = '23' "
        "AND period_start = DATE '2020-01-01' AND period_slut = DATE '2020-12-31'"
    )
    warehouse.build_table(vis, "out_vis__jamforelse", {"lan": "25", "minsta_antal_visas": 5})
    row = jamf(vis, "M1", "25")
    # 4 of 100 in region 23 is the worst value, but it would be hidden at freeze: 0,7 is the worst shown
    assert (row["varde_basta"], row["varde_samsta"]) == pytest.approx((0.9, 0.7))
    assert jamf(vis, "M1", "23")["rang"] == 3
