"""The ``skyddad`` flag is computed when an out_* table is built (pipelines/warehouse.build_table), from
its ``skydd.antal`` declaration in sql/schema.yml, and the threshold it binds is in the fingerprint."""

from __future__ import annotations

import duckdb
import pytest

from pipelines import build, schema, warehouse

FAKE = "out_test__skydd"
ROWS = "SELECT * FROM (VALUES (1, 1, 0), (2, 4, 7), (3, 5, 2), (4, NULL, 3), (5, 5, 0), (6, NULL, NULL), (7, 0, 0)) "


@pytest.fixture
def fake_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A made-up out_* table with two declared counts, antal_a (the base) and antal_b."""
    real_sql, real_doc = warehouse.sql_text, schema.documented()
    monkeypatch.setattr(
        warehouse,
        "sql_text",
        lambda t: (
            f"{ROWS}t(nr, antal_a, antal_b)\nORDER BY nr -- a trailing comment" if t == FAKE else real_sql(t)
        ),
    )
    doc = {**real_doc, FAKE: {"skydd": {"antal": {"antal_a": [], "antal_b": []}}, "kolumner": {}}}
    monkeypatch.setattr(schema, "documented", lambda: doc)


def flags(con: duckdb.DuckDBPyConnection) -> list[tuple[int, bool]]:
    return [(int(n), bool(s)) for n, s in con.sql(f"SELECT nr, skyddad FROM {FAKE} ORDER BY nr").fetchall()]


@pytest.mark.usefixtures("fake_table")
def test_skyddad_is_true_where_a_count_is_1_to_4() -> None:
    con = duckdb.connect()
    warehouse.build_table(con, FAKE, {"minsta_antal_visas": 5})
    # by hand: (1, 0) a=1; (4, 7) a=4; (5, 2) b=2; (NULL, 3) b=3 → protected. (5, 0), (NULL, NULL) and
    # (0, 0) describe no small group: 0 is shown (pipelines/skydd.py rule 1), NULL is no count.
    assert flags(con) == [(1, True), (2, True), (3, True), (4, True), (5, False), (6, False), (7, False)]
    assert [c for (c,) in con.sql(f"SELECT column_name FROM (DESCRIBE {FAKE})").fetchall()][-1] == "skyddad"


@pytest.mark.usefixtures("fake_table")
def test_skyddad_follows_the_bound_threshold() -> None:
    con = duckdb.connect()
    warehouse.build_table(con, FAKE, {"minsta_antal_visas": 3})
    assert flags(con) == [(1, True), (2, False), (3, True), (4, False), (5, False), (6, False), (7, False)]


@pytest.mark.usefixtures("fake_table")
def test_threshold_is_a_parameter_of_the_table_and_so_in_its_fingerprint() -> None:
    assert "minsta_antal_visas" in warehouse.sql_param_names(FAKE)
    with pytest.raises(KeyError, match="minsta_antal_visas"):
        warehouse.build_table(duckdb.connect(), FAKE, {})
    code = warehouse.code_version(FAKE)
    assert build.fingerprint(code, {}, {"minsta_antal_visas": 5}) != build.fingerprint(
        code, {}, {"minsta_antal_visas": 10}
    )


def test_every_declared_table_binds_the_threshold_and_documents_the_flag() -> None:
    declared = [t for t, d in schema.documented().items() if isinstance(d.get("skydd"), dict)]
    assert len(declared) >= 15
    for table in declared:
        assert "minsta_antal_visas" in warehouse.sql_param_names(table), table
        assert list(schema.columns(table))[-1] == "skyddad", table
        assert schema.columns(table)["skyddad"] == "BOOLEAN", table
    for table, doc in schema.documented().items():
        if not isinstance(doc.get("skydd"), dict):
            assert "skyddad" not in schema.columns(table), table


def test_the_declared_counts_are_part_of_the_code_version(monkeypatch: pytest.MonkeyPatch) -> None:
    table = "out_kpp__cancer"
    before = warehouse.code_version(table)
    doc = schema.documented()
    changed = {**doc, table: {**doc[table], "skydd": {"antal": {"antal_kontakter": []}}}}
    monkeypatch.setattr(schema, "documented", lambda: changed)
    assert warehouse.code_version(table) != before
