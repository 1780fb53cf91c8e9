"""DuckDB warehouse access: one writer at a time, read-only readers, SQL from ``sql/`` by name.

Every derived table has one file ``sql/<table>.sql`` holding a single SELECT; :func:`build_table`
materialises it as ``CREATE OR REPLACE TABLE <table> AS <select>`` with the parameters bound
(DuckDB ``$name`` placeholders), never formatted into the SQL text.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb

from pipelines.workspace import REPO_ROOT

SQL_DIR = REPO_ROOT / "sql"
TABLE_NAME = re.compile(r"^(raw|core|out|meta)_[a-z0-9]+(__[a-z0-9_]+)?$")

# Bookkeeping of delivered files: what was ingested, from where, with which hash.
META_DDL = """
CREATE TABLE IF NOT EXISTS meta_filer (
    kalla VARCHAR NOT NULL,          -- source, e.g. 'scb-befolkning'
    sha256 VARCHAR NOT NULL,
    filnamn VARCHAR NOT NULL,        -- the name it was delivered under
    sokvag VARCHAR NOT NULL,         -- content-addressed copy in the workspace
    byte BIGINT NOT NULL,
    rader BIGINT NOT NULL,
    inlast TIMESTAMP NOT NULL,
    PRIMARY KEY (kalla, sha256)
)
"""


MACRO_FILE = SQL_DIR / "macros.sql"


def macro_text() -> str:
    """The shared SQL macros (``sql/macros.sql``): age bands, ICD-10 chapter, … one definition each."""
    return MACRO_FILE.read_text(encoding="utf-8")


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Install ``sql/macros.sql`` on ``con`` (and turn off progress bars on the terminal)."""
    # In Jupyter without ipywidgets DuckDB has no progress bar and refuses the setting (duckdb#7590).
    with suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    con.execute(macro_text())


def check_table_name(name: str) -> str:
    if not TABLE_NAME.match(name):
        raise ValueError(f"not a warehouse table name: {name!r} (layer_source__name)")
    return name


def sql_text(table: str) -> str:
    return (SQL_DIR / f"{check_table_name(table)}.sql").read_text(encoding="utf-8")


def strip_comments(code: str) -> str:
    """SQL without ``--`` comments: a name in a comment is documentation, not a use."""
    return re.sub(r"--[^\n]*", "", code)


MACRO_START = re.compile(r"\bCREATE\s+OR\s+REPLACE\s+TEMP\s+MACRO\s+([a-z_][a-z0-9_]*)\s*\(", re.IGNORECASE)
TABLE_REFERENCE = re.compile(r"\b((?:raw|core|out)_[a-z0-9]+__[a-z0-9_]+)\b")


def macros() -> dict[str, str]:
    """Each macro in ``sql/macros.sql``: name → its ``CREATE OR REPLACE TEMP MACRO …;`` statement,
    without comments, trailing blanks and blank lines (editing a comment there rebuilds nothing)."""
    lines = (re.sub(r"[ \t]*--[^\n]*", "", line).rstrip() for line in macro_text().splitlines())
    text = "\n".join(line for line in lines if line)
    starts = list(MACRO_START.finditer(text))
    ends = [m.start() for m in starts[1:]] + [len(text)]
    return {m.group(1).lower(): text[m.start() : end].strip() for m, end in zip(starts, ends, strict=True)}


def macros_used(code: str) -> set[str]:
    """The macros ``code`` calls, directly or through another macro."""
    definitions = macros()
    found: set[str] = set()
    todo = [strip_comments(code)]
    while todo:
        text = todo.pop()
        for name, definition in definitions.items():
            if name not in found and re.search(rf"\b{name}\s*\(", text, re.IGNORECASE):
                found.add(name)
                todo.append(definition)
    return found


def code_version(table: str) -> str:
    """Hash of ``sql/<table>.sql`` and of the definitions of the macros it uses: editing a macro
    changes the code version of exactly the tables whose SQL calls it."""
    code = sql_text(table)
    definitions = macros()
    digest = hashlib.sha256(code.encode())
    for name in sorted(macros_used(code)):
        digest.update(f"\0{definitions[name]}".encode())
    return digest.hexdigest()[:16]


def tables_read(table: str) -> list[str]:
    """The warehouse tables ``sql/<table>.sql`` reads (every raw_/core_/out_ name outside comments
    and string literals): its inputs, derived from the code instead of listed by hand."""
    code = re.sub(r"'[^']*'", "''", strip_comments(sql_text(table)))
    return sorted({name for name in TABLE_REFERENCE.findall(code) if name != table})


