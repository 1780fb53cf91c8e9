"""Vården i siffror (VIS): indicator results (``vis-indikatorer``) and catalog (``vis-katalog``).

Formats (``sources.md`` §2; the import format is documented in ``data_contracts/vis_importformat.md``):

* **Results, VIS long format** — the column set VIS expects from a register upload, RCSTAT's
  ``get_vis_names()`` (30 columns), as a Swedish CSV (``;``, decimal comma, UTF-8). An optional first
  data row holds the upload instruction ``KEEP_EXISTING_DATA_FOR_REGISTER_HSAID:<hsaid>`` (or
  ``DELETE_…``) in its first cell. Sex is not a column: it is carried by the sub-measure's MeasureID.
  The national row is the one without ``RegionOrganisationId``; every row has ``CountryName`` Riket.
* **Results, older VIS CSV export** (about 2019): ``Titel``/``Diagramrubrik``, ``Område``,
  ``Register/källa``, ``Måttenhet``, ``Kön/Totalt``, ``Enhetsnamn``, ``Mätperiod``, ``Värde``,
  ``Täljare``, ``Nämnare/antal fall``; markers ``UNK``/``MSK``/``INV``/``NI`` in ``Värde`` and ``-`` in
  the counts. It has no MeasureID: the core table maps its titles to the catalog, and the contract
  rejects a title the catalog does not know (rule ``vis-okand-titel``).
* **Catalog** — JSON modelled on Kvalitetsindikatorkatalogen's measure records (``mId``, ``title``,
  ``unitType``, ``soughtValue``, ``measureType``, ``submeasures`` with ``gender``), plus ``npo`` and
  ``targetValue``, and an optional ``age`` on sub-measures.

Both result formats are read into one raw layout (:data:`RESULT_SCHEMA`), one row per delivered data
row, with ``format`` telling them apart and ``kalla_rad`` the line in the file.

Rule ids (besides the ``csv-*`` rules of :mod:`pipelines.sources.swecsv`): ``vis-format``,
``vis-instruktion``, ``vis-register``, ``vis-matt-id``, ``vis-period``, ``vis-land``, ``vis-region``,
``vis-enhet``, ``vis-orsakskod``, ``vis-undertryckt``, ``vis-varde``, ``vis-andel``, ``vis-ki``,
``vis-riket``, ``vis-dubblett``, ``vis-export-titel``, ``vis-export-enhet``, ``vis-export-period``,
``vis-export-varde``, ``vis-export-antal``, ``vis-export-andel``; for the catalog ``vis-katalog-json``,
``vis-katalog-format``, ``vis-katalog-falt``, ``vis-katalog-dubblett``, ``vis-katalog-titel``.
"""

from __future__ import annotations

import csv
import math
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from pipelines import reference
from pipelines.sources import swecsv
from pipelines.sources.pxweb import INT64_LIMIT, ViolationLog, plain_number, strict_json
from pipelines.sources.registry import Source
from pipelines.sources.swecsv import Col

# RCSTAT R/validate_vis.R, get_vis_names(): the columns of a VIS upload, in RCSTAT's order.
VIS_NAMES: tuple[str, ...] = (
    "RegionOrganisationId",
    "Numerator",
    "Rate",
    "Denominator",
    "RegionName",
    "PeriodReportedStartDate",
    "PeriodReportedEndDate",
    "MeasureID",
    "HospitalName",
    "HospitalHSAID",
    "HospitalOrganisationId",
    "CountryName",
    "Value",
    "Cohort",
    "Version",
    "UnitHSAID",
    "UnitName",
    "ReferenceIntervalRate",
    "ReferenceIntervalValue",
    "MunicipalityOrganisationID",
    "MunicipalityName",
    "RegisterHSAID",
    "RegisterNamn",
    "Coverage",
    "ConfidenceIntervalLower",
    "ConfidenceIntervalHigher",
    "Standarddeviation",
    "Measurepopulation",
    "Exclusions",
    "ReasonCode",
)
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
UPLOAD_COLUMNS: tuple[Col, ...] = (
    Col("RegionOrganisationId", nullable=True, description="länskod (01–25); tom på riksraden"),
    Col("Numerator", "int", nullable=True, min=0, description="täljare"),
    Col("Rate", "decimal", nullable=True, description="andel 0–1, högst fyra decimaler"),
    Col("Denominator", "int", nullable=True, min=0, description="nämnare"),
    Col("RegionName", nullable=True, description="regionens namn; krävs när länskod finns"),
    Col("PeriodReportedStartDate", pattern=_ISO_DATE, description="periodens första dag, ÅÅÅÅ-MM-DD"),
    Col("PeriodReportedEndDate", pattern=_ISO_DATE, description="periodens sista dag, ÅÅÅÅ-MM-DD"),
    Col("MeasureID", description="måttets id (UUID eller fem siffror); delmått för kön"),
    Col("HospitalName", nullable=True, description="sjukhusets namn (sjukhusnivå)"),
    Col("HospitalHSAID", nullable=True, description="sjukhusets HSA-id"),
    Col("HospitalOrganisationId", nullable=True, description="sjukhusets organisations-id"),
    Col("CountryName", description="alltid Riket"),
    Col(
        "Value",
        "decimal",
        nullable=True,
        description="värde för median-, medelvärdes-, dagar- och antalsmått",
    ),
    Col("Cohort", nullable=True),
    Col("Version", "int", min=0, description="måttets versionsnummer i katalogen"),
    Col("UnitHSAID", nullable=True, description="vårdenhetens HSA-id (enhetsnivå)"),
    Col("UnitName", nullable=True, description="vårdenhetens namn"),
    Col("ReferenceIntervalRate", nullable=True),
    Col("ReferenceIntervalValue", nullable=True),
    Col("MunicipalityOrganisationID", nullable=True, description="kommunkod (fyra siffror), kommunnivå"),
    Col("MunicipalityName", nullable=True),
    Col("RegisterHSAID", nullable=True, description="registrets HSA-id"),
    Col("RegisterNamn", nullable=True, description="registrets eller källans namn"),
    Col("Coverage", "decimal", nullable=True, description="täckningsgrad"),
    Col("ConfidenceIntervalLower", "decimal", nullable=True, description="konfidensintervallets nedre gräns"),
    Col("ConfidenceIntervalHigher", "decimal", nullable=True, description="konfidensintervallets övre gräns"),
    Col("Standarddeviation", "decimal", nullable=True, min=0),
    Col("Measurepopulation", "int", nullable=True, min=0, description="antal i mätpopulationen (n)"),
    Col("Exclusions", "int", nullable=True, min=0),
    Col("ReasonCode", nullable=True, description="MSK, NI, INV, UNK eller tom/NA"),
)

