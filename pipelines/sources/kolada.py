"""Kolada (RKA's key-figure database), API v3 data responses: one KPI value per unit, year and kön.

A response page (``sources.md`` §5) is ``{"values": [{"kpi", "municipality", "period", "values":
[{"gender": "T|K|M", "status", "value"}]}], "next_url": …}``; larger results are paged through
``next_url`` and every page is one delivered file. Entries or values may carry ``isdeleted``: Kolada
withdrew them. :func:`read` returns the page as delivered, one row per value, with the Kolada unit id
and its SCB region code (:func:`scb_region_kod`, the one place the two code systems meet).

Kolada unit ids [3P, not confirmed for Norrbotten]: ``0000`` riket, ``00`` + the län code for a region
(``0025`` Region Norrbotten, ``0013`` Region Halland), and kommuner by their SCB kommun code (``2580``
Luleå). Kommungrupper (``G…``) and anything else are rejected: they have no SCB region code.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, NoReturn

import pyarrow as pa

from pipelines import reference
from pipelines.errors import RejectedInput, Violation
from pipelines.sources.pxweb import ViolationLog, plain_number, strict_json
from pipelines.sources.registry import Source

KOLADA_RIKET = "0000"
GENDERS = ("T", "K", "M")  # totalt, kvinnor, män
_KPI = re.compile(r"[NU]\d{5}")
_YEAR = re.compile(r"\d{4}")
_BOM = b"\xef\xbb\xbf"

SCHEMA = pa.schema(
    [
        ("kpi", pa.string()),
        ("kolada_id", pa.string()),
        ("region_kod", pa.string()),
        ("ar", pa.int32()),
        ("kon", pa.string()),
        ("varde", pa.float64()),
        ("status", pa.string()),
        ("borttagen", pa.bool_()),
        ("kalla_rad", pa.int64()),
    ]
)


def scb_region_kod(kolada_id: str) -> str | None:
    """The SCB region code of a Kolada unit id: ``0000`` → ``00``, ``0025`` → ``25``, ``2580`` → ``2580``.

    Returns None for ids that are not riket, a län (region) or a kommun in a known län.
    """
    if kolada_id == KOLADA_RIKET:
        return reference.RIKET.kod
    if len(kolada_id) == 4 and kolada_id.isdigit():
        if kolada_id.startswith("00"):
            return kolada_id[2:] if kolada_id[2:] in reference.LAN else None
        return kolada_id if kolada_id[:2] in reference.LAN else None
    return None


def kolada_id(scb_kod: str) -> str:
    """The Kolada unit id of an SCB region code (the inverse of :func:`scb_region_kod`)."""
    if scb_kod == reference.RIKET.kod:
        return KOLADA_RIKET
    if scb_kod in reference.LAN:
        return f"00{scb_kod}"
    if len(scb_kod) == 4 and scb_kod[:2] in reference.LAN:
        return scb_kod
    raise KeyError(f"Ingen Kolada-id för regionkoden {scb_kod!r}")


def read(data: bytes, file_name: str) -> pa.Table:
    """Read one Kolada v3 data page; raises ``RejectedInput`` naming file, entry (row), field and rule.

    Columns: see :data:`SCHEMA`. ``kalla_rad`` is the 1-based position of the entry in ``values``;
    ``borttagen`` is Kolada's ``isdeleted`` (on the entry or the value).
    """
    document = _load(data, file_name)
    log = ViolationLog(file_name)
    entries = document.get("values") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        _reject(file_name, "kolada-format", "Svaret ska vara ett objekt med listan 'values' (Kolada API v3).")
    next_url = document.get("next_url")
    if next_url is not None and not isinstance(next_url, str):
        log.add(
            "kolada-format", f"'next_url' ska vara en adress eller null, är {next_url!r}.", column="next_url"
        )

    rows: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
    seen: dict[tuple[str, str, int, str], int] = {}
    for position, entry in enumerate(entries, start=1):
        for row in _entry_rows(entry, position, log):
            key = (row["kpi"], row["kolada_id"], row["ar"], row["kon"])
            if key in seen:
                log.add(
                    "kolada-dubblett",
                    f"Värdet för {row['kpi']}, enhet {row['kolada_id']}, år {row['ar']}, kön {row['kon']} "
                    f"förekommer redan i post {seen[key]}.",
                    row=position,
                    column="gender",
                )
                continue
            seen[key] = position
            for name in SCHEMA.names:
                rows[name].append(row[name])
    log.raise_if_any()
    if not rows["kpi"] and not entries:
        _reject(file_name, "kolada-tom", "Svaret innehåller inga värden ('values' är tom).")
    return pa.table(rows, schema=SCHEMA)


def _load(data: bytes, file_name: str) -> Any:
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        _reject(file_name, "kolada-tom", "Filen är tom.")
    try:
        return strict_json(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        _reject(
            file_name, "kolada-kodning", f"Filen är inte UTF-8 (felaktig byte på position {error.start})."
        )
    except json.JSONDecodeError as error:
        _reject(
            file_name,
            "kolada-json",
            f"Filen är inte giltig JSON (rad {error.lineno}, tecken {error.colno}): {error.msg}. "
            "Är filen avkortad?",
        )
    except ValueError as error:
        _reject(file_name, "kolada-json", f"Filen är inte giltig JSON: {error}.")


def _reject(
    file_name: str, rule: str, message: str, row: int | None = None, column: str | None = None
) -> NoReturn:
    raise RejectedInput([Violation(file=file_name, rule=rule, message=message, row=row, column=column)])


def _entry_rows(entry: object, position: int, log: ViolationLog) -> list[dict[str, Any]]:
    if not isinstance(entry, dict):
        log.add("kolada-format", f"Posten ska vara ett objekt, är {entry!r}.", row=position)
        return []
    ok = True
    kpi = entry.get("kpi")
    if not isinstance(kpi, str) or not _KPI.fullmatch(kpi):
        log.add(
            "kolada-kpi", f"Ogiltigt nyckeltals-id {kpi!r}: väntade t.ex. N70061.", row=position, column="kpi"
        )
        ok = False
    unit = entry.get("municipality")
    region = scb_region_kod(unit) if isinstance(unit, str) else None
    if region is None:
        log.add(
            "kolada-region",
            f"Okänd Kolada-enhet {unit!r}: väntade 0000 (riket), 00 + länskod (region, t.ex. 0025) "
            "eller en kommunkod (t.ex. 2580).",
            row=position,
            column="municipality",
        )
        ok = False
    period = entry.get("period")
    year = _year(period)
    if year is None:
        log.add("kolada-ar", f"Ogiltig period {period!r}: väntade ett årtal.", row=position, column="period")
        ok = False
    entry_deleted = _deleted(entry.get("isdeleted", False), position, log)
    values = entry.get("values")
    if not isinstance(values, list) or not values:
        log.add("kolada-format", "Posten ska ha en icke-tom lista 'values'.", row=position, column="values")
        return []

    out: list[dict[str, Any]] = []
    for value in values:
        if not isinstance(value, dict):
            log.add(
                "kolada-format", f"Värdet ska vara ett objekt, är {value!r}.", row=position, column="values"
            )
            ok = False
            continue
        gender = value.get("gender")
        if gender not in GENDERS:
            log.add(
                "kolada-kon",
                f"Ogiltig könskod {gender!r}: väntade T (totalt), K (kvinnor) eller M (män).",
                row=position,
                column="gender",
            )
            ok = False
        number = value.get("value")
        if number is not None and plain_number(number) is None:
            shown = repr(number) if len(repr(number)) <= 40 else f"{repr(number)[:37]}…"
            log.add(
                "kolada-varde",
                f"Värdet {shown} är inte ett ändligt tal under 2^63.",
                row=position,
                column="value",
            )
            ok = False
        status = value.get("status")
        if status is not None and not isinstance(status, str):
            log.add(
                "kolada-format",
                f"'status' ska vara text eller null, är {status!r}.",
                row=position,
                column="status",
            )
            ok = False
        deleted = _deleted(value.get("isdeleted", False), position, log)
        if ok:
            out.append(
                {
                    "kpi": kpi,
                    "kolada_id": unit,
                    "region_kod": region,
                    "ar": year,
                    "kon": gender,
                    "varde": None if number is None else float(number),
                    "status": status or None,
                    "borttagen": bool(entry_deleted or deleted),
                    "kalla_rad": position,
                }
            )
    return out if ok else []


def _year(period: object) -> int | None:
    if isinstance(period, bool):
        return None
    if isinstance(period, int) and 1900 <= period <= 2100:
        return period
    if isinstance(period, str) and _YEAR.fullmatch(period) and 1900 <= int(period) <= 2100:
        return int(period)
    return None


def _deleted(flag: object, position: int, log: ViolationLog) -> bool:
    if isinstance(flag, bool):
        return flag
    log.add(
        "kolada-format",
        f"'isdeleted' ska vara true eller false, är {flag!r}.",
        row=position,
        column="isdeleted",
    )
    return False


SOURCES = [
    Source(
        name="kolada",
        raw_table="raw_kolada__varden",
        core_table="core_kolada__varden",
        reader=read,
        description="Kolada nyckeltal per region och år (API v3, en sida per fil)",
        code_modules=(sys.modules[__name__], reference),
        depends_on=("core_ref__regioner",),
        order=20,
    )
]
