"""SVF (standardiserade vårdförlopp, cancer): maximum lead times, patient-level events and aggregates.

Three sources (``sources.md`` §3; formats documented in ``data_contracts/svf_importformat.md``), as
Swedish CSV (``;``, decimal comma, UTF-8 or Windows-1252) or, with the same columns, Excel
(``.xlsx``; the maximum lead times are a table analysts keep by hand) or Parquet (the extracts):

* ``svf-maxledtider`` — the maximum lead time per SVF and treatment type from RCC Kunskapsbanken
  ("Ledtider för nationell uppföljning"), and the national target (80 % within the lead time):
  ``svf;vardforlopp;behandlingstyp;max_ledtid_dagar;nationellt_mal``.
* ``svf-handelser`` — patient-level SVF events as the region's systems register them (KVÅ chapter V
  codes ``V`` + area letter + SVF digit + two-digit event code, e.g. ``VC010`` välgrundad misstanke
  lungcancer): ``patient_id;kon;alder;kommun_kod;region_kod;sjukhus;kva_kod;datum``. ``kon``,
  ``alder``, ``kommun_kod`` and ``sjukhus`` are optional columns.
* ``svf-ledtider`` — aggregates per SVF × region × period as RCC/SKR publish them:
  ``svf;region_kod;period;antal;antal_inom_maxledtid;median_ledtid``. Cells with fewer than five
  patients are delivered suppressed: ``antal`` = ``<5`` and the other two empty.

Rule ids (besides :mod:`pipelines.sources.swecsv`'s ``csv-*``): ``svf-kod``, ``svf-dubblett``,
``svf-kva-kod``, ``svf-handelsekod``, ``svf-datum``, ``svf-region``, ``svf-sjukhus``, ``svf-kommun``,
``svf-period``, ``svf-antal``, ``svf-undertryckning``, ``svf-personnummer`` (a ``patient_id`` shaped like
a personnummer or samordningsnummer, as KPP's rule: never echoed in the message).
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

from pipelines import reference
from pipelines.sources import kpp, swecsv
from pipelines.sources.pxweb import ViolationLog
from pipelines.sources.registry import Source
from pipelines.sources.swecsv import Col

SVF_CODE = r"V[A-Z][0-9]"  # the SVF's three-character prefix, e.g. VC0 lungcancer
KVA_CODE = re.compile(r"(V[A-Z][0-9])([0-9]{2})")
FIRST_DATE = date(2015, 1, 1)  # SVF was introduced in 2015
SUPPRESSED = "<5"
ROW = "kalla_rad"  # each record's line (CSV) or sheet row (Excel) / record number (Parquet)
MAXLEDTID_FORMATS = (".csv", ".xlsx")  # a table analysts keep by hand
DATA_FORMATS = (".csv", ".parquet", ".xlsx")  # extracts from the region's systems
MIN_SHOWN = 5  # RCC shows lead times only for at least five patients

# Event codes (sources.md §3.3): the last two digits of the KVÅ code → (handelsetyp, behandlingstyp).
EVENT_CODES: dict[str, tuple[str, str | None]] = {
    "05": ("remissbeslut", None),
    "10": ("valgrundad_misstanke", None),
    "22": ("diagnostik", None),
    "25": ("forsta_besok", None),
    "35": ("mdk", None),
    "40": ("diagnosbesked", None),
    "44": ("behandlingsbeslut", None),
    "50": ("behandlingsstart", "kirurgi"),
    "52": ("behandlingsstart", "lakemedel"),
    "54": ("behandlingsstart", "stralbehandling"),
    "58": ("behandlingsstart", "palliativ"),
    "59": ("behandlingsstart", "annan"),
    "60": ("behandlingsstart", "expektans"),
    "65": ("behandlingsstart", "ingen_behandling"),
    "70": ("avslut", None),
    "72": ("avslut", None),
    "73": ("avslut", None),
    "74": ("avslut", None),
    "76": ("avslut", None),
    "78": ("avslut", None),
    "90": ("overflyttad", None),
    "91": ("mottagen", None),
}
TREATMENT_TYPES = frozenset(t for _, t in EVENT_CODES.values() if t is not None)

MAXLEDTID_COLUMNS: tuple[Col, ...] = (
    Col("svf", pattern=SVF_CODE, description="SVF:ets tre första tecken i KVÅ-koden, t.ex. VC0"),
    Col("vardforlopp", description="vårdförloppets namn, t.ex. Lungcancer"),
    Col("behandlingstyp", allowed=TREATMENT_TYPES, description="behandlingstyp"),
    Col("max_ledtid_dagar", "int", min=1, max=365, description="kalenderdagar från välgrundad misstanke"),
    Col("nationellt_mal", "decimal", min=0, max=1, description="andel inom ledtiden som målet anger (0,8)"),
)

EVENT_COLUMNS: tuple[Col, ...] = (
    # checked in read_events: first that it is no personnummer (never echoed), then PATIENT_ID
    Col("patient_id", description="pseudonymiserat patient-id (aldrig personnummer)"),
    Col("kon", nullable=True, required=False, allowed=frozenset({"K", "M"}), description="K eller M"),
    Col("alder", "int", nullable=True, required=False, min=0, max=120, description="ålder vid händelsen"),
    Col("kommun_kod", nullable=True, required=False, pattern=r"\d{4}", description="folkbokföringskommun"),
    Col("region_kod", pattern=r"\d{2}", description="patientens län (länstillhörighet), två siffror"),
    Col("sjukhus", nullable=True, required=False, description="sjukhuskod där händelsen registrerades"),
    Col("kva_kod", description="KVÅ-kod, V + bokstav + siffra + två siffror, t.ex. VC010"),
    Col("datum", description="händelsens datum, ÅÅÅÅ-MM-DD"),
)

AGGREGATE_COLUMNS: tuple[Col, ...] = (
    Col("svf", pattern=SVF_CODE, description="SVF:ets tre första tecken i KVÅ-koden"),
    Col("region_kod", description="00 riket eller tvåsiffrig länskod"),
    Col("period", description="ÅÅÅÅ, ÅÅÅÅ-MM, ÅÅÅÅ-H1/H2 eller ÅÅÅÅ-Q1..Q4"),
    Col("antal", description="antal patienter som startat behandling, eller <5 (undertryckt)"),
    Col("antal_inom_maxledtid", "int", nullable=True, min=0, description="antal inom maximal ledtid"),
    Col("median_ledtid", "decimal", nullable=True, min=0, description="median ledtid i kalenderdagar"),
)

MAXLEDTID_SCHEMA = pa.schema(
    [
        ("svf", pa.string()),
        ("vardforlopp", pa.string()),
        ("behandlingstyp", pa.string()),
        ("max_ledtid_dagar", pa.int64()),
        ("nationellt_mal", pa.float64()),
        ("kalla_rad", pa.int64()),
    ]
)
EVENT_SCHEMA = pa.schema(
    [
        ("patient_id", pa.string()),
        ("kon", pa.string()),
        ("alder", pa.int64()),
        ("kommun_kod", pa.string()),
        ("region_kod", pa.string()),
        ("sjukhus", pa.string()),
        ("kva_kod", pa.string()),
        ("datum", pa.date32()),
        ("kalla_rad", pa.int64()),
    ]
)
AGGREGATE_SCHEMA = pa.schema(
    [
        ("svf", pa.string()),
        ("region_kod", pa.string()),
        ("period", pa.string()),
        ("period_start", pa.date32()),
        ("period_slut", pa.date32()),
        ("antal", pa.int64()),
        ("undertryckt", pa.bool_()),
        ("antal_inom_maxledtid", pa.int64()),
        ("median_ledtid", pa.float64()),
        ("kalla_rad", pa.int64()),
    ]
)

_PERIOD = re.compile(r"(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|H(?P<half>[12])|Q(?P<quarter>[1-4])))?")
_TZ = ZoneInfo("Europe/Stockholm")


def _today() -> date:
    return datetime.now(_TZ).date()


def parse_period(text: str) -> tuple[date, date] | None:
    """``2020`` / ``2020-03`` / ``2020-H1`` / ``2020-Q2`` → (first day, last day); None if malformed."""
    match = _PERIOD.fullmatch(text.strip())
    if match is None:
        return None
    year = int(match["year"])
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            return None
        first, months = date(year, month, 1), 1
    elif match["half"]:
        first, months = date(year, 6 * int(match["half"]) - 5, 1), 6
    elif match["quarter"]:
        first, months = date(year, 3 * int(match["quarter"]) - 2, 1), 3
    else:
        first, months = date(year, 1, 1), 12
    after = first.month - 1 + months
    return first, date(first.year + after // 12, after % 12 + 1, 1) - timedelta(days=1)


def _columns(table: pa.Table) -> list[dict[str, Any]]:
    cols = {name: table[name].to_pylist() for name in table.column_names}
    return [{name: cols[name][i] for name in cols} for i in range(table.num_rows)]


def _table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    return pa.table({f.name: [r.get(f.name) for r in rows] for f in schema}, schema=schema)


# ---------------------------------------------------------------------------------------------


def read_maxledtider(data: bytes, file_name: str) -> pa.Table:
    """Maximum lead time per SVF × treatment type; unique (svf, behandlingstyp)."""
    rows = _columns(
        swecsv.read_file(data, file_name, MAXLEDTID_COLUMNS, formats=MAXLEDTID_FORMATS, row_column=ROW)
    )
    log = ViolationLog(file_name)
    seen: dict[tuple[str, str], int] = {}
    out = []
    for v in rows:
        row = v[ROW]
        key = (v["svf"], v["behandlingstyp"])
        if key in seen:
            log.add(
                "svf-dubblett",
                f"{key[0]} {key[1]} finns redan på rad {seen[key]}: "
                "en maximal ledtid per SVF och behandlingstyp",
                row=row,
            )
            continue
        seen[key] = row
        out.append({**v, "kalla_rad": row})
    log.raise_if_any()
    return _table(out, MAXLEDTID_SCHEMA)


PATIENT_ID = r"[A-Za-z0-9_-]{4,64}"


def _check_pseudonyms(table: pa.Table, file_name: str) -> None:
    """``patient_id`` is a pseudonym: a personnummer or samordningsnummer (10 or 12 digits with a
    date, with or without - or +) is rejected without echoing it (``svf-personnummer``)."""
    kpp.check_pseudonyms(table, file_name, ROW, PATIENT_ID, "svf-personnummer")


def read_events(data: bytes, file_name: str) -> pa.Table:
    """Patient-level SVF events (KVÅ codes); see the module docstring."""
    table = swecsv.read_file(data, file_name, EVENT_COLUMNS, formats=DATA_FORMATS, row_column=ROW)
    _check_pseudonyms(table, file_name)
    rows = _columns(table)
    kommuner = {r.kod for r in reference.regions() if r.typ == "kommun"}
    log = ViolationLog(file_name)
    today = _today()
    seen: dict[tuple[str, str, date], int] = {}
    out = []
    for v in rows:
        row = v[ROW]
        before = len(log.violations)
        code = v["kva_kod"]
        match = KVA_CODE.fullmatch(code)
        if match is None:
            log.add(
                "svf-kva-kod",
                f"{code!r} är ingen SVF-kod i KVÅ: väntade V + bokstav + siffra + två siffror, t.ex. VC010",
                row=row,
                column="kva_kod",
            )
        elif match.group(2) not in EVENT_CODES:
            log.add(
                "svf-handelsekod",
                f"händelsekoden {match.group(2)} i {code} är okänd (kända: {', '.join(EVENT_CODES)})",
                row=row,
                column="kva_kod",
            )
        day = _iso_date(v["datum"])
        if day is None:
            log.add("svf-datum", f"{v['datum']!r} är inget datum (ÅÅÅÅ-MM-DD)", row=row, column="datum")
        elif day < FIRST_DATE:
            log.add("svf-datum", f"datumet {day} ligger före 2015, då SVF infördes", row=row, column="datum")
        elif day > today:
            log.add("svf-datum", f"datumet {day} ligger i framtiden", row=row, column="datum")
        region = v["region_kod"]
        if region not in reference.LAN:
            log.add("svf-region", f"okänd länskod {region!r}: väntade 01–25", row=row, column="region_kod")
        kommun = v["kommun_kod"]
        if kommun is not None and region in reference.LAN and not kommun.startswith(region):
            log.add(
                "svf-kommun", f"kommunen {kommun} ligger inte i län {region}", row=row, column="kommun_kod"
            )
        elif kommun is not None and kommun not in kommuner and any(k[:2] == kommun[:2] for k in kommuner):
            log.add(
                "svf-kommun",
                f"okänd kommunkod {kommun}: länets kommuner är {', '.join(sorted(kommuner))}",
                row=row,
                column="kommun_kod",
            )
        hospital = v["sjukhus"]
        if (
            hospital is not None
            and region == reference.NORRBOTTEN
            and hospital not in reference.NORRBOTTEN_SJUKHUS
        ):
            log.add(
                "svf-sjukhus",
                f"okänd sjukhuskod {hospital!r} för Norrbotten: väntade "
                f"{', '.join(reference.NORRBOTTEN_SJUKHUS)} eller tom (vård utanför länet)",
                row=row,
                column="sjukhus",
            )
        if len(log.violations) > before:
            continue
        assert day is not None
        key = (v["patient_id"], code, day)
        if key in seen:
            log.add(
                "svf-dubblett",
                f"patient {key[0]}, {code}, {day} finns redan på rad {seen[key]}",
                row=row,
            )
            continue
        seen[key] = row
        out.append({**v, "datum": day, "kalla_rad": row})
    log.raise_if_any()
    return _table(out, EVENT_SCHEMA)


def read_aggregates(data: bytes, file_name: str) -> pa.Table:
    """Lead-time aggregates per SVF × region × period, with cells below five patients suppressed."""
    rows = _columns(
        swecsv.read_file(data, file_name, AGGREGATE_COLUMNS, formats=DATA_FORMATS, row_column=ROW)
    )
    log = ViolationLog(file_name)
    today = _today()
    seen: dict[tuple[str, str, date, date], int] = {}
    out = []
    for v in rows:
        row = v[ROW]
        before = len(log.violations)
        region = v["region_kod"]
        if region != reference.RIKET.kod and region not in reference.LAN:
            log.add(
                "svf-region",
                f"okänd regionkod {region!r}: väntade 00 (riket) eller 01–25",
                row=row,
                column="region_kod",
            )
        period = parse_period(v["period"])
        if period is None:
            log.add(
                "svf-period",
                f"{v['period']!r} är ingen period (ÅÅÅÅ, ÅÅÅÅ-MM, ÅÅÅÅ-H1, ÅÅÅÅ-Q1)",
                row=row,
                column="period",
            )
        elif period[0] < FIRST_DATE:
            log.add(
                "svf-period",
                f"perioden {v['period']} ligger före 2015, då SVF infördes",
                row=row,
                column="period",
            )
        elif period[1] > today:
            log.add("svf-period", f"perioden {v['period']} är inte avslutad", row=row, column="period")
        count_text = v["antal"].replace(" ", "")
        within, median = v["antal_inom_maxledtid"], v["median_ledtid"]
        count: int | None = None
        suppressed = count_text == SUPPRESSED
        if suppressed:
            for column, value in (("antal_inom_maxledtid", within), ("median_ledtid", median)):
                if value is not None:
                    log.add(
                        "svf-undertryckning",
                        f"cellen är undertryckt (antal {SUPPRESSED}) men {column} är ifyllt: ska vara tomt",
                        row=row,
                        column=column,
                    )
        elif not re.fullmatch(r"\d{1,18}", count_text):  # 18 digits: always below 2^63
            shown = repr(v["antal"]) if len(v["antal"]) <= 30 else repr(v["antal"][:27] + "…")
            log.add(
                "svf-antal",
                f"antal {shown} är varken ett heltal (högst 18 siffror) eller {SUPPRESSED}",
                row=row,
                column="antal",
            )
        else:
            count = int(count_text)
            if count < MIN_SHOWN:
                log.add(
                    "svf-undertryckning",
                    f"antal {count} är färre än {MIN_SHOWN} patienter: "
                    f"cellen ska levereras undertryckt ({SUPPRESSED})",
                    row=row,
                    column="antal",
                )
            if within is None:
                log.add("svf-antal", "antal_inom_maxledtid saknas", row=row, column="antal_inom_maxledtid")
            elif within > count:
                log.add(
                    "svf-antal",
                    f"antal inom maxledtid ({within}) är större än antal ({count})",
                    row=row,
                    column="antal_inom_maxledtid",
                )
            if median is None:
                log.add("svf-antal", "median_ledtid saknas", row=row, column="median_ledtid")
        if len(log.violations) > before:
            continue
        assert period is not None
        key = (v["svf"], region, period[0], period[1])
        if key in seen:
            log.add(
                "svf-dubblett",
                f"{v['svf']}, region {region}, period {v['period']} finns redan på rad {seen[key]}",
                row=row,
            )
            continue
        seen[key] = row
        out.append(
            {
                "svf": v["svf"],
                "region_kod": region,
                "period": v["period"],
                "period_start": period[0],
                "period_slut": period[1],
                "antal": count,
                "undertryckt": suppressed,
                "antal_inom_maxledtid": within,
                "median_ledtid": median,
                "kalla_rad": row,
            }
        )
    log.raise_if_any()
    return _table(out, AGGREGATE_SCHEMA)


def _iso_date(text: str) -> date | None:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


SOURCES = [
    Source(
        name="svf-maxledtider",
        raw_table="raw_svf__maxledtider",
        core_table="core_svf__maxledtider",
        reader=read_maxledtider,
        description="SVF: maximal ledtid per vårdförlopp och behandlingstyp, och det nationella målet (80 %)",
        code_modules=(swecsv, sys.modules[__name__]),
        order=50,
        extensions=MAXLEDTID_FORMATS,
    ),
    Source(
        name="svf-handelser",
        raw_table="raw_svf__handelser",
        core_table="core_svf__handelser",
        reader=read_events,
        description="SVF: händelser på patientnivå (KVÅ: välgrundad misstanke, behandlingsstart, avslut)",
        code_modules=(swecsv, kpp, reference, sys.modules[__name__]),
        depends_on=("core_svf__maxledtider", "core_ref__regioner"),
        order=51,
        extensions=DATA_FORMATS,
    ),
    Source(
        name="svf-ledtider",
        raw_table="raw_svf__aggregat",
        core_table="core_svf__aggregat",
        reader=read_aggregates,
        description="SVF: ledtider per vårdförlopp, region och period (antal, antal inom maxledtid, median)",
        code_modules=(swecsv, reference, sys.modules[__name__]),
        depends_on=("core_svf__maxledtider", "core_ref__regioner"),
        order=52,
        extensions=DATA_FORMATS,
    ),
]
