"""Step timings of one command, for `analysplan bench`: with ``ANALYSPLAN_TIDER=<file>`` each timed
step (:func:`steg`) adds ``{"steg": name, "s": seconds, "topp_mb": peak RSS so far}`` as a JSON
line to the file; without it, nothing is recorded. The bench reads the ingest's own contract step
from it (the contract's share of the ingest it was part of)."""

from __future__ import annotations

import json
import os
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

ENV = "ANALYSPLAN_TIDER"


@contextmanager
def steg(name: str) -> Iterator[None]:
    target = os.environ.get(ENV)
    if not target:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        peak = peak_mb()
        line = json.dumps(
            {"steg": name, "s": round(time.perf_counter() - started, 4), "topp_mb": round(peak)}
        )
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB. VmHWM belongs to the process's own address
    space, so unlike ru_maxrss it does not carry over the parent's peak through fork and exec."""
    status = "/proc/self/status"
    if os.path.exists(status):
        with open(status, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def read(path: str | os.PathLike[str]) -> dict[str, float]:
    """The seconds per step recorded in ``path`` (a step timed more than once: the sum)."""
    out: dict[str, float] = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                record = json.loads(line)
                out[record["steg"]] = round(out.get(record["steg"], 0.0) + float(record["s"]), 4)
    return out
