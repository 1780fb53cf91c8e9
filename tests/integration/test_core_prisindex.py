"""core_skr__prisindex: SKR's LPIK from delivered outcome and forecast tables, chained, contracted."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import contracts
from tests.integration.kpp_fixtures import failing_rules, load, rows

TABLE = "core_skr__prisindex"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "prisindex"
FILES = [
    FIXTURES / n for n in ("lpik_utfall_2019-03.csv", "lpik_prognos_2019-10.xlsx", "lpik_utfall_2020-03.csv")
]


@pytest.fixture
def prisindex(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    load(con, "prisindex", *FILES)
    return con


def test_outcome_beats_forecast_and_the_index_is_chained(prisindex: duckdb.DuckDBPyConnection) -> None:
    got = rows(prisindex, f"SELECT prisindex, ar, forandring, typ, indexvarde, kalla_fil FROM {TABLE}")
    level = {2015: 100.0}
    for ar, change in [
        (2016, 0.026),
        (2017, 0.028),
        (2018, 0.030),
        (2019, 0.029),
        (2020, 0.029),
        (2021, 0.030),
    ]:
        level[ar] = level[ar - 1] * (1 + change)  # 2019: the outcome 2,9 %, not the forecast 3,1 %
    assert [(r[0], r[1]) for r in got] == [("LPI", 2019)] + [("LPIK", a) for a in range(2015, 2022)]
    lpik = {r[1]: r for r in got if r[0] == "LPIK"}
    assert lpik[2019][2:4] == (pytest.approx(0.029), "utfall")
    assert lpik[2019][5] == "lpik_utfall_2020-03.csv"
    assert lpik[2020][3] == "prognos"
    assert lpik[2020][2] == pytest.approx(0.029)  # "2,9" stored as text in the workbook
    for ar, value in level.items():
        assert lpik[ar][4] == pytest.approx(value), ar
    assert got[0][4] == pytest.approx(100.0)  # a series of its own: LPI starts at 100
    # a cost of 1 000 kr in 2016 is 1 000 · 111,79 / 102,6 kr in 2019's prices
    assert lpik[2019][4] / lpik[2016][4] == pytest.approx(1.028 * 1.030 * 1.029)


def test_the_contract_holds_on_the_fixtures(prisindex: duckdb.DuckDBPyConnection) -> None:
    result = contracts.validate(prisindex, TABLE)
    assert result.success, result.summary()


def test_a_gap_in_a_series_breaks_the_contract(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    gap = tmp_path / "lpik_lucka.csv"
    gap.write_text(
        "prisindex;ar;forandring_procent;typ;publicerad\nLPIK;2015;2,7;utfall;2019-03-15\n"
        "LPIK;2017;2,8;utfall;2019-03-15\n",
        encoding="utf-8",
    )
    load(con, "prisindex", gap)
    assert failing_rules(con, TABLE) == {"prisindex-lucka"}
