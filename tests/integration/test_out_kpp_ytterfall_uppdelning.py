"""out_kpp__ytterfall_uppdelning: the Kitagawa split of the county's excess ytterfall cost per contact,
against values computed by hand on a four-cell fixture (two DRGs × two age/kön groups)."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar
from tests.integration.test_out_kpp_kontakter import RIKET_DDL, kpp  # noqa: F401  (fixture)

# (drg, aldersgrupp, kon, region_kod, antal_kontakter, antal_ytterfall, kostnad_ytterfall); riket = "00"
# includes the county, as the national KPP database does
CELLER = [
    ("A01", "65-79", "K", "25", 10, 2, 1000.0),
    ("C03", "65-79", "K", "25", 10, 0, 0.0),
    ("A01", "18-44", "M", "25", 20, 1, 450.0),
    ("A01", "65-79", "K", "00", 40, 4, 2000.0),
    ("C03", "65-79", "K", "00", 30, 3, 600.0),
    ("A01", "18-44", "M", "00", 80, 3, 1050.0),
    ("C03", "18-44", "M", "00", 20, 1, 100.0),  # no such contacts in the county
]


def load_riket(con: duckdb.DuckDBPyConnection, celler: list[tuple]) -> None:
    con.execute(RIKET_DDL)
    con.executemany(
        "INSERT INTO core_kpp__riket VALUES (2020, ?, 'sluten', ?, ?, ?, 'alla', ?, ?, ?, ?, 0, 'r.csv', 1)",
        [(d, a, k, r, n, yf, kyf * 5, kyf) for d, a, k, r, n, yf, kyf in celler],
    )


def build(con: duckdb.DuckDBPyConnection) -> None:
    params = {"lan": "25", **Parametrar().as_sql_params()}
    warehouse.build_table(con, "out_kpp__ytterfallsgranser", params)
    warehouse.build_table(con, "out_kpp__kontakter", params)
    warehouse.build_table(con, "out_kpp__ytterfall_uppdelning", params)


def total(con: duckdb.DuckDBPyConnection, underlag: str = "kpp-databasen", vardform: str = "sluten") -> dict:
    rel = con.sql(
        "SELECT * FROM out_kpp__ytterfall_uppdelning WHERE ar = 2020 AND kostnadsunderlag_lan = $k "
        "AND vardform = $v "
        "AND drg = 'alla'",
        params={"k": underlag, "v": vardform},
    )
    rows = rel.fetchall()
    assert len(rows) == 1
    return dict(zip(rel.columns, rows[0], strict=True))


@pytest.fixture
def uppdelning(kpp: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:  # noqa: F811
    load_riket(kpp, CELLER)
    build(kpp)
    return kpp


def test_hand_computed_parts(uppdelning: duckdb.DuckDBPyConnection) -> None:
    t = total(uppdelning)
    # County: 40 contacts, 1 450 kr ytterfall cost → 36,25 kr per contact. Rest of riket (riket minus
    # the county, cell by cell): 30+20+60+20 = 130 contacts, 1 000+600+600+100 = 2 300 kr.
    assert t["referensomrade"] == "riket_utom_lanet"
    assert (t["antal_ytterfall_lan"], t["antal_ytterfall_jmf"]) == (3, 8)
    assert t["riktning"] == "hogre"
    assert (t["antal_kontakter_lan"], t["antal_kontakter_jmf"]) == (40, 130)
    assert t["ytterfallskostnad_per_kontakt_lan_kr"] == pytest.approx(36.25)
    assert t["ytterfallskostnad_per_kontakt_jmf_kr"] == pytest.approx(2300 / 130)
    assert t["skillnad_kr"] == pytest.approx(36.25 - 2300 / 130)
    # Groups: 65-79 K: county w = 20/40, Y = 50; rest w = 50/130, Y = 1 600/50 = 32.
    #         18-44 M: county w = 20/40, Y = 22,5; rest w = 80/130, Y = 700/80 = 8,75.
    alder_kon = (0.5 - 50 / 130) * (50 + 32) / 2 + (0.5 - 80 / 130) * (22.5 + 8.75) / 2
    assert t["del_alder_kon_kr"] == pytest.approx(alder_kon)  # 2,93 kr
    w1, w2 = (0.5 + 50 / 130) / 2, (0.5 + 80 / 130) / 2  # 23/52, 29/52
    # 65-79 K: A01 s 0,5 vs 0,6, y 100 vs 33,3 (p 0,2 vs 1/15, m 500 both);
    #          C03 s 0,5 vs 0,4, y 0 vs 30 (p 0 vs 0,15; m 200 borrowed from the rest of riket).
    # 18-44 M: A01 s 1 vs 0,75, y 22,5 vs 10 (p 0,05 vs 1/30, m 450 vs 300);
    #          C03 s 0 vs 0,25 (absent in the county: y, p, m borrowed → mix only).
    mix = w1 * ((0.5 - 0.6) * (100 + 1000 / 30) / 2 + (0.5 - 0.4) * (0 + 30) / 2) + w2 * (
        (1 - 0.75) * (22.5 + 10) / 2 + (0 - 0.25) * (5 + 5) / 2
    )
    andel = w1 * (0.55 * (0.2 - 1 / 15) * (500 + 500) / 2 + 0.45 * (0 - 0.15) * (200 + 200) / 2) + w2 * (
        0.875 * (0.05 - 1 / 30) * (450 + 300) / 2
    )
    kostnad = w2 * 0.875 * (450 - 300) * (0.05 + 1 / 30) / 2
    assert t["del_drg_mix_kr"] == pytest.approx(mix)  # −0,72 kr
    assert t["del_andel_ytterfall_kr"] == pytest.approx(andel)  # 13,30 kr
    assert t["del_kostnad_per_ytterfall_kr"] == pytest.approx(kostnad)  # 3,05 kr
    # the identity: the four parts are the whole difference
    assert alder_kon + mix + andel + kostnad == pytest.approx(36.25 - 2300 / 130)
    assert t["del_andel_ytterfall_rel"] == pytest.approx(andel / (36.25 - 2300 / 130))


def test_drg_rows_sum_to_the_drg_parts(uppdelning: duckdb.DuckDBPyConnection) -> None:
    rows = uppdelning.sql(
        "SELECT drg, skillnad_kr, del_drg_mix_kr, del_andel_ytterfall_kr, del_kostnad_per_ytterfall_kr, rang "
        "FROM out_kpp__ytterfall_uppdelning WHERE kostnadsunderlag_lan = 'kpp-databasen' AND vardform = 'sluten' "
        "AND drg <> 'alla' ORDER BY rang"
    ).fetchall()
    t = total(uppdelning)
    assert [r[0] for r in rows] == ["A01", "C03"]  # A01 contributes most
    assert sum(r[1] for r in rows) == pytest.approx(
        t["del_drg_mix_kr"] + t["del_andel_ytterfall_kr"] + t["del_kostnad_per_ytterfall_kr"]
    )
    assert [r[5] for r in rows] == [1, 2]
    c03 = rows[1]
    w1, w2 = (0.5 + 50 / 130) / 2, (0.5 + 80 / 130) / 2
    assert c03[2] == pytest.approx(w1 * 0.1 * 15 + w2 * -0.25 * 5)
    assert c03[4] == pytest.approx(0.0)


def test_vardform_alla_and_the_local_extract(uppdelning: duckdb.DuckDBPyConnection) -> None:
    # only slutenvård in the national rows: 'alla' is the same split
    assert total(uppdelning, vardform="alla")["skillnad_kr"] == pytest.approx(36.25 - 2300 / 130)
    # the local extract (35 contacts of the kpp fixture) against the same reference; parts add up
    t = total(uppdelning, underlag="eget-extrakt")
    parts = ("del_alder_kon_kr", "del_drg_mix_kr", "del_andel_ytterfall_kr", "del_kostnad_per_ytterfall_kr")
    assert t["antal_kontakter_lan"] == 25  # slutenvård contacts of the extract
    assert sum(t[p] for p in parts) == pytest.approx(t["skillnad_kr"])


def test_identity_holds_with_groups_and_cells_missing_on_either_side(
    kpp: duckdb.DuckDBPyConnection,  # noqa: F811
) -> None:
    celler = [
        *CELLER,
        ("A01", "80+", "K", "00", 10, 1, 500.0),  # a group only in the rest of riket
        ("B09", "0-17", "M", "25", 6, 1, 90.0),  # a group and DRG only in the county
        ("B09", "0-17", "M", "00", 6, 1, 90.0),
    ]
    load_riket(kpp, celler)
    build(kpp)
    t = total(kpp)
    lan = (1450 + 90) / 46
    jmf = (2300 + 500) / 140
    assert t["skillnad_kr"] == pytest.approx(lan - jmf)
    parts = t["del_alder_kon_kr"] + t["del_drg_mix_kr"] + t["del_andel_ytterfall_kr"]
    assert parts + t["del_kostnad_per_ytterfall_kr"] == pytest.approx(lan - jmf)
