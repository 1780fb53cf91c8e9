"""Ingest: delivered file → validated → content-addressed copy in the workspace → raw/core tables.

One loading path: ``accept`` only checks a file and places it in ``incoming/<source>/``; the raw
and core tables are always (re)built by :func:`load_raw` and :func:`build_core`, which the Dagster
assets call. ``accept`` runs that same code on an in-memory copy first, so a file that would break
the source's contract is rejected before anything in the workspace changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines import contracts, reference, warehouse
from pipelines.errors import RejectedInput, Violation
from pipelines.sources.registry import Source, get_source
from pipelines.workspace import Workspace


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


def load_raw(con: duckdb.DuckDBPyConnection, source: Source, files: Sequence[StoredFile]) -> int:
    """Rebuild ``source.raw_table`` from ``files`` (as delivered, plus provenance) in one transaction."""
    tables = []
    for f in files:
        table = _read(source, f.path.read_bytes(), f.original_name)
        n = table.num_rows
        table = (
            table.append_column("kalla_fil", pa.array([f.original_name] * n, pa.string()))
            .append_column("kalla_sha256", pa.array([f.sha256] * n, pa.string()))
            .append_column(
                "kalla_inlast", pa.array([f.ingested_at.replace(tzinfo=None)] * n, pa.timestamp("us"))
            )
        )
        tables.append(table)
    if not tables:
        raise RejectedInput([Violation(source.name, "inga-filer", "inga inlästa filer för källan")])
    combined = pa.concat_tables(tables)
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("incoming_rows", combined)
        con.execute(f'CREATE OR REPLACE TABLE "{source.raw_table}" AS SELECT * FROM incoming_rows')
        con.unregister("incoming_rows")
        con.execute("DELETE FROM meta_filer WHERE kalla = $k", {"k": source.name})
        for f, t in zip(files, tables, strict=True):
            con.execute(
                "INSERT INTO meta_filer VALUES ($kalla, $sha, $namn, $sokvag, $byte, $rader, $inlast)",
                {
                    "kalla": source.name,
                    "sha": f.sha256,
                    "namn": f.original_name,
                    "sokvag": str(f.path),
                    "byte": f.size,
                    "rader": t.num_rows,
                    "inlast": f.ingested_at.replace(tzinfo=None),
                },
            )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return combined.num_rows


def build_reference(con: duckdb.DuckDBPyConnection) -> int:
    con.register("ref_regioner", reference.regions_table())
    try:
        return warehouse.build_table(con, "core_ref__regioner")
    finally:
        con.unregister("ref_regioner")


def build_core(con: duckdb.DuckDBPyConnection, source: Source) -> contracts.ContractResult:
    """Rebuild the core table and validate its contract; on a broken contract nothing changes."""
    con.execute("BEGIN TRANSACTION")
    try:
        warehouse.build_table(con, source.core_table)
        result = contracts.validate(con, source.core_table)
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT" if result.success else "ROLLBACK")
    return result


class ContractBroken(Exception):
    def __init__(self, result: contracts.ContractResult, files: Sequence[str]):
        self.result = result
        super().__init__(f"Filen avvisades: {', '.join(files)} bryter datakontraktet.\n{result.summary()}")


def accept(ws: Workspace, source_name: str, paths: Sequence[Path]) -> list[StoredFile]:
    """Check files for a source and, only if all pass, place them in the workspace.

    Raises :class:`RejectedInput` (file, row, column, rule) or :class:`ContractBroken`; in both
    cases the workspace and the warehouse are exactly as before. Returns the newly stored files
    (a file already ingested, by content, is not stored twice).
    """
    source = get_source(source_name)
    existing = {f.sha256: f for f in stored_files(ws, source.name)}
    now = datetime.now(UTC)
    candidates: list[tuple[StoredFile, bytes]] = []
    for p in paths:
        path = Path(p)
        if not path.is_file():
            raise RejectedInput([Violation(str(path), "fil-saknas", "filen finns inte")])
        data = path.read_bytes()
        _read(source, data, path.name)  # parse: raises RejectedInput naming row/column/rule
        digest = sha256_bytes(data)
        if digest in existing or any(c.sha256 == digest for c, _ in candidates):
            continue
        target = ws.incoming_dir(source.name) / f"{digest}{''.join(path.suffixes[-1:]) or '.dat'}"
        candidates.append((StoredFile(source.name, digest, target, path.name, now, len(data)), data))
    if not candidates:
        return []

    # Dry run of the real load on an in-memory warehouse: raw → core → contract.
    dry = duckdb.connect(":memory:")
    try:
        dry.execute(warehouse.META_DDL)
        tmp_files = [*existing.values()]
        tmp_dir = ws.staging / f"ingest-{now.strftime('%Y%m%dT%H%M%S%f')}"
        tmp_dir.mkdir(parents=True)
        try:
            for f, data in candidates:
                tmp = tmp_dir / f.path.name
                tmp.write_bytes(data)
                tmp_files.append(StoredFile(f.source, f.sha256, tmp, f.original_name, f.ingested_at, f.size))
            load_raw(dry, source, tmp_files)
            build_reference(dry)
            result = build_core(dry, source)
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    finally:
        dry.close()
    if not result.success:
        raise ContractBroken(result, [f.original_name for f, _ in candidates])

    folder = ws.incoming_dir(source.name)
    folder.mkdir(parents=True, exist_ok=True)
    for f, data in candidates:
        _atomic_write(f.path, data)
        meta = {
            "sha256": f.sha256,
            "stored_as": f.path.name,
            "original_name": f.original_name,
            "ingested_at": f.ingested_at.isoformat(),
            "size": f.size,
        }
        _atomic_write(
            folder / f"{f.sha256}.meta.json", json.dumps(meta, ensure_ascii=False, indent=1).encode()
        )
    return [f for f, _ in candidates]


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
