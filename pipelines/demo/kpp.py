"""Deterministic demo data for KPP and NordDRG: weight lists, Norrbotten's KPP extracts, national aggregates.

One model (every assumption is a row in ``ASSUMPTIONS.md``) produces all three sources, so they
agree with each other:

* **Volumes.** Contacts per inhabitant by DRG × age × kön = a DRG's rate × an age profile × a kön
  factor (``_kpp_katalog.py``), scaled so Riket has the target contacts per inhabitant per vårdtyp
  and vårdform, with a yearly trend (slutenvård down, öppenvård up, a covid dip in 2020–2021).
  Population by age × kön from :func:`pipelines.demo.befolkning.generate_population` (Riket and
  Norrbotten), so contacts per inhabitant rise with age and follow Norrbotten's age structure.
  Norrbotten's volume is scaled to 2 000 000 contacts in 2017 (``scale`` = 1).
* **Costs.** A contact's KPP cost is log-normal with mean = DRG weight × price per DRG-poäng ×
  an age/kön factor × a unit factor, and a σ per vårdform chosen so the dearest 5 % of
  slutenvård (3 % of öppenvård) carry ≈ 20 % of the cost. The kostnadsgräns of a DRG is the
  national 95th (97th) percentile of that mixture, so ytterfall are 5 % (3 %) nationally.
  Norrbotten has a wider spread (more ytterfall) and a unit factor solved so its cost per
  DRG-poäng excluding ytterfall is +7,0 % (slutenvård) and +8,7 % (öppenvård) over Riket in
  somatisk vård 2017; öppenvård weights are scaled so Norrbotten's öppenvård cost share 2017 is
  41,8 % (somatik) and 52,1 % (psykiatri).
* **Riket** (``kpp-riket``) is the sum of units (Norrbotten, three named regions, the rest of the
  country) drawn from the same model at full national volume, with läns- and länsdelssjukhus as
  binomial parts of it; scale does not apply to it.

``generate_files`` writes: ``drg/viktlista_norddrg_<år>.xlsx`` (2019 as ``.csv``), ``kpp/
kpp_norrbotten_<år>.csv`` in varying encodings (Windows-1252 with CRLF, UTF-8 with and without BOM;
2018 with spaces as thousands separators; 2021 as ``.parquet``) and ``kpp/kpp_riket_<år>.csv``.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from pipelines import reference
from pipelines.demo import _kpp_katalog as katalog
from pipelines.demo.befolkning import generate_population
from pipelines.sources.kpp import ALDERSGRUPPER

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

YEARS: Final = tuple(range(2016, 2025))
AGES: Final = np.arange(101)
SEXES: Final = ("K", "M")  # index 0 women, 1 men (SCB kön 2 and 1)
CALIBRATION_YEAR: Final = 2017

NORRBOTTEN: Final = reference.NORRBOTTEN
NAMED_REGIONS: Final = ("25", "24", "23", "22")  # Norrbotten and the other northern regions
REST: Final = "ovriga"
UNITS: Final = (*NAMED_REGIONS, REST)
# Approximate population on 31 Dec 2020 of the other named regions (SCB, rounded); their age
# structure is taken to be Riket's.
REGION_POPULATION_2020: Final = {"24": 274_000, "23": 131_000, "22": 245_000}

NORRBOTTEN_CONTACTS_2017: Final = 2_000_000  # scale 1

# Contacts per inhabitant and year in Riket, CALIBRATION_YEAR (vårdtyp, vårdform).
TARGET_RATES: Final = {
    ("somatisk", "sluten"): 0.130,
    ("psykiatrisk", "sluten"): 0.0095,
    ("somatisk", "oppen"): 2.6,
    ("psykiatrisk", "oppen"): 0.45,
    ("primarvard", "oppen"): 4.2,
}
PRICE_2016: Final = 56_000.0  # SEK per DRG-poäng (weight 1) in 2016
PRICE_GROWTH: Final = 0.028  # per year
WEIGHT_DRIFT: Final = 0.025  # σ of the yearly log change of a DRG's weight
SIGMA: Final = {"sluten": 0.80, "oppen": 1.04}  # log-normal σ of cost within a cell, Riket
YTTERFALL_SHARE: Final = {"sluten": 0.05, "oppen": 0.03}
NORRBOTTEN_SIGMA: Final = {y: (1.03 if y <= 2017 else 1.05) for y in YEARS}  # × SIGMA
# Norrbotten's cost per DRG-poäng excl. ytterfall over Riket, somatisk vård (styrmått 61).
GAP_SLUTEN: Final = {2016: 0.072, 2017: 0.070, 2018: 0.074, 2019: 0.061, 2020: 0.058, 2021: 0.055,
                     2022: 0.052, 2023: 0.050, 2024: 0.048}  # fmt: skip
GAP_OPPEN: Final = {2016: 0.089, 2017: 0.087, 2018: 0.090, 2019: 0.079, 2020: 0.076, 2021: 0.072,
                    2022: 0.069, 2023: 0.066, 2024: 0.063}  # fmt: skip
# Norrbotten's öppenvård share of total KPP cost 2017 (styrmått 63).
OPEN_COST_SHARE_2017: Final = {"somatisk": 0.418, "psykiatrisk": 0.521}
NORRBOTTEN_OTHER_FACTOR: Final = {"psykiatrisk": 1.05, "primarvard": 1.03}
REGION_FACTOR: Final = {"24": 1.02, "23": 1.04, "22": 1.01, REST: 1.0}
# KPP comparison groups: share of Riket's specialised contacts and cost factor.
HOSPITAL_GROUPS: Final = {"lanssjukhus": (0.38, 0.99), "lansdelssjukhus": (0.20, 0.96)}
MONTH_WEIGHTS: Final = (1.05, 1.0, 1.05, 1.0, 1.0, 0.95, 0.6, 0.85, 1.05, 1.08, 1.05, 0.9)
PATIENT_SHARE: Final = 0.85  # share of the population with at least one contact in a year (≈)
MISSING_LIMIT_SHARE: Final = 0.12  # DRGs whose weight list has no kostnadsgräns (the smallest)

# Encoding of each year's extract (None = Parquet).
EXTRACT_FORMATS: Final[dict[int, str | None]] = {
    2016: "cp1252",
    2017: "utf-8-sig",
    2018: "cp1252",
    2019: "utf-8",
    2020: "utf-8-sig",
    2021: None,
    2022: "cp1252",
    2023: "utf-8-sig",
    2024: "utf-8-sig",
}
THOUSANDS_SEPARATOR_YEARS: Final = (2018,)
WEIGHT_LIST_CSV_YEARS: Final = (2019,)

HOSPITALS: Final = ("SUN", "PIT", "GAL", "KIR", "KAL", "PV")
KLINIKER: Final[dict[str, dict[str, str]]] = {
    "SUN": {
        "med": "Medicinkliniken",
        "kir": "Kirurgkliniken",
        "ort": "Ortopedkliniken",
        "kvinno": "Kvinnokliniken",
        "barn": "Barn- och ungdomskliniken",
        "ogon": "Ögonkliniken",
        "onh": "Öron-, näs- och halskliniken",
        "uro": "Urologkliniken",
        "onk": "Onkologkliniken",
        "inf": "Infektionskliniken",
        "neuro": "Neurologi- och rehabiliteringskliniken",
        "rehab": "Neurologi- och rehabiliteringskliniken",
        "hjarta": "Hjärtcentrum",
        "hud": "Hudkliniken",
        "psyk": "Vuxenpsykiatriska kliniken",
        "bup": "Barn- och ungdomspsykiatriska kliniken",
    },
    "PIT": {
        "med": "Medicinkliniken",
        "kir": "Dagkirurgiska kliniken",
        "ort": "Ortopedkliniken",
        "ogon": "Ögonmottagningen",
        "rehab": "Rehabiliteringskliniken",
        "psyk": "Vuxenpsykiatriska kliniken",
        "bup": "Barn- och ungdomspsykiatriska mottagningen",
    },
    "GAL": {
        "med": "Medicinkliniken",
        "kir": "Kirurgkliniken",
        "ort": "Ortopedkliniken",
        "kvinno": "Kvinnokliniken",
        "barn": "Barn- och ungdomskliniken",
        "psyk": "Vuxenpsykiatriska kliniken",
        "bup": "Barn- och ungdomspsykiatriska mottagningen",
    },
    "KIR": {"med": "Medicinkliniken", "kir": "Kirurgkliniken", "psyk": "Vuxenpsykiatriska mottagningen"},
    "KAL": {"med": "Medicinkliniken", "kir": "Kirurgkliniken", "psyk": "Vuxenpsykiatriska mottagningen"},
}
SPEC_FALLBACK: Final = {
    "barn": "med",
    "ogon": "kir",
    "onh": "kir",
    "uro": "kir",
    "onk": "med",
    "inf": "med",
    "neuro": "med",
    "hjarta": "med",
    "hud": "med",
    "kvinno": "kir",
    "bup": "psyk",
    "rehab": "med",
    "ort": "kir",
}
# Primärvårdens hälsocentraler, weighted roughly by the population they serve.
HALSOCENTRALER: Final = {
    "Hälsocentralen Hertsön": 0.10,
    "Hälsocentralen Björkskatan": 0.09,
    "Hälsocentralen Stadsviken": 0.08,
    "Hälsocentralen Piteå": 0.07,
    "Hälsocentralen Öjebyn": 0.07,
    "Hälsocentralen Norrfjärden": 0.03,
    "Hälsocentralen Boden": 0.11,
    "Hälsocentralen Kiruna": 0.09,
    "Hälsocentralen Malmberget": 0.05,
    "Hälsocentralen Gällivare": 0.02,
    "Hälsocentralen Kalix": 0.06,
    "Hälsocentralen Haparanda": 0.04,
    "Hälsocentralen Älvsbyn": 0.03,
    "Hälsocentralen Arvidsjaur": 0.025,
    "Hälsocentralen Jokkmokk": 0.02,
    "Hälsocentralen Pajala": 0.024,
    "Hälsocentralen Övertorneå": 0.016,
    "Hälsocentralen Överkalix": 0.013,
    "Hälsocentralen Arjeplog": 0.011,
}
PSEUDONYM_LETTERS: Final = "ABCDEFGHJKLMNPRSTUVWXYZ"  # letters only: no digit runs, no personnummer


# ---------------------------------------------------------------------------------------------
# The normal distribution (numpy has no erf; scipy is not a dependency)
# ---------------------------------------------------------------------------------------------


def norm_cdf(x: FloatArray | float) -> FloatArray:
    """Φ(x), vectorised; absolute error < 1e-7 (Abramowitz & Stegun 7.1.26 on erfc)."""
    z = np.asarray(x, dtype=np.float64) / np.sqrt(2.0)
    t = 1.0 / (1.0 + 0.3275911 * np.abs(z))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erfc = poly * np.exp(-z * z)
    return np.where(z >= 0, 1.0 - 0.5 * erfc, 0.5 * erfc)


# ---------------------------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Everything the three files are drawn from; arrays are indexed [unit?, year, drg, age, sex]."""

    drgs: list[katalog.Drg]
    years: tuple[int, ...]
    vikt: FloatArray  # [year, drg], the weight list
    kostnadsgrans: FloatArray  # [year, drg], SEK
    has_limit: npt.NDArray[np.bool_]  # [year, drg]: the weight list supplies kostnadsgrans
    price: FloatArray  # [year]
    population: dict[str, FloatArray]  # unit → [year, age, sex]
    rate: dict[str, FloatArray]  # unit → contacts per inhabitant [year, drg, age, sex]
    mean_cost: dict[str, FloatArray]  # unit → mean cost per contact [year, drg, age, sex]
    sigma: dict[str, FloatArray]  # unit → σ [year, drg]
    factor: dict[str, FloatArray]  # unit → cost factor [year, drg]

    @property
    def codes(self) -> list[str]:
        return [d.kod for d in self.drgs]

    def expected(self, unit: str) -> dict[str, FloatArray]:
        """Expected contacts, ytterfall and costs at full volume, [year, drg, age, sex]."""
        n = self.population[unit][:, None, :, :] * self.rate[unit]
        sigma = self.sigma[unit][:, :, None, None]
        mean = self.mean_cost[unit]
        mu = np.log(np.maximum(mean, 1e-9)) - sigma**2 / 2
        log_limit = np.log(self.kostnadsgrans)[:, :, None, None]
        over = 1.0 - norm_cdf((log_limit - mu) / sigma)
        cost_over = 1.0 - norm_cdf((log_limit - mu - sigma**2) / sigma)
        return {
            "n": n,
            "ytterfall": n * over,
            "kostnad": n * mean,
            "kostnad_ytterfall": n * mean * cost_over,
        }