# DuckDB's resources: memory_limit bounds DuckDB's buffer manager (what it holds beyond that spills to
# temp_directory instead of failing), threads its worker pool. Defaults from the machine; the
# environment overrides them (ANALYSPLAN_DUCKDB_MINNE, e.g. "4GB"; ANALYSPLAN_DUCKDB_TRADAR, e.g. "2").
MEMORY_ENV = "ANALYSPLAN_DUCKDB_MINNE"
THREADS_ENV = "ANALYSPLAN_DUCKDB_TRADAR"
MEMORY_SHARE = 0.2  # default memory_limit: a fifth of the machine's RAM (24 GB → 4,8 GB), at least 1 GB
_MEMORY_VALUE = re.compile(r"^\s*[0-9]+(\.[0-9]+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


def machine_memory_bytes() -> int:
    """Physical RAM (cgroup limit if lower), in bytes."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    cgroup = Path("/sys/fs/cgroup/memory.max")
    with suppress(OSError, ValueError):
        text = cgroup.read_text().strip()
        if text != "max":
            total = min(total, int(text))
    return total


def duckdb_settings(spill_dir: Path | None = None) -> dict[str, str]:
    """``memory_limit``, ``threads`` (and ``temp_directory`` when given) for a DuckDB connection."""
    memory = os.environ.get(MEMORY_ENV, "").strip()
    if memory and not _MEMORY_VALUE.match(memory):
        raise ValueError(f"{MEMORY_ENV}={memory!r}: ange en minnesmängd som 4GB eller 512MB")
    if not memory:
        memory = f"{max(1024, int(machine_memory_bytes() * MEMORY_SHARE / 2**20))}MB"
    threads = os.environ.get(THREADS_ENV, "").strip()
    if threads and not (threads.isdigit() and int(threads) > 0):
        raise ValueError(f"{THREADS_ENV}={threads!r}: ange ett positivt heltal")
    if not threads:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        threads = str(cores or 1)
    settings = {"memory_limit": memory.replace(" ", ""), "threads": threads}
    if spill_dir is not None:
        settings["temp_directory"] = str(spill_dir)
    return settings


def configure(con: duckdb.DuckDBPyConnection, spill_dir: Path | None = None) -> None:
    """Apply :func:`duckdb_settings` to ``con`` (SET takes no bound parameters: the values are checked
    above, and the spill path is quoted as a SQL string literal)."""
    for name, value in duckdb_settings(spill_dir).items():
        literal = str(int(value)) if name == "threads" else "'" + value.replace("'", "''") + "'"
        con.execute(f"SET {name} = {literal}")


def spill_dir_for(path: Path) -> Path:
    """Where a warehouse's DuckDB spills: ``duckdb-spill/`` beside it in the workspace."""
    return path.parent / "duckdb-spill"


@contextmanager
def connect(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"Lagret finns inte än: {path}. Kör först `analysplan demo` eller `analysplan ingest`."
        )
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        configure(con, spill_dir_for(path))
        if not read_only:
            con.execute(META_DDL)
        install_macros(con)
        yield con
    finally:
        con.close()


def sql_param_names(table: str) -> set[str]:
    """The ``$name`` parameters that ``sql/<table>.sql`` uses."""
    code = strip_comments(sql_text(table))  # a $name in a comment is documentation, not a parameter
    return set(re.findall(r"\$([a-z_][a-z0-9_]*)", code))


VIEW_MARKER = re.compile(r"^--\s*materialisering:\s*vy\s*$", re.MULTILINE)


def is_view(table: str) -> bool:
    """``sql/<table>.sql`` says ``-- materialisering: vy``: the table is a view over its inputs (it
    stores nothing, e.g. a per-contact table the aggregations read as they go); it binds no parameters."""
    return bool(VIEW_MARKER.search(sql_text(table)))


def build_table(con: duckdb.DuckDBPyConnection, table: str, params: Mapping[str, Any] | None = None) -> int:
    """(Re)build ``table`` from ``sql/<table>.sql`` with bound ``params``; returns its row count."""
    select = sql_text(table).strip().rstrip(";")
    used = sql_param_names(table)
    bound = {k: v for k, v in (params or {}).items() if k in used}
    missing = used - set(bound)
    if missing:
        raise KeyError(f"sql/{table}.sql needs parameters {sorted(missing)}")
    view = is_view(table)
    if view and used:
        raise ValueError(f"sql/{table}.sql is a view and cannot bind parameters {sorted(used)}")
    existing = scalar(
        con,
        "SELECT table_type FROM information_schema.tables WHERE table_name = $t "
        "AND table_catalog = current_database() AND table_schema = current_schema()",
        {"t": table},
    )
    if existing == ("BASE TABLE" if view else "VIEW"):  # the other kind: CREATE OR REPLACE refuses
        con.execute(f'DROP {"TABLE" if view else "VIEW"} "{table}"')
    con.execute(f'CREATE OR REPLACE {"VIEW" if view else "TABLE"} "{table}" AS {select}', bound)
    return table_rows(con, table)


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, Any] | None = None) -> Any:
    """The first column of the first row, or None. (DuckDB 2: a relation has no fetchone(), and a
    half-read execute() result blocks the connection, so read the whole, small, result.)"""
    rows = con.sql(query, params=dict(params or {})).fetchall()
    return rows[0][0] if rows else None


def table_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(scalar(con, f'SELECT count(*) FROM "{check_table_name(table)}"'))


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    query = (
        "SELECT count(*) FROM information_schema.tables WHERE table_name = $t "
        "AND table_catalog = current_database() AND table_schema = current_schema()"
    )
    return bool(scalar(con, query, {"t": table}))
