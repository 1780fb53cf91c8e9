"""SCB's regional population projection (BE0401, ``BefProgOsiktRegN``): folkmängd on 31 December by
region, age and kön for each projected year (``sources.md`` §1.5).

Each table URL is one projection *vintage* (``BefProgOsiktRegN`` is the current one, older vintages
live in ``BE0401B/BefProgOsiktRegN20``, ``…21``), but a response does not name its vintage. The vintage
(``prognosar``) is read from the response's update date (json-stat ``updated``, v1 json
``metadata[0].updated``): SCB publishes a regional projection in the spring of its first projected
year (the 2020 vintage, "År 2020 - 2070", was updated 2020-06-03). A projected year before the
vintage is rejected, so a table re-published in a later year is noticed rather than mislabelled.

Content codes of projection tables are opaque and change between vintages (``000004LG`` is
third-party, not confirmed), so Folkmängd is recognised by a known code *or* by its label starting
with "Folkmängd"; the other contents (Födda, Döda, flyttningar …) are ignored. A file without a
Folkmängd content is rejected.

:func:`read` returns the file as delivered: one row per Folkmängd cell with the vintage, the age
code as delivered (``TotSA`` → ``tot``; single ages and an open class such as ``100+`` or ``105+``)
and kön (``1``, ``2`` or the total ``tot``). Totals are checked against their parts within rounding
(each published cell is rounded, so n parts may differ from their total by (n + 1) / 2) and are
dropped by the core SQL, which also collapses ages above 100 into 100.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pipelines import reference
from pipelines.sources import pxweb, scb_befolkning
from pipelines.sources.registry import Source

# Folkmängd content codes seen in projection tables (third-party: Region Dalarna's hamta_data).
KNOWN_FOLKMANGD_CODES: dict[str, str] = {"000004LG": "BefProgOsiktRegN (Folkmängd)"}
FOLKMANGD_LABEL = "folkmängd"

ALDER_TOTAL = "tot"
KON_TOTAL = "tot"
MIN_OPEN_AGE = 100  # an open class below 100 would break "alder 100 = 100 år eller äldre"
MAX_AGE = 120
FIRST_VINTAGE, LAST_YEAR = 2000, 2120

REQUIRED_DIMENSIONS = ("Region", "Alder", "Kon", "Tid")

_ALDER_TOTALS = frozenset({"tot", "TotSA"})
_KON_TOTALS = frozenset({"1+2", "TotSA", "TotSa", "tot"})
_REGION = re.compile(r"\d{2}|\d{4}")
_YEAR = re.compile(r"\d{4}")
_SINGLE = re.compile(r"\d{1,3}")
_OPEN = re.compile(r"(\d{2,3})\+")
_UPDATED = re.compile(r"(\d{4})-\d{2}-\d{2}")

SCHEMA = pa.schema(
    [
        ("region_kod", pa.string()),
        ("prognosar", pa.int32()),
        ("ar", pa.int32()),
        ("alder_kod", pa.string()),
        ("kon", pa.string()),
        ("folkmangd", pa.int64()),
        ("innehall", pa.string()),
        ("kalla_rad", pa.int64()),
    ]
)


@dataclass
class _Cell:
    region: str
    alder: str
    kind: str  # 'ettar', 'oppen' (open class, e.g. 100+) or 'total'
    kon: str
    year: int
    value: int
    row: int


def vintage_from_updated(updated: str | None) -> int | None:
    """The projection vintage from a response's update date (``"2023-05-04T08:00:00Z"`` → 2023)."""
    match = _UPDATED.match(updated or "")
    return int(match.group(1)) if match else None


def folkmangd_contents(labels: dict[str, str]) -> list[str]:
    """Content codes that are Folkmängd: a known code, or a label starting with "Folkmängd"."""
    return [
        code
        for code, label in labels.items()
        if code in KNOWN_FOLKMANGD_CODES or label.strip().lower().startswith(FOLKMANGD_LABEL)
    ]


