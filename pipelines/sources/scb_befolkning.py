"""SCB population (BE0101): on 31 December from TAB638 and BefolkningCKM, and per month from BefolkManadCKM.

Two sources are defined here (see ``sources.md`` §1.3–1.4):

* ``scb-befolkning`` — the yearly population on 31 December. Two SCB tables deliver it and are told
  apart by their content code:

  - ``TAB638`` (BefolkningNy, ``BE0101N1`` Folkmängd), 1968–2024. Not perturbed: the single ages
    add up exactly to the age total ``tot`` (from 2025 on within CKM noise, should such a file carry
    2025).
  - ``BefolkningCKM`` (``000007ME`` Folkmängd), 2025 onwards, protected by SCB's cell-key method
    (CKM): every cell, totals included, carries a small random integer, so parts do not add up to
    totals. Its codes differ: age total ``TotSA``, open class ``100+1``, a total of the single-year
    banding ``TOT1``, five- and ten-year bands (``-4``, ``5-9``, ``100+5``, ``TOT5`` …) in the same
    variable, a kön total (``TotSa``) and a Civilstand that cannot be eliminated (total ``SC``).

* ``scb-befolkning-manad`` — BefolkManadCKM (``000007SF`` Folkmängden per månad), the population at
  the end of each month from January 2025 (``Tid`` = ``2025M01`` …), with the same CKM codes.

:func:`read` and :func:`read_manad` turn a PxWeb response (``json``, ``json-stat`` or ``json-stat2``)
into the file as delivered: one row per Folkmängd cell, with codes normalised (``TotSA`` → ``tot``,
``100+1`` → ``100+``, a kön total → ``tot``; bands keep their code). Civilstand, if delivered, is
summed away only where all four civilstånd (OG, G, SK, ÄNKL, sources.md §1.3) are there — or its total
``SC`` kept instead of the parts; a response restricted to some civilstånd is rejected
(``scb-civilstand-ofullstandig``), since its sum is not the population. Region codes must be in the
reference (riket, län, the county's kommuner) and no region may have 0 inhabitants (``scb-noll``).
Every total is checked against its parts — exactly before 2025, within the CKM tolerance
:func:`ckm_tolerance` in CKM tables and from 2025 — and kept in the raw table, but never summed: the
core SQL keeps the single ages and kön 1/2 only.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pipelines import reference
from pipelines.sources import pxweb
from pipelines.sources.registry import Source


@dataclass(frozen=True)
class Tabell:
    """One SCB population table: its name (the raw column ``tabell``) and Folkmängd content code."""

    name: str
    content: str
    ckm: bool  # CKM codes allowed (bands, TOT1, kön total) and noise tolerated in every year
    monthly: bool  # Tid is YYYYMmm


TAB638 = Tabell("TAB638", "BE0101N1", ckm=False, monthly=False)
BEFOLKNING_CKM = Tabell("BefolkningCKM", "000007ME", ckm=True, monthly=False)
BEFOLK_MANAD_CKM = Tabell("BefolkManadCKM", "000007SF", ckm=True, monthly=True)
YEARLY_TABLES = (TAB638, BEFOLKNING_CKM)
ALL_TABLES = (*YEARLY_TABLES, BEFOLK_MANAD_CKM)

CONTENT_CODE = TAB638.content  # Folkmängd in TAB638
ALDER_TOTAL = "tot"
ALDER_TOP = "100+"
SINGLE_AGES: tuple[str, ...] = (*(str(age) for age in range(100)), ALDER_TOP)
KON_CODES = frozenset({"1", "2"})
KON_TOTAL = "tot"
CIVILSTAND_CODES = frozenset({"OG", "G", "ÄNKL", "SK"})
CIVILSTAND_TOTAL = "SC"  # CKM tables: Civilstand cannot be eliminated and carries its own total
CKM_FIRST_YEAR = 2025  # SCB's cell-key method: parts need not add up to totals from here on

# CKM tolerance for "parts add up to their total": 7 × √(number of parts) persons. SCB adds a small
# integer to every cell, so the gap grows with the square root of the number of cells summed; observed
# gaps (ASSUMPTIONS.md) are up to ≈ 45 persons over 202 cells, a misread table misses by thousands.
CKM_NOISE_PER_SQRT_PART = 7.0

REQUIRED_DIMENSIONS = ("Region", "Alder", "Kon", "Tid")
CIVILSTAND = "Civilstand"

_ALDER_ALIASES = {"TotSA": ALDER_TOTAL, "100+1": ALDER_TOP}
_CKM_AGE_TOTALS = frozenset({"TOT1"})  # the total of the single-year banding, checked like ``tot``
_CKM_BAND = re.compile(r"-\d{1,2}|\d{1,3}-\d{1,3}|100\+(?:5|10)|TOT(?:5|10)")
_KON_TOTAL_CODES = frozenset({"TotSa", "TotSA", "1+2"})
_REGION = re.compile(r"\d{2}|\d{4}")
_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"(\d{4})M(0[1-9]|1[0-2])")

SCHEMA = pa.schema(
    [
        ("region_kod", pa.string()),
        ("ar", pa.int32()),
        ("alder_kod", pa.string()),
        ("kon", pa.string()),
        ("folkmangd", pa.int64()),
        ("tabell", pa.string()),
        ("kalla_rad", pa.int64()),
    ]
)
SCHEMA_MANAD = pa.schema(
    [
        ("region_kod", pa.string()),
        ("ar", pa.int32()),
        ("manad", pa.int32()),
        ("alder_kod", pa.string()),
        ("kon", pa.string()),
        ("folkmangd", pa.int64()),
        ("kalla_rad", pa.int64()),
    ]
)


def known_region_codes() -> frozenset[str]:
    """The region codes of ``pipelines/reference.py`` (riket, the län, the county's kommuner): the
    codes every core and out table's ``region_kod`` must come from."""
    return frozenset(r.kod for r in reference.regions())


def alder_to_int(code: str) -> int | None:
    """Age in whole years for an age code: ``"7" -> 7``, ``"100+" -> 100``, ``"tot" -> None``.

    Raises ``ValueError`` for a code that is not an SCB single-age or total code.
    """
    code = _ALDER_ALIASES.get(code, code)
    if code == ALDER_TOTAL:
        return None
    if code == ALDER_TOP:
        return 100
    if code in SINGLE_AGES:
        return int(code)
    raise ValueError(f"Okänd ålderskod {code!r}")


def ckm_tolerance(n_parts: int) -> float:
    """How far ``n_parts`` CKM-perturbed cells may sum from their (perturbed) total, in persons."""
    return CKM_NOISE_PER_SQRT_PART * math.sqrt(max(n_parts, 1))


def _tolerance(year: int, n_parts: int, tabell: Tabell) -> float:
    return ckm_tolerance(n_parts) if tabell.ckm or year >= CKM_FIRST_YEAR else 0.0


@dataclass
class _Cell:
    region: str
    civilstand: str | None
    alder: str
    kind: str  # 'ettar' (0–99, 100+), 'total' (tot, TOT1) or 'band' (CKM bands and their totals)
    kon: str
    year: int
    month: int | None
    value: int
    row: int

    def when(self) -> str:
        return f"år {self.year}" if self.month is None else f"månad {self.year}M{self.month:02d}"


def read(data: bytes, file_name: str) -> pa.Table:
    """Read a yearly SCB population response (TAB638 or BefolkningCKM); ``RejectedInput`` on any error.

    Columns: ``region_kod, ar, alder_kod, kon, folkmangd, tabell, kalla_rad`` (see :data:`SCHEMA`);
    ``tabell`` is ``TAB638`` or ``BefolkningCKM``; ``kalla_rad`` is the parser's ``source_row`` (the
    first one, when Civilstand was summed).
    """
    tabell, cells = _read_cells(data, file_name, YEARLY_TABLES)
    return pa.table(
        {
            "region_kod": [cell.region for cell in cells],
            "ar": [cell.year for cell in cells],
            "alder_kod": [cell.alder for cell in cells],
            "kon": [cell.kon for cell in cells],
            "folkmangd": [cell.value for cell in cells],
            "tabell": [tabell.name] * len(cells),
            "kalla_rad": [cell.row for cell in cells],
        },
        schema=SCHEMA,
    )


def read_manad(data: bytes, file_name: str) -> pa.Table:
    """Read a BefolkManadCKM response (population at the end of each month); ``RejectedInput`` on errors.

    Columns: ``region_kod, ar, manad, alder_kod, kon, folkmangd, kalla_rad`` (see :data:`SCHEMA_MANAD`).
    """
    _, cells = _read_cells(data, file_name, (BEFOLK_MANAD_CKM,))
    return pa.table(
        {
            "region_kod": [cell.region for cell in cells],
            "ar": [cell.year for cell in cells],
            "manad": [cell.month for cell in cells],
            "alder_kod": [cell.alder for cell in cells],
            "kon": [cell.kon for cell in cells],
            "folkmangd": [cell.value for cell in cells],
            "kalla_rad": [cell.row for cell in cells],
        },
        schema=SCHEMA_MANAD,
    )


def _read_cells(data: bytes, file_name: str, accepted: tuple[Tabell, ...]) -> tuple[Tabell, list[_Cell]]:
    px = pxweb.parse(data, file_name)
    log = pxweb.ViolationLog(file_name)

    _check_structure(px, log)
    tabell = _which_table(px, accepted, log)
    log.raise_if_any()
    assert tabell is not None

    table = px.table.filter(pc.equal(px.table[pxweb.CONTENTS_COLUMN], tabell.content))
    if table.num_rows == 0:
        log.add("scb-tom", "Filen innehåller inga celler med folkmängd.", column=tabell.content)
        log.reject()

    cells = _validated_cells(table, tabell, log)
    cells = _without_duplicates(cells, log)
    if not log:
        # Totals are only meaningful on a clean file; otherwise each bad cell is reported twice.
        cells = _civilstand_removed(cells, tabell, log)
        _check_age_totals(cells, tabell, log)
        _check_kon_totals(cells, tabell, log)
        check_not_empty_population(
            ((c.region, c.when(), c.value, c.row) for c in cells), tabell.content, "scb-noll", log
        )
    log.raise_if_any()

    cells.sort(key=lambda cell: cell.row)
    return tabell, cells


def _check_structure(px: pxweb.PxData, log: pxweb.ViolationLog) -> None:
    for name in REQUIRED_DIMENSIONS:
        if name not in px.dimensions:
            log.add("scb-variabel", f"Variabeln {name} saknas i filen.", column=name)
    for name in px.dimensions:
        if name not in REQUIRED_DIMENSIONS and name != CIVILSTAND:
            log.add(
                "scb-variabel",
                f"Oväntad variabel {name}: BE0101 har Region, Civilstand, Alder, Kon och Tid.",
                column=name,
            )


def _which_table(px: pxweb.PxData, accepted: tuple[Tabell, ...], log: pxweb.ViolationLog) -> Tabell | None:
    """The table a response comes from, by its Folkmängd content code."""
    contents = set(px.table[pxweb.CONTENTS_COLUMN].drop_null().to_pylist())
    found = [t for t in accepted if t.content in contents]
    if len(found) == 1:
        return found[0]
    wanted = " eller ".join(f"{t.content} (Folkmängd, {t.name})" for t in accepted)
    if found:
        log.add(
            "scb-innehall",
            f"Filen blandar innehåll från flera tabeller: {', '.join(t.content for t in found)}.",
            column=pxweb.CONTENTS_COLUMN,
        )
        return None
    elsewhere = [t for t in ALL_TABLES if t not in accepted and t.content in contents]
    hint = ""
    if elsewhere:
        other = elsewhere[0]
        source = "scb-befolkning-manad" if other.monthly else "scb-befolkning"
        hint = f" Filen är tabellen {other.name}: läs in den med källan {source}."
    seen = ", ".join(sorted(contents)) or "inget"
    log.add(
        "scb-innehall",
        f"Filen saknar tabellinnehållet {wanted}; hittade: {seen}.{hint}",
        column=pxweb.CONTENTS_COLUMN,
    )
    return None


def _age_code(raw: str, tabell: Tabell) -> tuple[str, str] | None:
    """(normalised code, kind) of an age code, or None if the table has no such code."""
    code = _ALDER_ALIASES.get(raw, raw)
    if code in SINGLE_AGES:
        return code, "ettar"
    if code == ALDER_TOTAL:
        return code, "total"
    if tabell.ckm:
        if code in _CKM_AGE_TOTALS:
            return code, "total"
        if _CKM_BAND.fullmatch(code):
            return code, "band"
    return None


def _kon_code(raw: str, tabell: Tabell) -> str | None:
    if raw in KON_CODES:
        return raw
    if tabell.ckm and raw in _KON_TOTAL_CODES:
        return KON_TOTAL
    return None


def _period(raw: str, tabell: Tabell) -> tuple[int, int | None] | None:
    if tabell.monthly:
        match = _MONTH.fullmatch(raw)
        return (int(match.group(1)), int(match.group(2))) if match else None
    return (int(raw), None) if _YEAR.fullmatch(raw) else None


def _validated_cells(table: pa.Table, tabell: Tabell, log: pxweb.ViolationLog) -> list[_Cell]:
    """Check codes and values row by row; returns the cells that passed."""
    regions = table["Region"].to_pylist()
    ages = table["Alder"].to_pylist()
    sexes = table["Kon"].to_pylist()
    times = table["Tid"].to_pylist()
    civilstand = table[CIVILSTAND].to_pylist() if CIVILSTAND in table.column_names else None
    values = table[pxweb.VALUE_COLUMN].to_pylist()
    rows = table[pxweb.SOURCE_ROW_COLUMN].to_pylist()
    content = tabell.content

    known = known_region_codes()
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
        elif region not in known:
            log.add(
                "scb-region",
                f"Okänd regionkod {region!r}: varken riket (00), ett län eller en av länets kommuner i "
                "referensen (pipelines/reference.py).",
                row=row,
                column="Region",
            )
            ok = False
        age = _age_code(ages[index], tabell)
        if age is None:
            expected = "0–99, 100+, tot eller CKM-koderna (TotSA, 100+1, TOT1, åldersband)"
            log.add(
                "scb-alder",
                f"Ogiltig ålderskod {ages[index]!r}: väntade "
                f"{expected if tabell.ckm else '0–99, 100+ eller tot'}.",
                row=row,
                column="Alder",
            )
            ok = False
        sex = _kon_code(sexes[index], tabell)
        if sex is None:
            expected = (
                "1 (män), 2 (kvinnor) eller totalen TotSa" if tabell.ckm else "1 (män) eller 2 (kvinnor)"
            )
            log.add(
                "scb-kon", f"Ogiltig könskod {sexes[index]!r}: väntade {expected}.", row=row, column="Kon"
            )
            ok = False
        period = _period(times[index], tabell)
        if period is None:
            expected = "en månad som 2025M01" if tabell.monthly else "ett fyrsiffrigt år"
            log.add("scb-tid", f"Ogiltig tid {times[index]!r}: väntade {expected}.", row=row, column="Tid")
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
                "scb-saknas", "Folkmängd saknas (tomt värde eller prickmarkering).", row=row, column=content
            )
            ok = False
        elif value < 0:
            log.add("scb-negativ", f"Folkmängden {value:g} är negativ.", row=row, column=content)
            ok = False
        elif not value.is_integer():
            log.add("scb-heltal", f"Folkmängden {value:g} är inte ett heltal.", row=row, column=content)
            ok = False
        if ok:
            assert value is not None and age is not None and sex is not None and period is not None
            year, month = period
            cells.append(_Cell(region, status, age[0], age[1], sex, year, month, int(value), row))
    return cells


