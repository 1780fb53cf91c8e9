"""core_drg__vikter: built from delivered weight lists (xlsx and CSV), latest delivery wins, contract."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import contracts
from tests.integration.kpp_fixtures import failing_rules, load, rows

TABLE = "core_drg__vikter"


@pytest.fixture
def vikter(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    assert load(con, "drg-vikter", "viktlista_2020.xlsx", "viktlista_2021.csv") == 18
    return con


def test_weight_lists_become_one_row_per_year_and_drg(vikter: duckdb.DuckDBPyConnection) -> None:
    assert rows(vikter, f"SELECT * FROM {TABLE} WHERE ar = 2020 AND drg IN ('014', '127N') ORDER BY drg") == [
        (2020, "014", "Specifika cerebrovaskulära sjukdomar utom TIA", "01", "sluten", 1.55, None,
         "viktlista_2020.xlsx", 7),
        (2020, "127N", "Hjärtsvikt och chock utan komplikationer", "05", "sluten", 0.9871, 163000.0,
         "viktlista_2020.xlsx", 4),
    ]  # fmt: skip
    assert rows(
        vikter, f"SELECT ar, count(*), count(kostnadsgrans) FROM {TABLE} GROUP BY ar ORDER BY ar"
    ) == [
        (2020, 9, 8),
        (2021, 9, 8),
    ]
    assert rows(vikter, f"SELECT DISTINCT drg FROM {TABLE} WHERE ar = 2021 AND drg LIKE '01%'") == [("014",)]


def test_the_contract_holds_on_the_fixtures(vikter: duckdb.DuckDBPyConnection) -> None:
    result = contracts.validate(vikter, TABLE)
    assert result.success, result.summary()
    assert result.rows == 18


def test_a_later_delivery_of_the_same_drg_and_year_wins(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    correction = tmp_path / "viktlista_2020_rattelse.csv"
    correction.write_text(
        "ar;drg;drg_text;mdc;vardform;vikt;kostnadsgrans\n"
        "2020;127N;Hjärtsvikt och chock utan komplikationer;05;sluten;0,9950;165 000\n",
        encoding="utf-8",
    )
    assert load(con, "drg-vikter", "viktlista_2020.xlsx", correction) == 9
    assert rows(con, f"SELECT vikt, kostnadsgrans, kalla_fil, kalla_rad FROM {TABLE} WHERE drg = '127N'") == [
        (0.995, 165000.0, "viktlista_2020_rattelse.csv", 2)
    ]
    assert rows(con, "SELECT count(*) FROM raw_drg__vikter") == [(10,)]  # both deliveries are kept raw


def test_a_limit_in_the_wrong_unit_breaks_the_contract(vikter: duckdb.DuckDBPyConnection) -> None:
    vikter.execute(f"UPDATE {TABLE} SET kostnadsgrans = kostnadsgrans / 1000 WHERE drg = '127C'")  # tkr
    assert failing_rules(vikter, TABLE) == {"drg-kostnadsgrans-niva"}


def test_a_weight_that_jumps_between_years_breaks_the_contract(vikter: duckdb.DuckDBPyConnection) -> None:
    vikter.execute(f"UPDATE {TABLE} SET vikt = vikt * 4 WHERE ar = 2021 AND drg = '373N'")
    assert failing_rules(vikter, TABLE) == {"drg-vikt-forandring"}


def test_a_drg_that_changes_vardform_between_years_breaks_the_contract(
    vikter: duckdb.DuckDBPyConnection,
) -> None:
    vikter.execute(f"UPDATE {TABLE} SET vardform = 'oppen' WHERE ar = 2021 AND drg = '430'")
    assert failing_rules(vikter, TABLE) == {"drg-stabil-klassning"}


def test_weights_on_another_scale_break_the_contract(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"CREATE TABLE {TABLE} AS SELECT 2020::INTEGER AS ar, printf('%03dN', i)::VARCHAR AS drg, "
        "'x' AS drg_text, '05' AS mdc, 'sluten' AS vardform, (1000.0 + i)::DOUBLE AS vikt, "
        "NULL::DOUBLE AS kostnadsgrans, 'v.csv' AS kalla_fil, (i + 2)::BIGINT AS kalla_rad "
        "FROM range(25) t(i)"
    )  # per mille instead of points
    assert failing_rules(con, TABLE) == {"drg-vikt-niva", "expect_column_values_to_be_between"}
    con.execute(f"UPDATE {TABLE} SET vikt = vikt / 1000")
    assert failing_rules(con, TABLE) == set()


def test_duplicates_and_malformed_codes_break_the_contract(vikter: duckdb.DuckDBPyConnection) -> None:
    vikter.execute(f"INSERT INTO {TABLE} SELECT * FROM {TABLE} WHERE drg = '127N' AND ar = 2020")
    vikter.execute(f"UPDATE {TABLE} SET mdc = '5' WHERE drg = '905O' AND ar = 2021")
    assert failing_rules(vikter, TABLE) == {
        "expect_compound_columns_to_be_unique",
        "expect_column_values_to_match_regex",
        "drg-stabil-klassning",  # mdc '05' in 2020, '5' in 2021
    }
