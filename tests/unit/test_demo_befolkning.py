"""The demo population generator (TAB638) against SCB's real figures, and its json-stat2 writer."""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from pipelines.demo.befolkning import (
    AGE_GROUPS,
    GROUP_BOUNDS,
    MAX_AGE,
    N_AGES,
    generate_population,
    write_tab638_jsonstat2,
)
from pipelines.demo.kommuner import COUNTY_CODE, KOMMUNER, NATIONAL_CODE, REGIONS
from pipelines.sources import scb_befolkning

REPO_ROOT = Path(__file__).resolve().parents[2]
# A copy of shared/domain/reference/ lives in tests/fixtures/reference/ so this never skips;
# ANALYSPLAN_SHARED points at another shared/ folder when set.
_SHARED = os.environ.get("ANALYSPLAN_SHARED")
REFERENCE_CSV = (
    Path(_SHARED) / "domain" / "reference" if _SHARED else REPO_ROOT / "tests" / "fixtures" / "reference"
) / "scb_folkmangd_aldersgrupp_2018_2025.csv"
DEFAULT_YEARS = list(range(2015, 2025))
REFERENCE_YEARS = (2018, 2019, 2020)

# Real totals quoted in shared/domain/reference/README.md (31 December 2017).
TOTALS_2017 = {"25": 251_295, "00": 10_120_242}
# shared/domain/analysplan-facts.md §2.4: 248 653 inhabitants in November 2023.
COUNTY_NOVEMBER_2023 = 248_653

Reference = dict[tuple[str, int, str], int]  # (region_kod, ar, aldersgrupp) -> folkmangd


@pytest.fixture(scope="module")
def reference() -> Reference:
    with REFERENCE_CSV.open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter=";")
        return {(r["region_kod"], int(r["ar"]), r["aldersgrupp"]): int(r["folkmangd"]) for r in rows}


@pytest.fixture(scope="module")
def population() -> pl.DataFrame:
    return generate_population()


@pytest.fixture(scope="module")
def by_age(population: pl.DataFrame) -> dict[tuple[str, int], npt.NDArray[np.int64]]:
    """Both sexes by single age 0..100, per (region, year)."""
    summed = population.group_by("region_kod", "ar", "alder").agg(pl.col("folkmangd").sum())
    out: dict[tuple[str, int], npt.NDArray[np.int64]] = {}
    for (code, year), part in summed.sort("alder").group_by("region_kod", "ar", maintain_order=True):
        out[(str(code), int(year))] = part["folkmangd"].to_numpy()
    return out


def group_sums(ages: npt.NDArray[np.int64]) -> dict[str, int]:
    sums = {
        name: int(ages[lo:hi].sum())
        for name, lo, hi in zip(AGE_GROUPS, GROUP_BOUNDS[:-1], GROUP_BOUNDS[1:], strict=True)
    }
    sums["totalt"] = int(ages.sum())
    return sums


def relative_deviation(generated: int, real: int) -> float:
    return abs(generated - real) / real


def share_65plus(ages: npt.NDArray[np.int64]) -> float:
    return float(ages[65:].sum() / ages.sum())


# --- shape ---------------------------------------------------------------------------------


def test_schema_regions_years_ages_and_sexes(population: pl.DataFrame) -> None:
    assert population.schema == pl.Schema(
        {"region_kod": pl.String, "ar": pl.Int32, "alder": pl.Int16, "kon": pl.String, "folkmangd": pl.Int64}
    )
    assert sorted(population["region_kod"].unique()) == sorted(REGIONS)
    assert len(KOMMUNER) == 14
    assert sorted(population["ar"].unique()) == DEFAULT_YEARS
    assert sorted(population["alder"].unique()) == list(range(N_AGES))
    assert sorted(population["kon"].unique()) == ["1", "2"]
    assert population.height == len(REGIONS) * len(DEFAULT_YEARS) * N_AGES * 2
    assert population.select(pl.struct("region_kod", "ar", "alder", "kon").is_unique().all()).item()
    assert population.select((pl.col("folkmangd") >= 0).all()).item()


