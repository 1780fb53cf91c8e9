"""The Swedish CSV dialect that region systems export, Parquet and Excel, read into checked Arrow tables.

CSV as Swedish systems write it: ``;`` between fields, decimal comma (``1234,50``; spaces or
no-break spaces as thousands separators are allowed, ``1 234 567,50``; a leading ``-`` or ``−``
for negatives), UTF-8 with or without BOM, or Windows-1252, with ``\\n`` or ``\\r\\n`` line ends.
Every delivered file is checked against a list of :class:`Col` specs, vectorised with Polars, and
every broken rule becomes a :class:`~pipelines.errors.Violation` naming file, row, column and rule.

Row numbers are the file's line numbers as an editor shows them: the header is line 1, the first
data row line 2 (blank lines and quoted line breaks are counted, so the number is always the line
the record starts on). For Parquet they are 1-based record numbers; for Excel the sheet's row
numbers. Blank lines (and, in Excel, empty rows) are skipped; a trailing ``;`` on every line (an
unnamed, empty last column) is tolerated.

Rule ids: ``csv-kodning`` (neither UTF-8 nor Windows-1252, a mix of both, or UTF-16/binary),
``csv-avgransare`` (not semicolon-separated), ``csv-trasig`` (ragged/truncated rows), ``csv-tom``
(no data rows), ``csv-kolumn-saknas``, ``csv-okand-kolumn``, ``csv-dubblett-kolumn``,
``csv-kolumn-namn`` (a column without a name that holds values), ``csv-tomt-varde`` (null in a
required value), ``csv-heltal``, ``csv-decimal`` (incl. decimal point instead of comma and badly
grouped thousands), ``csv-kod`` (value outside the allowed set), ``csv-format`` (pattern),
``csv-intervall`` (range), ``csv-dubblett`` (a key that must be unique occurs again),
``parquet-las`` (unreadable Parquet), ``parquet-typ`` (a Parquet column of a type that cannot
hold the value, e.g. a list), ``xlsx-las`` (unreadable Excel workbook), ``fil-format`` (a file
ending the source does not accept). Excel files share the ``csv-*`` rule ids: they are rules of
the import format, whatever the container.
"""

from __future__ import annotations

import contextlib
import contextvars
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any, Literal, NoReturn

import numpy as np
import polars as pl
import pyarrow as pa

from pipelines.errors import RejectedInput, Violation
from pipelines.sources.pxweb import ViolationLog
from pipelines.sources.registry import StageAborted, StageTarget

Kind = Literal["text", "int", "decimal"]

MAX_SHOWN_PER_RULE = 20  # offending rows listed per rule and column (the log caps the total too)
_HEADER_SEARCH_ROWS = 30  # Excel: how far down the sheet the header row may start


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


# UTF-8 encodings of å ä ö Å Ä Ö é: in a file that is not valid UTF-8 they mean a mix of encodings.
_UTF8_SWEDISH = (b"\xc3\xa5", b"\xc3\xa4", b"\xc3\xb6", b"\xc3\x85", b"\xc3\x84", b"\xc3\x96", b"\xc3\xa9")


