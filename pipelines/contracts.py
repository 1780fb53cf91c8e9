"""Data contracts: the great-expectations suites in ``data_contracts/`` run against warehouse tables.

Column names and DuckDB types are checked first, by us, from the suite's ``meta.column_types``: that
gives a crisp message and avoids pandas dtype guesswork. The structural expectations (row count,
not-null, unique and compound keys, value sets, ranges, regular expressions, column pairs) then run as
SQL inside DuckDB: one pass over the table counts every rule's offending rows, and only a broken
rule fetches its first 20 (the same result fields great-expectations' SUMMARY format gives, so a
rule's message is the same). At millions of rows that is seconds instead of copying the whole table
into pandas. Three shortcuts keep the counts exact: not-null is ``count(*) - count(c)``; a regular
expression or value set on a column with few distinct values is tested once per value, weighted by
its rows; uniqueness is first checked on the sorted key hashes, and only a repeated hash (a repeated
key, or a collision) runs the exact listing of repeated keys. An expectation type without a SQL
form is still given to GX, on a pandas frame of only the columns it names (GX has no working DuckDB
or Polars engine, see stack-notes).

great_expectations takes ~2–5 s to import: it is imported inside :func:`validate`, never at module
import, so CLI start-up and Dagster definition loading stay fast.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipelines import warehouse
from pipelines.workspace import REPO_ROOT

CONTRACTS_DIR = REPO_ROOT / "data_contracts"


@dataclass(frozen=True)
class Failure:
    rule: str
    column: str | None
    message: str
    rows: list[int] = field(default_factory=list)  # 1-based row numbers in the validated table

    def __str__(self) -> str:
        where = f"kolumn {self.column}: " if self.column else ""
        rows = (
            f" (rader {', '.join(map(str, self.rows[:10]))}{' …' if len(self.rows) > 10 else ''})"
            if self.rows
            else ""
        )
        return f"{where}regel {self.rule}: {self.message}{rows}"


@dataclass(frozen=True)
class ContractResult:
    table: str
    rows: int
    checked: int
    failures: list[Failure]

    @property
    def success(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.success:
            return f"{self.table}: kontraktet uppfyllt ({self.checked} regler, {self.rows} rader)"
        lines = "\n".join(f"  - {f}" for f in self.failures)
        return f"{self.table}: kontraktet bröts ({len(self.failures)} av {self.checked} regler):\n{lines}"


def suite_path(table: str) -> Path:
    return CONTRACTS_DIR / f"{table}.json"


def load_suite(table: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(suite_path(table).read_text(encoding="utf-8"))
    return data


def suite_hash(table: str) -> str:
    """SHA-256 of ``data_contracts/<table>.json``: a changed contract re-checks the table."""
    return hashlib.sha256(suite_path(table).read_bytes()).hexdigest()


def tables_read(table: str) -> list[str]:
    """The other warehouse tables the suite's SQL rules read (e.g. a reference table)."""
    code = re.sub(r"'[^']*'", "''", suite_path(table).read_text(encoding="utf-8"))
    return sorted({t for t in warehouse.TABLE_REFERENCE.findall(code) if t != table})


def _check_schema(con: duckdb.DuckDBPyConnection, table: str, expected: dict[str, str]) -> list[Failure]:
    actual = [
        (name, dtype)
        for name, dtype in con.sql(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = $t AND table_catalog = current_database() "
            "AND table_schema = current_schema() ORDER BY ordinal_position",
            params={"t": table},
        ).fetchall()
    ]
    if [n for n, _ in actual] != list(expected):
        return [
            Failure(
                "kolumner",
                None,
                f"kolumnerna ska vara {list(expected)}, är {[n for n, _ in actual]}",
            )
        ]
    return [
        Failure("kolumntyp", name, f"typen ska vara {expected[name]}, är {dtype}")
        for name, dtype in actual
        if dtype != expected[name]
    ]


def _describe(result: Any) -> tuple[str, list[int]]:
    res = result.result or {}
    rows = [int(i) + 1 for i in (res.get("partial_unexpected_index_list") or []) if isinstance(i, int)]
    count = res.get("unexpected_count")
    values = res.get("partial_unexpected_list")
    observed = res.get("observed_value")
    kwargs = {k: v for k, v in result.expectation_config.kwargs.items() if k not in ("column", "batch_id")}
    parts = [f"{result.expectation_config.type}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"]
    if count is not None:
        parts.append(f"{count} avvikande värden")
    if values:
        parts.append(f"t.ex. {values[:5]}")
    if observed is not None and count is None:
        parts.append(f"observerat {observed}")
    return "; ".join(parts), rows


