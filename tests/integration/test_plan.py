"""Skip at selection time (pipelines/plan.py): the planner names exactly what a run would rebuild.

After a change to one SQL file, one macro or one .qmd, the assets the planner calls due are the
ones that depend on it, and a run of the selection rebuilds exactly those (``meta_tabeller.byggd``
moved; for the report: one new version). With nothing changed nothing is due, so the CLI starts
no Dagster run. The warehouse is the one tests/integration/test_fingerprints.py builds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from pipelines import definitions, plan, publish, warehouse
from pipelines.workspace import Workspace
from tests.conftest import materialize
from tests.integration.test_fingerprints import (  # noqa: F401 — fixtures
    KONTAKTER_AND_DEPENDENTS,
    SELECTION,
    TARGETS,
    built,
    edit,
    macros,
    rebuild,
    ws,
)

# the fixtures above are used by name; ruff sees the parameters as redefinitions
# ruff: noqa: F811

NAMES = sorted(plan.upstream(TARGETS))


def test_the_planners_graph_is_the_dagster_graph() -> None:
    graph = definitions.defs.resolve_asset_graph()
    dagster_edges = {
        key.to_user_string(): sorted(p.to_user_string() for p in graph.get(key).parent_keys)
        for key in graph.get_all_asset_keys()
    }
    assert {n.name: sorted(n.parents) for n in plan.graph().values()} == dagster_edges
    assert set(NAMES) == {k.to_user_string() for k in SELECTION.resolve(graph)}


def test_nothing_changed_nothing_due(ws: Workspace) -> None:
    assert plan.due(ws, NAMES) == []


@pytest.fixture
def sql_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of sql/ that the assets and the planner read (macros stay the repo's)."""
    copy = tmp_path / "sql"
    shutil.copytree(warehouse.SQL_DIR, copy)
    monkeypatch.setattr(warehouse, "SQL_DIR", copy)
    return copy


def test_one_changed_sql_file_is_due_with_exactly_its_dependents(ws: Workspace, sql_dir: Path) -> None:
    # nothing reads out_scb__aldersstruktur in the selection: it alone
    edit(sql_dir / "out_scb__aldersstruktur.sql", "ORDER BY region_kod, ar", "ORDER BY ar, region_kod")
    assert plan.due(ws, NAMES) == ["out_scb__aldersstruktur"]
    assert rebuild(ws) == {"out_scb__aldersstruktur"}
    assert plan.due(ws, NAMES) == []
    # out_kpp__kontakter: it and the four tables that read it (hand list in test_fingerprints)
    edit(
        sql_dir / "out_kpp__kontakter.sql",
        "AS ytterfall\nFROM core_kpp__kontakter AS k",
        "AS ytterfall\nFROM core_kpp__kontakter AS k -- same rows",
    )
    assert set(plan.due(ws, NAMES)) == KONTAKTER_AND_DEPENDENTS
    assert rebuild(ws) == KONTAKTER_AND_DEPENDENTS


def test_a_changed_macro_is_due_where_it_is_called(ws: Workspace, macros: Path) -> None:
    edit(macros, "THEN 'XXII'", "THEN 'XXII' WHEN upper(left(kod, 1)) = '?' THEN NULL")
    assert set(plan.due(ws, NAMES)) == KONTAKTER_AND_DEPENDENTS
    assert rebuild(ws) == KONTAKTER_AND_DEPENDENTS
    assert plan.due(ws, NAMES) == []


def test_a_changed_qmd_is_due_alone_and_renders_one_new_version(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reports = tmp_path / "reports"
    shutil.copytree(publish.REPORTS_DIR / "plan", reports / "plan")
    monkeypatch.setattr(publish, "REPORTS_DIR", reports)
    names = sorted(plan.upstream(["report_plan"]))
    assert plan.due(ws, names) == ["core_ref__analysplan", "report_plan"]  # neither built yet
    assert materialize(dg.AssetSelection.assets(*names)).success
    assert plan.due(ws, names) == []
    versions = publish.read_versions(ws, "plan")
    assert len(versions) == 1

    qmd = reports / "plan" / "plan.qmd"
    qmd.write_text(qmd.read_text(encoding="utf-8") + "\nEn rad till.\n", encoding="utf-8")
    assert plan.due(ws, names) == ["report_plan"]
    assert rebuild(ws) == set()  # no table is rebuilt …
    assert materialize(dg.AssetSelection.assets(*names)).success
    assert len(publish.read_versions(ws, "plan")) == 2  # … and the report once
    assert plan.due(ws, names) == []
    # the same inputs again: no freezing, no rendering — the version is found by its input key
    result = materialize(dg.AssetSelection.assets("report_plan"))
    assert [
        e.materialization.metadata["status"].value for e in result.get_asset_materialization_events()
    ] == ["oförändrad (samma indata och kod)"]
    assert len(publish.read_versions(ws, "plan")) == 2
