"""The command line's own messages (issue 9 §4): typer's help and errors in Swedish, an empty
selection and a directory refused with exit ≠ 0, and `serve` serving published/ on localhost."""

from __future__ import annotations

import threading
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from pipelines import webb
from pipelines.cli import app
from pipelines.workspace import Workspace

runner = CliRunner()


def invoke(args: list[str]) -> Result:
    """`analysplan ARGS`, with a wide terminal so that no message is wrapped."""
    return runner.invoke(app, args, prog_name="analysplan", env={"COLUMNS": "250"})


def test_help_is_in_swedish() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0
    for text in ("Användning: analysplan [FLAGGOR] KOMMANDO [ARGUMENT]...", "Flaggor", "Kommandon"):
        assert text in result.output
    assert "Visa den här hjälpen och avsluta." in result.output
    for english in ("Usage", "Options", "Commands", "Show this message"):
        assert english not in result.output
    report = invoke(["report", "--help"])
    assert "Argument" in report.output and "[krävs]" in report.output and "[standard: auto]" in report.output
    assert "required" not in report.output and "default" not in report.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest"], "Argumentet 'source' saknas."),
        (["finns-inte"], "Kommandot 'finns-inte' finns inte."),
        (["demo", "--seed", "x"], "Ogiltigt värde för '--seed': värdet ska vara ett heltal."),
        (["report", "befolkning", "--nope"], "Flaggan --nope finns inte"),
        (["sql", "SELECT 1", "extra"], "Oväntade extra argument (extra)"),
    ],
)
def test_typers_errors_are_in_swedish(args: list[str], message: str) -> None:
    result = invoke(args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Se 'analysplan" in result.output and "för hjälp." in result.output
    assert "Error" not in result.output and "Usage" not in result.output


def test_a_selection_matching_nothing_fails(workspace: Workspace) -> None:
    for selection in ("key:finns_inte", "tag:kalla=finns_inte", "group:finns_inte"):
        result = invoke(["materialize", selection])
        assert result.exit_code == 2, selection
        assert f"urvalet '{selection}' matchar inga tillgångar" in result.output
        assert "Klart" not in result.output
    assert not workspace.warehouse.exists()  # nothing ran


def test_a_directory_given_as_a_file_is_named_as_a_directory(workspace: Workspace, tmp_path: Path) -> None:
    folder = tmp_path / "leverans"
    folder.mkdir()
    result = invoke(["ingest", "scb-befolkning", str(folder)])
    assert result.exit_code == 2
    assert f"{folder} är en mapp, inte en fil" in result.output
    assert not any(workspace.incoming.iterdir())


def test_serve_serves_published_on_localhost(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    (workspace.published / "index.html").write_text("<h1>Publicerade rapporter</h1>", encoding="utf-8")
    httpd = webb.server(workspace.published, 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as response:
            assert response.read().decode() == "<h1>Publicerade rapporter</h1>"
        monkeypatch.setenv(webb.PORT_ENV, str(port))
        assert webb.url("befolkning/v1/report.html") == f"http://127.0.0.1:{port}/befolkning/v1/report.html"
    finally:
        httpd.shutdown()
        httpd.server_close()
    monkeypatch.setenv(webb.PORT_ENV, "noll")
    with pytest.raises(ValueError, match="inte ett portnummer"):
        webb.port()
