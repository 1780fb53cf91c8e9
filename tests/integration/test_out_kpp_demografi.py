"""The plan's demographic cost method (out_kpp__demografi_klinik) against hand-computed cases."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from pipelines import warehouse
from pipelines.parametrar import Parametrar


def contacts() -> list[tuple]:
    rows: list[tuple] = []

    def add(sjukhus: str, klinik: str, kapitel: str, ar: int, grupp: str, n: int, kostnad: float) -> None:
        rows.extend(("somatisk", sjukhus, klinik, kapitel, ar, grupp, kostnad) for _ in range(n))

    # Medicin, kapitel IX: both groups rise (0–64: 2 → 3 contacts, 65+: 2 → 4)
    add("SUN", "Medicin", "IX", 2016, "0-64", 2, 100.0)
    add("SUN", "Medicin", "IX", 2016, "65+", 2, 300.0)
    add("SUN", "Medicin", "IX", 2019, "0-64", 3, 100.0)
    add("SUN", "Medicin", "IX", 2019, "65+", 4, 300.0)
    # Medicin, kapitel II: 65+ rises (1 → 3), 0–64 falls (4 → 2)
    add("SUN", "Medicin", "II", 2016, "0-64", 4, 50.0)
    add("SUN", "Medicin", "II", 2016, "65+", 1, 1000.0)
    add("SUN", "Medicin", "II", 2019, "0-64", 2, 50.0)
    add("SUN", "Medicin", "II", 2019, "65+", 3, 1000.0)
    # Kirurgi, kapitel XIX: 65+ falls (3 → 2): not covered by the plan
    add("PIT", "Kirurgi", "XIX", 2016, "65+", 3, 500.0)
    add("PIT", "Kirurgi", "XIX", 2016, "0-64", 1, 100.0)
    add("PIT", "Kirurgi", "XIX", 2019, "65+", 2, 600.0)
    add("PIT", "Kirurgi", "XIX", 2019, "0-64", 2, 100.0)
    add("PIT", "Kirurgi", "XIX", 2017, "65+", 50, 9999.0)  # outside the compared years
    return rows


@pytest.fixture
def demo_con(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    con.execute(
        "CREATE TABLE out_kpp__kontakter (vardtyp VARCHAR, sjukhus VARCHAR, klinik VARCHAR, "
        "diagnoskapitel VARCHAR, ar INTEGER, aldersgrupp VARCHAR, kostnad_kr DOUBLE)"
    )
    con.executemany("INSERT INTO out_kpp__kontakter VALUES (?, ?, ?, ?, ?, ?, ?)", contacts())
    return con


def build(con: duckdb.DuckDBPyConnection, **changes: object) -> dict[tuple, dict]:
    params = replace(Parametrar(), **changes).as_sql_params()  # type: ignore[arg-type]
    warehouse.build_table(con, "out_kpp__demografi_klinik", params)
    rel = con.sql("SELECT * FROM out_kpp__demografi_klinik")
    out = {}
    for values in rel.fetchall():
        row = dict(zip(rel.columns, values, strict=True))
        out[(row["sjukhus"], row["klinik"], row["diagnoskapitel"])] = row
    return out


def test_the_plans_cases(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = build(demo_con)
    ix = rows[("SUN", "Medicin", "IX")]
    assert (ix["basar"], ix["malar"], ix["fall"]) == (2016, 2019, "bada_okar")
    assert (ix["antal_kontakter_0_64_bas"], ix["antal_kontakter_0_64_mal"], ix["antal_kontakter_65_bas"], ix["antal_kontakter_65_mal"]) == (
        2, 3, 2, 4,
    )  # fmt: skip
    assert (ix["forandring_kostnad_0_64_kr"], ix["forandring_kostnad_65_kr"]) == (100.0, 600.0)
    assert ix["demografisk_kostnad_kr"] == 700.0  # both rise: the klinik's whole cost change
    ii = rows[("SUN", "Medicin", "II")]
    assert ii["fall"] == "65_okar_064_minskar"
    assert ii["demografisk_kostnad_kr"] == 2000.0 - 100.0  # the 0–64 decrease is netted from 65+
    xix = rows[("PIT", "Kirurgi", "XIX")]
    assert (xix["fall"], xix["demografisk_kostnad_kr"], xix["forandring_kostnad_total_kr"]) == (
        "ovrigt",
        0.0,
        -200.0,
    )
    assert xix["kostnad_bas_kr"] == 1600.0  # the 2017 contacts are outside the comparison
    medicin = rows[("SUN", "Medicin", "alla")]
    assert (medicin["demografisk_kostnad_kr"], medicin["fall"], medicin["rang_kostnadsforandring"]) == (
        2600.0,
        None,
        None,
    )
    total = rows[("alla", "alla", "alla")]
    assert (total["demografisk_kostnad_kr"], total["forandring_kostnad_total_kr"]) == (
        2600.0,
        700.0 + 1900.0 - 200.0,
    )
    assert [rows[k]["rang_kostnadsforandring"] for k in [("SUN", "Medicin", "II"), ("SUN", "Medicin", "IX"),
                                                          ("PIT", "Kirurgi", "XIX")]] == [1, 2, 3]  # fmt: skip


def test_open_choices_are_parameters(demo_con: duckdb.DuckDBPyConnection) -> None:
    rows = build(demo_con, demografi_bada_okar="65+")
    assert rows[("SUN", "Medicin", "IX")]["demografisk_kostnad_kr"] == 600.0
    rows = build(demo_con, demografi_basar=2016, demografi_malar=2017)
    xix = rows[("PIT", "Kirurgi", "XIX")]
    # 2016 → 2017: 65+ rises 3 → 50, 0–64 falls 1 → 0: 65+'s change (50 × 9 999 − 1 500) less 0–64's 100
    assert (xix["antal_kontakter_65_mal"], xix["fall"]) == (50, "65_okar_064_minskar")
    assert xix["demografisk_kostnad_kr"] == pytest.approx(50 * 9999 - 1500 - 100)
