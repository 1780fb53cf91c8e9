"""Data contracts: the great-expectations suites in ``data_contracts/`` run against warehouse tables.

GX has no DuckDB or Polars engine that works (see stack-notes), so a table is read through Arrow
into pandas and validated there. Column names and DuckDB types are checked first, by us, from the
suite's ``meta.column_types``: that gives a crisp message and avoids pandas dtype guesswork.

great_expectations takes ~2–5 s to import: it is imported inside :func:`validate`, never at module
import, so CLI start-up and Dagster definition loading stay fast.
"""

from __future__ import annotations

import hashlib
import json
import re
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


def validate(con: duckdb.DuckDBPyConnection, table: str) -> ContractResult:
    """Validate ``table`` in the connected warehouse against ``data_contracts/<table>.json``."""
    suite_json = load_suite(table)
    failures = _check_schema(con, table, suite_json["meta"]["column_types"])
    n_rows = warehouse.table_rows(con, table)
    sql_rules = suite_json["meta"].get("sql_rules", [])
    checked = 1 + len(suite_json["expectations"]) + len(sql_rules)
    if failures:  # a wrong schema makes the value rules meaningless
        return ContractResult(table, n_rows, checked, failures)

    import great_expectations as gx
    from great_expectations.core import ExpectationSuite
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    frame = con.sql(f'SELECT * FROM "{table}"').to_arrow_table().to_pandas()
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    suite = ExpectationSuite(
        name=suite_json["name"],
        expectations=[
            ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta")).to_domain_obj()
            for e in suite_json["expectations"]
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
    for r in outcome.results:
        if not r.success and r.expectation_config is not None:
            message, rows = _describe(r)
            failures.append(
                Failure(r.expectation_config.type, r.expectation_config.kwargs.get("column"), message, rows)
            )
    failures += _check_sql_rules(con, sql_rules)
    return ContractResult(table, n_rows, checked, failures)


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
