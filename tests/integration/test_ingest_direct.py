"""`analysplan ingest` builds the source's raw and core tables in its accepting transaction when
everything else the core table reads is up to date: no second load, no Dagster run. The
materializations reach Dagster's instance afterwards (a detached `registrera`), a later build finds
nothing to do, and a delivery that breaks the contract leaves the workspace byte for byte as it was —
also after a load large enough for DuckDB to have written blocks into the file before the rollback."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import las, tider
from pipelines.demo import kpp as demo
from pipelines.workspace import Workspace
from tests.conftest import run_cli, tree

YEAR = 2017


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pl.DataFrame]:
    """One year's extract with > 2 row groups of DuckDB (122 880 rows each), and its weight list."""
    folder = tmp_path_factory.mktemp("direkt")
    model = demo.build_model(20200101)
    frame = demo.extract_frame(model, YEAR, seed=20200101, scale=0.15)
    assert frame.height > 2 * 122_880
    csv = folder / f"kpp_norrbotten_{YEAR}.csv"
    csv.write_text(demo.swedish_csv(frame, float_precision=2), encoding="utf-8")
    weights = demo.write_weight_list(demo.weight_list_frame(model, YEAR), YEAR, folder)
    return csv, weights, frame


def _dagster_events(home: Path, key: str) -> list[dict[str, str]]:
    import dagster as dg

    from pipelines import las
    from pipelines.workspace import Workspace

    os.environ["DAGSTER_HOME"] = str(home / "dagster")
    with las.open_instance(Workspace(home)) as instance:
        records = instance.fetch_materializations(dg.AssetKey(key), limit=5).records
        return [dict(r.asset_materialization.tags or {}) for r in records if r.asset_materialization]


def test_ingest_builds_in_its_transaction_and_dagster_learns_of_it(
    tmp_path: Path, extract: tuple[Path, Path, pl.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv, weights, frame = extract
    home = tmp_path / "home"
    run_cli(home, "ingest", "drg-vikter", str(weights))  # a fresh workspace: a Dagster run
    steps = tmp_path / "tider.jsonl"
    monkeypatch.setenv(tider.ENV, str(steps))
    proc = run_cli(home, "ingest", "kpp-kontakter", str(csv))
    monkeypatch.delenv(tider.ENV)
    out = " ".join((proc.stdout + proc.stderr).split())
    assert "[1/2] bygger raw_kpp__kontakter" in out and "[2/2] bygger core_kpp__kontakter" in out
    assert "Klart: 2 tillgångar (raw_kpp__kontakter, core_kpp__kontakter)" in out
    assert "Warning" not in proc.stderr  # Dagster's beta warnings are not the analyst's
    timed = tider.read(steps)
    assert {"kopiera", "lasa", "raw", "core", "kontrakt", "lagra", "commit"} <= set(timed)
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        assert con.sql("SELECT count(*) FROM core_kpp__kontakter").fetchall() == [(frame.height,)]
        fingerprints = dict(con.sql("SELECT tabell, fingeravtryck FROM meta_tabeller").fetchall())
        # each row traced to its line in the delivered file
        sample = con.sql(
            "SELECT kalla_rad, vardkontakt_id FROM core_kpp__kontakter USING SAMPLE 200 ROWS (reservoir, 1)"
        ).fetchall()
    ids = frame["vardkontakt_id"].to_list()
    assert all(ids[row - 2] == vk for row, vk in sample)
    # the detached `registrera` records both materializations with the warehouse's fingerprints
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _dagster_events(home, "core_kpp__kontakter"):
        time.sleep(1)
    for key in ("raw_kpp__kontakter", "core_kpp__kontakter"):
        tags = _dagster_events(home, key)
        assert tags and tags[0]["dagster/data_version"] == fingerprints[key], key
    again = run_cli(home, "materialize", "key:core_kpp__kontakter")
    assert "Allt är aktuellt" in " ".join((again.stdout + again.stderr).split())


def test_a_large_delivery_that_breaks_the_contract_changes_nothing(
    tmp_path: Path, extract: tuple[Path, Path, pl.DataFrame]
) -> None:
    _csv, weights, frame = extract
    home = tmp_path / "home"
    run_cli(home, "ingest", "drg-vikter", str(weights))
    good = tmp_path / "kpp_norrbotten_2017_01.csv"
    good.write_text(demo.swedish_csv(frame.filter(pl.col("manad") == 1), float_precision=2), encoding="utf-8")
    run_cli(home, "ingest", "kpp-kontakter", str(good))
    # the whole year again, with a DRG no weight list has in its last row: the reader accepts it,
    # the contract (kpp-drg-i-viktlista) does not — after raw and core were loaded in the transaction
    broken = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == frame.height - 1)
        .then(pl.lit("999X"))
        .otherwise(pl.col("drg"))
        .alias("drg")
    )
    bad = tmp_path / f"kpp_norrbotten_{YEAR}.csv"
    bad.write_text(demo.swedish_csv(broken, float_precision=2), encoding="utf-8")
    las.wait_for_registrations(Workspace(home))  # the good file's, before the snapshot of the tree
    run_cli(home, "materialize", "key:core_kpp__kontakter")  # waits for it (writer's turn)
    before = tree(home)
    proc = run_cli(home, "ingest", "kpp-kontakter", str(bad), check=False)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    message = " ".join((proc.stdout + proc.stderr).split())
    assert "regel kpp-drg-i-viktlista" in message and "999X" in message
    assert "Traceback" not in message
    after = tree(home)
    assert after == before
    assert (
        json.loads((home / "incoming" / "leveranser.json").read_text(encoding="utf-8"))[-1]["filnamn"]
        == good.name
    )