def _profile(name: str) -> FloatArray:
    knots = katalog.PROFILES[name]
    return np.interp(AGES.astype(np.float64), [k[0] for k in knots], [k[1] for k in knots])


def _sex_factors(group: katalog.Group) -> tuple[float, float]:
    if group.kon is not None:
        return group.kon
    return (1.0, 1.0) if group.vardform == "sluten" else (1.15, 0.87)


def _cost_age_sex(vardform: str) -> FloatArray:
    """Relative cost by [age, sex] within a DRG (before normalising per DRG)."""
    if vardform == "sluten":
        age = 0.85 + 0.003 * AGES
        sex = np.array([0.96, 1.05])
    else:
        age = 0.95 + 0.001 * AGES
        sex = np.array([0.99, 1.02])
    return np.asarray(age[:, None] * sex[None, :], dtype=np.float64)


def _populations(seed: int) -> dict[str, FloatArray]:
    """Population [year, age, sex] per unit; the rest of the country is Riket minus the named regions."""
    frame = generate_population(seed=seed, years=range(YEARS[0], YEARS[-1] + 1))
    frame = frame.filter(pl.col("region_kod").is_in(["00", NORRBOTTEN]))
    cube: dict[str, FloatArray] = {}
    for code in ("00", NORRBOTTEN):
        part = frame.filter(pl.col("region_kod") == code).sort("ar", "alder", "kon")
        values = part["folkmangd"].to_numpy().astype(np.float64).reshape(len(YEARS), len(AGES), 2)
        cube[code] = values[:, :, ::-1].copy()  # SCB kön 1 män, 2 kvinnor → [K, M]
    riket = cube["00"]
    riket_2020 = riket[YEARS.index(2020)].sum()
    out = {NORRBOTTEN: cube[NORRBOTTEN]}
    for code, people in REGION_POPULATION_2020.items():
        out[code] = riket * (people / riket_2020)
    out[REST] = riket - sum(out[u] for u in NAMED_REGIONS)
    out["00"] = riket
    return out