def test_county_is_exactly_the_sum_of_its_kommuner(population: pl.DataFrame) -> None:
    keys = ["ar", "alder", "kon"]
    kommuner = (
        population.filter(pl.col("region_kod").is_in(list(KOMMUNER)))
        .group_by(keys)
        .agg(pl.col("folkmangd").sum().alias("summa"))
    )
    county = population.filter(pl.col("region_kod") == COUNTY_CODE).join(kommuner, on=keys, how="full")
    assert county.height == len(DEFAULT_YEARS) * N_AGES * 2
    assert (county["folkmangd"] == county["summa"]).all()


# --- calibration against the reference CSV ----------------------------------------------------


@pytest.mark.parametrize("year", REFERENCE_YEARS)
def test_totals_and_age_groups_match_the_reference(
    year: int, reference: Reference, by_age: dict[tuple[str, int], npt.NDArray[np.int64]]
) -> None:
    worst_total, worst_group = 0.0, 0.0
    for code in REGIONS:
        generated = group_sums(by_age[(code, year)])
        for group, value in generated.items():
            deviation = relative_deviation(value, reference[(code, year, group)])
            if group == "totalt":
                worst_total = max(worst_total, deviation)
            else:
                worst_group = max(worst_group, deviation)
    assert worst_total <= 0.005, f"{year}: a total is {worst_total:.2%} off the reference"
    assert worst_group <= 0.02, f"{year}: an age group is {worst_group:.2%} off the reference"


def test_2025_groups_match_the_reference(reference: Reference) -> None:
    ages = (
        generate_population(years=range(2025, 2026))
        .group_by("region_kod", "alder")
        .agg(pl.col("folkmangd").sum())
    )
    for code in REGIONS:
        part = ages.filter(pl.col("region_kod") == code).sort("alder")["folkmangd"].to_numpy()
        for group, value in group_sums(part).items():
            # 2025 is CKM-noised: SCB's totals for "25" and "00" differ from the sum of their parts by 16.
            assert relative_deviation(value, reference[(code, 2025, group)]) <= 0.001, (code, group)


def test_riket_size_and_age_groups(
    reference: Reference, by_age: dict[tuple[str, int], npt.NDArray[np.int64]]
) -> None:
    for year in REFERENCE_YEARS:
        groups = group_sums(by_age[(NATIONAL_CODE, year)])
        assert 10_200_000 <= groups["totalt"] <= 10_400_000
        for group in AGE_GROUPS:
            assert relative_deviation(groups[group], reference[(NATIONAL_CODE, year, group)]) <= 0.01
    totals = [int(by_age[(NATIONAL_CODE, year)].sum()) for year in DEFAULT_YEARS]
    assert totals == sorted(totals), "riket grows every year"
    assert relative_deviation(totals[DEFAULT_YEARS.index(2017)], TOTALS_2017["00"]) <= 0.005
    assert 10_450_000 <= totals[-1] <= 10_650_000  # SCB: 10 587 710 on 31 December 2024


def test_norrbotten_is_ageing_and_older_than_riket(
    by_age: dict[tuple[str, int], npt.NDArray[np.int64]],
) -> None:
    county = [share_65plus(by_age[(COUNTY_CODE, year)]) for year in DEFAULT_YEARS]
    riket = [share_65plus(by_age[(NATIONAL_CODE, year)]) for year in DEFAULT_YEARS]
    assert all(later > earlier for earlier, later in itertools.pairwise(county)), county
    assert all(c > r + 0.03 for c, r in zip(county, riket, strict=True))
    year_2020 = DEFAULT_YEARS.index(2020)
    assert county[year_2020] == pytest.approx(0.244, abs=0.001)  # reference README: 24,4 %
    assert riket[year_2020] == pytest.approx(0.201, abs=0.001)  # reference README: 20,1 %


