"""The monthly routine's work, as plain functions: the inbox and the live sources.

**The inbox** ``$ANALYSPLAN_HOME/inkorg/<källa>/``: every file dropped there goes through the same
path as ``analysplan ingest <källa> FIL`` (reader, dry run, contract, delivery log). An accepted
file is stored in ``incoming/<källa>/`` and removed from the inbox; a rejected one is moved to
``inkorg/<källa>/avvisade/`` with ``<fil>.fel.txt`` beside it holding the Swedish message. Files
whose name starts with ``.`` or ends in ``.part``/``.tmp`` are still being copied and are left for
the next look (copy as ``kpp_2024_03.csv.part``, then rename). Sources are taken in ingest order
(reference sources first), files in name order.

**The live sources** are fetched where ``$ANALYSPLAN_HOME/manadsuppdatering.json`` says so, e.g.::

    {"scb": [{"tabell": "TAB638"}, {"tabell": "prognos", "api": "v2"}],
     "kolada": {"kpi": ["N70061", "N70038"], "ar": [2023, 2024]}}

(keys as the options of ``analysplan fetch scb|kolada``: ``tabell``, ``api``, ``region``, ``ar``,
``bas_url``, ``tabell_id``; ``kpi``, ``ar``, ``region``, ``bas_url``). Without the file nothing is
fetched, and the log says so.

Both return which core tables changed, so the sensor and the schedule request exactly the builds
those changes affect; unchanged tables and reports are skipped by their fingerprints.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines import ingest
from pipelines.errors import RejectedInput
from pipelines.sources.registry import all_sources, get_source
from pipelines.workspace import Workspace, atomic_write

REJECTED = "avvisade"
CONFIG_NAME = "manadsuppdatering.json"
Log = Callable[[str], None]


def inbox(ws: Workspace) -> Path:
    return ws.home / "inkorg"


def _waiting(path: Path) -> bool:
    return path.name.startswith(".") or path.suffix in (".part", ".tmp")


@dataclass
class Outcome:
    accepted: list[tuple[str, str]] = field(default_factory=list)  # (källa, file name)
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # (källa, file name, message)
    changed: set[str] = field(default_factory=set)  # core tables whose input changed
    deliveries: list[int] = field(default_factory=list)  # the deliveries made (pipelines.leveranser)
    months: set[str] = field(default_factory=set)  # monthly sources: the months whose rows changed
    lines: list[str] = field(default_factory=list)  # what happened, in Swedish

    def merge(self, other: Outcome) -> None:
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.changed |= other.changed
        self.deliveries += other.deliveries
        self.months |= other.months
        self.lines += other.lines


def pending(ws: Workspace) -> list[tuple[str, Path]]:
    """The files waiting in the inbox: (folder name, path), in ingest order."""
    root = inbox(ws)
    if not root.is_dir():
        return []
    order = {name: i for i, name in enumerate(all_sources())}
    folders = sorted(
        (p for p in root.iterdir() if p.is_dir()), key=lambda p: (order.get(p.name, 10**6), p.name)
    )
    return [
        (folder.name, path)
        for folder in folders
        for path in sorted(folder.iterdir())
        if path.is_file() and not _waiting(path)
    ]


def _reject(path: Path, message: str) -> Path:
    folder = path.parent / REJECTED
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    shutil.move(str(path), target)
    atomic_write(folder / f"{path.name}.fel.txt", (message.rstrip() + "\n").encode())
    return target


def process_inbox(ws: Workspace, params: Mapping[str, Any] | None = None, log: Log = print) -> Outcome:
    """Ingest every waiting file through its source's contract (see the module docstring)."""
    out = Outcome()
    for folder, path in pending(ws):
        try:
            source = get_source(folder)
            report = ingest.accept_report(ws, source.name, [path], params)
        except KeyError as err:
            message = f"{path.name}: {err.args[0]} (mappen i inkorg/ ska heta som källan)"
        except (RejectedInput, ingest.ContractBroken) as err:
            message = str(err)
        else:
            path.unlink()  # stored in incoming/ (or already there: same content)
            (path.parent / REJECTED / f"{path.name}.fel.txt").unlink(missing_ok=True)  # fixed and resent
            out.accepted.append((source.name, path.name))
            out.deliveries += [d.id for d in report.new]
            out.months |= report.months
            lines = [
                f"{source.name}: inget nytt i {name}: samma innehåll som {match.label()}"
                for name, match in report.unchanged
            ] + [f"{source.name}: {line}" for line in report.change.lines]
            for line in lines:
                log(line)
            out.lines += lines
            if report.change.changed:
                out.changed.add(source.core_table)
            continue
        _reject(path, message)
        out.rejected.append((folder, path.name, message))
        line = f"{folder}: {path.name} avvisad, se inkorg/{folder}/{REJECTED}/{path.name}.fel.txt"
        out.lines.append(line)
        log(line)
    return out


