"""out_kpp__kontakter: the ytterfall limit and flag under each rule, against hand-computed values."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar

KONTAKTER_DDL = """
CREATE OR REPLACE TABLE core_kpp__kontakter (
    region_kod VARCHAR, vardkontakt_id VARCHAR, patient_id VARCHAR, ar INTEGER, manad INTEGER,
    sjukhus VARCHAR, klinik VARCHAR, vardform VARCHAR, vardtyp VARCHAR, kon VARCHAR, alder INTEGER,
    huvuddiagnos VARCHAR, drg VARCHAR, vardtid_dagar INTEGER, kostnad DOUBLE, kalla_fil VARCHAR,
    kalla_rad BIGINT)
"""
RIKET_DDL = """
CREATE OR REPLACE TABLE core_kpp__riket (
    ar INTEGER, drg VARCHAR, vardform VARCHAR, aldersgrupp VARCHAR, kon VARCHAR, region_kod VARCHAR,
    jamforelsegrupp VARCHAR,
    antal_kontakter BIGINT, antal_ytterfall BIGINT, kostnad DOUBLE, kostnad_ytterfall DOUBLE,
    drg_poang DOUBLE, kalla_fil VARCHAR, kalla_rad BIGINT)
"""
VIKTER_DDL = """
CREATE OR REPLACE TABLE core_drg__vikter (
    ar INTEGER, drg VARCHAR, drg_text VARCHAR, mdc VARCHAR, vardform VARCHAR, vikt DOUBLE,
    kostnadsgrans DOUBLE, kalla_fil VARCHAR, kalla_rad BIGINT)
