"""The core_scb__befolkning contract: passes good data, names what bad data breaks."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import contracts

GOOD = [("25", 2020, a, k, 100 + a) for a in range(101) for k in ("M", "K")]


def make(con: duckdb.DuckDBPyConnection, rows: list[tuple], types: str = "BIGINT") -> None:
    con.execute(
        f"CREATE OR REPLACE TABLE core_scb__befolkning (region_kod VARCHAR, ar INTEGER, alder INTEGER, "
        f"kon VARCHAR, folkmangd {types})"
    )
    con.executemany("INSERT INTO core_scb__befolkning VALUES (?, ?, ?, ?, ?)", rows)


def test_good_table_passes(con: duckdb.DuckDBPyConnection) -> None:
    make(con, GOOD)
    result = contracts.validate(con, "core_scb__befolkning")
    assert result.success, result.summary()
    assert result.rows == 202
    assert result.checked == 13


def test_each_broken_rule_is_named(con: duckdb.DuckDBPyConnection) -> None:
    rows = list(GOOD)
    rows[3] = ("25", 2020, 1, "K", -5)  # negative population, row 4
    rows[10] = ("25", 2020, 5, "1", 10)  # SCB's code, not the vocabulary's K/M: row 11
    rows.append(("25", 2020, 0, "M", 7))  # duplicate of row 1's key
    make(con, rows)
    result = contracts.validate(con, "core_scb__befolkning")
    assert not result.success
    by_rule = {(f.rule, f.column): f for f in result.failures}
    negative = by_rule[("expect_column_values_to_be_between", "folkmangd")]
    assert negative.rows == [4]
    assert "-5" in negative.message
    assert by_rule[("expect_column_values_to_be_in_set", "kon")].rows == [11]
    duplicate = by_rule[("expect_compound_columns_to_be_unique", None)]
    assert sorted(duplicate.rows) == [1, 203]
    assert "kontraktet bröts (3 av 13 regler)" in result.summary()


def test_wrong_type_or_columns_fail_before_values(con: duckdb.DuckDBPyConnection) -> None:
    make(con, GOOD, types="DOUBLE")
    result = contracts.validate(con, "core_scb__befolkning")
    assert [(f.rule, f.column) for f in result.failures] == [("kolumntyp", "folkmangd")]
    con.execute("ALTER TABLE core_scb__befolkning RENAME COLUMN kon TO kön")
    result = contracts.validate(con, "core_scb__befolkning")
    assert result.failures[0].rule == "kolumner"


@pytest.mark.parametrize("table", ["core_scb__befolkning"])
def test_every_contract_has_types_and_rationales(table: str) -> None:
    suite = contracts.load_suite(table)
    assert suite["name"] == table
    assert set(suite["meta"]["column_types"]) >= set(suite["meta"]["grain"])
    for expectation in suite["expectations"]:
        if expectation["type"].startswith(("expect_column_values_to_be_between", "expect_table_row_count")):
            assert expectation.get("meta", {}).get("rationale"), expectation
