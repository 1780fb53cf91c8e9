"""Swedish number formatting for everything people read: "248 653", "21,4 %", "1,5".

One module for reports, table labels and CLI messages. Thousands are separated by a
no-break space (U+00A0) in HTML/PDF so that numbers never wrap; ``sep=" "`` gives a plain space.
"""

from __future__ import annotations

import math

NBSP = "\u00a0"


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def tal(value: float | int | None, decimaler: int = 0, sep: str = NBSP) -> str:
    """Format a number the Swedish way: ``tal(248653) == "248 653"``, ``tal(1.25, 1) == "1,3"``.

    Rounds half away from zero (as people round), uses the minus sign U+2212 and returns "–"
    for missing values.
    """
    if _missing(value):
        return "–"
    assert value is not None
    scaled = abs(float(value)) * 10**decimaler
    rounded = math.floor(scaled + 0.5) / 10**decimaler
    text = f"{rounded:,.{decimaler}f}"
    heltal, _, decimal = text.partition(".")
    heltal = heltal.replace(",", sep)
    out = f"{heltal},{decimal}" if decimal else heltal
    if float(value) < 0 and rounded != 0:
        out = "\u2212" + out
    return out


def procent(andel: float | None, decimaler: int = 1, sep: str = NBSP) -> str:
    """Format a fraction 0–1 as a Swedish percentage: ``procent(0.214) == "21,4 %"``."""
    if _missing(andel):
        return "–"
    assert andel is not None
    return f"{tal(andel * 100, decimaler, sep)}{sep}%"


def procentenheter(diff: float | None, decimaler: int = 1, sep: str = NBSP) -> str:
    """A difference between two shares, in procentenheter, with its sign: "+1,3 procentenheter"."""
    if _missing(diff):
        return "–"
    assert diff is not None
    sign = "+" if diff > 0 else ""
    return f"{sign}{tal(diff * 100, decimaler, sep)}{sep}procentenheter"
