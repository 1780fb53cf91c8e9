"""Nothing new costs nothing: a second `analysplan demo` with no change only checks.

It regenerates no demo file, starts no Dagster run and publishes nothing; both wall times are
printed (the ratio is measured by `analysplan bench`; no timed assertion here).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import dagster as dg

from tests.conftest import run_cli, tree


def _runs(home: Path) -> int:
    instance = dg.DagsterInstance.from_config(str(home / "dagster"))
    try:
        return instance.get_runs_count()
    finally:
        instance.dispose()


def test_a_second_demo_with_nothing_changed_only_checks(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, first = demo_run
    demo_files = {p: p.stat().st_mtime_ns for p in (home / "demo").rglob("*") if p.is_file()}
    published = tree(home / "published")
    runs = _runs(home)

    started = time.perf_counter()
    second = run_cli(home, "demo")
    seconds = time.perf_counter() - started

    first_time = re.search(r"Tid: ([\d,]+) s", first.stderr)
    print(f"\nanalysplan demo: första {first_time[1] if first_time else '?'} s, andra {seconds:.1f} s")
    assert "Demodata: 57 filer för 13 källor (oförändrade)" in second.stderr
    assert "Inget nytt att läsa in" in second.stderr
    assert re.search(r"Allt är aktuellt: \d+ tillgångar kontrollerade, inget behövde byggas", second.stderr)
    assert "bygger" not in second.stderr and second.stdout == ""
    assert _runs(home) == runs  # no Dagster run at all
    assert {p: p.stat().st_mtime_ns for p in (home / "demo").rglob("*") if p.is_file()} == demo_files
    assert tree(home / "published") == published


def test_the_first_demo_shows_each_step_and_runs_once_per_wave(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    _, first = demo_run
    steps = re.findall(r"^\[(\d+)/(\d+)\] bygger (\w+) …$", first.stderr, re.MULTILINE)
    assert ("1", "6", "raw_drg__vikter") in steps  # the reference wave: drg, SVF max times, VIS catalogue
    built = [name for _, _, name in steps]
    assert len(built) == len(set(built))  # every asset built once, in two runs (not one per source)
    assert {"core_kpp__kontakter", "out_kpp__kontakter", "report_befolkning"} <= set(built)
    assert first.stderr.count("Klart:") == 2
