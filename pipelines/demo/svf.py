"""Deterministic demo data for the cancer SVF: maximum lead times, Norrbotten's events, aggregates.

* ``svf-maxledtider``: 13 cancer SVFs with a maximum lead time per treatment type (calendar days
  from välgrundad misstanke to start of first treatment) and the national 80 % target.
* ``svf-handelser``: Region Norrbotten's patient-level SVF events 2018–2024 (one file per year of
  välgrundad misstanke) and an incomplete latest extract for 2025 (starts January–June): ``xx10``
  välgrundad misstanke, ``xx25`` first visit, ``xx40`` diagnosis, the first treatment
  (``xx50``/``52``/``54``/``58``/``60``) or an end before treatment (``xx70``–``78``), with the patient's
  kommun, sex, age and the hospital that registered the event.
* ``svf-ledtider``: aggregates per SVF × region (and riket) × year 2016–2024: number who started
  treatment, number within the maximum lead time and the median lead time; cells with fewer than
  five patients are suppressed (``<5``).

One simulation gives both: pathways are drawn for every region and year (volume ∝ population),
each ends with a treatment start or not, and a treated pathway's lead time is
``max × exp(s (ε − logit p))`` with ε standard logistic, so that it is within the maximum with
probability ``p`` (region × year level, SVF, the patient's area and age). The levels are calibrated
on the drawn pathways: Norrbotten's share within time equals its series (67 % in 2020, a drop from
71 % in 2019, per the annual report) and the pooled national share riket's (≈ 50 % in 2020); two
regions are consistently better than Norrbotten, so it is not the best. The aggregates are computed
from the same pathways, so for Norrbotten 2018–2024 they equal what the events give (year = year of
välgrundad misstanke).

``scale`` sets the volume: a fraction ``clip(20 × scale, 0.1, 1)`` of the real number of pathways
(≈ 11 per 1 000 inhabitants and year), so the demo default 0.01 gives a fifth of the real volume
and ``scale ≥ 0.05`` the full one. Assumptions: ``ASSUMPTIONS.md``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from pipelines import reference
from pipelines.demo.befolkning import region_total
from pipelines.demo.kommuner import KOMMUNER
from pipelines.demo.vis import REGIONS, population

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

YEARS: Final = range(2016, 2025)  # aggregates
EVENT_YEARS: Final = range(2018, 2025)  # Norrbotten's patient-level events
PARTIAL_YEAR: Final = 2025  # the latest extract: välgrundad misstanke January–June only
PARTIAL_UNTIL: Final = date(2025, 6, 30)  # the extract's last day (events after it are not yet delivered)
NATIONAL_TARGET: Final = 0.8
SCALE: Final = 0.25  # logistic scale of log lead time (sd ≈ 0.45) around the SVF × treatment maximum
AGE_EFFECT: Final = 0.01  # lower odds of starting within time per year of age above 70
MIN_SHOWN: Final = 5


@dataclass(frozen=True)
class Svf:
    code: str
    name: str
    per_1000: float  # pathways started per 1 000 inhabitants and year (full volume)
    treated: float  # share of pathways that end with a first treatment
    effect: float  # logit effect on the share within the maximum lead time
    female: float  # share women
    age: tuple[float, float]  # mean, sd
    treatments: tuple[tuple[str, int, float], ...]  # (behandlingstyp, max days, share of starts)


SVFS: Final[tuple[Svf, ...]] = (
    Svf(
        "VA0",
        "Huvud- och halscancer",
        0.55,
        0.35,
        -0.2,
        0.30,
        (64, 12),
        (("kirurgi", 38, 0.45), ("stralbehandling", 41, 0.45), ("palliativ", 27, 0.10)),
    ),
    Svf(
        "VB0",
        "Matstrups- och magsäckscancer",
        0.35,
        0.35,
        -0.3,
        0.30,
        (70, 10),
        (("kirurgi", 43, 0.25), ("lakemedel", 33, 0.50), ("palliativ", 27, 0.25)),
    ),
    Svf(
        "VB2",
        "Tjock- och ändtarmscancer",
        1.40,
        0.25,
        0.2,
        0.47,
        (71, 11),
        (
            ("kirurgi", 35, 0.55),
            ("stralbehandling", 28, 0.20),
            ("lakemedel", 35, 0.15),
            ("palliativ", 28, 0.10),
        ),
    ),
    Svf(
        "VB4",
        "Levercancer",
        0.20,
        0.30,
        0.0,
        0.35,
        (68, 10),
        (("kirurgi", 38, 0.35), ("lakemedel", 31, 0.40), ("palliativ", 24, 0.25)),
    ),
    Svf(
        "VB5",
        "Cancer i gallblåsa och gallvägar",
        0.15,
        0.30,
        0.0,
        0.55,
        (72, 10),
        (("kirurgi", 38, 0.35), ("lakemedel", 31, 0.35), ("palliativ", 24, 0.30)),
    ),
    Svf(
        "VB6",
        "Bukspottkörtelcancer",
        0.45,
        0.30,
        0.1,
        0.48,
        (71, 10),
        (("kirurgi", 31, 0.25), ("lakemedel", 29, 0.50), ("palliativ", 24, 0.25)),
    ),
    Svf(
        "VC0",
        "Lungcancer",
        1.10,
        0.45,
        -0.3,
        0.52,
        (71, 9),
        (
            ("kirurgi", 52, 0.20),
            ("lakemedel", 42, 0.40),
            ("stralbehandling", 45, 0.25),
            ("palliativ", 35, 0.15),
        ),
    ),
    Svf(
        "VE0", "Hudmelanom", 0.90, 0.35, 0.6, 0.48, (63, 16), (("kirurgi", 30, 0.90), ("lakemedel", 35, 0.10))
    ),
    Svf(
        "VG9",
        "Bröstcancer",
        1.80,
        0.50,
        0.4,
        0.99,
        (61, 13),
        (("kirurgi", 28, 0.75), ("lakemedel", 28, 0.20), ("stralbehandling", 35, 0.05)),
    ),
    Svf(
        "VH4",
        "Äggstockscancer",
        0.45,
        0.30,
        0.3,
        1.00,
        (64, 13),
        (("kirurgi", 28, 0.65), ("lakemedel", 28, 0.35)),
    ),
    Svf(
        "VH6",
        "Vulvacancer",
        0.08,
        0.50,
        0.2,
        1.00,
        (72, 12),
        (
            ("kirurgi", 30, 0.70),
            ("stralbehandling", 34, 0.15),
            ("lakemedel", 27, 0.05),
            ("palliativ", 20, 0.10),
        ),
    ),
    Svf(
        "VJ1",
        "Prostatacancer",
        2.60,
        0.55,
        -0.8,
        0.00,
        (70, 8),
        (
            ("kirurgi", 81, 0.25),
            ("stralbehandling", 81, 0.25),
            ("lakemedel", 34, 0.30),
            ("expektans", 48, 0.20),
        ),
    ),
    Svf(
        "VK1",
        "Urinblåse- och urinvägscancer",
        1.20,
        0.50,
        -0.2,
        0.25,
        (73, 10),
        (("kirurgi", 26, 0.80), ("lakemedel", 38, 0.12), ("stralbehandling", 45, 0.08)),
    ),
)
START_CODES: Final = {
    "kirurgi": "50",
    "lakemedel": "52",
    "stralbehandling": "54",
    "palliativ": "58",
    "annan": "59",
    "expektans": "60",
}
END_CODES: Final = (("78", 0.55), ("70", 0.15), ("72", 0.10), ("73", 0.10), ("74", 0.05), ("76", 0.05))

# Share of patients within the maximum lead time, region × year level (sources: see ASSUMPTIONS).
RIKET_WITHIN: Final = {
    2016: 0.42,
    2017: 0.46,
    2018: 0.49,
    2019: 0.52,
    2020: 0.50,
    2021: 0.46,
    2022: 0.44,
    2023: 0.44,
    2024: 0.45,
}
NORRBOTTEN_WITHIN: Final = {
    2016: 0.58,
    2017: 0.63,
    2018: 0.68,
    2019: 0.71,
    2020: 0.67,
    2021: 0.63,
    2022: 0.60,
    2023: 0.61,
    2024: 0.62,
}
BEST_REGIONS: Final = {"06": 1.30, "13": 1.15}  # fixed logit effects: better than Norrbotten every year
VOLUME_BY_YEAR: Final = {
    2016: 0.60,
    2017: 0.80,
    2018: 0.95,
    2019: 1.00,
    2020: 0.90,
    2021: 1.00,
    2022: 1.05,
    2023: 1.08,
    2024: 1.10,
}  # SVF roll-out 2015–2018, covid 2020

# Norrbotten's inland and mountain kommuner: longer distances, lower share within time.
INLAND: Final = frozenset({"2505", "2506", "2510", "2513", "2518", "2521", "2523", "2584"})
INLAND_EFFECT: Final = -0.35
AREA_HOSPITAL: Final = {
    "2580": "SUN",
    "2582": "SUN",
    "2560": "SUN",
    "2581": "PIT",
    "2505": "PIT",
    "2506": "PIT",
    "2523": "GAL",
    "2521": "GAL",
    "2510": "GAL",
    "2584": "KIR",
    "2514": "KAL",
    "2583": "KAL",
    "2513": "KAL",
    "2518": "KAL",
}


def volume_fraction(scale: float) -> float:
    """The share of real SVF volumes the demo simulates."""
    return min(1.0, max(0.1, 20.0 * scale))


@dataclass
class Pathways:
    """Simulated pathways of one region × year (Norrbotten: with patient detail).

    The random draws are fixed when the pathways are drawn; :meth:`finish` turns them into lead
    times for a given region × year level, so the level can be calibrated without new draws.
    """

    svf: IntArray
    treated: npt.NDArray[np.bool_]
    treatment: IntArray  # index into the SVF's treatments (treated only)
    day: IntArray  # day of the year of välgrundad misstanke (0 = 1 January)
    age: IntArray
    female: npt.NDArray[np.bool_]
    kommun: list[str]
    offset: FloatArray  # logit effect of SVF, area and age
    noise: FloatArray  # standard logistic draw per pathway
    maximum: FloatArray  # the pathway's maximum lead time (days)
    lead: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    within: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))

    def finish(self, level: float) -> None:
        """Lead times for a region × year logit ``level``: P(lead ≤ maximum) = expit(level + offset)."""
        lead = self.maximum * np.exp(SCALE * (self.noise - level - self.offset))
        self.lead = np.maximum(1, np.rint(lead)).astype(np.int64)
        self.within = self.lead <= self.maximum

    def share_within(self) -> float:
        return float(self.within[self.treated].mean()) if self.treated.any() else float("nan")


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def region_effects(seed: int) -> dict[str, float]:
    """Fixed logit offset per region around riket (Norrbotten's level is calibrated separately)."""
    rng = np.random.default_rng([seed, 9_100])
    effects = {r: float(rng.normal(0.0, 0.35)) for r in REGIONS}
    pop = population(2020)
    others = [r for r in REGIONS if r not in BEST_REGIONS and r != reference.NORRBOTTEN]
    centre = sum(effects[r] * pop[r] for r in others) / sum(pop[r] for r in others)
    effects = {r: e - centre for r, e in effects.items()}  # riket's level is the others' centre
    effects.update(BEST_REGIONS)
    effects[reference.NORRBOTTEN] = 0.0
    return effects


def draw(region: str, year: int, fraction: float, seed: int) -> Pathways:
    """Draw one region-year's pathways: SVF, outcome, treatment, patient, and the random parts."""
    rng = np.random.default_rng([seed, 9_200, REGIONS.index(region), year])
    pop = population(year)[region]
    counts = [int(rng.poisson(pop * s.per_1000 / 1000 * VOLUME_BY_YEAR[year] * fraction)) for s in SVFS]
    svf = np.repeat(np.arange(len(SVFS), dtype=np.int64), counts)
    n = len(svf)
    treated = rng.random(n) < np.array([s.treated for s in SVFS])[svf]
    female = rng.random(n) < np.array([s.female for s in SVFS])[svf]
    age_mean = np.array([s.age[0] for s in SVFS], dtype=np.float64)[svf]
    age_sd = np.array([s.age[1] for s in SVFS], dtype=np.float64)[svf]
    age = np.clip(np.rint(rng.normal(age_mean, age_sd)), 18, 99).astype(np.int64)
    day_of_year = rng.integers(0, 365, n)
    if region == reference.NORRBOTTEN:
        kommun_codes = list(KOMMUNER)
        weights = np.array([region_total(k, year) for k in kommun_codes], dtype=np.float64)
        kommun = [kommun_codes[k] for k in rng.choice(len(kommun_codes), n, p=weights / weights.sum())]
        inland_share = float(sum(w for k, w in zip(kommun_codes, weights, strict=True) if k in INLAND))
        inland_share /= float(weights.sum())
        area = (
            np.array([INLAND_EFFECT if k in INLAND else 0.0 for k in kommun]) - INLAND_EFFECT * inland_share
        )
    else:
        kommun = [""] * n
        area = np.zeros(n)
    treatment = np.zeros(n, dtype=np.int64)
    for i, s in enumerate(SVFS):
        mask = svf == i
        shares = np.array([t[2] for t in s.treatments])
        treatment[mask] = rng.choice(len(s.treatments), int(mask.sum()), p=shares / shares.sum())
    weights_svf = np.array([s.per_1000 * s.treated for s in SVFS])
    svf_effect = np.array([s.effect for s in SVFS])
    svf_effect -= float(np.dot(weights_svf, svf_effect) / weights_svf.sum())
    offset = svf_effect[svf] + area - AGE_EFFECT * (age - 70)
    maximum = np.array(
        [SVFS[i].treatments[t][1] for i, t in zip(svf, treatment, strict=True)], dtype=np.float64
    )
    noise = rng.logistic(0.0, 1.0, n)
    return Pathways(svf, treated, treatment, day_of_year, age, female, kommun, offset, noise, maximum)


def _calibrate(paths: Sequence[Pathways], levels: Sequence[float], target: float) -> float:
    """The common shift of ``levels`` that makes the pooled share within time closest to ``target``."""

    def pooled(shift: float) -> float:
        within = treated = 0
        for p, level in zip(paths, levels, strict=True):
            p.finish(level + shift)
            within += int(p.within[p.treated].sum())
            treated += int(p.treated.sum())
        return within / treated

    low, high = -4.0, 4.0
    for _ in range(40):
        mid = (low + high) / 2
        if pooled(mid) < target:
            low = mid
        else:
            high = mid
    best = min((low, high), key=lambda shift: abs(pooled(shift) - target))
    pooled(best)
    return best


def simulate_all(seed: int, fraction: float) -> dict[tuple[str, int], Pathways]:
    """All regions' pathways per year: Norrbotten calibrated to its series, riket to the national one."""
    effects = region_effects(seed)
    out: dict[tuple[str, int], Pathways] = {}
    for year in YEARS:
        drawn = {region: draw(region, year, fraction, seed) for region in REGIONS}
        out.update({(region, year): p for region, p in drawn.items()})
        nb = drawn[reference.NORRBOTTEN]
        nb_level = _calibrate([nb], [0.0], NORRBOTTEN_WITHIN[year])
        others = [r for r in REGIONS if r != reference.NORRBOTTEN]
        yearly = np.random.default_rng([seed, 9_300, year]).normal(0, 0.1, len(others))
        levels = [effects[r] + float(e) for r, e in zip(others, yearly, strict=True)]
        nb_within, nb_treated = int(nb.within[nb.treated].sum()), int(nb.treated.sum())
        treated_others = sum(int(drawn[r].treated.sum()) for r in others)
        # the other regions' pooled share that, with Norrbotten's, gives riket's target
        target = (RIKET_WITHIN[year] * (treated_others + nb_treated) - nb_within) / treated_others
        _calibrate([drawn[r] for r in others], levels, target)
        nb.finish(nb_level)
    return out


# ---------------------------------------------------------------------------------------------
# Aggregates
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    svf: str
    region: str
    year: int
    count: int
    within: int
    median: float


def aggregates(paths: dict[tuple[str, int], Pathways]) -> list[Aggregate]:
    """Number treated, number within the maximum and median lead time per SVF × region × year."""
    out = []
    for year in YEARS:
        by_region = {region: paths[(region, year)] for region in REGIONS}
        for i, s in enumerate(SVFS):
            leads_all = []
            within_all = 0
            for region in REGIONS:
                p = by_region[region]
                mask = (p.svf == i) & p.treated
                leads = p.lead[mask]
                leads_all.append(leads)
                within_all += int(p.within[mask].sum())
                median = float(np.median(leads)) if len(leads) else float("nan")
                out.append(
                    Aggregate(s.code, region, year, int(mask.sum()), int(p.within[mask].sum()), median)
                )
            joined = np.concatenate(leads_all)
            median = float(np.median(joined)) if len(joined) else float("nan")
            out.append(Aggregate(s.code, reference.RIKET.kod, year, len(joined), within_all, median))
    return out


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def events(paths: Pathways, year: int, seed: int) -> list[dict[str, str]]:
    """Norrbotten's KVÅ events for the pathways started in ``year``."""
    rng = np.random.default_rng([seed, 9_400, year])
    ids = rng.choice(9_000_000, len(paths.svf), replace=False) + 1_000_000
    rows: list[tuple[date, str, dict[str, str]]] = []
    end_codes = [c for c, _ in END_CODES]
    end_p = np.array([p for _, p in END_CODES])
    for k in range(len(paths.svf)):
        s = SVFS[int(paths.svf[k])]
        kommun = paths.kommun[k]
        local = AREA_HOSPITAL[kommun]
        patient = {
            "patient_id": f"NB{year % 100:02d}{int(ids[k]):07d}",
            "kon": "K" if paths.female[k] else "M",
            "alder": str(int(paths.age[k])),
            "kommun_kod": kommun,
            "region_kod": reference.NORRBOTTEN,
        }
        start = date(year, 1, 1) + timedelta(days=int(paths.day[k]))

        def add(code: str, day: date, hospital: str | None, patient: dict[str, str] = patient) -> None:
            rows.append(
                (day, code, {**patient, "sjukhus": hospital or "", "kva_kod": code, "datum": day.isoformat()})
            )

        add(s.code + "10", start, "PV" if rng.random() < 0.15 else local)
        first_visit = int(rng.integers(1, 11))
        if paths.treated[k]:
            lead = int(paths.lead[k])
            kind = s.treatments[int(paths.treatment[k])][0]
            if lead > first_visit and rng.random() < 0.8:
                add(
                    s.code + "25", start + timedelta(days=first_visit), "SUN" if rng.random() < 0.5 else local
                )
            if lead >= 3:
                add(s.code + "40", start + timedelta(days=max(1, round(0.6 * lead))), local)
            u = rng.random()
            if kind == "kirurgi":
                where = "SUN" if u < 0.75 else (local if u < 0.85 else None)
            elif kind == "stralbehandling":
                where = "SUN"
            elif kind == "lakemedel":
                where = "SUN" if u < 0.6 else local
            else:
                where = local
            add(s.code + START_CODES[kind], start + timedelta(days=lead), where)
        else:
            ended = int(rng.integers(3, 46))
            if ended > first_visit and rng.random() < 0.7:
                add(
                    s.code + "25", start + timedelta(days=first_visit), "SUN" if rng.random() < 0.5 else local
                )
            code = end_codes[int(rng.choice(len(end_codes), p=end_p))]
            add(s.code + code, start + timedelta(days=ended), local)
    rows.sort(key=lambda r: (r[0], r[2]["patient_id"], r[1]))
    return [r[2] for r in rows]


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[dict[str, str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _dec(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def maxledtider_rows() -> list[dict[str, str]]:
    return [
        {
            "svf": s.code,
            "vardforlopp": s.name,
            "behandlingstyp": kind,
            "max_ledtid_dagar": str(days),
            "nationellt_mal": _dec(NATIONAL_TARGET, 2),
        }
        for s in SVFS
        for kind, days, _ in s.treatments
    ]


def aggregate_rows(items: Sequence[Aggregate]) -> list[dict[str, str]]:
    rows = []
    for a in items:
        row = {"svf": a.svf, "region_kod": a.region, "period": str(a.year)}
        if a.count < MIN_SHOWN:
            row.update({"antal": "<5", "antal_inom_maxledtid": "", "median_ledtid": ""})
        else:
            row.update(
                {
                    "antal": str(a.count),
                    "antal_inom_maxledtid": str(a.within),
                    "median_ledtid": _dec(a.median, 1),
                }
            )
        rows.append(row)
    return rows


EVENT_HEADER: Final = (
    "patient_id",
    "kon",
    "alder",
    "kommun_kod",
    "region_kod",
    "sjukhus",
    "kva_kod",
    "datum",
)
AGGREGATE_HEADER: Final = ("svf", "region_kod", "period", "antal", "antal_inom_maxledtid", "median_ledtid")
MAXLEDTID_HEADER: Final = ("svf", "vardforlopp", "behandlingstyp", "max_ledtid_dagar", "nationellt_mal")


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Demo inputs for ``svf-maxledtider``, ``svf-handelser`` and ``svf-ledtider``."""
    folder = out_dir / "svf"
    folder.mkdir(parents=True, exist_ok=True)
    paths = simulate_all(seed, volume_fraction(scale))
    maxled = _write_csv(folder / "svf_maxledtider.csv", MAXLEDTID_HEADER, maxledtider_rows())
    event_files = [
        _write_csv(
            folder / f"svf_handelser_norrbotten_{year}.csv",
            EVENT_HEADER,
            events(paths[(reference.NORRBOTTEN, year)], year, seed),
        )
        for year in EVENT_YEARS
    ]
    event_files.append(
        _write_csv(
            folder / f"svf_handelser_norrbotten_{PARTIAL_YEAR}_jan_jun.csv",
            EVENT_HEADER,
            partial_events(paths[(reference.NORRBOTTEN, max(EVENT_YEARS))], seed),
        )
    )
    agg = _write_csv(
        folder / "svf_ledtider_2016_2024.csv", AGGREGATE_HEADER, aggregate_rows(aggregates(paths))
    )
    return {"svf-maxledtider": [maxled], "svf-handelser": event_files, "svf-ledtider": [agg]}


def partial_events(paths: Pathways, seed: int) -> list[dict[str, str]]:
    """The latest, incomplete extract: the last full year's pathways replayed in ``PARTIAL_YEAR`` and cut
    at ``PARTIAL_UNTIL`` — starts from January to June, and only the events registered by then (a
    pathway started in June is still waiting for its treatment). The pipeline must not publish it."""
    rows = events(paths, PARTIAL_YEAR, seed)
    return [r for r in rows if date.fromisoformat(r["datum"]) <= PARTIAL_UNTIL]
