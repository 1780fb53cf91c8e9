"""raw_* and core_* assets, one pair per delivered source, plus the reference tables.

Thin: reading, loading and contracts live in ``pipelines.ingest`` / ``pipelines.contracts``.
"""

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
        files = ingest.current_files(analysplan.workspace, source.name)
        fp = build.fingerprint(source.code_version, {"filer": ingest.files_fingerprint(files)})
        months = (
            context.partition_keys if context.has_partition_key or context.has_partition_key_range else None
        )
        with analysplan.connect() as con:
            if build.up_to_date(con, source.raw_table, fp):
                context.log.info(f"{source.raw_table}: oförändrad, hoppar över")
                rows = warehouse.table_rows(con, source.raw_table)
            else:

                def record(rows: int) -> None:  # in load_raw's transaction, before its commit
                    nonlocal fp
                    if months is not None and not ingest.raw_in_sync(con, source, files):
                        # other months still differ: a later run (or one without partitions) finishes them
                        fp = build.fingerprint(source.code_version, {"delvis": ",".join(sorted(months))})
                        context.log.info(f"{source.raw_table}: månaderna {', '.join(months)} inlästa")
                    felinjektion.punkt("bygg-registrering")
                    build.record(con, source.raw_table, fp, rows, source.code_version)

                rows = ingest.load_raw(con, source, files, months=months, on_commit=record)
        return dg.MaterializeResult(
            metadata={"rader": rows, "filer": len(files)}, data_version=dg.DataVersion(fp)
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
            used = warehouse.sql_param_names(source.core_table)
            params = {k: v for k, v in analysplan.sql_params().items() if k in used}
            input_tables = (source.raw_table, *source.depends_on)
            inputs = {t: build.recorded(con, t) for t in input_tables}
            fp = build.fingerprint(warehouse.code_version(source.core_table), inputs, params)
            # The contract decides whether to re-check, not the fingerprint dependents read (pipelines.build).
            contract = contracts.suite_hash(source.core_table)
            if build.up_to_date(con, source.core_table, fp, contract):
                context.log.info(f"{source.core_table}: oförändrad, hoppar över")
                rows = warehouse.table_rows(con, source.core_table)
                yield dg.MaterializeResult(
                    metadata={"rader": rows, **table_metadata(con, source.core_table, rows)},
                    data_version=dg.DataVersion(fp),
                )
                yield dg.AssetCheckResult(
                    passed=True, check_name="datakontrakt", metadata={"status": "oförändrad"}
                )
                return

            def record(result: contracts.ContractResult) -> None:  # in build_core's transaction
                felinjektion.punkt("bygg-registrering")
                effective = build.effective_parameters(con, params, input_tables)
                build.record(con, source.core_table, fp, result.rows, contract=contract, params=effective)

            result = ingest.build_core(con, source, params, on_commit=record)
            if not result.success:  # rolled back: the previous table stands
                context.log.error(result.summary())
            standard = table_metadata(con, source.core_table, result.rows) if result.success else {}
        yield dg.MaterializeResult(
            metadata={
                "rader": result.rows,
                "kontrakt": "uppfyllt" if result.success else "brutet",
                **standard,
            },
            data_version=dg.DataVersion(fp if result.success else "avvisad"),
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
