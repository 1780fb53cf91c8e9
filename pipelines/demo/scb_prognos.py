"""Demo files for SCB's regional population projection (BE0401 ``BefProgOsiktRegN``), two vintages.

* Vintage 2023 (json-stat2, as from PxWebApi 2.0): Norrbotten hits the plan's figures exactly —
  2024 246 677; 2025 245 742; 2026 244 868; 2027 244 036; 2028 243 283; 2029 242 598; 2030 241 972;
  2031 241 366 (analysplan-facts §2.4) — and continues −0,25 % a year to 2040.
* Vintage 2020 (PxWeb v1 ``json``, the older ``BefProgOsiktRegN20``): Norrbotten falls to 238 900 in
  2030 (the older projection quoted in the plan), ages 0–104 and ``105+``.

Both start from the demo population (:func:`pipelines.demo.befolkning.generate_population`) on
31 December of the year before the vintage and run a small cohort-component model per sex and
single age: Gompertz mortality (the demo population's survival curve, with a sex difference and 1 %
yearly improvement), births from a general fertility rate, and net migration spread over a young-adult
age profile so that each year's total is exactly the target. Ageing therefore follows the real cohorts:
Norrbotten's 80+ grows by about a third in ten years (the plan: 35 %). Riket follows an assumed growth
path. Every assumption is listed in ``ASSUMPTIONS.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from pipelines.demo._scb_pxweb import Dim, write_jsonstat2, write_v1_json
from pipelines.demo.befolkning import N_AGES, generate_population
from pipelines.demo.kommuner import COUNTY_CODE, NATIONAL_CODE, region_label

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CONTENT: Final = ("000004LG", "Folkmängd")  # third-party code (Region Dalarna); used for both vintages
LAST_YEAR: Final = 2040
# SCB's projection for Norrbotten as quoted in the plan (analysplan-facts §2.4, 003:493-494).
PLAN_2023: Final = {
    2024: 246_677,
    2025: 245_742,
    2026: 244_868,
    2027: 244_036,
    2028: 243_283,
    2029: 242_598,
    2030: 241_972,
    2031: 241_366,
}
OLDER_2030: Final = 238_900  # "Norrbotten ska minska till 238 900 personer år 2030" (002:414)

# Model parameters (ASSUMPTIONS.md).
GOMPERTZ_B: Final = 4.7e-6  # as the demo population's survival curve (ASSUMPTIONS.md row 14)
GOMPERTZ_BETA: Final = 0.117
HAZARD_MEN: Final = 0.90
HAZARD_WOMEN: Final = 0.64
MORTALITY_IMPROVEMENT: Final = 0.015  # per year
GFR: Final = {COUNTY_CODE: 0.043, NATIONAL_CODE: 0.044}  # births per woman aged 15-49 and year
MALE_BIRTHS: Final = 0.514
MIGRATION_WOMEN: Final = {COUNTY_CODE: 1.15, NATIONAL_CODE: 1.0}  # weight of women in net migration
OPEN_CLASS_RATIO: Final = 0.68  # 2020 vintage: persons at age 100+k ∝ ratio**k


@dataclass(frozen=True)
class Vintage:
    year: int  # prognosår: published in the spring of its first projected year
    updated: str
    file: str


VINTAGE_2023: Final = Vintage(2023, "2023-05-25T06:00:00Z", "scb_prognos_befprogosiktregn_2023.json")
VINTAGE_2020: Final = Vintage(2020, "2020-06-03T07:00:00Z", "scb_prognos_befprogosiktregn20.json")


def targets(vintage: int, base: Mapping[str, int]) -> dict[str, dict[int, int]]:
    """Total population per region and projected year for a vintage, from the base-year totals."""
    years = range(vintage, LAST_YEAR + 1)
    out: dict[str, dict[int, int]] = {}
    if vintage == 2023:
        county = {2023: PLAN_2023[2024] + (PLAN_2023[2024] - PLAN_2023[2025]), **PLAN_2023}
        for year in range(2032, LAST_YEAR + 1):
            county[year] = round(county[year - 1] * (1 - 0.0025))
        growth = {y: 0.0045 - 0.0015 * (y - 2023) / (LAST_YEAR - 2023) for y in years}
    elif vintage == 2020:
        rate = (OLDER_2030 / base[COUNTY_CODE]) ** (1 / (2030 - 2019))
        county = {
            y: OLDER_2030 if y == 2030 else round(base[COUNTY_CODE] * rate ** (y - 2019)) for y in years
        }
        growth = {y: 0.0065 - 0.0020 * (y - 2020) / (LAST_YEAR - 2020) for y in years}
    else:
        raise ValueError(f"no demo projection for vintage {vintage}")
    national = {}
    total = float(base[NATIONAL_CODE])
    for year in years:
        total *= 1 + growth[year]
        national[year] = round(total)
    out[COUNTY_CODE] = {y: county[y] for y in years}
    out[NATIONAL_CODE] = national
    return out


def _death_probability(sex: int, years_ahead: int) -> FloatArray:
    """One-year death probability by age 0..100 (100 = 100+) for sex 0 (men) or 1 (women)."""
    ages = np.arange(N_AGES, dtype=np.float64)
    scale = (HAZARD_MEN if sex == 0 else HAZARD_WOMEN) * (1 - MORTALITY_IMPROVEMENT) ** years_ahead
    hazard = scale * (GOMPERTZ_B / GOMPERTZ_BETA) * np.exp(GOMPERTZ_BETA * ages) * np.expm1(GOMPERTZ_BETA)
    return np.asarray(1 - np.exp(-hazard), dtype=np.float64)


def _migration_profile() -> FloatArray:
    ages = np.arange(N_AGES, dtype=np.float64)
    young = np.exp(-(((ages - 23) / 6) ** 2))
    children = 0.3 * np.exp(-(((ages - 2) / 5) ** 2))
    adults = np.where(ages <= 70, 0.12, 0.02)
    return np.asarray(young + children + adults, dtype=np.float64)


def project(base: FloatArray, region: str, vintage: int, totals: Mapping[int, int]) -> dict[int, FloatArray]:
    """Cohort-component projection from ``base`` [sex, age] on 31 December ``vintage - 1``."""
    state = base.astype(np.float64)
    profile = _migration_profile()
    weights = np.stack([profile, profile * MIGRATION_WOMEN[region]])
    out: dict[int, FloatArray] = {}
    for year in sorted(totals):
        ahead = year - vintage
        survivors = np.zeros_like(state)
        for sex in (0, 1):
            alive = state[sex] * (1 - _death_probability(sex, ahead))
            survivors[sex, 1:] = alive[:-1]
            survivors[sex, -1] += alive[-1]  # 100+ stays 100+
        births = GFR[region] * state[1, 15:50].sum()
        survivors[0, 0], survivors[1, 0] = births * MALE_BIRTHS, births * (1 - MALE_BIRTHS)
        gap = totals[year] - survivors.sum()
        state = np.maximum(survivors + gap * weights / weights.sum(), 0.0)
        state *= totals[year] / state.sum()
        out[year] = state.copy()
    return out


def _integers(values: FloatArray, total: int) -> IntArray:
    """Largest-remainder rounding of a non-negative array to integers summing to ``total``."""
    flat = values.reshape(-1)
    floors = np.floor(flat).astype(np.int64)
    short = total - int(floors.sum())
    order = np.argsort(-(flat - floors), kind="stable")
    floors[order[:short]] += 1
    return floors.reshape(values.shape)


def projection(seed: int, vintage: int) -> dict[str, dict[int, IntArray]]:
    """Region → year → integer array [sex, age 0..100] of one demo vintage."""
    base_year = vintage - 1
    df = generate_population(seed=seed, years=range(base_year, base_year + 1))
    out: dict[str, dict[int, IntArray]] = {}
    bases: dict[str, FloatArray] = {}
    for code in (NATIONAL_CODE, COUNTY_CODE):
        part = df.filter(df["region_kod"] == code).sort(["kon", "alder"])
        bases[code] = part["folkmangd"].to_numpy().astype(np.float64).reshape(2, N_AGES)
    goal = targets(vintage, {code: int(b.sum()) for code, b in bases.items()})
    for code, base in bases.items():
        years = project(base, code, vintage, goal[code])
        out[code] = {year: _integers(state, goal[code][year]) for year, state in years.items()}
    return out


def _open_ages(people: IntArray) -> IntArray:
    """Split each sex's 100+ into ages 100..104 and 105+ (geometric shares), exactly."""
    shares = OPEN_CLASS_RATIO ** np.arange(6, dtype=np.float64)
    rows = []
    for sex in (0, 1):
        top = int(people[sex, 100])
        split = _integers(shares / shares.sum() * top, top)
        rows.append(np.concatenate([people[sex, :100], split]))
    return np.stack(rows)


