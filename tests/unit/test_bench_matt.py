"""The bench's memory figures are the measured process's own, not the bench's (ru_maxrss carries the
parent's peak through fork and exec; the bench holds its generated data when it starts the ingest)."""

from __future__ import annotations

import subprocess
import sys

from pipelines import bench, tider

BALLAST_MB = 400


def test_a_measured_command_reports_its_own_peak_not_the_benchs() -> None:
    ballast = bytearray(BALLAST_MB << 20)  # resident: every page written
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    assert tider.peak_mb() > BALLAST_MB
    seconds, peak = bench._measured([sys.executable, "-S", "-c", "x = bytearray(100 << 20)"], {})
    assert 100 <= peak < 100 + BALLAST_MB / 2, peak  # the child's 100 MB and an interpreter, no ballast
    assert seconds > 0
    # what tider records inside such a child is its own too
    code = "from pipelines import tider; x = bytearray(50 << 20); x[::4096] = b'1' * len(x[::4096]); print(tider.peak_mb())"
    own = float(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    )
    assert 50 <= own < 50 + BALLAST_MB / 2, own
    del ballast
