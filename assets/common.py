"""One factory for the SQL-defined out_* tables: each is ``sql/<table>.sql``, documented in
``sql/schema.yml``, rebuilt only when its SQL, its inputs' fingerprints or its parameters change."""

import dagster as dg

from pipelines import build, schema, warehouse
from pipelines.resources import AnalysplanResource


def build_out_table(
    context: dg.AssetExecutionContext, analysplan: AnalysplanResource, table: str, inputs: list[str]
) -> dg.MaterializeResult:
    used = warehouse.sql_param_names(table)
    params = {k: v for k, v in analysplan.sql_params().items() if k in used}
    with analysplan.connect() as con:
        fp = build.fingerprint(warehouse.sql_hash(table), {t: build.recorded(con, t) for t in inputs}, params)
        if build.recorded(con, table) == fp and warehouse.table_exists(con, table):
            context.log.info(f"{table}: oförändrad, hoppar över")
            rows = warehouse.table_rows(con, table)
        else:
            rows = warehouse.build_table(con, table, params)
            build.record(con, table, fp, rows)
    return dg.MaterializeResult(
        metadata={"rader": rows, "parametrar": dg.MetadataValue.json(params)}, data_version=dg.DataVersion(fp)
    )


def out_asset(table: str, inputs: list[str], group: str) -> dg.AssetsDefinition:
    """The asset for ``out_*`` table ``table`` reading ``inputs`` (other warehouse tables)."""

    @dg.asset(
        name=table,
        group_name=group,
        kinds={"duckdb"},
        deps=inputs,
        code_version=warehouse.sql_hash(table),
        description=" ".join(str(schema.documented()[table]["beskrivning"]).split()),
    )
    def out_table(context: dg.AssetExecutionContext, analysplan: AnalysplanResource) -> dg.MaterializeResult:
        return build_out_table(context, analysplan, table, inputs)

    return out_table
