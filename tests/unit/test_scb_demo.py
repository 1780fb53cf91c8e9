"""The demo generators for SCB's CKM tables and the projection: real formats the readers accept,
calibrated to the published figures (ASSUMPTIONS.md), deterministic."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from pipelines.demo import befolkning_ckm, scb_prognos
from pipelines.demo.befolkning import generate_population
from pipelines.sources import scb_befolkning
from pipelines.sources import scb_prognos as prognos_reader

SEED = 20200101


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


# --- projection ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def v2023() -> dict[str, dict[int, np.ndarray]]:
    return scb_prognos.projection(SEED, 2023)


def test_vintage_2023_hits_the_plans_figures_exactly(v2023: dict[str, dict[int, np.ndarray]]) -> None:
    totals = {year: int(people.sum()) for year, people in v2023["25"].items()}
    assert {y: totals[y] for y in scb_prognos.PLAN_2023} == scb_prognos.PLAN_2023
    assert totals[2024] == 246_677 and totals[2030] == 241_972 and totals[2031] == 241_366
    assert min(totals) == 2023 and max(totals) == 2040
    assert all(totals[y + 1] < totals[y] for y in range(2023, 2040))  # Norrbotten keeps shrinking


def test_the_county_ages_as_the_plan_says(v2023: dict[str, dict[int, np.ndarray]]) -> None:
    old = {year: int(people[:, 80:].sum()) for year, people in v2023["25"].items()}
    assert old[2034] / old[2024] - 1 == pytest.approx(0.35, abs=0.03)  # the plan: 80+ grows 35 % in ten years
    riket = {year: int(people[:, 80:].sum()) for year, people in v2023["00"].items()}
    assert riket[2034] / riket[2024] - 1 == pytest.approx(0.45, abs=0.06)  # the plan: nearly 50 % nationally
    share_men = v2023["25"][2030][0].sum() / v2023["25"][2030].sum()
    assert 0.505 < share_men < 0.52  # kvinnounderskott persists


def test_vintage_2020_reaches_the_older_projection() -> None:
    v2020 = scb_prognos.projection(SEED, 2020)
    assert int(v2020["25"][2030].sum()) == 238_900
    base = generate_population(seed=SEED, years=range(2019, 2020))
    base_county = int(base.filter(base["region_kod"] == "25")["folkmangd"].sum())
    assert base_county > int(v2020["25"][2020].sum()) > 238_900  # falling from the 2019 population


def test_projection_files_are_read_and_deterministic(out: Path) -> None:
    files = scb_prognos.generate_files(out, seed=SEED, scale=0.01)["scb-prognos"]
    again = scb_prognos.generate_files(out / "igen", seed=SEED, scale=0.01)["scb-prognos"]
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in files] == [
        hashlib.sha256(p.read_bytes()).hexdigest() for p in again
    ]
    older, newer = (prognos_reader.read(p.read_bytes(), p.name) for p in files)
    assert set(older.column("prognosar").to_pylist()) == {2020}
    assert "105+" in older.column("alder_kod").to_pylist()  # v1 json, ages to 104 and 105+
    assert set(newer.column("prognosar").to_pylist()) == {2023}
    assert set(newer.column("kon").to_pylist()) == {"1", "2", "tot"}  # json-stat2 with totals


# --- CKM tables ----------------------------------------------------------------------------------------


def test_befolkningckm_demo_is_published_2025(out: Path) -> None:
    path = befolkning_ckm.write_befolkning_ckm(out / "ckm.json", SEED)
    rows = scb_befolkning.read(path.read_bytes(), path.name).to_pylist()
    grand = {r["region_kod"]: r["folkmangd"] for r in rows if r["alder_kod"] == "tot" and r["kon"] == "tot"}
    assert grand["25"] == 248_927 and grand["00"] == 10_605_529  # SCB's published totals for 2025
    singles = {
        (r["region_kod"], r["alder_kod"], r["kon"]): r["folkmangd"]
        for r in rows
        if r["kon"] in ("1", "2") and (r["alder_kod"].isdigit() or r["alder_kod"] == "100+")
    }
    population = generate_population(seed=SEED, years=range(2025, 2026))
    assert len(singles) == population.height == 16 * 101 * 2
    for region, age, kon, value in population.select("region_kod", "alder", "kon", "folkmangd").iter_rows():
        assert singles[(region, "100+" if age == 100 else str(age), kon)] == value
    assert {r["tabell"] for r in rows} == {"BefolkningCKM"}


def test_monthly_demo_runs_from_december_2024_to_december_2025(out: Path) -> None:
    months = befolkning_ckm.monthly_population(SEED)
    december = generate_population(seed=SEED, years=range(2025, 2026))
    assert int(months["25"][11].sum()) == int(
        december.filter(december["region_kod"] == "25")["folkmangd"].sum()
    )
    path = befolkning_ckm.generate_files(out, seed=SEED, scale=0.01)["scb-befolkning-manad"][0]
    table = scb_befolkning.read_manad(path.read_bytes(), path.name)
    assert sorted(set(table.column("manad").to_pylist())) == list(range(1, 13))
    assert len(set(table.column("region_kod").to_pylist())) == 16


def test_ckm_noise_is_small_and_stable() -> None:
    values = [befolkning_ckm._stable_noise(SEED, 1, ("25", str(a), "1", "2025")) for a in range(200)]
    assert set(values) <= {-2, -1, 0, 1, 2} and len(set(values)) == 5
    assert values == [befolkning_ckm._stable_noise(SEED, 1, ("25", str(a), "1", "2025")) for a in range(200)]
