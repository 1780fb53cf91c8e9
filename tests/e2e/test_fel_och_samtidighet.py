"""Safe under faults and load (issue 10), with real `analysplan` processes on small data.

One small workspace (the demo's SCB population file, `report befolkning`) is built once per module
and copied for each test. Kills are real: SIGKILL from the test, or the fault-injection hook
(``ANALYSPLAN_FEL_VID``, honoured only under pytest) that ends the process with ``os._exit`` at an
exact point.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from pipelines import las, stadning
from pipelines.demo import befolkning
from pipelines.workspace import Workspace
from tests.conftest import FIXTURES, tree

KILLED = (-signal.SIGKILL, 137)  # SIGKILL from the test; os._exit(137) from the hook


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "ANALYSPLAN_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"), **extra}
    for name in ("ANALYSPLAN_LAN", "ANALYSPLAN_PARAMETRAR", "ANALYSPLAN_FEL_VID"):
        if name not in extra:
            env.pop(name, None)
    return env


def start(home: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=env_for(home, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=env_for(home, **extra),
        capture_output=True,
        text=True,
        timeout=600,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, f"{proc.args}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    assert "could not set lock" not in proc.stderr
    return proc


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with SCB population (all regions), its tables and one published `befolkning`."""
    root = tmp_path_factory.mktemp("safe")
    files = befolkning.generate_files(root / "demodata", seed=20200101, scale=0.01)
    home = root / "home"
    ok(run(home, "ingest", "scb-befolkning", *map(str, files["scb-befolkning"])))
    ok(run(home, "report", "befolkning"))
    return home