def decode(data: bytes, file_name: str) -> str:
    """UTF-8 (BOM stripped) or, failing that, Windows-1252, as Swedish exports come.

    Rejected (``csv-kodning``, naming the line of the first offending byte): bytes that are
    undefined in Windows-1252, a file that mixes UTF-8 letters with Windows-1252 bytes (it would
    decode to mojibake such as ``Ã¤``), and UTF-16 or binary content (NUL bytes).
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:4096]:
        raise rejection(
            file_name,
            "csv-kodning",
            "filen ser ut att vara UTF-16 eller binär (NUL-byte); spara som UTF-8 eller Windows-1252",
            row=_line_of(data, data.find(b"\x00")) if b"\x00" in data[:4096] else 1,
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        first_bad = err.start
    if any(seq in data for seq in _UTF8_SWEDISH):
        raise rejection(
            file_name,
            "csv-kodning",
            f"filen blandar UTF-8 och Windows-1252 (byte 0x{data[first_bad]:02X} är inte UTF-8, men andra "
            "rader har UTF-8-kodade å/ä/ö); exportera hela filen i en kodning",
            row=_line_of(data, first_bad),
        )
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as err:
        raise rejection(
            file_name,
            "csv-kodning",
            f"filen är varken UTF-8 eller Windows-1252 (byte 0x{data[err.start]:02X}, position {err.start})",
            row=_line_of(data, err.start),
        ) from None
    if "\x00" in text:
        raise rejection(file_name, "csv-kodning", "filen innehåller NUL-byte (binär fil?)")
    return text


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, max(offset, 0)) + 1


@dataclass(frozen=True)
class _Scan:
    width: int
    records: int  # data records, blank lines included (Polars keeps them as all-null rows)
    blank: list[int]  # indices (0-based, among data records) of blank lines
    lines: list[int] | None  # start line of each data record, when a record spans several lines


def _scan(text: str, width: int, file_name: str) -> _Scan:
    """One pass over the records: reject ragged rows, find blank lines and each record's line."""
    if '"' not in text:  # no quoting: a record is a line, and Polars can count the fields
        lines = pl.Series(text.split("\n")).str.strip_suffix("\r")
        if text.endswith("\n"):
            lines = lines.head(len(lines) - 1)
        data = lines.slice(1)
        blank = data == ""
        ragged = ~blank & (data.str.count_matches(";", literal=True) + 1 != width)
        if ragged.any():
            index = int(ragged.arg_true()[0])
            _reject_ragged(file_name, data[index].count(";") + 1, width, index + 2)
        return _Scan(width, len(data), blank.arg_true().to_list(), None)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    starts: list[int] = []
    blank_rows: list[int] = []
    multi = False
    previous = 0
    try:
        for index, fields in enumerate(reader):
            start, previous = previous + 1, reader.line_num
            if previous > start and fields:
                multi = True
            if index == 0:  # the header
                continue
            starts.append(start)
            if not fields:
                blank_rows.append(index - 1)
            elif len(fields) != width:
                _reject_ragged(file_name, len(fields), width, start)
    except csv.Error as err:
        raise rejection(
            file_name,
            "csv-trasig",
            f"citattecknen går inte ihop ({err}): avkortad fil eller ett citattecken mitt i en text",
            row=previous + 1,  # the record the error is in starts on the line after the last good one
        ) from None
    return _Scan(width, len(starts), blank_rows, starts if multi else None)


def _reject_ragged(file_name: str, fields: int, width: int, row: int) -> NoReturn:
    hint = "för få" if fields < width else "för många"
    raise rejection(
        file_name,
        "csv-trasig",
        f"raden har {fields} fält, rubrikraden {width} ({hint}: avkortad eller trasig fil, "
        "eller ett semikolon i en text utan citattecken?)",
        row=row,
    )


