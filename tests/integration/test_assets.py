"""Dagster assets on small real-format fixtures: build, skip unchanged work, block on a broken contract."""

from __future__ import annotations

import json
import shutil

import dagster as dg
import pytest

from pipelines import ingest, warehouse
from pipelines.workspace import Workspace
from tests.conftest import FIXTURES, materialize

PX = FIXTURES / "pxweb"
UPSTREAM_OF_OUT = dg.AssetSelection.assets("out_scb__aldersstruktur").upstream()


@pytest.mark.parametrize(
    "fixture", ["befolkning_v1.json", "befolkning_jsonstat.json", "befolkning_jsonstat2.json"]
)
def test_each_pxweb_format_flows_to_the_out_table(workspace: Workspace, fixture: str) -> None:
    ingest.accept(workspace, "scb-befolkning", [PX / fixture])
    result = materialize(UPSTREAM_OF_OUT)
    assert result.success
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        core = warehouse.table_rows(con, "core_scb__befolkning")
        raw = warehouse.table_rows(con, "raw_scb__befolkning")
        totals = warehouse.scalar(con, "SELECT count(*) FROM raw_scb__befolkning WHERE alder_kod = 'tot'")
        assert core == raw - totals > 0  # totals dropped, every single age kept
        # the out table's all-ages total equals the core sum for every region and year
        diff = warehouse.scalar(
            con,
            "SELECT count(*) FROM (SELECT region_kod, ar, sum(folkmangd) AS n FROM core_scb__befolkning "
            "GROUP BY ALL) c JOIN out_scb__aldersstruktur o USING (region_kod, ar) "
            "WHERE o.aldersgrupp = 'alla' AND o.kon = 'alla' AND o.folkmangd <> c.n",
        )
        assert diff == 0


def test_unchanged_inputs_skip_work_and_new_files_rebuild(workspace: Workspace) -> None:
    ingest.accept(workspace, "scb-befolkning", [PX / "befolkning_v1.json"])
    assert materialize(UPSTREAM_OF_OUT).success
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        first = dict(con.sql("SELECT tabell, byggd FROM meta_tabeller").fetchall())
    assert materialize(UPSTREAM_OF_OUT).success
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        assert dict(con.sql("SELECT tabell, byggd FROM meta_tabeller").fetchall()) == first  # nothing rebuilt
    ingest.accept(workspace, "scb-befolkning", [PX / "befolkning_jsonstat.json"])
    assert materialize(UPSTREAM_OF_OUT).success
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        rebuilt = dict(con.sql("SELECT tabell, byggd FROM meta_tabeller").fetchall())
        assert rebuilt["core_ref__regioner"] == first["core_ref__regioner"]
        for table in ("raw_scb__befolkning", "core_scb__befolkning", "out_scb__aldersstruktur"):
            assert rebuilt[table] > first[table]
        years = {y for (y,) in con.sql("SELECT DISTINCT ar FROM core_scb__befolkning").fetchall()}
        assert years == {2019, 2020}


def test_broken_contract_keeps_the_old_table_and_blocks_downstream(workspace: Workspace) -> None:
    ingest.accept(workspace, "scb-befolkning", [PX / "befolkning_v1.json"])
    assert materialize(UPSTREAM_OF_OUT).success
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        core_before = con.sql("SELECT * FROM core_scb__befolkning ORDER BY ALL").fetchall()
        out_before = con.sql("SELECT * FROM out_scb__aldersstruktur ORDER BY ALL").fetchall()
    # A file that parses but breaks the contract, slipped into incoming/ behind accept()'s back.
    doc = json.loads((PX / "befolkning_v1.json").read_text(encoding="utf-8-sig"))
    for record in doc["data"]:
        record["key"][3] = "2021"
        if record["key"][1:3] == ["0", "1"]:
            record["values"] = ["5000000"]
        if record["key"][1:3] == ["tot", "1"]:
            record["values"] = [str(int(record["values"][0]) + 5000000 - 499)]
    folder = workspace.incoming_dir("scb-befolkning")
    src = next(folder.glob("*.meta.json"))
    data = json.dumps(doc).encode()
    digest = ingest.sha256_bytes(data)
    (folder / f"{digest}.json").write_bytes(data)
    meta = json.loads(src.read_text(encoding="utf-8"))
    meta.update(sha256=digest, stored_as=f"{digest}.json", original_name="smugglad.json", size=len(data))
    (folder / f"{digest}.meta.json").write_text(json.dumps(meta), encoding="utf-8")

    result = materialize(UPSTREAM_OF_OUT)
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["datakontrakt"].passed
    assert "folkmangd" in (checks["datakontrakt"].description or "")
    assert not result.success  # the blocking check stops the run before out_*
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events() if e.asset_key}
    assert "out_scb__aldersstruktur" not in built
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        assert con.sql("SELECT * FROM core_scb__befolkning ORDER BY ALL").fetchall() == core_before
        assert con.sql("SELECT * FROM out_scb__aldersstruktur ORDER BY ALL").fetchall() == out_before
    shutil.rmtree(folder)
