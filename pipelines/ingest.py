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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from pipelines import build, contracts, felinjektion, parametrar, reference, stadning, warehouse
from pipelines.errors import MissingInput, RejectedInput, Violation
from pipelines.sources.registry import Source, get_source
from pipelines.workspace import Workspace, atomic_write


@dataclass(frozen=True)
class StoredFile:
    source: str
    sha256: str
    path: Path
    original_name: str
    ingested_at: datetime
    size: int


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
    return hashlib.sha256("\n".join(sorted(f.sha256 for f in files)).encode()).hexdigest()


def _read(source: Source, data: bytes, name: str) -> pa.Table:
    if not data.strip():
        raise RejectedInput([Violation(name, "tom-fil", "filen är tom")])
    return source.reader(data, name)


def load_raw(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    files: Sequence[StoredFile],
    parsed: Mapping[str, pa.Table] | None = None,
    on_commit: Callable[[int], None] | None = None,
) -> int:
    """Bring ``source.raw_table`` in line with ``files``, incrementally and in one transaction.

    Rows are kept per delivered file (``kalla_sha256``): a new file's rows are appended, a file no
    longer present loses its rows, and rows of unchanged files are not rewritten — a new monthly
    extract adds its month only. A changed reader (code version) re-reads every file.
    ``parsed`` holds tables already read (by SHA-256), so a checked file is not parsed twice.
    Returns the raw table's row count. ``on_commit(rows)`` runs inside the transaction, just
    before it commits: the fingerprint's record is written with the table or not at all.
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
    present: set[str] = set()
    if not full:
        present = {
            str(h) for (h,) in con.sql(f'SELECT DISTINCT kalla_sha256 FROM "{source.raw_table}"').fetchall()
        }
    wanted = {f.sha256 for f in files}
    removed = sorted(present - wanted)
    added = [f for f in files if f.sha256 not in present]
    con.execute("BEGIN TRANSACTION")
    try:
        if full:
            con.execute(f'DROP TABLE IF EXISTS "{source.raw_table}"')
            con.execute("DELETE FROM meta_filer WHERE kalla = $k", {"k": source.name})
        elif removed:
            con.execute(
                f'DELETE FROM "{source.raw_table}" WHERE list_contains($h, kalla_sha256)', {"h": removed}
            )
            con.execute(
                "DELETE FROM meta_filer WHERE kalla = $k AND list_contains($h, sha256)",
                {"k": source.name, "h": removed},
            )
        for f in added:
            table = (parsed or {}).get(f.sha256)
            if table is None:
                table = _read(source, f.path.read_bytes(), f.original_name)
            table = _with_provenance(table, f)
            con.register("incoming_rows", table)
            if warehouse.table_exists(con, source.raw_table):
                con.execute(f'INSERT INTO "{source.raw_table}" BY NAME SELECT * FROM incoming_rows')
            else:
                con.execute(f'CREATE TABLE "{source.raw_table}" AS SELECT * FROM incoming_rows')
            con.unregister("incoming_rows")
            con.execute(
                "INSERT OR REPLACE INTO meta_filer "
                "VALUES ($kalla, $sha, $namn, $sokvag, $byte, $rader, $inlast)",
                {
                    "kalla": source.name,
                    "sha": f.sha256,
                    "namn": f.original_name,
                    "sokvag": str(f.path),
                    "byte": f.size,
                    "rader": table.num_rows,
                    "inlast": f.ingested_at.replace(tzinfo=None),
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
) -> contracts.ContractResult:
    """Run the real load (raw → core → contract) with the candidate files on an in-memory warehouse.

    The workspace's warehouse is attached read-only: other tables are seen through views, this
    source's raw table and the bookkeeping are copied, so nothing on disk is written.
    """
    dry = duckdb.connect(":memory:")
    tmp_dir = stadning.arbetsmapp(ws, "ingest")  # patient-level copies: removed if this process dies
    try:
        dry.execute(warehouse.META_DDL)
        dry.execute(build.DDL)
        warehouse.install_macros(dry)
        if ws.warehouse.exists():
            dry.execute(f"ATTACH '{ws.warehouse}' AS wh (READ_ONLY)")
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
        files = list(stored_files(ws, source.name))
        for f, data, _ in candidates:
            tmp = tmp_dir / f.path.name
            tmp.write_bytes(data)
            files.append(StoredFile(f.source, f.sha256, tmp, f.original_name, f.ingested_at, f.size))
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


def accept(
    ws: Workspace, source_name: str, paths: Sequence[Path], params: Mapping[str, Any] | None = None
) -> list[StoredFile]:
    """Check files for a source and, only if all pass, place them in the workspace.

    Raises :class:`RejectedInput` (file, row, column, rule) or :class:`ContractBroken`; in both
    cases the workspace and the warehouse are exactly as before. Returns the newly stored files
    (a file already ingested, by content, is not stored twice).
    """
    source = get_source(source_name)
    if params is None:  # what the SQL may bind, as the resource gives it
        params = parametrar.sql_params()
    _check_dependencies(ws, source)
    existing = {f.sha256: f for f in stored_files(ws, source.name)}
    started = datetime.now(UTC)
    candidates: list[tuple[StoredFile, bytes, pa.Table]] = []
    for p in paths:
        # files of one call are applied in the order given: a later file wins over an earlier one
        now = started + timedelta(microseconds=len(candidates))
        path = Path(p)
        if not path.is_file():
            raise RejectedInput([Violation(str(path), "fil-saknas", "filen finns inte")])
        data = path.read_bytes()
        digest = sha256_bytes(data)
        if digest in existing or any(c.sha256 == digest for c, _, _ in candidates):
            continue
        table = _read(source, data, path.name)  # parse: raises RejectedInput naming row/column/rule
        target = ws.incoming_dir(source.name) / f"{digest}{''.join(path.suffixes[-1:]) or '.dat'}"
        candidates.append((StoredFile(source.name, digest, target, path.name, now, len(data)), data, table))
    if not candidates:
        return []

    result = dry_run(ws, source, candidates, params)
    if not result.success:
        raise ContractBroken(result, [f.original_name for f, _, _ in candidates])

    folder = ws.incoming_dir(source.name)
    folder.mkdir(parents=True, exist_ok=True)
    # One call, one delivery: a journal names every file it stores, so a call killed half-way is
    # rolled back at the next start (pipelines.stadning) instead of leaving some of its files.
    journal = stadning.journal_path(ws, source.name)
    names = [n for f, _, _ in candidates for n in (f.path.name, f"{f.sha256}.meta.json")]
    atomic_write(journal, json.dumps({"filer": names}, ensure_ascii=False).encode())
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
    journal.unlink()
    return [f for f, _, _ in candidates]
