"""Writers for PxWeb responses in the demo generators of the SCB CKM tables and the projection.

Two real response shapes (``sources.md`` §1.3, §1.6): json-stat2 (PxWebApi 2.0, and v1 with
``response.format = json-stat2``) and v1 ``json`` (values as strings, one record per cell).
Both are written deterministically: the same cells give the same bytes.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Dim:
    id: str
    label: str
    categories: Mapping[str, str]  # code → label, in order
    elimination: bool = False


def write_jsonstat2(
    path: Path,
    dims: Sequence[Dim],
    value: Callable[[tuple[str, ...]], int | None],
    *,
    label: str,
    updated: str,
    tableid: str,
    infofile: str,
) -> Path:
    """A json-stat2 dataset over ``dims`` (row-major, the last dimension fastest)."""
    codes = [list(d.categories) for d in dims]
    values = [value(cell) for cell in itertools.product(*codes)]
    dimension: dict[str, Any] = {
        d.id: {
            "label": d.label,
            "category": {
                "index": {code: i for i, code in enumerate(d.categories)},
                "label": dict(d.categories),
            },
            "extension": {"elimination": d.elimination},
        }
        for d in dims
    }
    if "ContentsCode" in dimension:
        contents = dimension["ContentsCode"]["category"]
        contents["unit"] = {code: {"base": "antal", "decimals": 0} for code in contents["index"]}
    dataset = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": "SCB",
        "updated": updated,
        "id": [d.id for d in dims],
        "size": [len(c) for c in codes],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"], "geo": ["Region"]},
        "dimension": dimension,
        "extension": {"px": {"tableid": tableid, "infofile": infofile, "decimals": 0}},
        "value": values,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json.dumps(dataset, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return path


def write_v1_json(
    path: Path,
    dims: Sequence[Dim],
    content: tuple[str, str],
    value: Callable[[tuple[str, ...]], int | None],
    *,
    label: str,
    updated: str,
    infofile: str,
) -> Path:
    """A PxWeb v1 ``json`` response: columns (d, t for Tid, c), one record per cell, values as strings."""
    code, text = content
    columns = [{"code": d.id, "text": d.label, "type": "t" if d.id == "Tid" else "d"} for d in dims]
    columns.append({"code": code, "text": text, "type": "c"})
    data = []
    for cell in itertools.product(*(list(d.categories) for d in dims)):
        number = value(cell)
        data.append({"key": list(cell), "values": [".." if number is None else str(number)]})
    document = {
        "columns": columns,
        "comments": [],
        "data": data,
        "metadata": [{"infofile": infofile, "updated": updated, "label": label, "source": "SCB"}],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return path