PARTIAL = 20  # great-expectations' partial_unexpected_count: values and rows listed per broken rule


@dataclass(frozen=True)
class _Result:
    """What :func:`_describe` reads of a GX validation result, from SQL or from GX itself."""

    result: dict[str, Any]
    expectation_config: Any


@dataclass(frozen=True)
class _Config:
    type: str
    kwargs: dict[str, Any]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_condition(expectation: dict[str, Any], n: int) -> tuple[str, str, list[str]] | None:
    """(offending-row condition, value expression, columns) of a column-map expectation; None if the
    type has no SQL form here. Parameters are bound as ``$e<n>_<name>``."""
    kind, kw = expectation["type"], expectation["kwargs"]
    if set(kw) - {"column", "column_A", "column_B", "column_list", "min_value", "max_value", "value_set",
                  "regex", "or_equal"}:  # fmt: skip
        return None  # mostly, strict_min, ignore_row_if, …: leave those to GX
    if kind == "expect_column_values_to_not_be_null":
        c = _quoted(kw["column"])
        return f"{c} IS NULL", c, [kw["column"]]
    if kind == "expect_column_values_to_be_in_set":
        c = _quoted(kw["column"])
        return f"{c} IS NOT NULL AND NOT list_contains($e{n}_value_set, {c})", c, [kw["column"]]
    if kind == "expect_column_values_to_be_between":
        c = _quoted(kw["column"])
        parts = []
        if kw.get("min_value") is not None:
            parts.append(f"{c} < $e{n}_min_value")
        if kw.get("max_value") is not None:
            parts.append(f"{c} > $e{n}_max_value")
        if not parts:
            return None
        return f"{c} IS NOT NULL AND ({' OR '.join(parts)})", c, [kw["column"]]
    if kind in ("expect_column_values_to_match_regex", "expect_column_values_to_not_match_regex"):
        c = _quoted(kw["column"])
        negate = "NOT " if kind.endswith("_to_match_regex") and "_not_" not in kind else ""
        return f"{c} IS NOT NULL AND {negate}regexp_matches({c}, $e{n}_regex)", c, [kw["column"]]
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _quoted(kw["column_A"]), _quoted(kw["column_B"])
        op = ">=" if kw.get("or_equal") else ">"
        # GX's default ignore_row_if="both_values_are_missing"; one missing value is unexpected
        condition = f"NOT ({a} IS NULL AND {b} IS NULL) AND NOT coalesce({a} {op} {b}, false)"
        return condition, f"[{a}, {b}]", [kw["column_A"], kw["column_B"]]
    return None


# Column-map expectations whose test is a string operation of the value alone (a regular expression,
# a value set): on a column with few distinct values (codes, diagnoses, pseudonyms repeated over a
# patient's contacts) they are counted once per distinct value instead of once per row.
_PER_VALUE = (
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_match_regex",
)
FEW_VALUES = 0.25  # at most this share of the rows distinct (DuckDB's estimate): count per value


def _few_values(
    con: duckdb.DuckDBPyConnection, table: str, column: str, n_rows: int, known: dict[str, bool]
) -> bool:
    """Whether ``column`` has few distinct values for its rows, from DuckDB's column statistics
    (its HyperLogLog estimate, read without a scan). Only the way of counting depends on it, not the
    count: a missing or odd estimate counts per row."""
    if column not in known:
        try:
            stats = con.sql(f"SELECT stats({_quoted(column)}) FROM {_quoted(table)} LIMIT 1").fetchall()
            unique = stats[0][0].get("approx_unique") if stats and isinstance(stats[0][0], dict) else None
        except duckdb.Error:
            unique = None
        known[column] = isinstance(unique, int) and unique <= FEW_VALUES * n_rows
    return known[column]


