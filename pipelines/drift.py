"""The monthly refresh in Dagster: the inbox sensor and the schedule ``manadsuppdatering``. Thin:
the work is :mod:`pipelines.inkorg`; these only turn what changed into a run of what it affects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import dagster as dg

from pipelines import ingest, inkorg, leveranser
from pipelines.workspace import Workspace, current_workspace


def affected(core_tables: Iterable[str], assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """The changed core tables, what they are built from and everything built on them (reports too)."""
    selection = dg.AssetSelection.assets(*sorted(core_tables))
    keys = (selection.upstream() | selection.downstream()).resolve(assets)
    return sorted(keys, key=lambda k: k.to_user_string())


def sync_partitions(instance: dg.DagsterInstance, ws: Workspace) -> list[str]:
    """Make the instance's monthly partitions the months that hold current rows; returns them."""
    months = leveranser.current_months(ingest.deliveries(ws))
    known = instance.get_dynamic_partitions(leveranser.PARTITIONS)
    missing = [m for m in months if m not in known]
    if missing:
        instance.add_dynamic_partitions(leveranser.PARTITIONS, missing)
    for gone in sorted(set(known) - set(months)):
        instance.delete_dynamic_partition(leveranser.PARTITIONS, gone)
    return months


def _request(run_key: str, outcome: inkorg.Outcome, assets: Sequence[dg.AssetsDefinition]) -> dg.RunRequest:
    # One changed month: that partition only (the other months' raw rows are not touched). Several,
    # or a withdrawn one: a run without a partition brings every month in line.
    months = sorted(outcome.months)
    return dg.RunRequest(
        run_key=run_key,
        asset_selection=affected(outcome.changed, assets),
        partition_key=months[0] if len(months) == 1 else None,
        tags={"analysplan/leveranser": ",".join(str(i) for i in outcome.deliveries) or "-"},
    )


def build_inbox_sensor(
    job: dg.UnresolvedAssetJobDefinition, assets: Sequence[dg.AssetsDefinition]
) -> dg.SensorDefinition:
    @dg.sensor(
        name="inkorg",
        job=job,
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Läser in filer som lagts i $ANALYSPLAN_HOME/inkorg/<källa>/ (avvisade till "
        "inkorg/<källa>/avvisade/ med .fel.txt) och bygger det de påverkar.",
    )
    def inkorg_sensor(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        ws = current_workspace()
        outcome = inkorg.process_inbox(ws, log=context.log.info)
        sync_partitions(context.instance, ws)
        if not outcome.changed:
            return dg.SkipReason(
                f"inget nytt i inkorgen ({len(outcome.accepted)} inlästa utan ändring, "
                f"{len(outcome.rejected)} avvisade)"
            )
        return _request("inkorg-" + "-".join(str(i) for i in outcome.deliveries), outcome, assets)

    return inkorg_sensor


def build_monthly_schedule(
    job: dg.UnresolvedAssetJobDefinition, assets: Sequence[dg.AssetsDefinition]
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="manadsuppdatering",
        job=job,
        cron_schedule="0 5 2 * *",  # 05:00 on the 2nd of every month
        execution_timezone="Europe/Stockholm",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Månadsvis: inkorgen, de levande källorna (SCB, Kolada) enligt manadsuppdatering.json "
        "och omritning av exakt de tabeller och rapporter vars indata ändrats.",
    )
    def manadsuppdatering(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        ws = current_workspace()
        outcome = inkorg.process_inbox(ws, log=context.log.info)
        outcome.merge(inkorg.refresh_live(ws, log=context.log.info))
        sync_partitions(context.instance, ws)
        month = f"{context.scheduled_execution_time:%Y-%m}" if context.scheduled_execution_time else "manuell"
        if not outcome.changed:
            return dg.SkipReason(f"{month}: inget nytt i inkorgen eller från de levande källorna")
        return _request(f"manadsuppdatering-{month}", outcome, assets)

    return manadsuppdatering
