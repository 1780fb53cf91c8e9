"""Region codes and Swedish names used by the demo generators (SCB's codes, sources.md §1.3).

``00`` is Riket, ``25`` Norrbottens län, and the 14 four-digit codes are Norrbotten's kommuner.
The names are the Swedish labels SCB uses in Statistikdatabasen (e.g. "Luleå", not "Luleå kommun").
"""

from __future__ import annotations

from typing import Final

NATIONAL_CODE: Final = "00"
COUNTY_CODE: Final = "25"

NATIONAL_NAME: Final = "Riket"
COUNTY_NAME: Final = "Norrbottens län"

# Norrbotten's 14 kommuner in code order.
KOMMUNER: Final[dict[str, str]] = {
    "2505": "Arvidsjaur",
    "2506": "Arjeplog",
    "2510": "Jokkmokk",
    "2513": "Överkalix",
    "2514": "Kalix",
    "2518": "Övertorneå",
    "2521": "Pajala",
    "2523": "Gällivare",
    "2560": "Älvsbyn",
    "2580": "Luleå",
    "2581": "Piteå",
    "2582": "Boden",
    "2583": "Haparanda",
    "2584": "Kiruna",
}

# Every region the demo data covers, in SCB's order: riket, län, kommuner (also sorted by code).
REGIONS: Final[dict[str, str]] = {NATIONAL_CODE: NATIONAL_NAME, COUNTY_CODE: COUNTY_NAME, **KOMMUNER}


def region_label(code: str) -> str:
    """Swedish name of a region code; unknown codes are returned unchanged."""
    return REGIONS.get(code, code)
