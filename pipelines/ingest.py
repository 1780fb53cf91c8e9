"""Ingest: delivered file → validated → content-addressed copy in the workspace → raw/core tables.

One loading path: the raw and core tables are always (re)built by :func:`materialize_raw` and
:func:`materialize_core` (:func:`load_raw`, :func:`build_core`), which the Dagster assets call.
``accept_report`` checks the files first (each read from its own copy in ``staging/``): either it
loads and builds raw and core in one transaction on the warehouse itself and commits only if the
contract holds (``build_now``: what ``analysplan ingest`` does when the rest is up to date), or it
runs the same load on an in-memory copy, so a file that would break the contract is rejected before
anything in the workspace changes, and leaves the build to the assets.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeAlias

import duckdb
import polars as pl
import pyarrow as pa

from pipelines import (
    build,
    contracts,
    felinjektion,
    leveranser,
    parametrar,
    reference,
    stadning,
    tider,
    warehouse,
)
from pipelines.errors import MissingInput, RejectedInput, Violation
from pipelines.sources import swecsv
from pipelines.sources.registry import Source, StageAborted, StagedRows, StageTarget, get_source
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
# A file's rows as the reader gives them (Arrow), or written by its stager into the raw table.
Parsed: TypeAlias = pa.Table | StagedRows


def _read(source: Source, data: bytes, name: str, on_disk: Path | None = None) -> pa.Table:
    """Parse a delivered file with its source's reader. A file the reader's rules did not foresee is
    still rejected with file and rule (``fil-olaslig``), never a traceback; the reader should get a
    rule of its own for it (tests/fixtures/bad/)."""
    if not data.strip():
        raise RejectedInput([Violation(name, "tom-fil", "filen är tom")])
    token = swecsv.ON_DISK.set(on_disk)  # a file holding exactly ``data``: the fast CSV path reads it
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
    finally:
        swecsv.ON_DISK.reset(token)


def load_raw(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    files: Sequence[StoredFile],
    parsed: Mapping[str, Parsed] | None = None,
    months: Collection[str] | None = None,
    on_commit: Callable[[int], None] | None = None,
    *,
    nested: bool = False,
) -> int:
    """Bring ``source.raw_table`` in line with ``files``, incrementally and in one transaction.

    Rows are kept per delivered file (``kalla_sha256``): a new file's rows are appended, a file no
    longer present loses its rows, and rows of unchanged files are not rewritten — a new monthly
    extract adds its month only. A changed reader (code version) re-reads every file.
    ``parsed`` holds tables already read (by SHA-256), so a checked file is not parsed twice.
    ``months`` (a monthly source's Dagster partitions) limits the work to the rows of those months;
    the rest of the table is left as it is. Returns the raw table's row count. ``on_commit(rows)``
    runs inside the transaction, just before it commits: the fingerprint's record is written with
    the table or not at all. ``nested``: inside the caller's transaction (it commits or rolls back).
    """
    if not files:
        raise MissingInput(
            f"Inga filer är inlästa för {source.name}: kör `analysplan ingest {source.name} FIL` "
            "eller `analysplan demo`."
        )
    # Rows a stager wrote into the table in this transaction (the caller stages only into a table
    # at this code version, or one it created): present already, and the rest is not re-read.
    preloaded = {h for h, t in (parsed or {}).items() if isinstance(t, StagedRows)}
    full = not preloaded and (
        not warehouse.table_exists(con, source.raw_table)
        or build.recorded_code_version(con, source.raw_table) != source.code_version
    )
    # Rows are kept per (file, month, delivery time): a monthly source's file may be current for
    # some of its months only (pipelines.leveranser); other sources use one key per file.
    period_sql = leveranser.PERIOD_SQL.get(source.name, "''")
    present: set[tuple[str, str, datetime]] = set()
    if not full:
        present = _present_keys(con, source)
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
    changed = {k[0] for k in removed} | set(added) | preloaded
    if not nested:
        con.execute("BEGIN TRANSACTION")
    try:
        # no file is on record for a table built anew: dropped here, or created by the stager
        if full or any(isinstance(t, StagedRows) and t.target.create for t in (parsed or {}).values()):
            con.execute("DELETE FROM meta_filer WHERE kalla = $k", {"k": source.name})
        if full:
            con.execute(f'DROP TABLE IF EXISTS "{source.raw_table}"')
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
            assert not isinstance(table, StagedRows)  # its rows are present: never in ``added``
            if table is None:
                table = _read(source, add.path.read_bytes(), add.original_name)
            con.register("incoming_rows", table)
            relation = "incoming_rows"
            where = f" WHERE list_contains($m, {period_sql})" if add_months is not None else ""
            bind = _provenance_params(add) | ({"m": sorted(add_months)} if add_months is not None else {})
            rows_sql = f"SELECT *, {_PROVENANCE_SQL} FROM {relation}{where}"
            if warehouse.table_exists(con, source.raw_table):
                con.execute(f'INSERT INTO "{source.raw_table}" BY NAME {rows_sql}', bind)
            else:
                con.execute(f'CREATE TABLE "{source.raw_table}" AS {rows_sql}', bind)
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
        if changed:
            # Statistics of the rows just written (distinct counts): rows written in this
            # transaction have none, and without them the core build's planner took a file's every
            # row for the build side of a join it probes with a handful (issue 11: +0,55 GB at one
            # year's 2 M contacts; ANALYZE takes 0,1 s).
            con.execute(f'ANALYZE "{source.raw_table}"')
        rows = warehouse.table_rows(con, source.raw_table)
        if on_commit is not None:
            on_commit(rows)
        if not nested:
            con.execute("COMMIT")
    except Exception:
        if not nested:
            con.execute("ROLLBACK")
        raise
    return rows


def _present_keys(con: duckdb.DuckDBPyConnection, source: Source) -> set[tuple[str, str, datetime]]:
    """The (file, month, delivery time) keys the raw table holds (month ``''`` if not monthly)."""
    keys = ("kalla_sha256", "kalla_inlast")
    query = leveranser.distinct_periods_sql(source.name, f'"{source.raw_table}"', keys)
    return {(str(h), str(m), t) for h, t, m in con.sql(query).fetchall()}


def raw_in_sync(con: duckdb.DuckDBPyConnection, source: Source, files: Sequence[StoredFile]) -> bool:
    """Whether the raw table holds exactly the current rows of ``files`` (after a partial load)."""
    present = _present_keys(con, source)
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


# Each row's file, its SHA-256 and when its delivery was accepted: constants bound once per file in
# the loading SQL (not columns of n copies built in Python).
_PROVENANCE_SQL = (
    "CAST($kalla_fil AS VARCHAR) AS kalla_fil, CAST($kalla_sha256 AS VARCHAR) AS kalla_sha256, "
    "CAST($kalla_inlast AS TIMESTAMP) AS kalla_inlast"
)


def _provenance_params(f: StoredFile) -> dict[str, Any]:
    return {
        "kalla_fil": f.original_name,
        "kalla_sha256": f.sha256,
        "kalla_inlast": f.ingested_at.replace(tzinfo=None),
    }


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
    *,
    nested: bool = False,
) -> contracts.ContractResult:
    """Rebuild the core table and validate its contract; on a broken contract nothing changes.
    ``on_commit(result)`` runs inside the transaction of a passing build, just before it commits.
    ``nested``: inside the caller's transaction, which must roll back on a broken contract."""
    if nested:
        with tider.steg("core"):
            warehouse.build_table(con, source.core_table, params)
        with tider.steg("kontrakt"):
            result = contracts.validate(con, source.core_table)
        if result.success and on_commit is not None:
            on_commit(result)
        return result
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


@dataclass(frozen=True)
class Built:
    """What one raw or core step did (the assets' functions, with or without Dagster): the table's
    fingerprint (its Dagster data version), its rows, whether it was up to date already, the files
    (raw) and the contract's result (core, None when up to date)."""

    table: str
    fingerprint: str
    rows: int
    skipped: bool
    files: int = 0
    contract: contracts.ContractResult | None = None
    code_version: str = ""  # the asset's code version (Dagster's tag)
    columns: tuple[tuple[str, str], ...] = ()  # core: the table's columns and types

    def as_event(self) -> dict[str, Any]:
        """What `analysplan registrera` records for this step in Dagster's instance (JSON)."""
        event: dict[str, Any] = {
            "nyckel": self.table,
            "dataversion": self.fingerprint,
            "kodversion": self.code_version,
            "metadata": {"rader": self.rows},
            "kolumner": [list(c) for c in self.columns],
        }
        if self.contract is None:
            event["metadata"]["filer"] = self.files
        else:
            event["metadata"]["kontrakt"] = "uppfyllt" if self.contract.success else "brutet"
            event["kontroll"] = {
                "namn": "datakontrakt",
                "ok": self.contract.success,
                "beskrivning": self.contract.summary(),
                "metadata": {"regler": self.contract.checked, "brott": len(self.contract.failures)},
            }
        return event


def raw_fingerprint(source: Source, files: Sequence[StoredFile]) -> str:
    """The raw table's fingerprint after a complete load of ``files`` (the deliveries now current)."""
    return build.fingerprint(source.code_version, {"filer": files_fingerprint(files)})


def _quiet(message: str) -> None:
    return None


def materialize_raw(
    con: duckdb.DuckDBPyConnection,
    ws: Workspace,
    source: Source,
    months: Collection[str] | None = None,
    *,
    files: Sequence[StoredFile] | None = None,
    parsed: Mapping[str, Parsed] | None = None,
    say: Callable[[str], None] = _quiet,
    nested: bool = False,
) -> Built:
    """The raw asset's step: bring the raw table in line with the current deliveries (``files``, by
    default from the delivery log), unless its fingerprint says it already is. ``months``: a monthly
    source's partitions (only their rows); ``parsed``: tables already read, by SHA-256."""
    files = current_files(ws, source.name) if files is None else files
    fp = raw_fingerprint(source, files)
    if build.up_to_date(con, source.raw_table, fp):
        say(f"{source.raw_table}: oförändrad, hoppar över")
        return Built(source.raw_table, fp, warehouse.table_rows(con, source.raw_table), True, len(files))

    def record(rows: int) -> None:  # in load_raw's transaction, before its commit
        nonlocal fp
        if months is not None and not raw_in_sync(con, source, files):
            # other months still differ: a later run (or one without partitions) finishes them
            fp = build.fingerprint(source.code_version, {"delvis": ",".join(sorted(months))})
            say(f"{source.raw_table}: månaderna {', '.join(months)} inlästa")
        felinjektion.punkt("bygg-registrering")
        build.record(con, source.raw_table, fp, rows, source.code_version)

    rows = load_raw(con, source, files, parsed=parsed, months=months, on_commit=record, nested=nested)
    return Built(source.raw_table, fp, rows, False, len(files))


def materialize_core(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    params: Mapping[str, Any],
    *,
    say: Callable[[str], None] = _quiet,
    nested: bool = False,
) -> Built:
    """The core asset's step: rebuild the core table and check its contract, unless its fingerprint
    (code, its inputs' fingerprints, the parameters it binds) and the contract are those recorded.
    A broken contract leaves the previous table (and the fingerprint ``avvisad``)."""
    used = warehouse.sql_param_names(source.core_table)
    bound = {k: v for k, v in params.items() if k in used}
    input_tables = (source.raw_table, *source.depends_on)
    inputs = {t: build.recorded(con, t) for t in input_tables}
    fp = build.fingerprint(warehouse.code_version(source.core_table), inputs, bound)
    # The contract decides whether to re-check, not the fingerprint dependents read (pipelines.build).
    contract = contracts.suite_hash(source.core_table)
    if build.up_to_date(con, source.core_table, fp, contract):
        say(f"{source.core_table}: oförändrad, hoppar över")
        return Built(source.core_table, fp, warehouse.table_rows(con, source.core_table), True)

    def record(result: contracts.ContractResult) -> None:  # in build_core's transaction
        felinjektion.punkt("bygg-registrering")
        effective = build.effective_parameters(con, bound, input_tables)
        build.record(con, source.core_table, fp, result.rows, contract=contract, params=effective)

    result = build_core(con, source, bound, on_commit=record, nested=nested)
    return Built(source.core_table, fp if result.success else "avvisad", result.rows, False, contract=result)


class ContractBroken(Exception):
    def __init__(self, result: contracts.ContractResult, files: Sequence[str]):
        self.result = result
        super().__init__(f"Filen avvisades: {', '.join(files)} bryter datakontraktet.\n{result.summary()}")


def dry_run(
    ws: Workspace,
    source: Source,
    candidates: Sequence[tuple[StoredFile, Path, pa.Table]],
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
        files = list(stored_files(ws, source.name)) if log is None else []
        moved: dict[str, Path] = {}
        for f, staged, _ in candidates:  # the checked copies in staging/ (accept_report)
            moved[f.sha256] = staged
            if log is None:
                files.append(StoredFile(f.source, f.sha256, staged, f.original_name, f.ingested_at, f.size))
        if log is not None:
            files = [
                replace(f, path=moved.get(f.sha256, f.path)) for f in current_files(ws, source.name, log)
            ]
        load_raw(dry, source, files, parsed={f.sha256: table for f, _, table in candidates})
        return build_core(dry, source, params)
    finally:
        dry.close()


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
    built: tuple[Built, Built] | None = None  # accept_report(build_now=True): the raw and core steps


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
    ws: Workspace,
    source_name: str,
    paths: Sequence[Path],
    params: Mapping[str, Any] | None = None,
    *,
    build_now: bool = False,
    say: Callable[[str], None] = _quiet,
) -> IngestReport:
    """:func:`accept`, returning the deliveries made and what they replace (pipelines.leveranser).

    ``build_now`` (the caller holds the writer's lock, and every other input of the source's core
    table is up to date): instead of checking on an in-memory copy and leaving the build to the
    assets, load the raw table, build the core table and check its contract in one transaction on
    the warehouse itself, as the raw and core assets do (:func:`materialize_raw`,
    :func:`materialize_core`); the files are stored and the transaction committed only if the
    contract holds, else it is rolled back and nothing has changed. One load instead of two, and a
    source's ``stager`` writes a plain file's rows straight into the raw table of that transaction
    (none is written twice); a file it finds broken is read again by the reader, which names what
    is wrong. ``IngestReport.built`` then says what was built; ``say`` gets a line as each step starts.
    """
    source = get_source(source_name)
    if params is None:  # what the SQL may bind, as the resource gives it
        params = parametrar.sql_params()
    _check_dependencies(ws, source)
    if not build_now:
        return _accept_report(ws, source, paths, params, None, say)
    for stage in (True, False):  # a file the stager finds broken: all again, with the reader
        try:
            with _WarehouseTransaction(ws) as con:
                return _accept_report(ws, source, paths, params, con, say, stage=stage)
        except StageAborted:
            if not stage:
                raise
    raise AssertionError("unreachable")


def _accept_report(
    ws: Workspace,
    source: Source,
    paths: Sequence[Path],
    params: Mapping[str, Any],
    con: duckdb.DuckDBPyConnection | None,
    say: Callable[[str], None],
    *,
    stage: bool = False,
) -> IngestReport:
    """:func:`accept_report`; ``con``: the warehouse transaction to build in (``build_now``), where
    ``stage`` lets the source's stager write the rows."""
    before = deliveries(ws)
    log = list(before)
    existing = {f.sha256: f for f in stored_files(ws, source.name)}
    started = datetime.now(UTC)
    candidates: list[tuple[StoredFile, Path, Parsed]] = []
    reused: list[StoredFile] = []
    unchanged: list[tuple[str, leveranser.Delivery]] = []
    new: list[leveranser.Delivery] = []
    staged_reused: dict[str, Parsed] = {}  # a file stored before whose rows the stager wrote again
    stager = source.stager if stage and con is not None and _stages_into_raw(con, source) else None
    # Each file is first copied into a folder of this process in staging/ (removed at the end, or at
    # the next start if the process dies): the bytes checked are those of a copy nobody else writes,
    # the fast CSV reader reads that copy itself, and storing it is a rename, not a second write.
    with _staging(ws) as folder:
        for position, p in enumerate(paths):
            # files of one call are applied in the order given: a later file wins over an earlier one
            now = started + timedelta(microseconds=len(candidates))
            path = Path(p)
            if not path.is_file():
                raise RejectedInput([Violation(str(path), "fil-saknas", "filen finns inte")])
            folder.mkdir(parents=True, exist_ok=True)
            staged = folder / f"{position}{''.join(path.suffixes[-1:])}"
            # a file the stager may read is scanned for it as it is hashed: one pass over the bytes
            stages = stager is not None and staged.suffix.lower() in swecsv.CSV_SUFFIXES
            scan = swecsv.ByteScan() if stages else None
            with tider.steg("kopiera"):
                digest, size = _copy_hashed(path, staged, scan)
            match = leveranser.current_match(log, source.name, digest)
            if match is not None:
                unchanged.append((path.name, match))
                continue
            target = ws.incoming_dir(source.name) / f"{digest}{''.join(path.suffixes[-1:]) or '.dat'}"
            stored = StoredFile(source.name, digest, target, path.name, now, size)
            with tider.steg("lasa"):
                table: Parsed | None = None
                if stager is not None and con is not None:  # straight into the raw table, if plain
                    table = stager(path.name, staged, _stage_target(con, source, stored), scan)
                if table is None:  # parse: RejectedInput naming row/column/rule
                    table = _read(source, staged.read_bytes(), path.name, staged)
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
            if digest in existing:  # a replaced or withdrawn file sent again: current again
                reused.append(replace(stored, path=existing[digest].path))
                if isinstance(table, StagedRows):  # its rows are loaded: the raw step keeps them
                    staged_reused[digest] = table
            elif not any(c.sha256 == digest for c, _, _ in candidates):
                candidates.append((stored, staged, table))
            del table  # held by the candidates only: the build can let it go
        change = leveranser.describe(before, log, source.name)
        if not new:
            return IngestReport([], [], unchanged, change)
        if con is not None:
            return _accept_and_build(
                ws,
                con,
                source,
                candidates,
                reused,
                unchanged,
                new,
                change,
                before,
                log,
                params,
                say,
                staged_reused,
            )

        result = dry_run(ws, source, candidates, params, log=log)
        if not result.success:
            raise ContractBroken(result, [d.original_name for d in new])
        _store(ws, source, candidates, log)
        touched = leveranser.changed_months(before, log, source.name)
        return IngestReport([f for f, _, _ in candidates] + reused, new, unchanged, change, touched)


def _stages_into_raw(con: duckdb.DuckDBPyConnection, source: Source) -> bool:
    """Whether a stager may write rows into the raw table: it is there at the readers' code version,
    or not there at all (the first file creates it); a changed reader re-reads every file instead."""
    if source.stager is None:
        return False
    if not warehouse.table_exists(con, source.raw_table):
        return True
    return build.recorded_code_version(con, source.raw_table) == source.code_version


_ROWS_OF_FILE = "kalla_sha256 = $kalla_sha256 AND kalla_inlast = $kalla_inlast"


def _stage_target(con: duckdb.DuckDBPyConnection, source: Source, f: StoredFile) -> StageTarget:
    """Where the stager writes the rows of ``f``: the raw table, with the file's provenance."""
    create = not warehouse.table_exists(con, source.raw_table)
    return StageTarget(con, source.raw_table, create, _PROVENANCE_SQL, _ROWS_OF_FILE, _provenance_params(f))


def _copy_hashed(source: Path, target: Path, scan: swecsv.ByteScan | None = None) -> tuple[str, int]:
    """Copy ``source`` to ``target``; the SHA-256 and size of the copy's bytes, read back piece by
    piece (a file of any size is hashed in the memory of one piece) and, given ``scan``, fed to it
    as well. The copy is the kernel's (``copy_file_range``): 0,11 s against 0,79 s for a Python write
    loop of one year's 210 MB extract."""
    shutil.copyfile(source, target)
    digest = hashlib.sha256()
    size = 0
    # the hash of a piece (which releases the GIL) runs beside the scan of the same piece
    with ThreadPoolExecutor(max_workers=1) as hasher:
        hashed: Future[None] | None = None
        for chunk in swecsv.file_pieces(target):
            if hashed is not None:
                hashed.result()  # in order, and at most two pieces in memory
            hashed = hasher.submit(digest.update, chunk)
            if scan is not None:
                scan.feed(chunk)
            size += len(chunk)
        if hashed is not None:
            hashed.result()
    return digest.hexdigest(), size


@contextlib.contextmanager
def _staging(ws: Workspace) -> Iterator[Path]:
    """A folder of this process in ``staging/`` (created on first use), removed when done."""
    stage = stadning.arbetsmapp(ws, "ingest")
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _accept_and_build(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    source: Source,
    candidates: Sequence[tuple[StoredFile, Path, Parsed]],
    reused: Sequence[StoredFile],
    unchanged: list[tuple[str, leveranser.Delivery]],
    new: list[leveranser.Delivery],
    change: leveranser.Change,
    before: Sequence[leveranser.Delivery],
    log: Sequence[leveranser.Delivery],
    params: Mapping[str, Any],
    say: Callable[[str], None],
    staged_reused: Mapping[str, Parsed],
) -> IngestReport:
    """:func:`accept_report` with ``build_now``: check, load and build in the transaction of ``con``."""
    parsed = {f.sha256: table for f, _, table in candidates} | dict(staged_reused)
    # the parsed tables live in ``parsed`` alone from here, so the load can free them (memory)
    checked = [(f, staged) for f, staged, _ in candidates]
    if isinstance(candidates, list):
        candidates.clear()
    files = current_files(ws, source.name, log)  # the candidates' rows come from ``parsed``
    built = _build_in_transaction(con, ws, source, checked, new, log, params, say, parsed, files)
    touched = leveranser.changed_months(before, log, source.name)
    stored = [f for f, _ in checked] + list(reused)
    return IngestReport(stored, new, unchanged, change, touched, built=built)


class _WarehouseTransaction:
    """``build_now``: a connection to the warehouse with its transaction open (``with``), in which
    the files are staged, loaded and built, and which the build commits. Leaving it any other way
    rolls back and puts the warehouse file back as it was last committed, byte for byte.

    DuckDB's rollback leaves the data as it was, but a large load may already have written (now
    unused) blocks into the file. A rejected delivery must leave the workspace exactly as it was, so
    the file is restored from the readers' copy of the committed warehouse (pipelines.las, made now if
    it is not of this content), with its modification time, or removed if there was none."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.target = ws.warehouse
        self._connection: contextlib.AbstractContextManager[duckdb.DuckDBPyConnection] | None = None

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        from pipelines import las

        self.existed = self.target.exists()
        self.copy = las.snapshot(self.ws) if self.existed else None
        self.stat = self.target.stat() if self.existed else None
        self._connection = warehouse.connect(self.target)
        con = self._connection.__enter__()
        try:
            con.execute("BEGIN TRANSACTION")
        except BaseException:
            self._connection.__exit__(None, None, None)
            raise
        self.con = con
        return con

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: Any) -> None:
        assert self._connection is not None
        try:
            with contextlib.suppress(duckdb.Error):  # nothing to roll back after the build's COMMIT
                self.con.execute("ROLLBACK")
        finally:
            self._connection.__exit__(None, None, None)
        if kind is not None:
            self.restore()

    def restore(self) -> None:
        wal = self.target.with_name(self.target.name + ".wal")
        if not self.existed:
            self.target.unlink(missing_ok=True)
            wal.unlink(missing_ok=True)
            return
        assert self.stat is not None
        now = self.target.stat()
        if (now.st_size, now.st_mtime_ns) == (self.stat.st_size, self.stat.st_mtime_ns) and not wal.exists():
            return
        if self.copy is None:
            return
        tmp = self.target.with_name(self.target.name + ".aterstall.tmp")
        shutil.copyfile(self.copy, tmp)
        os.utime(tmp, ns=(self.stat.st_atime_ns, self.stat.st_mtime_ns))
        os.replace(tmp, self.target)
        wal.unlink(missing_ok=True)


def _build_in_transaction(
    con: duckdb.DuckDBPyConnection,
    ws: Workspace,
    source: Source,
    checked: Sequence[tuple[StoredFile, Path]],
    new: list[leveranser.Delivery],
    log: Sequence[leveranser.Delivery],
    params: Mapping[str, Any],
    say: Callable[[str], None],
    parsed: dict[str, Parsed],
    files: Sequence[StoredFile],
) -> tuple[Built, Built]:
    """Raw, core, contract, storing the files and the commit; the raw and core steps' results."""
    from pipelines import schema

    say(f"[1/2] bygger {source.raw_table} …")
    with tider.steg("raw"):
        raw = materialize_raw(con, ws, source, files=files, parsed=parsed, nested=True)
    parsed.clear()  # in the raw table now: the Arrow copies can go before the core build
    say(f"[2/2] bygger {source.core_table} …")
    core = materialize_core(con, source, params, nested=True)
    if core.contract is not None and not core.contract.success:
        raise ContractBroken(core.contract, [d.original_name for d in new])
    raw = replace(raw, code_version=source.code_version)
    core = replace(
        core,
        code_version=f"{warehouse.code_version(source.core_table)}-"
        f"{contracts.suite_hash(source.core_table)[:8]}",
        columns=tuple(schema.materialised_columns(con, source.core_table).items()),
    )
    with tider.steg("lagra"):
        _store(ws, source, [(f, st, None) for f, st in checked], log)  # then the tables commit
    with tider.steg("commit"):
        con.execute("COMMIT")
    return raw, core


def _store(
    ws: Workspace,
    source: Source,
    candidates: Sequence[tuple[StoredFile, Path, pa.Table | None]],
    log: Sequence[leveranser.Delivery],
) -> None:
    """Place the accepted files in ``incoming/<source>/`` and write the delivery log (the commit point)."""
    folder = ws.incoming_dir(source.name)
    folder.mkdir(parents=True, exist_ok=True)
    # One call, one delivery: a journal names every file it stores, so a call killed half-way is
    # rolled back at the next start (pipelines.stadning) instead of leaving some of its files.
    journal = stadning.journal_path(ws, source.name)
    names = [n for f, _, _ in candidates for n in (f.path.name, f"{f.sha256}.meta.json")]
    log_file = leveranser.log_path(ws)
    previous = log_file.read_text(encoding="utf-8") if log_file.exists() else None
    atomic_write(journal, json.dumps({"filer": names, "leveranslogg": previous}, ensure_ascii=False).encode())
    for position, (f, staged, _) in enumerate(candidates):
        if position == 1:
            felinjektion.punkt("ingest-mellan-filer")
        os.replace(staged, f.path)  # the checked copy itself (staging/ is in the workspace)
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
    _ACCEPTED.update({f.sha256: table for f, _, table in candidates if table is not None})
    leveranser.write_log(ws, list(log))  # the commit point: the journal restores the log before it
    journal.unlink()


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