@pytest.fixture
def home(base: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "home"
    shutil.copytree(base, copy, symlinks=True)
    return copy


def table(home: Path, query: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql(query).fetchall()
    finally:
        con.close()


def aldersstruktur(home: Path) -> list[tuple[Any, ...]]:
    return table(home, "SELECT * FROM out_scb__aldersstruktur ORDER BY ALL")


def versions(home: Path, slug: str = "befolkning") -> list[str]:
    path = home / "published" / slug / "versions.json"
    return [v["version"] for v in json.loads(path.read_text(encoding="utf-8"))]


def latest(home: Path, slug: str = "befolkning") -> str:
    return os.readlink(home / "published" / slug / "latest")


def run_statuses(home: Path) -> list[str]:
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        return [r.status.value for r in instance.get_runs()]


def published_files(home: Path) -> dict[str, str]:
    return tree(home / "published")


# --- two commands at once ------------------------------------------------------------------------


def v1_variant(tmp_path: Path, name: str, delta: int) -> Path:
    """The PxWeb v1 fixture (kommun 2580): ``delta`` persons moved from age 1 to age 0 (totals kept)."""
    doc = json.loads((FIXTURES / "pxweb" / "befolkning_v1.json").read_text(encoding="utf-8-sig"))
    for row in doc["data"]:
        change = {"0": delta, "1": -delta}.get(row["key"][1], 0)
        row["values"] = [str(int(v) + change) for v in row["values"]]
    out = tmp_path / name
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def pairs(tmp_path: Path) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    a, b = v1_variant(tmp_path, "a.json", 1), v1_variant(tmp_path, "b.json", 2)
    sql = ("sql", "SELECT count(*) FROM out_scb__aldersstruktur")
    mat = ("materialize", "key:out_scb__aldersstruktur")
    return [
        (("report", "befolkning", "--period", "2019"), ("report", "befolkning", "--period", "2018")),
        (mat, ("ingest", "scb-befolkning", str(a))),
        (("report", "befolkning", "--period", "2020"), sql),
        (mat, sql),
        (("ingest", "scb-befolkning", str(b)), sql),
        (("ingest", "scb-befolkning", str(a)), ("ingest", "scb-befolkning", str(b))),
        (mat, ("materialize", "key:core_scb__befolkning")),
        (("report", "befolkning", "--period", "2021"), mat),
        (("report", "befolkning", "--period", "2022"), ("ingest", "scb-befolkning", str(b))),
        (sql, sql),
    ]


def holds_lock(home: Path, proc: subprocess.Popen[str]) -> bool:
    return las.holder(Workspace(home)).get("pid") == proc.pid


def test_ten_pairs_of_commands_at_once_all_finish(home: Path, tmp_path: Path) -> None:
    """Each pair: the second starts while the first holds the warehouse; both must finish, the
    writer that came second saying that it waits, the reader reading without waiting."""
    finished = 0
    waited = 0
    for first, second in pairs(tmp_path):
        p1 = start(home, *first)
        while p1.poll() is None and not holds_lock(home, p1) and first[0] != "sql":
            time.sleep(0.05)
        overlapped = p1.poll() is None
        p2 = start(home, *second)
        out2, err2 = p2.communicate(timeout=600)
        out1, err1 = p1.communicate(timeout=600)
        assert p1.returncode == 0, f"{first}: {out1}\n{err1}"
        assert p2.returncode == 0, f"{second}: {out2}\n{err2}"
        assert "could not set lock" not in err1 + err2
        if second[0] == "sql":
            assert out2.splitlines()[0] == "count_star()" and int(out2.splitlines()[1]) > 0
            assert "väntar på lagret" not in err2
        elif overlapped and first[0] != "sql" and p1.returncode == 0 and "väntar på lagret" in err2:
            waited += 1
        finished += 1
    assert finished == 10
    assert waited >= 1  # at least one writer really found the other at work and waited its turn
    assert "STARTED" not in run_statuses(home)


def test_a_writer_waits_with_a_line_and_stops_after_the_timeout(home: Path) -> None:
    ws = Workspace(home)
    before = tree(home / "published")
    with las.skrivlas(ws, say=lambda _: None):
        proc = run(home, "report", "befolkning", "--period", "2019", ANALYSPLAN_LAS_TIMEOUT="1")
        reader = run(home, "sql", "SELECT count(*) FROM out_scb__aldersstruktur")
    assert proc.returncode == 5, proc.stderr
    assert "väntar på lagret" in proc.stderr
    assert "lagret är fortfarande upptaget efter 1 s" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert tree(home / "published") == before
    # the reader did not wait: it read the last committed copy
    ok(reader)
    assert "läser senast sparade läget" in reader.stderr
    assert int(reader.stdout.splitlines()[1]) == len(aldersstruktur(home))


def test_a_waiting_writer_goes_on_when_the_lock_is_released(home: Path) -> None:
    ws = Workspace(home)
    with las.skrivlas(ws, say=lambda _: None):
        proc = start(home, "materialize", "key:out_scb__aldersstruktur")
        deadline = time.monotonic() + 120
        seen = ""
        assert proc.stderr is not None
        while "väntar på lagret" not in seen and time.monotonic() < deadline:
            seen += proc.stderr.readline()
    out, err = proc.communicate(timeout=600)
    assert "väntar på lagret" in seen
    assert proc.returncode == 0, out + err
    assert "lagret är ledigt" in err


def test_a_writer_waits_for_a_program_that_has_the_warehouse_open(home: Path) -> None:
    """A notebook's read-only connection (not using the lock) makes a writer wait, not fail."""
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:  # the table is due: there is work to do
        con.execute(
            "UPDATE meta_tabeller SET fingeravtryck = 'inaktuell' WHERE tabell = 'out_scb__aldersstruktur'"
        )
    notebook = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        proc = start(home, "materialize", "key:out_scb__aldersstruktur")
        assert proc.stderr is not None
        seen = ""
        while "ett annat program har det öppet" not in seen and proc.poll() is None:
            seen += proc.stderr.readline()
    finally:
        notebook.close()
    _, err = proc.communicate(timeout=600)
    assert "ett annat program har det öppet" in seen
    assert proc.returncode == 0, seen + err
    assert "could not set lock" not in (seen + err).lower()


# --- kill -9 at exact points ---------------------------------------------------------------------


def test_kill_between_build_and_record_keeps_table_and_fingerprint_together(home: Path) -> None:
    expected = aldersstruktur(home)
    killed = run(
        home,
        "materialize",
        "key:out_scb__aldersstruktur",
        ANALYSPLAN_LAN="13",
        ANALYSPLAN_FEL_VID="bygg-registrering",
    )
    assert killed.returncode in KILLED, killed.stderr
    assert "STARTED" in run_statuses(home)
    ok(run(home, "materialize", "key:out_scb__aldersstruktur"))  # default county again
    assert aldersstruktur(home) == expected  # not the killed run's county under the default fingerprint
    assert "STARTED" not in run_statuses(home)  # the killed run was marked failed at the next start
    assert "FAILURE" in run_statuses(home)


@pytest.mark.parametrize("point", ["publicera-flyttad", "publicera-versions"])
def test_kill_in_the_publish_window_is_completed_at_the_next_start(home: Path, point: str) -> None:
    before = versions(home)
    index = json.loads((home / "published" / "befolkning" / "versions.json").read_text(encoding="utf-8"))
    period = str(index[0]["dataperiod"])  # the latest data period: a new version of it becomes latest
    killed = run(home, "report", "befolkning", "--period", period, ANALYSPLAN_FEL_VID=point)
    assert killed.returncode in KILLED, killed.stderr
    folders = sorted(
        p.name for p in (home / "published" / "befolkning").iterdir() if (p / "manifest.json").exists()
    )
    new = [v for v in folders if v not in before and not (home / "published" / "befolkning" / v).is_symlink()]
    assert len(new) == 1  # the version folder is in place (the commit point) …
    ok(
        run(home, "materialize", "key:out_scb__aldersstruktur")
    )  # … and the next start, any command, indexes it
    assert versions(home) == [*before, new[0]]
    assert latest(home) == new[0]  # same data period, newer: it is the latest
    assert all(
        p.stat().st_mode & 0o222 == 0
        for p in (home / "published" / "befolkning" / new[0]).rglob("*")
        if p.is_file()
    )
    assert new[0] in (home / "published" / "index.html").read_text(encoding="utf-8")
    again = ok(run(home, "report", "befolkning", "--period", period))
    assert "oförändrad" in again.stderr and versions(home) == [*before, new[0]]


def test_one_ingest_of_several_files_is_accepted_whole_or_not_at_all(tmp_path: Path) -> None:
    a, b = v1_variant(tmp_path, "a.json", 100), v1_variant(tmp_path, "b.json", 200)
    whole, killed_home = tmp_path / "whole", tmp_path / "killed"
    ok(run(whole, "ingest", "scb-befolkning", str(a), str(b)))
    killed = run(
        killed_home, "ingest", "scb-befolkning", str(a), str(b), ANALYSPLAN_FEL_VID="ingest-mellan-filer"
    )
    assert killed.returncode in KILLED, killed.stderr
    # the next writer's start rolls the half delivery back: no file of the call is left
    run(killed_home, "materialize", "key:raw_scb__befolkning")  # fails (no files), but starts
    assert not list((killed_home / "incoming" / "scb-befolkning").glob("*.json"))
    ok(run(killed_home, "ingest", "scb-befolkning", str(a), str(b)))
    query = "SELECT * FROM core_scb__befolkning ORDER BY ALL"
    assert table(killed_home, query) == table(whole, query)
    # the documented order: the later file of one call wins (b: 200 persons moved to age 0)
    age0 = "SELECT sum(folkmangd) FROM core_scb__befolkning WHERE alder::VARCHAR = '0' AND ar = 2020"
    assert table(whole, age0) == [(499 + 466 + 2 * 200,)]


# --- stray files ---------------------------------------------------------------------------------


def dead_token() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{proc.pid}.1"


def test_stale_staging_and_render_temp_are_removed_at_the_next_start(home: Path, tmp_path: Path) -> None:
    staging = home / "staging"
    dead = staging / f"ingest-{dead_token()}-0123abcd"
    (dead / "kpp").mkdir(parents=True)
    (dead / "kpp" / "kontakter.csv").write_text("personnummer;kostnad\n191212121212;100\n", encoding="utf-8")
    legacy = staging / "befolkning-89abcdef"
    legacy.mkdir()
    mine = staging / f"ingest-{stadning.process_token()}-fedcba98"  # this test process: alive
    mine.mkdir()
    temp = tmp_path / "tmp"
    stale_render = temp / f"{stadning.RENDER_PREFIX}{dead_token()}-x1"
    stale_render.mkdir(parents=True)
    half = home / "incoming" / "scb-befolkning" / "abc.json.tmp"
    half.write_text("{}", encoding="utf-8")
    ok(run(home, "materialize", "key:out_scb__aldersstruktur", TMPDIR=str(temp)))
    assert not dead.exists() and not legacy.exists() and not stale_render.exists() and not half.exists()
    assert mine.exists()


# --- kill -9 at a random point -------------------------------------------------------------------


def killed_at_random(home: Path, args: Sequence[str], rng: random.Random, **extra: str) -> float:
    proc = start(home, *args, **extra)
    delay = rng.uniform(0.5, 6.0)
    try:
        proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    return delay


def test_kill_at_a_random_point_loses_nothing_and_a_rerun_gives_the_same_result(
    home: Path, base: Path, tmp_path: Path
) -> None:
    """kill -9 a real ingest, materialize and report at a random moment; then the warehouse opens,
    every published file is unchanged, and re-running gives what an uninterrupted run gives."""
    rng = random.Random(int(os.environ.get("ANALYSPLAN_SLUMPFRO", "10")))
    a = v1_variant(tmp_path, "a.json", 7)
    commands = [
        ("ingest", "scb-befolkning", str(a)),
        ("materialize", "key:out_scb__aldersstruktur"),
        ("report", "befolkning", "--period", "2020"),
    ]
    reference = tmp_path / "reference"
    shutil.copytree(base, reference, symlinks=True)
    for args in commands:
        ok(run(reference, *args))
    # the indexes beside the versions may gain a version a killed command finished before its kill;
    # every file of a published version stays as it was, and so does every version the index listed
    indexes = {"index.html", "befolkning/versions.json"}
    published_before = {k: v for k, v in published_files(home).items() if k not in indexes}
    versions_before = versions(home)
    for args in commands:
        killed_at_random(home, args, rng, ANALYSPLAN_LAN="13" if args[0] == "materialize" else "25")
        table(home, "SELECT count(*) FROM meta_tabeller")  # the warehouse opens
        now = published_files(home)
        assert {k: now.get(k) for k in published_before} == published_before  # published files unchanged
        assert versions(home)[: len(versions_before)] == versions_before  # the index only grows
    for args in commands:
        ok(run(home, *args))
    assert aldersstruktur(home) == aldersstruktur(reference)
    # a killed report may have finished first and published from the data before the ingest: an
    # extra, whole version; every version of the uninterrupted run is there, and the same latest
    assert set(versions(reference)) <= set(versions(home))
    assert latest(home) == latest(reference)
    assert not list((home / "staging").iterdir())
    assert not list((home / "incoming").rglob("*.tmp")) and not list((home / "incoming").rglob(".leverans-*"))
    assert "STARTED" not in run_statuses(home)
