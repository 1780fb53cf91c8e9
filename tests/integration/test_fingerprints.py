"""Everything a build reads is in its fingerprint: change one thing, and exactly the tables that
read it (and what depends on them) are rebuilt; the rest take the "oförändrad" path.

One small warehouse (SCB population, a KPP year, the reference tables) is built once per module
and copied into each test's workspace. Rebuilt = ``meta_tabeller.byggd`` moved.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from pipelines import build, contracts, ingest, publish, reference, warehouse
from pipelines.sources.registry import get_source
from pipelines.workspace import Workspace
from tests.conftest import FIXTURES, materialize

TARGETS = ("out_scb__aldersstruktur", "out_kpp__sjukhus", "out_kpp__ytterfall_fordelning", "out_kpp__cancer")
SELECTION = dg.AssetSelection.assets(*TARGETS).upstream()
FILES = {
    "scb-befolkning": [FIXTURES / "pxweb" / "befolkning_v1.json"],
    "drg-vikter": [FIXTURES / "kpp" / "viktlista_2020.xlsx"],
    "kpp-kontakter": [FIXTURES / "kpp" / "kontakter_2020_utf8bom.csv"],
    "kpp-riket": [FIXTURES / "kpp" / "riket_2020.csv"],
}
# out_kpp__kontakter and what reads it, in SELECTION (by hand, from the sql/ files)
KONTAKTER_AND_DEPENDENTS = {
    "out_kpp__kontakter",
    "out_kpp__kostnad_per_drg_poang",
    "out_kpp__sjukhus",
    "out_kpp__ytterfall_fordelning",
    "out_kpp__cancer",
}
# the ytterfall limits (they bind the ytterfall parameters) and what reads them
GRANSER_AND_DEPENDENTS = {"out_kpp__ytterfallsgranser", *KONTAKTER_AND_DEPENDENTS}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("fingerprints") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ANALYSPLAN_HOME", str(home))
        mp.setenv("DAGSTER_HOME", str(home / "dagster"))
        mp.delenv("ANALYSPLAN_LAN", raising=False)
        mp.delenv("ANALYSPLAN_PARAMETRAR", raising=False)
        ws = Workspace(home).ensure()
        for source, paths in FILES.items():  # as `analysplan ingest` does: accept, then build its core
            ingest.accept(ws, source, paths)
            assert materialize(dg.AssetSelection.assets(get_source(source).core_table).upstream()).success
        assert materialize(SELECTION).success
    return home


@pytest.fixture
def ws(built: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.delenv("ANALYSPLAN_LAN", raising=False)
    monkeypatch.delenv("ANALYSPLAN_PARAMETRAR", raising=False)
    shutil.copytree(built, workspace.home, dirs_exist_ok=True)
    return workspace


def built_at(ws: Workspace) -> dict[str, Any]:
    with warehouse.connect(ws.warehouse, read_only=True) as con:
        return dict(con.sql("SELECT tabell, byggd FROM meta_tabeller").fetchall())


def rebuild(ws: Workspace) -> set[str]:
    """Materialize SELECTION again; the tables actually rebuilt."""
    before = built_at(ws)
    assert materialize(SELECTION).success
    after = built_at(ws)
    assert set(after) == set(before)
    return {t for t in after if after[t] != before[t]}


def test_the_fixture_builds_every_layer(ws: Workspace) -> None:
    tables = set(built_at(ws))
    assert {"core_ref__sjukhus", "core_kpp__kontakter", "out_kpp__kontakter", *TARGETS} <= tables
    assert rebuild(ws) == set()  # nothing changed: every step took the "oförändrad" path


# --- macros -----------------------------------------------------------------------------------


@pytest.fixture
def macros(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of sql/macros.sql that the warehouse installs and fingerprints."""
    copy = tmp_path / "macros.sql"
    shutil.copy(warehouse.MACRO_FILE, copy)
    monkeypatch.setattr(warehouse, "MACRO_FILE", copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_changed_macro_rebuilds_only_the_tables_that_call_it(ws: Workspace, macros: Path) -> None:
    # A comment is not code: nothing is rebuilt.
    edit(
        macros,
        "WHEN upper(left(kod, 1)) = 'U' THEN 'XXII'",
        "WHEN upper(left(kod, 1)) = 'U' THEN 'XXII' -- U",
    )
    assert rebuild(ws) == set()

    # icd10_kapitel() is called by out_kpp__kontakter only (core_ref__diagnoskapitel names it in a
    # comment): it and its dependents are rebuilt, the SCB chain and the reference tables are not.
    edit(macros, "THEN 'XXII' -- U", "THEN 'XXII' WHEN upper(left(kod, 1)) = '?' THEN NULL")
    assert rebuild(ws) == KONTAKTER_AND_DEPENDENTS

    # Through another macro: icd10_kapitel() now calls a new macro; editing only that one rebuilds
    # the same tables again.
    edit(macros, "WHEN kod IS NULL OR NOT", "WHEN okand_kod(kod) OR NOT")
    macros.write_text(
        "CREATE OR REPLACE TEMP MACRO okand_kod(kod) AS kod IS NULL;\n" + macros.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    assert warehouse.macros_used("SELECT icd10_kapitel(x)") == {"icd10_kapitel", "okand_kod"}
    assert rebuild(ws) == KONTAKTER_AND_DEPENDENTS
    edit(macros, "AS kod IS NULL;", "AS kod IS NULL OR trim(kod) = '';")
    assert rebuild(ws) == KONTAKTER_AND_DEPENDENTS


# --- contracts --------------------------------------------------------------------------------


@pytest.fixture
def suites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of data_contracts/ that the core assets validate against."""
    copy = tmp_path / "data_contracts"
    shutil.copytree(contracts.CONTRACTS_DIR, copy)
    monkeypatch.setattr(contracts, "CONTRACTS_DIR", copy)
    return copy


def add_expectation(suites: Path, table: str, expectation: dict[str, Any]) -> None:
    path = suites / f"{table}.json"
    suite = json.loads(path.read_text(encoding="utf-8"))
    suite["expectations"].append(expectation)
    path.write_text(json.dumps(suite, ensure_ascii=False), encoding="utf-8")


def test_a_changed_contract_rechecks_its_table_and_only_a_broken_one_blocks(
    ws: Workspace, suites: Path
) -> None:
    table = "core_scb__befolkning"
    with warehouse.connect(ws.warehouse, read_only=True) as con:
        data_before = con.sql(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        fp_before = warehouse.scalar(
            con, "SELECT fingeravtryck FROM meta_tabeller WHERE tabell = $t", {"t": table}
        )

    # A contract that the data still meets: the table is rebuilt and re-checked; its data and its
    # fingerprint are the same, so nothing that reads it is rebuilt (no cascade).
    rows = {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 200}}
    add_expectation(suites, table, rows)
    assert rebuild(ws) == {table}
    with warehouse.connect(ws.warehouse, read_only=True) as con:
        assert con.sql(f"SELECT * FROM {table} ORDER BY ALL").fetchall() == data_before
        assert build.recorded(con, table) == fp_before
        assert build.recorded_contract(con, table) == contracts.suite_hash(table)
    assert rebuild(ws) == set()

    # A tightened contract that the data breaks: the check fails and blocks out_scb__aldersstruktur;
    # the table and its record stand, so the next run checks again.
    add_expectation(suites, table, {**rows, "kwargs": {"min_value": 1, "max_value": 10}})
    before = built_at(ws)
    for _ in range(2):
        result = materialize(SELECTION)
        checks = [e for e in result.get_asset_check_evaluations() if e.asset_key == dg.AssetKey(table)]
        assert [c.passed for c in checks] == [False]
        assert not result.success
        assert built_at(ws) == before


# --- reference data ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "rebuilt"),
    [
        (
            lambda mp: mp.setitem(
                reference.NORRBOTTEN_SJUKHUS,
                "KAL",
                reference.Sjukhus("KAL", "Kalix lasarett", "2514", "lansdelssjukhus"),
            ),
            {
                "core_ref__sjukhus",
                "out_kpp__sjukhus",
                "out_kpp__ytterfall_fordelning",
                "out_kpp__cancer",
            },  # hospital names
        ),
        (
            lambda mp: mp.setitem(reference.NORRBOTTEN_KOMMUNER, "2580", "Luleå kommun"),
            {"core_ref__regioner", "out_scb__aldersstruktur"},
        ),
        (
            lambda mp: mp.setitem(reference.ICD10_KAPITEL, "XXII", ("U00-U99", "Särskilda ändamål")),
            {"core_ref__diagnoskapitel", "out_kpp__ytterfall_fordelning"},
        ),
    ],
    ids=["sjukhus", "regioner", "diagnoskapitel"],
)
def test_changed_reference_data_rebuilds_only_the_tables_that_join_it(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, change: Any, rebuilt: set[str]
) -> None:
    change(monkeypatch)
    assert rebuild(ws) == rebuilt
    with warehouse.connect(ws.warehouse, read_only=True) as con:
        names = {
            "core_ref__sjukhus": "SELECT sjukhus_namn FROM core_ref__sjukhus WHERE sjukhus = 'KAL'",
            "core_ref__regioner": "SELECT region_namn FROM core_ref__regioner WHERE region_kod = '2580'",
            "core_ref__diagnoskapitel": "SELECT kapitel_namn FROM core_ref__diagnoskapitel WHERE kapitel = 'XXII'",
        }
        (ref,) = rebuilt & set(names)
        assert warehouse.scalar(con, names[ref]) in ("Kalix lasarett", "Luleå kommun", "Särskilda ändamål")
    assert rebuild(ws) == set()


# --- parameters -------------------------------------------------------------------------------


def test_each_table_records_its_parameters_and_its_inputs(ws: Workspace) -> None:
    with warehouse.connect(ws.warehouse, read_only=True) as con:

        def params(table: str) -> dict[str, Any]:
            return build.recorded_parameters(con, table)

        assert params("raw_kpp__kontakter") == {}
        assert params("core_ref__sjukhus") == {}
        assert params("core_kpp__kontakter") == {"lan": "25"}  # binds $lan
        assert params("out_scb__aldersstruktur") == {"lan": "25"}
        kontakter = {
            "lan": "25",  # from core_kpp__kontakter
            "ytterfall_andel_oppen": 0.03,
            "ytterfall_andel_sluten": 0.05,
            "ytterfall_minsta_antal": 20,
            "ytterfall_regel": "kostnadsgrans",
            "ytterfall_vardtid_k": 2.0,
        }
        assert params("out_kpp__kontakter") == kontakter
        # its own: only the threshold of its skyddad flag (sql/schema.yml skydd); the rest inherited
        assert params("out_kpp__cancer") == {**kontakter, "minsta_antal_visas": 5}
        frozen = publish.frozen_parameters(
            con, ["out_scb__aldersstruktur", "out_kpp__cancer"], {"period": 2020, "lan": "25"}
        )
        assert frozen == {"period": 2020, **kontakter, "minsta_antal_visas": 5}


def test_a_changed_parameter_is_recorded_where_it_was_used(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANALYSPLAN_PARAMETRAR", json.dumps({"ytterfall_minsta_antal": 5}))
    assert rebuild(ws) == GRANSER_AND_DEPENDENTS  # out_kpp__ytterfallsgranser binds it
    with warehouse.connect(ws.warehouse, read_only=True) as con:
        assert build.recorded_parameters(con, "out_kpp__sjukhus")["ytterfall_minsta_antal"] == 5
        assert "ytterfall_minsta_antal" not in build.recorded_parameters(con, "out_scb__aldersstruktur")


def test_the_county_is_a_parameter_of_what_binds_it(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYSPLAN_LAN", "24")
    rebuilt = rebuild(ws)
    # every table whose SQL binds $lan, and what reads them; not the raw, reference or DRG tables
    assert {"core_kpp__kontakter", "out_scb__aldersstruktur", *KONTAKTER_AND_DEPENDENTS} <= rebuilt
    assert not rebuilt & {
        "raw_kpp__kontakter",
        "core_drg__vikter",
        "core_scb__befolkning",
        "core_ref__sjukhus",
    }
    with warehouse.connect(ws.warehouse, read_only=True) as con:
        assert build.recorded_parameters(con, "out_kpp__cancer")["lan"] == "24"


def test_merged_parameters_keep_every_value_of_a_conflict() -> None:
    merged = build.merge_parameters({"lan": "25", "a": 1}, {"a": 2, "b": None}, {"a": [2, 3]})
    assert merged == {"a": [1, 2, 3], "b": None, "lan": "25"}
