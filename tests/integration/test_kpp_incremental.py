"""KPP extracts load incrementally and idempotently: through ``ingest.accept`` and the Dagster assets.

The same file again changes nothing (not even a rebuild); a new monthly extract adds its month
without re-reading or rewriting the raw rows of earlier files, and a contact it re-delivers
replaces the earlier version in the core table.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from pipelines import ingest, warehouse
from pipelines.workspace import Workspace
from tests.conftest import materialize
from tests.integration.kpp_fixtures import FIXTURES

KONTAKTER = dg.AssetSelection.assets("core_kpp__kontakter").upstream()
LAN = {"lan": "25"}  # as the CLI passes it (ANALYSPLAN_LAN); the assets get it from the resource
RAW_ROWS = "SELECT rowid, * FROM raw_kpp__kontakter ORDER BY rowid"


def query(workspace: Workspace, sql: str) -> list[tuple[Any, ...]]:
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the files the pipeline parses from now on (accept's check and the raw load)."""
    names: list[str] = []
    original: Callable[..., Any] = ingest._read

    def spy(source: Any, data: bytes, name: str, on_disk: Any = None) -> Any:
        names.append(name)
        return original(source, data, name, on_disk)

    monkeypatch.setattr(ingest, "_read", spy)
    return names


def test_the_same_file_twice_changes_nothing_and_a_new_month_only_adds_its_rows(
    workspace: Workspace, parsed: list[str], tmp_path: Path
) -> None:
    ingest.accept(workspace, "drg-vikter", [FIXTURES / "viktlista_2021.csv"])
    assert materialize(dg.AssetSelection.assets("core_drg__vikter").upstream()).success
    january = FIXTURES / "kontakter_2021_01.csv"
    assert len(ingest.accept(workspace, "kpp-kontakter", [january], LAN)) == 1
    assert materialize(KONTAKTER).success
    raw_before = query(workspace, RAW_ROWS)
    core_before = query(workspace, "SELECT * FROM core_kpp__kontakter ORDER BY vardkontakt_id")
    built_before = dict(query(workspace, "SELECT tabell, byggd FROM meta_tabeller"))
    assert len(raw_before) == len(core_before) == 6

    # The same file again — also under another name — is recognised by its content and ignored.
    parsed.clear()
    copy = tmp_path / "kpp_januari_igen.csv"
    shutil.copy(january, copy)
    assert ingest.accept(workspace, "kpp-kontakter", [january, copy], LAN) == []
    assert materialize(KONTAKTER).success
    assert parsed == []
    assert query(workspace, RAW_ROWS) == raw_before
    assert query(workspace, "SELECT * FROM core_kpp__kontakter ORDER BY vardkontakt_id") == core_before
    assert (
        dict(query(workspace, "SELECT tabell, byggd FROM meta_tabeller")) == built_before
    )  # nothing rebuilt
    assert len(list(workspace.incoming_dir("kpp-kontakter").glob("*.csv"))) == 1

    # February's extract: only it is parsed; January's raw rows stay exactly as they were.
    parsed.clear()
    assert len(ingest.accept(workspace, "kpp-kontakter", [FIXTURES / "kontakter_2021_02.csv"], LAN)) == 1
    assert materialize(KONTAKTER).success
    assert set(parsed) == {"kontakter_2021_02.csv"}
    raw_after = query(workspace, RAW_ROWS)
    columns = [
        name for (name,) in query(workspace, "SELECT name FROM pragma_table_info('raw_kpp__kontakter')")
    ]
    kalla_fil = columns.index("kalla_fil") + 1  # + rowid
    assert [r for r in raw_after if r[kalla_fil] == "kontakter_2021_01.csv"] == raw_before
    assert len(raw_after) == len(raw_before) + 5
    built_after = dict(query(workspace, "SELECT tabell, byggd FROM meta_tabeller"))
    assert built_after["core_drg__vikter"] == built_before["core_drg__vikter"]
    assert built_after["raw_kpp__kontakter"] > built_before["raw_kpp__kontakter"]

    # The core table has both months; the re-delivered contact carries February's values.
    assert query(
        workspace, "SELECT manad, count(*) FROM core_kpp__kontakter GROUP BY manad ORDER BY manad"
    ) == [
        (1, 6),
        (2, 4),
    ]
    assert query(
        workspace, "SELECT kostnad, kalla_fil FROM core_kpp__kontakter WHERE vardkontakt_id = 'VK2021-0003'"
    ) == [(2705.9, "kontakter_2021_02.csv")]
    assert query(
        workspace, "SELECT filnamn, rader FROM meta_filer WHERE kalla = 'kpp-kontakter' ORDER BY 1"
    ) == [
        ("kontakter_2021_01.csv", 6),
        ("kontakter_2021_02.csv", 5),
    ]

    # Asking again, with nothing new, is a no-op once more.
    parsed.clear()
    assert materialize(KONTAKTER).success
    assert parsed == []
    assert dict(query(workspace, "SELECT tabell, byggd FROM meta_tabeller")) == built_after
