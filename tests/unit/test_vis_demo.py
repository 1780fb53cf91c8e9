"""The Vården i siffror demo generator: deterministic, real formats, and the properties the plan needs."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from pipelines import reference
from pipelines.demo import vis
from pipelines.sources import vis as reader

SEED = 20200101


@cache
def all_results() -> tuple[vis.Result, ...]:
    return tuple(r for i, ind in enumerate(vis.INDICATORS) for r in vis.results(ind, i, SEED))


def yearly_region_values(ind: vis.Indicator) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = defaultdict(dict)
    for r in all_results():
        if r.indicator is not ind or r.region is None or r.hospital or r.measure_id != ind.mid():
            continue
        if r.start.month != 1 or r.end.month != 12 or r.reason is not None:
            continue
        out[r.start.year][r.region] = r.x / r.n if ind.is_share else r.x
    return out


def test_files_are_deterministic_and_readable(tmp_path: Path) -> None:
    first = vis.generate_files(tmp_path / "a", seed=SEED, scale=0.01)
    second = vis.generate_files(tmp_path / "b", seed=SEED, scale=0.5)  # aggregated data: no scale
    for source, paths in first.items():
        assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in second[source]], source
    catalog = reader.read_catalog(first["vis-katalog"][0].read_bytes(), "k.json")
    assert catalog.num_rows > len(vis.INDICATORS)
    formats = {}
    for path in first["vis-indikatorer"]:
        table = reader.read_results(path.read_bytes(), path.name)
        formats[path.name] = set(table["format"].to_pylist())
    assert formats["vis_export_2018.csv"] == {"vis-export"}
    assert formats["vis_resultat_2020.csv"] == {"vis-upload"}
    assert formats["vis_riksstroke_2024.csv"] == {"vis-upload"}
    instruction = first["vis-indikatorer"][-2].read_text(encoding="utf-8").splitlines()[1]
    assert instruction.startswith("KEEP_EXISTING_DATA_FOR_REGISTER_HSAID:")


def test_catalog_covers_npos_directions_and_unit_types() -> None:
    doc = vis.catalog()
    measures = doc["pageResults"]
    assert 20 <= len(measures) <= 30
    npos = {m["npo"] for m in measures if m["npo"]}
    assert len(npos) >= 8
    assert {
        "Hjärt- och kärlsjukdomar",
        "Cancersjukdomar",
        "Psykisk hälsa",
        "Rörelseorganens sjukdomar",
    } <= npos
    assert {"Endokrina sjukdomar", "Äldres hälsa"} <= npos
    assert {m["soughtValue"] for m in measures} == {"Högt", "Lågt"}
    assert {m["unitType"] for m in measures} == {"Andel", "Dagar", "Median", "Antal", "Medelvärde"}
    subs = [s for m in measures for s in m["submeasures"]]
    assert any(s["gender"] for s in subs) and any(s["age"] for s in subs)
    assert any({"name": "Halvår"} in m["measuringFrequencies"] for m in measures)
    assert json.dumps(doc)  # serialisable


def test_all_regions_every_year() -> None:
    seen: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in all_results():
        if r.region and not r.hospital and r.measure_id == r.indicator.mid():
            seen[(r.indicator.key, r.start.year)].add(r.region)
    assert len(seen) == len(vis.INDICATORS) * len(vis.YEARS)
    assert all(regions == set(reference.LAN) for regions in seen.values())


@pytest.mark.parametrize("ind", vis.INDICATORS, ids=lambda i: i.key)
def test_norrbotten_is_neither_best_nor_worst(ind: vis.Indicator) -> None:
    for year, values in yearly_region_values(ind).items():
        others = [v for region, v in values.items() if region != reference.NORRBOTTEN]
        assert min(others) < values[reference.NORRBOTTEN] < max(others), (ind.key, year)


def test_riket_and_sub_measures_add_up() -> None:
    ind = vis.INDICATORS[0]
    rows = [r for r in all_results() if r.indicator is ind and r.start.year == 2020]
    riket = next(r for r in rows if r.region is None and r.measure_id == ind.mid())
    regions = [r for r in rows if r.region and not r.hospital and r.measure_id == ind.mid()]
    assert riket.n == sum(r.n for r in regions) and riket.x == sum(r.x for r in regions)
    nb = {r.measure_id: r for r in rows if r.region == reference.NORRBOTTEN and not r.hospital}
    assert nb[ind.mid()].x == nb[ind.mid("K")].x + nb[ind.mid("M")].x
    hospitals = [r for r in rows if r.hospital]
    assert {r.hospital for r in hospitals} == {code for code, _ in ind.hospitals}
    assert sum(r.n for r in hospitals) == nb[ind.mid()].n


def test_real_differences_by_sex_and_age() -> None:
    statin = vis.INDICATORS[0]
    dod30 = next(i for i in vis.INDICATORS if i.key == "hi_dod30")
    riket = {
        (r.indicator.key, r.measure_id): r.x / r.n
        for r in all_results()
        if r.region is None and r.start.year == 2022 and r.indicator in (statin, dod30)
    }
    assert riket[("hi_statin", statin.mid("K"))] < riket[("hi_statin", statin.mid("M"))] - 0.01
    assert riket[("hi_dod30", dod30.mid("80+"))] > 2 * riket[("hi_dod30", dod30.mid("0-79"))]


def test_masked_and_not_reported_cells_are_marked_not_filled() -> None:
    reasons = [r for r in all_results() if r.reason]
    assert {r.reason for r in reasons} == {"MSK", "NI"}
    masked = [r for r in reasons if r.reason == "MSK"]
    assert all(r.n < vis.MASK_BELOW for r in masked)
    row = vis.upload_row(masked[0])
    assert (row["Rate"], row["Value"], row["Numerator"], row["ReasonCode"]) == ("", "", "", "MSK")


def test_norrbotten_2020_follows_the_annual_report() -> None:
    expected = {"medbed_3dagar": 0.93, "lakemedelsgenomgang": 0.32, "aterinskrivning_65": 0.1745}
    got = {
        r.indicator.key: r.x / r.n
        for r in all_results()
        if r.region == reference.NORRBOTTEN
        and not r.hospital
        and r.start == r.start.replace(2020, 1, 1)
        and r.end.month == 12
        and r.measure_id == r.indicator.mid()
        and r.indicator.key in expected
    }
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=0.02), key
