"""KPP (kostnad per patient): the region's patient-level extract and the national comparison aggregates.

``kpp-kontakter``: one row per vårdkontakt, as the region's KPP system exports it (semicolon CSV
with decimal comma in UTF-8, UTF-8 with BOM or Windows-1252, or Parquet). No national file
specification is public, so the project defines the import format (``data_contracts/
kpp_importformat.md``). ``patient_id`` must be a pseudonym: a value that contains something shaped
like a personnummer or samordningsnummer is rejected (``kpp-personnummer``), and the value is never
echoed in the message. Which region an extract belongs to is configuration (``$lan``), not data.

``kpp-riket``: the national KPP database's comparison aggregates delivered to a region, one row per
year × DRG × vårdform × åldersgrupp × kön × jämförelsegrupp (``riket``, ``lanssjukhus``,
``lansdelssjukhus`` or a län code such as ``24``), with ytterfall ≤ kontakter and ytterfall cost ≤
cost checked per row (``kpp-riket-ytterfall``).
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePath

import polars as pl
import pyarrow as pa

from pipelines import reference
from pipelines.sources import drg, pxweb, swecsv
from pipelines.sources.registry import Source, StagedRows, StageTarget
from pipelines.sources.swecsv import Col

VARDTYPER = frozenset({"somatisk", "psykiatrisk", "primarvard"})
KON = frozenset({"K", "M"})
# ICD-10-SE: a letter, two digits and up to three more characters, with or without the dot
# (I21.4, I214, S72.00, F10.2). sql/core_kpp__kontakter.sql stores it without the dot.
ICD10_PATTERN = r"[A-Za-z][0-9]{2}(?:\.?[0-9A-Za-z]{1,3})?"
PSEUDONYM_PATTERN = r"[A-Za-z0-9_.:-]{1,64}"
# Personnummer/samordningsnummer shape anywhere in the value: (century)YYMMDD, optional - + or
# space, four digits, not inside a longer run of digits. Day 61–91 is a samordningsnummer.
PERSONNUMMER_PATTERN = (
    r"(?:^|[^0-9])(?:19|20)?[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]|6[1-9]|[78][0-9]|9[01])"
    r"[-+ ]?[0-9]{4}(?:[^0-9]|$)"
)
ALDERSGRUPPER = ("0-17", "18-44", "45-64", "65-79", "80+")
JAMFORELSEGRUPPER = frozenset({"riket", "lanssjukhus", "lansdelssjukhus", *reference.LAN})

KONTAKTER_COLUMNS: tuple[Col, ...] = (
    Col("vardkontakt_id", pattern=r"[A-Za-z0-9_.:/-]{1,64}", description="Vårdkontaktens id, unikt"),
    Col("patient_id", description="Pseudonym för patienten (aldrig personnummer)"),
    Col("ar", "int", min=2000, max=2100, description="År för vårdkontakten (utskrivning/besök)"),
    Col("manad", "int", min=1, max=12, description="Månad 1–12"),
    Col(
        "sjukhus",
        pattern=r"[A-Za-z0-9_.-]{1,40}",
        description="Sjukhuskod, t.ex. SUN (se NORRBOTTEN_SJUKHUS)",
    ),
    Col("klinik", description="Klinik eller enhet (fritext)"),
    Col("vardform", allowed=drg.VARDFORMER, description="sluten eller oppen"),
    Col("vardtyp", allowed=VARDTYPER, description="somatisk, psykiatrisk eller primarvard"),
    Col("kon", allowed=KON, description="K eller M"),
    Col("alder", "int", min=0, max=110, description="Ålder i hela år vid kontakten"),
    Col("huvuddiagnos", pattern=ICD10_PATTERN, description="Huvuddiagnos, ICD-10-SE (I21.4 eller I214)"),
    Col("drg", pattern=drg.DRG_PATTERN, description="NordDRG-kod"),
    Col("vardtid_dagar", "int", min=0, max=3650, description="Vårdtid i dagar (0 i öppenvård)"),
    Col("kostnad", "decimal", min=0, description="KPP-kostnad i kronor (inner- och ytterfall)"),
)
KONTAKTER_FORMATS = (".csv", ".parquet")

RIKET_COLUMNS: tuple[Col, ...] = (
    Col("ar", "int", min=2000, max=2100, description="År"),
    Col("drg", pattern=drg.DRG_PATTERN, description="NordDRG-kod"),
    Col("vardform", allowed=drg.VARDFORMER, description="sluten eller oppen"),
    Col("aldersgrupp", allowed=frozenset(ALDERSGRUPPER), description="0-17, 18-44, 45-64, 65-79 eller 80+"),
    Col("kon", allowed=KON, description="K eller M"),
    Col(
        "jamforelsegrupp",
        allowed=JAMFORELSEGRUPPER,
        description="riket, lanssjukhus, lansdelssjukhus eller en länskod (t.ex. 24)",
    ),
    Col("antal_kontakter", "int", min=0, description="Antal vårdkontakter"),
    Col("antal_ytterfall", "int", min=0, description="Antal ytterfall (≤ antal_kontakter)"),
    Col("kostnad", "decimal", min=0, description="Total kostnad, kronor (inner- och ytterfall)"),
    Col("kostnad_ytterfall", "decimal", min=0, description="Ytterfallens kostnad, kronor (≤ kostnad)"),
    Col("drg_poang", "decimal", min=0, description="Producerade DRG-poäng (summa av vikter)"),
)
RIKET_KEY = ("ar", "drg", "vardform", "aldersgrupp", "kon", "jamforelsegrupp")
RIKET_FORMATS = (".csv", ".xlsx")


def looks_like_personnummer(values: pl.Series) -> pl.Series:
    """True where a value contains a personnummer- or samordningsnummer-shaped run of digits."""
    return values.str.contains(PERSONNUMMER_PATTERN).fill_null(False)


def check_pseudonyms(table: pa.Table, file_name: str, row_column: str, pattern: str, rule: str) -> None:
    """``patient_id`` must be a pseudonym matching ``pattern``: a personnummer or samordningsnummer
    is rejected under ``rule`` without echoing the value; anything else malformed as ``csv-format``."""
    patient = pl.Series("patient_id", table["patient_id"])
    rows = pl.Series("rad", table[row_column])
    log = pxweb.ViolationLog(file_name)
    personnummer = looks_like_personnummer(patient)
    for row in rows.filter(personnummer).head(swecsv.MAX_SHOWN_PER_RULE).to_list():
        log.add(
            rule,
            "patient_id ser ut som ett personnummer eller samordningsnummer (värdet visas inte); "
            "extraktet får bara innehålla pseudonymer",
            row=row,
            column="patient_id",
        )
    malformed = ~personnummer & ~patient.str.contains(f"^(?:{pattern})$").fill_null(False)
    for row, value in zip(
        rows.filter(malformed).head(swecsv.MAX_SHOWN_PER_RULE).to_list(),
        patient.filter(malformed).head(swecsv.MAX_SHOWN_PER_RULE).to_list(),
        strict=True,
    ):
        log.add("csv-format", f"{value!r} har fel format (ska matcha {pattern})", row, "patient_id")
    log.raise_if_any()


def read_kontakter(data: bytes, file_name: str) -> pa.Table:
    """Read a KPP extract; columns as :data:`KONTAKTER_COLUMNS` plus ``kalla_rad`` (line/record)."""
    table = swecsv.read_file(
        data,
        file_name,
        KONTAKTER_COLUMNS,
        formats=KONTAKTER_FORMATS,
        unique=("vardkontakt_id",),
        row_column="kalla_rad",
    )
    check_pseudonyms(table, file_name, "kalla_rad", PSEUDONYM_PATTERN, "kpp-personnummer")
    return table


def stage_kontakter(
    file_name: str, on_disk: Path, target: StageTarget, scan: swecsv.ByteScan | None = None
) -> StagedRows | None:
    """:func:`read_kontakter`'s rows written straight into the raw table of ``target`` (a plain CSV
    only), with the pseudonym rules of :func:`check_pseudonyms` as SQL; None sends the file to the
    reader, :class:`StageAborted` too once rows are written (:func:`swecsv.stage_csv`). ``scan``:
    the file's bytes as the ingest's copy scanned them."""
    if PurePath(file_name).suffix.lower() not in swecsv.CSV_SUFFIXES:
        return None
    personnummer = f"regexp_matches(patient_id, {swecsv.sql_literal(PERSONNUMMER_PATTERN)})"
    malformed = f"NOT regexp_full_match(patient_id, {swecsv.sql_literal(f'(?:{PSEUDONYM_PATTERN})')})"
    rows = swecsv.stage_csv(
        on_disk,
        KONTAKTER_COLUMNS,
        target,
        row_column="kalla_rad",
        unique=("vardkontakt_id",),
        checks=(personnummer, malformed),
        scan=scan,
    )
    return None if rows is None else StagedRows(target, rows, "kalla_rad")


def read_riket(data: bytes, file_name: str) -> pa.Table:
    """Read KPP national aggregates; columns as :data:`RIKET_COLUMNS` plus ``kalla_rad``."""
    table = swecsv.read_file(
        data, file_name, RIKET_COLUMNS, formats=RIKET_FORMATS, unique=RIKET_KEY, row_column="kalla_rad"
    )
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    log = pxweb.ViolationLog(file_name)
    checks = (
        (
            "antal_ytterfall",
            pl.col("antal_ytterfall") > pl.col("antal_kontakter"),
            "antal_ytterfall ({a}) är större än antal_kontakter ({b})",
            ("antal_ytterfall", "antal_kontakter"),
        ),
        (
            "kostnad_ytterfall",
            pl.col("kostnad_ytterfall") > pl.col("kostnad"),
            "kostnad_ytterfall ({a}) är större än kostnad ({b})",
            ("kostnad_ytterfall", "kostnad"),
        ),
    )
    for column, condition, message, (a, b) in checks:
        offending = frame.filter(condition).head(swecsv.MAX_SHOWN_PER_RULE)
        for record in offending.iter_rows(named=True):
            log.add(
                "kpp-riket-ytterfall",
                message.format(a=f"{record[a]:g}", b=f"{record[b]:g}"),
                row=record["kalla_rad"],
                column=column,
            )
    log.raise_if_any()
    return table


# The readers' code version: a change here re-reads every delivered file. pipelines.reference is
# left out on purpose: only its (stable) län codes matter here, and it changes for other reasons.
_CODE = (pxweb, swecsv, drg, sys.modules[__name__])

SOURCES = [
    Source(
        name="kpp-kontakter",
        raw_table="raw_kpp__kontakter",
        core_table="core_kpp__kontakter",
        reader=read_kontakter,
        stager=stage_kontakter,
        description="Regionens KPP-extrakt, en rad per vårdkontakt (CSV med semikolon/decimalkomma, Parquet)",
        code_modules=_CODE,
        depends_on=("core_drg__vikter",),
        order=30,
        extensions=KONTAKTER_FORMATS,
    ),
    Source(
        name="kpp-riket",
        raw_table="raw_kpp__riket",
        core_table="core_kpp__riket",
        reader=read_riket,
        description="KPP-databasens jämförelsetal per år, DRG, vårdform, åldersgrupp, kön, jämförelsegrupp",
        code_modules=_CODE,
        depends_on=("core_drg__vikter",),
        order=35,
        extensions=RIKET_FORMATS,
    ),
]
