"""The Swedish CSV dialect that region systems export, and Parquet, read into checked Arrow tables.

CSV as Swedish systems write it: ``;`` between fields, decimal comma (``1234,50``; spaces or
no-break spaces as thousands separators are allowed), UTF-8 with or without BOM, or Windows-1252.
Every delivered file is checked against a list of :class:`Col` specs, vectorised with Polars, and
every broken rule becomes a :class:`~pipelines.errors.Violation` naming file, row, column and rule.

Row numbers are the file's line numbers as an editor shows them: the header is line 1, the first
data row line 2. For Parquet they are 1-based record numbers.

Rule ids: ``csv-kodning`` (neither UTF-8 nor Windows-1252), ``csv-avgransare`` (not
semicolon-separated), ``csv-trasig`` (ragged/truncated rows), ``csv-tom`` (no data rows),
``csv-kolumn-saknas``, ``csv-okand-kolumn``, ``csv-dubblett-kolumn``, ``csv-tomt-varde`` (null in a
required value), ``csv-heltal``, ``csv-decimal`` (incl. decimal point instead of comma),
``csv-kod`` (value outside the allowed set), ``csv-format`` (pattern), ``csv-intervall`` (range),
``parquet-las`` (unreadable Parquet).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import polars as pl
import pyarrow as pa

from pipelines.errors import RejectedInput, Violation
from pipelines.sources.pxweb import ViolationLog

Kind = Literal["text", "int", "decimal"]


@dataclass(frozen=True)
class Col:
    """One expected column: name, kind and the rules its values must keep."""

    name: str
    kind: Kind = "text"
    nullable: bool = False
    allowed: frozenset[str] | None = None  # for text: the allowed codes
    pattern: str | None = None  # for text: a regex every value must match in full
    min: float | None = None
    max: float | None = None
    required: bool = True  # the column must be present (else it is optional and filled with null)
    description: str = ""  # Swedish, for the documented import format

    @property
    def arrow_type(self) -> pa.DataType:
        return {"text": pa.string(), "int": pa.int64(), "decimal": pa.float64()}[self.kind]


def rejection(
    file_name: str, rule: str, message: str, row: int | None = None, column: str | None = None
) -> RejectedInput:
    """A one-violation rejection, to ``raise``."""
    return RejectedInput([Violation(file_name, rule, message, row, column)])


def decode(data: bytes, file_name: str) -> str:
    """UTF-8 (BOM stripped) or, failing that, Windows-1252, as Swedish exports come."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as err:
        raise rejection(
            file_name, "csv-kodning", f"filen är varken UTF-8 eller Windows-1252 (byte {err.start})"
        ) from None
    return text


def _ragged_line(text: str, width: int) -> tuple[int, int] | None:
    for number, fields in enumerate(csv.reader(io.StringIO(text), delimiter=";"), start=1):
        if fields and len(fields) != width:
            return number, len(fields)
    return None


def read_csv(data: bytes, file_name: str, columns: Sequence[Col], *, extra_ok: bool = False) -> pa.Table:
    """Read a Swedish CSV export and check it against ``columns``; returns typed Arrow columns."""
    text = decode(data, file_name)
    if not text.strip():
        raise rejection(file_name, "csv-tom", "filen är tom")
    header_line = text.splitlines()[0]
    names = next(csv.reader([header_line], delimiter=";"))
    if len(names) == 1 and ("," in header_line or "\t" in header_line):
        sep = "komma" if "," in header_line else "tabb"
        raise rejection(
            file_name,
            "csv-avgransare",
            f"filen ska vara semikolonseparerad, rubrikraden använder {sep}",
            row=1,
        )
    try:
        frame = pl.read_csv(
            text.encode(),
            separator=";",
            infer_schema=False,
            quote_char='"',
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        ragged = _ragged_line(text, len(names))
        if ragged:
            raise rejection(
                file_name,
                "csv-trasig",
                f"raden har {ragged[1]} fält, rubrikraden {len(names)} (avkortad eller trasig fil?)",
                row=ragged[0],
            ) from None
        raise rejection(file_name, "csv-trasig", f"filen kunde inte läsas som CSV: {err}") from None
    ragged = _ragged_line(text, len(names))
    if ragged:  # polars pads short rows silently when they are last: be strict
        raise rejection(
            file_name,
            "csv-trasig",
            f"raden har {ragged[1]} fält, rubrikraden {len(names)} (avkortad eller trasig fil?)",
            row=ragged[0],
        )
    return check_frame(frame, file_name, columns, first_row=2, extra_ok=extra_ok)


def read_parquet(data: bytes, file_name: str, columns: Sequence[Col], *, extra_ok: bool = False) -> pa.Table:
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as err:
        raise rejection(file_name, "parquet-las", f"filen kunde inte läsas som Parquet: {err}") from None
    return check_frame(frame, file_name, columns, first_row=1, extra_ok=extra_ok)


_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f]")


