"""A PxWeb response with a dimension beyond region × age × sex × year (TAB638's Civilstand) is summed
only when the dimension is complete: all four civilstånd of TAB638's metadata (sources.md §1.3: OG, G,
ÄNKL, SK) or the total SC. A response restricted to some civilstånd is not the population and is
rejected, naming the dimension. Fixture: the real json-stat (v1) response for Norrbotten 2019, whose
Civilstand is the second dimension after a one-region Region, so each civilstånd is one block of
``value``."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import RejectedInput
from pipelines.sources import scb_befolkning

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "pxweb" / "befolkning_jsonstat.json"
CELLS_PER_CIVILSTAND = 102 * 2  # Alder × Kon (Region, ContentsCode and Tid have one category)


def with_civilstand(keep: list[str]) -> bytes:
    """The real response with only the civilstånd ``keep`` (in file order), as SCB returns such a query."""
    document: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8-sig"))
    dataset = copy.deepcopy(document["dataset"])
    category = dataset["dimension"]["Civilstand"]["category"]
    order = sorted(category["index"], key=category["index"].get)
    assert order == ["OG", "G", "ÄNKL", "SK"]
    values = []
    for code in keep:
        start = order.index(code) * CELLS_PER_CIVILSTAND
        values += dataset["value"][start : start + CELLS_PER_CIVILSTAND]
    category["index"] = {code: i for i, code in enumerate(keep)}
    category["label"] = {code: category["label"][code] for code in keep}
    dataset["dimension"]["size"][dataset["dimension"]["id"].index("Civilstand")] = len(keep)
    dataset["value"] = values
    return json.dumps({"dataset": dataset}, ensure_ascii=False).encode("utf-8")


def test_all_four_civilstand_are_summed() -> None:
    table = scb_befolkning.read(with_civilstand(["OG", "G", "ÄNKL", "SK"]), "alla.json")
    totals = {(r["alder_kod"], r["kon"]): r["folkmangd"] for r in table.to_pylist()}
    assert totals[("tot", "1")] == 83208 + 32401 + 3136 + 6844  # read by hand from the file


@pytest.mark.parametrize(
    ("keep", "missing"),
    [(["OG"], "G, SK, ÄNKL"), (["OG", "G", "SK"], "ÄNKL"), (["G", "ÄNKL", "SK"], "OG")],
)
def test_a_restricted_civilstand_is_rejected_naming_the_dimension(keep: list[str], missing: str) -> None:
    with pytest.raises(RejectedInput) as caught:
        scb_befolkning.read(with_civilstand(keep), "delvis.json")
    violations = caught.value.violations
    assert {v.rule for v in violations} == {"scb-civilstand-ofullstandig"}
    assert {v.column for v in violations} == {"Civilstand"}
    assert f"saknar {missing} " in violations[0].message
    assert "Civilstand" in str(caught.value)
    assert violations[0].row == 1  # the first cell of the first group (ålder 0, män)
