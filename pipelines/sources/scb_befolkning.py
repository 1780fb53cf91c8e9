"""SCB population on 31 December: BE0101N1 (Folkmängd) from TAB638 / BefolkningNy.

:func:`read` turns a PxWeb response (``json``, ``json-stat`` or ``json-stat2``) into the file as
delivered, one row per population cell, after checking codes, values, duplicates and that the
single ages add up to the age total. Civilstand, if delivered, is summed away (or its CKM total
``SC`` kept). The CKM codes ``TotSA`` and ``100+1`` are read as ``tot`` and ``100+``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sources import pxweb
from pipelines.sources.registry import Source

CONTENT_CODE = "BE0101N1"  # Folkmängd
ALDER_TOTAL = "tot"
ALDER_TOP = "100+"
SINGLE_AGES: tuple[str, ...] = (*(str(age) for age in range(100)), ALDER_TOP)
KON_CODES = frozenset({"1", "2"})
CIVILSTAND_CODES = frozenset({"OG", "G", "ÄNKL", "SK"})
CIVILSTAND_TOTAL = "SC"  # CKM tables: Civilstand cannot be eliminated and carries its own total
CKM_FIRST_YEAR = 2025  # SCB's cell-key method: parts need not add up to totals from here on

REQUIRED_DIMENSIONS = ("Region", "Alder", "Kon", "Tid")
CIVILSTAND = "Civilstand"

_ALDER_ALIASES = {"TotSA": ALDER_TOTAL, "100+1": ALDER_TOP}
_REGION = re.compile(r"\d{2}|\d{4}")
_YEAR = re.compile(r"\d{4}")

SCHEMA = pa.schema(
    [
        ("region_kod", pa.string()),
        ("ar", pa.int32()),
        ("alder_kod", pa.string()),
        ("kon", pa.string()),
        ("folkmangd", pa.int64()),
        ("kalla_rad", pa.int64()),
    ]
)


def alder_to_int(code: str) -> int | None:
    """Age in whole years for an age code: ``"7" -> 7``, ``"100+" -> 100``, ``"tot" -> None``.

    Raises ``ValueError`` for a code that is not an SCB age code.
    """
    code = _ALDER_ALIASES.get(code, code)
    if code == ALDER_TOTAL:
        return None
    if code == ALDER_TOP:
        return 100
    if code in SINGLE_AGES:
        return int(code)
    raise ValueError(f"Okänd ålderskod {code!r}")


@dataclass
class _Cell:
    region: str
    civilstand: str | None
    alder: str
    kon: str
    year: int
    value: int
    row: int


def read(data: bytes, file_name: str) -> pa.Table:
    """Read an SCB BE0101N1 population response; raises ``RejectedInput`` listing every broken rule.

    Columns: ``region_kod, ar, alder_kod, kon, folkmangd, kalla_rad`` (see :data:`SCHEMA`);
    ``kalla_rad`` is the parser's ``source_row`` (the first one, when Civilstand was summed).
    """
    px = pxweb.parse(data, file_name)
    log = pxweb.ViolationLog(file_name)

    _check_structure(px, log)
    log.raise_if_any()

    table = px.table.filter(pc.equal(px.table[pxweb.CONTENTS_COLUMN], CONTENT_CODE))
    if table.num_rows == 0:
        log.add("scb-tom", "Filen innehåller inga celler med folkmängd.", column=CONTENT_CODE)
        log.reject()

    cells = _validated_cells(table, log)
    cells = _without_duplicates(cells, log)
    if not log:
        # Totals are only meaningful on a clean file; otherwise each bad cell is reported twice.
        cells = _civilstand_removed(cells)
        _check_totals(cells, log)
    log.raise_if_any()

    cells.sort(key=lambda cell: cell.row)
    return pa.table(
        {
            "region_kod": [cell.region for cell in cells],
            "ar": [cell.year for cell in cells],
            "alder_kod": [cell.alder for cell in cells],
            "kon": [cell.kon for cell in cells],
            "folkmangd": [cell.value for cell in cells],
            "kalla_rad": [cell.row for cell in cells],
        },
        schema=SCHEMA,
    )


def _check_structure(px: pxweb.PxData, log: pxweb.ViolationLog) -> None:
    for name in REQUIRED_DIMENSIONS:
        if name not in px.dimensions:
            log.add("scb-variabel", f"Variabeln {name} saknas i filen.", column=name)
    for name in px.dimensions:
        if name not in REQUIRED_DIMENSIONS and name != CIVILSTAND:
            log.add(
                "scb-variabel",
                f"Oväntad variabel {name}: BE0101N1 har Region, Civilstand, Alder, Kon och Tid.",
                column=name,
            )
    contents = set(px.table[pxweb.CONTENTS_COLUMN].drop_null().to_pylist())
    if CONTENT_CODE not in contents:
        found = ", ".join(sorted(contents)) or "inget"
        log.add(
            "scb-innehall",
            f"Filen saknar tabellinnehållet {CONTENT_CODE} (Folkmängd); hittade: {found}.",
            column=pxweb.CONTENTS_COLUMN,
        )


def _validated_cells(table: pa.Table, log: pxweb.ViolationLog) -> list[_Cell]:
    """Check codes and values row by row; returns the cells that passed."""
    regions = table["Region"].to_pylist()
    ages = table["Alder"].to_pylist()
    sexes = table["Kon"].to_pylist()
    years = table["Tid"].to_pylist()
    civilstand = table[CIVILSTAND].to_pylist() if CIVILSTAND in table.column_names else None
    values = table[pxweb.VALUE_COLUMN].to_pylist()
    rows = table[pxweb.SOURCE_ROW_COLUMN].to_pylist()

    cells: list[_Cell] = []
    for index, row in enumerate(rows):
        ok = True
        region = regions[index]
        if not _REGION.fullmatch(region):
            log.add(
                "scb-region",
                f"Ogiltig regionkod {region!r}: väntade 00, tvåsiffrig län- eller fyrsiffrig kommunkod.",
                row=row,
                column="Region",
            )
            ok = False
        age = _ALDER_ALIASES.get(ages[index], ages[index])
        if age != ALDER_TOTAL and age not in SINGLE_AGES:
            log.add(
                "scb-alder",
                f"Ogiltig ålderskod {ages[index]!r}: väntade 0–99, 100+ eller tot.",
                row=row,
                column="Alder",
            )
            ok = False
        sex = sexes[index]
        if sex not in KON_CODES:
            log.add(
                "scb-kon",
                f"Ogiltig könskod {sex!r}: väntade 1 (män) eller 2 (kvinnor).",
                row=row,
                column="Kon",
            )
            ok = False
        year_code = years[index]
        if not _YEAR.fullmatch(year_code):
            log.add(
                "scb-tid", f"Ogiltigt år {year_code!r}: väntade ett fyrsiffrigt år.", row=row, column="Tid"
            )
            ok = False
        status = civilstand[index] if civilstand is not None else None
        if civilstand is not None and status not in CIVILSTAND_CODES | {CIVILSTAND_TOTAL}:
            log.add(
                "scb-civilstand",
                f"Ogiltig civilståndskod {status!r}: väntade OG, G, ÄNKL, SK eller SC.",
                row=row,
                column=CIVILSTAND,
            )
            ok = False
        value = values[index]
        if value is None:
            log.add(
                "scb-saknas",
                "Folkmängd saknas (tomt värde eller prickmarkering).",
                row=row,
                column=CONTENT_CODE,
            )
            ok = False
        elif value < 0:
            log.add("scb-negativ", f"Folkmängden {value:g} är negativ.", row=row, column=CONTENT_CODE)
            ok = False
        elif not value.is_integer():
            log.add("scb-heltal", f"Folkmängden {value:g} är inte ett heltal.", row=row, column=CONTENT_CODE)
            ok = False
        if ok:
            assert value is not None
            cells.append(_Cell(region, status, age, sex, int(year_code), int(value), row))
    return cells


def _without_duplicates(cells: list[_Cell], log: pxweb.ViolationLog) -> list[_Cell]:
    first_row: dict[tuple[str, str | None, str, str, int], int] = {}
    unique: list[_Cell] = []
    for cell in cells:
        key = (cell.region, cell.civilstand, cell.alder, cell.kon, cell.year)
        if key in first_row:
            log.add(
                "scb-dubblett",
                f"Cellen region {cell.region}, ålder {cell.alder}, kön {cell.kon}, år {cell.year} "
                f"förekommer redan på rad {first_row[key]}.",
                row=cell.row,
            )
            continue
        first_row[key] = cell.row
        unique.append(cell)
    return unique


def _civilstand_removed(cells: list[_Cell]) -> list[_Cell]:
    """Sum over Civilstand; where the CKM total ``SC`` was delivered, keep it instead of the parts."""
    if all(cell.civilstand is None for cell in cells):
        return cells
    with_total = {
        (cell.region, cell.alder, cell.kon, cell.year)
        for cell in cells
        if cell.civilstand == CIVILSTAND_TOTAL
    }
    summed: dict[tuple[str, str, str, int], _Cell] = {}
    for cell in cells:
        key = (cell.region, cell.alder, cell.kon, cell.year)
        if key in with_total and cell.civilstand != CIVILSTAND_TOTAL:
            continue
        if key in summed:
            total = summed[key]
            total.value += cell.value
            total.row = min(total.row, cell.row)
        else:
            summed[key] = _Cell(cell.region, None, cell.alder, cell.kon, cell.year, cell.value, cell.row)
    return list(summed.values())


def _check_totals(cells: list[_Cell], log: pxweb.ViolationLog) -> None:
    """The single ages must add up to ``tot`` (exactly before 2025, within CKM noise from 2025)."""
    totals: dict[tuple[str, str, int], _Cell] = {}
    parts: dict[tuple[str, str, int], list[int]] = {}
    for cell in cells:
        key = (cell.region, cell.kon, cell.year)
        if cell.alder == ALDER_TOTAL:
            totals[key] = cell
        else:
            parts.setdefault(key, []).append(cell.value)

    for key, total in totals.items():
        values = parts.get(key, [])
        if not values:
            continue
        region, sex, year = key
        tolerance = 0.0 if year < CKM_FIRST_YEAR else max(5.0, 0.001 * total.value)
        difference = sum(values) - total.value
        where = f"region {region}, kön {sex}, år {year}"
        if len(values) == len(SINGLE_AGES):
            if abs(difference) > tolerance:
                allowed = "exakt" if tolerance == 0 else f"högst ±{tolerance:g} (CKM)"
                log.add(
                    "scb-summa",
                    f"Summan av ettårsklasserna ({sum(values)}) skiljer sig från totalen ({total.value}) "
                    f"med {difference:+d} för {where}; tillåtet: {allowed}.",
                    row=total.row,
                    column=CONTENT_CODE,
                )
        elif difference > tolerance:
            log.add(
                "scb-summa",
                f"De levererade åldrarna summerar till {sum(values)}, mer än totalen ({total.value}) "
                f"för {where}.",
                row=total.row,
                column=CONTENT_CODE,
            )


SOURCES = [
    Source(
        name="scb-befolkning",
        raw_table="raw_scb__befolkning",
        core_table="core_scb__befolkning",
        reader=read,
        description="SCB folkmängd 31 december (BE0101N1/TAB638), PxWeb json, json-stat eller json-stat2",
        code_modules=(pxweb, sys.modules[__name__]),
        order=10,
    )
]
