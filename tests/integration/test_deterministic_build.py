"""The same build on identical inputs gives bit-identical out_* tables: the demo's own build and two
rebuilds of every out_* table from its core tables, with one thread and with four (DuckDB adds
floating-point numbers in the order its threads finish; sums in out_* are exact, see
``warehouse.exact_sums``), agree to the last bit in every cell of every table."""

from __future__ import annotations

import hashlib
import shutil
import struct
import subprocess
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

import duckdb

from pipelines import parametrar, warehouse

OUT_TABLES = sorted(p.stem for p in warehouse.SQL_DIR.glob("out_*.sql"))


def build_order() -> list[str]:
    graph = {t: [d for d in warehouse.tables_read(t) if d in OUT_TABLES] for t in OUT_TABLES}
    return list(TopologicalSorter(graph).static_order())


def cell(value: Any) -> Any:
    """A value as its exact bits (a float by its IEEE 754 bytes, so -0.0, NaN and 1 ulp all count)."""
    return struct.pack(">d", value).hex() if isinstance(value, float) else value


def digests(path: Path) -> dict[str, str]:
    """Table → SHA-256 of its rows (sorted, every cell exact)."""
    con = duckdb.connect(str(path), read_only=True)
    warehouse.install_macros(con)  # the views among the out_* tables call them
    try:
        return {
            table: hashlib.sha256(
                repr(
                    sorted(
                        (
                            tuple(cell(v) for v in row)
                            for row in con.sql(f'SELECT * FROM "{table}"').fetchall()
                        ),
                        key=repr,
                    )
                ).encode()
            ).hexdigest()
            for table in OUT_TABLES
        }
    finally:
        con.close()


def rebuild(source: Path, target: Path, threads: int) -> dict[str, str]:
    shutil.copy(source, target)
    con = duckdb.connect(str(target))
    try:
        con.execute(f"SET threads = {threads}")
        warehouse.install_macros(con)
        for table in build_order():
            warehouse.build_table(con, table, parametrar.sql_params("25"))
    finally:
        con.close()
    return digests(target)


def test_every_out_table_is_bit_identical_across_builds(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    home, _ = demo_run
    demo = tmp_path / "demo.duckdb"
    shutil.copy(home / "warehouse.duckdb", demo)
    built = digests(demo)
    one = rebuild(demo, tmp_path / "en_trad.duckdb", threads=1)
    four = rebuild(demo, tmp_path / "fyra_tradar.duckdb", threads=4)
    assert len(built) == len(OUT_TABLES) >= 25
    assert {t for t in OUT_TABLES if one[t] != four[t]} == set()
    assert {t for t in OUT_TABLES if built[t] != one[t]} == set()


def test_sums_are_rewritten_exactly_and_only_sums() -> None:
    code = "SELECT sum(a * (b + 1)) FILTER (WHERE c), summa(x), sum(sum(y)) OVER w, 'sum(' AS s -- sum(z)\nFROM t"
    assert warehouse.exact_sums(code) == (
        "SELECT sum(CAST((a * (b + 1)) AS DECIMAL(38,9))) FILTER (WHERE c), summa(x), "
        "sum(CAST((sum(CAST((y) AS DECIMAL(38,9)))) AS DECIMAL(38,9))) OVER w, 'sum(' AS s \nFROM t"
    )
