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


# Sums are exact in out_* tables. DuckDB adds floating-point numbers in parallel in whatever order
# its threads finish, so the same build on the same inputs differed in the last bits (≤ 7e-7 kr on
# sums of ~1e9 kr) and a report freezing such a table got a new version name. So every ``sum(x)``
# in an out_* table's SQL is computed as ``sum(CAST(x AS DECIMAL(38,9)))``: each term rounded to
# 1e-9 (of a krona, a share, a DRG point, …), then added exactly, in any order; the columns keep the
# types the SQL gives them. Every out_* table is therefore bit-identical across runs on identical
# inputs (tests/integration/test_deterministic_build.py). Rounding the results instead would not do:
# a total of öre divided by a count often lies exactly on a rounding boundary.
EXACT_SUM_TYPE = "DECIMAL(38,9)"
SUM_CALL = re.compile(r"\bsum\s*\(", re.IGNORECASE)


def exact_sums(code: str) -> str:
    """``code`` with every ``sum(x)`` made exact: ``sum(CAST((x) AS DECIMAL(38,9)))`` (comments
    dropped; a ``sum(`` inside a string literal is text, not a call)."""
    code = strip_comments(code)
    masked = re.sub(r"'[^']*'", lambda m: "'" + " " * (len(m.group()) - 2) + "'", code)
    return _exact_sums(code, masked)


def _exact_sums(code: str, masked: str) -> str:
    out: list[str] = []
    position = 0
    for match in SUM_CALL.finditer(masked):
        if match.start() < position:
            continue  # inside an argument already rewritten (a sum of sums)
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(masked[end], 0)
            end += 1
        inner = slice(match.end(), end - 1)
        out.append(code[position : match.start()])
        out.append(f"sum(CAST(({_exact_sums(code[inner], masked[inner])}) AS {EXACT_SUM_TYPE}))")
        position = end
    out.append(code[position:])
    return "".join(out)


def code_version(table: str) -> str:
    """Hash of ``sql/<table>.sql``, of the definitions of the macros it uses and of the count columns
    its ``skyddad`` flag reads: editing a macro changes the code version of exactly the tables whose
    SQL calls it, editing a ``skydd.antal`` declaration that of its table. An out_* table's includes
    how its sums are made exact (:func:`exact_sums`)."""
    code = sql_text(table)
    definitions = macros()
    digest = hashlib.sha256(code.encode())
    for name in sorted(macros_used(code)):
        digest.update(f"\0{definitions[name]}".encode())
    counts = skydd_counts(table)
    if counts:
        digest.update(f"\0skyddad:{','.join(counts)}".encode())
    if table.startswith("out_"):
        digest.update(f"\0exact sums {EXACT_SUM_TYPE}".encode())
    return digest.hexdigest()[:16]


SKYDD_PARAMETER = "minsta_antal_visas"
SKYDD_COLUMN = "skyddad"


def skydd_counts(table: str) -> list[str]:
    """The count columns of ``table``'s ``skydd.antal`` declaration in ``sql/schema.yml`` (none for
    tables without one): the build adds a ``skyddad`` column computed from them."""
    from pipelines import schema  # schema reads SQL_DIR from here

    spec = schema.documented().get(table, {}).get("skydd")
    antal = spec.get("antal") if isinstance(spec, dict) else None
    return [str(c) for c in antal] if isinstance(antal, dict) else []


def skyddad_expression(counts: list[str]) -> str:
    """SQL for the primary-suppression flag: some count of the row is 1 to ``$minsta_antal_visas`` − 1
    (a count of 0 describes no individual). The frozen copy adds the complementary suppression."""
    tests = [f'coalesce("{c}" BETWEEN 1 AND ${SKYDD_PARAMETER} - 1, false)' for c in counts]
    return " OR ".join(tests)


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


# `analysplan sql`: a read-only connection that can read the warehouse and nothing else. External
# access off = no file or network: COPY … TO, EXPORT DATABASE, ATTACH, read_text/read_csv/glob of a
# path, INSTALL/LOAD; no extension is fetched or loaded behind the user's back; and the configuration
# is locked after the macros are installed, so SET/RESET/PRAGMA cannot turn any of it back on.
QUERY_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
}


@contextmanager
def connect_query(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse opened read-only for ad-hoc queries: nothing outside it reachable, settings locked.

    The database file itself is opened by ``duckdb.connect`` (before external access is off for
    what the connection runs), then the macros, then the lock."""
    if not path.exists():
        raise FileNotFoundError(
            f"Lagret finns inte än: {path}. Kör först `analysplan demo` eller `analysplan ingest`."
        )
    con = duckdb.connect(str(path), read_only=True, config=QUERY_CONFIG)
    try:
        install_macros(con)
        con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


def sql_param_names(table: str) -> set[str]:
    """The ``$name`` parameters that ``sql/<table>.sql`` uses."""
    code = strip_comments(sql_text(table))  # a $name in a comment is documentation, not a parameter
    used = set(re.findall(r"\$([a-z_][a-z0-9_]*)", code))
    if skydd_counts(table):  # the skyddad flag binds the threshold: it is in the fingerprint
        used.add(SKYDD_PARAMETER)
    return used


VIEW_MARKER = re.compile(r"^--\s*materialisering:\s*vy\s*$", re.MULTILINE)


def is_view(table: str) -> bool:
    """``sql/<table>.sql`` says ``-- materialisering: vy``: the table is a view over its inputs (it
    stores nothing, e.g. a per-contact table the aggregations read as they go); it binds no parameters."""
    return bool(VIEW_MARKER.search(sql_text(table)))


def build_table(con: duckdb.DuckDBPyConnection, table: str, params: Mapping[str, Any] | None = None) -> int:
    """(Re)build ``table`` from ``sql/<table>.sql`` with bound ``params``; returns its row count.

    A table whose ``skydd`` declaration (``sql/schema.yml``) names counts gets a last column
    ``skyddad``: true where a count is below ``$minsta_antal_visas`` (:func:`skyddad_expression`), so
    a reader of the warehouse (``analysplan sql``, a notebook) sees which rows must not be shown.
    """
    select = sql_text(table).strip().rstrip(";")
    counts = skydd_counts(table)
    if counts:
        select = f"SELECT *, {skyddad_expression(counts)} AS {SKYDD_COLUMN} FROM (\n{select}\n) AS bygg"
    used = sql_param_names(table)
    bound = {k: v for k, v in (params or {}).items() if k in used}
    missing = used - set(bound)
    if missing:
        raise KeyError(f"sql/{table}.sql needs parameters {sorted(missing)}")
    if table.startswith("out_"):
        select = exact_select(con, select, bound)
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


def exact_select(con: duckdb.DuckDBPyConnection, select: str, bound: Mapping[str, Any]) -> str:
    """``select`` with exact sums (:func:`exact_sums`), each column cast back to the type the
    original SQL gives it (from DESCRIBE, which binds the query without running it)."""
    if not SUM_CALL.search(strip_comments(select)):
        return select
    columns = con.execute(f"DESCRIBE {select}", dict(bound)).fetchall()
    casts = ", ".join(
        f"CAST({quoted} AS {kind}) AS {quoted}"
        for quoted, kind in (
            ('"' + str(name).replace('"', '""') + '"', str(kind)) for name, kind, *_ in columns
        )
    )
    return f"SELECT {casts} FROM ({exact_sums(select)})"


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
