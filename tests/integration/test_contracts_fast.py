"""The contract runner's faster paths give the results of the plain ones: counting a string rule once
per distinct value, proving uniqueness by hashes, and kpp-patient-konsekvent in two steps."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

from pipelines import contracts

# 60 rows: the six of test_contracts_sql's table ten times over, so every column has few distinct
# values for its rows and the string rules are counted per value.
ROWS = [
    ("x1", 2019, "A", 0.8),
    ("x2", 2019, "B", 0.8),
    ("x3", 2020, "C", -0.5),
    ("x123", 1999, None, 0.8),
    ("x5", 2019, "ab", 0.8),
    ("x6", 2019, "A", 0.8),
]
STRING_RULES: list[dict[str, Any]] = [
    {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "kod", "value_set": ["A", "B"]}},
    {"type": "expect_column_values_to_match_regex", "kwargs": {"column": "kod", "regex": "^[A-Z]$"}},
    {"type": "expect_column_values_to_not_match_regex", "kwargs": {"column": "id", "regex": "[0-9]{3}"}},
    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "kod"}},
]


def failures(con: duckdb.DuckDBPyConnection, expectations: list[dict[str, Any]], n_rows: int) -> list[str]:
    results, rest = contracts._expectation_sql(con, "t", expectations, n_rows)
    assert rest == []
    found = []
    for r in results:
        if not r.result["success"]:
            message, rows = contracts._describe(r)
            failure = contracts.Failure(
                r.expectation_config.type, r.expectation_config.kwargs.get("column"), message, rows
            )
            found.append(str(failure))
    return found


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id VARCHAR, ar INTEGER, kod VARCHAR, andel DOUBLE)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?)", ROWS * 10)
    return con


def test_string_rules_counted_per_value_give_the_per_row_failures(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert contracts._few_values(con, "t", "kod", 60, {})  # 5 distinct values (and NULL) in 60 rows
    per_value = failures(con, STRING_RULES, 60)
    monkeypatch.setattr(contracts, "FEW_VALUES", -1.0)  # no column has few values: count per row
    assert not contracts._few_values(con, "t", "kod", 60, {})
    assert failures(con, STRING_RULES, 60) == per_value
    in_set, regex, not_regex, not_null = per_value
    # kod outside {A, B}: C (rows 3, 9, …) and ab (rows 5, 11, …): 20 rows, the first at row 3
    assert in_set.startswith("kolumn kod: regel expect_column_values_to_be_in_set")
    assert "20 avvikande värden" in in_set
    assert "(rader 3, 5, 9, 11, 15, 17, 21, 23, 27, 29 …)" in in_set
    assert "10 avvikande värden; t.ex. ['ab', 'ab', 'ab', 'ab', 'ab']" in regex
    assert "10 avvikande värden; t.ex. ['x123', 'x123'" in not_regex
    assert "(rader 4, 10, 16, 22, 28, 34, 40, 46, 52, 58)" in not_null


def test_string_rules_counted_per_value_are_the_rules_gx_reports(con: duckdb.DuckDBPyConnection) -> None:
    theirs = contracts._validate_gx(con, "t", "t", STRING_RULES)
    assert sorted(failures(con, STRING_RULES, 60)) == sorted(map(str, theirs))


def test_a_kept_string_rule_counted_per_value_passes(con: duckdb.DuckDBPyConnection) -> None:
    kept = [{"type": "expect_column_values_to_match_regex", "kwargs": {"column": "id", "regex": "^x"}}]
    assert failures(con, kept, 60) == []


def test_unique_by_hash_and_a_repeated_key_still_named(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TABLE u (id VARCHAR, ar INTEGER, kod VARCHAR)")
    con.executemany(
        "INSERT INTO u VALUES (?, ?, ?)",
        [(f"id{i}", 2019 + i % 2, f"k{i}") for i in range(100)] + [(None, None, None)] * 3,
    )
    unique = [
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
        # three keys wholly missing: a repeat to the hashes, none to GX (it leaves them out)
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["ar", "kod"]}},
    ]
    results, _ = contracts._expectation_sql(con, "u", unique, 103)
    assert [r.result["success"] for r in results] == [True, True]
    con.execute("INSERT INTO u VALUES ('id7', 2020, 'k7')")  # row 104 repeats row 8
    results, _ = contracts._expectation_sql(con, "u", unique, 104)
    assert [r.result["success"] for r in results] == [False, False]
    column, compound = (contracts._describe(r) for r in results)
    assert column == (
        "expect_column_values_to_be_unique(); 2 avvikande värden; t.ex. ['id7', 'id7']",
        [8, 104],
    )
    assert compound[1] == [8, 104]
    assert "2 avvikande värden; t.ex. [{'ar': 2020, 'kod': 'k7'}, {'ar': 2020, 'kod': 'k7'}]" in compound[0]


def test_a_table_stored_in_no_order_names_its_rows_in_the_suites_row_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # stored as delivered: ids 5, 3, 1, 4, 2 (twice, the second time with the larger year); in the
    # row order (ar, id) the rows are x1 x2 x3 x4 x5 of 2019, then the same of 2020
    con.execute("CREATE TABLE o (id VARCHAR, ar INTEGER, kod VARCHAR)")
    stored = [("x5", 2019, "A"), ("x3", 2019, None), ("x1", 2019, "A"), ("x4", 2019, "A"), ("x2", 2019, "A")]
    stored += [("x5", 2020, None), ("x3", 2020, "A"), ("x1", 2020, "B"), ("x4", 2020, "A"), ("x2", 2020, "A")]
    con.executemany("INSERT INTO o VALUES (?, ?, ?)", stored)
    rules: list[dict[str, Any]] = [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "kod"}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "kod", "value_set": ["A"]}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
    ]
    ordered, _ = contracts._expectation_sql(con, "o", rules, 10, ["ar", "id"])
    null, in_set, unique = (contracts._describe(r)[1] for r in ordered)
    assert null == [3, 10]  # x3 of 2019 and x5 of 2020
    assert in_set == [6]  # x1 of 2020
    assert unique == list(range(1, 11))  # every id twice: all rows, in the row order
    physical, _ = contracts._expectation_sql(con, "o", rules, 10)
    assert [contracts._describe(r)[1] for r in physical][:2] == [[2, 6], [8]]  # as stored, without one
    gx = contracts._validate_gx(con, "o", "o", rules[:1], ["ar", "id"])
    assert gx[0].rows == [3, 10]  # great-expectations is given the frame in the row order too


# kpp-patient-konsekvent as first written: one GROUP BY, what the two-step rule in the suite must equal
PLAIN_RULE = (
    "SELECT patient_id, ar, count(DISTINCT kon) AS antal_kon, max(alder) - min(alder) AS aldersspann, "
    "count(*) AS kontakter, min(kalla_fil) AS kalla_fil FROM core_kpp__kontakter GROUP BY patient_id, ar "
    "HAVING count(DISTINCT kon) > 1 OR max(alder) - min(alder) > 1"
)
CONTACTS = [  # patient_id, ar, kon, alder, kalla_fil
    ("P1", 2020, "K", 40, "a.csv"),
    ("P1", 2020, "K", 41, "b.csv"),  # one sex, ages a year apart: kept
    ("P2", 2020, "K", 30, "b.csv"),
    ("P2", 2020, "M", 30, "a.csv"),  # two sexes
    ("P2", 2021, "M", 31, "c.csv"),  # the next year alone: kept
    ("P3", 2020, None, 50, "a.csv"),
    ("P3", 2020, "M", 50, "a.csv"),  # a missing sex is no second sex: kept
    ("P4", 2020, None, 60, "a.csv"),
    ("P4", 2020, None, 60, "a.csv"),  # no sex at all: kept
    ("P5", 2020, "K", 20, "d.csv"),
    ("P5", 2020, "K", 22, "c.csv"),  # ages two years apart
    ("P6", 2020, "K", 70, "a.csv"),
    ("P6", 2020, "X", 70, "a.csv"),
    ("P6", 2020, "M", 70, "a.csv"),  # three sexes
    (None, 2020, "K", 10, "a.csv"),
    (None, 2020, "M", 10, "a.csv"),  # a missing pseudonym is a group too
    ("P7", None, "K", 5, "e.csv"),
    ("P7", None, "K", 9, "e.csv"),  # a missing year is a group too
    ("P8", 2020, "K", None, "a.csv"),
    ("P8", 2020, "K", None, "a.csv"),  # no age: kept
]
BROKEN = {
    ("P2", 2020, 2, 0, 2, "a.csv"),
    ("P5", 2020, 1, 2, 2, "c.csv"),
    ("P6", 2020, 3, 0, 3, "a.csv"),
    (None, 2020, 2, 0, 2, "a.csv"),
    ("P7", None, 1, 4, 2, "e.csv"),
}


def consistency_rule() -> str:
    suite = contracts.load_suite("core_kpp__kontakter")
    (rule,) = [r for r in suite["meta"]["sql_rules"] if r["name"] == "kpp-patient-konsekvent"]
    return str(rule["sql"])


@pytest.fixture
def kontakter() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE core_kpp__kontakter (patient_id VARCHAR, ar INTEGER, kon VARCHAR, alder INTEGER, "
        "kalla_fil VARCHAR)"
    )
    con.executemany("INSERT INTO core_kpp__kontakter VALUES (?, ?, ?, ?, ?)", CONTACTS)
    return con


def test_patient_rule_in_two_steps_is_the_plain_rule(kontakter: duckdb.DuckDBPyConnection) -> None:
    assert set(kontakter.sql(PLAIN_RULE).fetchall()) == BROKEN
    assert set(kontakter.sql(consistency_rule()).fetchall()) == BROKEN
    assert kontakter.sql(consistency_rule()).columns == kontakter.sql(PLAIN_RULE).columns


def test_patient_rule_in_two_steps_survives_hash_collisions(kontakter: duckdb.DuckDBPyConnection) -> None:
    """The first step groups by a hash of patient and year and compares hashes of the sex; groups or
    sexes sharing a hash must still reach the exact second step. 64-bit collisions cannot be made
    here, so the rule is run with 'hashes' that collide: every group the same key, and a sex hashed
    to its length (every one-letter code alike)."""
    sql = consistency_rule()
    assert sql.count("hash(kon)") == 3
    assert sql.count("hash(patient_id, ar)") == 1 and sql.count("hash(k.patient_id, k.ar)") == 1
    colliding = {
        "keys": sql.replace("hash(patient_id, ar)", "42").replace("hash(k.patient_id, k.ar)", "42"),
        "sexes": sql.replace("hash(kon)", "length(kon)"),
    }
    colliding["both"] = colliding["keys"].replace("hash(kon)", "length(kon)")
    for name, query in colliding.items():
        assert set(kontakter.sql(query).fetchall()) == BROKEN, name
    kept = [c for c in CONTACTS if c[0] not in ("P2", "P5", "P6", "P7", None)]
    kontakter.execute("DELETE FROM core_kpp__kontakter")
    kontakter.executemany("INSERT INTO core_kpp__kontakter VALUES (?, ?, ?, ?, ?)", kept)
    for name, query in [*colliding.items(), ("rule", sql), ("plain", PLAIN_RULE)]:
        assert kontakter.sql(query).fetchall() == [], name


# kpp-medelkostnad as first written: the bands joined to every contact, then grouped
PLAIN_MEAN_COST = (
    "WITH band(vardtyp, vardform, lagst, hogst) AS (VALUES ('somatisk', 'sluten', 20000, 200000), "
    "('psykiatrisk', 'sluten', 30000, 500000), ('somatisk', 'oppen', 800, 15000), "
    "('psykiatrisk', 'oppen', 800, 15000), ('primarvard', 'oppen', 200, 5000)) "
    "SELECT k.ar, k.vardtyp, k.vardform, count(*) AS antal, round(avg(k.kostnad)) AS medelkostnad, "
    "any_value(b.lagst) AS lagst, any_value(b.hogst) AS hogst FROM core_kpp__kontakter k JOIN band b "
    "USING (vardtyp, vardform) GROUP BY k.ar, k.vardtyp, k.vardform HAVING count(*) >= 200 AND "
    "(avg(k.kostnad) < any_value(b.lagst) OR avg(k.kostnad) > any_value(b.hogst))"
)


def test_mean_cost_rule_grouped_first_is_the_plain_rule() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE core_kpp__kontakter (ar INTEGER, vardtyp VARCHAR, vardform VARCHAR, kostnad DOUBLE)"
    )
    groups = [  # ar, vardtyp, vardform, contacts, cost of each
        (2020, "somatisk", "sluten", 200, 100.0),  # mean below 20 000: broken
        (2020, "somatisk", "oppen", 200, 5000.0),
        (2020, "primarvard", "oppen", 199, 1.0),  # below the band, but too few contacts
        (2020, None, "oppen", 300, 1.0),  # no band
        (2020, "annan", "oppen", 300, 1.0),  # no band
        (2021, "psykiatrisk", "sluten", 250, 600000.0),  # mean above 500 000: broken
    ]
    con.executemany(
        "INSERT INTO core_kpp__kontakter VALUES (?, ?, ?, ?)",
        [(ar, typ, form, cost) for ar, typ, form, n, cost in groups for _ in range(n)],
    )
    suite = contracts.load_suite("core_kpp__kontakter")
    (rule,) = [r for r in suite["meta"]["sql_rules"] if r["name"] == "kpp-medelkostnad"]
    broken = {
        (2020, "somatisk", "sluten", 200, 100.0, 20000, 200000),
        (2021, "psykiatrisk", "sluten", 250, 600000.0, 30000, 500000),
    }
    assert set(con.sql(PLAIN_MEAN_COST).fetchall()) == broken
    assert set(con.sql(rule["sql"]).fetchall()) == broken
    assert con.sql(rule["sql"]).columns == con.sql(PLAIN_MEAN_COST).columns
    assert con.sql(rule["sql"]).types == con.sql(PLAIN_MEAN_COST).types
