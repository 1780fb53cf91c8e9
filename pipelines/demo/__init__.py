"""Deterministic demo data in the real delivery formats, for every source.

Every module here that defines ``generate_files(out_dir, *, seed, scale) -> {source: [paths]}``
is a generator; :func:`generate_all` runs them all. ``scale`` grows the volume of the large
sources (scale 1 = a region's year of KPP ≈ 2 M contacts); the demo default keeps every table
non-trivial while staying quick. Assumptions are listed in ``ASSUMPTIONS.md``.

:func:`ensure_all` is what ``analysplan demo`` calls: it regenerates only when the seed, the scale
or the generators' code changed or a file is missing or altered (``.demodata.json`` records each
file's SHA-256), and then rewrites only the files whose content differs, so a second demo run
with nothing changed only checks.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import pkgutil
import shutil
import uuid
from pathlib import Path

DEMO_SEED = 20200101
DEMO_SCALE = 0.01


def generate_all(out_dir: Path, *, seed: int = DEMO_SEED, scale: float = DEMO_SCALE) -> dict[str, list[Path]]:
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[Path]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        generate = getattr(module, "generate_files", None)
        if generate is None:
            continue
        for source, paths in generate(out_dir, seed=seed, scale=scale).items():
            if source in files:
                raise ValueError(f"two demo generators write {source!r}")
            files[source] = list(paths)
    return files


STAMP = ".demodata.json"
_REPO = Path(__file__).resolve().parents[2]
# what the generators import beyond this package (their output depends on it), and the lock file
_CODE = ("pipelines/reference.py", "pipelines/sources/kolada.py", "pipelines/sources/kpp.py",
         "pipelines/sources/vis.py", "uv.lock")  # fmt: skip


def code_version() -> str:
    """Hash of the generators' code: this package and what it imports from the rest of the repo."""
    digest = hashlib.sha256()
    for path in [*sorted(Path(__file__).parent.glob("*.py")), *(_REPO / p for p in _CODE)]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _from_stamp(out_dir: Path, key: dict[str, object]) -> dict[str, list[Path]] | None:
    """The files of the last generation if it had ``key`` and every file is as it was written."""
    try:
        stamp = json.loads((out_dir / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if stamp.get("key") != key:
        return None
    files = {source: [out_dir / name for name in names] for source, names in stamp["kallor"].items()}
    for path in (p for paths in files.values() for p in paths):
        if not path.is_file() or _sha256(path) != stamp["sha256"].get(str(path.relative_to(out_dir))):
            return None
    return files


def ensure_all(
    out_dir: Path, *, seed: int = DEMO_SEED, scale: float = DEMO_SCALE
) -> tuple[dict[str, list[Path]], int]:
    """The demo files for ``seed`` and ``scale`` in ``out_dir``, and how many were (re)written.

    Unchanged key and files: nothing is generated. Otherwise everything is generated beside
    ``out_dir`` and only the files that are missing or differ are moved into place."""
    key: dict[str, object] = {"seed": seed, "scale": scale, "kod": code_version()}
    known = _from_stamp(out_dir, key)
    if known is not None:
        return known, 0
    out_dir.mkdir(parents=True, exist_ok=True)
    fresh_dir = out_dir / f".ny-{uuid.uuid4().hex[:8]}"
    written = 0
    try:
        fresh = generate_all(fresh_dir, seed=seed, scale=scale)
        files: dict[str, list[Path]] = {}
        hashes: dict[str, str] = {}
        for source, paths in fresh.items():
            for path in paths:
                relative = path.relative_to(fresh_dir)
                target = out_dir / relative
                digest = _sha256(path)
                if not target.is_file() or _sha256(target) != digest:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, target)
                    written += 1
                files.setdefault(source, []).append(target)
                hashes[str(relative)] = digest
    finally:
        shutil.rmtree(fresh_dir, ignore_errors=True)
    stamp = {
        "key": key,
        "kallor": {s: [str(p.relative_to(out_dir)) for p in ps] for s, ps in files.items()},
        "sha256": hashes,
    }
    tmp = out_dir / (STAMP + ".tmp")
    tmp.write_text(json.dumps(stamp, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, out_dir / STAMP)
    return files, written
