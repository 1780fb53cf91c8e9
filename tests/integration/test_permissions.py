"""The workspace holds patient-level data: the program sets its own umask (077), so every folder it
creates is 0700 and every file 0600 — whatever the caller's umask — and with
ANALYSPLAN_PUBLICERAT_GRUPP=1 the group may read the published reports, and nothing else."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.cli import app
from pipelines.demo import befolkning


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The caller's umask as on most systems (022: others may read); restored afterwards."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def modes(home: Path) -> dict[str, int]:
    return {
        str(p.relative_to(home)): stat.S_IMODE(p.lstat().st_mode)
        for p in [home, *home.rglob("*")]
        if not p.is_symlink()
    }


def run(home: Path, monkeypatch: pytest.MonkeyPatch, *commands: list[str]) -> None:
    monkeypatch.setenv("ANALYSPLAN_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    for args in commands:
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output


def test_workspace_is_the_owners_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    monkeypatch.delenv("ANALYSPLAN_PUBLICERAT_GRUPP", raising=False)
    (delivered, _) = befolkning.generate_files(tmp_path / "leverans", seed=1, scale=0.01)["scb-befolkning"]
    home = tmp_path / "home"
    run(
        home,
        monkeypatch,
        ["ingest", "scb-befolkning", str(delivered)],
        ["report", "befolkning", "--engine", "builtin"],
    )
    found = modes(home)
    assert found[str(Path("."))] == 0o700
    assert "warehouse.duckdb" in found and any(k.startswith("incoming/scb-befolkning/") for k in found)
    assert any(k.startswith("published/befolkning/") and k.endswith("report.html") for k in found)
    loose = {path: oct(mode) for path, mode in found.items() if mode & 0o077}
    assert loose == {}  # nothing readable, writable or listable by group or others


def test_published_reports_may_be_group_readable_by_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loose_umask: None
) -> None:
    monkeypatch.setenv("ANALYSPLAN_PUBLICERAT_GRUPP", "1")
    (delivered, _) = befolkning.generate_files(tmp_path / "leverans", seed=1, scale=0.01)["scb-befolkning"]
    home = tmp_path / "home"
    run(
        home,
        monkeypatch,
        ["ingest", "scb-befolkning", str(delivered)],
        ["report", "befolkning", "--engine", "builtin"],
    )
    found = modes(home)
    assert found["."] == 0o710  # the group may pass through to published/, not list the workspace
    published = {k: m for k, m in found.items() if k == "published" or k.startswith("published/")}
    rest = {k: m for k, m in found.items() if k not in published and k != "."}
    assert {oct(m) for k, m in published.items() if (home / k).is_dir()} == {oct(0o750)}
    versions = {k: m for k, m in published.items() if k.count("/") >= 3 and (home / k).is_file()}
    assert versions and {oct(m) for m in versions.values()} == {oct(0o440)}  # immutable, group-readable
    assert found["published/index.html"] == 0o640
    assert {path: oct(mode) for path, mode in rest.items() if mode & 0o077} == {}
    assert all(not m & 0o007 for m in found.values())  # never others


def test_a_bad_group_setting_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYSPLAN_PUBLICERAT_GRUPP", "ja")
    monkeypatch.setenv("ANALYSPLAN_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["sql", "SELECT 1"])
    assert result.exit_code == 2
    assert "ANALYSPLAN_PUBLICERAT_GRUPP='ja'" in result.output