def test_county_declines_slowly_after_2017(by_age: dict[tuple[str, int], npt.NDArray[np.int64]]) -> None:
    totals = {year: int(by_age[(COUNTY_CODE, year)].sum()) for year in DEFAULT_YEARS}
    assert relative_deviation(totals[2017], TOTALS_2017["25"]) <= 0.005
    assert max(totals.values()) == totals[2017]
    declining = [totals[year] for year in range(2017, 2024)]
    assert declining == sorted(declining, reverse=True)
    for year in range(2018, 2024):
        assert 0 < totals[year - 1] - totals[year] < 0.005 * totals[year - 1], "slow decline"
    for year in (2023, 2024):
        assert relative_deviation(totals[year], COUNTY_NOVEMBER_2023) <= 0.005


def test_sex_structure(population: pl.DataFrame) -> None:
    by_sex = population.group_by("region_kod", "ar", "kon").agg(pl.col("folkmangd").sum())
    old = (
        population.filter(pl.col("alder") >= 80)
        .group_by("region_kod", "ar", "kon")
        .agg(pl.col("folkmangd").sum())
    )
    for code in REGIONS:
        for year in DEFAULT_YEARS:
            men, women = _men_women(by_sex, code, year)
            old_men, old_women = _men_women(old, code, year)
            assert old_women > old_men, f"{code} {year}: more women than men among 80+"
            if code == NATIONAL_CODE:
                assert 0.500 < men / (men + women) < 0.506
            else:  # kvinnounderskott in the county and in every kommun
                assert men > women, f"{code} {year}"
    men, women = _men_women(by_sex, COUNTY_CODE, 2020)
    assert men == pytest.approx(128_187, abs=50)  # SCB via RegionFakta, 31 December 2020
    assert 0.505 < men / (men + women) < 0.52


def _men_women(frame: pl.DataFrame, code: str, year: int) -> tuple[int, int]:
    part = frame.filter((pl.col("region_kod") == code) & (pl.col("ar") == year)).sort("kon")
    men, women = part["folkmangd"].to_list()
    return int(men), int(women)


# --- single years of age ----------------------------------------------------------------------

BORDERS = [lo for lo in GROUP_BOUNDS[1:-1]]  # 16, 25, 45, 65