def _category(drg: katalog.Drg) -> tuple[str, str]:
    return drg.vardtyp, drg.vardform


def build_model(seed: int) -> Model:
    """The calibrated model (deterministic in ``seed``; independent of scale)."""
    drgs = katalog.expand()
    n_years, n_drgs = len(YEARS), len(drgs)
    population = _populations(seed)
    riket = population["00"]
    cal_year = YEARS.index(CALIBRATION_YEAR)
    pop_cal = riket[cal_year]

    # Base rates [drg, age, sex]: profile × kön factor, normalised to per_1000 over Riket.
    base = np.zeros((n_drgs, len(AGES), 2))
    for i, d in enumerate(drgs):
        g = d.group
        shape = _profile(g.profile)[:, None] * np.array(_sex_factors(g))[None, :]
        shape = shape / ((shape * pop_cal).sum() / pop_cal.sum())
        if d.variant:
            share_c = np.clip(0.12 + 0.4 * AGES / 95, 0.0, 0.6)[:, None]
            shape = shape * (share_c if d.variant == "C" else 1.0 - share_c)
        base[i] = g.per_1000 / 1000 * shape
    categories = [_category(d) for d in drgs]
    for category, target in TARGET_RATES.items():
        mask = np.array([c == category for c in categories])
        current = (base[mask] * pop_cal).sum() / pop_cal.sum()
        base[mask] *= target / current
    trend = np.ones((n_years, n_drgs))
    for j, year in enumerate(YEARS):
        for i, (vardtyp, vardform) in enumerate(categories):
            step = year - CALIBRATION_YEAR
            if vardform == "sluten":
                t = 1 - 0.012 * step
                t *= {2020: 0.92, 2021: 0.96}.get(year, 1.0)
            elif vardtyp == "primarvard":
                t = 1 + 0.010 * step
                t *= {2020: 0.95}.get(year, 1.0)
            else:
                t = 1 + 0.012 * step
                t *= {2020: 0.90, 2021: 0.97}.get(year, 1.0)
            trend[j, i] = t
    national_rate = trend[:, :, None, None] * base[None]
    norrbotten_total = (population[NORRBOTTEN][cal_year][None] * national_rate[cal_year]).sum()
    volume_25 = NORRBOTTEN_CONTACTS_2017 / norrbotten_total
    rate = {u: national_rate * (volume_25 if u == NORRBOTTEN else 1.0) for u in UNITS}

    # Weights [year, drg]: catalogue weight × a random walk; price per point [year].
    rng = np.random.default_rng([seed, 2016])
    drift = np.cumsum(rng.normal(0.0, WEIGHT_DRIFT, (n_years, n_drgs)), axis=0)
    drift -= drift[cal_year]
    vikt_base = np.array([d.vikt for d in drgs]) * np.exp(drift)
    price = PRICE_2016 * (1 + PRICE_GROWTH) ** (np.array(YEARS) - YEARS[0])

    # Cost age/kön profile normalised per DRG over Riket's contacts in the calibration year.
    age_sex = np.stack([_cost_age_sex(d.vardform) for d in drgs])  # [drg, age, sex]
    weight_n = national_rate[cal_year] * pop_cal[None]
    age_sex /= ((age_sex * weight_n).sum(axis=(1, 2)) / weight_n.sum(axis=(1, 2)))[:, None, None]

    sluten = np.array([d.vardform == "sluten" for d in drgs])
    sigma_national = np.where(sluten, SIGMA["sluten"], SIGMA["oppen"])
    sigma = {u: np.tile(sigma_national, (n_years, 1)) for u in UNITS}
    sigma[NORRBOTTEN] = sigma[NORRBOTTEN] * np.array([NORRBOTTEN_SIGMA[y] for y in YEARS])[:, None]

    factor = {u: np.full((n_years, n_drgs), REGION_FACTOR.get(u, 1.0)) for u in UNITS}
    somatisk_sluten = np.array([c == ("somatisk", "sluten") for c in categories])
    somatisk_oppen = np.array([c == ("somatisk", "oppen") for c in categories])
    for vardtyp, value in NORRBOTTEN_OTHER_FACTOR.items():
        factor[NORRBOTTEN][:, np.array([d.vardtyp == vardtyp for d in drgs])] = value
    for j, year in enumerate(YEARS):
        factor[NORRBOTTEN][j, somatisk_sluten] = 1 + GAP_SLUTEN[year]
        factor[NORRBOTTEN][j, somatisk_oppen] = 1 + GAP_OPPEN[year]

    def assemble(vikt: FloatArray, factor: dict[str, FloatArray], limit: FloatArray | None = None) -> Model:
        mean_cost = {u: (vikt * price[:, None] * factor[u])[:, :, None, None] * age_sex[None] for u in UNITS}
        if limit is None:
            limit = _limits(population, rate, mean_cost, sigma, sluten)
        return Model(
            drgs=drgs,
            years=YEARS,
            vikt=vikt,
            kostnadsgrans=limit,
            has_limit=np.ones_like(limit, dtype=bool),
            price=price,
            population=population,
            rate=rate,
            mean_cost=mean_cost,
            sigma=sigma,
            factor=factor,
        )

    # 1. Kostnadsgränser from the first guess of Norrbotten's factors (one region barely moves a
    #    national percentile), then Norrbotten's factors for somatisk vård solved each year for the
    #    target gap in cost per DRG-poäng excluding ytterfall, against those limits.
    first = assemble(vikt_base, factor)
    solved = {u: f.copy() for u, f in factor.items()}
    for j, year in enumerate(YEARS):
        for mask, gap in ((somatisk_sluten, GAP_SLUTEN[year]), (somatisk_oppen, GAP_OPPEN[year])):
            solved[NORRBOTTEN][j, mask] = _solve_factor(first, j, mask, 1 + gap)
    model = assemble(vikt_base, solved, first.kostnadsgrans)
    # 2. Öppenvård weights: scaled per vårdtyp so Norrbotten's öppenvård cost share 2017 hits its
    #    target. Costs and their percentiles scale with the weight, so the limits scale too.
    expected = model.expected(NORRBOTTEN)
    multiplier = np.ones(n_drgs)
    for vardtyp, share in OPEN_COST_SHARE_2017.items():
        open_mask = np.array([c == (vardtyp, "oppen") for c in categories])
        closed_mask = np.array([c == (vardtyp, "sluten") for c in categories])
        open_cost = expected["kostnad"][cal_year, open_mask].sum()
        closed_cost = expected["kostnad"][cal_year, closed_mask].sum()
        multiplier[open_mask] = share / (1 - share) * closed_cost / open_cost
    vikt = np.round(vikt_base * multiplier, 4)
    limit = np.round(first.kostnadsgrans * (vikt / vikt_base))
    model = assemble(vikt, solved, limit)
    # 3. Which DRGs' limits the weight list leaves out: the smallest ones (by Riket's volume).
    volume = model.expected(REST)["n"].sum(axis=(2, 3))
    cut = np.quantile(volume, MISSING_LIMIT_SHARE, axis=1, keepdims=True)
    return Model(**{**model.__dict__, "has_limit": volume > cut})


