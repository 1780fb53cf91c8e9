"""Demo files for SCB's CKM population tables (from reference year 2025).

* :func:`write_befolkning_ckm` — ``BefolkningCKM`` (31 December 2025) as a json-stat2 response in the
  table's own codes: Civilstand ``SC``, ages ``TotSA``, ``0``..``99``, ``100+1``, ``TOT1``, the
  five-year bands ``-4`` … ``95-99``, ``100+5`` and ``TOT5``, kön ``TotSa``/``1``/``2``, content
  ``000007ME``. Ingested with ``scb-befolkning`` (after TAB638's 2015–2024).
* :func:`write_befolk_manad_ckm` — ``BefolkManadCKM`` (end of each month 2025M01–2025M12), content
  ``000007SF``; ``generate_files`` hands it to ``scb-befolkning-manad``.

The single ages of 2025 are the calibrated population of :func:`pipelines.demo.befolkning.generate_population`
(whose 2025 age groups are SCB's published, already CKM-perturbed, figures); they are written as
published cells. Every other cell SCB publishes separately — totals, bands, kön total, and every
monthly cell — gets its own small CKM perturbation (a uniform integer −2…2, for values above 0), so
parts do not add up to totals, as in the real tables. The county's and riket's grand totals are SCB's
published 2025 totals. Assumptions: ``ASSUMPTIONS.md``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from pipelines.demo._scb_pxweb import Dim, write_jsonstat2
from pipelines.demo.befolkning import N_AGES, generate_population
from pipelines.demo.kommuner import REGIONS, region_label

CKM_YEAR: Final = 2025
CKM_NOISE: Final = 2  # ± persons per published cell (uniform integer), values above 0 only
# SCB's published totals on 31 December 2025 (reference CSV, "totalt"): 16 below the group sums.
PUBLISHED_TOTALS_2025: Final = {"00": 10_605_529, "25": 248_927}
UPDATED_YEAR: Final = "2026-02-20T07:00:00Z"
UPDATED_MONTH: Final = "2026-01-15T07:00:00Z"

_BANDS: Final = [
    ("-4", 0, 5),
    *((f"{lo}-{lo + 4}", lo, lo + 5) for lo in range(5, 100, 5)),
    ("100+5", 100, 101),
]
_KON: Final = {"TotSa": "totalt, samtliga män och kvinnor", "1": "män", "2": "kvinnor"}

IntArray = npt.NDArray[np.int64]


def _alder_categories() -> dict[str, str]:
    ages = {"TotSA": "totalt ålder", **{str(a): f"{a} år" for a in range(100)}}
    ages.update({"100+1": "100+ år", "TOT1": "totalt, ettårsklasser"})
    ages.update({code: "100+ år" if code == "100+5" else f"{lo}-{hi - 1} år" for code, lo, hi in _BANDS})
    ages["TOT5"] = "totalt, femårsklasser"
    return ages


def _population(seed: int, year: int) -> dict[str, IntArray]:
    """Region → array [sex (men, women), age 0..100] for 31 December ``year``."""
    df = generate_population(seed=seed, years=range(year, year + 1))
    out: dict[str, IntArray] = {}
    for code in REGIONS:
        part = df.filter(df["region_kod"] == code).sort(["kon", "alder"])
        out[code] = part["folkmangd"].to_numpy().astype(np.int64).reshape(2, N_AGES)
    return out


def _stable_noise(seed: int, table: int, key: tuple[object, ...]) -> int:
    """A uniform integer in −CKM_NOISE…CKM_NOISE fixed by the cell (Python's str hash is salted)."""
    text = "|".join(map(str, (seed, table, *key)))
    digest = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")
    return digest % (2 * CKM_NOISE + 1) - CKM_NOISE


def _perturb(seed: int, table: int, value: int, *key: object) -> int:
    return value if value <= 0 else max(0, value + _stable_noise(seed, table, key))


def _cell_value(
    people: IntArray, region: str, alder: str, kon: str, seed: int, table: int, when: str, grand: int | None
) -> int:
    """One published cell: single ages as generated; every aggregate perturbed on its own."""
    sexes = [0, 1] if kon == "TotSa" else [int(kon) - 1]
    if alder in ("TotSA", "TOT1", "TOT5"):
        exact = int(people[sexes].sum())
        if grand is not None and alder == "TotSA":
            if kon == "TotSa":
                return grand
            # split the published total's gap to the parts between the sexes, then perturb
            share = people[sexes].sum() / people.sum()
            return _perturb(
                seed, table, exact + round((grand - int(people.sum())) * share), region, alder, kon, when
            )
        return _perturb(seed, table, exact, region, alder, kon, when)
    if alder == "100+1" or alder == "100+":
        age_lo, age_hi = 100, 101
    elif alder.isdigit():
        age_lo, age_hi = int(alder), int(alder) + 1
    else:
        _, age_lo, age_hi = next(b for b in _BANDS if b[0] == alder)
    exact = int(people[sexes, age_lo:age_hi].sum())
    single = age_hi - age_lo == 1 and alder != "100+5"
    if single and kon != "TotSa" and table == 1:
        return exact  # BefolkningCKM's single ages: the calibrated (already perturbed) figures
    return _perturb(seed, table, exact, region, alder, kon, when)


def write_befolkning_ckm(path: Path, seed: int) -> Path:
    """BefolkningCKM for 31 December 2025: riket, the county and its kommuner."""
    people = _population(seed, CKM_YEAR)
    dims = [
        Dim("Region", "region", {code: region_label(code) for code in REGIONS}),
        Dim("Civilstand", "civilstånd", {"SC": "totalt, samtliga civilstånd"}, elimination=False),
        Dim("Alder", "ålder", _alder_categories()),
        Dim("Kon", "kön", _KON),
        Dim("ContentsCode", "tabellinnehåll", {"000007ME": "Folkmängd"}),
        Dim("Tid", "år", {str(CKM_YEAR): str(CKM_YEAR)}),
    ]

    def value(cell: tuple[str, ...]) -> int:
        region, _, alder, kon, _, year = cell
        grand = PUBLISHED_TOTALS_2025.get(region)
        return _cell_value(people[region], region, alder, kon, seed, 1, year, grand)

    return write_jsonstat2(
        path,
        dims,
        value,
        label="Folkmängden efter region, civilstånd, ålder, kön, tabellinnehåll och år",
        updated=UPDATED_YEAR,
        tableid="TAB5557",
        infofile="BE0101",
    )


def monthly_population(seed: int) -> dict[str, list[IntArray]]:
    """Region → 12 arrays [sex, age] for the end of 2025M01..M12: linear between 31 Dec 2024 and 2025."""
    before, after = _population(seed, CKM_YEAR - 1), _population(seed, CKM_YEAR)
    return {
        code: [
            np.rint(before[code] + (after[code] - before[code]) * m / 12).astype(np.int64)
            for m in range(1, 13)
        ]
        for code in REGIONS
    }


def write_befolk_manad_ckm(path: Path, seed: int) -> Path:
    """BefolkManadCKM, end of each month in 2025, every cell perturbed."""
    months = monthly_population(seed)
    ages = {"TotSA": "totalt ålder", **{str(a): f"{a} år" for a in range(100)}, "100+": "100+ år"}
    ages.update(
        {code: label for code, label in _alder_categories().items() if code in ("-4", "5-9", "100+5")}
    )
    tid = {f"{CKM_YEAR}M{m:02d}": f"{CKM_YEAR}M{m:02d}" for m in range(1, 13)}
    dims = [
        Dim("Region", "region", {code: region_label(code) for code in REGIONS}),
        Dim("Alder", "ålder", ages),
        Dim("Kon", "kön", _KON),
        Dim("ContentsCode", "tabellinnehåll", {"000007SF": "Folkmängden per månad"}),
        Dim("Tid", "månad", tid),
    ]

    def value(cell: tuple[str, ...]) -> int:
        region, alder, kon, _, month = cell
        people = months[region][int(month[-2:]) - 1]
        return _cell_value(people, region, alder, kon, seed, 2, month, None)

    return write_jsonstat2(
        path,
        dims,
        value,
        label="Folkmängden per månad efter region, ålder, kön, tabellinnehåll och månad",
        updated=UPDATED_MONTH,
        tableid="BefolkManadCKM",
        infofile="BE0101",
    )


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Demo input for ``scb-befolkning-manad`` (BefolkningCKM goes with ``scb-befolkning``)."""
    return {"scb-befolkning-manad": [write_befolk_manad_ckm(out_dir / "scb_befolkmanadckm_2025.json", seed)]}