EXPORT_MATTENHETER = frozenset({"Procent", "Dagar", "Median", "Medelvärde", "Antal"})
EXPORT_KON = frozenset({"Totalt", "Kvinnor", "Män"})
EXPORT_COLUMNS: tuple[Col, ...] = (
    Col("Titel", nullable=True, required=False, description="indikatorns titel, som i katalogen"),
    Col("Diagramrubrik", nullable=True, required=False, description="diagramrubrik; används om Titel saknas"),
    Col("Område", nullable=True, required=False),
    Col("Register/källa", nullable=True, description="register eller källa"),
    Col(
        "Måttenhet",
        allowed=EXPORT_MATTENHETER,
        description="Procent (0–100), Dagar, Median, Medelvärde, Antal",
    ),
    Col("Kön/Totalt", nullable=True, required=False, allowed=EXPORT_KON, description="Totalt, Kvinnor, Män"),
    Col("Enhetsnamn", description="Riket, regionens namn eller ett av Norrbottens sjukhus"),
    Col("Mätperiod", description="ÅÅÅÅ, ÅÅÅÅ-MM, ÅÅÅÅ H1/H2, ÅÅÅÅ halvår 1/2, ÅÅÅÅ Q1–Q4, ÅÅÅÅ kvartal 1–4"),
    Col("Värde", nullable=True, description="tal med decimalkomma, eller UNK/MSK/INV/NI"),
    Col("Täljare", nullable=True, description="heltal, - eller tom"),
    Col("Nämnare/antal fall", nullable=True, description="heltal, - eller tom"),
)

REASON_CODES = ("MSK", "NI", "INV", "UNK")
UNIT_TYPES = ("Andel", "Dagar", "Median", "Antal", "Medelvärde")
SOUGHT_VALUES = ("Högt", "Lågt")
FREQUENCIES = ("Kvartal", "År", "Månad", "Halvår")
GENDER_CODES = ("1", "2")  # the catalog's gender.codeValue: 1 man, 2 kvinna
ROW = "kalla_rad"  # each record's line in the file, from the CSV reader
FORMAT_UPLOAD = "vis-upload"
FORMAT_EXPORT = "vis-export"

MEASURE_ID = re.compile(r"[a-z0-9]+-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+|\d{5}")
INSTRUCTION = re.compile(r"(KEEP|DELETE)_EXISTING_DATA_FOR_REGISTER_HSAID:(.+)")
AGE_CODE = re.compile(r"\d{1,3}-\d{1,3}|\d{1,3}[+-]")
_EXPORT_PERIOD = re.compile(
    r"(?P<year>\d{4})(?:-(?P<month>\d{2})|\s+(?:h|halvår\s*)(?P<half>[12])|\s+(?:q|kvartal\s*)(?P<quarter>[1-4]))?",
    re.IGNORECASE,
)
RATE_TOLERANCE = 0.00005 + 1e-9  # Rate is N/D rounded to four decimals
PERCENT_TOLERANCE = 0.05 + 1e-9  # the export's Värde is a percentage rounded to one decimal

RESULT_SCHEMA = pa.schema(
    [
        ("format", pa.string()),
        ("kalla_rad", pa.int64()),
        ("matt_id", pa.string()),
        ("titel", pa.string()),
        ("diagramrubrik", pa.string()),
        ("omrade", pa.string()),
        ("register_namn", pa.string()),
        ("register_hsaid", pa.string()),
        ("mattenhet", pa.string()),
        ("matperiod", pa.string()),
        ("period_start", pa.date32()),
        ("period_slut", pa.date32()),
        ("region_kod", pa.string()),
        ("region_namn", pa.string()),
        ("land", pa.string()),
        ("enhetsniva", pa.string()),
        ("enhet", pa.string()),
        ("enhet_hsaid", pa.string()),
        ("kommun_kod", pa.string()),
        ("kon_text", pa.string()),
        ("taljare", pa.int64()),
        ("namnare", pa.int64()),
        ("andel", pa.float64()),
        ("varde", pa.float64()),
        ("ki_lag", pa.float64()),
        ("ki_hog", pa.float64()),
        ("standardavvikelse", pa.float64()),
        ("matpopulation", pa.int64()),
        ("exkluderade", pa.int64()),
        ("tackningsgrad", pa.float64()),
        ("kohort", pa.string()),
        ("referensintervall_andel", pa.string()),
        ("referensintervall_varde", pa.string()),
        ("version", pa.int64()),
        ("orsakskod", pa.string()),
    ]
)

