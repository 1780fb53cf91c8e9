"""Deterministic demo data in the real delivery formats, for every source.

Every module here that defines ``generate_files(out_dir, *, seed, scale) -> {source: [paths]}``
is a generator; :func:`generate_all` runs them all. ``scale`` grows the volume of the large
sources (scale 1 = a region's year of KPP ≈ 2 M contacts); the demo default keeps every table
non-trivial while staying quick. Assumptions are listed in ``ASSUMPTIONS.md``.
"""

from __future__ import annotations

import importlib
import pkgutil
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
