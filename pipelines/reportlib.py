"""What a report's ``.qmd`` may use: read frozen tables, the plan's metadata, Swedish tables and figures.

Reports read data only through :func:`load`, which opens the Parquet snapshot that the report
asset froze for this version (``$ANALYSPLAN_REPORT_DATA/<table>.parquet``). The report asset
finds the tables a report needs from its ``load("…")`` calls. Cells stay thin: select, format, plot.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipelines import formatering, parametrar, reference
from pipelines.workspace import REPO_ROOT

PLAN_FILE = REPO_ROOT / "reports" / "analysplan-2020.yml"
DATA_ENV = "ANALYSPLAN_REPORT_DATA"
NYCKELTAL_ENV = "ANALYSPLAN_NYCKELTAL"  # the JSON file publish keeps in the version as nyckeltal.json
NYCKELTAL_FORMAT = ("tal", "procent")
_NYCKELTAL_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

# House colours (also used in the HTML style): dark blue, light blue, orange, grey.
FARGER = ["#1f4e79", "#6fa8dc", "#e69138", "#999999", "#38761d"]


def data_dir() -> Path:
    folder = os.environ.get(DATA_ENV)
    if not folder:
        raise RuntimeError(
            f"{DATA_ENV} är inte satt: rapporter renderas av rapport-tillgången (analysplan report SLUG), "
            "som fryser tabellerna de läser."
        )
    return Path(folder)


def lan() -> str:
    """The county the report is for (SCB länskod): publishing sets ``$ANALYSPLAN_LAN`` from the
    pipeline's configuration, so reports never hard-code it."""
    return parametrar.lan()


def lan_namn() -> str:
    """The county's name, e.g. "Norrbottens län"."""
    return reference.LAN[lan()]


def load(table: str) -> pl.DataFrame:
    """The frozen snapshot of a warehouse table, as the report's version saw it."""
    path = data_dir() / f"{table}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{table} är inte fryst för denna rapport ({path})")
    return pl.read_parquet(path)


def nyckeltal(
    namn: str, varde: float | int, etikett: str, format: str = "tal", decimaler: int | None = None
) -> None:
    """Declare one of the report's key figures (a value the report shows, read from a frozen table).

    The call only records it: publish keeps every declared figure in the version as
    ``nyckeltal.json``, and the review site shows it with its change since the report's previous
    version. ``format``: ``tal`` (a count or amount; change shown as a difference) or ``procent``
    (a share 0–1; change in procentenheter). Outside publish (no ``$ANALYSPLAN_NYCKELTAL``) nothing
    is written. Declaring the same name again replaces it (Quarto runs the cells once per format).
    """
    if not _NYCKELTAL_NAME.match(namn):
        raise ValueError(f"nyckeltalets namn {namn!r}: bara a–z, 0–9 och _ (t.ex. andel_65_plus)")
    if format not in NYCKELTAL_FORMAT:
        raise ValueError(f"nyckeltalet {namn}: format {format!r} finns inte ({', '.join(NYCKELTAL_FORMAT)})")
    if isinstance(varde, bool) or not isinstance(varde, numbers.Real) or math.isnan(varde):
        raise ValueError(f"nyckeltalet {namn}: värdet ska vara ett tal, inte {varde!r}")
    varde = int(varde) if isinstance(varde, numbers.Integral) else float(varde)  # numpy → JSON
    target = os.environ.get(NYCKELTAL_ENV)
    if not target:
        return
    path = Path(target)
    figures = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    decimals = decimaler if decimaler is not None else (1 if format == "procent" else 0)
    text = formatering.procent(varde, decimals) if format == "procent" else formatering.tal(varde, decimals)
    figures[namn] = {
        "etikett": etikett,
        "varde": varde,
        "format": format,
        "decimaler": decimals,
        "text": text,
    }
    path.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


@cache
def plan() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))
    return data