CATALOG_SCHEMA = pa.schema(
    [
        ("kalla_rad", pa.int64()),
        ("matt_id", pa.string()),
        ("huvudmatt_id", pa.string()),
        ("version_id", pa.string()),
        ("kon_kod", pa.string()),
        ("alder_kod", pa.string()),
        ("titel", pa.string()),
        ("definition", pa.string()),
        ("npo", pa.string()),
        ("enhetstyp", pa.string()),
        ("onskat_varde", pa.string()),
        ("malvarde", pa.float64()),
        ("matttyp", pa.string()),
        ("matfrekvens", pa.string()),
        ("organisationsniva", pa.string()),
        ("matkalla", pa.string()),
        ("status", pa.string()),
        ("giltig_fran", pa.date32()),
        ("version", pa.int64()),
    ]
)

_TZ = ZoneInfo("Europe/Stockholm")


def _today() -> date:
    return datetime.now(_TZ).date()


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def read_results(data: bytes, file_name: str) -> pa.Table:
    """Read VIS results, in the upload (long) format or the older CSV export; see the module docstring."""
    text = swecsv.decode(data, file_name)
    lines = text.splitlines(keepends=True)
    header = next(csv.reader([lines[0]], delimiter=";")) if lines else []
    header = [h.strip().lstrip("\ufeff") for h in header]
    if "MeasureID" in header:
        return _read_upload(text, lines, file_name)
    if "Mätperiod" in header or "Värde" in header:
        return _read_export(data, header, file_name)
    raise swecsv.rejection(
        file_name,
        "vis-format",
        "okänt format: väntade VIS uppladdningsformat (kolumnen MeasureID m.fl.) eller VIS äldre "
        "CSV-export (kolumnerna Titel, Enhetsnamn, Mätperiod, Värde m.fl.)",
        row=1,
    )


