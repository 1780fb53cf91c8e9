"""One factory for the SQL-defined out_* tables: each is ``sql/<table>.sql``, documented in
``sql/schema.yml``, rebuilt only when its code (SQL and the macros it calls), its inputs'
fingerprints or its parameters change. Its inputs are the tables its SQL reads.

The UI groups assets by layer (``raw``, ``core``, ``out``, ``rapporter``); the source or domain is
the tag ``kalla`` (raw/core) or ``doman`` (out). Every core/out materialization carries Dagster's
standard ``dagster/row_count`` and ``dagster/column_schema`` (for out_* the documented columns with
their Swedish labels); every out_* table has two checks on its documented grain (``korn``): no
two rows share it, and its columns hold no NULL (except a column documented ``nullbar`` with why).
"""

from typing import Any

import dagster as dg
import duckdb

from pipelines import build, felinjektion, schema, warehouse
from pipelines.resources import AnalysplanResource

GRAIN_CHECKS = ("korn_unikt", "korn_utan_null")


def column_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """The documented columns (type, Swedish label) of ``table``; else those in the warehouse."""
    documented = schema.documented().get(table, {}).get("kolumner")
    if documented:
        return dg.TableSchema(
            columns=[
                dg.TableColumn(name, str(spec["typ"]), description=str(spec.get("etikett", name)))
                for name, spec in documented.items()
            ]
        )
    return dg.TableSchema(
        columns=[dg.TableColumn(n, t) for n, t in schema.materialised_columns(con, table).items()]
    )


def table_metadata(con: duckdb.DuckDBPyConnection, table: str, rows: int) -> dict[str, Any]:
    return {
        "dagster/row_count": dg.MetadataValue.int(rows),
        "dagster/column_schema": dg.MetadataValue.table_schema(column_schema(con, table)),
    }


def grain_check_specs(table: str) -> list[dg.AssetCheckSpec]:
    grain = ", ".join(schema.documented()[table].get("korn") or [])
    return [
        dg.AssetCheckSpec(
            "korn_unikt", asset=table, description=f"Högst en rad per korn ({grain}), sql/schema.yml."
        ),
        dg.AssetCheckSpec(
            "korn_utan_null",
            asset=table,
            description=f"Inga NULL i kornets kolumner ({grain}) utom de som dokumenterats nullbar.",
        ),
    ]


def grain_check_results(con: duckdb.DuckDBPyConnection, table: str) -> list[dg.AssetCheckResult]:
    doc = schema.documented()[table]
    grain = list(doc.get("korn") or [])
    quoted = ", ".join(f'"{c}"' for c in grain)
    name = f'"{warehouse.check_table_name(table)}"'
    duplicates = int(
        warehouse.scalar(
            con, f"SELECT count(*) FROM (SELECT {quoted} FROM {name} GROUP BY ALL HAVING count(*) > 1)"
        )
        if grain
        else 0
    )
    strict = [c for c in grain if not (doc["kolumner"].get(c) or {}).get("nullbar")]
    nulls = {
        c: int(warehouse.scalar(con, f'SELECT count(*) FROM {name} WHERE "{c}" IS NULL')) for c in strict
    }
    nulls = {c: n for c, n in nulls.items() if n}
    return [
        dg.AssetCheckResult(
            check_name="korn_unikt",
            passed=duplicates == 0,
            description=f"{duplicates} kornvärden förekommer mer än en gång" if duplicates else None,
            metadata={"dubblerade_korn": duplicates, "korn": ", ".join(grain)},
        ),
        dg.AssetCheckResult(
            check_name="korn_utan_null",
            passed=not nulls,
            description=", ".join(f"{c}: {n} NULL" for c, n in nulls.items()) or None,
            metadata={"null_per_kolumn": dg.MetadataValue.json(nulls)},
        ),
    ]


def build_out_table(
    context: dg.AssetExecutionContext, analysplan: AnalysplanResource, table: str
) -> dg.MaterializeResult:
    inputs = warehouse.tables_read(table)
    used = warehouse.sql_param_names(table)
    params = {k: v for k, v in analysplan.sql_params().items() if k in used}
    with analysplan.connect() as con:
        fp = build.fingerprint(
            warehouse.code_version(table), {t: build.recorded(con, t) for t in inputs}, params
        )
        if build.up_to_date(con, table, fp):
            context.log.info(f"{table}: oförändrad, hoppar över")
            rows = warehouse.table_rows(con, table)
        else:
            with build.transaction(con):  # the table and its fingerprint together
                rows = warehouse.build_table(con, table, params)
                felinjektion.punkt("bygg-registrering")
                build.record(con, table, fp, rows, params=build.effective_parameters(con, params, inputs))
        metadata = table_metadata(con, table, rows)
        checks = grain_check_results(con, table)
    return dg.MaterializeResult(
        metadata={"rader": rows, "parametrar": dg.MetadataValue.json(params), **metadata},
        data_version=dg.DataVersion(fp),
        check_results=checks,
    )


def out_asset(table: str, domain: str) -> dg.AssetsDefinition:
    """The asset for ``out_*`` table ``table``, depending on the tables ``sql/<table>.sql`` reads."""

    @dg.asset(
        name=table,
        group_name="out",
        tags={"doman": domain},
        kinds={"duckdb"},
        deps=warehouse.tables_read(table),
        code_version=warehouse.code_version(table),
        check_specs=grain_check_specs(table),
        description=" ".join(str(schema.documented()[table]["beskrivning"]).split()),
    )
    def out_table(context: dg.AssetExecutionContext, analysplan: AnalysplanResource) -> dg.MaterializeResult:
        return build_out_table(context, analysplan, table)

    return out_table
