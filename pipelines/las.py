"""One writer at a time on the warehouse; readers never wait for it.

DuckDB lets one process open a database file for writing, and no process may open it read-only
while that writer has it open. Two commands at once used to end with DuckDB's raw "could not set
lock". Here:

- **Writers** (``ingest``, ``materialize``, ``report``, ``demo``, ``fetch`` and every Dagster run,
  through the resource) take an exclusive ``fcntl`` lock on ``$ANALYSPLAN_HOME/lagret.las`` before
  they open the warehouse, for the whole command. A writer that finds it taken says so on stderr
  ("väntar på lagret …", naming the holder) and waits its turn, at most
  ``$ANALYSPLAN_LAS_TIMEOUT`` seconds (default 1 800); then it stops with :class:`LagretUpptaget`,
  a Swedish message, and nothing changed. The lock belongs to the open file: a killed process
  (``kill -9``) releases it at once, so there is no stale lock to remove by hand. The lock is
  re-entrant within a process (the CLI holds it, the assets it runs take it again).
  Dagster's own limit is the same: ``run_queue.max_concurrent_runs: 1`` in ``dagster.yaml`` queues
  runs launched from the UI or the schedule, and their steps take this lock too.
- **Readers** (``analysplan sql``) never take the writer's turn. With no writer, they read the
  warehouse itself (a shared lock for the moment they read, so no writer starts in between).
  While a writer holds the lock they read ``lagret-kopia.duckdb``: the last committed warehouse,
  copied when the previous writer let go (or, after a killed one, by this writer when it took the
  lock, before it changed anything). A Dagster run holds the lock from its resource's setup to
  its teardown, so a run of many steps copies once. Either way a reader
  sees a consistent state, and a writer never waits for a reader for more than one query.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, TypeVar

from pipelines.workspace import Workspace

if TYPE_CHECKING:
    import dagster as dg

TIMEOUT_ENV = "ANALYSPLAN_LAS_TIMEOUT"
DEFAULT_TIMEOUT_S = 1800.0
POLL_S = 0.2
T = TypeVar("T")


class LagretUpptaget(Exception):
    """The warehouse stayed locked by another writer for longer than the timeout."""


def lock_path(ws: Workspace) -> Path:
    return ws.home / "lagret.las"


def instance_lock_path(ws: Workspace) -> Path:
    return ws.home / "dagster.las"


def snapshot_path(ws: Workspace) -> Path:
    return ws.home / "lagret-kopia.duckdb"


def timeout_s() -> float:
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: ange antal sekunder (t.ex. 600)") from None
    if value < 0:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: antalet sekunder kan inte vara negativt")
    return value


# --- the writer's lock -------------------------------------------------------------------------

_held: dict[Path, tuple[IO[str], int]] = {}  # lock file → (open file, depth), this process
_guard = threading.Lock()


def holder(ws: Workspace) -> dict[str, object]:
    """Who holds (or last held) the writer's lock: pid, command, since when; {} if unknown."""
    try:
        text = lock_path(ws).read_text(encoding="utf-8")
        info: dict[str, object] = json.loads(text) if text.strip() else {}
        return info
    except (OSError, ValueError):
        return {}


def _describe(info: dict[str, object]) -> str:
    if not info:
        return "en annan körning"
    since = str(info.get("sedan", "")).replace("T", " ").removesuffix("+00:00")
    return f"pid {info.get('pid')}: {info.get('kommando')}, sedan {since} UTC"


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _reenter(path: Path) -> bool:
    """Whether this process holds the lock ``path`` already; if so, one level deeper."""
    with _guard:
        if path not in _held:
            return False
        handle, depth = _held[path]
        _held[path] = (handle, depth + 1)
        return True