def _read_upload(text: str, lines: list[str], file_name: str) -> pa.Table:
    register_hsaid: str | None = None
    if len(lines) > 1:
        first = next(csv.reader([lines[1]], delimiter=";"), [""])
        cell = (first[0] if first else "").strip()
        if cell.startswith(("KEEP_", "DELETE_")) or "EXISTING_DATA" in cell:
            match = INSTRUCTION.fullmatch(cell)
            if match is None:
                raise swecsv.rejection(
                    file_name,
                    "vis-instruktion",
                    f"ogiltig instruktion {cell!r}: väntade KEEP_EXISTING_DATA_FOR_REGISTER_HSAID:<hsa-id> "
                    "eller DELETE_EXISTING_DATA_FOR_REGISTER_HSAID:<hsa-id>",
                    row=2,
                )
            if any(field.strip() for field in first[1:]):
                raise swecsv.rejection(
                    file_name,
                    "vis-instruktion",
                    "instruktionsraden ska bara ha den första cellen ifylld",
                    row=2,
                )
            register_hsaid = match.group(2).strip()
            # a blank line in its place: the reader skips it and every line keeps its number
            text = lines[0] + ("\r\n" if lines[1].endswith("\r\n") else "\n") + "".join(lines[2:])
    table = swecsv.read_csv(text.encode(), file_name, UPLOAD_COLUMNS, row_column=ROW)
    cols = {name: table[name].to_pylist() for name in table.column_names}
    log = ViolationLog(file_name)
    rows_out: list[dict[str, Any]] = []
    today = _today()
    national_seen: dict[tuple[str, date, date], int] = {}
    keys_seen: dict[tuple[Any, ...], int] = {}
    for i in range(table.num_rows):
        v = {name: cols[name][i] for name in cols}
        row = v[ROW]
        check = _RowCheck(log, row)
        bad = check.bad
        measure = v["MeasureID"]
        if not MEASURE_ID.fullmatch(measure):
            bad("vis-matt-id", f"{measure!r} är inget MeasureID (UUID eller fem siffror)", "MeasureID")
        start = _iso_date(v["PeriodReportedStartDate"])
        end = _iso_date(v["PeriodReportedEndDate"])
        if start is None:
            bad("vis-period", f"{v['PeriodReportedStartDate']!r} är inget datum", "PeriodReportedStartDate")
        if end is None:
            bad("vis-period", f"{v['PeriodReportedEndDate']!r} är inget datum", "PeriodReportedEndDate")
        if start is not None and end is not None:
            if end <= start:
                bad(
                    "vis-period",
                    f"periodens slut {end} ligger inte efter dess start {start}",
                    "PeriodReportedEndDate",
                )
            elif end > today:
                bad(
                    "vis-period",
                    f"perioden slutar {end}, efter dagens datum: ej avslutad period",
                    "PeriodReportedEndDate",
                )
        if (v["CountryName"] or "").lower() != "riket":
            bad("vis-land", f"CountryName ska vara Riket, är {v['CountryName']!r}", "CountryName")

        region = v["RegionOrganisationId"]
        if region is not None and region not in reference.LAN:
            bad(
                "vis-region",
                f"okänd länskod {region!r}: väntade 01–25 (tvåsiffrig länskod) eller tom för riket",
                "RegionOrganisationId",
            )
        if region is not None and not v["RegionName"]:
            bad("vis-region", "RegionName saknas för en rad med länskod", "RegionName")

        level, unit, unit_id = _upload_level(v, region, bad)
        reason = v["ReasonCode"]
        if reason == "NA":
            reason = None
        if reason is not None and reason not in REASON_CODES:
            bad(
                "vis-orsakskod",
                f"{reason!r} är ingen orsakskod (MSK, NI, INV, UNK eller tom/NA)",
                "ReasonCode",
            )
        _check_values(v, reason, bad)
        if register_hsaid is not None and v["RegisterHSAID"] != register_hsaid:
            bad(
                "vis-register",
                f"RegisterHSAID {v['RegisterHSAID']!r} skiljer sig från instruktionens {register_hsaid!r}",
                "RegisterHSAID",
            )
        if check.ok and start is not None and end is not None:
            if region is None:
                national = (measure, start, end)
                if national in national_seen:
                    bad(
                        "vis-riket",
                        f"en andra riksrad för mått {measure}, period {start}–{end} (första på rad "
                        f"{national_seen[national]}): högst en rad utan RegionOrganisationId per mått "
                        "och period",
                        "RegionOrganisationId",
                    )
                national_seen.setdefault(national, row)
            else:
                key = (measure, start, end, region, level, unit, unit_id)
                if key in keys_seen:
                    bad(
                        "vis-dubblett",
                        f"mått {measure}, period {start}–{end}, region {region}, enhet {unit or '–'} finns "
                        f"redan på rad {keys_seen[key]}",
                        None,
                    )
                keys_seen.setdefault(key, row)
        if check.ok:
            rows_out.append(
                {
                    "format": FORMAT_UPLOAD,
                    "kalla_rad": row,
                    "matt_id": measure,
                    "register_namn": v["RegisterNamn"],
                    "register_hsaid": v["RegisterHSAID"],
                    "period_start": start,
                    "period_slut": end,
                    "region_kod": region,
                    "region_namn": v["RegionName"],
                    "land": v["CountryName"],
                    "enhetsniva": level,
                    "enhet": unit,
                    "enhet_hsaid": unit_id,
                    "kommun_kod": v["MunicipalityOrganisationID"],
                    "taljare": v["Numerator"],
                    "namnare": v["Denominator"],
                    "andel": v["Rate"],
                    "varde": v["Value"],
                    "ki_lag": v["ConfidenceIntervalLower"],
                    "ki_hog": v["ConfidenceIntervalHigher"],
                    "standardavvikelse": v["Standarddeviation"],
                    "matpopulation": v["Measurepopulation"],
                    "exkluderade": v["Exclusions"],
                    "tackningsgrad": v["Coverage"],
                    "kohort": v["Cohort"],
                    "referensintervall_andel": v["ReferenceIntervalRate"],
                    "referensintervall_varde": v["ReferenceIntervalValue"],
                    "version": v["Version"],
                    "orsakskod": reason,
                }
            )
    log.raise_if_any()
    return _result_table(rows_out)


class _RowCheck:
    """Collects the broken rules of one delivered row."""

    def __init__(self, log: ViolationLog, row: int):
        self.log = log
        self.row = row
        self.ok = True

    def bad(self, rule: str, message: str, column: str | None) -> None:
        self.log.add(rule, message, row=self.row, column=column)
        self.ok = False


def _upload_level(
    v: dict[str, Any], region: str | None, bad: Callable[[str, str, str | None], None]
) -> tuple[str, str | None, str | None]:
    """The row's level (riket, region, sjukhus, enhet, kommun), unit name and id; RCSTAT's unit rules."""
    names = [(c, v[c]) for c in ("UnitName", "HospitalName") if v[c]]
    ids = [(c, v[c]) for c in ("UnitHSAID", "HospitalHSAID", "HospitalOrganisationId") if v[c]]
    municipality = v["MunicipalityOrganisationID"]
    if len(names) > 1:
        bad("vis-enhet", "både UnitName och HospitalName är ifyllda: högst en", "HospitalName")
    if len(ids) > 1:
        bad(
            "vis-enhet",
            "högst ett av UnitHSAID, HospitalHSAID och HospitalOrganisationId får fyllas i",
            ids[1][0],
        )
    if names and not ids:
        bad(
            "vis-enhet",
            f"enheten {names[0][1]!r} saknar HSA-id",
            "UnitHSAID" if names[0][0] == "UnitName" else "HospitalHSAID",
        )
    if ids and not names:
        bad(
            "vis-enhet",
            f"HSA-id {ids[0][1]!r} saknar namn",
            "UnitName" if ids[0][0] == "UnitHSAID" else "HospitalName",
        )
    if municipality is not None:
        if not re.fullmatch(r"\d{4}", municipality):
            bad(
                "vis-enhet", f"ogiltig kommunkod {municipality!r}: fyra siffror", "MunicipalityOrganisationID"
            )
        elif region is not None and not municipality.startswith(region):
            bad(
                "vis-enhet",
                f"kommunen {municipality} ligger inte i län {region}",
                "MunicipalityOrganisationID",
            )
        if names:
            bad(
                "vis-enhet",
                "en rad är antingen på kommun- eller enhetsnivå, inte båda",
                "MunicipalityOrganisationID",
            )
    if region is None:
        if names or ids or municipality:
            bad(
                "vis-enhet",
                "enhet eller kommun saknar RegionOrganisationId (riksraden har ingen enhet)",
                "RegionOrganisationId",
            )
        return "riket", None, None
    if municipality is not None:
        return "kommun", v["MunicipalityName"], None
    if names:
        kind = "enhet" if names[0][0] == "UnitName" else "sjukhus"
        return kind, names[0][1], ids[0][1] if ids else None
    return "region", None, None