def read_csv(
    data: bytes,
    file_name: str,
    columns: Sequence[Col],
    *,
    extra_ok: bool = False,
    unique: Sequence[str] = (),
    row_column: str | None = None,
) -> pa.Table:
    """Read a Swedish CSV export and check it against ``columns``; returns typed Arrow columns.

    ``unique``: columns whose combined value must not repeat (``csv-dubblett``, naming the later
    row). ``row_column``: name of an extra int64 column holding each record's line number.
    """
    fast = _fast_csv(data, columns, extra_ok=extra_ok, unique=unique, row_column=row_column)
    if fast is not None:  # a plain, valid extract: DuckDB's reader, every rule counted in SQL
        return fast
    text = decode(data, file_name)
    if not text.strip():
        raise rejection(file_name, "csv-tom", "filen är tom")
    first_line = text.splitlines()[0]
    header = next(csv.reader([first_line], delimiter=";", quotechar='"'))
    if len(header) == 1 and ("," in first_line or "\t" in first_line):
        sep = "tabb" if "\t" in first_line else "komma"
        raise rejection(
            file_name,
            "csv-avgransare",
            f"filen ska vara semikolonseparerad, rubrikraden använder {sep}",
            row=1,
        )
    names = [name.strip().strip('"').strip() for name in header]
    scan = _scan(text, len(names), file_name)
    if scan.records - len(scan.blank) == 0:
        raise rejection(file_name, "csv-tom", "filen har bara en rubrikrad, inga datarader")
    placeholders = [f"__kolumn_{i}" for i in range(len(names))]
    try:
        frame = pl.read_csv(
            text.encode("utf-8"),
            separator=";",
            has_header=True,
            new_columns=placeholders,
            infer_schema=False,
            quote_char='"',
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as err:
        raise rejection(file_name, "csv-trasig", f"filen kunde inte läsas som CSV: {err}") from None
    if frame.height != scan.records:
        raise rejection(
            file_name,
            "csv-trasig",
            f"filen kunde inte läsas entydigt ({frame.height} poster mot {scan.records} rader); "
            "kontrollera citattecken",
        )
    rows = np.asarray(scan.lines, dtype=np.int64) if scan.lines else np.arange(2, frame.height + 2)
    if scan.blank:
        keep = np.ones(frame.height, dtype=bool)
        keep[scan.blank] = False
        frame = frame.filter(pl.Series(keep))
        rows = rows[keep]
    return _check_named(
        frame,
        names,
        file_name,
        columns,
        rows,
        header_row=1,
        extra_ok=extra_ok,
        unique=unique,
        row_column=row_column,
    )


# Whitespace that the precise path strips from a value (str.strip_chars): a value that begins or ends
# with it takes the precise path, so the fast path never needs to strip.
_EDGE_SPACE = r"[\s\x{85}\x{A0}\x{1680}\x{2000}-\x{200B}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]"
# Bytes that start every whitespace character of _EDGE_SPACE other than the ASCII space and the line
# ends: a file without any of them can only have a space at a value's edge (a cheap SQL test); one with
# them is tested with the full expression.
_EDGE_SPACE_BYTES = (b"\t", b"\x0b", b"\x0c", b"\xc2", b"\xe1", b"\xe2", b"\xe3", b"\xef")
_FAST_INT = r"^[+-]?[0-9]{1,15}$"  # below 2**53: the precise path's int limit is never reached
_FAST_DECIMAL = r"^-?[0-9]{1,15}(,[0-9]+)?$"
FAST_PATH_MIN_BYTES = 1 << 20  # small files: the precise path is fast enough, and DuckDB's start is not free
# A file on disk that holds exactly the bytes being read (pipelines.ingest sets it to its private
# staged copy): the fast path lets DuckDB read it instead of writing the bytes to a temporary file.
ON_DISK: contextvars.ContextVar[Path | None] = contextvars.ContextVar("swecsv_on_disk", default=None)


@dataclass(frozen=True)
class _FastPlan:
    """A file the fast path may read: its column names, record lines and whether it holds bytes of
    whitespace other than the space."""

    names: list[str]
    lines: int
    exotic_space: bool

    def query(self, columns: Sequence[Col], *, ordered: bool = False) -> str:
        """The checked, typed rows of the file named by ``$path``. ``ordered``: every column of
        ``columns`` in their order, a missing optional one as a typed NULL (a table of the reader's
        shape); else the file's columns in its order."""
        spec = "{" + ", ".join(f"'{i}': 'VARCHAR'" for i in range(len(self.names))) + "}"
        lines_sql = (
            "read_csv($path, delim = ';', header = false, skip = 1, quote = '', escape = '', "
            f"columns = {spec}, auto_detect = false, strict_mode = true, null_padding = false, "
            "all_varchar = true, encoding = 'utf-8')"
        )
        selects = dict(zip(self.names, _fast_select(self.names, columns, self.exotic_space), strict=True))
        if ordered:
            sql_type = {"text": "VARCHAR", "int": "BIGINT", "decimal": "DOUBLE"}
            chosen = [selects.get(c.name, f'CAST(NULL AS {sql_type[c.kind]}) AS "{c.name}"') for c in columns]
        else:
            chosen = list(selects.values())
        return f"SELECT {', '.join(chosen)} FROM {lines_sql}"


SCAN_CHUNK = 16 << 20  # a file is scanned in pieces this large: never held whole in memory


class ByteScan:
    """What one pass over a file's bytes, fed in order piece by piece (:meth:`feed`), says about
    whether the fast path may read it (:meth:`plan`): a file of any size is scanned in the memory of
    one piece. The ingest feeds it the pieces it hashes, so the file is read once for both."""

    def __init__(self) -> None:
        self.size = self.lines = self.returns = self.pairs = 0
        self.names: list[str] | None = None
        self.exotic_space = False
        self.refused = False  # a quote, NUL, blank first line or undecodable header: the precise path
        self.last = b""
        self.first = True

    def feed(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.refused:
            return
        if self.first:
            self.first = False
            if chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]  # the BOM is not part of the body
            end = chunk.find(b"\n")
            if chunk.startswith((b"\n", b"\r")) or end < 0:  # no header line in the first piece
                self.refused = True
                return
            try:
                self.names = chunk[:end].rstrip(b"\r").decode("utf-8").split(";")
            except UnicodeDecodeError:
                self.refused = True
                return
        if not chunk:
            return
        if b'"' in chunk or b"\x00" in chunk:
            self.refused = True
            return
        self.exotic_space = self.exotic_space or any(b in chunk for b in _EDGE_SPACE_BYTES)
        self.lines += chunk.count(b"\n")
        if b"\r" in chunk:  # most files have none: not counted then (a third of the scan's time)
            self.returns += chunk.count(b"\r")
            self.pairs += chunk.count(b"\r\n")
        self.pairs += self.last == b"\r" and chunk.startswith(b"\n")
        self.last = chunk[-1:]

    def plan(
        self, columns: Sequence[Col], unique: Sequence[str], *, min_bytes: int | None = None
    ) -> _FastPlan | None:
        """:func:`_fast_plan` of the bytes fed so far (``min_bytes``: a smaller file goes to the reader;
        :data:`FAST_PATH_MIN_BYTES` as it is when called, unless given)."""
        least = FAST_PATH_MIN_BYTES if min_bytes is None else min_bytes
        names = self.names
        if self.refused or names is None or self.size < least or self.returns != self.pairs:
            return None  # small, empty, or a lone carriage return: the precise path says where
        by_name = {c.name: c for c in columns}
        if len(set(names)) != len(names) or any(n not in by_name for n in names):
            return None  # unknown, duplicate, unnamed or padded column names: the precise path says which
        if any(c.required and c.name not in names for c in columns):
            return None
        if unique and any(k not in names for k in unique):
            return None
        # lines: every record ends with \n except perhaps the last; a blank line would be one more
        return _FastPlan(names, self.lines + (0 if self.last == b"\n" else 1), self.exotic_space)


def _fast_plan(
    chunks: Iterable[bytes], columns: Sequence[Col], unique: Sequence[str], *, min_bytes: int | None = None
) -> _FastPlan | None:
    """Whether the file whose bytes are ``chunks`` (in order; the first one at least the header
    line) is plain enough for the fast path: UTF-8 (a BOM allowed), a header naming exactly the
    expected columns, no quote characters, NUL bytes, blank lines or lone carriage returns. Numbers
    and every other rule are checked in the query (:meth:`_FastPlan.query`). One pass, piece by
    piece (:class:`ByteScan`)."""
    scan = ByteScan()
    for chunk in chunks:
        scan.feed(chunk)
    return scan.plan(columns, unique, min_bytes=min_bytes)


def file_pieces(path: Path) -> Iterator[bytes]:
    """The bytes of the file ``path`` in pieces of :data:`SCAN_CHUNK` (the ingest's copy and hash too)."""
    with path.open("rb") as handle:
        while chunk := handle.read(SCAN_CHUNK):
            yield chunk


def _fast_csv(
    data: bytes,
    columns: Sequence[Col],
    *,
    extra_ok: bool,
    unique: Sequence[str],
    row_column: str | None,
) -> pa.Table | None:
    """The typed table if ``data`` is a plain, valid extract by every rule of ``columns``; else None.

    Plain: as :func:`_fast_plan`. One streaming SQL pass reads, checks and types every value: a value
    that breaks a rule stops it (``error()``), and the caller takes the precise path, which names
    the row, column and rule.
    """
    plan = _fast_plan([data], columns, unique)
    if plan is None:
        return None
    import tempfile

    import duckdb

    on_disk = ON_DISK.get()
    if on_disk is not None and on_disk.stat().st_size != len(data):
        on_disk = None
    with (
        tempfile.NamedTemporaryFile(suffix=".csv") if on_disk is None else contextlib.nullcontext() as handle
    ):
        if handle is not None:
            handle.write(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
            handle.flush()
        path = str(on_disk) if handle is None else handle.name
        con = duckdb.connect()
        try:
            con.execute("SET threads = 2")
            try:
                table = con.sql(plan.query(columns), params={"path": path}).to_arrow_table()
            except duckdb.Error:
                return None  # a broken rule, or a line DuckDB's reader refuses: the precise path says which
            if table.num_rows == 0 or table.num_rows != plan.lines - 1:
                return None  # no data rows, or blank lines (the precise path numbers rows around them)
            if unique:  # on the typed values, as the precise path compares them
                con.register("typed", table)
                if con.sql(f"SELECT {_repeats(unique)} FROM typed").fetchall()[0][0]:
                    return None
                con.unregister("typed")
        finally:
            con.close()
    out = {
        c.name: table[c.name].cast(c.arrow_type)
        if c.name in plan.names
        else pa.nulls(table.num_rows, c.arrow_type)
        for c in columns
    }
    if row_column is not None:
        out[row_column] = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64), pa.int64())
    return pa.table(out)


