"""Deterministic demo data for Vården i siffror: the indicator catalog and results 2016–2024.

* ``vis-katalog``: one JSON file shaped like Kvalitetsindikatorkatalogen's measure records
  (``pageResults``), 26 indicators across nine NPOs (and three accessibility indicators without
  NPO), both directions and all five unit types, with sex and age sub-measures.
* ``vis-indikatorer``: the results for riket, all 21 regions and — for indicators reported per
  hospital — Region Norrbotten's hospitals, yearly 2016–2024 (three indicators also half-yearly).
  2018 is delivered in the older VIS CSV export, 2024's Riksstroke results as a separate upload file
  with the ``KEEP_EXISTING_DATA_FOR_REGISTER_HSAID`` instruction, every other year as one file in the
  VIS long (upload) format.

How a result is built (every choice is listed in ``ASSUMPTIONS.md``): each indicator has a
national level in 2016, a trend, optional year shocks, a between-region spread and sex and age
effects (logit scale for shares, log scale for values). Cases are drawn per region × hospital × sex
× age cell (Poisson denominators following each region's population, binomial numerators), and every
published row — riket, region, sex and age sub-measure, hospital — is a sum of cells, so riket is
the sum of the regions and the sub-measures add up to the main measure. Region Norrbotten's effect is
set to the median of the other regions (so it is neither best nor worst), or to published 2020 values
from the region's annual report where those exist. Cells with fewer than 10 cases are masked (MSK)
and a few regions did not report an indicator one year (NI); neither is ever filled in.
"""

from __future__ import annotations

import csv
import io
import json
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from pipelines import reference
from pipelines.demo.befolkning import region_total
from pipelines.demo.kommuner import KOMMUNER, NATIONAL_CODE
from pipelines.sources.vis import VIS_NAMES

FloatArray = npt.NDArray[np.float64]

YEARS: Final = range(2016, 2025)
EXPORT_YEAR: Final = 2018  # delivered in the older CSV export
STROKE_FILE_YEAR: Final = 2024  # Riksstroke delivers this year as its own upload file
MASK_BELOW: Final = 10  # cells with fewer cases are masked (MSK)
NI_SHARE: Final = 0.006  # share of region × indicator × year that did not report (NI)
Z95: Final = 1.959964
NAMESPACE: Final = uuid.UUID("6f1f3e2a-4b7c-5d8e-9f00-a1b2c3d4e5f6")

# Population 31 Dec 2020 per län (SCB, rounded as remembered; Norrbotten comes from the calibrated
# population generator instead). Other years follow riket's growth.
LAN_FOLKMANGD_2020: Final[dict[str, int]] = {
    "01": 2_415_139,
    "03": 388_394,
    "04": 299_101,
    "05": 467_095,
    "06": 365_010,
    "07": 202_163,
    "08": 245_446,
    "09": 60_106,
    "10": 159_606,
    "12": 1_387_650,
    "13": 336_132,
    "14": 1_744_859,
    "17": 282_885,
    "18": 305_726,
    "19": 278_967,
    "20": 287_966,
    "21": 287_767,
    "22": 245_572,
    "23": 131_115,
    "24": 274_563,
}
REGIONS: Final = tuple(reference.LAN)  # the 21 län in code order
NB: Final = REGIONS.index(reference.NORRBOTTEN)

REGISTERS: Final[dict[str, str]] = {  # register → invented register HSA-id
    "SWEDEHEART": "SE2321000131-REG0001",
    "Riksstroke": "SE2321000131-REG0002",
    "Nationellt kvalitetsregister för bröstcancer (NKBC)": "SE2321000131-REG0003",
    "Svenska kolorektalcancerregistret": "SE2321000131-REG0004",
    "Nationellt kvalitetsregister för psykossjukdomar (PsykosR)": "SE2321000131-REG0005",
    "Socialstyrelsen, patientregistret och dödsorsaksregistret": "SE2021005521-REG0006",
    "Rikshöft": "SE2321000131-REG0007",
    "Svenska ledprotesregistret": "SE2321000131-REG0008",
    "Nationella diabetesregistret (NDR)": "SE2321000131-REG0009",
    "Socialstyrelsen, läkemedelsregistret": "SE2021005521-REG0010",
    "Graviditetsregistret": "SE2321000131-REG0011",
    "Väntetider i vården (SKR)": "SE2120003387-REG0012",
}

# Norrbotten's hospitals as VIS units: invented HSA-ids of the region's (invented) shape.
HOSPITAL_HSAID: Final = {
    kod: f"SE2321000230-E00000000{n:04d}" for n, kod in enumerate(reference.NORRBOTTEN_SJUKHUS, 1)
}


