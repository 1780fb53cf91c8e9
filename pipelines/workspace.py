"""The workspace: every piece of state lives under one folder, ``$ANALYSPLAN_HOME``.

Layout (created on first use by any command)::

    $ANALYSPLAN_HOME/
      warehouse.duckdb        the DuckDB warehouse (raw_*, core_*, out_* tables, meta_* bookkeeping)
      dagster/                DAGSTER_HOME: run history, event log, schedules
      incoming/<source>/      delivered files, content-addressed: <sha256>.<ext> (+ .meta.json)
      hamtat/<source>/        raw API responses from `analysplan fetch`, with their SHA-256, before ingest
      published/<slug>/<version>/   immutable published report versions; published/index.html lists them
      staging/                half-finished work (renders); moved atomically into published/
      demo/                   the demo generator's output before it is ingested

Default: ``var/`` in the repository (ignored by git).

Permissions: the workspace holds patient-level data, so only its owner can read it. Every entry
point (the CLI, Dagster's definitions) calls :func:`current_workspace`, which sets the process's
umask to 077 (folders 0700, files 0600, also for what DuckDB, Dagster and the renderer write) and
makes the workspace folder itself 0700. With ``ANALYSPLAN_PUBLICERAT_GRUPP=1`` the owner's group may
read the published reports: the workspace folder becomes 0710 (the group may pass, not list),
``published/`` and its folders 0750, its files 0640 (a version's files 0440); nothing else changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HOME = REPO_ROOT / "var"
UMASK = 0o077
GROUP_ENV = "ANALYSPLAN_PUBLICERAT_GRUPP"


def published_for_group() -> bool:
    """``$ANALYSPLAN_PUBLICERAT_GRUPP``: 1 = the group may read ``published/``; unset/0 = owner only."""
    value = os.environ.get(GROUP_ENV, "").strip()
    if value not in ("", "0", "1"):
        raise ValueError(f"{GROUP_ENV}={value!r}: ange 1 (gruppen får läsa published/) eller 0")
    return value == "1"


@dataclass(frozen=True)
class Workspace:
    home: Path

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def incoming(self) -> Path:
        return self.home / "incoming"

    @property
    def published(self) -> Path:
        return self.home / "published"

    @property
    def staging(self) -> Path:
        return self.home / "staging"

    @property
    def demo(self) -> Path:
        return self.home / "demo"

    def incoming_dir(self, source: str) -> Path:
        return self.incoming / source

    def ensure(self) -> Workspace:
        for folder in (self.home, self.dagster_home, self.incoming, self.published, self.staging, self.demo):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.home.chmod(0o710 if published_for_group() else 0o700)
        dagster_yaml = self.dagster_home / "dagster.yaml"
        if not dagster_yaml.exists():
            # The repo's dagster.yaml is the instance configuration; copy it into DAGSTER_HOME.
            dagster_yaml.write_text(
                (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8"), encoding="utf-8"
            )
        # the writers' lock file (pipelines.las) is part of the workspace from the start, so that a
        # command which only checks (a rejected file) leaves the workspace exactly as it found it
        (self.home / "lagret.las").touch(mode=0o600, exist_ok=True)
        (self.home / "dagster.las").touch(mode=0o600, exist_ok=True)  # Dagster's instance (las.instanslas)
        return self


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that readers see the old content or the new, never half of it."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def workspace_home() -> Path:
    return Path(os.environ.get("ANALYSPLAN_HOME") or DEFAULT_HOME).expanduser().resolve()


def share_published(ws: Workspace) -> None:
    """With ``ANALYSPLAN_PUBLICERAT_GRUPP=1``: the group may read ``published/`` (folders g+rx, files g+r)."""
    if not published_for_group() or not ws.published.exists():
        return
    for p in [ws.published, *ws.published.rglob("*")]:
        if p.is_symlink():
            continue
        mode = p.stat().st_mode & 0o777
        p.chmod(mode | (0o050 if p.is_dir() else 0o040))


def current_workspace() -> Workspace:
    """The workspace named by ``$ANALYSPLAN_HOME`` (created if missing); sets ``DAGSTER_HOME`` to it
    and the umask to 077, so everything the program writes there is its owner's alone."""
    os.umask(UMASK)
    # No telemetry to dagster.io, whatever the instance's dagster.yaml says (ours: enabled: false).
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    ws = Workspace(workspace_home()).ensure()
    os.environ["DAGSTER_HOME"] = str(ws.dagster_home)
    return ws
