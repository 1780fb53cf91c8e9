"""core_ref__analysplan: the plan's 16 uppdrag as a table, rebuilt when the YAML file changes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import ingest, reference


def test_one_row_per_uppdrag_in_the_plans_order(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql(
        "SELECT ordning, uppdrag_id, status, rapport, ovriga_rapporter FROM core_ref__analysplan ORDER BY ordning"
    ).fetchall()
    assert len(rows) == 16
    assert [r[0] for r in rows] == list(range(1, 17))
    assert rows[0][1:] == ("hs-god-vard-2020", "Underlag saknas i pipelinen", None, None)
    assert rows[6][1:] == ("fin-ytterfall-2020", "Rapport i pipelinen", "ytterfall", None)
    # befolkning is filed under Demografi as underlag; the uppdrag's own report is `demografi`
    assert rows[7][1:] == (
        "fin-demografi-sjukdomspanorama-2020",
        "Rapport i pipelinen",
        "demografi",
        "befolkning",
    )
    ((n_data,),) = con.sql("SELECT count(*) FROM core_ref__analysplan WHERE data_i_pipelinen").fetchall()
    assert n_data == 7


def test_texts_are_single_line_and_verbatim(con: duckdb.DuckDBPyConnection) -> None:
    ((redovisas, publikationsform, utredare),) = con.sql(
        "SELECT redovisas, publikationsform, ansvarig_utredare FROM core_ref__analysplan "
        "WHERE uppdrag_id = 'ru-samverkan-civilsamhallet'"
    ).fetchall()
    assert redovisas == (
        "Som en del inom projektet genomförs kartläggningen under hösten/vintern 2019, "
        "sammanställningen beräknas vara färdig i början av 2020."
    )
    assert publikationsform == "Rapport med kartläggning"
    assert utredare == "Lena Kandelin"


def test_fingerprint_follows_the_yaml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "analysplan-2020.yml"
    copy.write_bytes(reference.ANALYSPLAN_FILE.read_bytes())
    monkeypatch.setattr(reference, "ANALYSPLAN_FILE", copy)
    before = ingest.reference_version("core_ref__analysplan")
    other_before = ingest.reference_version("core_ref__regioner")
    copy.write_text(copy.read_text(encoding="utf-8").replace('"Mars 2020"', '"April 2020"'), encoding="utf-8")
    assert ingest.reference_version("core_ref__analysplan") != before
    assert ingest.reference_version("core_ref__regioner") == other_before  # other tables are not rebuilt
    table = reference.analysplan_table()
    assert table.column("redovisas")[0].as_py() == "April 2020"  # read afresh, not cached