@dataclass(frozen=True)
class Indicator:
    key: str
    title: str
    definition: str
    npo: str | None
    register: str
    unit: str  # Andel | Dagar | Median | Antal | Medelvärde
    sought: str  # Högt | Lågt
    level: float  # riket 2016: share (Andel) or value
    trend: float  # per year, logit (Andel) or log (values)
    per_1000: float  # cases per 1 000 inhabitants and year (Antal: not used)
    target: float | None = None
    measure_type: str = "Process"
    female_share: float = 0.5
    sex_effect: float | None = None  # K minus M (logit or log); None: no sex sub-measures
    ages: tuple[tuple[str, float, float], ...] = ()  # (age group, share of cases, effect)
    region_sd: float = 0.3
    halfyear: bool = False
    hospitals: tuple[tuple[str, float], ...] = ()  # Norrbotten hospital code, share of its cases
    individual_sd: float = 0.0  # Medelvärde: sd between patients; Median/Dagar: relative spread
    year_effects: dict[int, float] = field(default_factory=dict)
    anchors: dict[str, float] = field(default_factory=dict)  # Norrbotten 2020: {"alla"|"K"|"M": value}
    nb_incidence: float = 1.1  # Norrbotten's cases per inhabitant relative to riket (older population)
    measure_id: str | None = None  # fixed id (five digits); default: a UUID from the key
    version: int = 1

    @property
    def is_share(self) -> bool:
        return self.unit == "Andel"

    @property
    def has_sexes(self) -> bool:
        return self.sex_effect is not None

    def mid(self, sub: str = "") -> str:
        if not sub and self.measure_id:
            return self.measure_id
        return str(uuid.uuid5(NAMESPACE, f"vis-demo:{self.key}:{sub}"))


HK = "Hjärt- och kärlsjukdomar"
CA = "Cancersjukdomar"
PH = "Psykisk hälsa"
RO = "Rörelseorganens sjukdomar"
EN = "Endokrina sjukdomar"
AH = "Äldres hälsa"
INF = "Infektionssjukdomar"
KV = "Kvinnosjukdomar och förlossning"
PV_NPO = "Nationellt primärvårdsråd"
ALL_HOSPITALS = (("SUN", 0.55), ("PIT", 0.15), ("GAL", 0.13), ("KIR", 0.10), ("KAL", 0.07))
COVID_ACCESS = {2020: -0.45, 2021: -0.35, 2022: -0.15}

