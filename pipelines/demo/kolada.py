"""Demo Kolada API v3 responses: regional cost key figures, riket and all 21 regions, 2016–2024.

Three KPIs in kronor per invånare (ids third-party, see ``ASSUMPTIONS.md``):

* ``N70061`` Nettokostnad hälso- och sjukvård totalt (inkl. läkemedel): riket rises to 32 353 kr in
  2024 (Vården i siffror's 2024 figure); each region keeps a level relative to riket. Norrbotten lies
  about 9 % above riket — "högre kostnadsnivå i hälso- och sjukvård jämfört med rikets snitt" — with
  the gap narrowing in 2019 ("skillnaden i kostnadsnivå jämfört med riket minskade"); Gotland,
  Jämtland and Västerbotten lie higher, Halland lowest, so Norrbotten is neither highest nor lowest.
* ``N70038`` Referenskostnad hälso- och sjukvård: riket equal to its net cost; regions by a need
  index (Norrbotten 1,035: older and sparsely populated), so Norrbotten's cost is ≈ 5 % above its
  reference.
* ``N70059`` Nettokostnad läkemedel: Norrbotten's excess over riket follows the plan's styrmått
  (347 kr in 2017, under the 350 kr goal in 2020, falling towards the 270 kr goal).

Values are for both sexes only (gender ``T``), as Kolada publishes cost per invånare. The response is
written as two pages of at most 500 entries, the first pointing to the second with ``next_url``;
one entry is marked ``isdeleted`` and one value is missing with a status, as Kolada does.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

from pipelines import reference
from pipelines.sources.kolada import kolada_id

YEARS: Final = tuple(range(2016, 2025))
PER_PAGE: Final = 500
BASE_URL: Final = "https://api.kolada.se/v3"
KPIS: Final = ("N70061", "N70038", "N70059")

# Riket, N70061: yearly growth (2020–2021 pandemic years higher), scaled to 32 353 kr in 2024.
HSV_2024: Final = 32_353
HSV_GROWTH: Final = {
    2017: 0.036,
    2018: 0.038,
    2019: 0.034,
    2020: 0.055,
    2021: 0.047,
    2022: 0.025,
    2023: 0.031,
    2024: 0.040,
}
# N70059 riket: 3 300 kr in 2016 growing 4 % a year.
LAKEMEDEL_2016: Final = 3_300
LAKEMEDEL_GROWTH: Final = 0.04
# Norrbotten's excess over riket in N70059 (styrmått 64: 347 kr 2017; goals 350 (2019/2020), 270 (2021)).
NORRBOTTEN_LAKEMEDEL_EXCESS: Final = {
    2016: 360,
    2017: 347,
    2018: 340,
    2019: 330,
    2020: 300,
    2021: 285,
    2022: 280,
    2023: 275,
    2024: 270,
}
# N70061 level relative to riket (assumption; Norrbotten from the plan, ordering plausible).
COST_LEVEL: Final = {
    "01": 0.97,
    "03": 0.99,
    "04": 0.98,
    "05": 0.96,
    "06": 0.95,
    "07": 0.97,
    "08": 1.01,
    "09": 1.16,
    "10": 1.00,
    "12": 0.98,
    "13": 0.90,
    "14": 1.00,
    "17": 1.03,
    "18": 1.02,
    "19": 0.99,
    "20": 1.02,
    "21": 1.04,
    "22": 1.06,
    "23": 1.13,
    "24": 1.10,
    "25": 1.09,
}
# Referenskostnad need index relative to riket (assumption).
NEED_INDEX: Final = {code: 1.0 + (level - 1.0) * 0.45 for code, level in COST_LEVEL.items()} | {"25": 1.035}
DELETED: Final = ("N70038", "09", 2016)  # one entry withdrawn by Kolada (isdeleted)
MISSING: Final = ("N70059", "09", 2016, "Uppgift saknas")  # one value not published, with a status


def _noise(*key: object, spread: float = 0.01) -> float:
    """A deterministic factor in 1 ± spread per key (stable across processes)."""
    digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    return 1 + spread * (int.from_bytes(digest[:4], "big") / 2**32 * 2 - 1)


def riket_hsv() -> dict[int, float]:
    level = {2016: 1.0}
    for year in YEARS[1:]:
        level[year] = level[year - 1] * (1 + HSV_GROWTH[year])
    return {year: HSV_2024 * level[year] / level[2024] for year in YEARS}


def values(seed: int) -> dict[tuple[str, str, int], float]:
    """(kpi, SCB region code, year) → value in kronor per invånare."""
    hsv = riket_hsv()
    out: dict[tuple[str, str, int], float] = {}
    for year in YEARS:
        lakemedel = LAKEMEDEL_2016 * (1 + LAKEMEDEL_GROWTH) ** (year - 2016)
        out[("N70061", "00", year)] = round(hsv[year])
        out[("N70038", "00", year)] = round(hsv[year])
        out[("N70059", "00", year)] = round(lakemedel)
        for code, level in COST_LEVEL.items():
            if code == "25":
                level -= 0.01 if year >= 2019 else 0.0  # the gap to riket narrowed in 2019
            out[("N70061", code, year)] = round(hsv[year] * level * _noise(seed, "N70061", code, year))
            out[("N70038", code, year)] = round(
                hsv[year] * NEED_INDEX[code] * _noise(seed, "N70038", code, year)
            )
            excess = NORRBOTTEN_LAKEMEDEL_EXCESS[year] if code == "25" else lakemedel * (level - 1) * 0.6
            value = (lakemedel + excess) * (1 if code == "25" else _noise(seed, "N70059", code, year))
            out[("N70059", code, year)] = round(value)
    return out


def entries(seed: int) -> list[dict[str, Any]]:
    """Kolada v3 ``values`` entries, KPI by KPI, unit by unit (riket first), year by year."""
    data = values(seed)
    units = [reference.RIKET.kod, *reference.LAN]
    out = []
    for kpi in KPIS:
        for code in units:
            for year in YEARS:
                value: dict[str, Any] = {"gender": "T", "status": "", "value": data[(kpi, code, year)]}
                if (kpi, code, year) == MISSING[:3]:
                    value = {"gender": "T", "status": MISSING[3], "value": None}
                entry: dict[str, Any] = {
                    "kpi": kpi,
                    "municipality": kolada_id(code),
                    "period": year,
                    "values": [value],
                }
                if (kpi, code, year) == DELETED:
                    entry["isdeleted"] = True
                out.append(entry)
    return out


def write_pages(out_dir: Path, seed: int) -> list[Path]:
    """The response as pages of ``PER_PAGE`` entries, linked by ``next_url``."""
    all_entries = entries(seed)
    units = ",".join(kolada_id(c) for c in (reference.RIKET.kod, *reference.LAN))
    query = f"{BASE_URL}/data/kpi/{','.join(KPIS)}/municipality/{units}/year/{','.join(map(str, YEARS))}"
    pages = [all_entries[i : i + PER_PAGE] for i in range(0, len(all_entries), PER_PAGE)]
    paths = []
    for number, page in enumerate(pages, start=1):
        next_url = f"{query}?per_page={PER_PAGE}&page={number + 1}" if number < len(pages) else None
        document = {"count": len(all_entries), "values": page, "next_url": next_url}
        path = out_dir / f"kolada_kostnader_sida{number}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        paths.append(path)
    return paths


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Demo inputs for ``kolada`` (scale does not apply)."""
    return {"kolada": write_pages(out_dir, seed)}