def _without_duplicates(cells: list[_Cell], log: pxweb.ViolationLog) -> list[_Cell]:
    first_row: dict[tuple[str, str | None, str, str, int, int | None], int] = {}
    unique: list[_Cell] = []
    for cell in cells:
        key = (cell.region, cell.civilstand, cell.alder, cell.kon, cell.year, cell.month)
        if key in first_row:
            log.add(
                "scb-dubblett",
                f"Cellen region {cell.region}, ålder {cell.alder}, kön {cell.kon}, {cell.when()} "
                f"förekommer redan på rad {first_row[key]}.",
                row=cell.row,
            )
            continue
        first_row[key] = cell.row
        unique.append(cell)
    return unique


def _civilstand_removed(cells: list[_Cell], tabell: Tabell, log: pxweb.ViolationLog) -> list[_Cell]:
    """Sum over Civilstand; where the total ``SC`` was delivered, check the parts and keep the total."""
    if all(cell.civilstand is None for cell in cells):
        return cells
    groups: dict[tuple[str, str, str, int, int | None], list[_Cell]] = {}
    for cell in cells:
        groups.setdefault((cell.region, cell.alder, cell.kon, cell.year, cell.month), []).append(cell)
    out: list[_Cell] = []
    incomplete: list[tuple[_Cell, str]] = []  # (first cell, missing civilstånd) of each partial group
    for group in groups.values():
        first = min(group, key=lambda c: c.row)
        totals = [c for c in group if c.civilstand == CIVILSTAND_TOTAL]
        parts = [c.value for c in group if c.civilstand != CIVILSTAND_TOTAL]
        if totals:
            total = totals[0]
            _check_sum(
                parts, total, len(CIVILSTAND_CODES), tabell, log, f"civilstånden (ålder {total.alder})"
            )
            value, row = total.value, total.row
        else:
            present = {c.civilstand for c in group}
            if present != CIVILSTAND_CODES:
                incomplete.append((first, ", ".join(sorted(CIVILSTAND_CODES - present))))
                continue
            value, row = sum(parts), first.row
        out.append(
            _Cell(first.region, None, first.alder, first.kind, first.kon, first.year, first.month, value, row)
        )
    if incomplete:
        first, missing = min(incomplete, key=lambda item: item[0].row)
        more = f" (och {len(incomplete) - 1} celler till)" if len(incomplete) > 1 else ""
        log.add(
            "scb-civilstand-ofullstandig",
            f"Variabeln {CIVILSTAND} är med men saknar {missing} för region {first.region}, ålder "
            f"{first.alder}, kön {first.kon}, {first.when()}{more}: summan vore inte hela befolkningen. "
            f"Eliminera {CIVILSTAND} i uttaget eller ta med alla civilstånd (OG, G, SK, ÄNKL) eller "
            f"totalen {CIVILSTAND_TOTAL}.",
            row=first.row,
            column=CIVILSTAND,
        )
    return out


