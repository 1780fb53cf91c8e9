"""`analysplan sql`: ad-hoc queries that only read the warehouse, refused in Swedish otherwise.

Two layers. DuckDB enforces it (:func:`pipelines.warehouse.connect_query`: read-only file, external
access off, no extension autoload/autoinstall, configuration locked), so nothing here has to be
complete to be safe. On top, each statement's type is checked before it runs, so the analyst gets a
sentence saying what is not allowed and why instead of DuckDB's English error; whatever still
reaches DuckDB's guard (``read_text('/etc/passwd')`` inside a SELECT) is translated by
:func:`explain`.
"""

from __future__ import annotations

import duckdb

PREFIX = "`analysplan sql` är skrivskyddad och läser bara lagret"
HINT = 'Spara ett resultat med omdirigering: analysplan sql "SELECT …" > fil.csv'

ALLOWED = frozenset({duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.PRAGMA})

REFUSED: dict[duckdb.StatementType, str] = {
    duckdb.StatementType.COPY: "COPY skriver eller läser filer utanför lagret",
    duckdb.StatementType.EXPORT: "EXPORT DATABASE skriver lagrets tabeller till filer",
    duckdb.StatementType.COPY_DATABASE: "COPY FROM DATABASE kopierar ett lager till ett annat",
    duckdb.StatementType.ATTACH: "ATTACH kopplar in andra databasfiler",
    duckdb.StatementType.DETACH: "DETACH ändrar vilka databaser som är inkopplade",
    duckdb.StatementType.LOAD: "INSTALL/LOAD hämtar eller laddar DuckDB-tillägg (och kan nå nätet)",
    duckdb.StatementType.SET: "SET/RESET/USE/PRAGMA … = ändrar inställningar, som är låsta",
    duckdb.StatementType.VARIABLE_SET: "SET VARIABLE ändrar inställningar, som är låsta",
}


def refusal(query: str) -> str | None:
    """Why ``query`` may not run in `analysplan sql` (Swedish), or None if every statement only reads."""
    try:
        statements = duckdb.extract_statements(query)
    except duckdb.Error:
        return None  # a syntax error: DuckDB's own message says where
    except ValueError:  # a statement type the Python API does not name (e.g. UPDATE EXTENSIONS)
        return f"{PREFIX}: bara läsande frågor (SELECT, EXPLAIN) körs."
    for statement in statements:
        kind = statement.type
        if kind in ALLOWED:
            continue
        why = REFUSED.get(kind, f"{kind.name} ändrar något; bara läsande frågor (SELECT, EXPLAIN) körs")
        return f"{PREFIX}: {why}. {HINT}"
    return None


def explain(err: duckdb.Error) -> str:
    """DuckDB's refusal of something the read-only connection forbids, in Swedish."""
    text = str(err)
    if isinstance(err, duckdb.PermissionException):
        return (
            f"{PREFIX}: filer, nätverksadresser och tillägg är avstängda (read_text, read_csv, "
            f"read_parquet, glob, COPY, ATTACH, INSTALL/LOAD …). DuckDB: {text}"
        )
    if "configuration has been locked" in text:
        return f"{PREFIX}: inställningarna är låsta (SET/RESET/PRAGMA). DuckDB: {text}"
    if "read-only mode" in text:
        return f"{PREFIX}: lagret är öppnat skrivskyddat; bara läsande frågor (SELECT, EXPLAIN) körs."
    return f"SQL-fel: {text}"
