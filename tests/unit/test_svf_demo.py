"""The SVF demo generator: deterministic, real formats, calibrated to the annual report, coherent."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from pipelines import reference
from pipelines.demo import svf
from pipelines.sources import svf as reader

SEED = 20200101


@cache
def files(scale: float = 0.01) -> dict[str, list[Path]]:
    import tempfile

    return svf.generate_files(Path(tempfile.mkdtemp()), seed=SEED, scale=scale)


@cache
def tables() -> dict[str, list[dict[str, object]]]:
    out: dict[str, list[dict[str, object]]] = {}
    readers = {
        "svf-maxledtider": reader.read_maxledtider,
        "svf-handelser": reader.read_events,
        "svf-ledtider": reader.read_aggregates,
    }
    for source, paths in files().items():
        out[source] = [row for p in paths for row in readers[source](p.read_bytes(), p.name).to_pylist()]
    return out


def shares() -> dict[tuple[str, int], float]:
    total: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for row in tables()["svf-ledtider"]:
        if not row["undertryckt"]:
            start = row["period_start"]
            assert isinstance(start, date)
            key = (str(row["region_kod"]), start.year)
            total[key][0] += int(row["antal_inom_maxledtid"])  # type: ignore[call-overload]
            total[key][1] += int(row["antal"])  # type: ignore[call-overload]
    return {key: within / count for key, (within, count) in total.items()}


def test_deterministic(tmp_path: Path) -> None:
    again = svf.generate_files(tmp_path, seed=SEED, scale=0.01)
    for source, paths in files().items():
        assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again[source]], source


def test_maxledtider_table() -> None:
    rows = tables()["svf-maxledtider"]
    codes = {r["svf"] for r in rows}
    assert len(codes) >= 12
    assert {r["nationellt_mal"] for r in rows} == {0.8}
    vulva = {r["behandlingstyp"]: r["max_ledtid_dagar"] for r in rows if r["svf"] == "VH6"}
    assert vulva == {"kirurgi": 30, "stralbehandling": 34, "lakemedel": 27, "palliativ": 20}  # RCC Norr
    assert any(
        r["svf"] == "VG9" and r["behandlingstyp"] == "kirurgi" and r["max_ledtid_dagar"] == 28 for r in rows
    )


def test_norrbotten_2020_within_time_follows_the_annual_report() -> None:
    s = shares()
    assert s[(reference.NORRBOTTEN, 2020)] == pytest.approx(0.67, abs=0.01)
    assert s[(reference.RIKET.kod, 2020)] == pytest.approx(0.50, abs=0.01)
    assert s[(reference.NORRBOTTEN, 2019)] > s[(reference.NORRBOTTEN, 2020)]  # "en minskning"


def test_norrbotten_is_neither_best_nor_worst() -> None:
    s = shares()
    for year in svf.YEARS:
        others = [
            v for (region, y), v in s.items() if y == year and region not in ("00", reference.NORRBOTTEN)
        ]
        assert min(others) < s[(reference.NORRBOTTEN, year)] < max(others), year


def test_all_regions_and_suppression() -> None:
    rows = tables()["svf-ledtider"]
    assert {r["region_kod"] for r in rows} == {"00", *reference.LAN}
    suppressed = [r for r in rows if r["undertryckt"]]
    assert suppressed and all(r["median_ledtid"] is None for r in suppressed)
    assert all(int(r["antal"]) >= 5 for r in rows if not r["undertryckt"])  # type: ignore[call-overload]


def test_events_are_norrbotten_pathways_2018_2024_and_a_partial_2025() -> None:
    events = tables()["svf-handelser"]
    assert {e["region_kod"] for e in events} == {reference.NORRBOTTEN}
    years = {e["datum"].year for e in events if str(e["kva_kod"]).endswith("10")}  # type: ignore[union-attr]
    assert years == {*svf.EVENT_YEARS, svf.PARTIAL_YEAR}
    partial = [e for e in events if e["datum"].year == svf.PARTIAL_YEAR and str(e["kva_kod"]).endswith("10")]  # type: ignore[union-attr]
    assert max(e["datum"] for e in events) <= svf.PARTIAL_UNTIL  # type: ignore[type-var]
    assert {e["datum"].month for e in partial} == {1, 2, 3, 4, 5, 6}  # type: ignore[union-attr]
    assert {e["kommun_kod"] for e in events} == set(reference.NORRBOTTEN_KOMMUNER)
    assert {e["sjukhus"] for e in events} >= {"SUN", "PIT", "GAL", "KIR", "KAL", "PV", None}
    by_patient: dict[str, list[dict[str, object]]] = defaultdict(list)
    for e in events:
        by_patient[str(e["patient_id"])].append(e)
    for patient, own in by_patient.items():
        first = min(own, key=lambda e: e["datum"])  # type: ignore[arg-type, return-value]
        assert str(first["kva_kod"]).endswith("10"), patient
        assert len({str(e["kva_kod"])[:3] for e in own}) == 1


def test_events_reproduce_norrbotten_aggregates() -> None:
    """Lead time xx10 → first start, within the SVF × treatment maximum, per SVF and year of xx10."""
    maximum = {(r["svf"], r["behandlingstyp"]): r["max_ledtid_dagar"] for r in tables()["svf-maxledtider"]}
    kinds = {code: kind for code, (_, kind) in reader.EVENT_CODES.items()}
    pathways: dict[str, dict[str, object]] = defaultdict(dict)
    for e in tables()["svf-handelser"]:
        code = str(e["kva_kod"])
        if code.endswith("10"):
            pathways[str(e["patient_id"])]["start"] = e["datum"]
            pathways[str(e["patient_id"])]["svf"] = code[:3]
        elif kinds.get(code[3:]):
            pathways[str(e["patient_id"])]["treated"] = (e["datum"], kinds[code[3:]])
    computed: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
    for p in pathways.values():
        if "treated" in p:
            day, kind = p["treated"]  # type: ignore[misc]
            lead = (day - p["start"]).days  # type: ignore[operator]
            key = (str(p["svf"]), p["start"].year)  # type: ignore[attr-defined]
            computed[key][0] += 1
            computed[key][1] += int(lead <= maximum[(p["svf"], kind)])
    delivered = {
        (str(r["svf"]), r["period_start"].year): (r["antal"], r["antal_inom_maxledtid"])  # type: ignore[union-attr]
        for r in tables()["svf-ledtider"]
        if r["region_kod"] == reference.NORRBOTTEN and r["period_start"].year in svf.EVENT_YEARS  # type: ignore[union-attr]
    }
    for key, value in delivered.items():
        count, within = computed.get(key, [0, 0])
        if value[0] is None:
            assert count < 5, key
        else:
            assert (count, within) == value, key


def test_scale_sets_the_patient_volume() -> None:
    assert svf.volume_fraction(0.002) == 0.1
    assert svf.volume_fraction(0.01) == pytest.approx(0.2)
    assert svf.volume_fraction(1.0) == 1.0
    small = svf.simulate_all(SEED, 0.1)[(reference.NORRBOTTEN, 2020)]
    large = svf.simulate_all(SEED, 0.2)[(reference.NORRBOTTEN, 2020)]
    assert 1.6 < len(large.svf) / len(small.svf) < 2.4
    assert len(small.svf) > 200  # every table stays non-trivial at the smallest scale