def check_not_empty_population(
    cells: Iterable[tuple[str, str, int, int]], column: str, rule: str, log: pxweb.ViolationLog
) -> None:
    """Every region has inhabitants: (region, period, value, row) cells that are 0 for a whole region
    and period are a failed extract (e.g. a query on the wrong content), not an empty county."""
    first_row: dict[tuple[str, str], int] = {}
    total: dict[tuple[str, str], int] = {}
    for region, when, value, row in cells:
        key = (region, when)
        first_row[key] = min(row, first_row.get(key, row))
        total[key] = total.get(key, 0) + value
    for (region, when), value in sorted(total.items(), key=lambda kv: first_row[kv[0]]):
        if value == 0:
            log.add(
                rule,
                f"Folkmängden är 0 i varje cell för region {region}, {when}: ett län eller en kommun "
                "har alltid invånare (fel uttag?).",
                row=first_row[(region, when)],
                column=column,
            )


def _check_sum(
    parts: list[int], total: _Cell, complete: int, tabell: Tabell, log: pxweb.ViolationLog, what: str
) -> None:
    """Parts against their total: within the tolerance if all ``complete`` parts are there, else ≤ it."""
    if not parts:
        return
    where = f"region {total.region}, kön {total.kon}, {total.when()}"
    tolerance = _tolerance(total.year, len(parts), tabell)
    difference = sum(parts) - total.value
    if len(parts) >= complete:
        if abs(difference) > tolerance:
            allowed = "exakt" if tolerance == 0 else f"högst ±{tolerance:.0f} (CKM)"
            log.add(
                "scb-summa",
                f"Summan av {what} ({sum(parts)}) skiljer sig från totalen ({total.value}) med "
                f"{difference:+d} för {where}; tillåtet: {allowed}.",
                row=total.row,
                column=tabell.content,
            )
    elif difference > tolerance:
        log.add(
            "scb-summa",
            f"De levererade {what} summerar till {sum(parts)}, mer än totalen ({total.value}) för {where}.",
            row=total.row,
            column=tabell.content,
        )


