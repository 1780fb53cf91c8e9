"""Dagster definitions: assets, checks, the resource, jobs and the monthly schedule. Thin by design."""

import dagster as dg

from assets.demografi import demografi_assets
from assets.kpp import kpp_assets
from assets.reports import report_assets
from assets.scb import scb_assets
from assets.sources import reference_assets, source_assets
from assets.svf import svf_assets
from assets.vis import vis_assets
from pipelines import drift, parametrar
from pipelines.resources import AnalysplanResource
from pipelines.workspace import current_workspace

ALL_ASSETS = [
    *reference_assets,
    *source_assets,
    *scb_assets,
    *kpp_assets,
    *demografi_assets,
    *svf_assets,
    *vis_assets,
    *report_assets,
]

hela_kedjan = dg.define_asset_job(
    "hela_kedjan",
    selection=dg.AssetSelection.all(),
    description="Läs in, härled och publicera allt (samma som `analysplan demo` utan demodata).",
    executor_def=dg.in_process_executor,
)

manadsuppdatering = drift.build_monthly_schedule(hela_kedjan, ALL_ASSETS)
inkorg = drift.build_inbox_sensor(hela_kedjan, ALL_ASSETS)


def resources() -> dict[str, object]:
    """The resources, bound to the current workspace ($ANALYSPLAN_HOME) and county ($ANALYSPLAN_LAN)."""
    parametrar.current()  # ANALYSPLAN_PARAMETRAR checked before any run (Swedish error naming the parameter)
    ws = current_workspace()
    return {"analysplan": AnalysplanResource(home=str(ws.home), lan=parametrar.lan())}


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=ALL_ASSETS,
        jobs=[hela_kedjan],
        schedules=[manadsuppdatering],
        sensors=[inkorg],
        resources=resources(),
        executor=dg.in_process_executor,
    )


defs = build_definitions()