def _repeats(unique: Sequence[str]) -> str:
    """SQL: how many rows repeat an earlier row's value of the columns ``unique``."""
    keys = ", ".join(f'"{k}"' for k in unique)
    return f"count(*) - count(DISTINCT ({keys}))"


def stage_csv(
    path: Path,
    columns: Sequence[Col],
    target: StageTarget,
    *,
    row_column: str,
    unique: Sequence[str] = (),
    checks: Sequence[str] = (),
    scan: ByteScan | None = None,
) -> int | None:
    """Read a plain, valid extract (the file ``path``, scanned piece by piece, never held whole)
    straight into the raw table of ``target`` (in its open transaction), in the reader's shape
    (every column of ``columns`` in order, then ``row_column``, then ``target.extra``), without the
    Arrow table of :func:`read_csv` in between; returns its rows. ``checks``: further SQL conditions
    that no row may meet. ``scan``: the file's bytes already scanned (by the ingest's copy and hash).

    None, with nothing written, where the fast path would not take the file (quotes, blank lines,
    other bytes; :class:`ByteScan`): the reader reads it. :class:`StageAborted` once rows are
    written and a rule is broken or DuckDB refuses a line: the caller rolls the transaction back and
    the reader names file, row, column and rule. DuckDB running out of memory is raised as it is.

    A record's line: the rows of one insert keep the file's order (``preserve_insertion_order``),
    and rows appended in a transaction get consecutive row ids, so a row's line is its row id minus
    the first one's, plus 2 (the header is line 1). Both are checked on every file: the ids must be
    exactly as many consecutive numbers as the file has records, and the setting must be on."""
    plan = _fast_plan(file_pieces(path), columns, unique) if scan is None else scan.plan(columns, unique)
    if plan is None:
        return None
    import duckdb

    con = target.con
    ordered = con.sql("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]
    if not ordered:
        return None  # the line numbers below rely on it
    rows_sql = (
        f'SELECT *, CAST(NULL AS BIGINT) AS "{row_column}", {target.extra} '
        f"FROM ({plan.query(columns, ordered=True)})"
    )
    mine = f'FROM "{target.table}" WHERE {target.rows_of}'

    try:
        load = "CREATE TABLE {} AS {}" if target.create else "INSERT INTO {} BY NAME {}"
        con.execute(load.format(f'"{target.table}"', rows_sql), target.bind(rows_sql, path=str(path)))
        # one pass: the row ids, and every rule on the typed values (as the reader)
        tests = [_repeats(unique)] if unique else []
        tests += [f"count(*) FILTER (WHERE {c})" for c in checks]
        numbers = f"SELECT min(rowid), max(rowid), count(*), {', '.join([*tests, '0'])} {mine}"
        first, last, rows, *broken = con.execute(numbers, target.bind(numbers)).fetchall()[0]
        if rows == 0 or rows != plan.lines - 1 or last - first + 1 != rows:
            raise StageAborted(f"{path.name}: {rows} rader, {plan.lines - 1} poster")
        if any(broken):
            raise StageAborted(f"{path.name}: en regel bryts")
        number = f'UPDATE "{target.table}" SET "{row_column}" = rowid - $forsta + 2 WHERE {target.rows_of}'
        con.execute(number, target.bind(number, forsta=first))
    except duckdb.OutOfMemoryException:
        raise
    except duckdb.Error as err:  # a broken rule (error()) or a line DuckDB refuses
        raise StageAborted(f"{path.name}: {type(err).__name__}: {err}") from None
    return int(rows)


def _excludes_whitespace(pattern: str) -> bool:
    """Whether no full match of ``pattern`` can hold a whitespace character (then its rule also keeps
    spaces off a value's edges). Conservative: only printable ASCII, no ``.`` outside a class, no
    negated class, and of the escapes only ``\\d``, ``\\w`` and escaped punctuation."""
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            escaped = pattern[i + 1 : i + 2]
            if not escaped or escaped == " " or (escaped.isalnum() and escaped not in "dw"):
                return False
            i += 2
            continue
        if not 0x20 < ord(c) < 0x7F:
            return False
        if c == "[" and not in_class:
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                return False
        elif c == "]":
            in_class = False
        elif c == "." and not in_class:
            return False
        i += 1
    return True


def sql_literal(text: str) -> str:
    """A rule's own constant (a pattern, a code) as a SQL string literal; never a delivered value."""
    return "'" + text.replace("'", "''") + "'"


def _fast_select(names: list[str], columns: Sequence[Col], exotic_space: bool) -> list[str]:
    """Each column's typed value, or ``error()`` where a value breaks one of its rules (the precise
    path then names it). ``exotic_space``: the file has bytes of whitespace other than the space."""
    selects: list[str] = []
    by_name = {c.name: c for c in columns}
    lit = sql_literal

    for index, name in enumerate(names):
        c = by_name[name]
        v = f'"{index}"'
        missing = f"({v} IS NULL OR {v} = '')"
        bad = []
        # A value with whitespace at an edge: the precise path strips it. A number's shape, a code
        # list or a pattern without whitespace already refuses it; free text is tested here.
        free = c.kind == "text" and (
            (c.allowed is None and (c.pattern is None or not _excludes_whitespace(c.pattern)))
            or (c.allowed is not None and any(a != a.strip() for a in c.allowed))
        )
        if free and exotic_space:
            edge = f"regexp_matches({v}, {lit('^' + _EDGE_SPACE)})"
            bad.append(f"{edge} OR regexp_matches({v}, {lit(_EDGE_SPACE + '$')})")
        elif free:
            bad.append(f"starts_with({v}, ' ') OR ends_with({v}, ' ')")
        if c.kind == "text":
            if c.allowed is not None:
                bad.append(f"{v} NOT IN ({', '.join(lit(a) for a in sorted(c.allowed))})")
            if c.pattern is not None:
                bad.append(f"NOT regexp_full_match({v}, {lit('(?:' + c.pattern + ')')})")
            typed = v
        else:
            shape = _FAST_INT if c.kind == "int" else _FAST_DECIMAL
            bad.append(f"NOT regexp_matches({v}, {lit(shape)})")
            typed = f"CAST({v} AS BIGINT)" if c.kind == "int" else f"CAST(replace({v}, ',', '.') AS DOUBLE)"
            if c.min is not None:
                bad.append(f"{typed} < {float(c.min)!r}")
            if c.max is not None:
                bad.append(f"{typed} > {float(c.max)!r}")
        on_missing = "NULL" if c.nullable else f"error({lit(name)})"
        broken = " OR ".join(f"({b})" for b in bad)
        selects.append(
            f"CASE WHEN {missing} THEN {on_missing} WHEN {broken} THEN error({lit(name)}) "
            f'ELSE {typed} END AS "{name}"'
        )
    return selects


def read_parquet(
    data: bytes,
    file_name: str,
    columns: Sequence[Col],
    *,
    extra_ok: bool = False,
    unique: Sequence[str] = (),
    row_column: str | None = None,
) -> pa.Table:
    """Read a Parquet file (native types, or strings in the CSV dialect) and check it against ``columns``."""
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as err:
        raise rejection(file_name, "parquet-las", f"filen kunde inte läsas som Parquet: {err}") from None
    return check_frame(
        frame, file_name, columns, first_row=1, extra_ok=extra_ok, unique=unique, row_column=row_column
    )


def read_xlsx(
    data: bytes,
    file_name: str,
    columns: Sequence[Col],
    *,
    extra_ok: bool = False,
    unique: Sequence[str] = (),
    row_column: str | None = None,
    sheet: str | None = None,
) -> pa.Table:
    """Read the first (or the named) sheet of an Excel workbook and check it against ``columns``.

    Title rows above the table are allowed: the header is the first row, within the first
    thirty, that names at least half of the required columns (else the first non-empty row).
    Numbers stored as numbers are read exactly; numbers stored as text follow the CSV dialect
    (decimal comma). Row numbers are the sheet's.
    """
    from openpyxl import load_workbook  # ~0.3 s import: only when an Excel file is read

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:
        raise rejection(
            file_name, "xlsx-las", f"filen kunde inte läsas som Excel-arbetsbok (xlsx): {err}"
        ) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise rejection(file_name, "xlsx-las", f"bladet {sheet!r} finns inte (finns: {book.sheetnames})")
        worksheet = book[sheet] if sheet is not None else book.worksheets[0]
        grid = [list(r) for r in worksheet.iter_rows(values_only=True)]
    finally:
        book.close()

    wanted = {c.name for c in columns if c.required}
    header_index: int | None = None
    for index, cells in enumerate(grid[:_HEADER_SEARCH_ROWS]):
        found = {_cell_text(v) for v in cells} & wanted
        if wanted and len(found) * 2 >= len(wanted):
            header_index = index
            break
    if header_index is None:
        header_index = next((i for i, cells in enumerate(grid) if any(_cell_text(v) for v in cells)), None)
    if header_index is None:
        raise rejection(file_name, "csv-tom", "arbetsboken är tom")
    names = [_cell_text(v) or "" for v in grid[header_index]]
    while names and names[-1] == "":  # sheets are as wide as their widest row: trim the header
        names.pop()
    width = len(names)
    body: list[list[str | None]] = []
    rows: list[int] = []
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        values = [_cell_text(v) for v in cells[:width]] + [None] * (width - len(cells))
        extra = [v for v in cells[width:] if _cell_text(v)]
        if extra:
            raise rejection(
                file_name,
                "csv-trasig",
                "raden har värden till höger om tabellens sista kolumn",
                row=index + 1,
            )
        if all(v is None for v in values):
            continue
        body.append(values)
        rows.append(index + 1)
    if not body:
        raise rejection(file_name, "csv-tom", "arbetsboken har bara en rubrikrad, inga datarader")
    placeholders = [f"__kolumn_{i}" for i in range(width)]
    frame = pl.DataFrame(
        {p: [r[i] for r in body] for i, p in enumerate(placeholders)},
        schema=dict.fromkeys(placeholders, pl.String),
    )
    return _check_named(
        frame,
        names,
        file_name,
        columns,
        np.asarray(rows, dtype=np.int64),
        header_row=header_index + 1,
        extra_ok=extra_ok,
        unique=unique,
        row_column=row_column,
    )


def _cell_text(value: Any) -> str | None:
    """An Excel cell as text in the CSV dialect: numbers with decimal comma, dates as ISO."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return np.format_float_positional(value, trim="-").replace(".", ",")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


CSV_SUFFIXES = (".csv", ".txt")


def read_file(
    data: bytes,
    file_name: str,
    columns: Sequence[Col],
    *,
    formats: Sequence[str] = (".csv", ".parquet", ".xlsx"),
    extra_ok: bool = False,
    unique: Sequence[str] = (),
    row_column: str | None = None,
) -> pa.Table:
    """Read a file by its ending (``.csv``/``.txt``, ``.parquet``, ``.xlsx``) if ``formats`` accepts it."""
    suffix = PurePath(file_name).suffix.lower()
    accepted = set(formats) | (set(CSV_SUFFIXES) if ".csv" in formats else set())
    if suffix not in accepted:
        raise rejection(
            file_name,
            "fil-format",
            f"filändelsen {suffix or '(ingen)'!r} tas inte emot; källan tar emot {', '.join(formats)}",
        )
    options: dict[str, Any] = {"extra_ok": extra_ok, "unique": unique, "row_column": row_column}
    if suffix == ".parquet":
        return read_parquet(data, file_name, columns, **options)
    if suffix == ".xlsx":
        return read_xlsx(data, file_name, columns, **options)
    return read_csv(data, file_name, columns, **options)


_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f]")
# A number in the Swedish dialect once the minus sign is normalised: digits, optionally grouped by
# three with (no-break) spaces, and an optional decimal comma.
_SWEDISH_NUMBER = r"^[+-]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)(?:,\d+)?$"
_DECIMAL_POINT = r"^[+-]?\d+\.\d+$"
_INT_LIMIT = 2.0**53  # beyond this a float no longer holds every integer exactly


def _as_text(series: pl.Series) -> pl.Series:
    if series.dtype == pl.String:
        return series.str.strip_chars()
    return series.cast(pl.String)


def check_frame(
    frame: pl.DataFrame,
    file_name: str,
    columns: Sequence[Col],
    *,
    first_row: int,
    extra_ok: bool = False,
    unique: Sequence[str] = (),
    row_column: str | None = None,
    row_numbers: Sequence[int] | None = None,
) -> pa.Table:
    """Check and type a frame of delivered values (strings from CSV, native types from Parquet).

    Rows are numbered ``first_row, first_row + 1, …`` unless ``row_numbers`` gives each row's number.
    """
    rows = (
        np.asarray(row_numbers, dtype=np.int64)
        if row_numbers is not None
        else np.arange(first_row, first_row + frame.height, dtype=np.int64)
    )
    header_row = first_row - 1 if first_row > 1 else None
    return _check_named(
        frame,
        list(frame.columns),
        file_name,
        columns,
        rows,
        header_row=header_row,
        extra_ok=extra_ok,
        unique=unique,
        row_column=row_column,
    )


def _check_named(
    frame: pl.DataFrame,
    names: list[str],
    file_name: str,
    columns: Sequence[Col],
    rows: np.ndarray,
    *,
    header_row: int | None,
    extra_ok: bool,
    unique: Sequence[str],
    row_column: str | None,
) -> pa.Table:
    """Check header and values; ``names`` are the delivered names of ``frame``'s columns, in order."""
    log = ViolationLog(file_name)
    stored = list(frame.columns)
    # An unnamed last column that holds nothing is a trailing separator: drop it.
    while names and names[-1] == "" and _as_text(frame[stored[len(names) - 1]]).fill_null("").eq("").all():
        names, stored = names[:-1], stored[:-1]
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    for name in duplicates:
        log.add("csv-dubblett-kolumn", "kolumnen finns två gånger", row=header_row, column=name)
    for position, name in enumerate(names, start=1):
        if name == "":
            log.add("csv-kolumn-namn", f"kolumn nummer {position} saknar namn men har värden", row=header_row)
    expected = {c.name for c in columns}
    for c in columns:
        if c.required and c.name not in names:
            near = [n for n in names if _folded(n) == c.name]
            hint = f" (finns som {near[0]!r}?)" if near else ""
            log.add("csv-kolumn-saknas", f"kolumnen saknas{hint}", row=header_row, column=c.name)
    if not extra_ok:
        for name in names:
            if name and name not in expected:
                log.add("csv-okand-kolumn", "okänd kolumn", row=header_row, column=name)
    log.raise_if_any()
    if frame.height == 0:
        raise rejection(file_name, "csv-tom", "filen har inga datarader")

    by_name = dict(zip(names, stored, strict=True))
    row_series = pl.Series("rad", rows)
    out: dict[str, pa.Array] = {}
    for c in columns:
        if c.name not in by_name:
            out[c.name] = pa.nulls(frame.height, c.arrow_type)
            continue
        source = frame[by_name[c.name]]
        try:
            shown_values = _as_text(source)
            values, bad = _convert(source, c, shown_values)
        except (pl.exceptions.PolarsError, TypeError) as err:
            log.add(
                "parquet-typ",
                f"kolumnen har typen {source.dtype}, som inte kan läsas som {c.kind}: {err}",
                column=c.name,
            )
            continue
        for rule, message, mask in bad:
            mask = mask.fill_null(False)
            if not mask.any():
                continue
            for row, value in zip(
                row_series.filter(mask).head(MAX_SHOWN_PER_RULE).to_list(),
                shown_values.filter(mask).head(MAX_SHOWN_PER_RULE).to_list(),
                strict=True,
            ):
                log.add(rule, message.replace("{value!r}", repr(value)), row=row, column=c.name)
        out[c.name] = values.to_arrow().cast(c.arrow_type)
    log.raise_if_any()
    if unique:
        _check_unique(out, unique, row_series, log)
        log.raise_if_any()
    if row_column is not None:
        out[row_column] = pa.array(rows, pa.int64())
    return pa.table(out)


def _folded(name: str) -> str:
    """A header as a column name might have been meant: lower case, ASCII-folded, spaces as ``_``."""
    folded = name.strip().lower().replace(" ", "_").replace("-", "_")
    for a, b in (("å", "a"), ("ä", "a"), ("ö", "o"), ("é", "e")):
        folded = folded.replace(a, b)
    return folded


def _check_unique(out: dict[str, pa.Array], keys: Sequence[str], rows: pl.Series, log: ViolationLog) -> None:
    frame = pl.DataFrame({k: pl.Series(k, out[k]) for k in keys}).with_columns(rad=rows)
    if frame.select(pl.struct(keys).n_unique()).item() == frame.height:  # the usual case, fast
        return
    first = pl.col("rad").first().over(keys)
    repeated = (
        frame.with_columns(forsta=first, nummer=pl.int_range(pl.len()).over(keys))
        .filter(pl.col("nummer") > 0)
        .head(MAX_SHOWN_PER_RULE)
    )
    for record in repeated.iter_rows(named=True):
        key = ", ".join(f"{k}={record[k]!r}" for k in keys)
        log.add(
            "csv-dubblett",
            f"{key} förekommer redan på rad {record['forsta']}; nyckeln ska vara unik i filen",
            row=record["rad"],
            column=keys[0] if len(keys) == 1 else None,
        )


def _convert(
    series: pl.Series, c: Col, text: pl.Series | None = None
) -> tuple[pl.Series, list[tuple[str, str, pl.Series]]]:
    """Typed values and the masks of rows breaking each rule; ``text`` is ``_as_text(series)`` if known."""
    bad: list[tuple[str, str, pl.Series]] = []
    if series.dtype.is_nested():
        raise TypeError("sammansatt typ")
    text = _as_text(series) if text is None else text
    missing = (text.is_null() | (text == "")).fill_null(True)
    if not c.nullable:
        bad.append(("csv-tomt-varde", "värde saknas", missing))
    if c.kind == "text":
        values = text.set(missing, None)
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
        if series.dtype.is_float():
            unparsable = number.is_nan() | number.is_infinite()
            number = number.set(unparsable, None)
    elif series.dtype == pl.Boolean or series.dtype.is_temporal():
        raise TypeError(f"{series.dtype} är inte ett tal")
    else:
        normalised = text.str.replace_all("\u2212", "-", literal=True)
        point = normalised.str.contains(_DECIMAL_POINT).fill_null(False) & ~missing
        wellformed = normalised.str.contains(_SWEDISH_NUMBER).fill_null(False)
        number = (
            normalised.str.replace_all(_NUMBER_SPACES.pattern, "")
            .str.replace(",", ".", literal=True)
            .cast(pl.Float64, strict=False)
            .set(~wellformed, None)
        )
        if c.kind == "decimal":
            bad.append(("csv-decimal", "{value!r}: decimalpunkt, ska vara decimalkomma", point))
        unparsable = (~wellformed | number.is_infinite().fill_null(False)) & ~missing & ~point
        if c.kind == "int":
            unparsable = unparsable | point
    if c.kind == "int":
        fractional = (number.round(0) != number).fill_null(False)
        huge = (number.abs() >= _INT_LIMIT).fill_null(False)
        bad.append(
            ("csv-heltal", "{value!r} är inte ett heltal", (unparsable | fractional | huge) & ~missing)
        )
        values = number.set(huge, None).cast(pl.Int64, strict=False)
    else:
        bad.append(("csv-decimal", "{value!r} är inte ett tal", unparsable & ~missing))
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
