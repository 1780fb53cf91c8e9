"""Demo input for ``prisindex``: SKR's LPIK as two deliveries, an outcome table and a forecast.

* ``prisindex/skr_lpik_utfall_2025-03.xlsx`` — the outcomes 2015–2024, as the March EkonomiNytt's
  Excel annex gives them (a title row above the table);
* ``prisindex/skr_lpik_prognos_2025-08.csv`` — the forecast 2025–2028 from a skatteunderlagsprognos,
  Swedish CSV.

The yearly changes are **illustrative**: of the right size for LPIK (≈ 2,5–3 % a year before 2022,
higher in the inflation years 2022–2023), not SKR's published figures. They are fixed (independent of
``seed``): a price index is one national series, not something the demo varies. Replace them with
SKR's outcome table to get real fixed prices. Assumptions: ``ASSUMPTIONS.md`` (rows "Prisindex").
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from pipelines.demo.kpp import xlsx_bytes

# Per cent change from the previous year (illustrative, see the module docstring).
UTFALL: Final = {
    2015: 2.7, 2016: 2.6, 2017: 2.8, 2018: 3.0, 2019: 2.9, 2020: 2.4, 2021: 2.6, 2022: 4.6, 2023: 5.8,
    2024: 3.7,
}  # fmt: skip
UTFALL_PUBLICERAD: Final = "2025-03-14"
PROGNOS: Final = {2025: 3.0, 2026: 2.9, 2027: 3.0, 2028: 3.1}
PROGNOS_PUBLICERAD: Final = "2025-08-21"
HEADER: Final = ("prisindex", "ar", "forandring_procent", "typ", "publicerad")


def _dec(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def rows(values: dict[int, float], typ: str, publicerad: str) -> list[tuple[str, ...]]:
    return [("LPIK", str(ar), _dec(v), typ, publicerad) for ar, v in sorted(values.items())]


def generate_files(out_dir: Path, *, seed: int, scale: float) -> dict[str, list[Path]]:
    """Demo inputs for ``prisindex`` (``seed`` and ``scale`` do not change a national index)."""
    folder = out_dir / "prisindex"
    folder.mkdir(parents=True, exist_ok=True)
    utfall = folder / "skr_lpik_utfall_2025-03.xlsx"
    title: list[object] = ["LPIK, prisindex med kvalitetsjusterade löner för regioner, förändring i procent"]
    sheet: list[list[object]] = [title, []]
    sheet.append(list(HEADER))
    sheet += [["LPIK", ar, v, "utfall", UTFALL_PUBLICERAD] for ar, v in sorted(UTFALL.items())]
    utfall.write_bytes(xlsx_bytes(sheet, sheet="LPIK"))
    prognos = folder / "skr_lpik_prognos_2025-08.csv"
    lines = [";".join(HEADER), *(";".join(r) for r in rows(PROGNOS, "prognos", PROGNOS_PUBLICERAD))]
    prognos.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"prisindex": [utfall, prognos]}