INDICATORS: Final[tuple[Indicator, ...]] = (
    Indicator(
        "hi_statin",
        "Statinbehandling efter hjärtinfarkt",
        "Andel patienter med hjärtinfarkt som har statinbehandling vid utskrivning.",
        HK,
        "SWEDEHEART",
        "Andel",
        "Högt",
        0.86,
        0.05,
        2.0,
        target=0.9,
        female_share=0.37,
        sex_effect=-0.25,
        hospitals=ALL_HOSPITALS,
        nb_incidence=1.3,
        version=3,
    ),
    Indicator(
        "hi_traning",
        "Fysisk träning efter hjärtinfarkt",
        "Andel patienter under 80 år med hjärtinfarkt som deltagit i träningsprogram 12–14 månader "
        "efter infarkten.",
        HK,
        "SWEDEHEART",
        "Andel",
        "Högt",
        0.14,
        0.04,
        1.0,
        female_share=0.3,
        sex_effect=-0.08,
        anchors={"K": 0.141, "M": 0.195},
        nb_incidence=1.3,
        version=2,
    ),
    Indicator(
        "hi_dod30",
        "Död inom 30 dagar efter hjärtinfarkt",
        "Andel patienter med akut hjärtinfarkt som avlidit inom 30 dagar.",
        HK,
        "Socialstyrelsen, patientregistret och dödsorsaksregistret",
        "Andel",
        "Lågt",
        0.11,
        -0.03,
        2.3,
        measure_type="Resultat",
        female_share=0.42,
        sex_effect=0.1,
        ages=(("0-79", 0.55, -0.9), ("80+", 0.45, 0.6)),
        region_sd=0.15,
        nb_incidence=1.3,
        measure_id="10417",
    ),
    Indicator(
        "stroke_reperfusion",
        "Reperfusionsbehandling vid ischemisk stroke",
        "Andel patienter med ischemisk stroke som fått trombolys och/eller trombektomi.",
        HK,
        "Riksstroke",
        "Andel",
        "Högt",
        0.15,
        0.03,
        2.1,
        target=0.2,
        female_share=0.47,
        sex_effect=-0.05,
        ages=(("18-79", 0.55, 0.25), ("80+", 0.45, -0.3)),
        hospitals=ALL_HOSPITALS,
        version=2,
    ),
    Indicator(
        "stroke_nojd",
        "Nöjd med rehabiliteringen efter stroke",
        "Andel patienter som ett år efter stroke är nöjda med rehabiliteringen.",
        HK,
        "Riksstroke",
        "Andel",
        "Högt",
        0.84,
        0.005,
        1.2,
        female_share=0.47,
        sex_effect=0.0,
        region_sd=0.2,
        halfyear=True,
        anchors={"alla": 0.85},
    ),
    Indicator(
        "brost_kontakt",
        "Namngiven kontaktsjuksköterska vid bröstcancer",
        "Andel patienter med bröstcancer som har en namngiven kontaktsjuksköterska.",
        CA,
        "Nationellt kvalitetsregister för bröstcancer (NKBC)",
        "Andel",
        "Högt",
        0.93,
        0.08,
        0.75,
        target=0.95,
        female_share=1.0,
        region_sd=0.6,
    ),
    Indicator(
        "kolorektal_5ar",
        "Relativ femårsöverlevnad vid tjocktarmscancer",
        "Andel patienter med tjocktarmscancer som lever fem år efter diagnos (relativ överlevnad).",
        CA,
        "Svenska kolorektalcancerregistret",
        "Andel",
        "Högt",
        0.64,
        0.02,
        0.45,
        measure_type="Resultat",
        female_share=0.5,
        sex_effect=0.05,
        ages=(("0-74", 0.55, 0.35), ("75+", 0.45, -0.4)),
        region_sd=0.15,
    ),
    Indicator(
        "brost_vantetid",
        "Väntetid från välgrundad misstanke till operation vid bröstcancer",
        "Median antal dagar från välgrundad misstanke till operation för patienter med bröstcancer.",
        CA,
        "Nationellt kvalitetsregister för bröstcancer (NKBC)",
        "Median",
        "Lågt",
        27.0,
        0.02,
        0.6,
        female_share=1.0,
        region_sd=0.15,
        individual_sd=0.5,
    ),
    Indicator(
        "schiz_antipsykotika",
        "Antipsykotisk läkemedelsbehandling vid schizofreni",
        "Andel patienter med schizofreni eller schizofreniliknande tillstånd som har antipsykotisk "
        "behandling.",
        PH,
        "Nationellt kvalitetsregister för psykossjukdomar (PsykosR)",
        "Andel",
        "Högt",
        0.82,
        0.01,
        1.2,
        target=0.85,
        female_share=0.4,
        sex_effect=0.05,
    ),
    Indicator(
        "schiz_levnadsvanor",
        "Levnadsvanor efterfrågade vid schizofreni",
        "Andel patienter med schizofreni m.m. där levnadsvanor (tobak, alkohol, fysisk aktivitet, kost) "
        "efterfrågats.",
        PH,
        "Nationellt kvalitetsregister för psykossjukdomar (PsykosR)",
        "Andel",
        "Högt",
        0.55,
        0.02,
        1.2,
        target=0.65,
        female_share=0.4,
        sex_effect=0.0,
        anchors={"K": 0.54, "M": 0.54},
    ),
    Indicator(
        "psyk_sjalvmord",
        "Självmord inom ett år efter vård i psykiatrisk slutenvård",
        "Andel patienter som avlidit i självmord inom ett år efter utskrivning från psykiatrisk slutenvård.",
        PH,
        "Socialstyrelsen, patientregistret och dödsorsaksregistret",
        "Andel",
        "Lågt",
        0.009,
        -0.01,
        8.0,
        measure_type="Resultat",
        female_share=0.5,
        sex_effect=-0.5,
        region_sd=0.3,
        measure_id="10522",
    ),
    Indicator(
        "hoftfraktur_24h",
        "Operation inom 24 timmar efter höftfraktur",
        "Andel patienter med höftfraktur som opererats inom 24 timmar från ankomst.",
        RO,
        "Rikshöft",
        "Andel",
        "Högt",
        0.72,
        0.02,
        1.4,
        target=0.8,
        female_share=0.66,
        sex_effect=0.0,
        ages=(("0-79", 0.4, 0.1), ("80+", 0.6, -0.1)),
        hospitals=(("SUN", 0.7), ("GAL", 0.3)),
    ),
    Indicator(
        "hoftprotes_omop",
        "Omoperation inom två år efter höftprotesoperation",
        "Andel patienter som omopererats inom två år efter primär total höftprotesoperation.",
        RO,
        "Svenska ledprotesregistret",
        "Andel",
        "Lågt",
        0.03,
        -0.02,
        1.8,
        measure_type="Resultat",
        female_share=0.58,
        sex_effect=-0.2,
        hospitals=(("PIT", 0.6), ("SUN", 0.2), ("GAL", 0.2)),
    ),
    Indicator(
        "hoftprotes_smarta",
        "Smärta ett år efter höftprotesoperation",
        "Medelvärde för patientrapporterad smärta (VAS 0–100) ett år efter höftprotesoperation.",
        RO,
        "Svenska ledprotesregistret",
        "Medelvärde",
        "Lågt",
        13.0,
        -0.01,
        1.4,
        measure_type="Resultat",
        female_share=0.58,
        sex_effect=0.08,
        region_sd=0.12,
        individual_sd=18.0,
        hospitals=(("PIT", 0.6), ("SUN", 0.2), ("GAL", 0.2)),
    ),
    Indicator(
        "diabetes_hba1c70",
        "HbA1c över 70 mmol/mol vid diabetes typ 2",
        "Andel patienter med diabetes typ 2 vars senaste HbA1c överstiger 70 mmol/mol.",
        EN,
        "Nationella diabetesregistret (NDR)",
        "Andel",
        "Lågt",
        0.17,
        0.01,
        35.0,
        target=0.1,
        measure_type="Resultat",
        female_share=0.42,
        sex_effect=-0.15,
        ages=(("18-64", 0.35, 0.5), ("65+", 0.65, -0.3)),
        region_sd=0.15,
        version=2,
    ),
    Indicator(
        "diabetes_hba1c_t1",
        "HbA1c vid diabetes typ 1",
        "Medelvärde av senaste HbA1c (mmol/mol) för patienter med diabetes typ 1.",
        EN,
        "Nationella diabetesregistret (NDR)",
        "Medelvärde",
        "Lågt",
        62.0,
        -0.006,
        4.5,
        measure_type="Resultat",
        female_share=0.45,
        sex_effect=0.0,
        region_sd=0.04,
        individual_sd=12.0,
    ),
    Indicator(
        "diabetes_fot",
        "Fotundersökning vid diabetes",
        "Andel patienter med diabetes som fått en fotundersökning det senaste året.",
        EN,
        "Nationella diabetesregistret (NDR)",
        "Andel",
        "Högt",
        0.78,
        0.01,
        38.0,
        target=0.9,
        female_share=0.42,
        sex_effect=0.05,
        region_sd=0.25,
    ),
    Indicator(
        "aterinskrivning_65",
        "Oplanerade återinskrivningar inom 30 dagar, 65 år och äldre",
        "Andel vårdtillfällen för personer 65 år och äldre som följs av en oplanerad återinskrivning "
        "inom 30 dagar.",
        AH,
        "Socialstyrelsen, patientregistret och dödsorsaksregistret",
        "Andel",
        "Lågt",
        0.185,
        -0.01,
        60.0,
        measure_type="Resultat",
        female_share=0.5,
        sex_effect=-0.05,
        ages=(("65-79", 0.5, -0.15), ("80+", 0.5, 0.15)),
        region_sd=0.08,
        halfyear=True,
        hospitals=(("SUN", 0.5), ("PIT", 0.15), ("GAL", 0.15), ("KIR", 0.1), ("KAL", 0.1)),
        anchors={"K": 0.172, "M": 0.177},
        nb_incidence=1.15,
    ),
    Indicator(
        "lakemedelsgenomgang",
        "Läkemedelsgenomgång, 75 år och äldre med minst fem läkemedel",
        "Andel personer 75 år och äldre med minst fem läkemedel som fått en läkemedelsgenomgång i "
        "primärvården.",
        AH,
        "Socialstyrelsen, läkemedelsregistret",
        "Andel",
        "Högt",
        0.34,
        0.015,
        20.0,
        target=0.5,
        female_share=0.58,
        sex_effect=0.0,
        region_sd=0.35,
        anchors={"alla": 0.32},
    ),
    Indicator(
        "olampliga_lakemedel",
        "Olämpliga läkemedel, 75 år och äldre",
        "Andel personer 75 år och äldre som har minst ett av de läkemedel som bör undvikas hos äldre.",
        AH,
        "Socialstyrelsen, läkemedelsregistret",
        "Andel",
        "Lågt",
        0.075,
        -0.04,
        95.0,
        female_share=0.58,
        sex_effect=0.2,
        ages=(("75-84", 0.65, -0.1), ("85+", 0.35, 0.15)),
        region_sd=0.12,
    ),
    Indicator(
        "antibiotika",
        "Antibiotikarecept per 1 000 invånare",
        "Antal uthämtade antibiotikarecept per 1 000 invånare och år (öppenvård).",
        INF,
        "Socialstyrelsen, läkemedelsregistret",
        "Antal",
        "Lågt",
        320.0,
        -0.04,
        0.0,
        target=250.0,
        female_share=0.5,
        sex_effect=0.25,
        region_sd=0.08,
        year_effects={2020: -0.12, 2021: -0.15},
        anchors={"alla": 234.0},
    ),
    Indicator(
        "bristning",
        "Bristning grad 3–4 vid vaginal förlossning, förstföderskor",
        "Andel förstföderskor med vaginal förlossning som fått en bristning av grad 3 eller 4.",
        KV,
        "Graviditetsregistret",
        "Andel",
        "Lågt",
        0.055,
        -0.03,
        5.0,
        measure_type="Resultat",
        female_share=1.0,
        region_sd=0.2,
        hospitals=(("SUN", 0.75), ("GAL", 0.25)),
    ),
    Indicator(
        "hypertoni_levnadsvanor",
        "Levnadsvanor efterfrågade vid högt blodtryck",
        "Andel patienter med högt blodtryck i primärvården där levnadsvanorna efterfrågats.",
        PV_NPO,
        "Socialstyrelsen, patientregistret och dödsorsaksregistret",
        "Andel",
        "Högt",
        0.58,
        0.03,
        60.0,
        target=0.7,
        female_share=0.52,
        sex_effect=-0.05,
        region_sd=0.35,
    ),
    Indicator(
        "medbed_3dagar",
        "Medicinsk bedömning i primärvården inom tre dagar",
        "Andel kontakter i primärvården där patienten fått en medicinsk bedömning inom tre dagar.",
        None,
        "Väntetider i vården (SKR)",
        "Andel",
        "Högt",
        0.84,
        0.01,
        600.0,
        target=1.0,
        region_sd=0.5,
        halfyear=True,
        anchors={"alla": 0.93},
    ),
    Indicator(
        "vantande_90",
        "Väntande inom 90 dagar på första besök i specialiserad vård",
        "Andel av de väntande till ett första besök i specialiserad vård som väntat högst 90 dagar.",
        None,
        "Väntetider i vården (SKR)",
        "Andel",
        "Högt",
        0.78,
        -0.03,
        12.0,
        target=1.0,
        sex_effect=0.0,
        region_sd=0.45,
        year_effects=COVID_ACCESS,
        anchors={"alla": 0.52},
    ),
    Indicator(
        "vantetid_besok",
        "Väntetid till första besök i specialiserad vård",
        "Median antal dagar från remiss till genomfört första besök i specialiserad vård.",
        None,
        "Väntetider i vården (SKR)",
        "Dagar",
        "Lågt",
        34.0,
        0.03,
        120.0,
        region_sd=0.2,
        individual_sd=0.8,
        year_effects={2020: 0.15, 2021: 0.2},
    ),
)


