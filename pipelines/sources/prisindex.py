"""SKR's price indices for the regions (``prisindex``): yearly change of LPIK (or LPI), as CSV or Excel.

SKR publishes LPIK — *prisindex med kvalitetsjusterade löner för regioner*, the index the regions
use to compute cost development "i fasta löner och priser" — as the yearly percentage change: the
outcome for the previous year in an EkonomiNytt each March (with every year since 1980 in its Excel
annex) and a forecast at every skatteunderlagsprognos. The import format (documented in
``data_contracts/prisindex_importformat.md``) is that table, one row per index × year:
``prisindex;ar;forandring_procent;typ;publicerad``.

* ``prisindex``: ``LPIK`` or ``LPI`` (SKR's two indices; they differ only in how wages are measured).
* ``forandring_procent``: the change from the previous year in per cent (``2,9`` = 2,9 %).
* ``typ``: ``utfall`` (outcome) or ``prognos`` (forecast); ``publicerad``: the publication date.

An index × year may appear once per file (``csv-dubblett``). Rule ids besides ``csv-*``:
``prisindex-datum`` (``publicerad`` is not a real date or lies in the future).
"""

from __future__ import annotations

import sys
from datetime import date

import pyarrow as pa

from pipelines.sources import swecsv
from pipelines.sources.pxweb import ViolationLog
from pipelines.sources.registry import Source
from pipelines.sources.swecsv import Col

INDEX = frozenset({"LPIK", "LPI"})
TYPER = frozenset({"utfall", "prognos"})
FORMATS = (".csv", ".xlsx")  # a table analysts keep by hand from SKR's Excel files
ROW = "kalla_rad"

COLUMNS: tuple[Col, ...] = (
    Col("prisindex", allowed=INDEX, description="Prisindex: LPIK eller LPI (SKR)"),
    Col("ar", "int", min=1980, max=2100, description="Året som förändringen gäller (mot året före)"),
    Col(
        "forandring_procent",
        "decimal",
        min=-10,
        max=25,
        description="Förändring mot föregående år i procent, t.ex. 2,9",
    ),
    Col("typ", allowed=TYPER, description="utfall eller prognos"),
    Col("publicerad", pattern=r"[0-9]{4}-[0-9]{2}-[0-9]{2}", description="Publiceringsdag, ÅÅÅÅ-MM-DD"),
)
KEY = ("prisindex", "ar")


def read(data: bytes, file_name: str) -> pa.Table:
    """Read an LPIK/LPI table; columns as :data:`COLUMNS` plus ``kalla_rad`` (row in the file/sheet)."""
    table = swecsv.read_file(data, file_name, COLUMNS, formats=FORMATS, unique=KEY, row_column=ROW)
    log = ViolationLog(file_name)
    for text, row in zip(table["publicerad"].to_pylist(), table[ROW].to_pylist(), strict=True):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            log.add("prisindex-datum", f"{text!r} är inget datum (ÅÅÅÅ-MM-DD)", row=row, column="publicerad")
            continue
        if day > date.today():
            log.add("prisindex-datum", f"{text} ligger i framtiden", row=row, column="publicerad")
    log.raise_if_any()
    return table


SOURCES = [
    Source(
        name="prisindex",
        raw_table="raw_skr__prisindex",
        core_table="core_skr__prisindex",
        reader=read,
        description="SKR:s prisindex för regioner (LPIK, LPI): förändring per år, utfall och prognos",
        code_modules=(swecsv, sys.modules[__name__]),
        order=15,
        extensions=FORMATS,
    )
]
