"""The Kolada demo: real v3 pages the reader accepts, and Norrbotten's cost level as the plan says."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.demo import kolada
from pipelines.sources import kolada as reader

SEED = 20200101


def test_pages_are_linked_and_read(tmp_path: Path) -> None:
    paths = kolada.generate_files(tmp_path, seed=SEED, scale=0.01)["kolada"]
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    assert [len(d["values"]) for d in documents] == [500, 3 * 22 * 9 - 500]
    assert documents[0]["next_url"].endswith("?per_page=500&page=2")
    assert documents[1]["next_url"] is None
    tables = [reader.read(p.read_bytes(), p.name) for p in paths]
    assert sum(t.num_rows for t in tables) == 3 * 22 * 9
    rows = [r for t in tables for r in t.to_pylist()]
    assert {r["region_kod"] for r in rows} == {"00", *kolada.COST_LEVEL}
    assert sum(r["borttagen"] for r in rows) == 1
    assert [r["status"] for r in rows if r["varde"] is None] == ["Uppgift saknas"]
    again = kolada.generate_files(tmp_path / "igen", seed=SEED, scale=0.01)["kolada"]
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_norrbotten_costs_more_than_riket_but_is_neither_highest_nor_lowest() -> None:
    values = kolada.values(SEED)
    for year in kolada.YEARS:
        level = {c: values[("N70061", c, year)] for c in kolada.COST_LEVEL}
        assert level["25"] > values[("N70061", "00", year)]
        assert min(level.values()) < level["25"] < max(level.values())
        assert values[("N70061", "25", year)] > values[("N70038", "25", year)]  # above its reference cost
    assert values[("N70061", "00", 2024)] == 32_353


def test_norrbottens_drug_cost_excess_follows_the_styrmatt() -> None:
    values = kolada.values(SEED)
    excess = {y: values[("N70059", "25", y)] - values[("N70059", "00", y)] for y in kolada.YEARS}
    assert abs(excess[2017] - 347) <= 1  # ingångsvärde 2017
    assert excess[2020] < 350  # "uppnår årets mål" (350 kr)
    assert all(excess[y + 1] <= excess[y] + 1 for y in kolada.YEARS[:-1])  # keeps falling