# ---------------------------------------------------------------------------------------------
# Population
# ---------------------------------------------------------------------------------------------


def population(year: int) -> dict[str, float]:
    """Inhabitants per län in ``year``: Norrbotten calibrated (sum of its kommuner), others from 2020."""
    growth = region_total(NATIONAL_CODE, year) / region_total(NATIONAL_CODE, 2020)
    out = {kod: n * growth for kod, n in LAN_FOLKMANGD_2020.items()}
    out[reference.NORRBOTTEN] = float(sum(region_total(k, year) for k in KOMMUNER))
    return out


# ---------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _expit(x: FloatArray) -> FloatArray:
    return np.asarray(1 / (1 + np.exp(-x)), dtype=np.float64)


@dataclass
class Cells:
    """One indicator × period: cases per region × site × sex (K, M) × age group."""

    n: FloatArray  # denominator (Andel) or measure population (values)
    x: FloatArray  # numerator (Andel) or the cell's value (values)


def _age_groups(ind: Indicator) -> tuple[tuple[str, float, float], ...]:
    return ind.ages or (("alla", 1.0, 0.0),)


def _sites(ind: Indicator) -> tuple[tuple[str, float], ...]:
    return ind.hospitals or (("", 1.0),)


def _scale(ind: Indicator, value: float) -> float:
    return _logit(value) if ind.is_share else math.log(value)