def read(data: bytes, file_name: str) -> pa.Table:
    """Read an SCB projection response; raises ``RejectedInput`` listing every broken rule.

    Columns: ``region_kod, prognosar, ar, alder_kod, kon, folkmangd, innehall, kalla_rad`` (see
    :data:`SCHEMA`).
    """
    px = pxweb.parse(data, file_name)
    log = pxweb.ViolationLog(file_name)

    for name in REQUIRED_DIMENSIONS:
        if name not in px.dimensions:
            log.add("scb-prognos-variabel", f"Variabeln {name} saknas i filen.", column=name)
    for name in px.dimensions:
        if name not in REQUIRED_DIMENSIONS:
            log.add(
                "scb-prognos-variabel",
                f"Oväntad variabel {name}: BefProgOsiktRegN har Region, Alder, Kon och Tid.",
                column=name,
            )
    content = _folkmangd_content(px, log)
    vintage = vintage_from_updated(px.updated)
    if vintage is None or not FIRST_VINTAGE <= vintage <= LAST_YEAR:
        log.add(
            "scb-prognos-prognosar",
            f"Prognosåret kan inte bestämmas: filen saknar ett giltigt uppdateringsdatum (updated: "
            f"{px.updated!r}). Varje tabell-URL är en prognosomgång; hämta svaret på nytt från SCB.",
            column="updated",
        )
    log.raise_if_any()
    assert content is not None and vintage is not None

    table = px.table.filter(pc.equal(px.table[pxweb.CONTENTS_COLUMN], content))
    if table.num_rows == 0:
        log.add("scb-prognos-tom", "Filen innehåller inga celler med folkmängd.", column=content)
        log.reject()

    cells = _validated_cells(table, content, vintage, log)
    cells = _without_duplicates(cells, log)
    if not log:
        _check_totals(cells, content, log)
        scb_befolkning.check_not_empty_population(
            ((c.region, f"år {c.year}", c.value, c.row) for c in cells), content, "scb-prognos-noll", log
        )
    log.raise_if_any()

    cells.sort(key=lambda cell: cell.row)
    return pa.table(
        {
            "region_kod": [cell.region for cell in cells],
            "prognosar": [vintage] * len(cells),
            "ar": [cell.year for cell in cells],
            "alder_kod": [cell.alder for cell in cells],
            "kon": [cell.kon for cell in cells],
            "folkmangd": [cell.value for cell in cells],
            "innehall": [content] * len(cells),
            "kalla_rad": [cell.row for cell in cells],
        },
        schema=SCHEMA,
    )


def _folkmangd_content(px: pxweb.PxData, log: pxweb.ViolationLog) -> str | None:
    labels = dict(px.labels.get(pxweb.CONTENTS_COLUMN, {}))  # every declared content, even without cells
    found = folkmangd_contents(labels)
    seen = ", ".join(f"{code} ({label})" for code, label in labels.items()) or "inget"
    if len(found) == 1:
        return found[0]
    if found:
        log.add(
            "scb-prognos-innehall",
            f"Filen har flera innehåll som ser ut som Folkmängd: {seen}.",
            column=pxweb.CONTENTS_COLUMN,
        )
    else:
        known = ", ".join(KNOWN_FOLKMANGD_CODES)
        log.add(
            "scb-prognos-innehall",
            f"Filen saknar Folkmängd: väntade innehållskoden {known} eller en kod med etiketten "
            f"Folkmängd; hittade: {seen}.",
            column=pxweb.CONTENTS_COLUMN,
        )
    return None


def _age(raw: str) -> tuple[str, str] | None:
    if raw in _ALDER_TOTALS:
        return ALDER_TOTAL, "total"
    if _SINGLE.fullmatch(raw) and int(raw) <= MAX_AGE:
        return raw, "ettar"
    match = _OPEN.fullmatch(raw)
    if match and MIN_OPEN_AGE <= int(match.group(1)) <= MAX_AGE:
        return raw, "oppen"
    return None