def _repeated_hashes(con: duckdb.DuckDBPyConnection, t: str, key_hash: str, where: str) -> int:
    """How many rows' key hash equals the previous one in hash order: 0 proves the keys unique."""
    sorted_hashes = (
        f"SELECT h = lag(h) OVER (ORDER BY h) AS again FROM (SELECT {key_hash} AS h FROM {t} {where})"
    )
    return int(con.sql(f"SELECT count(*) FROM ({sorted_hashes}) WHERE again").fetchall()[0][0])


def _sql_params(expectation: dict[str, Any], n: int) -> dict[str, Any]:
    kw = expectation["kwargs"]
    return {f"e{n}_{k}": v for k, v in kw.items() if k in ("min_value", "max_value", "value_set", "regex")}


def _numbered(t: str, row_order: Sequence[str] | None) -> str:
    """``t`` with each row's 0-based number in ``rad_nr``: its place in ``row_order`` (the suite's
    ``meta.row_order``, for a table stored in no particular order), else its physical place.
    Only a broken rule's listing reads it, so the window's sort is paid only then."""
    if not row_order:
        return f"(SELECT *, rowid AS rad_nr FROM {t})"
    order = ", ".join(_quoted(c) for c in row_order)
    return f"(SELECT *, row_number() OVER (ORDER BY {order}) - 1 AS rad_nr FROM {t})"