def _limits(
    population: dict[str, FloatArray],
    rate: dict[str, FloatArray],
    mean_cost: dict[str, FloatArray],
    sigma: dict[str, FloatArray],
    sluten: npt.NDArray[np.bool_],
) -> FloatArray:
    """Kostnadsgräns [year, drg]: the national 95th (sluten) / 97th (öppen) percentile of cost."""
    n = np.stack([population[u][:, None] * rate[u] for u in UNITS], axis=-1)  # [y, d, a, s, u]
    mean = np.stack([mean_cost[u] for u in UNITS], axis=-1)
    sig = np.stack([np.broadcast_to(sigma[u][:, :, None, None], mean.shape[:-1]) for u in UNITS], axis=-1)
    n_years, n_drgs = n.shape[:2]
    n = n.reshape(n_years, n_drgs, -1)
    sig = sig.reshape(n_years, n_drgs, -1)
    mu = np.log(np.maximum(mean.reshape(n_years, n_drgs, -1), 1e-9)) - sig**2 / 2
    share = np.where(sluten, YTTERFALL_SHARE["sluten"], YTTERFALL_SHARE["oppen"])[None, :]
    weight = n / np.maximum(n.sum(axis=2, keepdims=True), 1e-12)
    # Newton's method on the log limit x: Σ w·(1 − Φ((x − μ)/σ)) = share, from a log-normal guess.
    x = (weight * (mu + sig**2 / 2)).sum(axis=2) + np.where(sluten, 1.645, 1.881)[None, :] * (
        weight * sig
    ).sum(axis=2)
    for _ in range(12):
        z = (x[:, :, None] - mu) / sig
        over = (weight * (1 - norm_cdf(z))).sum(axis=2)
        density = (weight * np.exp(-(z**2) / 2) / (sig * np.sqrt(2 * np.pi))).sum(axis=2)
        x = x + (over - share) / np.maximum(density, 1e-12)
    return np.asarray(np.exp(x), dtype=np.float64)


