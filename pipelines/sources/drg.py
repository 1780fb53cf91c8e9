"""NordDRG weight lists (``drg-vikter``): one row per year × DRG, as Excel (Socialstyrelsen) or CSV.

The import format is documented in ``data_contracts/kpp_importformat.md``: columns ``ar, drg,
drg_text, mdc, vardform, vikt, kostnadsgrans``. ``kostnadsgrans`` (the DRG's cost limit between
innerfall and ytterfall, SEK) may be empty when the list does not supply one. Title rows above the
table in a workbook are skipped. A DRG may appear once per year in a file (``csv-dubblett``).
"""

from __future__ import annotations

import sys

import pyarrow as pa

from pipelines.sources import pxweb, swecsv
from pipelines.sources.registry import Source
from pipelines.sources.swecsv import Col

VARDFORMER = frozenset({"sluten", "oppen"})
# A NordDRG code: three to five letters/digits (e.g. 127N, 373C, 039O, X87O, P05O). Leading zeros
# dropped by Excel (14 for 014) are restored in sql/core_drg__vikter.sql.
DRG_PATTERN = r"[0-9A-Za-z]{1,5}"
MDC_PATTERN = r"[0-9]{1,2}"
FORMATS = (".xlsx", ".csv")

COLUMNS: tuple[Col, ...] = (
    Col(
        "ar", "int", min=2000, max=2100, description="Viktlistans år (de vikter som gäller för vård det året)"
    ),
    Col("drg", pattern=DRG_PATTERN, description="NordDRG-kod, t.ex. 127N, 373C, 039O"),
    Col("drg_text", description="DRG-gruppens benämning"),
    Col("mdc", pattern=MDC_PATTERN, description="MDC (huvuddiagnoskapitel), 1–2 siffror, t.ex. 05"),
    Col("vardform", allowed=VARDFORMER, description="sluten eller oppen (vilken vårdform DRG:n gäller)"),
    Col("vikt", "decimal", min=0, max=1000, description="DRG-vikt (relativ kostnad, 1 = genomsnitt)"),
    Col(
        "kostnadsgrans",
        "decimal",
        nullable=True,
        min=0,
        description="Kostnadsgräns mellan innerfall och ytterfall, kronor; tom om listan saknar den",
    ),
)
KEY = ("ar", "drg")


def read(data: bytes, file_name: str) -> pa.Table:
    """Read a NordDRG weight list; columns as :data:`COLUMNS` plus ``kalla_rad`` (row in the file/sheet)."""
    return swecsv.read_file(data, file_name, COLUMNS, formats=FORMATS, unique=KEY, row_column="kalla_rad")


SOURCES = [
    Source(
        name="drg-vikter",
        raw_table="raw_drg__vikter",
        core_table="core_drg__vikter",
        reader=read,
        description="NordDRG-viktlistor per år (Socialstyrelsen), xlsx eller semikolonseparerad CSV",
        code_modules=(pxweb, swecsv, sys.modules[__name__]),
        order=20,
        extensions=FORMATS,
    )
]
