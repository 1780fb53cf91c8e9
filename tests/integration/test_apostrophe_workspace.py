"""A workspace whose path has an apostrophe and a space (``o'brien ws``): every path reaches DuckDB
as a bound parameter, never formatted into SQL, so ingest and report work there as anywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.demo import befolkning
from pipelines.workspace import REPO_ROOT


def test_ingest_and_report_in_a_workspace_with_an_apostrophe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "o'brien ws"
    monkeypatch.setenv("ANALYSPLAN_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    first, second = befolkning.generate_files(tmp_path / "leverans", seed=1, scale=0.01)["scb-befolkning"]
    runner = CliRunner()
    for path in (first, second):  # the second ingest attaches the warehouse the first one created
        result = runner.invoke(app, ["ingest", "scb-befolkning", str(path)])
        assert result.exit_code == 0, result.output
        assert f"för scb-befolkning: {path.name}" in result.output
    result = runner.invoke(app, ["report", "befolkning", "--engine", "builtin"])
    assert result.exit_code == 0, result.output
    assert "report_befolkning version" in result.output
    html = home / "published" / "befolkning" / "latest" / "report.html"
    assert "Befolkningsutveckling" in html.read_text(encoding="utf-8")
    result = runner.invoke(app, ["sql", "SELECT count(DISTINCT ar) AS ar FROM core_scb__befolkning"])
    assert result.exit_code == 0, result.output
    assert int(result.output.split()[1]) > 1


SQL_CALL_WITH_QUOTED_VALUE = re.compile(r"""\.(?:execute|sql)\(\s*f(["']).*'\{""")


def test_no_value_is_formatted_into_a_quoted_sql_literal() -> None:
    """``execute(f"… '{path}' …")`` breaks on an apostrophe and lets a value rewrite the query."""
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in sorted((REPO_ROOT / "pipelines").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQL_CALL_WITH_QUOTED_VALUE.search(line)
    ]
    assert offenders == []
