"""raw_* and core_* assets, one pair per delivered source, plus the reference tables.

Thin: reading, loading and contracts live in ``pipelines.ingest`` / ``pipelines.contracts``.
"""

import warnings
from collections.abc import Iterator

import dagster as dg

from assets.common import table_metadata
from pipelines import build, contracts, felinjektion, ingest, leveranser, warehouse
from pipelines.resources import AnalysplanResource
from pipelines.sources.registry import Source, all_sources


def _reference_asset(table: str, description: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=table,
        group_name="core",
        tags={"kalla": "ref"},
        kinds={"duckdb"},
        code_version=warehouse.code_version(table),
        description=description,
    )
    def reference_asset(
        context: dg.AssetExecutionContext, analysplan: AnalysplanResource
    ) -> dg.MaterializeResult:
        # Its input is the reference data itself (this table's rows in pipelines/reference.py).
        fp = build.fingerprint(warehouse.code_version(table), {"referens": ingest.reference_version(table)})
        with analysplan.connect() as con:
            if build.up_to_date(con, table, fp):
                context.log.info(f"{table}: oförändrad, hoppar över")
                rows = warehouse.table_rows(con, table)
            else:
                with build.transaction(con):  # the table and its fingerprint together
                    rows = ingest.build_reference(con, [table])
                    felinjektion.punkt("bygg-registrering")
                    build.record(con, table, fp, rows)
        return dg.MaterializeResult(metadata={"rader": rows}, data_version=dg.DataVersion(fp))

    return reference_asset


reference_assets = [
    _reference_asset("core_ref__regioner", "Regionkoder och namn (riket, 21 län, Norrbottens 14 kommuner)."),
    _reference_asset(
        "core_ref__diagnoskapitel", "ICD-10-SE:s huvuddiagnoskapitel med kodintervall och namn."
    ),
    _reference_asset("core_ref__sjukhus", "Region Norrbottens sjukhus med kommun och KPP-jämförelsegrupp."),
    _reference_asset(
        "core_ref__analysplan",
        "Analysplanens 16 uppdrag (reports/analysplan-2020.yml): område, redovisas, ansvariga, "
        "publikationsform och om pipelinen har underlag och rapport för uppdraget.",
    ),
    _reference_asset(
        "core_ref__vardforlopp",
        "De tio nya vårdförloppen 2020: omgång, lokal gruppering, ansvarigt NPO och baslinjeår.",
    ),
    _reference_asset(
        "core_ref__vardforlopp_indikator",
        "Vilka indikatorer i Vården i siffror som mäter vart och ett av de nya vårdförloppen.",
    ),
]


# `backfill_policy` (one run for many months) is "beta" in Dagster 1.13: its warning is Dagster's
# business, not the analyst's, and would otherwise be printed by every CLI command that builds.
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`", category=dg.BetaWarning)

MANADER = dg.DynamicPartitionsDefinition(name=leveranser.PARTITIONS)  # "2024-03", per delivered month


def _source_assets(source: Source) -> list[dg.AssetsDefinition]:
    group = source.raw_table.split("_")[1]

    monthly = leveranser.is_monthly(source.name)

    @dg.asset(
        name=source.raw_table,
        group_name="raw",
        tags={"kalla": group},
        kinds={"duckdb"},
        code_version=source.code_version,
        # monthly sources: one partition per delivered month; a run for some months loads only those
        partitions_def=MANADER if monthly else None,
        backfill_policy=dg.BackfillPolicy.single_run() if monthly else None,
        description=f"{source.description}: som levererad, en rad per rad i filen, med källfil och SHA-256.",
    )
    def raw_asset(context: dg.AssetExecutionContext, analysplan: AnalysplanResource) -> dg.MaterializeResult:
        months = (
            context.partition_keys if context.has_partition_key or context.has_partition_key_range else None
        )
        with analysplan.connect() as con:
            built = ingest.materialize_raw(con, analysplan.workspace, source, months, say=context.log.info)
        return dg.MaterializeResult(
            metadata={"rader": built.rows, "filer": built.files},
            data_version=dg.DataVersion(built.fingerprint),
        )

    contract_check = dg.AssetCheckSpec(
        name="datakontrakt",
        asset=source.core_table,
        blocking=True,
        description=f"great-expectations-sviten data_contracts/{source.core_table}.json",
    )

    @dg.asset(
        name=source.core_table,
        group_name="core",
        tags={"kalla": group},
        kinds={"duckdb"},
        deps=[source.raw_table, *source.depends_on],
        # the contract too: the UI shows a changed contract as a changed asset (not its dependents)
        code_version=f"{warehouse.code_version(source.core_table)}-{contracts.suite_hash(source.core_table)[:8]}",
        check_specs=[contract_check],
        description=f"{source.description}: rensad, typad och kontrakterad (sql/{source.core_table}.sql).",
    )
    def core_asset(
        context: dg.AssetExecutionContext, analysplan: AnalysplanResource
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        with analysplan.connect() as con:
            built = ingest.materialize_core(con, source, analysplan.sql_params(), say=context.log.info)
            result = built.contract
            if result is None:  # up to date: the table and the contract it passed are as recorded
                yield dg.MaterializeResult(
                    metadata={"rader": built.rows, **table_metadata(con, source.core_table, built.rows)},
                    data_version=dg.DataVersion(built.fingerprint),
                )
                yield dg.AssetCheckResult(
                    passed=True, check_name="datakontrakt", metadata={"status": "oförändrad"}
                )
                return
            if not result.success:  # rolled back: the previous table stands
                context.log.error(result.summary())
            standard = table_metadata(con, source.core_table, result.rows) if result.success else {}
        yield dg.MaterializeResult(
            metadata={
                "rader": result.rows,
                "kontrakt": "uppfyllt" if result.success else "brutet",
                **standard,
            },
            data_version=dg.DataVersion(built.fingerprint),
        )
        yield dg.AssetCheckResult(
            passed=result.success,
            check_name="datakontrakt",
            severity=dg.AssetCheckSeverity.ERROR,
            description=result.summary(),
            metadata={"regler": result.checked, "brott": len(result.failures)},
        )

    return [raw_asset, core_asset]


source_assets: list[dg.AssetsDefinition] = [a for s in all_sources().values() for a in _source_assets(s)]