class Simulator:
    def __init__(self, ind: Indicator, index: int, seed: int):
        self.ind = ind
        self.rng = np.random.default_rng([seed, 7_000 + index])
        self.ages = _age_groups(ind)
        self.sites = _sites(ind)
        others = self.rng.normal(0.0, ind.region_sd, len(REGIONS) - 1)
        # Norrbotten in the middle of the other regions: exactly their median.
        effects = np.insert(others, NB, float(np.median(others)))
        self.region_effect = effects
        self.site_effect = self.rng.normal(0.0, 0.15, len(self.sites))
        self.site_effect -= float(np.dot([s for _, s in self.sites], self.site_effect))
        d = ind.sex_effect or 0.0
        self.sex_effect = np.array([d / 2, -d / 2])  # K, M
        self.sex_share = np.array([ind.female_share, 1 - ind.female_share])
        self.age_share = np.array([a[1] for a in self.ages])
        self.age_effect = np.array([a[2] for a in self.ages])
        self.nb_sex_adjust = self._anchor_adjust()

    def _linear(self, year: int) -> float:
        ind = self.ind
        return _scale(ind, ind.level) + ind.trend * (year - 2016) + ind.year_effects.get(year, 0.0)

    def _anchor_adjust(self) -> FloatArray:
        """Norrbotten's extra effect per sex so that its expected 2020 values meet the anchors."""
        ind = self.ind
        adjust = np.zeros(2)
        if not ind.anchors:
            return adjust
        base = self._linear(2020) + self.region_effect[NB]
        age_mean = float(np.dot(self.age_share, self.age_effect))
        for s, sex in enumerate(("K", "M")):
            target = ind.anchors.get(sex, ind.anchors.get("alla"))
            if target is None:
                continue
            adjust[s] = _scale(ind, target) - (base + self.sex_effect[s] + age_mean)
        if "alla" in ind.anchors:  # one shift for both sexes: keep the national sex difference
            adjust[:] = float(np.dot(self.sex_share, adjust))
        return adjust

    def cells(self, year: int, pop: dict[str, float], fraction: float = 1.0, shift: float = 0.0) -> Cells:
        """Draw the cells of one period (``fraction`` of a year's cases)."""
        ind = self.ind
        shape = (len(REGIONS), len(self.sites), 2, len(self.ages))
        lin = np.full(shape, self._linear(year) + shift)
        lin += self.region_effect[:, None, None, None]
        lin += self.sex_effect[None, None, :, None]
        lin += self.age_effect[None, None, None, :]
        lin[NB] += self.site_effect[:, None, None] + self.nb_sex_adjust[None, :, None]
        site_share = np.zeros((len(REGIONS), len(self.sites)))
        site_share[:, 0] = 1.0
        site_share[NB] = [s for _, s in self.sites]
        people = np.array([pop[r] for r in REGIONS])
        weights = site_share[:, :, None, None] * self.sex_share[None, None, :, None]
        weights = weights * self.age_share[None, None, None, :]
        if ind.unit == "Antal":  # a rate per 1 000 inhabitants: n is the population
            n = np.rint(people[:, None, None, None] * weights * fraction)
            rate = np.exp(lin) * np.exp(self.rng.normal(0, 0.01, shape))
            return Cells(n, rate)
        incidence = np.ones(len(REGIONS))
        incidence[NB] = ind.nb_incidence
        expected = people[:, None, None, None] * ind.per_1000 / 1000 * incidence[:, None, None, None]
        n = self.rng.poisson(expected * weights * fraction).astype(np.float64)
        if ind.is_share:
            x = self.rng.binomial(n.astype(np.int64), _expit(lin)).astype(np.float64)
            return Cells(n, x)
        value = np.exp(lin)
        if ind.unit == "Medelvärde":
            noise = self.rng.normal(0, 1, shape) * ind.individual_sd / np.sqrt(np.maximum(n, 1))
            return Cells(n, value + noise)
        noise = np.exp(self.rng.normal(0, 1, shape) * ind.individual_sd / np.sqrt(np.maximum(n, 1)))
        return Cells(n, value * noise)

    def periods(self, year: int, pop: dict[str, float]) -> list[tuple[date, date, Cells]]:
        """The year (and, for half-yearly indicators, its halves, which sum to the year)."""
        if not self.ind.halfyear:
            return [(date(year, 1, 1), date(year, 12, 31), self.cells(year, pop))]
        first = self.cells(year, pop, 0.5, shift=0.02)
        second = self.cells(year, pop, 0.5, shift=-0.02)
        n = first.n + second.n
        if self.ind.is_share:
            whole = Cells(n, first.x + second.x)
        else:
            whole = Cells(n, (first.x * first.n + second.x * second.n) / np.maximum(n, 1))
        return [
            (date(year, 1, 1), date(year, 12, 31), whole),
            (date(year, 1, 1), date(year, 6, 30), first),
            (date(year, 7, 1), date(year, 12, 31), second),
        ]


