"""report_* assets: one per folder in reports/, depending on the tables its .qmd loads."""

from pathlib import Path
from typing import Any

import dagster as dg

from pipelines import publish, webb
from pipelines.resources import AnalysplanResource


class ReportConfig(dg.Config):
    period: int | None = None  # report year; default: the latest year in the data
    engine: str = "auto"  # auto | quarto | builtin


def _ancestors(graph: Any, key: dg.AssetKey) -> set[dg.AssetKey]:
    seen: set[dg.AssetKey] = set()
    todo = [key]
    while todo:
        for parent in graph.get(todo.pop()).parent_keys:
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def report_metadata(result: publish.Published) -> dict[str, Any]:
    """The report asset's metadata for a published (or already current) version."""
    status = "ny version" if result.new else "oförändrad (samma indata och kod)"
    return {
        "version": result.version,
        "status": status,
        "mapp": dg.MetadataValue.path(str(result.folder)),
        **{fmt: dg.MetadataValue.path(str(p)) for fmt, p in result.files.items()},
        # the version as `analysplan serve` shows it (published/ on localhost)
        "webb": dg.MetadataValue.url(webb.url(f"{result.slug}/{result.version}/{first_file(result)}")),
    }


def first_file(result: publish.Published) -> str:
    """The file a link to the version opens: its HTML, else the first format."""
    files = result.files
    return (files.get("html") or next(iter(files.values()), Path("manifest.json"))).name


def _report_asset(slug: str) -> dg.AssetsDefinition:
    meta = publish.reportlib.report_meta(slug)

    @dg.asset(
        name=f"report_{slug.replace('-', '_')}",
        group_name="rapporter",
        kinds={"quarto"},
        deps=publish.tables_read(slug),
        description=f"{meta['rubrik']}: renderas till "
        f"{', '.join(meta.get('format') or publish.reportlib.formats_for(meta['publikationsform']))} "
        f"och publiceras som en oföränderlig version i published/{slug}/.",
    )
    def report_asset(
        context: dg.AssetExecutionContext, config: ReportConfig, analysplan: AnalysplanResource
    ) -> dg.MaterializeResult:
        upstream = _ancestors(context.job_def.asset_layer.asset_graph, context.asset_key)
        with analysplan.connect() as con:
            result = publish.publish_report(
                analysplan.workspace,
                con,
                slug,
                period=config.period,
                engine=config.engine,
                lan=analysplan.lan,
                run_id=context.run_id,
                upstream={k.to_user_string() for k in upstream},
            )
        metadata = report_metadata(result)
        context.log.info(f"{slug} {result.version}: {metadata['status']} — {result.folder}")
        return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(result.version))

    return report_asset


report_assets: list[dg.AssetsDefinition] = [_report_asset(slug) for slug in publish.report_slugs()]