@contextmanager
def skrivlas(
    ws: Workspace,
    *,
    timeout: float | None = None,
    say: Callable[[str], None] = _say,
    on_acquire: Callable[[Workspace], object] | None = None,
) -> Iterator[None]:
    """Hold the warehouse's writer lock (waiting for it with a visible line, up to ``timeout``).

    ``on_acquire`` runs once, when this process takes the lock (not on re-entry): the start-of-run
    clean-up (:func:`pipelines.stadning.vid_start`). Before it, the last committed warehouse is
    copied for readers (:func:`snapshot`)."""
    path = lock_path(ws)
    if _reenter(path):
        try:
            yield
        finally:
            _release(path)
        return

    limit = timeout_s() if timeout is None else timeout
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole command
    try:
        if not _try_lock(handle, fcntl.LOCK_EX):
            say(f"väntar på lagret ({_describe(holder(ws))}) … högst {_seconds(limit)}")
            deadline = time.monotonic() + limit
            while not _try_lock(handle, fcntl.LOCK_EX):
                if time.monotonic() >= deadline:
                    raise LagretUpptaget(
                        f"lagret är fortfarande upptaget efter {_seconds(limit)} "
                        f"({_describe(holder(ws))}); inget har ändrats. Försök igen när den körningen är "
                        f"klar, eller vänta längre med {TIMEOUT_ENV}=<sekunder>."
                    )
                time.sleep(POLL_S)
            say("lagret är ledigt, fortsätter")
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    handle.truncate()
    handle.write(
        json.dumps(
            {
                "pid": os.getpid(),
                "kommando": " ".join(["analysplan", *sys.argv[1:]])[:200],
                "sedan": datetime.now(UTC).isoformat(timespec="seconds"),
            },
            ensure_ascii=False,
        )
    )
    handle.flush()
    with _guard:
        _held[path] = (handle, 1)
    try:
        snapshot(ws)  # after a killed writer; else already made when the last writer let go
        if on_acquire is not None:
            on_acquire(ws)
        yield
    finally:
        _release(path, ws)