def _relative_steps(ages: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """|n(a+1) - n(a)| / mean of the two, for a = 0..99."""
    values = ages.astype(np.float64)
    return np.abs(np.diff(values)) / ((values[1:] + values[:-1]) / 2)


def test_no_steps_at_group_borders(by_age: dict[tuple[str, int], npt.NDArray[np.int64]]) -> None:
    border_steps = [b - 1 for b in BORDERS]
    for code in (NATIONAL_CODE, COUNTY_CODE):
        for year in DEFAULT_YEARS:
            steps = _relative_steps(by_age[(code, year)])
            assert steps[border_steps].max() < 0.10, (code, year, steps[border_steps])
    # In the kommuner single ages carry cohort noise; borders must not stand out from it.
    inner = [a for a in range(1, 89) if a not in border_steps]
    at_borders: list[float] = []
    elsewhere: list[float] = []
    for code in KOMMUNER:
        for year in DEFAULT_YEARS:
            steps = _relative_steps(by_age[(code, year)])
            at_borders.extend(steps[border_steps].tolist())
            elsewhere.extend(steps[inner].tolist())
    assert np.mean(at_borders) <= 1.2 * np.mean(elsewhere)


def test_oldest_ages_taper(by_age: dict[tuple[str, int], npt.NDArray[np.int64]]) -> None:
    for year in DEFAULT_YEARS:
        riket = by_age[(NATIONAL_CODE, year)]
        assert (np.diff(riket[85:MAX_AGE]) < 0).all(), "riket: fewer people at each age from 85 to 99"
        assert 1_000 <= riket[MAX_AGE] <= 4_000  # SCB: "knappt 2 000" aged 100+ in 2016
        county = by_age[(COUNTY_CODE, year)]
        bands = [county[lo : lo + 5].sum() for lo in (80, 85, 90, 95)] + [county[MAX_AGE]]
        assert bands == sorted(bands, reverse=True)
        assert county[MAX_AGE] < 0.0005 * county.sum()


# --- determinism, seeds and years ---------------------------------------------------------------


def test_deterministic(population: pl.DataFrame) -> None:
    assert generate_population().equals(population)


def test_seed_moves_single_ages_but_not_calibrated_groups(
    population: pl.DataFrame, by_age: dict[tuple[str, int], npt.NDArray[np.int64]]
) -> None:
    other = generate_population(seed=7)
    assert not other.equals(population)
    summed = other.group_by("region_kod", "ar", "alder").agg(pl.col("folkmangd").sum())
    for code in REGIONS:
        for year in DEFAULT_YEARS:
            part = summed.filter((pl.col("region_kod") == code) & (pl.col("ar") == year)).sort("alder")
            assert group_sums(part["folkmangd"].to_numpy()) == group_sums(by_age[(code, year)])


def test_a_year_does_not_depend_on_the_other_years_requested(population: pl.DataFrame) -> None:
    alone = generate_population(years=range(2020, 2022))
    assert alone.equals(population.filter(pl.col("ar").is_in([2020, 2021])))


def test_years_outside_the_calibrated_range_are_refused() -> None:
    with pytest.raises(ValueError, match=r"2015\.\.2025"):
        generate_population(years=range(2010, 2016))


def test_generation_is_fast() -> None:
    started = time.perf_counter()
    generate_population()
    assert time.perf_counter() - started < 2.0


# --- json-stat2 -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jsonstat_file(population: pl.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield write_tab638_jsonstat2(population, tmp_path_factory.mktemp("tab638") / "TAB638.json")


@pytest.fixture(scope="module")
def dataset(jsonstat_file: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(jsonstat_file.read_text(encoding="utf-8"))
    return loaded


def test_jsonstat2_is_byte_identical_for_the_same_input(
    population: pl.DataFrame, jsonstat_file: Path, tmp_path: Path
) -> None:
    again = write_tab638_jsonstat2(generate_population(), tmp_path / "again.json")
    assert again.read_bytes() == jsonstat_file.read_bytes()
    assert b"\xc3\xa5" in again.read_bytes()  # UTF-8 "å", not \u escapes


def test_jsonstat2_structure(dataset: dict[str, Any]) -> None:
    assert dataset["version"] == "2.0"
    assert dataset["class"] == "dataset"
    assert dataset["source"] == "SCB"
    assert isinstance(dataset["label"], str) and dataset["label"]
    assert dataset["id"] == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]
    assert dataset["role"] == {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]}
    assert dataset["extension"]["px"]["tableid"] == "TAB638"
    assert dataset["extension"]["px"]["infofile"] == "BE0101"
    assert dataset["size"] == [len(REGIONS), N_AGES + 1, 2, 1, len(DEFAULT_YEARS)]
    assert math.prod(dataset["size"]) == len(dataset["value"])
    for dim_id, size in zip(dataset["id"], dataset["size"], strict=True):
        category = dataset["dimension"][dim_id]["category"]
        assert sorted(category["index"].values()) == list(range(size))
        assert category["index"].keys() == category["label"].keys()

    dims = dataset["dimension"]
    assert dims["Region"]["category"]["label"]["2580"] == "Luleå"
    assert dims["Region"]["category"]["label"]["25"] == "Norrbottens län"
    assert dims["Region"]["category"]["label"]["00"] == "Riket"
    assert list(dims["Alder"]["category"]["index"])[-2:] == ["100+", "tot"]
    assert dims["Alder"]["category"]["label"]["0"] == "0 år"
    assert dims["Alder"]["category"]["label"]["100+"] == "100+ år"
    assert dims["Alder"]["category"]["label"]["tot"] == "totalt ålder"
    assert dims["Kon"]["category"]["label"] == {"1": "män", "2": "kvinnor"}
    assert dims["ContentsCode"]["category"]["label"] == {"BE0101N1": "Folkmängd"}
    assert dims["ContentsCode"]["category"]["unit"]["BE0101N1"] == {"base": "antal", "decimals": 0}
    assert list(dims["Tid"]["category"]["index"]) == [str(y) for y in DEFAULT_YEARS]
    assert all(isinstance(v, int) for v in dataset["value"])


