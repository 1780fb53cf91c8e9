"""The bad-input corpus: every malformed delivery is rejected through the CLI, naming file, row,
column and rule, with exit code ≠ 0 — and the warehouse and every published report stay byte-for-byte.

Cases live in ``tests/fixtures/bad/<source>/``: the files, and ``cases.json`` listing for each
file the source, the rule it breaks and, where the rule concerns one place, the row and column
the error message must name, with a sentence on why the file is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from tests.conftest import FIXTURES, tree

BAD = FIXTURES / "bad"


def cases() -> list[Any]:
    found = []
    for listing in sorted(BAD.glob("*/cases.json")):
        for case in json.loads(listing.read_text(encoding="utf-8")):
            case["path"] = listing.parent / case["file"]
            found.append(pytest.param(case, id=f"{listing.parent.name}/{case['file']}"))
    return found


@pytest.fixture
def home(demo_run: tuple[Path, Any]) -> Path:
    """A workspace with the demo ingested and published, as an analyst would have."""
    return demo_run[0]


def test_corpus_is_large_enough() -> None:
    assert len(cases()) >= 25


@pytest.mark.parametrize("case", cases())
def test_bad_file_is_rejected_and_changes_nothing(
    home: Path, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANALYSPLAN_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    path: Path = case["path"]
    assert path.exists(), path
    before = tree(home)
    result = CliRunner().invoke(app, ["ingest", case["source"], str(path)])
    message = " ".join(result.output.split())
    assert result.exit_code != 0, message
    assert path.name in message
    assert f"regel {case['rule']}" in message, message
    if case.get("row") is not None:
        assert f"rad {case['row']}" in message, message
    if case.get("column") is not None:
        assert f"kolumn {case['column']}" in message, message
    assert case.get("why"), "each case says why the file is wrong"
    after = tree(home)
    assert after == before  # warehouse, incoming files and published reports untouched