@contextmanager
def instanslas(ws: Workspace, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the lock on Dagster's instance: one of this workspace's processes at a time writes it.

    Every writer holds it with the warehouse's lock (``pipelines.cli._writer``); a detached
    registration of work done without a Dagster run (``analysplan registrera``) holds only this one,
    so it waits for a writer and a writer for it — two processes never create or migrate the
    instance's storage at once — while readers of the warehouse are not held up by it. Re-entrant
    within a process; waits silently (a registration is short) up to ``timeout``."""
    path = instance_lock_path(ws)
    if not _reenter(path):
        limit = timeout_s() if timeout is None else timeout
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole command
        deadline = time.monotonic() + limit
        while not _try_lock(handle, fcntl.LOCK_EX):
            if time.monotonic() >= deadline:
                handle.close()
                raise LagretUpptaget(
                    f"Dagsters instans är fortfarande upptagen efter {_seconds(limit)}; inget har ändrats. "
                    f"Försök igen, eller vänta längre med {TIMEOUT_ENV}=<sekunder>."
                )
            time.sleep(POLL_S)
        with _guard:
            _held[path] = (handle, 1)
    try:
        yield
    finally:
        _release(path)


def registration_lock_path(ws: Workspace) -> Path:
    return ws.home / "registrering.las"


def start_registration(ws: Workspace, args: list[str]) -> subprocess.Popen[bytes]:
    """Start ``args`` (an `analysplan registrera…` command) detached, holding the registrations'
    lock (shared) from before it starts until it ends: the lock is taken here and the process
    inherits it (same open file), so :func:`wait_for_registrations` sees a registration that has not
    yet got as far as the instance's lock, and a killed one lets go of it."""
    with open(registration_lock_path(ws), "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(handle.fileno(),),
        )


def wait_for_registrations(ws: Workspace, timeout: float | None = None) -> bool:
    """Until no detached registration of the workspace runs (:func:`start_registration`); False if
    one still ran after ``timeout`` seconds (default: the locks' timeout)."""
    path = registration_lock_path(ws)
    if not path.exists():
        return True
    limit = timeout_s() if timeout is None else timeout
    with open(path, "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + limit
        while not _try_lock(handle, fcntl.LOCK_EX):
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)
        fcntl.flock(handle, fcntl.LOCK_UN)
    return True


def open_instance(ws: Workspace) -> dg.DagsterInstance:
    """Dagster's instance of the workspace, its storage created first if it is missing.

    Every process of ours opens the instance through this (and ``analysplan serve`` before it
    starts Dagster's UI)."""
    import dagster as dg

    create_instance(ws)
    return dg.DagsterInstance.get()


def create_instance(ws: Workspace) -> None:
    """Create Dagster's instance storage (its SQLite files) once, before it is opened.

    Dagster creates the storage in the first process that opens the instance, and two processes
    doing so at once each stamp the schema's version: the instance then refuses to open ("more
    than one head present"), for every command after. CI met it with a detached registration and a
    reader of the instance that opened it at the same moment. So it is created under
    :func:`instanslas`, in a folder of its own that is renamed into place: no process, ours or
    Dagster's UI, sees a half-made storage. Not before a process needs the instance: a command
    that only checks (a rejected file) leaves the workspace as it found it."""
    if instance_ready(ws):
        return
    with instanslas(ws):
        if instance_ready(ws):
            return
        import dagster as dg
        from dagster._core.instance import RUNLESS_RUN_ID

        made = ws.dagster_home / f".ny-instans-{os.getpid()}"
        shutil.rmtree(made, ignore_errors=True)
        made.mkdir(mode=0o700)
        try:
            shutil.copyfile(ws.dagster_home / "dagster.yaml", made / "dagster.yaml")
            with dg.DagsterInstance.from_config(str(made)) as instance:
                instance.get_records_for_run(RUNLESS_RUN_ID)  # the shard of runless events too
            _move_missing(made, ws.dagster_home)
        finally:
            shutil.rmtree(made, ignore_errors=True)


def instance_ready(ws: Workspace) -> bool:
    return (ws.dagster_home / INSTANCE_MARK).exists()


INSTANCE_MARK = Path("history") / "runs.db"  # moved last: when it is there, the storage is whole


def _move_missing(source: Path, target: Path, rel: Path = Path()) -> None:
    """Move into ``target`` what it lacks of ``source``'s tree (folders whole), the mark last."""
    last = (INSTANCE_MARK, INSTANCE_MARK.parent)
    for child in sorted(source.iterdir(), key=lambda p: ((rel / p.name) in last, p.name)):
        into = target / child.name
        if not into.exists():
            os.replace(child, into)
        elif child.is_dir() and into.is_dir():
            _move_missing(child, into, rel / child.name)


def _release(path: Path, ws: Workspace | None = None) -> None:
    with _guard:
        handle, depth = _held[path]
        if depth > 1:
            _held[path] = (handle, depth - 1)
            return
        del _held[path]
    try:
        if ws is not None:
            snapshot(ws)  # the committed state this writer leaves, for readers during the next one
    finally:
        handle.seek(0)
        handle.truncate()  # a free lock names no holder
        handle.flush()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


_runs: dict[str, AbstractContextManager[None]] = {}


def take_for_run(ws: Workspace, run_id: str, on_acquire: Callable[[Workspace], object] | None = None) -> None:
    """Take the writer lock for a whole Dagster run (the resource's setup; re-entrant inside a CLI
    command that already holds it); :func:`release_for_run` lets go at the run's teardown."""
    cm = skrivlas(ws, on_acquire=on_acquire)
    cm.__enter__()
    with _guard:
        _runs[run_id] = cm


def release_for_run(run_id: str) -> None:
    with _guard:
        cm = _runs.pop(run_id, None)
    if cm is not None:
        cm.__exit__(None, None, None)


def holds(ws: Workspace) -> bool:
    """Whether this process holds the writer's lock."""
    with _guard:
        return lock_path(ws) in _held


def _try_lock(handle: IO[str], mode: int) -> bool:
    try:
        fcntl.flock(handle, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _seconds(value: float) -> str:
    return f"{value:g} s".replace(".", ",")


@contextmanager
def oppna_nar_ledigt(
    open_cm: Callable[[], AbstractContextManager[T]], *, say: Callable[[str], None] = _say
) -> Iterator[T]:
    """Enter ``open_cm()`` (a warehouse connection), waiting while another program that does not
    use this lock (a notebook's read-only connection, DuckDB's own CLI) has the file open: DuckDB's
    "Could not set lock" becomes a wait with a line, up to the same timeout."""
    import duckdb

    limit = timeout_s()
    deadline = time.monotonic() + limit
    announced = False
    while True:
        cm = open_cm()
        try:
            value = cm.__enter__()
        except duckdb.IOException as err:
            if "lock" not in str(err).lower():
                raise
            if time.monotonic() >= deadline:
                raise LagretUpptaget(
                    f"lagret hålls öppet av ett annat program (t.ex. en notebook) efter {_seconds(limit)}; "
                    f"stäng det och försök igen, eller vänta längre med {TIMEOUT_ENV}=<sekunder>."
                ) from None
            if not announced:
                say(f"väntar på lagret (ett annat program har det öppet) … högst {_seconds(limit)}")
                announced = True
            time.sleep(POLL_S)
            continue
        break
    if announced:
        say("lagret är ledigt, fortsätter")
    with contextlib.ExitStack() as stack:
        stack.push(cm)
        yield value


# --- the readers' snapshot ---------------------------------------------------------------------


def _stamp(path: Path) -> list[int]:
    """What identifies a warehouse file's content cheaply: its size and mtime."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def snapshot(ws: Workspace) -> Path | None:
    """Copy the warehouse (committed state: no writer has it open) to :func:`snapshot_path`.

    Called by a writer holding the lock, when it takes it (before it opens the warehouse) and when
    it lets go (all its connections closed: once per command or Dagster run). Skipped when the copy is
    already of this content. The copy replaces the old one atomically (a reader of the old one
    keeps its open file). A WAL left by a killed writer holds committed transactions: it is
    checkpointed into the file first, so the copy is one file."""
    import duckdb

    source = ws.warehouse
    if not source.exists():
        return None
    if source.with_name(source.name + ".wal").exists():
        try:
            duckdb.connect(str(source)).close()  # replays and checkpoints the WAL
        except duckdb.IOException:  # another program has it open: keep the previous copy
            return target if (target := snapshot_path(ws)).exists() else None
    target = snapshot_path(ws)
    stamp_file = target.with_name(target.name + ".stampel")
    stamp = _stamp(source)
    try:
        if target.exists() and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp:
            return target
    except (OSError, ValueError):
        pass
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, tmp)
    os.replace(tmp, target)
    stamp_file.write_text(json.dumps(stamp), encoding="utf-8")
    return target


@contextmanager
def lasvag(ws: Workspace, say: Callable[[str], None] = _say) -> Iterator[Path]:
    """The warehouse file a reader should open read-only: the warehouse itself when no writer
    holds the lock (kept shared while the reader reads), else the writer's snapshot copy."""
    path = lock_path(ws)
    if not path.exists() or holds(ws):
        yield ws.warehouse
        return
    handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        if _try_lock(handle, fcntl.LOCK_SH):
            try:
                yield ws.warehouse
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
            return
        copy = snapshot_path(ws)
        if not copy.exists():  # the writer is creating the warehouse: nothing committed to read
            raise FileNotFoundError(
                f"Lagret skapas just nu av en annan körning ({_describe(holder(ws))}); försök igen när den "
                "är klar."
            )
        say(f"en annan körning skriver i lagret ({_describe(holder(ws))}); läser senast sparade läget")
        yield copy
    finally:
        handle.close()