"""


def kontakt(i: str, drg: str, vardform: str, kostnad: float, vardtid: int = 0, alder: int = 50,
            kon: str = "K", manad: int = 1, diagnos: str = "I21.4") -> tuple:  # fmt: skip
    return ("25", i, f"P{i}", 2020, manad, "SUN", "Medicin", vardform, "somatisk", kon, alder, diagnos, drg,
            vardtid, kostnad, "f.csv", 1)  # fmt: skip


def fixture_rows() -> list[tuple]:
    rows = []
    # A01, slutenvård, 20 contacts costing 1 000 … 20 000, vårdtid 1 … 20 days except #5: 40 days
    for n in range(1, 21):
        rows.append(kontakt(f"a{n:02d}", "A01", "sluten", n * 1000.0, 40 if n == 5 else n, alder=40 + n))
    # B02, öppenvård, 10 contacts costing 100 … 1 000 (too few for a DRG's own percentile)
    for n in range(1, 11):
        rows.append(kontakt(f"b{n:02d}", "B02", "oppen", n * 100.0, manad=7, diagnos="C50.9"))
    # C03, slutenvård, Socialstyrelsen's limit 5 000 supplied
    for n, cost in enumerate([1000.0, 2000.0, 6000.0, 7000.0, 4000.0], start=1):
        rows.append(kontakt(f"c{n}", "C03", "sluten", cost, 3, alder=90, kon="M", manad=12))
    return rows


@pytest.fixture
def kpp(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(KONTAKTER_DDL)
    con.executemany(f"INSERT INTO core_kpp__kontakter VALUES ({', '.join(['?'] * 17)})", fixture_rows())
    con.execute(RIKET_DDL)  # empty: no national data unless a test adds them
    con.execute(VIKTER_DDL)
    con.executemany(
        "INSERT INTO core_drg__vikter VALUES (?, ?, ?, ?, ?, ?, ?, 'v.csv', 1)",
        [
            (2020, "A01", "Hjärtinfarkt", "05", "sluten", 1.5, None),
            (2020, "B02", "Bröstcancer, öppen", "09", "oppen", 0.2, None),
            (2020, "C03", "Höftfraktur", "08", "sluten", 2.0, 5000.0),
        ],
    )
    return con


def build(con: duckdb.DuckDBPyConnection, **changes: object) -> dict[str, dict]:
    params = {"lan": "25", **replace(Parametrar(), **changes).as_sql_params()}  # type: ignore[arg-type]
    warehouse.build_table(con, "out_kpp__ytterfallsgranser", params)
    warehouse.build_table(con, "out_kpp__kontakter", params)
    rel = con.sql("SELECT * FROM out_kpp__kontakter")
    return {row[0]: dict(zip(rel.columns, row, strict=True)) for row in rel.fetchall()}


def flagged(rows: dict[str, dict]) -> set[str]:
    return {k for k, r in rows.items() if r["ytterfall"]}


def test_default_rule_uses_socialstyrelsen_then_percentiles(kpp: duckdb.DuckDBPyConnection) -> None:
    rows = build(kpp)
    assert len(rows) == 35
    # A01: 95th percentile of 1 000 … 20 000 (continuous): 19 000 + 0.05 × 1 000
    assert rows["a01"]["ytterfallsgrans_kr"] == pytest.approx(19050.0)
    assert rows["a01"]["ytterfallsgrans_metod"] == "percentil_drg"
    # B02 has 10 < 20 contacts: the 97th percentile over all öppenvård 2020: 900 + 0.73 × 100
    assert rows["b01"]["ytterfallsgrans_kr"] == pytest.approx(973.0)
    assert rows["b01"]["ytterfallsgrans_metod"] == "percentil_vardform"
    assert rows["c1"]["ytterfallsgrans_kr"] == 5000.0
    assert rows["c1"]["ytterfallsgrans_metod"] == "socialstyrelsen"
    assert flagged(rows) == {"a20", "b10", "c3", "c4"}


def test_enrichment(kpp: duckdb.DuckDBPyConnection) -> None:
    rows = build(kpp)
    a = rows["a05"]
    assert (a["mdc"], a["drg_poang"], a["diagnoskapitel"], a["kvartal"]) == ("05", 1.5, "IX", 1)
    assert (a["alder"], a["aldersgrupp"], a["aldersband"], a["kpp_aldersgrupp"]) == (
        45,
        "0-64",
        "40-49",
        "45-64",
    )
    c = rows["c1"]
    assert (c["aldersgrupp"], c["aldersband"], c["kpp_aldersgrupp"], c["kvartal"]) == ("65+", "90+", "80+", 4)
    assert rows["b01"]["diagnoskapitel"] == "II"


def test_vardtid_rule(kpp: duckdb.DuckDBPyConnection) -> None:
    rows = build(kpp, ytterfall_regel="vardtid")
    # A01 vårdtid sorted: 1-4, 6-20, 40 → Q1 = 6.75, Q3 = 16.25, limit = 16.25 + 2 × 9.5 = 35.25
    assert rows["a01"]["vardtidsgrans_dagar"] == pytest.approx(35.25)
    assert rows["a01"]["ytterfallsgrans_kr"] is None  # no cost limit under the vårdtid rule
    assert rows["a01"]["ytterfallsgrans_metod"] == "vardtid"
    assert rows["b01"]["vardtidsgrans_dagar"] is None  # no vårdtid rule in öppenvård
    assert flagged(rows) == {"a05"}
    rows = build(kpp, ytterfall_regel="vardtid", ytterfall_vardtid_k=1.5)
    assert rows["a01"]["vardtidsgrans_dagar"] == pytest.approx(16.25 + 1.5 * 9.5)


def test_combined_percentile_and_whole_material_rules(kpp: duckdb.DuckDBPyConnection) -> None:
    rows = build(kpp, ytterfall_regel="kombinerad")
    assert flagged(rows) == {"a20", "b10", "c3", "c4", "a05"}
    assert (rows["a01"]["ytterfallsgrans_kr"], rows["a01"]["vardtidsgrans_dagar"]) == pytest.approx(
        (19050.0, 35.25)
    )
    assert rows["a01"]["ytterfallsgrans_metod"] == "percentil_drg+vardtid"
    assert rows["c1"]["vardtidsgrans_dagar"] is not None
    rows = build(kpp, ytterfall_regel="percentil")
    # C03 (5 contacts) ignores Socialstyrelsen's limit and falls back to the slutenvård-wide 95th
    # percentile over 25 costs: sorted 1k,1k,2k,2k,3k,4k,4k,5k,6k,6k,7k,7k,8k … 20k; position
    # 24 × 0.95 = 22.8 lies between index 22 (18 000) and 23 (19 000) → 18 800
    assert rows["c1"]["ytterfallsgrans_kr"] == pytest.approx(18800.0)
    assert rows["c1"]["ytterfallsgrans_metod"] == "percentil_vardform"
    assert flagged(rows) == {"a20", "b10"}  # A01 keeps its own limit 19 050
    rows = build(kpp, ytterfall_regel="helmaterial")
    assert rows["a01"]["ytterfallsgrans_kr"] == pytest.approx(18800.0)
    assert flagged(rows) == {"a19", "a20", "b10"}
    rows = build(kpp, ytterfall_andel_sluten=0.10, ytterfall_minsta_antal=5)
    # A01 90th percentile: 18 000 + 0.1 × 1 000; B02 now uses its own 97th percentile (973)
    assert rows["a01"]["ytterfallsgrans_kr"] == pytest.approx(18100.0)
    assert flagged(rows) == {"a19", "a20", "b10", "c3", "c4"}


def test_limit_from_riket_where_the_weight_list_has_none(kpp: duckdb.DuckDBPyConnection) -> None:
    # riket (region 00, all hospitals): C03 (limit 5 000) costs 2 500 per contact on average → the
    # slutenvård ratio limit / riket's mean is 2,0; A01 costs 9 000 on average in riket → limit 18 000,
    # from riket's costs, not the county's own 95th percentile (19 050). B02 is öppenvård, where no DRG
    # has both a published limit and riket data: it keeps the percentile rule.
    kpp.executemany(
        f"INSERT INTO core_kpp__riket VALUES ({', '.join(['?'] * 12)}, 'r.csv', 1)",
        [
            (2020, "C03", "sluten", "65-79", "K", "00", "alla", 4, 0, 10_000.0, 0.0, 8.0),
            (2020, "C03", "sluten", "80+", "M", "00", "alla", 6, 1, 15_000.0, 6_000.0, 12.0),
            (2020, "A01", "sluten", "45-64", "K", "00", "alla", 100, 5, 900_000.0, 90_000.0, 150.0),
            (
                2020,
                "A01",
                "sluten",
                "45-64",
                "K",
                "00",
                "lanssjukhus",
                10,
                0,
                10.0,
                0.0,
                15.0,
            ),  # a group: not used
            (
                2020,
                "A01",
                "sluten",
                "45-64",
                "K",
                "24",
                "alla",
                10,
                0,
                1_000_000.0,
                0.0,
                15.0,
            ),  # a region: not used
            (2020, "B02", "oppen", "45-64", "K", "00", "alla", 10, 0, 5_000.0, 0.0, 2.0),
        ],
    )
    rows = build(kpp)
    assert rows["a01"]["ytterfallsgrans_kr"] == pytest.approx(18_000.0)
    assert rows["a01"]["ytterfallsgrans_metod"] == "riket_kvot"
    assert rows["c1"]["ytterfallsgrans_metod"] == "socialstyrelsen"
    assert rows["b01"]["ytterfallsgrans_metod"] == "percentil_vardform"
    assert flagged(rows) == {"a19", "a20", "b10", "c3", "c4"}
    # the percentile rule stays the county's own, by choice
    assert build(kpp, ytterfall_regel="percentil")["a01"]["ytterfallsgrans_kr"] == pytest.approx(19050.0)
    # the combined rule takes the same cost limit
    assert build(kpp, ytterfall_regel="kombinerad")["a01"]["ytterfallsgrans_metod"] == "riket_kvot+vardtid"