def _check_age_totals(cells: Iterable[_Cell], tabell: Tabell, log: pxweb.ViolationLog) -> None:
    """The single ages must add up to each age total (``tot``, and ``TOT1`` in CKM tables)."""
    totals: dict[tuple[str, str, int, int | None], list[_Cell]] = {}
    parts: dict[tuple[str, str, int, int | None], list[int]] = {}
    for cell in cells:
        key = (cell.region, cell.kon, cell.year, cell.month)
        if cell.kind == "total":
            totals.setdefault(key, []).append(cell)
        elif cell.kind == "ettar":
            parts.setdefault(key, []).append(cell.value)
    for key, found in totals.items():
        for total in sorted(found, key=lambda c: c.row):
            _check_sum(parts.get(key, []), total, len(SINGLE_AGES), tabell, log, "ettårsklasserna")


def _check_kon_totals(cells: Iterable[_Cell], tabell: Tabell, log: pxweb.ViolationLog) -> None:
    """Män and kvinnor must add up to the kön total (CKM tables only have one)."""
    totals: dict[tuple[str, str, int, int | None], _Cell] = {}
    parts: dict[tuple[str, str, int, int | None], list[int]] = {}
    for cell in cells:
        key = (cell.region, cell.alder, cell.year, cell.month)
        if cell.kon == KON_TOTAL:
            totals[key] = cell
        else:
            parts.setdefault(key, []).append(cell.value)
    for key, total in sorted(totals.items(), key=lambda kv: kv[1].row):
        _check_sum(parts.get(key, []), total, len(KON_CODES), tabell, log, f"könen (ålder {total.alder})")


SOURCES = [
    Source(
        name="scb-befolkning",
        raw_table="raw_scb__befolkning",
        core_table="core_scb__befolkning",
        reader=read,
        description="SCB folkmängd 31 december (BE0101: TAB638 till 2024, BefolkningCKM från 2025), "
        "PxWeb json, json-stat eller json-stat2",
        code_modules=(pxweb, reference, sys.modules[__name__]),
        order=10,
    ),
    Source(
        name="scb-befolkning-manad",
        raw_table="raw_scb__befolkning_manad",
        core_table="core_scb__befolkning_manad",
        reader=read_manad,
        description="SCB folkmängd per månad (BE0101 BefolkManadCKM, från 2025), PxWeb json, json-stat "
        "eller json-stat2",
        code_modules=(pxweb, reference, sys.modules[__name__]),
        order=11,
    ),
]
