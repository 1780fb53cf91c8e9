"""The benchmark runs both implementations on the same data and they agree (no timing is asserted)."""

from __future__ import annotations

import json

from pipelines import bench


def test_bench_compares_equal_results() -> None:
    result = bench.run(0.002)  # raises if the pipeline and the pandas baseline disagree
    data = json.loads(bench.as_json(result))
    assert set(data) == {
        "scale",
        "rows",
        "analysplan_s",
        "pandas_s",
        "ratio",
        "analysplan_peak_mb",
        "pandas_peak_mb",
    }
    assert data["scale"] == 0.002 and data["rows"] > 1000
    assert data["analysplan_s"] > 0 and data["pandas_s"] > 0
    assert data["ratio"] == round(data["pandas_s"] / data["analysplan_s"], 2)
    assert data["analysplan_peak_mb"] > 50 and data["pandas_peak_mb"] > 50
