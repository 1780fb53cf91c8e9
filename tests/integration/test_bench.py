"""The benchmark runs every figure on the same data and the implementations agree (no timing is asserted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines import bench

TODAY = {"scale", "rows", "analysplan_s", "pandas_s", "ratio", "analysplan_peak_mb", "pandas_peak_mb"}
NEW = {
    "memory_ratio",
    "pandas_note",
    "prepare_s",
    "prepare_peak_mb",
    "ingest_rows",
    "ingest_s",
    "ingest_peak_mb",
    "duckdb_read_s",
    "duckdb_read_peak_mb",
    "ingest_ratio",
    "ingest_memory_ratio",
    "duckdb_checked_read_s",
    "checked_read_ratio",
    "ingest_floor_ratio",
    "contracts_s",
    "contracts_peak_mb",
    "contracts_share_of_ingest",
    "ingest_steps",
    "ingest_direct",
    "contracts_full_over_ingest",
}


def test_bench_compares_equal_results() -> None:
    result = bench.run(0.002)  # raises if the pipeline and the pandas baseline disagree
    data = json.loads(bench.as_json(result))
    assert set(data) == TODAY | NEW
    assert data["scale"] == 0.002 and data["rows"] > 1000
    assert data["analysplan_s"] > 0 and data["pandas_s"] > 0
    assert data["ratio"] == round(data["pandas_s"] / data["analysplan_s"], 2)
    assert data["memory_ratio"] == round(data["analysplan_peak_mb"] / data["pandas_peak_mb"], 2)
    assert data["analysplan_peak_mb"] > 50 and data["pandas_peak_mb"] > 50
    assert data["pandas_note"] is None
    # one year of the extract (2016) through `analysplan ingest`, and DuckDB read the same rows
    assert 0 < data["ingest_rows"] < data["rows"]
    assert data["ingest_ratio"] == round(data["ingest_s"] / data["duckdb_read_s"], 2)
    # the lower bound: DuckDB with the format's rules (it read the same rows), the ingest's core and contract
    assert data["checked_read_ratio"] == round(data["duckdb_checked_read_s"] / data["duckdb_read_s"], 2)
    steps = data["ingest_steps"]
    floor = (data["duckdb_checked_read_s"] + steps["core"] + steps["kontrakt"]) / data["duckdb_read_s"]
    assert data["ingest_floor_ratio"] == round(floor, 2)
    # the ingest built raw and core itself; its contract step is the share's numerator (like for like)
    assert data["ingest_direct"] is True
    assert {"lasa", "raw", "core", "kontrakt", "commit"} <= set(data["ingest_steps"])
    assert sum(data["ingest_steps"].values()) < data["ingest_s"]
    assert data["contracts_share_of_ingest"] == round(data["ingest_steps"]["kontrakt"] / data["ingest_s"], 2)
    assert data["contracts_full_over_ingest"] == round(data["contracts_s"] / data["ingest_s"], 2)
    lines = bench.table_rows([result])
    assert lines[0] == ("Skala", "0,002", "Mål") and all(len(line) == 3 for line in lines)


def test_parts_add_up_to_the_scale() -> None:
    assert bench._parts(0.5) == [(0, 0.5)]
    assert bench._parts(4) == [(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)]
    assert sum(s for _, s in bench._parts(2.5)) == pytest.approx(2.5)


def test_pandas_is_not_run_where_it_would_not_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "_mem_available", lambda: 8 * 2**30)
    assert bench.pandas_fits(1_000_000) is None  # 0,8 GB of 8
    note = bench.pandas_fits(32_140_506)  # scale 4: ≈ 25 GB
    assert note is not None and "pandas körs inte" in note and "8,0 GB ledigt" in note


def test_a_detached_registration_is_waited_for_until_it_ends(tmp_path: Path) -> None:
    """A registration just started holds no instance lock yet: the bench (and anyone) still waits
    for it, by the registrations' lock it inherits, and only for its own workspace's; a killed one
    lets go."""
    import sys

    from pipelines import las
    from pipelines.workspace import Workspace

    ws = Workspace(tmp_path / "arbetsyta").ensure()
    other = Workspace(tmp_path / "annan").ensure()
    child = las.start_registration(ws, [sys.executable, "-I", "-c", "import time; time.sleep(60)"])
    try:
        assert child.poll() is None, "the stand-in registration did not start"
        assert las.wait_for_registrations(ws, timeout=0.5) is False
        assert las.wait_for_registrations(other, timeout=0.5) is True
    finally:
        child.kill()
        child.wait()
    assert las.wait_for_registrations(ws, timeout=5) is True
