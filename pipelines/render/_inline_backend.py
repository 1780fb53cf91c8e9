"""Matplotlib backend used by ``_runner.py``: Agg rendering, ``plt.show()`` hands figures to the runner.

Like Jupyter's inline backend, ``plt.show()`` emits the open figures at that point of the cell's
output and closes them; figures still open at the end of a cell are emitted by the runner.
"""

from __future__ import annotations

import sys
from typing import Any

from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase

RUNNER_MODULE = "_analysplan_render_runner"


def show(*args: Any, **kwargs: Any) -> None:
    runner = sys.modules.get(RUNNER_MODULE)
    if runner is not None:
        runner.flush_figures()
