"""`analysplan sql` only reads the warehouse: every way out of it (files, other databases,
extensions, settings) is refused with a Swedish sentence, exit 2, no traceback, nothing written."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import warehouse
from pipelines.cli import app
from pipelines.workspace import Workspace
from tests.conftest import tree


@pytest.fixture
def ws(workspace: Workspace) -> Workspace:
    con = duckdb.connect(str(workspace.warehouse))
    con.execute("CREATE TABLE out_test__patienter (patient VARCHAR, kostnad DOUBLE)")
    con.execute("INSERT INTO out_test__patienter VALUES ('19121212-1212', 123.5), ('19010101-0101', 7.0)")
    con.close()
    version = workspace.published / "rapport" / "2020-abc"
    version.mkdir(parents=True)
    (version / "report.html").write_text("<p>publicerad</p>", encoding="utf-8")
    return workspace


def run_sql(query: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["sql", query])
    return result.exit_code, " ".join(result.output.split())


def test_a_select_still_prints_csv(ws: Workspace) -> None:
    code, output = run_sql("SELECT count(*) AS n, sum(kostnad) AS s FROM out_test__patienter")
    assert code == 0, output
    assert output == "n,s 2,130.5"


ESCAPES = {
    "copy": "COPY out_test__patienter TO '{dir}/ut.csv'",
    "copy into a published version": "COPY out_test__patienter TO '{published}/rapport/2020-abc/extra.csv'",
    "copy from a query": "COPY (SELECT * FROM out_test__patienter) TO '{dir}/ut.parquet' (FORMAT parquet)",
    "export": "EXPORT DATABASE '{dir}/export'",
    "attach": "ATTACH '{dir}/annan.duckdb' AS annan",
    "read_text": "SELECT * FROM read_text('/etc/passwd')",
    "read_csv": "SELECT * FROM read_csv('/etc/passwd')",
    "read_csv inside a query": "SELECT count(*) FROM out_test__patienter, read_csv('/etc/hostname')",
    "glob": "SELECT * FROM glob('/etc/*')",
    "url": "SELECT * FROM read_parquet('https://example.com/x.parquet')",
    "install": "INSTALL httpfs",
    "load": "LOAD httpfs",
    "set": "SET enable_external_access = true",
    "set threads": "SET threads = 1",
    "reset": "RESET lock_configuration",
    "pragma setting": "PRAGMA threads = 1",
    "second statement": "SELECT 1; COPY out_test__patienter TO '{dir}/ut2.csv'",
    "drop": "DROP TABLE out_test__patienter",
    "create": "CREATE TABLE out_test__ny AS SELECT 1 AS a",
}


@pytest.mark.parametrize("query", ESCAPES.values(), ids=ESCAPES.keys())
def test_every_way_out_is_refused_in_swedish(ws: Workspace, tmp_path: Path, query: str) -> None:
    outside = tmp_path / "utanfor"
    outside.mkdir()
    before, outside_before = tree(ws.home), tree(outside)
    code, output = run_sql(query.format(dir=outside, published=ws.published))
    assert code == 2, output
    assert output.startswith("Fel: `analysplan sql` är skrivskyddad och läser bara lagret"), output
    assert "Traceback" not in output
    assert "19121212" not in output
    assert tree(ws.home) == before
    assert tree(outside) == outside_before
    assert not list(outside.iterdir())


def test_the_connection_itself_refuses_what_the_statement_check_would_let_through(ws: Workspace) -> None:
    """The statement check is for the message; DuckDB's configuration is what makes it safe."""
    with warehouse.connect_query(ws.warehouse) as con:
        assert con.sql("SELECT count(*) FROM out_test__patienter").fetchall() == [(2,)]
        for statement in (
            f"COPY out_test__patienter TO '{ws.home}/ut.csv'",
            f"EXPORT DATABASE '{ws.home}/export'",
            f"ATTACH '{ws.home}/annan.duckdb'",
            "SELECT * FROM read_text('/etc/passwd')",
            "INSTALL httpfs",
            "LOAD httpfs",
        ):
            with pytest.raises(duckdb.PermissionException):
                con.execute(statement)
        for statement in ("SET enable_external_access = true", "SET autoinstall_known_extensions = true"):
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute(statement)
        with pytest.raises(duckdb.InvalidInputException, match="read-only"):
            con.execute("DROP TABLE out_test__patienter")
    assert not (ws.home / "ut.csv").exists() and not (ws.home / "annan.duckdb").exists()


def test_a_syntax_error_is_reported_without_traceback(ws: Workspace) -> None:
    code, output = run_sql("SELEC 1")
    assert code == 2
    assert output.startswith("Fel: SQL-fel:") and "Traceback" not in output
