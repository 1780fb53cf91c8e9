"""The fast CSV path (DuckDB's reader, rules in SQL) gives exactly the precise path's table, and a file
that breaks a rule still gets the precise path's violation (file, row, column, rule)."""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines import ingest
from pipelines.demo import kpp as demo
from pipelines.errors import RejectedInput
from pipelines.sources import kpp, swecsv
from pipelines.sources.registry import StageAborted, StageTarget


@pytest.fixture(scope="module")
def extract() -> bytes:
    model = demo.build_model(20200101)
    frame = demo.extract_frame(model, 2017, seed=20200101, scale=0.01)
    data = demo.swedish_csv(frame, float_precision=2).encode("utf-8")
    assert len(data) > swecsv.FAST_PATH_MIN_BYTES  # large enough for the fast path
    return data


def _precise(monkeypatch: pytest.MonkeyPatch, data: bytes) -> object:
    with monkeypatch.context() as m:
        m.setattr(swecsv, "FAST_PATH_MIN_BYTES", 1 << 62)
        return kpp.read_kontakter(data, "kpp.csv")


def test_fast_path_is_taken_and_equals_the_precise_path(
    extract: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = swecsv._fast_csv(
        extract, kpp.KONTAKTER_COLUMNS, extra_ok=False, unique=("vardkontakt_id",), row_column="kalla_rad"
    )
    assert fast is not None
    assert fast.equals(kpp.read_kontakter(extract, "kpp.csv"))
    assert fast.equals(_precise(monkeypatch, extract))


def test_read_csv_takes_the_fast_path_for_a_large_plain_extract(
    extract: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def precise_path_used(data: bytes, file_name: str) -> str:
        raise AssertionError("the precise path decoded a plain extract")

    with monkeypatch.context() as m:
        m.setattr(swecsv, "decode", precise_path_used)
        fast = kpp.read_kontakter(extract, "kpp.csv")
    assert fast.equals(_precise(monkeypatch, extract))


@pytest.mark.parametrize(
    "variant",
    [
        b"\xef\xbb\xbf",  # a BOM
        b"crlf",  # Windows line ends
    ],
)
def test_fast_path_variants_equal_the_precise_path(
    extract: bytes, variant: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = extract.replace(b"\n", b"\r\n") if variant == b"crlf" else variant + extract
    assert (
        swecsv._fast_csv(data, kpp.KONTAKTER_COLUMNS, extra_ok=False, unique=(), row_column="r") is not None
    )
    assert kpp.read_kontakter(data, "kpp.csv").equals(_precise(monkeypatch, data))


@pytest.mark.parametrize(
    ("old", "new", "rule", "column"),
    [
        (b";sluten;", b";slutna;", "csv-kod", "vardform"),
        (b";2017;", b";2017,5;", "csv-heltal", "ar"),
        (b";M;", b"; M;", None, None),  # a space: the precise path strips it and accepts the row
        (b";Medicinkliniken;", b";Medicinkliniken ;", None, None),  # free text: the edge test's own
        (b";Medicinkliniken;", b";Medicinkliniken\xc2\xa0;", None, None),  # a no-break space
        (b";Medicinkliniken;", b";\tMedicinkliniken;", None, None),  # a tab
    ],
)
def test_a_broken_value_gets_the_precise_message(
    extract: bytes, old: bytes, new: bytes, rule: str | None, column: str | None
) -> None:
    lines = extract.split(b"\n")
    line = next(i for i, text in enumerate(lines[1:], start=1) if old in text)
    lines[line] = lines[line].replace(old, new, 1)
    data = b"\n".join(lines)
    assert swecsv._fast_csv(data, kpp.KONTAKTER_COLUMNS, extra_ok=False, unique=(), row_column=None) is None
    if rule is None:
        assert kpp.read_kontakter(data, "kpp.csv").num_rows == len(lines) - 2
        return
    with pytest.raises(RejectedInput) as err:
        kpp.read_kontakter(data, "kpp.csv")
    assert (line + 1, column, rule) in swecsv.violation_rows(err.value.violations)


def test_a_repeated_key_takes_the_precise_path(extract: bytes) -> None:
    lines = extract.split(b"\n")
    lines.insert(3, lines[1])
    data = b"\n".join(lines)
    with pytest.raises(RejectedInput) as err:
        kpp.read_kontakter(data, "kpp.csv")
    assert (4, "vardkontakt_id", "csv-dubblett") in swecsv.violation_rows(err.value.violations)


def test_the_fast_path_reads_the_staged_file_itself(
    extract: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    staged = tmp_path / "kopia.csv"
    staged.write_bytes(b"\xef\xbb\xbf" + extract)  # with a BOM, as Excel writes it
    token = swecsv.ON_DISK.set(staged)
    try:
        with monkeypatch.context() as m:
            m.setattr(tempfile, "NamedTemporaryFile", _no_temporary)
            from_disk = kpp.read_kontakter(staged.read_bytes(), "kpp.csv")
    finally:
        swecsv.ON_DISK.reset(token)
    assert from_disk.equals(_precise(monkeypatch, b"\xef\xbb\xbf" + extract))


def _no_temporary(*args: object, **kwargs: object) -> None:
    raise AssertionError("the fast path wrote the bytes to a temporary file instead of reading the copy")


@pytest.mark.parametrize(
    ("pattern", "excludes"),
    [
        (r"[A-Za-z0-9_.:/-]{1,64}", True),  # a dot inside a class is a dot
        (r"[A-Za-z][0-9]{2}(?:\.?[0-9A-Za-z]{1,3})?", True),
        (r"\d{4}", True),
        (r"[!-~]+", True),  # printable ASCII without the space
        (r".+", False),
        (r"[^;]+", False),
        (r"\s*x", False),
        (r"\S+", False),
        (r"[ -~]+", False),
        (r"a b", False),
        ("[a-zå]+", False),  # beyond ASCII: a range could hold other whitespace
    ],
)
def test_which_patterns_keep_whitespace_off_a_value(pattern: str, excludes: bool) -> None:
    assert swecsv._excludes_whitespace(pattern) is excludes


def _target(con: object, create: bool, name: str = "kpp.csv") -> StageTarget:
    params = {"kalla_fil": name, "kalla_sha256": name, "kalla_inlast": datetime(2026, 12, 3, 10, 0)}
    return StageTarget(con, "raw", create, ingest._PROVENANCE_SQL, ingest._ROWS_OF_FILE, params)  # type: ignore[arg-type]


def _staged_table(con: duckdb.DuckDBPyConnection, name: str = "kpp.csv") -> object:
    query = (
        "SELECT * EXCLUDE (kalla_fil, kalla_sha256, kalla_inlast) FROM raw WHERE kalla_fil = $f "
        "ORDER BY kalla_rad"
    )
    return con.sql(query, params={"f": name}).to_arrow_table()


def test_the_stager_writes_the_readers_table_into_the_raw_table(
    extract: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `ingest` stages into the raw table (rows, types, each row's line) is the precise
    reader's table, column for column, with the file's provenance on every row."""
    # the file's columns in another order: the staged table has the reader's order
    header = extract.split(b"\n", 1)[0].decode().split(";")
    a, b = header.index("klinik"), header.index("kostnad")

    def swapped(line: str) -> str:
        v = line.split(";")
        v[a], v[b] = v[b], v[a]
        return ";".join(v)

    lines = [swapped(line) if line else line for line in extract.decode().split("\n")]
    data = "\n".join(lines).encode()
    on_disk = tmp_path / "kpp.csv"
    on_disk.write_bytes(data)
    with duckdb.connect(str(tmp_path / "lager.duckdb")) as con:
        con.execute("BEGIN TRANSACTION")
        staged = kpp.stage_kontakter("kpp.csv", on_disk, _target(con, create=True), None)
        assert staged is not None and staged.rows == len(lines) - 2
        precise = _precise(monkeypatch, data)
        assert _staged_table(con).equals(precise)  # type: ignore[attr-defined]
        provenance = con.sql("SELECT DISTINCT kalla_fil, kalla_sha256, kalla_inlast FROM raw").fetchall()
        assert provenance == [("kpp.csv", "kpp.csv", datetime(2026, 12, 3, 10, 0))]


def _many_lines(extract: bytes, copies: int, prefix: str) -> bytes:
    """``copies`` times the extract's records under new ids ``prefix`` + a running number: a file of
    many of DuckDB's row groups, read by both threads (their order must still be the file's)."""
    head, *body = [line for line in extract.split(b"\n") if line]
    out = [head]
    number = 0
    for _ in range(copies):
        for line in body:
            number += 1
            out.append(f"{prefix}{number:09d}".encode() + line[line.index(b";") :])
    return b"\n".join(out) + b"\n"


def test_each_staged_row_has_its_line_in_a_large_file_and_after_other_rows(
    extract: bytes, tmp_path: Path
) -> None:
    """A row's line comes from its row id (rows appended in a transaction are numbered in order):
    right for a file of many row groups, and for a second file staged after it into the same table
    of the same transaction, whose ids continue the first file's. The id says the line: VKA<n> is on
    line n + 1."""
    first = tmp_path / "a.csv"
    second = tmp_path / "b.csv"
    first.write_bytes(_many_lines(extract, 25, "VKA"))  # ≈ 500 000 records: four row groups and more
    second.write_bytes(_many_lines(extract, 3, "VKB"))
    with duckdb.connect(str(tmp_path / "lager.duckdb")) as con:
        con.execute("SET threads = 2")
        con.execute("BEGIN TRANSACTION")
        a = kpp.stage_kontakter("a.csv", first, _target(con, create=True, name="a.csv"), None)
        b = kpp.stage_kontakter("b.csv", second, _target(con, create=False, name="b.csv"), None)
        assert a is not None and b is not None and a.rows > 4 * 122_880
        wrong = con.sql(
            "SELECT kalla_fil, count(*) AS rader, "
            "count(*) FILTER (WHERE CAST(substr(vardkontakt_id, 4) AS BIGINT) + 1 <> kalla_rad) AS fel "
            "FROM raw GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert wrong == [("a.csv", a.rows, 0), ("b.csv", b.rows, 0)]
        con.execute("COMMIT")
        # committed, the table is renumbered; the stored lines stay
        assert con.sql(
            "SELECT min(kalla_rad), max(kalla_rad) FROM raw WHERE kalla_fil = 'b.csv'"
        ).fetchall() == [(2, b.rows + 1)]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ("personnummer", "kpp-personnummer"),
        ("malformed", "csv-format"),
        ("repeat", "csv-dubblett"),
        ("broken", "csv-kod"),
    ],
)
def test_the_stager_leaves_a_broken_file_to_the_reader(
    extract: bytes, tmp_path: Path, change: str, rule: str
) -> None:
    """A file that breaks a rule aborts the stager's rows (the ingest rolls back): the reader then
    names row, column and rule."""
    lines = extract.split(b"\n")
    fields = lines[5].split(b";")
    pid = lines[0].split(b";").index(b"patient_id")
    if change == "personnummer":
        fields[pid] = b"19121212-1212"
    elif change == "malformed":
        fields[pid] = b"P 1"
    elif change == "broken":
        fields[lines[0].split(b";").index(b"vardform")] = b"slutna"
    lines[5] = b";".join(fields)
    if change == "repeat":
        lines.insert(7, lines[5])
    data = b"\n".join(lines)
    on_disk = tmp_path / "kpp.csv"
    on_disk.write_bytes(data)
    with duckdb.connect(str(tmp_path / "lager.duckdb")) as con:
        con.execute("BEGIN TRANSACTION")
        with pytest.raises(StageAborted):
            kpp.stage_kontakter("kpp.csv", on_disk, _target(con, create=True), None)
    with pytest.raises(RejectedInput) as err:
        kpp.read_kontakter(data, "kpp.csv")
    assert rule in {v.rule for v in err.value.violations}


def test_the_stager_writes_nothing_for_a_file_the_fast_path_does_not_take(
    extract: bytes, tmp_path: Path
) -> None:
    """A quoted field: no fast path, nothing written, the transaction goes on (the reader reads it)."""
    lines = extract.split(b"\n")
    lines[3] = lines[3].replace(b";", b';"', 1).replace(b";", b'";', 2)
    on_disk = tmp_path / "kpp.csv"
    on_disk.write_bytes(b"\n".join(lines))
    with duckdb.connect(str(tmp_path / "lager.duckdb")) as con:
        con.execute("BEGIN TRANSACTION")
        assert kpp.stage_kontakter("kpp.csv", on_disk, _target(con, create=True), None) is None
        assert con.sql("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'raw'").fetchall() == [(0,)]
        con.execute("COMMIT")


HEAD = ";".join(c.name for c in kpp.KONTAKTER_COLUMNS).encode()  # the values do not matter here


@pytest.mark.parametrize(
    ("body", "plain", "lines"),
    [
        (HEAD + b"\r\nA;B;1\r\nC;D;2\r\n", True, 3),  # CRLF throughout: no lone carriage return
        (HEAD + b"\nA;B;1\nC;D;2", True, 3),  # no line end after the last record
        (b"\xef\xbb\xbf" + HEAD + b"\nA;B;1\n", True, 2),  # a BOM is not part of the body
        (HEAD + b"\r\nA;B;1\rC;D;2\r\n", False, 0),  # a lone carriage return
        (HEAD + b"\r\nA;B;1\r\r\n", False, 0),  # a carriage return before a CRLF
        (HEAD + b'\nA;B;1\nC;D;"2"\n', False, 0),  # a quote in the last record
        (HEAD + b"\nA;B;1\nC;D;\x002\n", False, 0),  # a NUL byte
        (b"\n" + HEAD + b"\nA;B;1\n", False, 0),  # a blank first line
        (HEAD + b";okand\nA;B;1;x\n", False, 0),  # a column the source does not have
    ],
)
def test_the_file_is_judged_the_same_whatever_the_pieces_it_is_scanned_in(
    body: bytes, plain: bool, lines: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stager scans a file piece by piece (never holding it whole): a CRLF, the BOM or a quote
    split across two pieces is judged as in one piece, and the record lines are counted the same."""
    monkeypatch.setattr(swecsv, "FAST_PATH_MIN_BYTES", 1)
    header = len(body.split(b"\n", 1)[0]) + 1
    for size in (len(body), header, header + 1, header + 2, header + 5):  # the first piece holds the header
        pieces = [body[:size]] + [body[i : i + 3] for i in range(size, len(body), 3)]
        plan = swecsv._fast_plan(pieces, kpp.KONTAKTER_COLUMNS, ())
        assert (plan is not None) == plain, (body, size)
        if plan is not None:
            assert plan.lines == lines
            assert plan.names == [c.name for c in kpp.KONTAKTER_COLUMNS]


def test_a_large_file_is_scanned_in_pieces(
    extract: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_disk = tmp_path / "kpp.csv"
    on_disk.write_bytes(extract)
    monkeypatch.setattr(swecsv, "SCAN_CHUNK", 4096)  # hundreds of pieces
    pieces = list(swecsv.file_pieces(on_disk))
    assert len(pieces) == -(-len(extract) // 4096) and max(map(len, pieces)) == 4096
    whole = swecsv._fast_plan([extract], kpp.KONTAKTER_COLUMNS, ("vardkontakt_id",))
    assert whole is not None and whole == swecsv._fast_plan(
        pieces, kpp.KONTAKTER_COLUMNS, ("vardkontakt_id",)
    )
    assert whole.lines == extract.count(b"\n") + (0 if extract.endswith(b"\n") else 1)


def test_the_ingests_copy_hashes_and_scans_the_file_in_one_pass(
    extract: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ingest` copies a delivered file, then reads the copy once: the hash (in a thread beside the
    scan) and the stager's scan. Both must see every piece in order: the digest is the file's own
    SHA-256 and the plan is the one the stager makes reading the file itself."""
    import hashlib

    from pipelines import ingest

    crlf = extract.replace(b"\n", b"\r\n")  # a CRLF file: the carriage returns are counted
    for name, data in (("kpp.csv", extract), ("kpp_crlf.csv", crlf)):
        delivered = tmp_path / name
        delivered.write_bytes(data)
        monkeypatch.setattr(swecsv, "SCAN_CHUNK", 4099)  # hundreds of pieces, a CRLF split across two
        scan = swecsv.ByteScan()
        copy = tmp_path / f"kopia-{name}"
        digest, size = ingest._copy_hashed(delivered, copy, scan)
        assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
        assert copy.read_bytes() == data
        plan = scan.plan(kpp.KONTAKTER_COLUMNS, ("vardkontakt_id",))
        assert plan is not None
        assert plan == swecsv._fast_plan([data], kpp.KONTAKTER_COLUMNS, ("vardkontakt_id",))
        assert plan.lines == data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        assert ingest._copy_hashed(delivered, copy) == (digest, size)  # without a scan: the same hash
    lone = tmp_path / "lone.csv"
    lone.write_bytes(extract.replace(b"\n", b"\r", 1))  # a lone carriage return in the header line
    scan = swecsv.ByteScan()
    ingest._copy_hashed(lone, tmp_path / "kopia-lone.csv", scan)
    assert scan.plan(kpp.KONTAKTER_COLUMNS, ("vardkontakt_id",)) is None
