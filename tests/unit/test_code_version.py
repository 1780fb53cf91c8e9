"""A table's code version: its SQL and the definitions of the macros it calls, transitively."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import warehouse

MACROS = """-- header comment
CREATE OR REPLACE TEMP MACRO basis(x) AS x + 1;
create or replace temp macro dubbel(x) AS basis(x) * 2;  -- calls basis()
CREATE OR REPLACE TEMP MACRO ensam(x) AS
    CASE WHEN x > 0 THEN 'ja'
         ELSE 'nej' END;
"""


@pytest.fixture
def sql_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "macros.sql").write_text(MACROS, encoding="utf-8")
    monkeypatch.setattr(warehouse, "SQL_DIR", tmp_path)
    monkeypatch.setattr(warehouse, "MACRO_FILE", tmp_path / "macros.sql")
    (tmp_path / "out_a__dubbel.sql").write_text(
        "-- uses ensam(x) only in this comment\nSELECT dubbel (v) FROM core_a__tal JOIN out_a__annan USING (k)",
        encoding="utf-8",
    )
    (tmp_path / "out_a__ensam.sql").write_text(
        "SELECT ENSAM(v), 'core_x__i_en_strang' AS s FROM core_a__tal", encoding="utf-8"
    )
    return tmp_path


def test_macros_are_parsed_one_statement_each(sql_dir: Path) -> None:
    macros = warehouse.macros()
    assert list(macros) == ["basis", "dubbel", "ensam"]
    assert macros["dubbel"] == "create or replace temp macro dubbel(x) AS basis(x) * 2;"
    assert macros["ensam"].endswith("ELSE 'nej' END;")


def test_macros_used_follows_calls_through_other_macros(sql_dir: Path) -> None:
    assert warehouse.macros_used(warehouse.sql_text("out_a__dubbel")) == {"dubbel", "basis"}
    assert warehouse.macros_used(warehouse.sql_text("out_a__ensam")) == {"ensam"}


def test_tables_read_are_the_names_outside_comments_and_strings(sql_dir: Path) -> None:
    assert warehouse.tables_read("out_a__dubbel") == ["core_a__tal", "out_a__annan"]
    assert warehouse.tables_read("out_a__ensam") == ["core_a__tal"]


def test_editing_a_macro_changes_exactly_the_code_versions_that_use_it(sql_dir: Path) -> None:
    before = {t: warehouse.code_version(t) for t in ("out_a__dubbel", "out_a__ensam")}
    macros = sql_dir / "macros.sql"
    macros.write_text(MACROS.replace("x + 1", "x + 2"), encoding="utf-8")  # basis(): used through dubbel()
    after = {t: warehouse.code_version(t) for t in before}
    assert after["out_a__dubbel"] != before["out_a__dubbel"]
    assert after["out_a__ensam"] == before["out_a__ensam"]
    macros.write_text(MACROS.replace("-- calls basis()", "-- calls basis(), +1"), encoding="utf-8")
    assert {t: warehouse.code_version(t) for t in before} == before  # a comment is not code