# ---------------------------------------------------------------------------------------------
# Results as rows
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    indicator: Indicator
    measure_id: str
    sex: str  # alla | K | M (for the export's Kön/Totalt)
    age: str  # alla or an age group
    start: date
    end: date
    region: str | None  # None: riket
    hospital: str | None  # Norrbotten hospital code
    n: float
    x: float  # numerator or value
    sd: float | None
    reason: str | None


def _summarise(ind: Indicator, n: FloatArray, x: FloatArray) -> tuple[float, float]:
    total = float(n.sum())
    if ind.is_share:
        return total, float(x.sum())
    if total == 0:
        return 0.0, float("nan")
    return total, float((n * x).sum() / total)


def results(ind: Indicator, index: int, seed: int) -> list[Result]:
    sim = Simulator(ind, index, seed)
    rng = np.random.default_rng([seed, 8_000 + index])
    out: list[Result] = []
    measures: list[tuple[str, str, str, Any]] = [(ind.mid(), "alla", "alla", np.s_[:, :, :, :])]
    if ind.has_sexes:
        measures += [
            (ind.mid("K"), "K", "alla", np.s_[:, :, 0:1, :]),
            (ind.mid("M"), "M", "alla", np.s_[:, :, 1:2, :]),
        ]
    for a, (code, _, _) in enumerate(sim.ages if ind.ages else ()):
        measures.append((ind.mid(code), "alla", code, np.s_[:, :, :, a : a + 1]))
    for year in YEARS:
        pop = population(year)
        not_reported = {r for r in range(len(REGIONS)) if r != NB and rng.random() < NI_SHARE}
        for start, end, cells in sim.periods(year, pop):
            for mid, sex, age, part in measures:
                n, x = cells.n[part], cells.x[part]
                total_n, value = _summarise(ind, n, x)
                out.append(_result(ind, mid, sex, age, start, end, None, None, total_n, value))
                for r, region in enumerate(REGIONS):
                    rn, rv = _summarise(ind, n[r], x[r])
                    reason = "NI" if r in not_reported else None
                    out.append(_result(ind, mid, sex, age, start, end, region, None, rn, rv, reason))
                if mid == ind.mid() and ind.hospitals:
                    for h, (code, _) in enumerate(sim.sites):
                        hn, hv = _summarise(ind, n[NB, h], x[NB, h])
                        out.append(
                            _result(ind, mid, sex, age, start, end, reference.NORRBOTTEN, code, hn, hv)
                        )
    return out