def report_meta(slug: str) -> dict[str, Any]:
    """The report's entry in the plan, with its analysuppdrag's fields under ``"uppdrag"``."""
    entry = dict(plan()["rapporter"][slug])
    uppdrag = {u["id"]: u for u in plan()["uppdrag"]}
    entry["uppdrag_data"] = uppdrag[entry["uppdrag"]]
    return entry


_ALTERNATIVES = re.compile(r"\boch/eller\b|\beller\b|\bsamt\b|;")
FORMAT_ORDER = ("html", "pdf", "pptx")


def formats_for(publikationsform: str) -> list[str]:
    """The formats a report is published in, from the plan's publikationsform.

    "Kort analys", "Analysrapport" (and any other written form) → html + pdf; "Analysresultat
    (PPT-bilder)" → pptx + html; where the plan offers a choice ("A eller B", "A och/eller B"),
    both. Always in the order html, pdf, pptx.
    """
    wanted: set[str] = set()
    for part in _ALTERNATIVES.split(publikationsform.lower()):
        if not re.search(r"\w", part):
            continue
        wanted |= {"pptx", "html"} if "ppt" in part else {"html", "pdf"}
    if not wanted:
        raise ValueError(f"publikationsformen {publikationsform!r} säger inget om formatet")
    return [f for f in FORMAT_ORDER if f in wanted]


def metadata_block(slug: str) -> str:
    """The analysuppdrag's metadata as a Markdown table (rubrik, syfte, ansvarig, publikationsform)."""
    meta = report_meta(slug)
    u = meta["uppdrag_data"]
    ansvarig = "; ".join(
        x
        for x in (
            u.get("ansvarig_avdelning"),
            f"ansvarig chef {u['ansvarig_chef']}" if u.get("ansvarig_chef") else None,
            f"utredare {u['ansvarig_utredare']}" if u.get("ansvarig_utredare") else None,
        )
        if x
    )
    rows = [
        ("Rubrik", meta["rubrik"]),
        ("Analysuppdrag", f"{u['rubrik']} (analysplan 2020, {u['omrade']})"),
        ("Syfte", " ".join(str(meta["syfte"]).split())),
        ("Ansvarig", ansvarig),
        ("Publikationsform", meta["publikationsform"]),
    ]
    lines = ["| Uppgift | |", "|:--|:--|"]
    lines += [f"| {k} | {v.replace('|', '/')} |" for k, v in rows]
    return "\n".join(lines)


Formatter = Callable[[Any], str]


def tabell(df: pl.DataFrame, kolumner: Mapping[str, tuple[str, Formatter | None]]) -> str:
    """A Markdown pipe table of ``df``: ``kolumner`` maps column → (Swedish label, formatter).

    Numeric columns (a formatter given) are right-aligned. Print it from a cell with
    ``#| output: asis`` so both Quarto and the built-in engine see a real table.
    """
    header = "| " + " | ".join(label for label, _ in kolumner.values()) + " |"
    align = "|" + "|".join("--:" if fmt else ":--" for _, fmt in kolumner.values()) + "|"
    body = []
    for row in df.select(list(kolumner)).iter_rows(named=True):
        cells = [(fmt(row[c]) if fmt else str(row[c])) for c, (_, fmt) in kolumner.items()]
        body.append("| " + " | ".join(cells) + " |")
    return "\n".join([header, align, *body])


def stil() -> None:
    """One matplotlib style for every figure; Swedish number format on the axes."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (7.5, 4.0),
            "figure.dpi": 100,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=FARGER),
            "axes.grid": True,
            "axes.grid.axis": "y",
            "grid.color": "#dddddd",
            "font.size": 10,
            "legend.frameon": False,
        }
    )


def svenska_axlar(ax: Any, procent: bool = False, decimaler: int = 0) -> None:
    """Format an axis' tick labels the Swedish way ("248 653", "21,4 %")."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # round ticks: 5 %, not 2,5 %
    if procent:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: formatering.procent(v, decimaler, " ")))
    else:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: formatering.tal(v, decimaler, " ")))
