"""report_* assets: one per folder in reports/, depending on the tables its .qmd loads."""

from collections.abc import Callable
from typing import Any

import dagster as dg

from pipelines import publish
from pipelines.resources import AnalysplanResource
from pipelines.sources.registry import all_sources


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


def publish_report(
    analysplan: AnalysplanResource,
    slug: str,
    config: ReportConfig,
    run_id: str | None,
    upstream: set[str],
    log: Callable[[str], Any],
) -> tuple[dict[str, Any], str]:
    """Publish ``slug`` (the report asset's work): its metadata and version. ``upstream``: the
    asset keys the report reads, transitively (whose delivered files the manifest lists)."""
    sources = [s.name for s in all_sources().values() if s.raw_table in upstream]
    with analysplan.connect() as con:
        result = publish.publish(
            analysplan.workspace,
            con,
            slug,
            params={"period": config.period},
            input_files=publish.input_files_for(con, sources),
            run_id=run_id,
            engine=config.engine,
            lan=analysplan.lan,
        )
    status = "ny version" if result.new else "oförändrad (samma indata och kod)"
    log(f"{slug} {result.version}: {status} — {result.folder}")
    metadata: dict[str, Any] = {
        "version": result.version,
        "status": status,
        "mapp": dg.MetadataValue.path(str(result.folder)),
        **{fmt: dg.MetadataValue.path(str(p)) for fmt, p in result.files.items()},
    }
    return metadata, result.version


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
        metadata, version = publish_report(
            analysplan, slug, config, context.run_id, {k.to_user_string() for k in upstream}, context.log.info
        )
        return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(version))

    return report_asset


report_assets: list[dg.AssetsDefinition] = [_report_asset(slug) for slug in publish.report_slugs()]