def _inner_sums(
    model: Model, unit: str, year: int, mask: npt.NDArray[np.bool_], factor: float = 1.0
) -> tuple[float, float]:
    """(innerfall cost, innerfall DRG-poäng) of ``unit`` in ``year`` over the DRGs in ``mask``,
    with the unit's mean costs multiplied by ``factor``."""
    n = model.population[unit][year][None] * model.rate[unit][year][mask]
    mean = model.mean_cost[unit][year][mask] * factor
    sigma = model.sigma[unit][year][mask][:, None, None]
    log_limit = np.log(model.kostnadsgrans[year][mask])[:, None, None]
    mu = np.log(mean) - sigma**2 / 2
    inner_share = norm_cdf((log_limit - mu) / sigma)
    inner_cost = mean * norm_cdf((log_limit - mu - sigma**2) / sigma)
    points = (n * inner_share * model.vikt[year][mask][:, None, None]).sum()
    return float((n * inner_cost).sum()), float(points)


def _solve_factor(model: Model, year: int, mask: npt.NDArray[np.bool_], target: float) -> float:
    """Norrbotten's cost factor for the DRGs in ``mask`` giving ``target`` × Riket's inner cost per point."""
    others = [_inner_sums(model, u, year, mask) for u in UNITS if u != NORRBOTTEN]
    other_cost, other_points = sum(c for c, _ in others), sum(p for _, p in others)
    current = float(model.factor[NORRBOTTEN][year, mask][0])
    low, high = 0.8, 1.6
    for _ in range(50):
        mid = (low + high) / 2
        cost, points = _inner_sums(model, NORRBOTTEN, year, mask, mid / current)
        ratio = (cost / points) / ((cost + other_cost) / (points + other_points))
        low, high = (mid, high) if ratio < target else (low, mid)
    return (low + high) / 2


# ---------------------------------------------------------------------------------------------
# Norrbotten's patient-level extract
# ---------------------------------------------------------------------------------------------