def read_config(ws: Workspace) -> dict[str, Any] | None:
    """``manadsuppdatering.json`` in the workspace, or None; ValueError (Swedish) if malformed."""
    path = ws.home / CONFIG_NAME
    if not path.exists():
        return None
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: ogiltig JSON ({err.msg}, rad {err.lineno})") from None
    if not isinstance(config, dict) or set(config) - {"scb", "kolada"}:
        raise ValueError(f"{path}: ska vara ett objekt med nycklarna scb och/eller kolada")
    if not isinstance(config.get("scb", []), list) or not all(
        isinstance(t, dict) for t in config.get("scb", [])
    ):
        raise ValueError(f'{path}: "scb" ska vara en lista av tabeller, t.ex. [{{"tabell": "TAB638"}}]')
    if not isinstance(config.get("kolada", {}), dict):
        raise ValueError(f'{path}: "kolada" ska vara ett objekt, t.ex. {{"kpi": ["N70061"]}}')
    return config


def refresh_live(ws: Workspace, params: Mapping[str, Any] | None = None, log: Log = print) -> Outcome:
    """Fetch SCB tables and Kolada KPIs as configured and ingest the answers like `analysplan fetch`."""
    from pipelines import parametrar
    from pipelines.fetch import kolada, scb
    from pipelines.sources.kolada import kolada_id

    out = Outcome()
    config = read_config(ws)
    if config is None:
        line = f"Levande källor: ingen {CONFIG_NAME} i arbetsytan, inget hämtas från SCB eller Kolada."
        out.lines.append(line)
        log(line)
        return out
    jobs: list[tuple[str, Callable[[], Sequence[Any]]]] = []
    for table in config.get("scb", []):
        name = str(table.get("tabell", "TAB638"))
        if name not in scb.TABELLER:
            raise ValueError(
                f"{CONFIG_NAME}: okänd SCB-tabell {name!r}; välj bland {', '.join(scb.TABELLER)}"
            )
        spec = scb.TABELLER[name]

        def fetch_scb(spec: Any = spec, table: Mapping[str, Any] = table) -> Sequence[Any]:
            return scb.fetch(
                ws,
                spec,
                api=str(table.get("api", "v1")),
                base_url=table.get("bas_url"),
                regions=table.get("region"),
                years=table.get("ar"),
                lan=parametrar.lan(),
                table_id=table.get("tabell_id"),
                progress=log,
            )

        jobs.append((spec.source, fetch_scb))
    if "kolada" in config:
        k = config["kolada"]

        def fetch_kolada() -> Sequence[Any]:
            units = [kolada_id(r) for r in k.get("region") or []] or None
            return kolada.fetch(
                ws,
                kpis=k.get("kpi") or kolada.DEFAULT_KPIS,
                units=units,
                years=k.get("ar"),
                base_url=k.get("bas_url"),
                progress=log,
            )

        jobs.append((kolada.SOURCE, fetch_kolada))
    for source_name, fetch in jobs:
        stored = fetch()
        paths = [s.path for s in stored]
        log(f"{source_name}: {len(paths)} svar hämtade")
        if not paths:
            continue
        report = ingest.accept_report(ws, source_name, paths, params)
        lines = [f"{source_name}: {line}" for line in report.change.lines] or [f"{source_name}: inget nytt"]
        for line in lines:
            log(line)
        out.lines += lines
        out.accepted += [(source_name, p.name) for p in paths]
        out.deliveries += [d.id for d in report.new]
        if report.change.changed:
            out.changed.add(get_source(source_name).core_table)
    return out