def _validated_cells(table: pa.Table, content: str, vintage: int, log: pxweb.ViolationLog) -> list[_Cell]:
    regions = table["Region"].to_pylist()
    ages = table["Alder"].to_pylist()
    sexes = table["Kon"].to_pylist()
    years = table["Tid"].to_pylist()
    values = table[pxweb.VALUE_COLUMN].to_pylist()
    rows = table[pxweb.SOURCE_ROW_COLUMN].to_pylist()

    known = scb_befolkning.known_region_codes()
    cells: list[_Cell] = []
    for index, row in enumerate(rows):
        ok = True
        region = regions[index]
        if not _REGION.fullmatch(region):
            log.add(
                "scb-prognos-region",
                f"Ogiltig regionkod {region!r}: väntade 00, tvåsiffrig län- eller fyrsiffrig kommunkod.",
                row=row,
                column="Region",
            )
            ok = False
        elif region not in known:
            log.add(
                "scb-prognos-region",
                f"Okänd regionkod {region!r}: varken riket (00), ett län eller en av länets kommuner i "
                "referensen (pipelines/reference.py).",
                row=row,
                column="Region",
            )
            ok = False
        age = _age(ages[index])
        if age is None:
            log.add(
                "scb-prognos-alder",
                f"Ogiltig ålderskod {ages[index]!r}: väntade ettårsklasser 0–{MAX_AGE}, en öppen klass "
                f"från {MIN_OPEN_AGE} år (t.ex. 100+ eller 105+) eller totalen tot.",
                row=row,
                column="Alder",
            )
            ok = False
        sex = sexes[index]
        if sex in _KON_TOTALS:
            sex = KON_TOTAL
        elif sex not in ("1", "2"):
            log.add(
                "scb-prognos-kon",
                f"Ogiltig könskod {sex!r}: väntade 1 (män), 2 (kvinnor) eller totalen 1+2.",
                row=row,
                column="Kon",
            )
            ok = False
        year_code = years[index]
        year = int(year_code) if _YEAR.fullmatch(year_code) else None
        if year is None or year > LAST_YEAR:
            log.add(
                "scb-prognos-ar",
                f"Ogiltigt år {year_code!r}: väntade ett fyrsiffrigt år.",
                row=row,
                column="Tid",
            )
            ok = False
        elif year < vintage:
            log.add(
                "scb-prognos-ar",
                f"Året {year} ligger före prognosåret {vintage} (uppdateringsdatumets år): en prognos "
                "börjar sitt första prognosår. Är tabellen publicerad på nytt ett senare år?",
                row=row,
                column="Tid",
            )
            ok = False
        value = values[index]
        if value is None:
            log.add(
                "scb-prognos-saknas",
                "Folkmängd saknas (tomt värde eller prickmarkering).",
                row=row,
                column=content,
            )
            ok = False
        elif value < 0:
            log.add("scb-prognos-negativ", f"Folkmängden {value:g} är negativ.", row=row, column=content)
            ok = False
        elif not value.is_integer():
            log.add(
                "scb-prognos-heltal", f"Folkmängden {value:g} är inte ett heltal.", row=row, column=content
            )
            ok = False
        if ok:
            assert age is not None and year is not None and value is not None
            cells.append(_Cell(region, age[0], age[1], sex, year, int(value), row))
    return cells


def _without_duplicates(cells: list[_Cell], log: pxweb.ViolationLog) -> list[_Cell]:
    first_row: dict[tuple[str, str, str, int], int] = {}
    unique: list[_Cell] = []
    for cell in cells:
        key = (cell.region, cell.alder, cell.kon, cell.year)
        if key in first_row:
            log.add(
                "scb-prognos-dubblett",
                f"Cellen region {cell.region}, ålder {cell.alder}, kön {cell.kon}, år {cell.year} "
                f"förekommer redan på rad {first_row[key]}.",
                row=cell.row,
            )
            continue
        first_row[key] = cell.row
        unique.append(cell)
    return unique


def _check_totals(cells: list[_Cell], content: str, log: pxweb.ViolationLog) -> None:
    """Ages against the age total and kön 1 + 2 against the kön total, within rounding."""
    by_kon: dict[tuple[str, str, int], list[_Cell]] = {}
    by_age: dict[tuple[str, str, int], list[_Cell]] = {}
    for cell in cells:
        by_kon.setdefault((cell.region, cell.kon, cell.year), []).append(cell)
        by_age.setdefault((cell.region, cell.alder, cell.year), []).append(cell)
    for group in by_kon.values():
        totals = [c for c in group if c.kind == "total"]
        parts = [c for c in group if c.kind != "total"]
        complete = any(c.alder == "0" for c in parts) and any(c.kind == "oppen" for c in parts)
        for total in totals:
            _check_sum([c.value for c in parts], total, complete, content, log, "åldrarna")
    for group in by_age.values():
        totals = [c for c in group if c.kon == KON_TOTAL]
        parts = [c for c in group if c.kon != KON_TOTAL]
        for total in totals:
            _check_sum([c.value for c in parts], total, len(parts) == 2, content, log, "könen")


def _check_sum(
    parts: list[int], total: _Cell, complete: bool, content: str, log: pxweb.ViolationLog, what: str
) -> None:
    if not parts:
        return
    tolerance = (len(parts) + 1) / 2  # every published cell, the total included, is rounded
    difference = sum(parts) - total.value
    where = f"region {total.region}, ålder {total.alder}, kön {total.kon}, år {total.year}"
    if (complete and abs(difference) > tolerance) or (not complete and difference > tolerance):
        log.add(
            "scb-prognos-summa",
            f"Summan av {what} ({sum(parts)}) skiljer sig från totalen ({total.value}) med {difference:+d} "
            f"för {where}; tillåtet: högst ±{tolerance:g} (avrundning).",
            row=total.row,
            column=content,
        )


SOURCES = [
    Source(
        name="scb-prognos",
        raw_table="raw_scb__prognos",
        core_table="core_scb__prognos",
        reader=read,
        description="SCB befolkningsframskrivning per region, ålder och kön (BE0401 BefProgOsiktRegN), "
        "PxWeb json, json-stat eller json-stat2",
        code_modules=(pxweb, scb_befolkning, reference, sys.modules[__name__]),
        order=12,
    )
]