def _pseudonyms(keys: npt.NDArray[np.uint64], seed: int) -> pl.Series:
    """'P' + 15 letters: a bijection of the 64-bit key (splitmix64 finaliser), so never a collision."""
    salt = np.uint64((seed * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        z = keys ^ salt
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    letters = np.frombuffer(PSEUDONYM_LETTERS.encode(), dtype=np.uint8)
    codes = np.empty((len(keys), 16), dtype=np.uint8)
    codes[:, 0] = ord("P")
    base = np.uint64(len(PSEUDONYM_LETTERS))
    for position in range(1, 16):  # least significant letter first: the last one is A or B
        codes[:, position] = letters[(z % base).astype(np.int64)]
        z = z // base
    return pl.Series("patient_id", codes.view("S16").ravel()).cast(pl.String)


def extract_frame(model: Model, year: int, *, seed: int, scale: float) -> pl.DataFrame:
    """Norrbotten's KPP contacts for one year, as the import format's columns (vectorised)."""
    j = model.years.index(year)
    rng = np.random.default_rng([seed, 25, year])
    expected = model.population[NORRBOTTEN][j][None] * model.rate[NORRBOTTEN][j] * scale  # [drg, age, sex]
    counts = rng.poisson(expected).reshape(-1)
    cells = np.repeat(np.arange(counts.size), counts)
    n = cells.size
    drg_index, rest = np.divmod(cells, len(AGES) * 2)
    age, sex = np.divmod(rest, 2)
    drgs = model.drgs

    # Cost and length of stay.
    mean = model.mean_cost[NORRBOTTEN][j][drg_index, age, sex]
    sigma = model.sigma[NORRBOTTEN][j][drg_index]
    normal = rng.standard_normal(n)
    cost = np.exp(np.log(mean) - sigma**2 / 2 + sigma * normal)
    vardtid_mean = np.array([d.vardtid for d in drgs])[drg_index]
    sluten = np.array([d.vardform == "sluten" for d in drgs])[drg_index]
    stay = vardtid_mean * (cost / mean) ** 0.7 * np.exp(rng.normal(-0.045, 0.3, n))
    vardtid = np.where(sluten, np.rint(stay), 0).astype(np.int64)

    # Month, hospital, klinik.
    months = rng.choice(12, size=n, p=np.array(MONTH_WEIGHTS) / sum(MONTH_WEIGHTS)) + 1
    site_probs = np.array([(*katalog.SITES[d.group.site], 0.0) for d in drgs])
    site_probs[[d.group.site == "pv" for d in drgs], 5] = 1.0
    cumulative = np.cumsum(site_probs, axis=1)[drg_index]
    hospital = np.minimum((rng.random(n)[:, None] > cumulative).sum(axis=1), 5)
    spec = np.array([d.group.spec for d in drgs], dtype=object)[drg_index]
    spec = np.where((spec == "med") & (age < 16), "barn", spec)
    spec = np.where((spec == "psyk") & (age < 18), "bup", spec)
    klinik = _klinik(hospital, spec, rng)

    # Diagnosis: uniform among the group's ICD-10-SE codes.
    icd_lists = [d.group.icd for d in drgs]
    offsets = np.cumsum([0, *[len(c) for c in icd_lists[:-1]]])
    lengths = np.array([len(c) for c in icd_lists])
    flat_icd = np.array([code for codes in icd_lists for code in codes], dtype=object)
    icd = flat_icd[offsets[drg_index] + (rng.random(n) * lengths[drg_index]).astype(np.int64)]

    # Patients: a pool per birth cohort × kön (so a person keeps her pseudonym across years), of
    # PATIENT_SHARE × the cohort's size × scale; heavy users come first in the pool.
    people = model.population[NORRBOTTEN][j][age, sex] * scale * PATIENT_SHARE
    pool = np.maximum(1, np.rint(people)).astype(np.int64)
    index = np.minimum((pool * rng.random(n) ** 1.8).astype(np.int64), pool - 1)
    cohort = (year - age).astype(np.uint64)
    keys = ((cohort * np.uint64(2) + sex.astype(np.uint64)) << np.uint64(32)) | index.astype(np.uint64)

    order = np.lexsort((rng.random(n), months))
    frame = pl.DataFrame(
        {
            "patient_id": _pseudonyms(keys, seed),
            "ar": np.full(n, year, dtype=np.int32),
            "manad": months.astype(np.int32),
            "sjukhus": np.array(HOSPITALS, dtype=object)[hospital].astype(str),
            "klinik": klinik.astype(str),
            "vardform": np.array([d.vardform for d in drgs])[drg_index],
            "vardtyp": np.array([d.vardtyp for d in drgs])[drg_index],
            "kon": np.array(SEXES)[sex],
            "alder": age.astype(np.int32),
            "huvuddiagnos": icd.astype(str),
            "drg": np.array([d.kod for d in drgs])[drg_index],
            "vardtid_dagar": vardtid.astype(np.int32),
            "kostnad": np.round(cost, 2),
        }
    )[order]
    ids = pl.format("VK{}{}", pl.lit(str(year)), pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(8))
    return frame.select(ids.alias("vardkontakt_id"), pl.all())


def _klinik(
    hospital: IntArray, spec: npt.NDArray[np.object_], rng: np.random.Generator
) -> npt.NDArray[np.str_]:
    out = np.empty(hospital.size, dtype=object)
    for h, code in enumerate(HOSPITALS):
        at = hospital == h
        if code == "PV":
            names = np.array(list(HALSOCENTRALER), dtype=object)
            weights = np.array(list(HALSOCENTRALER.values()))
            out[at] = names[rng.choice(len(names), size=int(at.sum()), p=weights / weights.sum())]
            continue
        available = KLINIKER[code]
        for s in np.unique(spec[at]):
            name = s
            while name not in available:
                name = SPEC_FALLBACK.get(name, "med")
            out[at & (spec == s)] = available[name]
    return np.asarray(out.astype(str))


# ---------------------------------------------------------------------------------------------
# National aggregates
# ---------------------------------------------------------------------------------------------

_AGE_GROUP_EDGES: Final = (0, 18, 45, 65, 80, 101)


def riket_frame(model: Model, *, seed: int) -> pl.DataFrame:
    """kpp-riket rows for every year: Riket, läns-/länsdelssjukhus and the named regions (non-zero cells)."""
    rng = np.random.default_rng([seed, 0])
    groups = np.zeros((len(AGES), len(ALDERSGRUPPER)))
    for g, (low, high) in enumerate(itertools.pairwise(_AGE_GROUP_EDGES)):
        groups[low:high, g] = 1.0
    drawn: dict[str, dict[str, FloatArray]] = {}
    for unit in UNITS:
        e = {k: np.einsum("ydas,ag->ydgs", v, groups) for k, v in model.expected(unit).items()}
        n = rng.poisson(e["n"]).astype(np.float64)
        p_out = np.divide(e["ytterfall"], e["n"], out=np.zeros_like(e["n"]), where=e["n"] > 0)
        out = rng.binomial(n.astype(np.int64), np.clip(p_out, 0, 1)).astype(np.float64)
        inner_mean = np.divide(
            e["kostnad"] - e["kostnad_ytterfall"],
            e["n"] - e["ytterfall"],
            out=np.zeros_like(e["n"]),
            where=(e["n"] - e["ytterfall"]) > 0,
        )
        out_mean = np.divide(
            e["kostnad_ytterfall"], e["ytterfall"], out=np.zeros_like(e["n"]), where=e["ytterfall"] > 0
        )
        noise_in = np.exp(rng.normal(0, 0.5, n.shape) / np.sqrt(np.maximum(n - out, 1)))
        noise_out = np.exp(rng.normal(0, 0.8, n.shape) / np.sqrt(np.maximum(out, 1)))
        drawn[unit] = {
            "n": n,
            "ytterfall": out,
            "kostnad_inner": (n - out) * inner_mean * noise_in,
            "kostnad_ytterfall": out * out_mean * noise_out,
        }
    riket = {k: np.sum([drawn[u][k] for u in UNITS], axis=0) for k in drawn[REST]}
    parts: dict[str, dict[str, FloatArray]] = {"riket": riket}
    parts.update({u: drawn[u] for u in NAMED_REGIONS})
    specialised = np.array([d.vardtyp != "primarvard" for d in model.drgs])[None, :, None, None]
    remaining_inner = riket["n"] - riket["ytterfall"]
    remaining_out = riket["ytterfall"].copy()
    remaining_share = 1.0
    inner_mean = np.divide(riket["kostnad_inner"], remaining_inner, out=np.zeros_like(remaining_inner),
                           where=remaining_inner > 0)  # fmt: skip
    out_mean = np.divide(riket["kostnad_ytterfall"], remaining_out, out=np.zeros_like(remaining_out),
                         where=remaining_out > 0)  # fmt: skip
    for name, (share, cost_factor) in HOSPITAL_GROUPS.items():
        p = share / remaining_share
        inner = rng.binomial(remaining_inner.astype(np.int64), p).astype(np.float64) * specialised
        out = rng.binomial(remaining_out.astype(np.int64), p).astype(np.float64) * specialised
        remaining_inner = remaining_inner - inner
        remaining_out = remaining_out - out
        remaining_share -= share
        parts[name] = {
            "n": inner + out,
            "ytterfall": out,
            "kostnad_inner": inner * inner_mean * cost_factor,
            "kostnad_ytterfall": out * out_mean * cost_factor,
        }

    frames = []
    shape = riket["n"].shape
    y_idx, d_idx, g_idx, s_idx = (a.reshape(-1) for a in np.indices(shape))
    codes = np.array(model.codes)
    vardform = np.array([d.vardform for d in model.drgs])
    for name, values in parts.items():
        n = values["n"].reshape(-1)
        keep = n > 0
        kostnad_ytterfall = values["kostnad_ytterfall"].reshape(-1)
        kostnad = values["kostnad_inner"].reshape(-1) + kostnad_ytterfall
        frames.append(
            pl.DataFrame(
                {
                    "ar": np.array(model.years, dtype=np.int32)[y_idx[keep]],
                    "drg": codes[d_idx[keep]],
                    "vardform": vardform[d_idx[keep]],
                    "aldersgrupp": np.array(ALDERSGRUPPER)[g_idx[keep]],
                    "kon": np.array(SEXES)[s_idx[keep]],
                    "jamforelsegrupp": np.full(int(keep.sum()), name),
                    "antal_kontakter": n[keep].astype(np.int64),
                    "antal_ytterfall": values["ytterfall"].reshape(-1)[keep].astype(np.int64),
                    "kostnad": np.round(kostnad[keep], 2),
                    "kostnad_ytterfall": np.minimum(
                        np.round(kostnad_ytterfall[keep], 2), np.round(kostnad[keep], 2)
                    ),
                    "drg_poang": np.round(n[keep] * model.vikt[y_idx[keep], d_idx[keep]], 3),
                }
            )
        )
    return pl.concat(frames).sort("ar", "drg", "aldersgrupp", "kon", "jamforelsegrupp")


def weight_list_frame(model: Model, year: int) -> pl.DataFrame:
    """The year's weight list in the import format (kostnadsgrans null where not supplied)."""
    j = model.years.index(year)
    limits = [
        float(v) if ok else None for v, ok in zip(model.kostnadsgrans[j], model.has_limit[j], strict=True)
    ]
    return pl.DataFrame(
        {
            "ar": [year] * len(model.drgs),
            "drg": model.codes,
            "drg_text": [d.text for d in model.drgs],
            "mdc": [d.mdc for d in model.drgs],
            "vardform": [d.vardform for d in model.drgs],
            "vikt": model.vikt[j].tolist(),
            "kostnadsgrans": limits,
        },
        schema={
            "ar": pl.Int32,
            "drg": pl.String,
            "drg_text": pl.String,
            "mdc": pl.String,
            "vardform": pl.String,
            "vikt": pl.Float64,
            "kostnadsgrans": pl.Float64,
        },
    )


# ---------------------------------------------------------------------------------------------
# Writers (real delivery formats, identical bytes on every run)
# ---------------------------------------------------------------------------------------------


def swedish_csv(frame: pl.DataFrame, *, float_precision: int | None = None) -> str:
    """Semicolon-separated, decimal comma, ``\\n`` line ends."""
    return frame.write_csv(
        separator=";", decimal_comma=True, float_precision=float_precision, line_terminator="\n"
    )


def _thousands(column: str) -> pl.Expr:
    """Kronor with two decimals, spaces between thousands and a decimal comma: 1 234 567,80."""
    cents = (pl.col(column) * 100).round(0).cast(pl.Int64)
    whole = cents // 100
    millions, thousands, units = whole // 1_000_000, (whole // 1000) % 1000, whole % 1000
    pad = lambda e: e.cast(pl.String).str.zfill(3)  # noqa: E731
    text = (
        pl.when(millions > 0)
        .then(pl.format("{} {} {}", millions, pad(thousands), pad(units)))
        .when(whole >= 1000)
        .then(pl.format("{} {}", thousands, pad(units)))
        .otherwise(units.cast(pl.String))
    )
    return pl.format("{},{}", text, (cents % 100).cast(pl.String).str.zfill(2)).alias(column)


def encode_text(text: str, encoding: str) -> bytes:
    if encoding == "cp1252":  # Windows exports: CRLF line ends
        return text.replace("\n", "\r\n").encode("cp1252")
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    return text.encode(encoding)


def write_extract(frame: pl.DataFrame, year: int, folder: Path) -> Path:
    fmt = EXTRACT_FORMATS[year]
    if fmt is None:
        path = folder / f"kpp_norrbotten_{year}.parquet"
        buffer = io.BytesIO()
        frame.write_parquet(buffer, compression="zstd", statistics=False)
        path.write_bytes(buffer.getvalue())
        return path
    out = frame
    if year % 2 == 0:  # some systems write ICD-10 codes without the dot
        out = out.with_columns(pl.col("huvuddiagnos").str.replace(".", "", literal=True))
    if year in THOUSANDS_SEPARATOR_YEARS:
        text = swedish_csv(out.with_columns(_thousands("kostnad")))
    else:
        text = swedish_csv(out, float_precision=2)
    path = folder / f"kpp_norrbotten_{year}.csv"
    path.write_bytes(encode_text(text, fmt))
    return path


_FIXED_ZIP_TIME: Final = (2020, 1, 1, 0, 0, 0)
_FIXED_XML_TIME: Final = "2020-01-01T00:00:00Z"


def xlsx_bytes(rows: Sequence[Sequence[object]], sheet: str = "Viktlista") -> bytes:
    """An xlsx workbook with ``rows`` on one sheet; timestamps fixed so the bytes are reproducible."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = sheet
    for row in rows:
        ws.append(list(row))
    raw = io.BytesIO()
    book.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", _FIXED_XML_TIME.encode(), data
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
    return out.getvalue()


def write_weight_list(frame: pl.DataFrame, year: int, folder: Path) -> Path:
    if year in WEIGHT_LIST_CSV_YEARS:
        path = folder / f"viktlista_norddrg_{year}.csv"
        text = swedish_csv(frame.with_columns(pl.col("kostnadsgrans").round(0).cast(pl.Int64)))
        path.write_bytes(encode_text(text, "utf-8-sig"))
        return path
    title = f"NordDRG {year}: prospektiva sjukhusvikter med kostnadsgräns (demodata, inte Socialstyrelsens)"
    rows: list[Sequence[object]] = [[title], [], list(frame.columns)]
    for record in frame.iter_rows():
        ar, drg, text, mdc, vardform, vikt, grans = record
        rows.append([ar, drg, text, mdc, vardform, vikt, None if grans is None else int(grans)])
    path = folder / f"viktlista_norddrg_{year}.xlsx"
    path.write_bytes(xlsx_bytes(rows))
    return path


def write_riket(frame: pl.DataFrame, year: int, folder: Path) -> Path:
    path = folder / f"kpp_riket_{year}.csv"
    path.write_bytes(encode_text(swedish_csv(frame.filter(pl.col("ar") == year)), "utf-8"))
    return path


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Weight lists, Norrbotten's KPP extracts 2016–2024 and Riket's aggregates, in their real formats."""
    model = build_model(seed)
    drg_dir, kpp_dir = out_dir / "drg", out_dir / "kpp"
    drg_dir.mkdir(parents=True, exist_ok=True)
    kpp_dir.mkdir(parents=True, exist_ok=True)
    riket = riket_frame(model, seed=seed)
    return {
        "drg-vikter": [write_weight_list(weight_list_frame(model, y), y, drg_dir) for y in YEARS],
        "kpp-kontakter": [
            write_extract(extract_frame(model, y, seed=seed, scale=scale), y, kpp_dir) for y in YEARS
        ],
        "kpp-riket": [write_riket(riket, y, kpp_dir) for y in YEARS],
    }