def _result(
    ind: Indicator,
    mid: str,
    sex: str,
    age: str,
    start: date,
    end: date,
    region: str | None,
    hospital: str | None,
    n: float,
    x: float,
    reason: str | None = None,
) -> Result:
    if reason is None and ind.unit != "Antal" and n < MASK_BELOW:
        reason = "MSK"
    sd = None
    if ind.unit == "Medelvärde":
        sd = ind.individual_sd * (1 + 0.05 * math.sin(n))  # deterministic wobble around the true sd
    return Result(ind, mid, sex, age, start, end, region, hospital, n, x, sd, reason)


# ---------------------------------------------------------------------------------------------
# Writing the files
# ---------------------------------------------------------------------------------------------


def _dec(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _wilson(x: float, n: float) -> tuple[float, float]:
    p = x / n
    denominator = 1 + Z95**2 / n
    centre = (p + Z95**2 / (2 * n)) / denominator
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def upload_row(res: Result) -> dict[str, str]:
    """One result as a row of the VIS upload format."""
    ind = res.indicator
    row = dict.fromkeys(VIS_NAMES, "")
    row["MeasureID"] = res.measure_id
    row["PeriodReportedStartDate"] = res.start.isoformat()
    row["PeriodReportedEndDate"] = res.end.isoformat()
    row["CountryName"] = "Riket"
    row["Version"] = str(ind.version)
    row["RegisterNamn"] = ind.register
    row["RegisterHSAID"] = REGISTERS[ind.register]
    if res.region is not None:
        row["RegionOrganisationId"] = res.region
        row["RegionName"] = reference.REGION_KORTNAMN[res.region]
    if res.hospital is not None:
        row["HospitalName"] = reference.NORRBOTTEN_SJUKHUS[res.hospital].namn
        row["HospitalHSAID"] = HOSPITAL_HSAID[res.hospital]
    if res.reason is not None:
        row["ReasonCode"] = res.reason
        return row
    if ind.is_share:
        rate = round(res.x / res.n, 4)
        lower, upper = _wilson(res.x, res.n)
        row["Numerator"] = str(int(res.x))
        row["Denominator"] = str(int(res.n))
        row["Rate"] = _dec(rate, 4)
        row["ConfidenceIntervalLower"] = _dec(min(round(lower, 4), rate), 4)
        row["ConfidenceIntervalHigher"] = _dec(max(round(upper, 4), rate), 4)
        return row
    row["Measurepopulation"] = str(int(res.n))
    if ind.unit == "Medelvärde":
        assert res.sd is not None
        mean = round(res.x, 2)
        half = Z95 * res.sd / math.sqrt(res.n)
        row["Value"] = _dec(mean, 2)
        row["Standarddeviation"] = _dec(res.sd, 2)
        row["ConfidenceIntervalLower"] = _dec(round(mean - half, 2), 2)
        row["ConfidenceIntervalHigher"] = _dec(round(mean + half, 2), 2)
    else:
        row["Value"] = _dec(res.x, 1)
    return row


EXPORT_HEADER: Final = (
    "Titel",
    "Diagramrubrik",
    "Område",
    "Register/källa",
    "Måttenhet",
    "Kön/Totalt",
    "Enhetsnamn",
    "Mätperiod",
    "Värde",
    "Täljare",
    "Nämnare/antal fall",
)
_EXPORT_SEX: Final = {"alla": "Totalt", "K": "Kvinnor", "M": "Män"}


def export_row(res: Result) -> dict[str, str]:
    """One result as a row of the older VIS CSV export (no age sub-measures, no CI)."""
    ind = res.indicator
    if res.region is None:
        unit = "Riket"
    elif res.hospital is not None:
        unit = reference.NORRBOTTEN_SJUKHUS[res.hospital].namn
    else:
        unit = reference.REGION_KORTNAMN[res.region]
    if res.start.month == 1 and res.end.month == 12:
        period = str(res.start.year)
    else:
        period = f"{res.start.year} halvår {1 if res.start.month == 1 else 2}"
    row = {
        "Titel": ind.title,
        "Diagramrubrik": ind.title,
        "Område": ind.npo or "Tillgänglighet",
        "Register/källa": ind.register,
        "Måttenhet": "Procent" if ind.is_share else ind.unit,
        "Kön/Totalt": _EXPORT_SEX[res.sex],
        "Enhetsnamn": unit,
        "Mätperiod": period,
        "Värde": res.reason or "",
        "Täljare": "-",
        "Nämnare/antal fall": "-",
    }
    if res.reason is not None:
        return row
    if ind.is_share:
        row["Värde"] = _dec(round(100 * res.x / res.n, 1), 1)
        row["Täljare"] = str(int(res.x))
        row["Nämnare/antal fall"] = str(int(res.n))
    else:
        row["Värde"] = _dec(res.x, 1)
        row["Nämnare/antal fall"] = str(int(res.n))
    return row


def _write_csv(
    path: Path, header: Sequence[str], rows: Iterable[dict[str, str]], first: str | None = None
) -> Path:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(header), delimiter=";", lineterminator="\n")
    writer.writeheader()
    if first is not None:
        writer.writerow({header[0]: first})
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def catalog(indicators: Sequence[Indicator] = INDICATORS) -> dict[str, Any]:
    """The catalog as Kvalitetsindikatorkatalogen-style JSON (``pageResults``)."""
    valid_from = int(datetime(2016, 1, 1).timestamp() * 1000)
    measures = []
    for ind in indicators:
        subs: list[dict[str, Any]] = []
        if ind.has_sexes:
            subs += [
                {"id": ind.mid("K"), "gender": {"codeValue": "2", "displayName": "Kvinna"}, "age": None},
                {"id": ind.mid("M"), "gender": {"codeValue": "1", "displayName": "Man"}, "age": None},
            ]
        for code, _, _ in ind.ages:
            label = f"{code.rstrip('+')} år och äldre" if code.endswith("+") else f"{code} år"
            subs.append(
                {"id": ind.mid(code), "gender": None, "age": {"codeValue": code, "displayName": label}}
            )
        levels = [{"name": "Riksnivå"}, {"name": "Länsnivå"}] + (
            [{"name": "Vårdenhet"}] if ind.hospitals else []
        )
        frequencies = [{"name": "År"}] + ([{"name": "Halvår"}] if ind.halfyear else [])
        measures.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"version:{ind.key}:{ind.version}")),
                "mId": ind.mid(),
                "status": "PUBLISHED",
                "title": ind.title,
                "measureDefinition": ind.definition,
                "measurementSourceName": ind.register,
                "measureOwner": {"name": ind.register},
                "soughtValue": ind.sought,
                "unitType": ind.unit,
                "measureType": ind.measure_type,
                "measuringFrequencies": frequencies,
                "organizationalLevels": levels,
                "validFrom": valid_from,
                "versionNr": ind.version,
                "npo": ind.npo,
                "targetValue": ind.target,
                "submeasures": subs,
            }
        )
    return {"totalNumberOfResults": len(measures), "pageResults": measures}


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Demo inputs for ``vis-katalog`` and ``vis-indikatorer`` (aggregated data: scale does not apply)."""
    folder = out_dir / "vis"
    folder.mkdir(parents=True, exist_ok=True)
    katalog = folder / "vis_indikatorkatalog.json"
    katalog.write_text(json.dumps(catalog(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    by_year: dict[int, list[Result]] = {year: [] for year in YEARS}
    for index, ind in enumerate(INDICATORS):
        for res in results(ind, index, seed):
            by_year[res.start.year].append(res)

    files: list[Path] = []
    for year, rows in by_year.items():
        if year == EXPORT_YEAR:
            exported = (export_row(r) for r in rows if r.age == "alla")
            files.append(_write_csv(folder / f"vis_export_{year}.csv", EXPORT_HEADER, exported))
            continue
        if year == STROKE_FILE_YEAR:
            stroke = [r for r in rows if r.indicator.register == "Riksstroke"]
            rows = [r for r in rows if r.indicator.register != "Riksstroke"]
            instruction = f"KEEP_EXISTING_DATA_FOR_REGISTER_HSAID:{REGISTERS['Riksstroke']}"
            path = folder / f"vis_riksstroke_{year}.csv"
            files.append(_write_csv(path, VIS_NAMES, (upload_row(r) for r in stroke), first=instruction))
        files.append(
            _write_csv(folder / f"vis_resultat_{year}.csv", VIS_NAMES, (upload_row(r) for r in rows))
        )
    return {"vis-katalog": [katalog], "vis-indikatorer": files}
