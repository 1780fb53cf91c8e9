"""Parse PxWeb responses (SCB Statistikdatabasen) into one long Arrow table.

Three response formats are recognised from the content itself (see ``sources.md`` §1):

* ``json`` (API v1): ``{"columns": [...], "data": [{"key": [...], "values": [...]}], ...}`` with
  values as strings; eliminated variables are simply absent.
* ``json-stat`` (API v1, JSON-stat 1.x): ``{"dataset": {...}}`` with ``id``/``size``/``role`` inside
  ``dimension``.
* ``json-stat2`` (API v1 and v2): the same content without the wrapper, ``"version": "2.0"``,
  ``"class": "dataset"``.

Whatever the format, :func:`parse` returns a :class:`PxData` whose ``table`` has one string column per
dimension (codes), ``ContentsCode``, ``value`` (float64, null for missing markers) and ``source_row``
(1-based position in the file: the record in ``data`` or the cell in ``value``). Anything unreadable
raises :class:`~pipelines.errors.RejectedInput`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

import numpy as np
import pyarrow as pa

from pipelines.errors import RejectedInput, Violation

PxFormat = Literal["json", "json-stat", "json-stat2"]

CONTENTS_COLUMN = "ContentsCode"
VALUE_COLUMN = "value"
SOURCE_ROW_COLUMN = "source_row"
RESERVED_COLUMNS = frozenset({CONTENTS_COLUMN, VALUE_COLUMN, SOURCE_ROW_COLUMN})

# PxWeb's markers for values that are missing, confidential or not applicable.
MISSING_MARKERS = frozenset({"", ".", "..", "...", "....", "-"})

MAX_VIOLATIONS = 100
MAX_CELLS = 5_000_000  # far above SCB's 150 000 cells per request; guards against absurd sizes

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class PxData:
    """A parsed PxWeb response.

    ``dimensions`` lists the dimension codes in file order, without the content (metric) dimension.
    ``labels`` maps each dimension code, and ``ContentsCode``, to ``{code: label}``; v1 ``json``
    carries no value texts, so there the code doubles as its label (content columns keep their text).
    """

    format: PxFormat
    table_id: str | None
    updated: str | None
    dimensions: list[str]
    labels: dict[str, dict[str, str]]
    time_dimension: str | None
    table: pa.Table


class ViolationLog:
    """Collects violations for one file, up to ``limit``; :meth:`raise_if_any` raises them."""

    def __init__(self, file: str, limit: int = MAX_VIOLATIONS):
        self.file = file
        self.limit = limit
        self.violations: list[Violation] = []
        self.omitted = 0

    def add(self, rule: str, message: str, row: int | None = None, column: str | None = None) -> None:
        if len(self.violations) < self.limit:
            self.violations.append(
                Violation(file=self.file, rule=rule, message=message, row=row, column=column)
            )
        else:
            self.omitted += 1

    def __bool__(self) -> bool:
        return bool(self.violations)

    def raise_if_any(self) -> None:
        if self.violations:
            self.reject()

    def reject(self) -> NoReturn:
        """Raise :class:`RejectedInput` with everything collected (call after at least one add)."""
        found = list(self.violations)
        if self.omitted:
            found.append(
                Violation(
                    file=self.file,
                    rule="fler-fel",
                    message=f"Ytterligare {self.omitted} fel hittades men visas inte.",
                )
            )
        raise RejectedInput(found)


class _Reject(Exception):
    """Internal: stop parsing at a structural error (the caller turns it into RejectedInput)."""

    def __init__(self, rule: str, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.rule = rule
        self.message = message
        self.row = row
        self.column = column


def parse(data: bytes, file_name: str) -> PxData:
    """Parse a PxWeb ``json``, ``json-stat`` or ``json-stat2`` response, detecting the format.

    Raises :class:`RejectedInput` for empty or invalid JSON, an unknown shape, inconsistent sizes,
    bad category indexes or values that are neither numbers nor PxWeb missing-value markers.
    """
    log = ViolationLog(file_name)
    try:
        document = _load_json(data)
        if isinstance(document, dict) and isinstance(document.get("dataset"), dict):
            result = _parse_jsonstat(document["dataset"], "json-stat", log)
        elif isinstance(document, dict) and (
            document.get("class") == "dataset" or str(document.get("version", "")).startswith("2")
        ):
            result = _parse_jsonstat(document, "json-stat2", log)
        elif isinstance(document, dict) and "columns" in document and "data" in document:
            result = _parse_v1_json(document, log)
        else:
            raise _Reject(
                "pxweb-format",
                "Okänt format: varken PxWeb json (columns/data), json-stat (dataset) "
                "eller json-stat2 (class: dataset).",
            )
    except _Reject as stop:
        log.add(stop.rule, stop.message, stop.row, stop.column)
        log.reject()
    log.raise_if_any()
    return result


# --- reading -----------------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"otillåtet värde {name}")


INT64_LIMIT = 2**63  # a count or value at or beyond this does not fit the warehouse's BIGINT
_MAX_INT_DIGITS = 30  # a JSON integer longer than this is no count or key figure


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"nyckeln {key!r} förekommer två gånger i samma objekt")
        found[key] = value
    return found


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"heltalet {text[:20]}… har {len(text.lstrip('-'))} siffror")
    return int(text)


def strict_json(text: str) -> Any:
    """``json.loads`` that refuses what a delivery must not contain: NaN/Infinity, a key twice in one
    object (which value counts?), integers of more than 30 digits and nesting deeper than Python can
    follow. Raises ``json.JSONDecodeError`` for broken syntax and ``ValueError`` (Swedish) otherwise."""
    try:
        return json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_unique_keys, parse_int=_bounded_int
        )
    except RecursionError:
        raise ValueError("dokumentet är för djupt nästlat") from None


def plain_number(raw: object) -> float | None:
    """``raw`` as a float if it is a JSON number (not a boolean) that is finite and below 2^63 in
    magnitude; otherwise None. Never raises (a huge integer does not overflow)."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    try:
        value = float(raw)
    except OverflowError:
        return None
    return value if math.isfinite(value) and abs(value) < INT64_LIMIT else None


