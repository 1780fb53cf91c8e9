"""The writer's lock, the readers' copy and the start-of-run clean-up, in one process.

``flock`` locks belong to an open file, so a second ``open`` of the lock file in this process
stands in for another command holding the warehouse.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines import las, publish, stadning
from pipelines.workspace import Workspace


def other_writer(ws: Workspace) -> int:
    """Hold the lock as another command would; returns the file descriptor (close to release)."""
    fd = os.open(las.lock_path(ws), os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.write(fd, json.dumps({"pid": 4242, "kommando": "analysplan report kpp-2020", "sedan": "x"}).encode())
    return fd


def make_warehouse(ws: Workspace, rows: int) -> None:
    con = duckdb.connect(str(ws.warehouse))
    con.execute("CREATE OR REPLACE TABLE out_test__t AS SELECT range AS i FROM range($n)", {"n": rows})
    con.close()


def count(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.sql("SELECT count(*) FROM out_test__t").fetchall()[0][0])
    finally:
        con.close()


def test_the_lock_is_reentrant_and_released(workspace: Workspace) -> None:
    with las.skrivlas(workspace, say=lambda _: None):
        with las.skrivlas(workspace, say=lambda _: None):
            assert las.holds(workspace)
        assert las.holds(workspace)
    assert not las.holds(workspace)
    fd = other_writer(workspace)  # free again: another process can take it at once
    os.close(fd)


def test_a_second_writer_says_it_waits_and_gives_up_with_a_swedish_message(workspace: Workspace) -> None:
    lines: list[str] = []
    fd = other_writer(workspace)
    try:
        with pytest.raises(las.LagretUpptaget) as err, las.skrivlas(workspace, timeout=0.3, say=lines.append):
            pass
    finally:
        os.close(fd)
    assert lines == ["väntar på lagret (pid 4242: analysplan report kpp-2020, sedan x UTC) … högst 0,3 s"]
    assert "lagret är fortfarande upptaget efter 0,3 s (pid 4242" in str(err.value)
    assert "inget har ändrats" in str(err.value)
    assert not las.holds(workspace)


def test_a_bad_timeout_is_refused_in_swedish(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(las.TIMEOUT_ENV, "tio")
    with pytest.raises(ValueError, match="ange antal sekunder"):
        las.timeout_s()


def test_a_reader_reads_the_warehouse_or_the_writers_copy_never_waiting(workspace: Workspace) -> None:
    make_warehouse(workspace, 3)
    with las.skrivlas(workspace, say=lambda _: None):  # a writer takes the lock: copies the committed state
        pass
    make_warehouse(workspace, 5)  # … and changes the warehouse after (committed, lock released)
    with las.lasvag(workspace) as path:
        assert path == workspace.warehouse and count(path) == 5  # no writer: the warehouse itself
    fd = other_writer(workspace)
    try:
        lines: list[str] = []
        with las.lasvag(workspace, say=lines.append) as path:
            assert path == las.snapshot_path(workspace)
            assert count(path) == 3  # the state the writer found, not half of its work
        assert "läser senast sparade läget" in lines[0]
    finally:
        os.close(fd)


def test_the_copy_is_refreshed_only_when_the_warehouse_changed(workspace: Workspace) -> None:
    make_warehouse(workspace, 2)
    first = las.snapshot(workspace)
    assert first is not None and count(first) == 2
    mtime = first.stat().st_mtime_ns
    assert las.snapshot(workspace) == first and first.stat().st_mtime_ns == mtime
    make_warehouse(workspace, 4)
    assert count(las.snapshot(workspace) or first) == 4


def dead_token() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return stadning.process_token(proc.pid).split(".")[0] + ".1"


def test_process_tokens_name_live_and_dead_processes() -> None:
    assert stadning.alive(stadning.process_token())
    assert not stadning.alive(dead_token())
    own_pid = str(os.getpid())
    assert not stadning.alive(f"{own_pid}.1")  # same pid, another start time: a reused pid


def test_only_folders_of_dead_owners_are_removed(workspace: Workspace, tmp_path: Path) -> None:
    live = stadning.arbetsmapp(workspace, "ingest")
    live.mkdir()
    dead = workspace.staging / f"ingest-{dead_token()}-00ff00ff"
    dead.mkdir()
    unnamed = workspace.staging / "kpp-2020-1234abcd"  # before owners were named: stale
    unnamed.mkdir()
    assert set(stadning.clean_staging(workspace)) == {dead, unnamed}
    assert live.exists()
    temp = tmp_path / "tmp"
    temp.mkdir()
    mine = temp / f"{stadning.render_prefix()}abc"
    gone = temp / f"{stadning.RENDER_PREFIX}{dead_token()}-abc"
    other = temp / "analysplan-render-old"  # owner unknown, maybe another workspace: kept
    for folder in (mine, gone, other):
        folder.mkdir()
    assert stadning.clean_render_temp(temp) == [gone]
    assert mine.exists() and other.exists()


def test_an_unindexed_version_is_indexed_and_made_read_only(workspace: Workspace) -> None:
    slug = workspace.published / "befolkning"
    manifest = {
        "version": "2020-abc",
        "publicerad": "2026-01-01T00:00:00+00:00",
        "kod": {"commit": "c0ffee", "dirty": False},
        "rubrik": "Befolkning",
        "parametrar": {},
        "filer": {"html": "report.html"},
        "dataperiod": 2020,
    }
    (slug / "2020-abc").mkdir(parents=True)
    (slug / "2020-abc" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (slug / "2020-abc" / "report.html").write_text("<p>", encoding="utf-8")
    assert publish.repair_index(workspace) == ["befolkning/2020-abc"]
    assert [v["version"] for v in publish.read_versions(workspace, "befolkning")] == ["2020-abc"]
    assert os.readlink(slug / "latest") == "2020-abc"
    assert (slug / "2020-abc" / "report.html").stat().st_mode & 0o222 == 0
    assert publish.repair_index(workspace) == []  # idempotent


def test_a_half_delivery_is_rolled_back(workspace: Workspace) -> None:
    folder = workspace.incoming_dir("kpp-kontakter")
    folder.mkdir(parents=True)
    (folder / "aa.csv").write_text("x", encoding="utf-8")
    (folder / "aa.meta.json").write_text("{}", encoding="utf-8")
    (folder / "bb.csv").write_text("kept: an earlier delivery", encoding="utf-8")
    journal = folder / f".leverans-{dead_token()}-0a0b0c0d.json"
    journal.write_text(json.dumps({"filer": ["aa.csv", "aa.meta.json", "cc.csv", "cc.meta.json"]}))
    assert sorted(p.name for p in stadning.roll_back_deliveries(workspace)) == ["aa.csv", "aa.meta.json"]
    assert sorted(p.name for p in folder.iterdir()) == ["bb.csv"]


def test_a_registration_holds_dagsters_instance_not_the_warehouse(workspace: Workspace) -> None:
    """`registrera` takes only the instance's lock: a writer waits for it, a reader does not."""
    make_warehouse(workspace, 3)
    fd = os.open(las.instance_lock_path(workspace), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process registering
    try:
        lines: list[str] = []
        with las.lasvag(workspace, say=lines.append) as path:  # the warehouse itself, no message
            assert path == workspace.warehouse and count(path) == 3
        assert lines == []
        with pytest.raises(las.LagretUpptaget) as err, las.instanslas(workspace, timeout=0.3):
            pass
        assert "Dagsters instans är fortfarande upptagen efter 0,3 s" in str(err.value)
    finally:
        os.close(fd)
    with las.instanslas(workspace), las.instanslas(workspace):  # free again, and re-entrant
        pass
    fd = os.open(las.instance_lock_path(workspace), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released: another process takes it at once
    os.close(fd)


def _version_rows(db: Path) -> list[tuple[str, ...]]:
    import sqlite3

    with sqlite3.connect(db) as con:
        return [tuple(r) for r in con.execute("SELECT version_num FROM alembic_version").fetchall()]


STORAGE = ("history/runs.db", "history/runs/index.db", "history/runs/.db", "schedules/schedules.db")


def test_dagsters_storage_is_created_whole_under_the_instance_lock(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes that open a missing instance at once each stamp its schema (CI: "more than one
    head present"); the workspace makes the storage before anyone opens it, with one stamp each."""
    assert not las.instance_ready(workspace)
    fd = os.open(las.instance_lock_path(workspace), os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process holds the instance: creating waits for it
    try:
        monkeypatch.setenv(las.TIMEOUT_ENV, "0.3")
        with pytest.raises(las.LagretUpptaget):
            las.create_instance(workspace)
        monkeypatch.delenv(las.TIMEOUT_ENV)
        assert not (workspace.dagster_home / "history").exists()
    finally:
        os.close(fd)
    las.create_instance(workspace)
    home = workspace.dagster_home
    assert sorted(p.name for p in home.iterdir()) == ["dagster.yaml", "history", "schedules"]  # no temp left
    for part in STORAGE:
        assert len(_version_rows(home / part)) == 1, part
    created = (home / "history" / "runs.db").stat().st_mtime_ns
    las.create_instance(workspace)  # made once
    assert (home / "history" / "runs.db").stat().st_mtime_ns == created


def test_a_partly_made_storage_is_completed_with_its_mark_last(workspace: Workspace) -> None:
    """A storage left half made (a process killed while creating it) is completed, not replaced:
    what is there stays, and history/runs.db, the mark that it is whole, comes last."""
    kept = workspace.dagster_home / "history" / "runs" / "kept.db"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"x")
    assert not las.instance_ready(workspace)
    las.create_instance(workspace)
    assert las.instance_ready(workspace) and kept.read_bytes() == b"x"
    for part in STORAGE:
        assert len(_version_rows(workspace.dagster_home / part)) == 1, part


def test_processes_that_start_at_once_in_a_new_workspace_share_one_storage(tmp_path: Path) -> None:
    home = tmp_path / "ny"
    env = {**os.environ, "ANALYSPLAN_HOME": str(home)}
    code = (
        "from pipelines import las\n"
        "from pipelines.workspace import current_workspace\n"
        "with las.open_instance(current_workspace()) as i: i.get_runs()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE) for _ in range(4)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    for part in STORAGE:
        assert len(_version_rows(home / "dagster" / part)) == 1, part
