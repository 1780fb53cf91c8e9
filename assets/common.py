"""One factory for the SQL-defined out_* tables: each is ``sql/<table>.sql``, documented in
``sql/schema.yml``, rebuilt only when its code (SQL and the macros it calls), its inputs'
fingerprints or its parameters change. Its inputs are the tables its SQL reads."""

import dagster as dg

from pipelines import build, felinjektion, schema, warehouse
from pipelines.resources import AnalysplanResource


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
    return dg.MaterializeResult(
        metadata={"rader": rows, "parametrar": dg.MetadataValue.json(params)}, data_version=dg.DataVersion(fp)
    )


def out_asset(table: str, group: str) -> dg.AssetsDefinition:
    """The asset for ``out_*`` table ``table``, depending on the tables ``sql/<table>.sql`` reads."""

    @dg.asset(
        name=table,
        group_name=group,
        kinds={"duckdb"},
        deps=warehouse.tables_read(table),
        code_version=warehouse.code_version(table),
        description=" ".join(str(schema.documented()[table]["beskrivning"]).split()),
    )
    def out_table(context: dg.AssetExecutionContext, analysplan: AnalysplanResource) -> dg.MaterializeResult:
        return build_out_table(context, analysplan, table)

    return out_table
