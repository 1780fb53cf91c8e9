"""The Dagster graph as a checked-in text: asset keys with group, tags, parents and checks, and the
jobs, schedules and sensors. Any change to the graph shows up in review as a diff of
tests/snapshots/dagster_graph.json.

To accept an intended change: ``ANALYSPLAN_UPDATE_SNAPSHOT=1 .venv/bin/pytest
tests/integration/test_graph_snapshot.py`` rewrites the file; commit it with the change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pipelines import definitions

SNAPSHOT = Path(__file__).parents[1] / "snapshots" / "dagster_graph.json"


def graph_snapshot() -> dict[str, Any]:
    defs = definitions.defs
    graph = defs.resolve_asset_graph()
    repo = defs.get_repository_def()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        assets[key.to_user_string()] = {
            "grupp": node.group_name,
            "taggar": {k: v for k, v in sorted(node.tags.items()) if not k.startswith("dagster/")},
            "slag": sorted(node.kinds),
            "lasar": sorted(p.to_user_string() for p in node.parent_keys),
            "kontroller": sorted(c.name for c in node.check_keys),
        }
    return {
        "tillgangar": assets,
        "jobb": sorted(j.name for j in defs.resolve_all_job_defs() if not j.name.startswith("__")),
        "scheman": sorted(
            f"{s.name}: {s.cron_schedule} ({s.execution_timezone})" for s in repo.schedule_defs
        ),
        "sensorer": sorted(s.name for s in repo.sensor_defs),
    }


def test_the_graph_is_the_checked_in_snapshot() -> None:
    current = json.dumps(graph_snapshot(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("ANALYSPLAN_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(current, encoding="utf-8")
    assert SNAPSHOT.read_text(encoding="utf-8") == current, (
        "Dagster-grafen har ändrats: granska skillnaden och uppdatera med "
        "ANALYSPLAN_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/integration/test_graph_snapshot.py"
    )


def test_every_asset_is_in_a_layer_group_with_its_source_or_domain_as_tag() -> None:
    assets = graph_snapshot()["tillgangar"]
    for key, asset in assets.items():
        layer = key.split("_")[0]
        assert asset["grupp"] == {"report": "rapporter"}.get(layer, layer), key
        if layer in ("raw", "core"):
            assert asset["taggar"]["kalla"] == key.split("_")[1], key
        if layer == "out":
            assert asset["taggar"]["doman"] and asset["kontroller"] == ["korn_unikt", "korn_utan_null"], key
    assert assets["core_kpp__kontakter"]["kontroller"] == ["datakontrakt"]
    assert assets["out_kpp__demografi_klinik"]["taggar"] == {"doman": "demografi"}
