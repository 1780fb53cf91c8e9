"""Skip at selection time: which assets of a selection have work to do, without starting Dagster.

Each asset already skips itself when the fingerprint it would produce equals the recorded one
(:mod:`pipelines.build`); a report when a version with the same inputs exists
(:func:`pipelines.publish.input_key`). This module asks the same questions before a run, from the
warehouse's records alone, so a command with nothing to do starts no Dagster run at all and a run
contains only the steps that may change something.

An asset is *due* when its own check fails, or when one of its parents in the same selection is due
(that parent's rebuild gives it new inputs). The graph here is the Dagster graph's
(``tests/integration/test_plan.py`` compares them): reference tables, a raw and a core table per
source, one ``out_*`` table per ``sql/out_*.sql`` reading the tables its SQL names, one report per
``reports/<slug>/`` reading its ``load("…")`` tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import duckdb

from pipelines import build, contracts, ingest, parametrar, publish, warehouse
from pipelines.sources.registry import all_sources
from pipelines.workspace import Workspace


@dataclass(frozen=True)
class Node:
    name: str
    kind: str  # referens | raw | core | out | rapport
    parents: tuple[str, ...]


def report_key(slug: str) -> str:
    return f"report_{slug.replace('-', '_')}"


@cache
def graph() -> dict[str, Node]:
    nodes: dict[str, Node] = {}
    for table in ingest.REFERENCE_TABLES:
        nodes[table] = Node(table, "referens", ())
    for source in all_sources().values():
        nodes[source.raw_table] = Node(source.raw_table, "raw", ())
        nodes[source.core_table] = Node(source.core_table, "core", (source.raw_table, *source.depends_on))
    for path in sorted(warehouse.SQL_DIR.glob("out_*.sql")):
        nodes[path.stem] = Node(path.stem, "out", tuple(warehouse.tables_read(path.stem)))
    for slug in publish.report_slugs():
        nodes[report_key(slug)] = Node(report_key(slug), "rapport", tuple(publish.tables_read(slug)))
    return nodes


def _walk(names: Iterable[str], step: Callable[[str], Iterable[str]]) -> set[str]:
    nodes = graph()
    seen: set[str] = set()
    todo = [n for n in names if n in nodes]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(n for n in step(name) if n in nodes)
    return seen


def upstream(names: Iterable[str]) -> set[str]:
    """``names`` and everything they read, transitively."""
    return _walk(names, lambda name: graph()[name].parents)


def downstream(names: Iterable[str]) -> set[str]:
    """``names`` and everything that reads them, transitively."""
    return _walk(names, lambda name: [n for n, node in graph().items() if name in node.parents])


def _params(table: str, sql_params: Mapping[str, Any]) -> dict[str, Any]:
    used = warehouse.sql_param_names(table)
    return {k: v for k, v in sql_params.items() if k in used}


def _current(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    node: Node,
    sql_params: Mapping[str, Any],
    report_config: Mapping[str, Any],
) -> bool:
    """Whether the asset's own step would find nothing to do (the same test the asset makes)."""
    table = node.name
    if node.kind == "referens":
        fp = build.fingerprint(warehouse.code_version(table), {"referens": ingest.reference_version(table)})
        return build.up_to_date(con, table, fp)
    if node.kind == "raw":
        source = next(s for s in all_sources().values() if s.raw_table == table)
        files = ingest.current_files(ws, source.name)  # as the raw asset: the deliveries now current
        fp = build.fingerprint(source.code_version, {"filer": ingest.files_fingerprint(files)})
        return build.up_to_date(con, table, fp)
    if node.kind == "core":
        inputs = {t: build.recorded(con, t) for t in node.parents}
        fp = build.fingerprint(warehouse.code_version(table), inputs, _params(table, sql_params))
        return build.up_to_date(con, table, fp, contracts.suite_hash(table))
    if node.kind == "out":
        inputs = {t: build.recorded(con, t) for t in warehouse.tables_read(table)}
        fp = build.fingerprint(warehouse.code_version(table), inputs, _params(table, sql_params))
        return build.up_to_date(con, table, fp)
    slug = next(s for s in publish.report_slugs() if report_key(s) == table)
    period = report_config.get("period")
    return (
        publish.is_current(
            ws,
            con,
            slug,
            params={"period": period},
            engine=str(report_config.get("engine") or "auto"),
            lan=parametrar.lan(),
        )
        is not None
    )


def due(
    ws: Workspace,
    selection: Iterable[str],
    report_config: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """The assets of ``selection`` with work to do, in graph order; [] = everything is up to date.

    ``report_config``: report asset → its run config (period, engine), as the run would get it.
    Assets this module does not know (none today) are always due.
    """
    nodes = graph()
    chosen = list(dict.fromkeys(selection))
    unknown = [n for n in chosen if n not in nodes]
    if not ws.warehouse.exists():
        return chosen
    sql_params = parametrar.sql_params()
    result: dict[str, bool] = {}
    with warehouse.connect(ws.warehouse, read_only=True) as con:

        def is_due(name: str) -> bool:
            if name not in result:
                node = nodes[name]
                result[name] = any(
                    is_due(p) for p in node.parents if p in selected and p in nodes
                ) or not _current(ws, con, node, sql_params, (report_config or {}).get(name, {}))
            return result[name]

        selected = set(chosen)
        due_known = [n for n in chosen if n in nodes and is_due(n)]
    return [*unknown, *due_known]
