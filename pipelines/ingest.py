"""Ingest: delivered file → validated → content-addressed copy in the workspace → raw/core tables.

One loading path: ``accept`` only checks a file and places it in ``incoming/<source>/``; the raw
and core tables are always (re)built by :func:`load_raw` and :func:`build_core`, which the Dagster
assets call. ``accept`` runs that same code on an in-memory copy first, so a file that would break
the source's contract is rejected before anything in the workspace changes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import build, contracts, felinjektion, leveranser, parametrar, reference, stadning, warehouse
from pipelines.errors import MissingInput, RejectedInput, Violation
from pipelines.sources.registry import Source, get_source
from pipelines.workspace import Workspace, atomic_write


@dataclass(frozen=True)
class StoredFile:
    source: str
    sha256: str
    path: Path
    original_name: str
    ingested_at: datetime  # when the delivery that makes it current was accepted
    size: int
    # monthly sources: the months ("YYYY-MM") of its rows that are current (pipelines.leveranser);
    # None: all of its rows
    periods: tuple[str, ...] | None = None


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_files(ws: Workspace, source: str) -> list[StoredFile]:
    """The files accepted for ``source``, oldest first."""
    folder = ws.incoming_dir(source)
    out = []
    for meta_path in sorted(folder.glob("*.meta.json")) if folder.exists() else []:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        out.append(
            StoredFile(
                source=source,
                sha256=meta["sha256"],
                path=folder / meta["stored_as"],
                original_name=meta["original_name"],
                ingested_at=datetime.fromisoformat(meta["ingested_at"]),
                size=meta["size"],
            )
        )
    return sorted(out, key=lambda f: (f.ingested_at, f.sha256))


def files_fingerprint(files: Sequence[StoredFile]) -> str:
    """The raw table's input: which files, delivered when, with which of their months current."""
    lines = sorted(
        f"{f.sha256} {f.ingested_at.isoformat()} {','.join(f.periods) if f.periods is not None else '*'}"
        for f in files
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


# What a reader may raise on a file it did not foresee (a reader's own checks raise RejectedInput).
_UNFORESEEN = (
    ArithmeticError,
    LookupError,
    RecursionError,
    TypeError,
    ValueError,
    OSError,
    pa.ArrowException,
    pl.exceptions.PolarsError,
)


# Tables ``accept`` parsed and stored, by SHA-256: the raw load that follows in the same process
# (``analysplan ingest`` → Dagster, in process) takes them instead of parsing the file a second time.
# The content hash is the key, so a table is only ever used for exactly the bytes it was read from.
_ACCEPTED: dict[str, pa.Table] = {}


def _read(source: Source, data: bytes, name: str) -> pa.Table:
    """Parse a delivered file with its source's reader. A file the reader's rules did not foresee is
    still rejected with file and rule (``fil-olaslig``), never a traceback; the reader should get a
    rule of its own for it (tests/fixtures/bad/)."""
    if not data.strip():
        raise RejectedInput([Violation(name, "tom-fil", "filen är tom")])
    try:
        return source.reader(data, name)
    except RejectedInput:
        raise
    except _UNFORESEEN as err:
        detail = " ".join(str(err).split())[:200]
        raise RejectedInput(
            [
                Violation(
                    name,
                    "fil-olaslig",
                    f"filen kunde inte läsas som {source.name} ({type(err).__name__}: {detail}); "
                    "kontrollera att det är rätt fil för källan",
                )
            ]
        ) from None


def load_raw(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    files: Sequence[StoredFile],
    parsed: Mapping[str, pa.Table] | None = None,
    months: Collection[str] | None = None,
    on_commit: Callable[[int], None] | None = None,
) -> int:
    """Bring ``source.raw_table`` in line with ``files``, incrementally and in one transaction.

    Rows are kept per delivered file (``kalla_sha256``): a new file's rows are appended, a file no
    longer present loses its rows, and rows of unchanged files are not rewritten — a new monthly
    extract adds its month only. A changed reader (code version) re-reads every file.
    ``parsed`` holds tables already read (by SHA-256), so a checked file is not parsed twice.
    ``months`` (a monthly source's Dagster partitions) limits the work to the rows of those months;
    the rest of the table is left as it is. Returns the raw table's row count. ``on_commit(rows)``
    runs inside the transaction, just before it commits: the fingerprint's record is written with
    the table or not at all.
    """
    if not files:
        raise MissingInput(
            f"Inga filer är inlästa för {source.name}: kör `analysplan ingest {source.name} FIL` "
            "eller `analysplan demo`."
        )
    full = (
        not warehouse.table_exists(con, source.raw_table)
        or build.recorded_code_version(con, source.raw_table) != source.code_version
    )
    # Rows are kept per (file, month, delivery time): a monthly source's file may be current for
    # some of its months only (pipelines.leveranser); other sources use one key per file.
    period_sql = leveranser.PERIOD_SQL.get(source.name, "''")
    present: set[tuple[str, str, datetime]] = set()
    if not full:
        present = {
            (str(h), str(m), t)
            for h, m, t in con.sql(
                f'SELECT DISTINCT kalla_sha256, {period_sql}, kalla_inlast FROM "{source.raw_table}"'
            ).fetchall()
        }
    wanted: dict[tuple[str, str, datetime], StoredFile] = {}
    for f in files:
        file_months = f.periods if f.periods is not None and source.name in leveranser.PERIOD_SQL else None
        inlast = f.ingested_at.replace(tzinfo=None)
        for m in file_months if file_months is not None else [None]:
            wanted[(f.sha256, m if m is not None else "*", inlast)] = f
    # a file current for all its rows is matched on (file, time) whatever its months are
    whole = {(h, t) for (h, m, t), f in wanted.items() if m == "*"}
    removed = sorted(k for k in present if k not in wanted and (k[0], k[2]) not in whole)
    present_whole = {(h, t) for h, _, t in present}
    added: dict[str, tuple[StoredFile, list[str] | None]] = {}
    for (h, m, t), f in wanted.items():
        if m == "*":
            if (h, t) not in present_whole:
                added[h] = (f, None)
        elif (h, m, t) not in present:
            added.setdefault(h, (f, []))[1].append(m)  # type: ignore[union-attr]
    if months is not None and not full:
        only = set(months)
        removed = [k for k in removed if k[1] in only]
        added = {
            h: (f, None if ms is None else [m for m in ms if m in only])
            for h, (f, ms) in added.items()
            if ms is None or any(m in only for m in ms)
        }
    changed = {k[0] for k in removed} | set(added)
    con.execute("BEGIN TRANSACTION")
    try:
        if full:
            con.execute(f'DROP TABLE IF EXISTS "{source.raw_table}"')
            con.execute("DELETE FROM meta_filer WHERE kalla = $k", {"k": source.name})
        elif removed:
            con.register(
                "removed_keys",
                pa.table(
                    {
                        "h": [k[0] for k in removed],
                        "m": [k[1] for k in removed],
                        "t": pa.array([k[2] for k in removed], pa.timestamp("us")),
                    }
                ),
            )
            con.execute(
                f'DELETE FROM "{source.raw_table}" AS r USING removed_keys AS k '
                f"WHERE r.kalla_sha256 = k.h AND r.kalla_inlast = k.t AND {period_sql} = k.m"
            )
            con.unregister("removed_keys")
        for add, add_months in added.values():
            table = (parsed or {}).get(add.sha256)
            if table is None:
                table = _ACCEPTED.pop(add.sha256, None)
            if table is None:
                table = _read(source, add.path.read_bytes(), add.original_name)
            table = _with_provenance(table, add)
            con.register("incoming_rows", table)
            where = f" WHERE list_contains($m, {period_sql})" if add_months is not None else ""
            bind = {"m": sorted(add_months)} if add_months is not None else {}
            if warehouse.table_exists(con, source.raw_table):
                con.execute(
                    f'INSERT INTO "{source.raw_table}" BY NAME SELECT * FROM incoming_rows{where}', bind
                )
            else:
                con.execute(f'CREATE TABLE "{source.raw_table}" AS SELECT * FROM incoming_rows{where}', bind)
            con.unregister("incoming_rows")
        by_sha = {f.sha256: f for f in files}
        counts = dict(
            con.execute(
                f'SELECT kalla_sha256, count(*) FROM "{source.raw_table}" '
                "WHERE list_contains($h, kalla_sha256) GROUP BY 1",
                {"h": sorted(changed)},
            ).fetchall()
        )
        for h in sorted(changed):
            g = by_sha.get(h)
            if g is None or not counts.get(h):
                con.execute(
                    "DELETE FROM meta_filer WHERE kalla = $k AND sha256 = $h", {"k": source.name, "h": h}
                )
                continue
            con.execute(
                "INSERT OR REPLACE INTO meta_filer "
                "VALUES ($kalla, $sha, $namn, $sokvag, $byte, $rader, $inlast)",
                {
                    "kalla": source.name,
                    "sha": g.sha256,
                    "namn": g.original_name,
                    "sokvag": str(g.path),
                    "byte": g.size,
                    "rader": counts[h],
                    "inlast": g.ingested_at.replace(tzinfo=None),
                },
            )
        rows = warehouse.table_rows(con, source.raw_table)
        if on_commit is not None:
            on_commit(rows)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return rows


def raw_in_sync(con: duckdb.DuckDBPyConnection, source: Source, files: Sequence[StoredFile]) -> bool:
    """Whether the raw table holds exactly the current rows of ``files`` (after a partial load)."""
    period_sql = leveranser.PERIOD_SQL.get(source.name, "''")
    present = {
        (str(h), str(m), t)
        for h, m, t in con.sql(
            f'SELECT DISTINCT kalla_sha256, {period_sql}, kalla_inlast FROM "{source.raw_table}"'
        ).fetchall()
    }
    wanted = set()
    for f in files:
        t = f.ingested_at.replace(tzinfo=None)
        if f.periods is None or source.name not in leveranser.PERIOD_SQL:
            if not any(h == f.sha256 and pt == t for h, _, pt in present):
                return False
            wanted |= {k for k in present if k[0] == f.sha256 and k[2] == t}
        else:
            wanted |= {(f.sha256, m, t) for m in f.periods}
    return present == wanted


def _with_provenance(table: pa.Table, f: StoredFile) -> pa.Table:
    n = table.num_rows
    return (
        table.append_column("kalla_fil", pa.array([f.original_name] * n, pa.string()))
        .append_column("kalla_sha256", pa.array([f.sha256] * n, pa.string()))
        .append_column("kalla_inlast", pa.array([f.ingested_at.replace(tzinfo=None)] * n, pa.timestamp("us")))
    )


REFERENCE_TABLES = {
    "core_ref__regioner": ("ref_regioner", reference.regions_table),
    "core_ref__diagnoskapitel": ("ref_diagnoskapitel", reference.diagnoskapitel_table),
    "core_ref__sjukhus": ("ref_sjukhus", reference.sjukhus_table),
    "core_ref__analysplan": ("ref_analysplan", reference.analysplan_table),
    "core_ref__vardforlopp": ("ref_vardforlopp", reference.vardforlopp_table),
    "core_ref__vardforlopp_indikator": ("ref_vardforlopp_indikator", reference.vardforlopp_indikator_table),
}


def reference_version(table: str) -> str:
    """The data version of reference table ``table``: the hash of what ``pipelines/reference.py`` gives."""
    _, make = REFERENCE_TABLES[table]
    return reference.data_version(make())


def build_reference(con: duckdb.DuckDBPyConnection, tables: Sequence[str] | None = None) -> int:
    """(Re)build reference tables from ``pipelines/reference.py`` (all by default); returns rows written."""
    rows = 0
    for table, (view, make) in REFERENCE_TABLES.items():
        if tables is not None and table not in tables:
            continue
        con.register(view, make())
        try:
            rows += warehouse.build_table(con, table)
        finally:
            con.unregister(view)
    return rows


def build_core(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    params: Mapping[str, Any] | None = None,
    on_commit: Callable[[contracts.ContractResult], None] | None = None,
) -> contracts.ContractResult:
    """Rebuild the core table and validate its contract; on a broken contract nothing changes.
    ``on_commit(result)`` runs inside the transaction of a passing build, just before it commits."""
    con.execute("BEGIN TRANSACTION")
    try:
        warehouse.build_table(con, source.core_table, params)
        result = contracts.validate(con, source.core_table)
        if result.success and on_commit is not None:
            on_commit(result)
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT" if result.success else "ROLLBACK")
    return result


class ContractBroken(Exception):
    def __init__(self, result: contracts.ContractResult, files: Sequence[str]):
        self.result = result
        super().__init__(f"Filen avvisades: {', '.join(files)} bryter datakontraktet.\n{result.summary()}")


def dry_run(
    ws: Workspace,
    source: Source,
    candidates: Sequence[tuple[StoredFile, bytes, pa.Table]],
    params: Mapping[str, Any] | None = None,
    log: Sequence[leveranser.Delivery] | None = None,
) -> contracts.ContractResult:
    """Run the real load (raw → core → contract) with the candidate files on an in-memory warehouse.

    With ``log`` (the delivery log as it would be), the files loaded are those it makes current.

    The workspace's warehouse is attached read-only: other tables are seen through views, this
    source's raw table and the bookkeeping are copied, so nothing on disk is written.
    """
    dry = duckdb.connect(":memory:")
    warehouse.configure(dry, warehouse.spill_dir_for(ws.warehouse))
    tmp_dir = stadning.arbetsmapp(ws, "ingest")  # patient-level copies: removed if this process dies
    try:
        dry.execute(warehouse.META_DDL)
        dry.execute(build.DDL)
        warehouse.install_macros(dry)
        if ws.warehouse.exists():
            dry.execute("ATTACH $path AS wh (READ_ONLY)", {"path": str(ws.warehouse)})
            for (name,) in dry.sql(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'wh'"
            ).fetchall():
                if name == source.core_table:
                    continue
                if name in ("meta_filer", "meta_tabeller"):  # keep their keys: copy into the DDL'd tables
                    dry.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM wh."{name}"')
                elif name == source.raw_table:
                    dry.execute(f'CREATE TABLE "{name}" AS SELECT * FROM wh."{name}"')
                else:
                    dry.execute(f'CREATE VIEW "{name}" AS SELECT * FROM wh."{name}"')
        if not warehouse.table_exists(dry, "core_ref__regioner"):
            build_reference(dry)
        tmp_dir.mkdir(parents=True)
        files = list(stored_files(ws, source.name)) if log is None else []
        moved: dict[str, Path] = {}
        for f, data, _ in candidates:
            tmp = tmp_dir / f.path.name
            tmp.write_bytes(data)
            moved[f.sha256] = tmp
            if log is None:
                files.append(StoredFile(f.source, f.sha256, tmp, f.original_name, f.ingested_at, f.size))
        if log is not None:
            files = [
                replace(f, path=moved.get(f.sha256, f.path)) for f in current_files(ws, source.name, log)
            ]
        load_raw(dry, source, files, parsed={f.sha256: table for f, _, table in candidates})
        return build_core(dry, source, params)
    finally:
        dry.close()
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _check_dependencies(ws: Workspace, source: Source) -> None:
    """A source whose core table reads another source's core table needs that one loaded first."""
    from pipelines.sources.registry import all_sources

    owners = {s.core_table: s.name for s in all_sources().values()}
    needed = [t for t in source.depends_on if t in owners]
    if not needed:
        return
    present: set[str] = set()
    if ws.warehouse.exists():
        with warehouse.connect(ws.warehouse, read_only=True) as con:
            present = {t for t in needed if warehouse.table_exists(con, t)}
    missing = [t for t in needed if t not in present]
    if missing:
        first = ", ".join(owners[t] for t in missing)
        raise RejectedInput(
            [
                Violation(
                    source.name,
                    "beroende-saknas",
                    f"{source.name} kontrolleras mot {', '.join(missing)}: läs in {first} först",
                )
            ]
        )


def deliveries(ws: Workspace) -> list[leveranser.Delivery]:
    """The delivery log (``incoming/leveranser.json``). Files accepted before the log existed are
    added as deliveries in the order they were accepted (their months read from the stored file)."""
    from pipelines.sources.registry import all_sources

    log = leveranser.read_log(ws)
    logged = {(d.source, d.sha256) for d in log}
    legacy = [
        f
        for name in all_sources()
        for f in stored_files(ws, name)
        if (name, f.sha256) not in logged and ws.incoming_dir(name).exists()
    ]
    for f in sorted(legacy, key=lambda f: (f.ingested_at, f.source, f.sha256)):
        source = get_source(f.source)
        months = leveranser.months_of(f.source, _read(source, f.path.read_bytes(), f.original_name))
        log.append(
            leveranser.Delivery(
                id=leveranser.next_id(log),
                source=f.source,
                sha256=f.sha256,
                original_name=f.original_name,
                delivered_at=f.ingested_at,
                months=months,
                period=leveranser.period_of(f.source, f.original_name, months),
            )
        )
    return log


def current_files(
    ws: Workspace, source: str, log: Sequence[leveranser.Delivery] | None = None
) -> list[StoredFile]:
    """The files the raw table holds, each with the months of it that are current; oldest first."""
    if log is None:
        log = deliveries(ws)
    stored = {f.sha256: f for f in stored_files(ws, source)}
    by_id = {d.id: d for d in log}
    out = []
    for did, held in leveranser.live(log, source).items():
        d = by_id[did]
        known = stored.get(d.sha256)
        out.append(
            StoredFile(
                source=source,
                sha256=d.sha256,
                path=known.path if known else ws.incoming_dir(source) / d.sha256,
                original_name=d.original_name,
                ingested_at=d.delivered_at,
                size=known.size if known else 0,
                periods=tuple(sorted(held)) if leveranser.is_monthly(source) else None,
            )
        )
    return sorted(out, key=lambda f: (f.ingested_at, f.sha256))


@dataclass(frozen=True)
class IngestReport:
    """What ``accept`` did: the files stored anew, the deliveries made, the re-sent files it matched."""

    stored: list[StoredFile]
    new: list[leveranser.Delivery]
    unchanged: list[tuple[str, leveranser.Delivery]]  # (file name given, the current delivery it matches)
    change: leveranser.Change
    months: set[str] = field(default_factory=set)  # monthly sources: the months whose rows changed


def accept(
    ws: Workspace, source_name: str, paths: Sequence[Path], params: Mapping[str, Any] | None = None
) -> list[StoredFile]:
    """Check files for a source and, only if all pass, place them in the workspace.

    Raises :class:`RejectedInput` (file, row, column, rule) or :class:`ContractBroken`; in both
    cases the workspace and the warehouse are exactly as before. Returns the files that became
    current (a file whose content is already current is not stored twice; see
    :func:`accept_report` for the deliveries and what they replace).
    """
    report = accept_report(ws, source_name, paths, params)
    return report.stored


def accept_report(
    ws: Workspace, source_name: str, paths: Sequence[Path], params: Mapping[str, Any] | None = None
) -> IngestReport:
    """:func:`accept`, returning the deliveries made and what they replace (pipelines.leveranser)."""
    source = get_source(source_name)
    if params is None:  # what the SQL may bind, as the resource gives it
        params = parametrar.sql_params()
    _check_dependencies(ws, source)
    before = deliveries(ws)
    log = list(before)
    existing = {f.sha256: f for f in stored_files(ws, source.name)}
    started = datetime.now(UTC)
    candidates: list[tuple[StoredFile, bytes, pa.Table]] = []
    reused: list[StoredFile] = []
    unchanged: list[tuple[str, leveranser.Delivery]] = []
    new: list[leveranser.Delivery] = []
    for p in paths:
        # files of one call are applied in the order given: a later file wins over an earlier one
        now = started + timedelta(microseconds=len(candidates))
        path = Path(p)
        if not path.is_file():
            raise RejectedInput([Violation(str(path), "fil-saknas", "filen finns inte")])
        data = path.read_bytes()
        digest = sha256_bytes(data)
        match = leveranser.current_match(log, source.name, digest)
        if match is not None:
            unchanged.append((path.name, match))
            continue
        table = _read(source, data, path.name)  # parse: raises RejectedInput naming row/column/rule
        months = leveranser.months_of(source.name, table)
        delivery = leveranser.Delivery(
            id=leveranser.next_id(log),
            source=source.name,
            sha256=digest,
            original_name=path.name,
            delivered_at=now,
            months=months,
            period=leveranser.period_of(source.name, path.name, months),
        )
        problem = leveranser.period_problem(delivery)
        if problem:
            raise RejectedInput([Violation(path.name, "leverans-period", problem)])
        log.append(delivery)
        new.append(delivery)
        target = ws.incoming_dir(source.name) / f"{digest}{''.join(path.suffixes[-1:]) or '.dat'}"
        stored = StoredFile(source.name, digest, target, path.name, now, len(data))
        if digest in existing:  # a replaced or withdrawn file sent again: current again
            reused.append(replace(stored, path=existing[digest].path))
        elif not any(c.sha256 == digest for c, _, _ in candidates):
            candidates.append((stored, data, table))
    change = leveranser.describe(before, log, source.name)
    if not new:
        return IngestReport([], [], unchanged, change)

    result = dry_run(ws, source, candidates, params, log=log)
    if not result.success:
        raise ContractBroken(result, [d.original_name for d in new])

    folder = ws.incoming_dir(source.name)
    folder.mkdir(parents=True, exist_ok=True)
    # One call, one delivery: a journal names every file it stores, so a call killed half-way is
    # rolled back at the next start (pipelines.stadning) instead of leaving some of its files.
    journal = stadning.journal_path(ws, source.name)
    names = [n for f, _, _ in candidates for n in (f.path.name, f"{f.sha256}.meta.json")]
    log_file = leveranser.log_path(ws)
    previous = log_file.read_text(encoding="utf-8") if log_file.exists() else None
    atomic_write(journal, json.dumps({"filer": names, "leveranslogg": previous}, ensure_ascii=False).encode())
    for position, (f, data, _) in enumerate(candidates):
        if position == 1:
            felinjektion.punkt("ingest-mellan-filer")
        atomic_write(f.path, data)
        meta = {
            "sha256": f.sha256,
            "stored_as": f.path.name,
            "original_name": f.original_name,
            "ingested_at": f.ingested_at.isoformat(),
            "size": f.size,
        }
        atomic_write(
            folder / f"{f.sha256}.meta.json", json.dumps(meta, ensure_ascii=False, indent=1).encode()
        )
    _ACCEPTED.clear()  # only the latest accepted files: memory stays that of one delivery
    _ACCEPTED.update({f.sha256: table for f, _, table in candidates})
    leveranser.write_log(ws, log)  # the commit point: the journal restores the log before it
    journal.unlink()
    touched = leveranser.changed_months(before, log, source.name)
    return IngestReport([f for f, _, _ in candidates] + reused, new, unchanged, change, touched)


def withdraw(
    ws: Workspace, delivery_id: int, params: Mapping[str, Any] | None = None
) -> tuple[leveranser.Delivery, leveranser.Change]:
    """Withdraw a delivery: the period it held goes back to the delivery it replaced, or is emptied.

    Checked like an ingest (the load and the contract on an in-memory copy) before the log changes;
    the file stays in ``incoming/``. Raises KeyError/ValueError (Swedish) or :class:`ContractBroken`.
    """
    before = deliveries(ws)
    after = leveranser.withdraw(before, delivery_id, datetime.now(UTC))
    delivery = next(d for d in after if d.id == delivery_id)
    source = get_source(delivery.source)
    if params is None:
        params = parametrar.sql_params()
    change = leveranser.describe(before, after, source.name)
    if change.changed:
        if not leveranser.live(after, source.name):
            raise ValueError(
                f"{delivery.label()} är den sista aktuella leveransen för {source.name}; "
                "läs in en ny fil innan den återkallas"
            )
        result = dry_run(ws, source, [], params, log=after)
        if not result.success:
            raise ContractBroken(result, [delivery.original_name])
    leveranser.write_log(ws, after)
    return delivery, change
