"""The Dagster definitions load, hold the layered assets and the blocking contract check."""

from __future__ import annotations

import dagster as dg

from pipelines import contracts, warehouse
from pipelines.sources.registry import all_sources
from pipelines.workspace import Workspace


def test_definitions_load(workspace: Workspace) -> None:
    from pipelines.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "core_ref__regioner",
        "raw_scb__befolkning",
        "core_scb__befolkning",
        "out_scb__aldersstruktur",
        "report_befolkning",
    } <= keys
    for key in keys:  # one naming convention: layer_source__name
        assert key.split("_")[0] in {"raw", "core", "out", "report"}, key
    checks = {
        (c.asset_key.to_user_string(), c.name): c
        for a in defs.assets or []
        if isinstance(a, dg.AssetsDefinition)
        for c in a.check_specs
    }
    assert ("core_scb__befolkning", "datakontrakt") in checks
    assert checks[("core_scb__befolkning", "datakontrakt")].blocking
    report_parents = {k.to_user_string() for k in graph.get(dg.AssetKey("report_befolkning")).parent_keys}
    assert report_parents == {"out_scb__aldersstruktur"}  # derived from the .qmd's load() calls
    assert defs.resolve_job_def("hela_kedjan") is not None
    assert [s.name for s in defs.schedules or []] == ["manadsuppdatering"]


def test_each_table_depends_on_exactly_what_its_sql_and_contract_read(workspace: Workspace) -> None:
    from pipelines.definitions import build_definitions

    graph = build_definitions().resolve_asset_graph()

    def parents(table: str) -> set[str]:
        return {k.to_user_string() for k in graph.get(dg.AssetKey(table)).parent_keys}

    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    outs = sorted(k for k in keys if k.startswith("out_"))
    assert len(outs) == len(list(warehouse.SQL_DIR.glob("out_*.sql")))
    for table in outs:
        assert parents(table) == set(warehouse.tables_read(table)) <= keys, table
    assert "core_ref__sjukhus" in parents("out_kpp__sjukhus")  # reference data is an input too
    for source in all_sources().values():  # the hand list (also ingest's order) covers what is read
        read = set(warehouse.tables_read(source.core_table)) | set(contracts.tables_read(source.core_table))
        assert parents(source.core_table) == {source.raw_table, *source.depends_on} == read, source.name
