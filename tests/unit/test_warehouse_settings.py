"""DuckDB's memory_limit, threads and spill directory: machine defaults, overridable by the environment."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import warehouse


def test_defaults_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(warehouse.MEMORY_ENV, raising=False)
    monkeypatch.delenv(warehouse.THREADS_ENV, raising=False)
    monkeypatch.setattr(warehouse, "machine_memory_bytes", lambda: 24 * 2**30)
    settings = warehouse.duckdb_settings(Path("/ws/duckdb-spill"))
    assert settings["memory_limit"] == f"{int(24 * 1024 * 0.2)}MB"  # a fifth of 24 GB
    assert int(settings["threads"]) >= 1
    assert settings["temp_directory"] == "/ws/duckdb-spill"


def test_environment_overrides_and_is_applied(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(warehouse.MEMORY_ENV, "512MB")
    monkeypatch.setenv(warehouse.THREADS_ENV, "1")
    with warehouse.connect(tmp_path / "w.duckdb") as con:
        limit, threads, spill = con.sql(
            "SELECT current_setting('memory_limit'), current_setting('threads'), "
            "current_setting('temp_directory')"
        ).fetchall()[0]
    assert limit in ("488.2 MiB", "512.0 MB") and threads == 1
    assert spill == str(tmp_path / "duckdb-spill")


def test_spill_path_with_apostrophe_is_quoted(tmp_path: Path) -> None:
    con = duckdb.connect()
    warehouse.configure(con, tmp_path / "o'brien")
    assert con.sql("SELECT current_setting('temp_directory')").fetchall()[0][0] == str(tmp_path / "o'brien")


@pytest.mark.parametrize(("name", "value"), [("MEMORY_ENV", "mycket"), ("THREADS_ENV", "0")])
def test_bad_values_are_refused_in_swedish(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(getattr(warehouse, name), value)
    with pytest.raises(ValueError, match="ange"):
        warehouse.duckdb_settings()
