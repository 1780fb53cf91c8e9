"""`report --period` on the demo: a period outside the data names the periods that exist, a report
that takes no period says so — both in Swedish, exit ≠ 0 and without a traceback."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import run_cli, tree


def test_a_period_outside_the_data_names_the_periods(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    before = tree(home / "published" / "befolkning")
    proc = run_cli(home, "report", "befolkning", "--period", "1990", check=False)
    assert proc.returncode == 1
    # the demo's population is 2015–2025 (pipelines/demo/befolkning.py)
    assert (
        "befolkning: perioden 1990 finns inte i rapportens data (perioder som finns: 2015–2025)."
        in proc.stderr
    )
    assert "Traceback" not in proc.stderr and "polars" not in proc.stderr
    assert tree(home / "published" / "befolkning") == before


def test_a_report_without_periods_refuses_one_without_traceback(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    proc = run_cli(home, "report", "gap-npo", "--period", "2020", check=False)
    assert proc.returncode == 1
    assert (
        "gap-npo.qmd: GAP-analysen bygger på varje indikators senaste period; --period stöds inte här."
        in (proc.stderr.replace("\n", " "))
    )
    assert "Traceback" not in proc.stderr and "RapportFel" not in proc.stderr
