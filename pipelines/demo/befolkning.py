"""Deterministic demo data for SCB's population table TAB638 (BE0101N1 Folkmängd, 31 December).

``generate_population`` builds single years of age (0..100, where 100 means "100+") by sex for
Riket, Norrbottens län and its 14 kommuner. It is calibrated to real, published SCB figures
(``shared/domain/reference/``): in the reference years the five age groups of every kommun and of
Riket are reproduced exactly, and the county is always the exact sum of its kommuner.

How a region-year is built (every modelling choice is listed in ``ASSUMPTIONS.md``):

1. Yearly total: the real total where one is known, otherwise linear between known years.
2. Age-group structure: the real groups in 2018-2020 and 2025; shares interpolated linearly for
   2021-2024 and extrapolated backwards (2015-2017) along the 2018→2025 trend.
3. Single years of age: a cohort prior (births by year × Gompertz survival × a fixed per-kommun,
   per-cohort noise drawn from ``seed``) is bent to the group counts with a monotone cubic (PCHIP)
   in the prior's cumulative scale. The ratio to the prior is therefore continuous across group
   borders, so no steps appear there, and the groups sum exactly to their targets.
4. Sex: a smooth male-share curve by age, shifted per region so that the 2020 number of men matches
   SCB's published figure.

``write_tab638_jsonstat2`` writes such a frame as a PxWebApi 2.0 json-stat2 response.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from pipelines.demo.kommuner import COUNTY_CODE, KOMMUNER, NATIONAL_CODE, region_label

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
GroupCounts = tuple[int, int, int, int, int]

MAX_AGE: Final = 100  # the last single age stands for "100+"
N_AGES: Final = MAX_AGE + 1
AGE_GROUPS: Final = ("0-15", "16-24", "25-44", "45-64", "65-")
GROUP_BOUNDS: Final = (0, 16, 25, 45, 65, N_AGES)  # [lower, upper) per group, on single ages
FIRST_YEAR: Final = 2015
LAST_YEAR: Final = 2025
SEXES: Final = ("1", "2")  # SCB's Kon codes: 1 män, 2 kvinnor

# ---------------------------------------------------------------------------------------------
# Real figures (SCB, 31 December). See ASSUMPTIONS.md for where each one was read.
# ---------------------------------------------------------------------------------------------

# Age groups 0-15, 16-24, 25-44, 45-64, 65- (reference CSV). The county is not listed: it is
# always generated as the sum of its kommuner (which matches the CSV exactly in 2018-2020).
# Riket 2025 is CKM-noised: its groups sum to 10 605 545, SCB's total is 10 605 529.
REFERENCE_GROUPS: Final[dict[str, dict[int, GroupCounts]]] = {
    "00": {
        2018: (1934106, 1042729, 2707418, 2510221, 2035711),
        2019: (1951765, 1039664, 2737448, 2533345, 2065367),
        2020: (1955716, 1038122, 2750673, 2546698, 2088086),
        2025: (1875700, 1106871, 2787528, 2599885, 2235561),
    },
    "2505": {
        2018: (1023, 560, 1430, 1611, 1710),
        2019: (1003, 540, 1394, 1589, 1694),
        2020: (990, 532, 1381, 1557, 1685),
        2025: (929, 514, 1377, 1467, 1742),
    },
    "2506": {
        2018: (409, 236, 585, 780, 784),
        2019: (411, 226, 577, 783, 788),
        2020: (398, 217, 559, 750, 794),
        2025: (354, 182, 573, 657, 812),
    },
    "2510": {
        2018: (729, 459, 1027, 1410, 1376),
        2019: (703, 421, 1041, 1369, 1389),
        2020: (679, 395, 1054, 1335, 1388),
        2025: (686, 321, 1031, 1174, 1464),
    },
    "2513": {
        2018: (414, 280, 594, 904, 1110),
        2019: (425, 283, 600, 873, 1134),
        2020: (420, 274, 599, 850, 1146),
        2025: (405, 222, 668, 745, 1111),
    },
    "2514": {
        2018: (2440, 1427, 3192, 4449, 4550),
        2019: (2396, 1385, 3168, 4340, 4597),
        2020: (2396, 1335, 3184, 4288, 4609),
        2025: (2237, 1290, 3168, 3932, 4645),
    },
    "2518": {
        2018: (585, 436, 700, 1213, 1476),
        2019: (563, 384, 689, 1163, 1500),
        2020: (547, 345, 664, 1120, 1541),
        2025: (521, 265, 722, 946, 1542),
    },
    "2521": {
        2018: (940, 523, 962, 1546, 2068),
        2019: (947, 538, 984, 1507, 2076),
        2020: (902, 533, 977, 1462, 2092),
        2025: (881, 461, 1057, 1222, 2065),
    },
    "2523": {
        2018: (2771, 1486, 4142, 4803, 4428),
        2019: (2805, 1406, 4184, 4693, 4441),
        2020: (2806, 1422, 4231, 4577, 4426),
        2025: (2756, 1385, 4386, 4090, 4493),
    },
    "2560": {
        2018: (1368, 801, 1791, 2054, 2126),
        2019: (1346, 803, 1751, 2054, 2112),
        2020: (1309, 819, 1744, 2067, 2115),
        2025: (1275, 674, 1810, 1935, 2152),
    },
    "2580": {
        2018: (13087, 9238, 19820, 19748, 15939),
        2019: (13134, 9090, 19858, 19781, 16242),
        2020: (13170, 9216, 20022, 19756, 16385),
        2025: (12641, 9483, 21228, 19598, 17371),
    },
    "2581": {
        2018: (7239, 4260, 9959, 10764, 9894),
        2019: (7294, 4190, 10010, 10810, 9977),
        2020: (7268, 4098, 10025, 10773, 10062),
        2025: (7096, 3971, 10094, 10520, 10522),
    },
    "2582": {
        2018: (4559, 2823, 6518, 7234, 6930),
        2019: (4586, 2738, 6587, 7170, 6999),
        2020: (4543, 2782, 6513, 7175, 7047),
        2025: (4511, 2734, 7144, 6898, 7365),
    },
    "2583": {
        2018: (1641, 867, 1899, 2581, 2797),
        2019: (1635, 834, 1841, 2533, 2842),
        2020: (1619, 797, 1837, 2455, 2893),
        2025: (1364, 783, 1732, 2184, 2981),
    },
    "2584": {
        2018: (4034, 2378, 5655, 6090, 4835),
        2019: (4045, 2300, 5640, 6040, 4842),
        2020: (4000, 2196, 5675, 5976, 4817),
        2025: (3701, 2192, 6228, 5405, 4853),
    },
}
REFERENCE_YEARS: Final = (2018, 2019, 2020, 2025)

# Known totals outside the reference years (kommuner and Riket).
TOTAL_ANCHORS: Final[dict[str, dict[int, int]]] = {
    "00": {2015: 9851017, 2016: 9995153, 2017: 10120242, 2023: 10551707, 2024: 10587710},
    "2505": {2017: 6440, 2023: 6113},
    "2506": {2017: 2821, 2023: 2609},
    "2510": {2017: 5081, 2023: 4728},
    "2513": {2017: 3367, 2023: 3162},
    "2514": {2017: 16169, 2023: 15547},
    "2518": {2017: 4461, 2023: 4088},
    "2521": {2017: 6101, 2023: 5871},
    "2523": {2017: 17825, 2023: 17330},
    "2560": {2017: 8274, 2023: 7783},
    "2580": {2017: 77470, 2023: 79352},
    "2581": {2017: 42184, 2023: 42344},
    "2582": {2017: 28181, 2023: 27943},
    "2583": {2017: 9805, 2023: 9177},
    "2584": {2017: 23116, 2023: 22433},
}
# County totals for years where only the county is known; split over kommuner pro rata to 2017.
COUNTY_TOTALS_BEFORE_2017: Final[dict[int, int]] = {2015: 249702, 2016: 250570}
# Riket's 65+ in years without group data (SCB, "Befolkningsstatistik i sammandrag").
NATIONAL_65PLUS_ANCHORS: Final[dict[int, int]] = {2015: 1947227, 2016: 1976857, 2017: 2006146}
# Men on 31 December 2020 (SCB via RegionFakta); the male-share curve is shifted to hit these.
MEN_2020: Final[dict[str, int]] = {
    "00": 5222847,
    "2505": 3168,
    "2506": 1426,
    "2510": 2511,
    "2513": 1730,
    "2514": 8142,
    "2518": 2190,
    "2521": 3188,
    "2523": 9059,
    "2560": 4156,
    "2580": 40270,
    "2581": 21261,
    "2582": 14269,
    "2583": 4995,
    "2584": 11822,
}

# ---------------------------------------------------------------------------------------------
# Shape parameters (approximate; they shape single ages inside calibrated groups only).
# ---------------------------------------------------------------------------------------------

# Live births in Sweden by year (thousands), linearly interpolated between knots.
_BIRTHS_KNOTS: Final[tuple[tuple[int, float], ...]] = (
    (1900, 138.0),
    (1905, 134.0),
    (1910, 136.0),
    (1915, 122.0),
    (1920, 138.0),
    (1925, 114.0),
    (1930, 95.0),
    (1933, 86.0),
    (1936, 89.0),
    (1940, 96.0),
    (1942, 113.0),
    (1944, 134.0),
    (1946, 133.0),
    (1948, 126.0),
    (1950, 116.0),
    (1955, 107.0),
    (1960, 102.0),
    (1965, 123.0),
    (1970, 110.0),
    (1975, 104.0),
    (1978, 93.0),
    (1983, 92.0),
    (1986, 101.0),
    (1990, 124.0),
    (1993, 118.0),
    (1996, 96.0),
    (1999, 88.0),
    (2000, 90.4),
    (2005, 101.3),
    (2010, 115.6),
    (2013, 113.6),
    (2016, 117.4),
    (2018, 115.8),
    (2020, 113.1),
    (2021, 114.3),
    (2022, 104.7),
    (2023, 100.1),
    (2024, 98.5),
    (2025, 97.0),
)
# Gompertz survival S(a) = exp(-(B/beta) * (exp(beta*a) - 1)), both sexes.
_GOMPERTZ_B: Final = 4.7e-6
_GOMPERTZ_BETA: Final = 0.117
_OPEN_AGE_LIMIT: Final = 110  # the 100+ class sums ages 100..110 of the prior
# Male share by age for Riket (before the per-region shift), linearly interpolated.
_MALE_SHARE_KNOTS: Final[tuple[tuple[int, float], ...]] = (
    (0, 0.514),
    (12, 0.514),
    (17, 0.525),
    (21, 0.530),
    (26, 0.524),
    (32, 0.515),
    (40, 0.510),
    (50, 0.507),
    (60, 0.500),
    (65, 0.496),
    (70, 0.487),
    (75, 0.472),
    (80, 0.455),
    (85, 0.420),
    (90, 0.360),
    (95, 0.280),
    (100, 0.200),
)
# Where the per-region male-share shift applies (kvinnounderskott is an adult phenomenon).
_SHIFT_WEIGHT_KNOTS: Final[tuple[tuple[int, float], ...]] = (
    (0, 0.0),
    (12, 0.0),
    (20, 1.0),
    (70, 1.0),
    (90, 0.0),
)
# Per-cohort noise: sigma = min(_NOISE_MAX, _NOISE_SCALE / sqrt(mean persons per single age)).
_NOISE_MAX: Final = 0.12
_NOISE_SCALE: Final = 0.7
_FIRST_BIRTH_YEAR: Final = FIRST_YEAR - _OPEN_AGE_LIMIT

_GENERATED_REGIONS: Final = (NATIONAL_CODE, *KOMMUNER)  # the county is their sum


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def generate_population(seed: int = 20200101, years: range = range(2015, 2025)) -> pl.DataFrame:
    """Population on 31 December by region, year, single age (100 = "100+") and sex.

    Columns: ``region_kod`` (str), ``ar`` (Int32), ``alder`` (Int16), ``kon`` (str, "1" män /
    "2" kvinnor), ``folkmangd`` (Int64). Regions: "00", "25" and the 14 kommuner; "25" is exactly
    the sum of its kommuner. Years must lie within 2015..2025. The values of a year do not depend
    on which other years are requested; ``seed`` only moves people between single ages inside an
    age group (never the group counts or totals).
    """
    year_list = [int(y) for y in years]
    bad = [y for y in year_list if not FIRST_YEAR <= y <= LAST_YEAR]
    if bad:
        raise ValueError(f"years must lie within {FIRST_YEAR}..{LAST_YEAR}; got {bad}")
    if len(set(year_list)) != len(year_list):
        raise ValueError("years must not repeat")

    by_region: dict[str, npt.NDArray[np.int64]] = {}
    for index, code in enumerate(_GENERATED_REGIONS):
        noise = _cohort_noise(seed, index, code)
        male_shift = _male_share_shift(code, noise)
        male_share = np.clip(_male_share_base() + male_shift * _shift_weight(), 0.02, 0.98)
        per_year = np.zeros((len(year_list), N_AGES, 2), dtype=np.int64)
        for j, year in enumerate(year_list):
            persons = _single_ages(code, year, noise)
            men = np.rint(persons * male_share).astype(np.int64)
            per_year[j, :, 0] = men
            per_year[j, :, 1] = persons - men
        by_region[code] = per_year
    by_region[COUNTY_CODE] = np.sum([by_region[code] for code in KOMMUNER], axis=0)

    codes = sorted(by_region)  # "00" < "25" < "2505" < ... : SCB's order
    cube = np.stack([by_region[code] for code in codes])  # region × year × age × sex
    n_regions, n_years = len(codes), len(year_list)
    return pl.DataFrame(
        {
            "region_kod": np.repeat(np.array(codes), n_years * N_AGES * 2),
            "ar": np.tile(np.repeat(np.array(year_list, dtype=np.int32), N_AGES * 2), n_regions),
            "alder": np.tile(np.repeat(np.arange(N_AGES, dtype=np.int16), 2), n_regions * n_years),
            "kon": np.tile(np.array(SEXES), n_regions * n_years * N_AGES),
            "folkmangd": cube.reshape(-1),
        },
        schema={
            "region_kod": pl.String,
            "ar": pl.Int32,
            "alder": pl.Int16,
            "kon": pl.String,
            "folkmangd": pl.Int64,
        },
    )


# json-stat2 constants for TAB638 (PxWebApi 2.0 shape, Swedish labels).
TAB638_LABEL: Final = "Folkmängden efter region, ålder, kön, tabellinnehåll och år"
TAB638_UPDATED: Final = "2025-02-21T07:00:00Z"  # fixed on purpose: identical bytes on every run
CONTENTS_CODE: Final = "BE0101N1"
AGE_TOTAL_CODE: Final = "tot"


def write_tab638_jsonstat2(df: pl.DataFrame, path: Path) -> Path:
    """Write ``df`` (the frame of ``generate_population``) as a json-stat2 TAB638 response.

    Dimensions ``Region, Alder, Kon, ContentsCode, Tid``; ``value`` is row-major over ``size``.
    Alder holds "0".."99", "100+" and "tot" (the exact sum of the single ages). Cells absent from
    ``df`` are written as null (and so is their "tot"). The bytes depend only on ``df``.
    """
    required = {"region_kod", "ar", "alder", "kon", "folkmangd"}
    missing = required - set(df.columns)
    if missing:
        raise ValueError(f"missing columns: {sorted(missing)}")
    if df.is_empty():
        raise ValueError("nothing to write: the frame is empty")
    if df.select(pl.struct("region_kod", "ar", "alder", "kon").is_duplicated().any()).item():
        raise ValueError("duplicate region_kod × ar × alder × kon rows")
    if df.select(pl.any_horizontal(pl.all().is_null()).any() | (pl.col("folkmangd") < 0).any()).item():
        raise ValueError("null values or negative folkmangd")

    regions = sorted(df["region_kod"].unique().to_list())
    years = sorted(int(y) for y in df["ar"].unique().to_list())
    age_codes = [*(str(a) for a in range(MAX_AGE)), f"{MAX_AGE}+", AGE_TOTAL_CODE]
    age_labels = [*(f"{a} år" for a in range(MAX_AGE)), f"{MAX_AGE}+ år", "totalt ålder"]

    region_pos = {code: i for i, code in enumerate(regions)}
    year_pos = {year: i for i, year in enumerate(years)}
    sex_pos = {code: i for i, code in enumerate(SEXES)}
    ages = df["alder"].to_numpy().astype(np.int64)
    sexes = df["kon"].to_list()
    if ages.min() < 0 or ages.max() > MAX_AGE or set(sexes) - set(sex_pos):
        raise ValueError(f"alder must be 0..{MAX_AGE} and kon one of {SEXES}")

    cells = np.full((len(regions), N_AGES, len(SEXES), len(years)), -1, dtype=np.int64)
    cells[
        [region_pos[r] for r in df["region_kod"].to_list()],
        ages,
        [sex_pos[s] for s in sexes],
        [year_pos[int(y)] for y in df["ar"].to_list()],
    ] = df["folkmangd"].to_numpy()
    complete = (cells >= 0).all(axis=1, keepdims=True)
    totals = np.where(complete, cells.clip(min=0).sum(axis=1, keepdims=True), -1)
    values = np.concatenate([cells, totals], axis=1)  # region × alder(+tot) × kon × tid
    value_list: list[int | None] = [None if v < 0 else v for v in values.reshape(-1).tolist()]

    dimension: dict[str, Any] = {
        "Region": _dimension("region", {code: region_label(code) for code in regions}, elimination=True),
        "Alder": _dimension("ålder", dict(zip(age_codes, age_labels, strict=True)), elimination=True),
        "Kon": _dimension("kön", {"1": "män", "2": "kvinnor"}, elimination=True),
        "ContentsCode": _dimension("tabellinnehåll", {CONTENTS_CODE: "Folkmängd"}, elimination=False),
        "Tid": _dimension("år", {str(y): str(y) for y in years}, elimination=False),
    }
    dimension["ContentsCode"]["category"]["unit"] = {CONTENTS_CODE: {"base": "antal", "decimals": 0}}
    dataset: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": TAB638_LABEL,
        "source": "SCB",
        "updated": TAB638_UPDATED,
        "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
        "size": [len(regions), len(age_codes), len(SEXES), 1, len(years)],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "dimension": dimension,
        "extension": {
            "px": {"tableid": "TAB638", "infofile": "BE0101", "decimals": 0, "contents": "Folkmängd"}
        },
        "value": value_list,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json.dumps(dataset, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return path


def _dimension(label: str, categories: Mapping[str, str], *, elimination: bool) -> dict[str, Any]:
    return {
        "label": label,
        "category": {
            "index": {code: i for i, code in enumerate(categories)},
            "label": dict(categories),
        },
        "extension": {"elimination": elimination},
    }


# ---------------------------------------------------------------------------------------------
# Totals and age groups per region-year
# ---------------------------------------------------------------------------------------------


def region_total(code: str, year: int) -> int:
    """Calibrated total of a kommun or Riket in ``year`` (the county is the sum of its kommuner)."""
    groups = REFERENCE_GROUPS[code]
    if year in groups:
        return sum(groups[year])
    anchors = TOTAL_ANCHORS[code]
    if year in anchors:
        return anchors[year]
    if code != NATIONAL_CODE and year in COUNTY_TOTALS_BEFORE_2017:
        return _kommun_totals_from_county(year)[code]
    known = {**{y: sum(g) for y, g in groups.items()}, **anchors}
    lower = max(y for y in known if y < year)
    upper = min(y for y in known if y > year)
    weight = (year - lower) / (upper - lower)
    return round(known[lower] + weight * (known[upper] - known[lower]))


def group_counts(code: str, year: int) -> IntArray:
    """The five age-group counts (0-15, 16-24, 25-44, 45-64, 65-) of a kommun or Riket."""
    groups = REFERENCE_GROUPS[code]
    if year in groups:
        return np.array(groups[year], dtype=np.int64)
    share = {y: np.array(g, dtype=np.float64) / sum(g) for y, g in groups.items()}
    total = region_total(code, year)
    if 2020 < year < 2025:
        weight = (year - 2020) / 5
        shares = share[2020] + weight * (share[2025] - share[2020])
    else:  # before 2018: continue the 2018 -> 2025 trend backwards
        slope = (share[2025] - share[2018]) / 7
        shares = np.maximum(share[2018] - (2018 - year) * slope, 0.25 * share[2018])
    shares = shares / shares.sum()
    if code == NATIONAL_CODE and year in NATIONAL_65PLUS_ANCHORS:
        old = NATIONAL_65PLUS_ANCHORS[year]
        younger = _largest_remainder(shares[:4] / shares[:4].sum() * (total - old), total - old)
        return np.append(younger, old)
    return _largest_remainder(shares * total, total)


def _kommun_totals_from_county(year: int) -> dict[str, int]:
    base = {code: TOTAL_ANCHORS[code][2017] for code in KOMMUNER}
    county = COUNTY_TOTALS_BEFORE_2017[year]
    weights = np.array(list(base.values()), dtype=np.float64)
    counts = _largest_remainder(weights / weights.sum() * county, county)
    return dict(zip(base, (int(c) for c in counts), strict=True))


# ---------------------------------------------------------------------------------------------
# Single years of age
# ---------------------------------------------------------------------------------------------


def _single_ages(code: str, year: int, noise: FloatArray) -> IntArray:
    """Persons by single age 0..100 (100 = 100+), summing exactly to the group counts."""
    prior = _cohort_prior(year, noise)
    groups = group_counts(code, year)
    cum_prior = np.concatenate([[0.0], np.cumsum(prior)])  # P at ages 0..101
    knots_x = cum_prior[list(GROUP_BOUNDS)]
    knots_y = np.concatenate([[0.0], np.cumsum(groups)]).astype(np.float64)
    expected = np.diff(_pchip(knots_x, knots_y, cum_prior))
    persons = np.empty(N_AGES, dtype=np.int64)
    for g, (lo, hi) in enumerate(itertools.pairwise(GROUP_BOUNDS)):
        persons[lo:hi] = _largest_remainder(expected[lo:hi], int(groups[g]))
    return persons


def _cohort_prior(year: int, noise: FloatArray) -> FloatArray:
    """Relative size of each single age: births of the cohort × survival × cohort noise."""
    ages = np.arange(_OPEN_AGE_LIMIT + 1)
    birth_years = year - ages
    knot_years, knot_births = zip(*_BIRTHS_KNOTS, strict=True)
    births = np.interp(birth_years, knot_years, knot_births)
    weight = births * _survival(ages) * noise[birth_years - _FIRST_BIRTH_YEAR]
    return np.append(weight[:MAX_AGE], weight[MAX_AGE:].sum())


def _survival(ages: npt.NDArray[np.int64]) -> FloatArray:
    hazard_integral = (_GOMPERTZ_B / _GOMPERTZ_BETA) * np.expm1(_GOMPERTZ_BETA * ages)
    return np.exp(-hazard_integral)


def _cohort_noise(seed: int, index: int, code: str) -> FloatArray:
    """Multiplicative noise per birth cohort, fixed per region and seed (independent of years)."""
    mean_per_age = sum(REFERENCE_GROUPS[code][2020]) / N_AGES
    sigma = min(_NOISE_MAX, _NOISE_SCALE / np.sqrt(mean_per_age))
    rng = np.random.default_rng([seed, index])
    n_cohorts = LAST_YEAR - _FIRST_BIRTH_YEAR + 1
    return np.exp(rng.normal(0.0, sigma, n_cohorts) - sigma**2 / 2)


def _male_share_base() -> FloatArray:
    knot_ages, knot_shares = zip(*_MALE_SHARE_KNOTS, strict=True)
    return np.interp(np.arange(N_AGES), knot_ages, knot_shares)


def _shift_weight() -> FloatArray:
    knot_ages, knot_weights = zip(*_SHIFT_WEIGHT_KNOTS, strict=True)
    return np.interp(np.arange(N_AGES), knot_ages, knot_weights)


def _male_share_shift(code: str, noise: FloatArray) -> float:
    """Shift of the male-share curve (over adult ages) that reproduces the 2020 number of men."""
    persons = _single_ages(code, 2020, noise).astype(np.float64)
    base_men = float(persons @ _male_share_base())
    return (MEN_2020[code] - base_men) / float(persons @ _shift_weight())


# ---------------------------------------------------------------------------------------------
# Numerics
# ---------------------------------------------------------------------------------------------


def _largest_remainder(expected: Iterable[float] | FloatArray, target: int) -> IntArray:
    """Non-negative integers close to ``expected`` that sum exactly to ``target``."""
    values = np.maximum(np.asarray(expected, dtype=np.float64), 0.0)
    if target <= 0 or values.sum() <= 0:
        out = np.zeros(values.shape, dtype=np.int64)
        if target > 0:
            out[np.argmax(values)] = target
        return out
    scaled = values * (target / values.sum())
    floors = np.floor(scaled).astype(np.int64)
    short = target - int(floors.sum())
    order = np.argsort(-(scaled - floors), kind="stable")
    floors[order[:short]] += 1
    return floors


def _pchip(x: FloatArray, y: FloatArray, at: FloatArray) -> FloatArray:
    """Monotone piecewise cubic Hermite interpolation (Fritsch-Carlson, as scipy's PchipInterpolator)."""
    h = np.diff(x)
    delta = np.diff(y) / h
    d = np.zeros_like(y)
    for k in range(1, len(x) - 1):
        if delta[k - 1] * delta[k] > 0:
            w1, w2 = 2 * h[k] + h[k - 1], h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / delta[k - 1] + w2 / delta[k])
    d[0] = _pchip_end_slope(h[0], h[1], delta[0], delta[1])
    d[-1] = _pchip_end_slope(h[-1], h[-2], delta[-1], delta[-2])

    segment = np.clip(np.searchsorted(x, at, side="right") - 1, 0, len(x) - 2)
    width = h[segment]
    t = (at - x[segment]) / width
    h00 = (1 + 2 * t) * (1 - t) ** 2
    h10 = t * (1 - t) ** 2
    h01 = t**2 * (3 - 2 * t)
    h11 = t**2 * (t - 1)
    result: FloatArray = (
        h00 * y[segment] + h10 * width * d[segment] + h01 * y[segment + 1] + h11 * width * d[segment + 1]
    )
    return result


def _pchip_end_slope(h0: float, h1: float, delta0: float, delta1: float) -> float:
    slope = ((2 * h0 + h1) * delta0 - h0 * delta1) / (h0 + h1)
    if np.sign(slope) != np.sign(delta0):
        return 0.0
    if np.sign(delta0) != np.sign(delta1) and abs(slope) > 3 * abs(delta0):
        return 3 * delta0
    return float(slope)


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Demo inputs for ``scb-befolkning`` (scale does not apply): TAB638 2015–2024 as json-stat2, and
    SCB's CKM table BefolkningCKM for 2025 (``pipelines/demo/befolkning_ckm.py``)."""
    from pipelines.demo.befolkning_ckm import write_befolkning_ckm

    df = generate_population(seed=seed)
    return {
        "scb-befolkning": [
            write_tab638_jsonstat2(df, out_dir / "scb_befolkning_tab638.json"),
            write_befolkning_ckm(out_dir / "scb_befolkning_ckm_2025.json", seed),
        ]
    }
