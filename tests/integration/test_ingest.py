"""accept(): a good file is stored once; a bad one is rejected (file/row/column/rule), nothing changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines import ingest
from pipelines.errors import RejectedInput
from pipelines.workspace import Workspace
from tests.conftest import FIXTURES

V1 = FIXTURES / "pxweb" / "befolkning_v1.json"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def rewrite_v1(tmp_path: Path, name: str, change) -> Path:  # type: ignore[no-untyped-def]
    doc = json.loads(V1.read_text(encoding="utf-8-sig"))
    change(doc["data"])
    out = tmp_path / name
    out.write_text(json.dumps(doc), encoding="utf-8")
    return out


def test_good_file_is_stored_once(workspace: Workspace) -> None:
    stored = ingest.accept(workspace, "scb-befolkning", [V1])
    assert [f.original_name for f in stored] == ["befolkning_v1.json"]
    assert stored[0].path.read_bytes() == V1.read_bytes()
    assert stored[0].path.name == f"{ingest.sha256_bytes(V1.read_bytes())}.json"
    before = snapshot(workspace.incoming)
    assert ingest.accept(workspace, "scb-befolkning", [V1]) == []  # same content: nothing new
    assert snapshot(workspace.incoming) == before
    assert len(ingest.stored_files(workspace, "scb-befolkning")) == 1


def test_parse_error_names_file_row_column_rule_and_stores_nothing(
    workspace: Workspace, tmp_path: Path
) -> None:
    def negative(data: list) -> None:  # type: ignore[type-arg]
        data[4]["values"] = ["-3"]

    bad = rewrite_v1(tmp_path, "negativ.json", negative)
    with pytest.raises(RejectedInput) as caught:
        ingest.accept(workspace, "scb-befolkning", [bad])
    violation = caught.value.violations[0]
    assert (violation.file, violation.row, violation.column, violation.rule) == (
        "negativ.json",
        5,
        "BE0101N1",
        "scb-negativ",
    )
    assert "fil negativ.json, rad 5, kolumn BE0101N1: regel scb-negativ" in str(caught.value)
    assert snapshot(workspace.incoming) == {}


def test_contract_breach_is_caught_before_anything_is_stored(workspace: Workspace, tmp_path: Path) -> None:
    # 2 000 000 men aged 0 in Luleå: a valid PxWeb file whose totals add up, but the contract's
    # range rule (≤ 1 000 000 per one-year age class and kön) rejects it.
    def huge(data: list) -> None:  # type: ignore[type-arg]
        first = data[0]
        old = int(first["values"][0])
        first["values"] = ["2000000"]
        for record in data:
            region, alder, kon, tid = record["key"]
            if alder == "tot" and (region, kon, tid) == tuple(first["key"][i] for i in (0, 2, 3)):
                record["values"] = [str(int(record["values"][0]) - old + 2_000_000)]

    bad = rewrite_v1(tmp_path, "for_stor.json", huge)
    ingest.accept(workspace, "scb-befolkning", [V1])
    before = snapshot(workspace.home)
    with pytest.raises(ingest.ContractBroken) as caught:
        ingest.accept(workspace, "scb-befolkning", [bad])
    assert "for_stor.json" in str(caught.value)
    assert "kolumn folkmangd: regel expect_column_values_to_be_between" in str(caught.value)
    assert snapshot(workspace.home) == before


def test_unknown_source_and_missing_file(workspace: Workspace, tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="Okänd källa"):
        ingest.accept(workspace, "scb-okand", [V1])
    with pytest.raises(RejectedInput, match="fil-saknas"):
        ingest.accept(workspace, "scb-befolkning", [tmp_path / "finns_inte.json"])


def test_a_source_checked_against_another_needs_it_first(workspace: Workspace) -> None:
    results = FIXTURES / "vis" / "upload_small.csv"
    with pytest.raises(RejectedInput) as caught:
        ingest.accept(workspace, "vis-indikatorer", [results])
    violation = caught.value.violations[0]
    assert violation.rule == "beroende-saknas"
    assert "läs in vis-katalog först" in violation.message
    assert snapshot(workspace.incoming) == {}