def _check_values(v: dict[str, Any], reason: str | None, bad: Callable[[str, str, str | None], None]) -> None:
    rate, value = v["Rate"], v["Value"]
    numerator, denominator = v["Numerator"], v["Denominator"]
    lower, higher = v["ConfidenceIntervalLower"], v["ConfidenceIntervalHigher"]
    if reason is not None:
        for column, present in (
            ("Value", value),
            ("Rate", rate),
            ("ConfidenceIntervalLower", lower),
            ("ConfidenceIntervalHigher", higher),
        ):
            if present is not None:
                bad(
                    "vis-undertryckt",
                    f"orsakskod {reason} men {column} är ifyllt ({present:g}): ska vara tomt",
                    column,
                )
        return
    if rate is None and value is None:
        bad("vis-varde", "varken Rate eller Value är ifyllt och ReasonCode saknas", "Value")
    if rate is not None:
        if numerator is None:
            bad("vis-andel", "Rate kräver Numerator", "Numerator")
        if denominator is None:
            bad("vis-andel", "Rate kräver Denominator", "Denominator")
        if not 0 <= rate <= 1:
            bad("vis-andel", f"Rate {rate:g} ligger utanför 0–1 (andel, inte procent)", "Rate")
        elif abs(round(rate * 10_000) - rate * 10_000) > 1e-6:
            bad("vis-andel", f"Rate {rate!r} har fler än fyra decimaler", "Rate")
        if numerator is not None and denominator is not None:
            if denominator == 0:
                bad("vis-andel", "Denominator är 0 men Rate är ifyllt", "Denominator")
            elif numerator > denominator:
                bad("vis-andel", f"Numerator {numerator} är större än Denominator {denominator}", "Numerator")
            elif abs(rate - numerator / denominator) > RATE_TOLERANCE:
                bad(
                    "vis-andel",
                    f"Rate {rate:g} stämmer inte med Numerator/Denominator = {numerator}/{denominator} "
                    f"= {numerator / denominator:.4f}",
                    "Rate",
                )
    if (lower is None) != (higher is None):
        missing = "ConfidenceIntervalHigher" if higher is None else "ConfidenceIntervalLower"
        bad("vis-ki", "konfidensintervallets gränser ska finnas båda eller ingen", missing)
    elif lower is not None and higher is not None:
        if lower > higher:
            bad(
                "vis-ki",
                f"nedre gränsen {lower:g} är större än den övre {higher:g}",
                "ConfidenceIntervalLower",
            )
        elif rate is not None and not (0 <= lower <= rate <= higher <= 1):
            column = "ConfidenceIntervalLower" if not 0 <= lower <= rate else "ConfidenceIntervalHigher"
            bad(
                "vis-ki",
                f"intervallet {lower:g}–{higher:g} ska ligga inom 0–1 och omsluta Rate {rate:g}",
                column,
            )
        elif rate is None and value is not None and not lower <= value <= higher:
            bad(
                "vis-ki",
                f"intervallet {lower:g}–{higher:g} omsluter inte Value {value:g}",
                "ConfidenceIntervalLower",
            )


def _iso_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


# -- the older CSV export -------------------------------------------------------------------------


def export_units() -> dict[str, tuple[str | None, str, str | None]]:
    """Enhetsnamn in the older export → (region_kod or None for riket, enhetsnivå, enhet)."""
    units: dict[str, tuple[str | None, str, str | None]] = {"riket": (None, "riket", None)}
    for kod, namn in reference.REGION_KORTNAMN.items():
        units[namn.lower()] = (kod, "region", None)
    for kod, namn in reference.REGION_NAMN.items():
        units[namn.lower()] = (kod, "region", None)
    for kod, namn in reference.LAN.items():
        units[namn.lower()] = (kod, "region", None)
    for sjukhus in reference.NORRBOTTEN_SJUKHUS.values():
        units[sjukhus.namn.lower()] = (reference.NORRBOTTEN, "sjukhus", sjukhus.namn)
    return units


