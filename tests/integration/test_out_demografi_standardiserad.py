"""Direct standardisation (out_demografi__standardiserad_kostnad) against a hand-computed example."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import warehouse


@pytest.fixture
def std(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    # Women 18–44 and 80+: county 60 young, 40 old; riket 900 young, 100 old.
    con.execute(
        "CREATE TABLE core_scb__befolkning (region_kod VARCHAR, ar INTEGER, alder INTEGER, kon VARCHAR, folkmangd BIGINT)"
    )
    con.executemany(
        "INSERT INTO core_scb__befolkning VALUES (?, ?, ?, ?, ?)",
        [
            ("25", 2020, 30, "K", 60),
            ("25", 2020, 85, "K", 40),
            ("00", 2020, 30, "K", 900),
            ("25", 2020, 20, "M", 10),  # men 18–44: people but no cost anywhere
            ("00", 2020, 20, "M", 100),
            ("00", 2020, 85, "K", 100),
        ],
    )
    # County costs: young 6 000 (100/inh.), old 20 000 (500/inh.), all slutenvård
    con.execute(
        "CREATE TABLE out_kpp__kontakter (ar INTEGER, vardform VARCHAR, kpp_aldersgrupp VARCHAR, kon VARCHAR, kostnad_kr DOUBLE)"
    )
    con.executemany(
        "INSERT INTO out_kpp__kontakter VALUES (?, ?, ?, ?, ?)",
        [(2020, "sluten", "18-44", "K", 6000.0), (2020, "sluten", "80+", "K", 20000.0)],
    )
    # Riket costs: young 72 000 (80/inh.), old 40 000 (400/inh.)
    con.execute(
        "CREATE TABLE core_kpp__riket (ar INTEGER, drg VARCHAR, vardform VARCHAR, aldersgrupp VARCHAR, kon VARCHAR, "
        "region_kod VARCHAR, jamforelsegrupp VARCHAR, kostnad DOUBLE)"
    )
    con.executemany(
        "INSERT INTO core_kpp__riket VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(2020, "A", "sluten", "18-44", "K", "00", "alla", 72000.0), (2020, "A", "sluten", "80+", "K", "00", "alla", 40000.0),
         (2020, "A", "sluten", "80+", "K", "00", "lanssjukhus", 1e9)],
    )  # fmt: skip
    warehouse.build_table(con, "out_demografi__standardiserad_kostnad", {"lan": "25"})
    return con


def test_difference_splits_into_structure_and_cost_level(std: duckdb.DuckDBPyConnection) -> None:
    rows = {
        r[0]: r[1:]
        for r in std.sql(
            "SELECT vardform, kostnad_per_invanare_lan_kr, kostnad_per_invanare_riket_kr, "
            "standardiserad_kostnad_per_invanare_lan_kr, skillnad_mot_riket_kr, varav_befolkningsstruktur_kr, "
            "varav_kostnadsniva_kr, kostnadsniva_mot_riket_rel FROM out_demografi__standardiserad_kostnad WHERE ar = 2020"
        ).fetchall()
    }
    lan, riket = 26_000 / 110, 112_000 / 1100  # everyone counts, also strata without cost
    # county rates (women 18–44: 100, women 80+: 500, men 18–44: 0) on riket's structure
    standardiserad = (100 * 900 + 500 * 100 + 0 * 100) / 1100
    expected = (lan, riket, standardiserad, lan - riket, lan - standardiserad, standardiserad - riket,
                standardiserad / riket - 1)  # fmt: skip
    assert rows["alla"] == pytest.approx(expected)
    assert rows["sluten"] == pytest.approx(expected)
    assert set(rows) == {"alla", "sluten"}  # no öppenvård in either: no row


def test_the_national_databases_own_county_rows_are_preferred(std: duckdb.DuckDBPyConnection) -> None:
    # the KPP database's rows for the county (same coverage as riket's) replace the own extract
    std.executemany(
        "INSERT INTO core_kpp__riket VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (2020, "A", "sluten", "18-44", "K", "25", "alla", 12_000.0),
            (2020, "A", "sluten", "80+", "K", "25", "alla", 40_000.0),
        ],
    )
    warehouse.build_table(std, "out_demografi__standardiserad_kostnad", {"lan": "25"})
    kalla, lan, standardiserad = std.sql(
        "SELECT kostnadsunderlag_lan, kostnad_per_invanare_lan_kr, standardiserad_kostnad_per_invanare_lan_kr "
        "FROM out_demografi__standardiserad_kostnad WHERE ar = 2020 AND vardform = 'alla'"
    ).fetchall()[0]
    assert kalla == "kpp-databasen"
    assert lan == pytest.approx(52_000 / 110)
    assert standardiserad == pytest.approx((200 * 900 + 1000 * 100) / 1100)  # women 18–44: 200, 80+: 1 000


def test_directions_are_columns(std: duckdb.DuckDBPyConnection) -> None:
    ((riktning, kostnadsniva, struktur, relativ),) = std.sql(
        "SELECT riktning_mot_riket_kod, riktning_kostnadsniva_kod, riktning_befolkningsstruktur_kod, "
        "skillnad_mot_riket_rel "
        "FROM out_demografi__standardiserad_kostnad WHERE ar = 2020 AND vardform = 'alla'"
    ).fetchall()
    lan, riket, standardiserad = 26_000 / 110, 112_000 / 1100, (100 * 900 + 500 * 100) / 1100
    assert lan > standardiserad > riket  # the older county: structure and cost level both raise its cost
    assert (riktning, kostnadsniva, struktur) == ("hogre", "hogre", "hogre")
    assert relativ == pytest.approx(lan / riket - 1)
