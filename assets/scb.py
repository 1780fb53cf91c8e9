"""SCB analysis tables (out_scb__*)."""

import dagster as dg

from pipelines import build, warehouse
from pipelines.resources import AnalysplanResource

OUT_ALDERSSTRUKTUR = "out_scb__aldersstruktur"


@dg.asset(
    name=OUT_ALDERSSTRUKTUR,
    group_name="scb",
    kinds={"duckdb"},
    deps=["core_scb__befolkning", "core_ref__regioner"],
    code_version=warehouse.sql_hash(OUT_ALDERSSTRUKTUR),
    description=(
        "Åldersstruktur: riket, länet och dess kommuner per år × åldersgrupp "
        "(0-64/65-79/80+/65+) × kön, med andelar."
    ),
)
def out_scb__aldersstruktur(
    context: dg.AssetExecutionContext, analysplan: AnalysplanResource
) -> dg.MaterializeResult:
    return build_out_table(
        context, analysplan, OUT_ALDERSSTRUKTUR, ["core_scb__befolkning", "core_ref__regioner"]
    )


def build_out_table(
    context: dg.AssetExecutionContext, analysplan: AnalysplanResource, table: str, inputs: list[str]
) -> dg.MaterializeResult:
    params = {"lan": analysplan.lan}
    with analysplan.connect() as con:
        fp = build.fingerprint(warehouse.sql_hash(table), {t: build.recorded(con, t) for t in inputs}, params)
        if build.recorded(con, table) == fp and warehouse.table_exists(con, table):
            context.log.info(f"{table}: oförändrad, hoppar över")
            rows = warehouse.table_rows(con, table)
        else:
            rows = warehouse.build_table(con, table, params)
            build.record(con, table, fp, rows)
    return dg.MaterializeResult(metadata={"rader": rows}, data_version=dg.DataVersion(fp))
