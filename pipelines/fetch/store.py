"""Fetched responses in the workspace: ``$ANALYSPLAN_HOME/hamtat/<source>/<sha256>.json``.

Each response body is written as fetched, named by its SHA-256, next to ``<sha256>.meta.json`` with
where and how it was fetched (url, method, query, status, time). This happens before the response is
ingested, so a response that is later rejected is still on record. Fetching identical content again
adds a line to the same metadata file instead of a second copy.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.workspace import Workspace, atomic_write

FOLDER = "hamtat"


@dataclass(frozen=True)
class StoredResponse:
    source: str
    sha256: str
    path: Path
    meta_path: Path
    size: int


def fetched_dir(ws: Workspace, source: str) -> Path:
    return ws.home / FOLDER / source


def store_response(
    ws: Workspace,
    source: str,
    body: bytes,
    *,
    url: str,
    method: str,
    query: Any = None,
    status: int = 200,
    fetched_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> StoredResponse:
    """Write ``body`` and its metadata atomically; returns where they are."""
    digest = hashlib.sha256(body).hexdigest()
    folder = fetched_dir(ws, source)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.json"
    meta_path = folder / f"{digest}.meta.json"
    if not path.exists():
        atomic_write(path, body)
    when = (fetched_at or datetime.now(UTC)).isoformat()
    fetch = {"url": url, "metod": method, "fraga": query, "status": status, "hamtad": when, **(extra or {})}
    if meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta["hamtningar"].append(fetch)
    else:
        meta = {"kalla": source, "sha256": digest, "fil": path.name, "byte": len(body), "hamtningar": [fetch]}
    atomic_write(meta_path, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
    return StoredResponse(source, digest, path, meta_path, len(body))
