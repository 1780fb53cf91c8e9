"""Freezing a table for a report applies its small-cell protection (pipelines/publish.freeze_tables)."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import publish, schema, skydd

DOC = {
    "out_x__antal": {
        "korn": ["ar", "kon"],
        "skydd": {"antal": {"antal_individer": ["kostnad_kr"]}, "summeras_over": [["kon"]]},
        "kolumner": {},
    },
    "out_x__utan": {"korn": ["ar"], "kolumner": {}},
    "out_x__ingen": {
        "korn": ["ar"],
        "skydd": "ingen – offentlig statistik utan vårdade individer",
        "kolumner": {},
    },
}


@pytest.fixture
def con(monkeypatch: pytest.MonkeyPatch) -> duckdb.DuckDBPyConnection:
    monkeypatch.setattr(schema, "documented", lambda: DOC)
    c = duckdb.connect()
    # rows deliberately out of grain order
    c.execute(
        "CREATE TABLE out_x__antal AS SELECT * FROM (VALUES (2019, 'M', 40, 400.0), (2019, 'K', 3, 30.0), "
        "(2018, 'K', 20, 200.0), (2018, 'M', 25, 250.0)) t(ar, kon, antal_individer, kostnad_kr)"
    )
    c.execute("CREATE TABLE out_x__utan AS SELECT 2019 AS ar, 3 AS antal_individer")
    c.execute("CREATE TABLE out_x__ingen AS SELECT 2019 AS ar, 3 AS folkmangd")
    c.execute("CREATE TABLE out_x__patient AS SELECT 'p1' AS patient_id")
    return c


def test_frozen_parquet_hides_small_cells_and_their_complement_in_grain_order(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    hashes = publish.freeze_tables(con, ["out_x__antal"], tmp_path, 5)
    frozen = pl.read_parquet(tmp_path / "out_x__antal.parquet")
    assert frozen.rows() == [
        (2018, "K", 20, 200.0, False),
        (2018, "M", 25, 250.0, False),
        (2019, "K", None, None, True),
        (2019, "M", None, None, True),  # 40 would give K = total − 40
    ]
    assert skydd.violations(frozen, DOC["out_x__antal"]["skydd"], 5) == []
    # same table, same bytes: the version name does not depend on the engine's row order
    again = publish.freeze_tables(con, ["out_x__antal"], tmp_path / "igen", 5)
    assert again == hashes


def test_a_table_without_protection_is_refused_and_ingen_is_allowed(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    with pytest.raises(skydd.SkyddsFel, match="saknar skydd"):
        publish.freeze_tables(con, ["out_x__utan"], tmp_path, 5)
    publish.freeze_tables(con, ["out_x__ingen"], tmp_path, 5)
    assert pl.read_parquet(tmp_path / "out_x__ingen.parquet")["folkmangd"].to_list() == [3]


def test_patient_level_tables_are_never_frozen(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    DOC["out_x__patient"] = {"korn": ["patient_id"], "skydd": "ingen – test", "kolumner": {}}
    try:
        with pytest.raises(skydd.SkyddsFel, match="individnivå"):
            publish.freeze_tables(con, ["out_x__patient"], tmp_path, 5)
    finally:
        del DOC["out_x__patient"]
