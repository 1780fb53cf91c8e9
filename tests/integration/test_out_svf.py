"""SVF pathways and lead times (out_svf__forlopp, out_svf__ledtider) against hand-computed values."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar

TYP = {"10": "valgrundad_misstanke", "50": "behandlingsstart", "52": "behandlingsstart", "70": "avslut",
       "40": "diagnosbesked"}  # fmt: skip
BEH = {"50": "kirurgi", "52": "lakemedel"}


def event(patient: str, kon: str, kod: str, datum: date, svf: str = "VC0", region: str = "25") -> tuple:
    h = kod[-2:]
    return (patient, kon, 70, "2580", region, "SUN", svf, h, kod, datum, datum.year, TYP[h], BEH.get(h))


def events() -> list[tuple]:
    d = date(2020, 3, 1)
    rows = []
    # six VC0 patients treated by kirurgi (max 30 days) in 2020 with lead times 10, 20, 30, 31, 40, 50
    for i, (kon, days) in enumerate([("K", 10), ("K", 20), ("M", 30), ("M", 31), ("K", 40), ("M", 50)]):
        rows += [event(f"p{i}", kon, "VC010", d), event(f"p{i}", kon, "VC040", d + timedelta(3)),
                 event(f"p{i}", kon, "VC050", d + timedelta(days))]  # fmt: skip
    # p9: two pathways — ended before treatment in 2019, then treated by läkemedel (max 20) 15 days after a new start
    rows += [event("p9", "K", "VC010", date(2019, 1, 1)), event("p9", "K", "VC070", date(2019, 2, 1)),
             event("p9", "K", "VC010", date(2020, 5, 1)), event("p9", "K", "VC052", date(2020, 5, 16)),
             event("p9", "K", "VC050", date(2020, 6, 30))]  # fmt: skip
    rows.append(event("p10", "M", "VC050", date(2020, 1, 1)))  # a start without xx10: ignored
    rows.append(event("p11", "M", "VC010", date(2020, 12, 1)))  # still ongoing
    rows.append(event("x1", "K", "VC010", date(2020, 1, 1), region="24"))  # another county's patient
    return rows


@pytest.fixture
def svf(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE core_svf__handelser (patient_id VARCHAR, kon VARCHAR, alder INTEGER, kommun_kod VARCHAR, "
        "region_kod VARCHAR, sjukhus VARCHAR, svf VARCHAR, handelsekod VARCHAR, kva_kod VARCHAR, datum DATE, "
        "ar INTEGER, handelsetyp VARCHAR, behandlingstyp VARCHAR)"
    )
    con.executemany(f"INSERT INTO core_svf__handelser VALUES ({', '.join(['?'] * 13)})", events())
    con.execute(
        "CREATE TABLE core_svf__maxledtider AS SELECT * FROM (VALUES ('VC0', 'Lungcancer', 'kirurgi', 30, 0.8), "
        "('VC0', 'Lungcancer', 'lakemedel', 20, 0.8)) t(svf, svf_namn, behandlingstyp, max_ledtid_dagar, nationellt_mal)"
    )
    con.execute(
        "CREATE TABLE core_svf__aggregat AS SELECT * FROM (VALUES "
        "('VC0', '00', 2020, 'ar', 1000, 600, 28.0, false), ('VC0', '00', 2019, 'ar', 900, 500, 30.0, false), "
        "('VC0', '24', 2020, 'ar', 40, 30, 25.0, false), ('VC0', '23', 2020, 'ar', NULL, NULL, NULL, true), "
        "('VC0', '25', 2020, 'ar', 99, 99, 1.0, false), ('VC0', '25', 2019, 'ar', 8, 6, 20.0, false)) "
        "t(svf, region_kod, ar, periodtyp, antal, antal_inom_maxledtid, median_ledtid, undertryckt)"
    )
    params = {"lan": "25", **Parametrar().as_sql_params()}
    warehouse.build_table(con, "out_svf__forlopp", params)
    warehouse.build_table(con, "out_svf__ledtider", params)
    return con


def test_pathways(svf: duckdb.DuckDBPyConnection) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in svf.sql(
            "SELECT patient_id, forlopp_nr, utfall, behandlingstyp, ledtid_dagar, max_ledtid_dagar, inom_maxledtid, ar "
            "FROM out_svf__forlopp"
        ).fetchall()
    }
    assert rows[("p0", 1)] == ("behandling", "kirurgi", 10, 30, True, 2020)
    assert rows[("p3", 1)] == ("behandling", "kirurgi", 31, 30, False, 2020)
    assert rows[("p9", 1)] == ("avslutat_fore_behandling", None, None, None, None, 2019)
    assert rows[("p9", 2)] == ("behandling", "lakemedel", 15, 20, True, 2020)  # the first start counts
    assert rows[("p11", 1)][0] == "pagaende"
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
    # 7 treated in 2020: lead times 10, 20, 30, 31, 40, 50 (kirurgi, max 30) and 15 (läkemedel, max 20)
    assert (row["dataniva"], row["antal_patienter"], row["antal_inom_maxledtid"]) == ("patientniva", 7, 4)
    assert row["andel_inom_maxledtid"] == pytest.approx(4 / 7)
    assert row["median_ledtid_dagar"] == 30.0
    assert row["andel_nationellt_mal"] == 0.8
    assert row["skillnad_mot_mal_pe"] == pytest.approx(4 / 7 - 0.8)
    assert row["andel_riket"] == pytest.approx(0.6)
    assert row["skillnad_mot_riket_pe"] == pytest.approx(4 / 7 - 0.6)
    # 2019 comes from the aggregate delivery (no treated pathway in the events that year): the baseline
    assert row["basar"] == 2019
    assert row["andel_basar"] == pytest.approx(6 / 8)
    assert row["forandring_sedan_basar_pe"] == pytest.approx(4 / 7 - 6 / 8)
    assert ledtid(svf, "25", 2019)["dataniva"] == "aggregat"
    women = ledtid(svf, "25", 2020, "K")  # p0 (10), p1 (20), p4 (40), p9 (15): 3 of 4 within
    assert women["undertryckt"] and women["antal_patienter"] is None and women["andel_inom_maxledtid"] is None
    men = ledtid(svf, "25", 2020, "M")  # p2, p3, p5: 3 patients < 5 → nothing shown
    assert men["undertryckt"]
    assert ledtid(svf, "25", 2020, svf="alla")["antal_patienter"] == 7


def test_other_regions_and_suppression(svf: duckdb.DuckDBPyConnection) -> None:
    assert ledtid(svf, "24", 2020)["andel_inom_maxledtid"] == pytest.approx(0.75)
    suppressed = ledtid(svf, "23", 2020)
    assert suppressed["undertryckt"] and suppressed["antal_patienter"] is None
    riket = ledtid(svf, "00", 2020)
    assert (riket["antal_patienter"], riket["median_ledtid_dagar"], riket["skillnad_mot_riket_pe"]) == (
        1000,
        28.0,
        0.0,
    )
    assert ledtid(svf, "00", 2020, svf="alla")["median_ledtid_dagar"] is None  # unknown from aggregates


def test_baseline_year_is_a_parameter(svf: duckdb.DuckDBPyConnection) -> None:
    params = {"lan": "25", **replace(Parametrar(), svf_basar=2020, minsta_antal_visas=3).as_sql_params()}
    warehouse.build_table(svf, "out_svf__ledtider", params)
    row = ledtid(svf, "25", 2020, "M")  # 3 men: shown when the threshold is 3
    assert (
        row["antal_patienter"],
        row["antal_inom_maxledtid"],
        row["basar"],
        row["forandring_sedan_basar_pe"],
    ) == (
        3,
        1,
        2020,
        0.0,
    )
