"""SVF pathways and lead times (out_svf__leveransar, out_svf__forlopp, out_svf__ledtider,
out_svf__ledtider_grupper) against hand-computed values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import publish, warehouse
from pipelines.parametrar import Parametrar

TYP = {"10": "valgrundad_misstanke", "50": "behandlingsstart", "52": "behandlingsstart", "70": "avslut",
       "40": "diagnosbesked"}  # fmt: skip
BEH = {"50": "kirurgi", "52": "lakemedel"}


def event(
    patient: str, kon: str, kod: str, datum: date, svf: str = "VC0", region: str = "25", alder: int = 70
) -> tuple:
    h = kod[-2:]
    return (patient, kon, alder, "2580", region, "SUN", svf, h, kod, datum, datum.year, TYP[h], BEH.get(h))


def events() -> list[tuple]:
    d = date(2020, 3, 1)
    rows = []
    # six VC0 patients treated by kirurgi (max 30 days), started 2020-03-01, lead times 10 … 50
    for i, (kon, days, alder) in enumerate(
        [("K", 10, 50), ("K", 20, 60), ("M", 30, 70), ("M", 31, 75), ("K", 40, 85), ("M", 50, 90)]
    ):
        rows += [event(f"p{i}", kon, "VC010", d, alder=alder), event(f"p{i}", kon, "VC040", d + timedelta(3)),
                 event(f"p{i}", kon, "VC050", d + timedelta(days), alder=alder)]  # fmt: skip
    # p9: two pathways — ended before treatment in 2019, then treated by läkemedel (max 20) 15 days after a new start
    rows += [event("p9", "K", "VC010", date(2019, 1, 1)), event("p9", "K", "VC070", date(2019, 2, 1)),
             event("p9", "K", "VC010", date(2020, 5, 1), alder=66), event("p9", "K", "VC052", date(2020, 5, 16)),
             event("p9", "K", "VC050", date(2020, 6, 30))]  # fmt: skip
    rows.append(event("p10", "M", "VC050", date(2020, 1, 1)))  # a start without xx10: ignored
    rows.append(event("p11", "M", "VC010", date(2020, 12, 1)))  # still ongoing
    rows += [
        event("p12", "K", "VC010", date(2020, 1, 15), alder=45),
        event("p12", "K", "VC050", date(2020, 2, 14)),
    ]
    # p14 started in December 2020 and was treated in January 2021: it belongs to 2020, the year it started
    rows += [
        event("p14", "M", "VC010", date(2020, 12, 20), alder=80),
        event("p14", "M", "VC050", date(2021, 1, 10)),
    ]
    rows.append(event("p13", "K", "VC010", date(2021, 2, 10)))  # 2021: the delivery ends in February
    rows.append(event("x1", "K", "VC010", date(2020, 1, 1), region="24"))  # another county's patient
    return rows


def load(con: duckdb.DuckDBPyConnection, rows: list[tuple], params: Parametrar | None = None) -> None:
    con.execute("DROP TABLE IF EXISTS core_svf__handelser")
    con.execute(
        "CREATE TABLE core_svf__handelser (patient_id VARCHAR, kon VARCHAR, alder INTEGER, kommun_kod VARCHAR, "
        "region_kod VARCHAR, sjukhus VARCHAR, svf VARCHAR, handelsekod VARCHAR, kva_kod VARCHAR, datum DATE, "
        "ar INTEGER, handelsetyp VARCHAR, behandlingstyp VARCHAR)"
    )
    con.executemany(f"INSERT INTO core_svf__handelser VALUES ({', '.join(['?'] * 13)})", rows)
    sql_params = {"lan": "25", **(params or Parametrar()).as_sql_params()}
    for table in (
        "out_svf__leveransar",
        "out_svf__forlopp",
        "out_svf__ledtider",
        "out_svf__ledtider_grupper",
    ):
        warehouse.build_table(con, table, sql_params)


@pytest.fixture
def svf(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE core_svf__maxledtider AS SELECT * FROM (VALUES ('VC0', 'Lungcancer', 'kirurgi', 30, 0.8), "
        "('VC0', 'Lungcancer', 'lakemedel', 20, 0.8), ('VG9', 'Bröstcancer', 'kirurgi', 28, 0.8)) "
        "t(svf, svf_namn, behandlingstyp, max_ledtid_dagar, nationellt_mal)"
    )
    con.execute(
        "CREATE TABLE core_svf__aggregat AS SELECT * FROM (VALUES "
        "('VC0', '00', 2020, 'ar', 1000, 600, 28.0, false), ('VC0', '00', 2019, 'ar', 900, 500, 30.0, false), "
        "('VC0', '24', 2020, 'ar', 40, 30, 25.0, false), ('VG9', '24', 2020, 'ar', 10, 9, 20.0, false), "
        "('VC0', '23', 2020, 'ar', NULL, NULL, NULL, true), ('VG9', '23', 2020, 'ar', 20, 10, 30.0, false), "
        "('VC0', '25', 2020, 'ar', 99, 99, 1.0, false), ('VC0', '25', 2019, 'ar', 8, 6, 20.0, false)) "
        "t(svf, region_kod, ar, periodtyp, antal, antal_inom_maxledtid, median_ledtid, undertryckt)"
    )
    load(con, events())
    return con


def test_a_year_is_complete_only_when_january_to_december_and_the_follow_up_are_delivered(
    svf: duckdb.DuckDBPyConnection,
) -> None:
    rows = {
        r[0]: r[1:]
        for r in svf.sql("SELECT ar, uppfoljning_till_datum, ar_komplett FROM out_svf__leveransar").fetchall()
    }
    # 2019: only a January start; 2021: only a February start; 2020: January–December, and the delivery
    # (last event 2021-02-10) reaches 31 December 2020 + the longest maximum lead time (30 days)
    assert rows == {
        2019: (date(2020, 1, 30), False),
        2020: (date(2021, 1, 30), True),
        2021: (date(2022, 1, 30), False),
    }
    # without p13 the delivery ends 2021-01-10, before 2021-01-30: 2020 is not complete either
    load(svf, [r for r in events() if r[0] != "p13"])
    assert svf.sql("SELECT ar_komplett FROM out_svf__leveransar WHERE ar = 2020").fetchall() == [(False,)]
    # … and the county's 2020 then comes from the aggregate delivery (99 of 99), never from the incomplete year
    assert ledtid(svf, "25", 2020)["dataniva"] == "aggregat"
    assert ledtid(svf, "25", 2020)["antal_patienter"] == 99


def test_pathways(svf: duckdb.DuckDBPyConnection) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in svf.sql(
            "SELECT patient_id, forlopp_nr, utfall, behandlingstyp, ledtid_dagar, max_ledtid_dagar, inom_maxledtid, ar, "
            "ar_komplett FROM out_svf__forlopp"
        ).fetchall()
    }
    assert rows[("p0", 1)] == ("behandling", "kirurgi", 10, 30, True, 2020, True)
    assert rows[("p3", 1)] == ("behandling", "kirurgi", 31, 30, False, 2020, True)
    assert rows[("p9", 1)] == ("avslutat_fore_behandling", None, None, None, None, 2019, False)
    assert rows[("p9", 2)] == ("behandling", "lakemedel", 15, 20, True, 2020, True)  # the first start counts
    assert rows[("p14", 1)] == ("behandling", "kirurgi", 21, 30, True, 2020, True)  # dated by its start
    assert rows[("p11", 1)][0] == "pagaende"
    assert rows[("p13", 1)][-2:] == (2021, False)
    assert not any(p in ("p10", "x1") for p, _ in rows)


def ledtid(con: duckdb.DuckDBPyConnection, region: str, ar: int, kon: str = "alla", svf: str = "VC0") -> dict:
    rel = con.sql(
        "SELECT * FROM out_svf__ledtider WHERE svf = $s AND region_kod = $r AND ar = $a AND kon = $k",
        params={"s": svf, "r": region, "a": ar, "k": kon},
    )
    rows = rel.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(rel.columns, rows[0], strict=True))


def test_county_lead_times_against_target_and_riket(svf: duckdb.DuckDBPyConnection) -> None:
    row = ledtid(svf, "25", 2020)
    # 9 started in 2020 and were treated: 10, 20, 30, 31, 40, 50 (kirurgi, max 30), p9 15 (läkemedel, max 20),
    # p12 30 and p14 21 (kirurgi): 6 within the maximum
    assert (row["svf_namn"], row["dataniva"], row["antal_patienter"], row["antal_inom_maxledtid"]) == (
        "Lungcancer",
        "patientniva",
        9,
        6,
    )
    assert row["andel_inom_maxledtid"] == pytest.approx(6 / 9)
    # Wilson 95 %: (p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n), p = 2/3, n = 9, z = 1,96
    assert row["ki_lag"] == pytest.approx(0.3542, abs=1e-4)
    assert row["ki_hog"] == pytest.approx(0.8794, abs=1e-4)
    # median of 10 15 20 21 30 30 31 40 50 = 30; order-statistic ranks round(4,5 − 2,94) = 2 and round(1 + 4,5 + 2,94) = 8
    assert (row["median_ledtid_dagar"], row["median_ki_lag_dagar"], row["median_ki_hog_dagar"]) == (
        30.0,
        15.0,
        40.0,
    )
    assert row["andel_nationellt_mal"] == 0.8
    assert row["skillnad_mot_mal_pe"] == pytest.approx(6 / 9 - 0.8)
    assert (row["andel_riket"], row["median_ledtid_riket_dagar"]) == (pytest.approx(0.6), 28.0)
    # the county's own share in the delivery riket comes from: 99 of 99 (a like-for-like check)
    assert row["andel_publicerad"] == 1.0
    assert ledtid(svf, "25", 2020, "K")["andel_publicerad"] is None  # the delivery has no kön
    assert row["skillnad_mot_riket_pe"] == pytest.approx(6 / 9 - 0.6)
    assert (row["riktning_mot_mal_kod"], row["riktning_mot_riket_kod"]) == ("lagre", "hogre")
    # one SVF with a value for the county in 2020: no correction; 0.6 and 0.8 both lie inside 0.354–0.879
    assert (row["antal_jamforelser"], row["signifikant_mot_mal"], row["signifikant_mot_riket"]) == (
        1,
        False,
        False,
    )
    # the baseline is the first complete year of patient-level data, 2020, for every region and kön
    assert (row["basar"], row["forandring_sedan_basar_pe"], row["riktning_sedan_basar_kod"]) == (
        2020,
        0.0,
        "oforandrad",
    )
    # 2019 is incomplete in the events: the county's 2019 comes from the aggregate delivery (6 of 8)
    earlier = ledtid(svf, "25", 2019)
    assert (earlier["dataniva"], earlier["antal_patienter"], earlier["basar"]) == ("aggregat", 8, 2020)
    assert earlier["forandring_sedan_basar_pe"] == pytest.approx(6 / 8 - 6 / 9)
    assert earlier["riktning_sedan_basar_kod"] == "okade"  # 2019 against the 2020 baseline
    women = ledtid(svf, "25", 2020, "K")  # p0 (10), p1 (20), p4 (40), p9 (15), p12 (30): 4 of 5 within
    assert (women["antal_patienter"], women["antal_inom_maxledtid"], women["undertryckt"]) == (5, 4, False)
    men = ledtid(svf, "25", 2020, "M")  # p2, p3, p5, p14: 4 patients < 5 → no measure shown
    # (the count itself is hidden when a report freezes the table: sql/schema.yml skydd)
    assert men["undertryckt"] and men["antal_patienter"] == 4 and men["andel_inom_maxledtid"] is None
    assert men["antal_inom_maxledtid"] is None
    assert men["ki_lag"] is None and men["median_ledtid_dagar"] is None
    assert ledtid(svf, "25", 2020, svf="alla")["antal_patienter"] == 9
    assert not svf.sql("SELECT * FROM out_svf__ledtider WHERE region_kod = '25' AND ar = 2021").fetchall()


def test_other_regions_suppression_and_the_all_svf_row(svf: duckdb.DuckDBPyConnection) -> None:
    other = ledtid(svf, "24", 2020)
    assert other["andel_inom_maxledtid"] == pytest.approx(0.75)
    assert other["median_ki_lag_dagar"] is None  # aggregates carry no interval for the median
    assert other["antal_jamforelser"] == 2  # VC0 and VG9: Bonferroni at 5 % / 2, z = 2,24
    # Wilson at z = 2,2414 for 30 of 40: 0.575–0.869, riket's 0.6 inside
    assert other["signifikant_mot_riket"] is False
    assert ledtid(svf, "24", 2020, svf="alla")["antal_patienter"] == 50  # 40 + 10, no SVF suppressed
    suppressed = ledtid(svf, "23", 2020)  # delivered as "<5": no count at all
    assert suppressed["undertryckt"] and suppressed["antal_patienter"] is None
    # region 23 has a suppressed SVF in 2020: no "alla SVF" row (a sum without it would be too low)
    assert not svf.sql("SELECT * FROM out_svf__ledtider WHERE svf = 'alla' AND region_kod = '23'").fetchall()
    riket = ledtid(svf, "00", 2020)
    assert (riket["antal_patienter"], riket["median_ledtid_dagar"], riket["skillnad_mot_riket_pe"]) == (
        1000,
        28.0,
        0.0,
    )
    # 600 of 1 000 against the target 0.8: far outside the interval; riket is not tested against itself
    assert (riket["signifikant_mot_mal"], riket["signifikant_mot_riket"]) == (True, None)
    assert ledtid(svf, "00", 2020, svf="alla")["median_ledtid_dagar"] is None  # unknown from aggregates


def test_baseline_year_is_a_parameter(svf: duckdb.DuckDBPyConnection) -> None:
    load(svf, events(), replace(Parametrar(), svf_basar=2019, minsta_antal_visas=3))
    row = ledtid(svf, "25", 2020, "M")  # 4 men (30, 31, 50, 21): shown when the threshold is 3
    assert (row["antal_patienter"], row["antal_inom_maxledtid"], row["basar"]) == (4, 2, 2019)
    alla = ledtid(svf, "25", 2020)
    assert alla["andel_basar"] == pytest.approx(6 / 8)  # the county's 2019 from the aggregates
    assert alla["forandring_sedan_basar_pe"] == pytest.approx(6 / 9 - 6 / 8)
    assert alla["riktning_sedan_basar_kod"] == "minskade"


def grupp(con: duckdb.DuckDBPyConnection, dimension: str, grupp: str, ar: int = 2020) -> dict:
    rel = con.sql(
        "SELECT * FROM out_svf__ledtider_grupper WHERE ar = $a AND dimension = $t AND grupp = $g",
        params={"a": ar, "t": dimension, "g": grupp},
    )
    rows = rel.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(rel.columns, rows[0], strict=True))


def test_groups_against_the_rest_of_the_county(svf: duckdb.DuckDBPyConnection) -> None:
    # at the default threshold 5: 5 women, but only 4 men — the men and (as their complement) the women hidden
    assert grupp(svf, "kon", "K")["undertryckt"] and grupp(svf, "kon", "M")["undertryckt"]
    load(svf, events(), replace(Parametrar(), minsta_antal_visas=3))
    women = grupp(svf, "kon", "K")  # 4 of 5 within, against the men's 2 of 4
    assert (women["grupp_namn"], women["antal_patienter"], women["andel_ovriga"]) == (
        "Kvinnor",
        5,
        pytest.approx(0.5),
    )
    assert women["skillnad_mot_ovriga_pe"] == pytest.approx(0.3)
    # pooled 6/9: z = 0,3 / √(6/9 · 3/9 · (1/5 + 1/4)) = 0,949 < 1,96 (two groups = one test)
    assert (women["antal_jamforelser"], women["signifikant"]) == (1, False)
    # ages 50, 60, 45 → 0-64: 3 of 3; 70, 75, 66 → 65-79: 2 of 3; 85, 90, 80 → 80+: 1 of 3
    young, middle, old = (grupp(svf, "aldersgrupp", g) for g in ("0-64", "65-79", "80+"))
    assert (young["antal_patienter"], young["antal_inom_maxledtid"], young["andel_ovriga"]) == (
        3,
        3,
        pytest.approx(3 / 6),
    )
    assert (middle["antal_inom_maxledtid"], old["antal_inom_maxledtid"]) == (2, 1)
    # 0-64 against the rest: z = 0,5 / √(6/9 · 3/9 · (1/3 + 1/6)) = 1,5 < z(0,025/3) = 2,39
    assert (young["antal_jamforelser"], young["signifikant"]) == (3, False)
    assert (old["rang"], middle["rang"], young["rang"]) == (1, 2, 3)
    # every patient lives in Luleå: no rest of the county to compare with, nothing shown
    lulea = grupp(svf, "kommun", "2580")
    assert (lulea["grupp_namn"], lulea["undertryckt"], lulea["andel_inom_maxledtid"]) == ("Luleå", True, None)


def test_freezing_hides_small_counts_and_their_complements(
    svf: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    publish.freeze_tables(svf, ["out_svf__ledtider", "out_svf__ledtider_grupper"], tmp_path, 5)
    frozen = pl.read_parquet(tmp_path / "out_svf__ledtider.parquet").filter(
        (pl.col("region_kod") == "25") & (pl.col("ar") == 2020)
    )
    shown = {(r["svf"], r["kon"]): (r["antal_patienter"], r["skyddad"]) for r in frozen.iter_rows(named=True)}
    # 4 men (primary), so the 5 women too (9 − 5 would give the men away), in VC0 and in "alla SVF"
    assert shown == {
        ("VC0", "alla"): (9, False), ("VC0", "K"): (None, True), ("VC0", "M"): (None, True),
        ("alla", "alla"): (9, False), ("alla", "K"): (None, True), ("alla", "M"): (None, True),
    }  # fmt: skip
    women = frozen.filter((pl.col("svf") == "VC0") & (pl.col("kon") == "K")).row(0, named=True)
    assert women["andel_inom_maxledtid"] is None and women["median_ledtid_dagar"] is None
    groups = pl.read_parquet(tmp_path / "out_svf__ledtider_grupper.parquet").filter(
        pl.col("dimension") == "kon"
    )
    assert groups["antal_patienter"].to_list() == [None, None]