def test_jsonstat2_tot_is_the_sum_of_the_ages(dataset: dict[str, Any]) -> None:
    cube = np.array(dataset["value"], dtype=np.int64).reshape(dataset["size"])
    assert (cube[:, -1] == cube[:, :-1].sum(axis=1)).all()
    # and spelled out for a sample of cells
    rng = np.random.default_rng(0)
    n_regions, _, n_sexes, _, n_years = dataset["size"]
    for _ in range(25):
        r, s, t = int(rng.integers(n_regions)), int(rng.integers(n_sexes)), int(rng.integers(n_years))
        ages = [_value(dataset, r, a, s, t) for a in range(N_AGES)]
        assert _value(dataset, r, N_AGES, s, t) == sum(ages)


def test_jsonstat2_values_round_trip(population: pl.DataFrame, dataset: dict[str, Any]) -> None:
    index = {dim: dataset["dimension"][dim]["category"]["index"] for dim in dataset["id"]}
    for code, year, age, sex in [("2580", 2020, 50, "2"), ("00", 2015, 0, "1"), ("2506", 2024, 100, "2")]:
        expected = population.filter(
            (pl.col("region_kod") == code)
            & (pl.col("ar") == year)
            & (pl.col("alder") == age)
            & (pl.col("kon") == sex)
        )["folkmangd"].item()
        age_code = "100+" if age == MAX_AGE else str(age)
        got = _value(
            dataset,
            index["Region"][code],
            index["Alder"][age_code],
            index["Kon"][sex],
            index["Tid"][str(year)],
        )
        assert got == expected


def _value(dataset: dict[str, Any], region: int, age: int, sex: int, year: int) -> int:
    _, n_ages, n_sexes, n_contents, n_years = dataset["size"]
    flat = (((region * n_ages + age) * n_sexes + sex) * n_contents + 0) * n_years + year
    value: int = dataset["value"][flat]
    return value


def test_jsonstat2_writes_null_for_missing_cells(population: pl.DataFrame, tmp_path: Path) -> None:
    partial = population.filter(
        ~((pl.col("region_kod") == "2506") & (pl.col("ar") == 2016) & (pl.col("alder") == 3))
    )
    data = json.loads(write_tab638_jsonstat2(partial, tmp_path / "partial.json").read_text(encoding="utf-8"))
    assert math.prod(data["size"]) == len(data["value"])
    assert sum(v is None for v in data["value"]) == 2 * 2  # the two sexes' age-3 cells and their "tot"


def test_jsonstat2_refuses_negative_or_null_counts(population: pl.DataFrame, tmp_path: Path) -> None:
    at_age_5 = pl.col("alder") == 5
    negative = population.with_columns(pl.when(at_age_5).then(-1).otherwise("folkmangd").alias("folkmangd"))
    with pytest.raises(ValueError, match="negative"):
        write_tab638_jsonstat2(negative, tmp_path / "bad.json")
    nulls = population.with_columns(pl.when(at_age_5).then(None).otherwise("folkmangd").alias("folkmangd"))
    with pytest.raises(ValueError, match="null"):
        write_tab638_jsonstat2(nulls, tmp_path / "bad.json")


def test_the_project_reader_accepts_the_file(population: pl.DataFrame, jsonstat_file: Path) -> None:
    table = pl.from_arrow(scb_befolkning.read(jsonstat_file.read_bytes(), jsonstat_file.name))
    assert isinstance(table, pl.DataFrame)
    singles = (
        table.filter(pl.col("alder_kod") != "tot")
        .with_columns(pl.col("alder_kod").str.replace("+", "", literal=True).cast(pl.Int16).alias("alder"))
        .select("region_kod", "ar", "alder", "kon", "folkmangd")
    )
    keys = ["region_kod", "ar", "alder", "kon"]
    assert singles.sort(keys).equals(population.sort(keys))