def write_vintage_2023(out_dir: Path, seed: int) -> Path:
    """json-stat2 (PxWebApi 2.0): ages 0..99, 100+, tot; kön 1, 2, 1+2; riket and Norrbotten."""
    data = projection(seed, VINTAGE_2023.year)
    regions = (NATIONAL_CODE, COUNTY_CODE)
    years = sorted(data[COUNTY_CODE])
    ages = {**{str(a): f"{a} år" for a in range(100)}, "100+": "100+ år", "tot": "totalt ålder"}
    dims = [
        Dim("Region", "region", {code: region_label(code) for code in regions}),
        Dim("Kon", "kön", {"1": "män", "2": "kvinnor", "1+2": "totalt"}),
        Dim("Alder", "ålder", ages),
        Dim("ContentsCode", "tabellinnehåll", {CONTENT[0]: CONTENT[1]}),
        Dim("Tid", "år", {str(y): str(y) for y in years}),
    ]

    def value(cell: tuple[str, ...]) -> int:
        region, kon, alder, _, year = cell
        people = data[region][int(year)]
        sexes = [0, 1] if kon == "1+2" else [int(kon) - 1]
        ages_ = (
            slice(None)
            if alder == "tot"
            else slice(100, 101)
            if alder == "100+"
            else slice(int(alder), int(alder) + 1)
        )
        return int(people[sexes, ages_].sum())

    return write_jsonstat2(
        out_dir / VINTAGE_2023.file,
        dims,
        value,
        label="Folkmängd efter region, kön, ålder, tabellinnehåll och år",
        updated=VINTAGE_2023.updated,
        tableid="BefProgOsiktRegN",
        infofile="BE0401",
    )


