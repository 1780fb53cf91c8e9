"""Data contracts: core_scb__befolkning passes good data and names what bad data breaks; every suite says why."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from pipelines import contracts
from pipelines.sources.registry import all_sources

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


SUITES = sorted(path.stem for path in contracts.CONTRACTS_DIR.glob("*.json"))


def test_every_core_table_has_a_suite_and_no_suite_is_orphaned() -> None:
    assert len(SUITES) == 13
    assert sorted({source.core_table for source in all_sources().values()}) == SUITES


def expectation_columns(kwargs: dict[str, Any]) -> list[str]:
    named = [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]
    return [*named, *kwargs.get("column_list", [])]


@pytest.mark.parametrize("table", SUITES)
def test_every_contract_has_types_and_rationales(table: str) -> None:
    """Every rule says why and names only typed columns.

    A not-null rule needs no reason of its own (the column is delivered on every row). Every other
    expectation and every SQL rule carries ``rationale``: the reason a reader of a broken contract is
    given next to the rule.
    """
    suite = contracts.load_suite(table)
    assert suite["name"] == table
    assert suite["meta"]["table"] == table
    types = suite["meta"]["column_types"]
    assert set(types) >= set(suite["meta"]["grain"])
    assert suite["meta"]["description"].strip()
    for expectation in suite["expectations"]:
        assert set(expectation_columns(expectation["kwargs"])) <= set(types), expectation
        if expectation["type"] == "expect_column_values_to_not_be_null":
            continue
        rationale = expectation.get("meta", {}).get("rationale", "")
        assert len(rationale.split()) >= 2, expectation
    sql_rules = suite["meta"].get("sql_rules", [])
    assert len({rule["name"] for rule in sql_rules}) == len(sql_rules)
    for rule in sql_rules:
        assert rule["sql"].lstrip().upper().startswith(("SELECT", "WITH")), rule["name"]
        assert len(rule.get("rationale", "").split()) >= 2, rule["name"]