def test_out_of_memory_in_the_load_is_a_message_and_changes_nothing(
    tmp_path: Path, extract: tuple[Path, Path, pl.DataFrame]
) -> None:
    csv, weights, _ = extract
    home = tmp_path / "home"
    run_cli(home, "ingest", "drg-vikter", str(weights))
    run_cli(home, "materialize", "key:core_drg__vikter")  # after its registration (writer's turn)
    before = tree(home)
    env = {**os.environ, "ANALYSPLAN_DUCKDB_MINNE": "20MB", "ANALYSPLAN_DUCKDB_TRADAR": "2"}
    old = os.environ.copy()
    os.environ.update(env)
    try:
        proc = run_cli(home, "ingest", "kpp-kontakter", str(csv), check=False)
    finally:
        os.environ.clear()
        os.environ.update(old)
    message = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 4, message
    assert "avbröts i lagret" in message and "Höj ANALYSPLAN_DUCKDB_MINNE" in message
    assert "Traceback" not in message
    assert tree(home) == before


def test_a_large_file_that_breaks_a_readers_rule_is_named_and_changes_nothing(
    tmp_path: Path, extract: tuple[Path, Path, pl.DataFrame]
) -> None:
    """The stager writes a plain file's rows into the raw table of the build's transaction and finds
    a personnummer there: the transaction is rolled back, the reader reads the file again and names
    file, line, column and rule, and the workspace is byte for byte as before."""
    csv, weights, frame = extract
    home = tmp_path / "home"
    run_cli(home, "ingest", "drg-vikter", str(weights))
    run_cli(home, "materialize", "key:core_drg__vikter")  # after its registration (writer's turn)
    row = frame.height - 7  # near the end: after DuckDB has written row groups into the file
    broken = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit("P19121212-1212"))
        .otherwise("patient_id")
        .alias("patient_id")
    )
    bad = tmp_path / csv.name
    bad.write_text(demo.swedish_csv(broken, float_precision=2), encoding="utf-8")
    before = tree(home)
    proc = run_cli(home, "ingest", "kpp-kontakter", str(bad), check=False)
    message = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, message
    assert f"{bad.name}, rad {row + 2}, kolumn patient_id" in message and "kpp-personnummer" in message
    assert "19121212" not in message and "Traceback" not in message
    assert tree(home) == before


def test_a_large_file_the_fast_path_refuses_is_read_by_the_reader(
    tmp_path: Path, extract: tuple[Path, Path, pl.DataFrame]
) -> None:
    """A free-text value with a space at its edge: DuckDB's pass refuses it after writing rows, the
    transaction starts over with the reader (which strips the space, as for any file), and the
    delivery is built from the reader's rows, each with its line."""
    csv, weights, frame = extract
    home = tmp_path / "home"
    run_cli(home, "ingest", "drg-vikter", str(weights))
    run_cli(home, "materialize", "key:core_drg__vikter")
    row = frame.height - 3
    spaced = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.col("klinik") + " ")
        .otherwise("klinik")
        .alias("klinik")
    )
    odd = tmp_path / csv.name
    odd.write_text(demo.swedish_csv(spaced, float_precision=2), encoding="utf-8")
    proc = run_cli(home, "ingest", "kpp-kontakter", str(odd))
    assert "[2/2] bygger core_kpp__kontakter" in " ".join((proc.stdout + proc.stderr).split())
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        got = con.execute(
            "SELECT count(*), max(kalla_rad), max(klinik) FILTER (WHERE kalla_rad = $r) FROM core_kpp__kontakter",
            {"r": row + 2},
        ).fetchall()
    assert got == [(frame.height, frame.height + 1, frame["klinik"][row])]