def _load_json(data: bytes) -> Any:
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    if not data.strip():
        raise _Reject("pxweb-tom", "Filen är tom.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Reject(
            "pxweb-kodning", f"Filen är inte UTF-8 (felaktig byte på position {error.start})."
        ) from error
    try:
        return strict_json(text)
    except json.JSONDecodeError as error:
        raise _Reject(
            "pxweb-json",
            f"Filen är inte giltig JSON (rad {error.lineno}, tecken {error.colno}): {error.msg}. "
            "Är filen avkortad?",
        ) from error
    except ValueError as error:
        raise _Reject("pxweb-json", f"Filen är inte giltig JSON: {error}.") from error


def _number(raw: object) -> float | None:
    """A PxWeb value as float, ``None`` for missing markers; ``ValueError`` for anything else."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int | float):
        number = plain_number(raw)
    elif isinstance(raw, str):
        text = raw.strip()
        if text in MISSING_MARKERS:
            return None
        number = plain_number(float(text))
    else:
        raise ValueError
    if number is None:  # NaN, infinite or beyond 64 bits
        raise ValueError
    return number


def _shown(raw: object) -> str:
    """``repr(raw)`` cut to 40 characters, for messages (a 400-digit number is not shown whole)."""
    text = repr(raw)
    return text if len(text) <= 40 else f"{text[:37]}…"


def _check_dimension_name(code: object) -> str:
    if not isinstance(code, str) or not code:
        raise _Reject("pxweb-format", f"Ogiltig variabelkod {code!r}.")
    if code in RESERVED_COLUMNS:
        raise _Reject(
            "pxweb-format",
            f"Variabelkoden {code!r} krockar med ett reserverat kolumnnamn.",
            column=code,
        )
    return code


# --- v1 json ----------------------------------------------------------------------------------


def _parse_v1_json(document: dict[str, Any], log: ViolationLog) -> PxData:
    columns = document["columns"]
    records = document["data"]
    if not isinstance(columns, list) or not isinstance(records, list):
        raise _Reject("pxweb-format", "'columns' och 'data' måste vara listor.")

    key_columns: list[str] = []
    content_columns: list[str] = []
    content_labels: dict[str, str] = {}
    time_dimension: str | None = None
    for column in columns:
        if not isinstance(column, dict):
            raise _Reject("pxweb-format", f"Ogiltig kolumnbeskrivning {column!r}.")
        code = column.get("code")
        kind = column.get("type")
        if kind in ("d", "t"):
            name = _check_dimension_name(code)
            key_columns.append(name)
            if kind == "t":
                time_dimension = name
        elif kind == "c":
            if not isinstance(code, str) or not code:
                raise _Reject("pxweb-format", f"Ogiltig innehållskod {code!r}.")
            content_columns.append(code)
            text = column.get("text")
            content_labels[code] = text if isinstance(text, str) else code
        else:
            raise _Reject(
                "pxweb-format",
                f"Kolumnen {code!r} har okänd typ {kind!r} (väntade d, t eller c).",
                column=code if isinstance(code, str) else None,
            )
    all_codes = key_columns + content_columns
    if len(set(all_codes)) != len(all_codes):
        raise _Reject("pxweb-format", "Samma kolumnkod förekommer flera gånger i 'columns'.")
    if not content_columns:
        raise _Reject("pxweb-format", "'columns' saknar innehållskolumn (type c).")

    keys: list[list[str]] = [[] for _ in key_columns]
    contents: list[str] = []
    values: list[float | None] = []
    rows: list[int] = []
    labels: dict[str, dict[str, str]] = {code: {} for code in key_columns}
    for position, record in enumerate(records, start=1):
        key = record.get("key") if isinstance(record, dict) else None
        raw_values = record.get("values") if isinstance(record, dict) else None
        if (
            not isinstance(key, list)
            or not isinstance(raw_values, list)
            or len(key) != len(key_columns)
            or len(raw_values) != len(content_columns)
            or not all(isinstance(part, str) for part in key)
        ):
            log.add(
                "pxweb-post",
                f"Posten ska ha 'key' med {len(key_columns)} koder och 'values' med "
                f"{len(content_columns)} värden.",
                row=position,
            )
            continue
        for content, raw in zip(content_columns, raw_values, strict=True):
            try:
                value = _number(raw)
            except ValueError:
                log.add(
                    "pxweb-varde",
                    f"Värdet {_shown(raw)} är inte ett ändligt tal under 2^63.",
                    row=position,
                    column=content,
                )
                continue
            for index, part in enumerate(key):
                keys[index].append(part)
            contents.append(content)
            values.append(value)
            rows.append(position)
        for index, part in enumerate(key):
            labels[key_columns[index]].setdefault(part, part)
    labels[CONTENTS_COLUMN] = content_labels

    arrays: dict[str, pa.Array] = {
        code: pa.array(keys[index], pa.string()) for index, code in enumerate(key_columns)
    }
    arrays[CONTENTS_COLUMN] = pa.array(contents, pa.string())
    arrays[VALUE_COLUMN] = pa.array(values, pa.float64())
    arrays[SOURCE_ROW_COLUMN] = pa.array(rows, pa.int64())

    metadata = document.get("metadata")
    first_meta = metadata[0] if isinstance(metadata, list) and metadata else {}
    first_meta = first_meta if isinstance(first_meta, dict) else {}
    return PxData(
        format="json",
        table_id=_optional_str(first_meta.get("tableid")),
        updated=_optional_str(first_meta.get("updated")),
        dimensions=key_columns,
        labels=labels,
        time_dimension=time_dimension,
        table=pa.table(arrays),
    )


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


# --- json-stat 1.x and 2.0 --------------------------------------------------------------------


def _parse_jsonstat(dataset: dict[str, Any], fmt: PxFormat, log: ViolationLog) -> PxData:
    dimension = dataset.get("dimension")
    if not isinstance(dimension, dict):
        raise _Reject("pxweb-format", "json-stat saknar 'dimension'.")
    # JSON-stat 1.x (PxWeb v1) keeps id/size/role inside 'dimension'; 2.0 at the top level.
    ids = dataset.get("id", dimension.get("id"))
    sizes = dataset.get("size", dimension.get("size"))
    role = dataset.get("role", dimension.get("role")) or {}
    if not isinstance(ids, list) or not isinstance(sizes, list):
        raise _Reject("pxweb-format", "json-stat saknar listorna 'id' och 'size'.")
    if len(ids) != len(sizes):
        raise _Reject(
            "pxweb-storlek", f"'id' har {len(ids)} variabler men 'size' har {len(sizes)} storlekar."
        )
    if not all(isinstance(size, int) and not isinstance(size, bool) and size >= 0 for size in sizes):
        raise _Reject("pxweb-storlek", f"'size' måste bestå av icke-negativa heltal: {sizes!r}.")
    if len(set(map(str, ids))) != len(ids):
        raise _Reject("pxweb-format", "Samma variabel förekommer flera gånger i 'id'.")
    if not isinstance(role, dict):
        raise _Reject("pxweb-format", "'role' måste vara ett objekt.")

    metric = _role_member(role, "metric", ids)
    if metric is None and CONTENTS_COLUMN in ids:
        metric = CONTENTS_COLUMN
    time_dimension = _role_member(role, "time", ids)

    codes_by_dim: list[list[str]] = []
    labels: dict[str, dict[str, str]] = {}
    dimensions: list[str] = []
    for dim_id, size in zip(ids, sizes, strict=True):
        if dim_id == metric:
            if not isinstance(dim_id, str):
                raise _Reject("pxweb-format", f"Ogiltig variabelkod {dim_id!r}.")
            label_key = CONTENTS_COLUMN
        else:
            label_key = _check_dimension_name(dim_id)
            dimensions.append(label_key)
        entry = dimension.get(dim_id)
        if not isinstance(entry, dict) or not isinstance(entry.get("category"), dict):
            raise _Reject(
                "pxweb-format", f"Variabeln {dim_id} saknar 'category' under 'dimension'.", column=dim_id
            )
        codes, dim_labels = _category(entry["category"], dim_id, size)
        codes_by_dim.append(codes)
        labels[label_key] = dim_labels

    cell_count = math.prod(sizes)
    if cell_count > MAX_CELLS:
        raise _Reject("pxweb-storlek", f"Tabellen har {cell_count} celler, fler än tillåtna {MAX_CELLS}.")
    values = _cell_values(dataset.get("value"), cell_count, log)

    # Row-major order: the last dimension varies fastest.
    positions = np.arange(cell_count, dtype=np.int64)
    arrays: dict[str, pa.Array] = {}
    contents: pa.Array = pa.nulls(cell_count, pa.string())
    stride = cell_count
    for dim_id, size, codes in zip(ids, sizes, codes_by_dim, strict=True):
        if cell_count:
            stride //= size
            indices = (positions // stride) % size
        else:
            indices = positions
        column = pa.array(codes, pa.string()).take(pa.array(indices))
        if dim_id == metric:
            contents = column
        else:
            arrays[dim_id] = column
    arrays[CONTENTS_COLUMN] = contents
    arrays[VALUE_COLUMN] = pa.array(values, pa.float64())
    arrays[SOURCE_ROW_COLUMN] = pa.array(positions + 1, pa.int64())

    extension = dataset.get("extension")
    px_extension = extension.get("px") if isinstance(extension, dict) else None
    table_id = px_extension.get("tableid") if isinstance(px_extension, dict) else None
    return PxData(
        format=fmt,
        table_id=_optional_str(table_id),
        updated=_optional_str(dataset.get("updated")),
        dimensions=dimensions,
        labels=labels,
        time_dimension=time_dimension if time_dimension != metric else None,
        table=pa.table(arrays),
    )


def _role_member(role: Mapping[str, Any], name: str, ids: Sequence[Any]) -> str | None:
    members = role.get(name)
    if isinstance(members, list):
        for member in members:
            if isinstance(member, str) and member in ids:
                return member
    return None


def _category(category: Mapping[str, Any], dim_id: str, size: int) -> tuple[list[str], dict[str, str]]:
    """Codes ordered by position, and the code → label map, of one json-stat dimension."""
    index = category.get("index")
    raw_labels = category.get("label")
    label_map = raw_labels if isinstance(raw_labels, dict) else {}

    by_position: dict[int, str] = {}
    if index is None:
        # JSON-stat allows omitting the index of a single-category dimension.
        if len(label_map) != 1:
            raise _Reject("pxweb-index", f"Variabeln {dim_id} saknar 'category.index'.", column=dim_id)
        by_position[0] = str(next(iter(label_map)))
    elif isinstance(index, list):
        for position, code in enumerate(index):
            if not isinstance(code, str):
                raise _Reject("pxweb-index", f"Ogiltig kod {code!r} i {dim_id}.", column=dim_id)
            by_position[position] = code
    elif isinstance(index, dict):
        for code, raw_position in index.items():
            # The R-serialised v1 example wraps each position in a list: {"code": [0]}.
            position = (
                raw_position[0]
                if isinstance(raw_position, list) and len(raw_position) == 1
                else (raw_position)
            )
            if not isinstance(position, int) or isinstance(position, bool):
                raise _Reject(
                    "pxweb-index",
                    f"Koden {code!r} i {dim_id} har ogiltig position {raw_position!r}.",
                    column=dim_id,
                )
            if not 0 <= position < size:
                raise _Reject(
                    "pxweb-index",
                    f"Koden {code!r} i {dim_id} har position {position}, utanför 0–{size - 1}.",
                    column=dim_id,
                )
            if position in by_position:
                raise _Reject(
                    "pxweb-index", f"Position {position} förekommer två gånger i {dim_id}.", column=dim_id
                )
            by_position[position] = code
    else:
        raise _Reject("pxweb-index", f"'category.index' för {dim_id} har okänd form.", column=dim_id)

    if len(by_position) != size:
        raise _Reject(
            "pxweb-storlek",
            f"Variabeln {dim_id} har {len(by_position)} koder men 'size' anger {size}.",
            column=dim_id,
        )
    codes = [by_position[position] for position in range(size)]
    if len(set(codes)) != len(codes):
        raise _Reject("pxweb-index", f"Samma kod förekommer flera gånger i {dim_id}.", column=dim_id)
    labels: dict[str, str] = {}
    for code in codes:
        label = label_map.get(code, code)
        if not isinstance(label, str):
            raise _Reject(
                "pxweb-format",
                f"Etiketten för {code!r} i {dim_id} ska vara en text, är {_shown(label)}.",
                column=dim_id,
            )
        labels[code] = label
    return codes, labels


def _cell_values(raw: object, cell_count: int, log: ViolationLog) -> list[float | None]:
    """The ``value`` member as a dense list; a sparse ``{"pos": v}`` object leaves absent cells null."""
    values: list[float | None] = [None] * cell_count
    if isinstance(raw, list):
        if len(raw) != cell_count:
            raise _Reject(
                "pxweb-storlek",
                f"'value' har {len(raw)} värden men 'size' ger {cell_count} celler.",
                column=VALUE_COLUMN,
            )
        items: list[tuple[int, object]] = list(enumerate(raw))
    elif isinstance(raw, dict):
        items = []
        for key, item in raw.items():
            try:
                position = int(key)
            except ValueError:
                position = -1
            if not 0 <= position < cell_count:
                raise _Reject(
                    "pxweb-storlek",
                    f"'value' har nyckeln {key!r}, utanför cellerna 0–{cell_count - 1}.",
                    column=VALUE_COLUMN,
                )
            items.append((position, item))
    else:
        raise _Reject("pxweb-format", "json-stat saknar 'value' (lista eller objekt).")

    for position, item in items:
        try:
            values[position] = _number(item)
        except ValueError:
            log.add(
                "pxweb-varde",
                f"Värdet {_shown(item)} är inte ett ändligt tal under 2^63.",
                row=position + 1,
                column=VALUE_COLUMN,
            )
    return values