def export_period(text: str) -> tuple[date, date] | None:
    """``Mätperiod`` → (first day, last day), or None when it is not a period the export uses."""
    match = _EXPORT_PERIOD.fullmatch(text.strip())
    if match is None:
        return None
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            return None
        first, months = date(year, month, 1), 1
    elif match["half"]:
        first, months = date(year, 6 * (int(match["half"]) - 1) + 1, 1), 6
    elif match["quarter"]:
        first, months = date(year, 3 * (int(match["quarter"]) - 1) + 1, 1), 3
    else:
        first, months = date(year, 1, 1), 12
    after = first.month - 1 + months
    last = date(first.year + after // 12, after % 12 + 1, 1) - timedelta(days=1)
    return first, last


def _export_number(text: str | None) -> tuple[float | None, str | None, str | None]:
    """``Värde`` → (number, reason code, error)."""
    if text is None or not text.strip():
        return None, None, "Värde är tomt: väntade ett tal eller UNK, MSK, INV, NI"
    value = text.strip()
    if value.upper() in REASON_CODES:
        return None, value.upper(), None
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", value)
    if re.fullmatch(r"-?\d+\.\d+", cleaned):
        return None, None, f"{value!r}: decimalpunkt, ska vara decimalkomma"
    try:
        number = float(cleaned.replace(",", "."))
    except ValueError:
        return None, None, f"{value!r} är varken ett tal eller UNK, MSK, INV, NI"
    if not math.isfinite(number):
        return None, None, f"{value!r} är inget ändligt tal"
    return number, None, None


def _export_count(text: str | None) -> tuple[int | None, bool]:
    """``Täljare``/``Nämnare`` → (count or None for ``-``/empty, ok)."""
    if text is None or text.strip() in ("", "-"):
        return None, True
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not re.fullmatch(r"\d+", cleaned):
        return None, False
    return int(cleaned), True


def _read_export(data: bytes, header: Sequence[str], file_name: str) -> pa.Table:
    if "Titel" not in header and "Diagramrubrik" not in header:
        raise swecsv.rejection(
            file_name, "csv-kolumn-saknas", "kolumnen saknas (eller Diagramrubrik)", row=1, column="Titel"
        )
    table = swecsv.read_csv(data, file_name, EXPORT_COLUMNS, row_column=ROW)
    cols = {name: table[name].to_pylist() for name in table.column_names}
    log = ViolationLog(file_name)
    units = export_units()
    today = _today()
    seen: dict[tuple[Any, ...], int] = {}
    rows_out: list[dict[str, Any]] = []
    for i in range(table.num_rows):
        v = {name: cols[name][i] for name in cols}
        row = v[ROW]
        check = _RowCheck(log, row)
        bad = check.bad
        title = v["Titel"] or v["Diagramrubrik"]
        if not title:
            bad("vis-export-titel", "både Titel och Diagramrubrik saknas", "Titel")
        unit_name = v["Enhetsnamn"]
        unit = units.get(unit_name.strip().lower())
        if unit is None:
            bad(
                "vis-export-enhet",
                f"okänd enhet {unit_name!r}: väntade Riket, en region (t.ex. Norrbotten eller Region "
                "Norrbotten) eller ett av Norrbottens sjukhus; exporten saknar regionkod, så andra regioners "
                "enheter kan inte placeras — filtrera bort dem",
                "Enhetsnamn",
            )
        period = export_period(v["Mätperiod"])
        if period is None:
            bad(
                "vis-export-period",
                f"{v['Mätperiod']!r} är ingen mätperiod (ÅÅÅÅ, ÅÅÅÅ-MM, ÅÅÅÅ H1, ÅÅÅÅ Q1 …)",
                "Mätperiod",
            )
        elif period[1] > today:
            bad("vis-export-period", f"perioden {v['Mätperiod']} är inte avslutad", "Mätperiod")
        value, reason, error = _export_number(v["Värde"])
        if error:
            bad("vis-export-varde", error, "Värde")
        numerator, ok_n = _export_count(v["Täljare"])
        if not ok_n:
            bad(
                "vis-export-antal",
                f"Täljare {v['Täljare']!r} är inget icke-negativt heltal eller -",
                "Täljare",
            )
        denominator, ok_d = _export_count(v["Nämnare/antal fall"])
        if not ok_d:
            bad(
                "vis-export-antal",
                f"Nämnare {v['Nämnare/antal fall']!r} är inget icke-negativt heltal eller -",
                "Nämnare/antal fall",
            )
        unit_of_measure = v["Måttenhet"]
        if numerator is not None and denominator is not None and numerator > denominator:
            bad("vis-export-antal", f"Täljare {numerator} är större än nämnaren {denominator}", "Täljare")
        elif unit_of_measure == "Procent" and value is not None:
            if not 0 <= value <= 100:
                bad("vis-export-varde", f"procentvärdet {value:g} ligger utanför 0–100", "Värde")
            elif numerator is not None and denominator:
                expected = 100 * numerator / denominator
                if abs(value - expected) > PERCENT_TOLERANCE:
                    bad(
                        "vis-export-andel",
                        f"Värde {value:g} % stämmer inte med Täljare/Nämnare = {numerator}/{denominator} "
                        f"= {expected:.1f} %",
                        "Värde",
                    )
        sex = v["Kön/Totalt"] or "Totalt"
        if check.ok:
            assert unit is not None and period is not None
            key = (title, sex, unit, period)
            if key in seen:
                bad(
                    "vis-dubblett",
                    f"{title!r}, {sex}, {unit_name}, {v['Mätperiod']} finns redan på rad {seen[key]}",
                    None,
                )
            seen.setdefault(key, row)
        if check.ok:
            assert unit is not None and period is not None
            rows_out.append(
                {
                    "format": FORMAT_EXPORT,
                    "kalla_rad": row,
                    "titel": title,
                    "diagramrubrik": v["Diagramrubrik"],
                    "omrade": v["Område"],
                    "register_namn": v["Register/källa"],
                    "mattenhet": unit_of_measure,
                    "matperiod": v["Mätperiod"],
                    "period_start": period[0],
                    "period_slut": period[1],
                    "region_kod": unit[0],
                    "region_namn": unit_name if unit[1] == "region" else None,
                    "land": "Riket",
                    "enhetsniva": unit[1],
                    "enhet": unit[2],
                    "kon_text": sex,
                    "taljare": numerator,
                    "namnare": denominator,
                    "varde": value,
                    "orsakskod": reason,
                }
            )
    log.raise_if_any()
    return _result_table(rows_out)


def _result_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table(
        {field.name: [r.get(field.name) for r in rows] for field in RESULT_SCHEMA}, schema=RESULT_SCHEMA
    )


# ---------------------------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------------------------


def read_catalog(data: bytes, file_name: str) -> pa.Table:
    """Read the indicator catalog (JSON); one raw row per measure and per sub-measure."""
    try:
        doc = strict_json(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as err:  # json.JSONDecodeError is a ValueError
        raise swecsv.rejection(
            file_name, "vis-katalog-json", f"filen är inte giltig JSON (UTF-8): {err}"
        ) from None
    measures = doc.get("pageResults") if isinstance(doc, dict) else doc
    if not isinstance(measures, list) or not measures:
        raise swecsv.rejection(
            file_name,
            "vis-katalog-format",
            "väntade ett objekt med listan pageResults (eller en lista) med minst ett mått",
        )
    log = ViolationLog(file_name)
    rows: list[dict[str, Any]] = []
    ids: dict[str, int] = {}
    titles: dict[str, int] = {}
    for index, measure in enumerate(measures, start=1):
        if not isinstance(measure, dict):
            log.add("vis-katalog-format", "måttet är inget JSON-objekt", row=index)
            continue
        parsed = _catalog_measure(measure, index, log)
        if parsed is None:
            continue
        for record in parsed:
            mid = record["matt_id"]
            if mid in ids:
                log.add(
                    "vis-katalog-dubblett",
                    f"id {mid} förekommer redan i mått {ids[mid]}",
                    row=index,
                    column="mId",
                )
            ids.setdefault(mid, index)
        title = parsed[0]["titel"].strip().lower()
        if title in titles:
            log.add(
                "vis-katalog-titel",
                f"titeln {parsed[0]['titel']!r} finns redan på mått {titles[title]}: titlar måste vara unika "
                "(den äldre CSV-exporten matchas på titel)",
                row=index,
                column="title",
            )
        titles.setdefault(title, index)
        rows += parsed
    log.raise_if_any()
    return pa.table({f.name: [r.get(f.name) for r in rows] for f in CATALOG_SCHEMA}, schema=CATALOG_SCHEMA)


# validFrom: epoch milliseconds from 1970-01-01 to 2100-01-01 (anything else is no catalog date)
VALID_FROM_RANGE = (0.0, 4_102_444_800_000.0)


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}…"


def _text(measure: dict[str, Any], key: str, index: int, log: ViolationLog, *, required: bool) -> str | None:
    value = measure.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            log.add("vis-katalog-falt", f"{key} saknas", row=index, column=key)
        return None
    if not isinstance(value, str):
        log.add("vis-katalog-falt", f"{key} ska vara en text, är {value!r}", row=index, column=key)
        return None
    return value.strip()


def _names(
    measure: dict[str, Any], key: str, allowed: Sequence[str] | None, index: int, log: ViolationLog
) -> str | None:
    value = measure.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(x, dict) and isinstance(x.get("name"), str) for x in value
    ):
        log.add("vis-katalog-falt", f'{key} ska vara en lista av {{"name": …}}', row=index, column=key)
        return None
    names = [x["name"] for x in value]
    for name in names:
        if allowed is not None and name not in allowed:
            log.add(
                "vis-katalog-falt",
                f"{name!r} är inget tillåtet värde ({', '.join(allowed)})",
                row=index,
                column=key,
            )
            return None
    return ", ".join(names)