def write_vintage_2020(out_dir: Path, seed: int) -> Path:
    """PxWeb v1 json: ages 0..104 and 105+; kön 1, 2; riket and Norrbotten."""
    data = projection(seed, VINTAGE_2020.year)
    regions = (NATIONAL_CODE, COUNTY_CODE)
    years = sorted(data[COUNTY_CODE])
    split = {
        code: {year: _open_ages(people) for year, people in by_year.items()} for code, by_year in data.items()
    }
    ages = {**{str(a): f"{a} år" for a in range(105)}, "105+": "105+ år"}
    dims = [
        Dim("Region", "region", {code: region_label(code) for code in regions}),
        Dim("Kon", "kön", {"1": "män", "2": "kvinnor"}),
        Dim("Alder", "ålder", ages),
        Dim("Tid", "år", {str(y): str(y) for y in years}),
    ]

    def value(cell: tuple[str, ...]) -> int:
        region, kon, alder, year = cell
        return int(split[region][int(year)][int(kon) - 1, 105 if alder == "105+" else int(alder)])

    return write_v1_json(
        out_dir / VINTAGE_2020.file,
        dims,
        CONTENT,
        value,
        label="Folkmängd efter region, kön, ålder och år",
        updated=VINTAGE_2020.updated,
        infofile="BE0401",
    )


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Demo inputs for ``scb-prognos``: the 2020 and 2023 vintages (scale does not apply)."""
    return {"scb-prognos": [write_vintage_2020(out_dir, seed), write_vintage_2023(out_dir, seed)]}
