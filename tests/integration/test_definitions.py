"""The Dagster definitions load, hold the layered assets and the blocking contract check."""

from __future__ import annotations

import dagster as dg

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