def _expectation_sql(
    con: duckdb.DuckDBPyConnection,
    table: str,
    expectations: list[dict[str, Any]],
    n_rows: int,
    row_order: Sequence[str] | None = None,
) -> tuple[list[_Result], list[dict[str, Any]]]:
    """Evaluate the expectations that have a SQL form; returns their results and the rest (for GX).
    A broken rule names its first rows by number (1-based) in ``row_order`` (see :func:`_numbered`)."""
    t = _quoted(table)
    listing = _numbered(t, row_order)
    results: list[_Result] = []
    rest: list[dict[str, Any]] = []
    counts: list[tuple[int, str]] = []  # (index, count expression) of the one pass over the table
    params: dict[str, Any] = {}
    by_value: dict[str, list[tuple[int, str]]] = {}  # column → (index, condition), counted per value
    few_values: dict[str, bool] = {}
    info: dict[int, tuple[str, str]] = {}
    found: dict[int, Any] = {}
    for n, e in enumerate(expectations):
        kind, kw = e["type"], e["kwargs"]
        if kind == "expect_table_row_count_to_be_between":
            continue
        # Uniqueness first by the keys' 64-bit hashes, sorted (cheaper than a hash table of millions
        # of keys): equal keys have equal hashes, so no hash repeated proves the keys unique. A repeat
        # (a repeated key, or a collision) is only a suspicion: the exact listing below decides.
        if kind == "expect_column_values_to_be_unique" and set(kw) == {"column"}:
            c = _quoted(kw["column"])
            found[n] = _repeated_hashes(con, t, f"hash({c})", f"WHERE {c} IS NOT NULL")
            continue
        if kind == "expect_compound_columns_to_be_unique" and set(kw) == {"column_list"}:
            key_list = ", ".join(_quoted(c) for c in kw["column_list"])
            found[n] = _repeated_hashes(con, t, f"hash({key_list})", "")
            continue
        sql = _sql_condition(e, n)
        if sql is None:
            rest.append(e)
            continue
        condition, value, _ = sql
        info[n] = (condition, value)
        if kind == "expect_column_values_to_not_be_null":
            # the same count as FILTER (WHERE c IS NULL), read off the validity masks: ~50× cheaper
            counts.append((n, f"count(*) - count({_quoted(kw['column'])})"))
        elif kind in _PER_VALUE and _few_values(con, table, kw["column"], n_rows, few_values):
            by_value.setdefault(kw["column"], []).append((n, condition))
        else:
            counts.append((n, f"count(*) FILTER (WHERE {condition})"))
            params |= _sql_params(e, n)
    if counts:
        row = con.sql(f"SELECT {', '.join(expr for _, expr in counts)} FROM {t}", params=params).fetchall()
        found |= dict(zip((n for n, _ in counts), row[0], strict=True))
    for column, conditions in by_value.items():
        # a string test (regex, value set) once per distinct value, weighted by its rows: the same count
        c = _quoted(column)
        sums = ", ".join(f"sum(rader) FILTER (WHERE {condition})" for _, condition in conditions)
        row = con.sql(
            f"SELECT {sums} FROM (SELECT {c}, count(*) AS rader FROM {t} GROUP BY {c})",
            params={k: v for n, _ in conditions for k, v in _sql_params(expectations[n], n).items()},
        ).fetchall()
        found |= dict(zip((n for n, _ in conditions), row[0], strict=True))
    for n, e in enumerate(expectations):
        kind, kw = e["type"], e["kwargs"]
        config = _Config(kind, dict(kw))
        if kind == "expect_table_row_count_to_be_between":
            low, high = kw.get("min_value"), kw.get("max_value")
            ok = (low is None or n_rows >= low) and (high is None or n_rows <= high)
            results.append(
                _Result(
                    {"observed_value": n_rows, "success": ok},
                    config if ok else _Config(kind, _gx_kwargs(kind, kw)),
                )
            )
            continue
        if n not in found:
            continue
        count = int(found[n] or 0)
        res: dict[str, Any] = {"success": count == 0}
        if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
            cols = [kw["column"]] if "column" in kw else list(kw["column_list"])
            if count:  # repeated keys, or only a hash collision: the listing is exact
                keys = ", ".join(_quoted(c) for c in cols)
                # GX leaves out rows whose key is all missing; a missing part equals a missing part (pandas)
                present = " OR ".join(f"{_quoted(c)} IS NOT NULL" for c in cols)
                repeated = f"SELECT {keys} FROM {t} WHERE {present} GROUP BY ALL HAVING count(*) > 1"
                same = " AND ".join(f"x.{_quoted(c)} IS NOT DISTINCT FROM r.{_quoted(c)}" for c in cols)
                picked = ", ".join(f"x.{_quoted(c)}" for c in cols)
                dup = f"SELECT x.rad_nr AS i, {picked} FROM {listing} AS x JOIN ({repeated}) AS r ON {same}"
                res["unexpected_count"] = int(con.sql(f"SELECT count(*) FROM ({dup})").fetchall()[0][0])
                res["success"] = res["unexpected_count"] == 0
                sample = con.sql(f"SELECT * FROM ({dup}) ORDER BY i LIMIT {PARTIAL}").fetchall()
                res["partial_unexpected_index_list"] = [int(r[0]) for r in sample]
                res["partial_unexpected_list"] = (
                    [r[1] for r in sample]
                    if "column" in kw
                    else [dict(zip(cols, r[1:], strict=True)) for r in sample]
                )
            else:
                res["unexpected_count"] = 0
        else:
            res["unexpected_count"] = count
            if count:
                condition, value = info[n]
                first = f"WHERE {condition} ORDER BY rad_nr LIMIT {PARTIAL}"
                sample = con.sql(
                    f"SELECT rad_nr, {value} FROM {listing} {first}",
                    params=_sql_params(e, n),
                ).fetchall()
                res["partial_unexpected_index_list"] = [int(r[0]) for r in sample]
                # GX reads missing values through pandas, where they are NaN
                res["partial_unexpected_list"] = [math.nan if r[1] is None else r[1] for r in sample]
                if kind == "expect_column_pair_values_a_to_be_greater_than_b":
                    res["partial_unexpected_list"] = _as_pandas_pairs(con, t, kw, sample)
        if not res["success"]:  # name the rule as GX would (it normalises e.g. 0 → 0.0): import only now
            config = _Config(kind, _gx_kwargs(kind, kw))
        results.append(_Result(res, config))
    return results, rest