def _catalog_measure(measure: dict[str, Any], index: int, log: ViolationLog) -> list[dict[str, Any]] | None:
    before = len(log.violations)
    mid = _text(measure, "mId", index, log, required=True)
    if mid is not None and not MEASURE_ID.fullmatch(mid):
        log.add(
            "vis-katalog-falt",
            f"mId {mid!r} är inget MeasureID (UUID eller fem siffror)",
            row=index,
            column="mId",
        )
    title = _text(measure, "title", index, log, required=True)
    unit_type = _text(measure, "unitType", index, log, required=True)
    if unit_type is not None and unit_type not in UNIT_TYPES:
        log.add(
            "vis-katalog-falt",
            f"unitType {unit_type!r}: väntade {', '.join(UNIT_TYPES)}",
            row=index,
            column="unitType",
        )
    sought = _text(measure, "soughtValue", index, log, required=True)
    if sought is not None and sought not in SOUGHT_VALUES:
        log.add(
            "vis-katalog-falt",
            f"soughtValue {sought!r}: väntade Högt eller Lågt",
            row=index,
            column="soughtValue",
        )
    target = measure.get("targetValue")
    if target is not None:
        if plain_number(target) is None:
            log.add(
                "vis-katalog-falt",
                f"targetValue {_shown(target)} är inget ändligt tal",
                row=index,
                column="targetValue",
            )
        elif unit_type == "Andel" and not 0 <= target <= 1:
            log.add(
                "vis-katalog-falt",
                f"targetValue {target:g} för en andel ska ligga i 0–1 (bråk, inte procent)",
                row=index,
                column="targetValue",
            )
        elif target < 0:
            log.add(
                "vis-katalog-falt", f"targetValue {target:g} är negativt", row=index, column="targetValue"
            )
    valid_from = measure.get("validFrom")
    giltig: date | None = None
    if valid_from is not None:
        millis = plain_number(valid_from)
        if millis is None or not VALID_FROM_RANGE[0] <= millis <= VALID_FROM_RANGE[1]:
            log.add(
                "vis-katalog-falt",
                f"validFrom {_shown(valid_from)} ska vara epoch-millisekunder mellan 1970 och 2100",
                row=index,
                column="validFrom",
            )
        else:
            giltig = datetime.fromtimestamp(millis / 1000, UTC).astimezone(_TZ).date()
    version = measure.get("versionNr")
    if version is not None and (
        isinstance(version, bool) or not isinstance(version, int) or not 0 <= version < INT64_LIMIT
    ):
        log.add(
            "vis-katalog-falt",
            f"versionNr {_shown(version)} ska vara ett heltal från 0 till 2^63 − 1",
            row=index,
            column="versionNr",
        )
    status = _text(measure, "status", index, log, required=False)
    if status is not None and status not in ("PUBLISHED", "UNPUBLISHED"):
        log.add(
            "vis-katalog-falt",
            f"status {status!r}: väntade PUBLISHED eller UNPUBLISHED",
            row=index,
            column="status",
        )
    owner = measure.get("measureOwner")
    source_name = _text(measure, "measurementSourceName", index, log, required=False)
    if source_name is None and isinstance(owner, dict) and isinstance(owner.get("name"), str):
        source_name = owner["name"]
    main = {
        "kalla_rad": index,
        "matt_id": mid,
        "huvudmatt_id": None,
        "version_id": _text(measure, "id", index, log, required=False),
        "kon_kod": None,
        "alder_kod": None,
        "titel": title,
        "definition": _text(measure, "measureDefinition", index, log, required=False),
        "npo": _text(measure, "npo", index, log, required=False),
        "enhetstyp": unit_type,
        "onskat_varde": sought,
        "malvarde": plain_number(target),
        "matttyp": _text(measure, "measureType", index, log, required=False),
        "matfrekvens": _names(measure, "measuringFrequencies", FREQUENCIES, index, log),
        "organisationsniva": _names(measure, "organizationalLevels", None, index, log),
        "matkalla": source_name,
        "status": status,
        "giltig_fran": giltig,
        "version": version,
    }
    records = [main]
    subs = measure.get("submeasures") or []
    if not isinstance(subs, list):
        log.add("vis-katalog-falt", "submeasures ska vara en lista", row=index, column="submeasures")
        subs = []
    seen: set[tuple[str | None, str | None]] = set()
    for n, sub in enumerate(subs, start=1):
        where = f"submeasures[{n}]"
        if not isinstance(sub, dict):
            log.add("vis-katalog-falt", "delmåttet är inget JSON-objekt", row=index, column=where)
            continue
        sub_id = sub.get("id")
        if not isinstance(sub_id, str) or not MEASURE_ID.fullmatch(sub_id):
            log.add(
                "vis-katalog-falt",
                f"delmåttets id {sub_id!r} är inget MeasureID",
                row=index,
                column=f"{where}.id",
            )
            continue
        gender = _code(sub, "gender")
        age = _code(sub, "age")
        if gender is not None and gender not in GENDER_CODES:
            log.add(
                "vis-katalog-falt",
                "gender.codeValue ska vara 1 (man) eller 2 (kvinna)",
                row=index,
                column=f"{where}.gender",
            )
            continue
        if age is not None and not AGE_CODE.fullmatch(age):
            log.add(
                "vis-katalog-falt",
                "age.codeValue ska vara t.ex. 18-64, 65-79, 80+ eller 80-",
                row=index,
                column=f"{where}.age",
            )
            continue
        if gender is None and age is None:
            log.add("vis-katalog-falt", "delmåttet har varken gender eller age", row=index, column=where)
            continue
        key = (gender, age)
        if key in seen:
            log.add("vis-katalog-falt", "två delmått med samma kön och ålder", row=index, column=where)
            continue
        seen.add(key)
        records.append(
            {
                **main,
                "matt_id": sub_id,
                "huvudmatt_id": mid,
                "version_id": None,
                "kon_kod": gender,
                "alder_kod": age,
            }
        )
    if len(log.violations) > before:
        return None
    return records


def _code(sub: dict[str, Any], key: str) -> str | None:
    """``sub[key]["codeValue"]`` as text; None when absent; "" when malformed."""
    value = sub.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        return ""
    code = value.get("codeValue")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    return code.strip() if isinstance(code, str) else ""


SOURCES = [
    Source(
        name="vis-katalog",
        raw_table="raw_vis__katalog",
        core_table="core_vis__katalog",
        reader=read_catalog,
        description="Vården i siffror: indikatorkatalog (mått, delmått per kön och ålder, NPO, målvärde)",
        code_modules=(swecsv, sys.modules[__name__]),
        order=40,
        extensions=(".json",),
    ),
    Source(
        name="vis-indikatorer",
        raw_table="raw_vis__indikatorer",
        core_table="core_vis__resultat",
        reader=read_results,
        description="Vården i siffror: indikatorresultat (VIS långformat eller äldre CSV-export)",
        code_modules=(swecsv, reference, sys.modules[__name__]),
        depends_on=("core_vis__katalog", "core_ref__regioner"),
        order=41,
        extensions=(".csv",),
    ),
]