def _as_text(series: pl.Series) -> pl.Series:
    if series.dtype == pl.String:
        return series.str.strip_chars()
    return series.cast(pl.String)


def check_frame(
    frame: pl.DataFrame, file_name: str, columns: Sequence[Col], *, first_row: int, extra_ok: bool = False
) -> pa.Table:
    """Check and type a frame of delivered values (strings from CSV, native types from Parquet)."""
    log = ViolationLog(file_name)
    header = list(frame.columns)
    duplicates = sorted({n for n in header if header.count(n) > 1})
    for name in duplicates:
        log.add(
            "csv-dubblett-kolumn", "kolumnen finns två gånger", row=1 if first_row == 2 else None, column=name
        )
    expected = {c.name for c in columns}
    for c in columns:
        if c.required and c.name not in header:
            near = [h for h in header if h.lower().replace(" ", "_") == c.name or h.lower() == c.name]
            hint = f" (finns som {near[0]!r}?)" if near else ""
            log.add(
                "csv-kolumn-saknas",
                f"kolumnen saknas{hint}",
                row=1 if first_row == 2 else None,
                column=c.name,
            )
    if not extra_ok:
        for name in header:
            if name not in expected:
                log.add("csv-okand-kolumn", "okänd kolumn", row=1 if first_row == 2 else None, column=name)
    log.raise_if_any()
    if frame.height == 0:
        raise rejection(file_name, "csv-tom", "filen har inga datarader")

    out: dict[str, pa.Array] = {}
    for c in columns:
        if c.name not in header:
            out[c.name] = pa.nulls(frame.height, c.arrow_type)
            continue
        values, bad = _convert(frame[c.name], c)
        for rule, message, mask in bad:
            rows = pl.arange(0, frame.height, eager=True).filter(mask).head(20).to_list()
            shown = frame[c.name].filter(mask).head(20).to_list()
            for row, value in zip(rows, shown, strict=True):
                log.add(rule, message.replace("{value!r}", repr(value)), row=row + first_row, column=c.name)
        out[c.name] = values.to_arrow().cast(c.arrow_type)
    log.raise_if_any()
    return pa.table(out)


def _convert(series: pl.Series, c: Col) -> tuple[pl.Series, list[tuple[str, str, pl.Series]]]:
    bad: list[tuple[str, str, pl.Series]] = []
    text = _as_text(series)
    missing = text.is_null() | (text == "")
    if not c.nullable:
        bad.append(("csv-tomt-varde", "värde saknas", missing))
    if c.kind == "text":
        values = pl.Series(c.name, text).set(missing, None)
        present = ~missing
        if c.allowed is not None:
            bad.append(
                (
                    "csv-kod",
                    "{value!r} är inte en tillåten kod (" + ", ".join(sorted(c.allowed)[:12]) + ")",
                    present & ~values.is_in(sorted(c.allowed)).fill_null(False),
                )
            )
        if c.pattern is not None:
            bad.append(
                (
                    "csv-format",
                    "{value!r} har fel format (ska matcha " + c.pattern + ")",
                    present & ~values.str.contains(f"^(?:{c.pattern})$").fill_null(False),
                )
            )
        return values, bad
    if series.dtype.is_numeric():
        number = series.cast(pl.Float64)
        unparsable = pl.Series([False] * len(series))
    else:
        cleaned = text.str.replace_all(_NUMBER_SPACES.pattern, "")
        point = cleaned.str.contains(r"^-?\d+\.\d+$").fill_null(False)
        if c.kind == "decimal":
            bad.append(("csv-decimal", "{value!r}: decimalpunkt, ska vara decimalkomma", point & ~missing))
        number = cleaned.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        unparsable = number.is_null() & ~missing & ~point
        if c.kind == "int":
            unparsable = unparsable | point
    if c.kind == "int":
        fractional = (number.round(0) != number).fill_null(False)
        bad.append(("csv-heltal", "{value!r} är inte ett heltal", (unparsable | fractional) & ~missing))
        values = number.cast(pl.Int64, strict=False)
    else:
        bad.append(("csv-decimal", "{value!r} är inte ett tal", unparsable))
        values = number
    if c.min is not None:
        bad.append(
            ("csv-intervall", "{value!r} är mindre än " + f"{c.min:g}", (number < c.min).fill_null(False))
        )
    if c.max is not None:
        bad.append(
            ("csv-intervall", "{value!r} är större än " + f"{c.max:g}", (number > c.max).fill_null(False))
        )
    return values.set(missing, None), bad


def violation_rows(violations: Sequence[Violation]) -> list[tuple[int | None, str | None, str]]:
    """(row, column, rule) of each violation: handy in tests."""
    return [(v.row, v.column, v.rule) for v in violations]