def _as_pandas_pairs(
    con: duckdb.DuckDBPyConnection, t: str, kw: dict[str, Any], sample: list[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The offending pairs as GX shows them: numpy scalars of the columns' pandas dtypes (an integer
    column with a missing value anywhere is float64 in pandas)."""
    import numpy as np

    kinds = []
    for key in ("column_A", "column_B"):
        c = _quoted(kw[key])
        dtype, nulls = con.sql(
            f"SELECT typeof(any_value({c})), count(*) FILTER (WHERE {c} IS NULL) FROM {t}"
        ).fetchall()[0]
        integer = str(dtype).upper() in (
            "TINYINT",
            "SMALLINT",
            "INTEGER",
            "BIGINT",
            "UTINYINT",
            "USMALLINT",
            "UINTEGER",
            "UBIGINT",
            "HUGEINT",
        )
        kinds.append(
            np.int64
            if integer and not nulls
            else np.float64
            if integer or str(dtype).upper() in ("DOUBLE", "FLOAT")
            else None
        )

    def cast(value: Any, kind: Any) -> Any:
        if kind is None:
            return value
        return np.float64("nan") if value is None else kind(value)

    return [tuple(cast(v, k) for v, k in zip(r[1], kinds, strict=True)) for r in sample]


def _gx_kwargs(kind: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """An expectation's kwargs as great-expectations holds them (and prints them in the message)."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return dict(ExpectationConfiguration(type=kind, kwargs=kwargs).to_domain_obj().configuration.kwargs)


def validate(con: duckdb.DuckDBPyConnection, table: str) -> ContractResult:
    """Validate ``table`` in the connected warehouse against ``data_contracts/<table>.json``."""
    suite_json = load_suite(table)
    failures = _check_schema(con, table, suite_json["meta"]["column_types"])
    n_rows = warehouse.table_rows(con, table)
    sql_rules = suite_json["meta"].get("sql_rules", [])
    checked = 1 + len(suite_json["expectations"]) + len(sql_rules)
    if failures:  # a wrong schema makes the value rules meaningless
        return ContractResult(table, n_rows, checked, failures)

    row_order = suite_json["meta"].get("row_order")
    results, rest = _expectation_sql(con, table, suite_json["expectations"], n_rows, row_order)
    for r in results:
        if not r.result["success"]:
            message, rows = _describe(r)
            failures.append(
                Failure(r.expectation_config.type, r.expectation_config.kwargs.get("column"), message, rows)
            )
    if rest:
        failures += _validate_gx(con, table, suite_json["name"], rest, row_order)
    failures += _check_sql_rules(con, sql_rules)
    return ContractResult(table, n_rows, checked, failures)


def _validate_gx(
    con: duckdb.DuckDBPyConnection,
    table: str,
    name: str,
    expectations: list[dict[str, Any]],
    row_order: Sequence[str] | None = None,
) -> list[Failure]:
    """Expectations without a SQL form, by great-expectations on the columns they name (all if none),
    the rows in ``row_order`` if the suite gives one (GX numbers them as the frame has them)."""
    import great_expectations as gx
    from great_expectations.core import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    named: list[str] = []
    for e in expectations:
        kw = e["kwargs"]
        for key in ("column", "column_A", "column_B"):
            if key in kw and kw[key] not in named:
                named.append(kw[key])
        named += [c for c in kw.get("column_list", []) if c not in named]
    columns = ", ".join(_quoted(c) for c in named) if named else "*"
    order = f" ORDER BY {', '.join(_quoted(c) for c in row_order)}" if row_order else ""
    frame = con.sql(f"SELECT {columns} FROM {_quoted(table)}{order}").to_arrow_table().to_pandas()
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = ExpectationSuite(
        name=name,
        expectations=[
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta")).to_domain_obj()
            for e in expectations
        ],
    )
    batch_def = (
        ctx.data_sources.add_pandas("warehouse")
        .add_dataframe_asset(table)
        .add_batch_definition_whole_dataframe("hela_tabellen")
    )
    outcome = batch_def.get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format="SUMMARY"
    )
    failures = []
    for r in outcome.results:
        if not r.success and r.expectation_config is not None:
            message, rows = _describe(r)
            failures.append(
                Failure(r.expectation_config.type, r.expectation_config.kwargs.get("column"), message, rows)
            )
    return failures


def _check_sql_rules(con: duckdb.DuckDBPyConnection, rules: list[dict[str, Any]]) -> list[Failure]:
    """Rules GX cannot express on pandas (referential checks between tables, sums over groups).

    Each rule in the suite's ``meta.sql_rules`` is ``{"name", "sql", "rationale", "column"?}``
    where ``sql`` is a SELECT returning the offending rows (none = rule kept). They run on the
    warehouse itself, so they can join other core tables.
    """
    failures = []
    for rule in rules:
        query = rule["sql"].strip().rstrip(";")
        count = int(warehouse.scalar(con, f"SELECT count(*) FROM ({query})"))
        if count:
            sample = con.sql(f"SELECT * FROM ({query}) LIMIT 5").fetchall()
            failures.append(
                Failure(rule["name"], rule.get("column"), f"{count} rader bryter regeln, t.ex. {sample}")
            )
    return failures
