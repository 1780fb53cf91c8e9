"""Region codes and Swedish names for the demo generators: a view of ``pipelines.reference``.

``00`` is Riket, ``25`` Norrbottens län, and the 14 four-digit codes are Norrbotten's kommuner.
"""

from __future__ import annotations

from typing import Final

from pipelines import reference

NATIONAL_CODE: Final = reference.RIKET.kod
COUNTY_CODE: Final = reference.NORRBOTTEN

NATIONAL_NAME: Final = reference.RIKET.namn
COUNTY_NAME: Final = reference.LAN[COUNTY_CODE]

# Norrbotten's 14 kommuner in code order.
KOMMUNER: Final[dict[str, str]] = dict(sorted(reference.NORRBOTTEN_KOMMUNER.items()))

# Every region the demo data covers, in SCB's order: riket, län, kommuner (also sorted by code).
REGIONS: Final[dict[str, str]] = {NATIONAL_CODE: NATIONAL_NAME, COUNTY_CODE: COUNTY_NAME, **KOMMUNER}


def region_label(code: str) -> str:
    """Swedish name of a region code; unknown codes are returned unchanged."""
    return REGIONS.get(code, code)
