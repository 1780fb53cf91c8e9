"""Clean-up at the start of every writing command: nothing a killed run left behind survives it.

A run killed with ``kill -9`` cannot clean up after itself. The next command that takes the
warehouse's writer lock (:func:`pipelines.las.skrivlas`) runs :func:`vid_start`, which removes
or repairs what such a run left — only what belongs to a process that is gone:

- ``staging/`` folders (half-rendered reports, the ingest dry run's copies of delivered,
  patient-level files): their name holds the owner's process id and start time
  (:func:`arbetsmapp`); a folder of a process that is gone (or of an older version without an
  owner in its name) is removed;
- the renderer's temporary folders ``$TMPDIR/analysplan-render-<owner>-…``;
- half-written files of :func:`pipelines.workspace.atomic_write` (``*.tmp``) in the workspace,
  e.g. a delivered file copied into ``incoming/`` by a killed ``ingest``;
- an ``ingest`` of several files killed in the middle (its journal in ``incoming/<source>/``): the
  files it stored are removed again, so the call is accepted whole or not at all;
- a published version whose folder was moved into place but not yet indexed: added to
  ``versions.json`` and ``latest`` (:func:`pipelines.publish.repair_index`);
- Dagster runs that a killed process left ``STARTED``: marked failed, so the run queue moves.
  Every run records its process (tag ``analysplan/process``, set by the resource).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import tempfile
import uuid
from contextlib import closing
from pathlib import Path

from pipelines.workspace import Workspace, atomic_write

PROCESS_TAG = "analysplan/process"
RENDER_PREFIX = "analysplan-render-"
OWNER = re.compile(r"-(\d+)\.(\d+)-[0-9a-f]+$")
JOURNAL_GLOB = ".leverans-*.json"


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22), if known."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii")
    except OSError:
        return None
    return int(stat.rsplit(")", 1)[1].split()[19])


def process_token(pid: int | None = None) -> str:
    """``<pid>.<start time>``: names a process, not a reused pid."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}.{_start_time(pid) or 0}"


def alive(token: str) -> bool:
    """Whether the process ``token`` (:func:`process_token`) still runs."""
    pid_text, _, start = token.partition(".")
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except ValueError:
        return False
    now = _start_time(pid)
    return now is None or not start or start == "0" or str(now) == start


def arbetsmapp(ws: Workspace, prefix: str) -> Path:
    """A new folder's path in ``staging/`` whose name says which process owns it (not created)."""
    return ws.staging / f"{prefix}-{process_token()}-{uuid.uuid4().hex[:8]}"


def render_prefix() -> str:
    """The prefix of this process's renderer temp folders (``tempfile``'s ``prefix``)."""
    return f"{RENDER_PREFIX}{process_token()}-"


def _stale(name: str) -> bool:
    match = OWNER.search(name)
    return match is None or not alive(f"{match.group(1)}.{match.group(2)}")


def clean_staging(ws: Workspace) -> list[Path]:
    """Remove staging folders whose owner is gone; the removed paths."""
    removed = []
    for entry in sorted(ws.staging.iterdir()) if ws.staging.exists() else []:
        if _stale(entry.name):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


def clean_render_temp(folder: Path | None = None) -> list[Path]:
    """Remove the renderer's temp folders (``analysplan-render-<owner>-…``) whose owner is gone."""
    removed = []
    base = Path(folder or tempfile.gettempdir())
    for entry in sorted(base.glob(f"{RENDER_PREFIX}*")):
        match = re.match(rf"{RENDER_PREFIX}(\d+)\.(\d+)-", entry.name)
        if match and not alive(f"{match.group(1)}.{match.group(2)}") and _owned_by_me(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _owned_by_me(path: Path) -> bool:
    try:
        return path.lstat().st_uid == os.getuid()
    except OSError:
        return False


def clean_half_written(ws: Workspace) -> list[Path]:
    """Remove ``*.tmp`` files (half-written by a killed writer) in incoming/, published/ and the home."""
    removed = []
    candidates = [*ws.home.glob("*.tmp"), *ws.incoming.rglob("*.tmp"), *ws.published.rglob("*.tmp")]
    for path in sorted(candidates):
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def journal_path(ws: Workspace, source: str) -> Path:
    return ws.incoming_dir(source) / f".leverans-{process_token()}-{uuid.uuid4().hex[:8]}.json"


def roll_back_deliveries(ws: Workspace) -> list[Path]:
    """Undo every ``ingest`` whose journal is left (its process is gone): remove the files it stored."""
    removed = []
    for journal in sorted(ws.incoming.glob(f"*/{JOURNAL_GLOB}")):
        if not _stale(journal.stem):
            continue
        try:
            entry = json.loads(journal.read_text(encoding="utf-8"))
            names = entry["filer"]
        except (OSError, ValueError, KeyError):
            entry, names = {}, []
        if "leveranslogg" in entry:  # the delivery log as it was before the call
            log_file = ws.incoming / "leveranser.json"
            if entry["leveranslogg"] is None:
                log_file.unlink(missing_ok=True)
            else:
                atomic_write(log_file, str(entry["leveranslogg"]).encode("utf-8"))
        for name in names:
            path = journal.parent / Path(name).name
            if path.exists():
                path.unlink()
                removed.append(path)
        journal.unlink(missing_ok=True)
    return removed


def _may_have_live_runs(runs_db: Path) -> bool:
    """False when the instance's run database (SQLite) holds no run in a started state; True when it
    does or cannot be read this way. Opened immutable: the check writes nothing beside it."""
    if not runs_db.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{runs_db}?mode=ro&immutable=1", uri=True)) as con:
            (count,) = con.execute(
                "SELECT count(*) FROM runs WHERE status IN ('STARTED', 'STARTING', 'CANCELING')"
            ).fetchone()
    except sqlite3.Error:
        return True
    return bool(count)


def fail_dead_runs() -> list[str]:
    """Mark failed the Dagster runs left STARTED (or STARTING, CANCELING) by a process that is gone."""
    home = os.environ.get("DAGSTER_HOME")
    if home and not _may_have_live_runs(Path(home) / "history" / "runs.db"):
        return []  # no run left started: no need to import Dagster (a second and more)
    import dagster as dg

    instance = dg.DagsterInstance.get()
    statuses = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.CANCELING]
    failed = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=statuses)):
        token = run.tags.get(PROCESS_TAG)
        if token and not alive(token):
            pid = token.split(".")[0]
            instance.report_run_failed(run, f"Körningens process ({pid}) finns inte längre (avbruten).")
            failed.append(run.run_id)
    return failed


def vid_start(ws: Workspace) -> dict[str, list[str]]:
    """Everything above, in order; what was done (for the log). Called holding the writer lock."""
    from pipelines import publish

    done = {
        "arbetsmappar": [str(p) for p in clean_staging(ws)],
        "renderingsmappar": [str(p) for p in clean_render_temp()],
        "halvskrivna": [str(p) for p in clean_half_written(ws)],
        "leveranser": [str(p) for p in roll_back_deliveries(ws)],
        "versioner": publish.repair_index(ws),
    }
    if ws.dagster_home.exists() and os.environ.get("DAGSTER_HOME"):
        done["korningar"] = fail_dead_runs()
    return done
