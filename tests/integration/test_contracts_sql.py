"""The structural expectations run as SQL give the same failures (message, rows) as great-expectations."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from pipelines import contracts

EXPECTATIONS: list[dict[str, Any]] = [
    {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 10}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "kod"}},
    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
    {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["ar", "kod"]}},
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "kod", "value_set": ["A", "B"]}},
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "andel", "value_set": [0.8]}},
    {
        "type": "expect_column_values_to_be_between",
        "kwargs": {"column": "ar", "min_value": 2000, "max_value": 2100},
    },
    {"type": "expect_column_values_to_be_between", "kwargs": {"column": "andel", "min_value": 0}},
    {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "kod", "regex": "^[A-Z]$"}},
    {"type": "expect_column_values_to_not_match_regex", "kwargs": {"column": "id", "regex": "[0-9]{3}"}},
    {
        "type": "expect_column_pair_values_a_to_be_greater_than_b",
        "kwargs": {"column_A": "antal", "column_B": "delmangd", "or_equal": True},
    },
]


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        "('x1', 2019, 'A', 0.8, 5, 3), ('x2', 2019, 'B', 0.8, 5, 6), ('x2', 2020, 'C', -0.5, NULL, 1), "
        "('x123', 1999, NULL, 0.8, 2, 2), ('x5', 2019, 'ab', 0.8, NULL, NULL), ('x6', 2019, 'A', 0.8, 1, 0)"
        ") AS v(id, ar, kod, andel, antal, delmangd)"
    )
    con.execute(
        "ALTER TABLE t ALTER andel TYPE DOUBLE"
    )  # as in the warehouse (DECIMAL is not, and GX differs)
    return con


def test_sql_failures_are_the_failures_gx_reports(con: duckdb.DuckDBPyConnection) -> None:
    results, rest = contracts._expectation_sql(con, "t", EXPECTATIONS, 6)
    assert rest == []
    ours = []
    for r in results:
        if not r.result["success"]:
            message, rows = contracts._describe(r)
            ours.append(
                contracts.Failure(
                    r.expectation_config.type, r.expectation_config.kwargs.get("column"), message, rows
                )
            )
    theirs = contracts._validate_gx(con, "t", "t", EXPECTATIONS)
    assert sorted(map(str, ours)) == sorted(map(str, theirs))  # GX orders its results its own way
    assert len(ours) == len(EXPECTATIONS)  # every rule is broken


def test_a_kept_contract_has_no_failures(con: duckdb.DuckDBPyConnection) -> None:
    kept = [
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}},
        {
            "type": "expect_column_values_to_be_between",
            "kwargs": {"column": "ar", "min_value": 1990, "max_value": 2100},
        },
    ]
    results, _ = contracts._expectation_sql(con, "t", kept, 6)
    assert all(r.result["success"] for r in results)
