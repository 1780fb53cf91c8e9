"""The last line of defence against a traceback: a reader that meets something its rules did not
foresee (here: made to raise what the 64-bit and NaN cases of issue 10 raised before they had rules)
still gives a rejection naming file and rule, through the CLI with exit code ≠ 0, and changes nothing."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from pipelines import ingest
from pipelines.cli import app
from pipelines.errors import RejectedInput
from pipelines.sources.registry import get_source
from pipelines.workspace import Workspace
from tests.conftest import FIXTURES, tree

CRASHES = [
    OverflowError("Python int too large to convert to C long"),
    ValueError("Invalid value NaN (not a number)"),
    OSError(75, "Value too large for defined data type"),
    RecursionError("maximum recursion depth exceeded while decoding a JSON array"),
    pa.ArrowInvalid("Integer value 100000000000000000000 not in range"),
]


@pytest.mark.parametrize("crash", CRASHES, ids=lambda e: type(e).__name__)
def test_an_unforeseen_reader_error_is_a_rejection(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch, crash: Exception
) -> None:
    real = get_source("vis-katalog")

    def reader(data: bytes, name: str) -> pa.Table:
        raise crash

    monkeypatch.setattr(ingest, "get_source", lambda name: dataclasses.replace(real, reader=reader))
    path: Path = FIXTURES / "vis" / "katalog_small.json"
    before = tree(workspace.home)
    with pytest.raises(RejectedInput) as caught:
        ingest.accept(workspace, "vis-katalog", [path])
    (violation,) = caught.value.violations
    assert (violation.file, violation.rule) == ("katalog_small.json", "fil-olaslig")
    assert type(crash).__name__ in violation.message

    result = CliRunner().invoke(app, ["ingest", "vis-katalog", str(path)])
    message = " ".join(result.output.split())
    assert result.exit_code == 2, message
    assert "fil katalog_small.json: regel fil-olaslig" in message
    assert "Traceback" not in message
    assert tree(workspace.home) == before
