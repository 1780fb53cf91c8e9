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

# Colours: the Okabe–Ito palette (Okabe & Ito 2008), which stays distinguishable with every common
# colour-vision deficiency. In comparisons Norrbotten is blue, riket orange and every other region
# grey, so the county stands out (farg_region / region_stil); FARGER is the cycle for other series.
OKABE_ITO = {
    "bla": "#0072B2",
    "orange": "#E69F00",
    "himmelsbla": "#56B4E9",
    "gron": "#009E73",
    "vermiljon": "#D55E00",
    "lila": "#CC79A7",
    "gul": "#F0E442",
    "svart": "#000000",
}
NORRBOTTEN_FARG = OKABE_ITO["bla"]
RIKET_FARG = OKABE_ITO["orange"]
OVRIGA_FARG = "#BBBBBB"  # other regions: grey, behind the two above
FARGER = [OKABE_ITO[k] for k in ("bla", "orange", "himmelsbla", "gron", "vermiljon", "lila", "gul", "svart")]
RIKET_KOD = "00"
NORRBOTTEN_KOD = "25"


def farg_region(region_kod: str) -> str:
    """The colour of a region in a figure: Norrbotten ("25") blue, riket ("00") orange, others grey."""
    if region_kod == NORRBOTTEN_KOD:
        return NORRBOTTEN_FARG
    if region_kod == RIKET_KOD:
        return RIKET_FARG
    return OVRIGA_FARG


def region_stil(region_kod: str) -> dict[str, Any]:
    """Line/bar style for a region, ``ax.plot(x, y, **region_stil(kod))``: Norrbotten on top and
    thickest, riket next, the other regions thin and grey behind them."""
    if region_kod == NORRBOTTEN_KOD:
        return {"color": NORRBOTTEN_FARG, "linewidth": 2.6, "zorder": 3}
    if region_kod == RIKET_KOD:
        return {"color": RIKET_FARG, "linewidth": 2.2, "zorder": 2}
    return {"color": OVRIGA_FARG, "linewidth": 1.0, "zorder": 1}


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


MINSTA_ANTAL_ENV = "ANALYSPLAN_MINSTA_ANTAL"


def skyddsfotnot(*frames: pl.DataFrame) -> str:
    """The footnote under a table or figure that hides small cells ("Färre än 5 – redovisas inte"),
    or "" when none of ``frames`` has a protected row (column ``skyddad``, see pipelines/skydd.py)."""
    hidden = any("skyddad" in df.columns and bool(df["skyddad"].any()) for df in frames)
    if not hidden:
        return ""
    return f"– = Färre än {os.environ.get(MINSTA_ANTAL_ENV, '5')} – redovisas inte."


# The direction codes of the out_* tables (macros riktning, riktning_forandring) as a sentence says them.
RIKTNINGSORD = {
    "hogre": "högre",
    "lagre": "lägre",
    "lika": "lika",
    "okade": "ökade",
    "minskade": "minskade",
    "oforandrad": "oförändrad",
}


def riktningsord(kod: str | None) -> str:
    """A direction code ('hogre', 'okade', …) in Swedish ("högre", "ökade", …); None shows as "–"."""
    if kod is None:
        return "–"
    return RIKTNINGSORD[kod]


class RapportFel(Exception):
    """A report's refusal in Swedish for the analyst (``raise RapportFel("… stöds inte här.")``):
    the renderer shows its message alone, without a traceback."""


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
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where installed: same result, faster
    data: dict[str, Any] = yaml.load(PLAN_FILE.read_text(encoding="utf-8"), Loader=loader)
    return data


def report_meta(slug: str) -> dict[str, Any]:
    """The report's entry in the plan, with its analysuppdrag's fields under ``"uppdrag_data"``
    (``None`` for a report about the plan as a whole, whose ``uppdrag`` is null)."""
    entry = dict(plan()["rapporter"][slug])
    uppdrag = {u["id"]: u for u in plan()["uppdrag"]}
    entry["uppdrag_data"] = uppdrag[entry["uppdrag"]] if entry.get("uppdrag") else None
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
    """The analysuppdrag's metadata as a Markdown table (rubrik, syfte, ansvarig, publikationsform,
    redovisas)."""
    meta = report_meta(slug)
    u = meta["uppdrag_data"]
    if u is None:
        raise ValueError(f"Rapporten {slug!r} hör inte till ett enskilt analysuppdrag")
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
        ("Redovisas", " ".join(str(u.get("redovisas") or "–").split())),
    ]
    # a key and its text: the separator's dashes give pandoc the columns' shares (1 : 4)
    lines = ["| Uppgift | Innehåll |", "|:-----|:--------------------|"]
    lines += [f"| {k} | {v.replace('|', '/')} |" for k, v in rows]
    return "\n".join(lines)


Formatter = Callable[[Any], str]

_MARKDOWN_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|$"})


def markdown_text(value: Any) -> str:
    """Plain text made safe inside Markdown (and a pipe-table cell): ``*``, ``_``, ``[``, ``|`` …
    are escaped, line breaks become spaces; ``None`` becomes "–"."""
    if value is None:
        return "–"
    return " ".join(str(value).split()).translate(_MARKDOWN_SPECIAL)


def _visible_len(cell: str) -> int:
    """Length of a cell as read: a Markdown link counts as its text, escapes as one character."""
    return len(re.sub(r"\\(.)", r"\1", re.sub(r"\]\([^)]*\)", "]", cell)))


def tabell(df: pl.DataFrame, kolumner: Mapping[str, tuple[str, Formatter | None]]) -> str:
    """A Markdown pipe table of ``df``: ``kolumner`` maps column → (Swedish label, formatter).

    Numeric columns are right-aligned, text columns left-aligned. Give numbers a formatter from
    ``pipelines.formatering`` ("248 653", "6,2 %"); a missing value shows as "–". Print it from a
    cell with ``#| output: asis`` so both Quarto and the built-in engine see a real table.
    """
    rows = [
        [
            (fmt(row[c]) if fmt else ("–" if row[c] is None else str(row[c])))
            for c, (_, fmt) in kolumner.items()
        ]
        for row in df.select(list(kolumner)).iter_rows(named=True)
    ]
    labels = [label for label, _ in kolumner.values()]
    # A wide table wraps to the page width with column widths in proportion to the dashes of the
    # separator line (pandoc pipe tables): each column gets room for its typical cell (and its
    # longest word, up to 14 characters; longer words are hyphenated), so long texts get the room
    # and short codes do not.
    widths = []
    for i, label in enumerate(labels):
        cells = [label, *(r[i] for r in rows)]
        lengths = [_visible_len(c) for c in cells]
        longest_word = max(_visible_len(w) for c in cells for w in (c.split() or [""]))
        widths.append(max(3, min(longest_word, 14), min(28, round(0.5 * sum(lengths) / len(lengths)))))
    header = "| " + " | ".join(labels) + " |"
    align = (
        "|"
        + "|".join(
            ("-" * (w - 1) + ":") if df.schema[c].is_numeric() else (":" + "-" * (w - 1))
            for c, w in zip(kolumner, widths, strict=True)
        )
        + "|"
    )
    body = ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join([header, align, *body])


def stil() -> None:
    """One matplotlib style for every figure: Okabe–Ito colours, a font with å/ä/ö (DejaVu Sans),
    light horizontal grid, no top/right frame. Call once at the top of a report."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (7.5, 4.0),
            "figure.dpi": 100,
            "font.family": "DejaVu Sans",
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.titlelocation": "left",
            "axes.labelsize": 10,
            "axes.labelcolor": "#333333",
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": cycler(color=FARGER),
            "axes.grid": True,
            "axes.grid.axis": "y",
            "axes.axisbelow": True,
            "grid.color": "#dddddd",
            "lines.linewidth": 2.0,
            "legend.frameon": False,
            "axes.formatter.use_locale": False,  # the formatters below write Swedish numbers
        }
    )


def _decimaler(value: float, hogst: int = 3) -> int:
    """The fewest decimals that show ``value`` exactly (up to ``hogst``): 2.5 → 1, 1000.0 → 0."""
    for d in range(hogst + 1):
        if abs(round(value, d) - value) < 1e-9 * max(1.0, abs(value)):
            return d
    return hogst


def talformat(procent: bool = False, decimaler: int | None = None) -> Any:
    """A matplotlib tick formatter in Swedish: "248 653", "2,5", "6,2 %" (decimal comma, space as
    thousands separator). ``procent``: values are shares 0–1. ``decimaler`` None: as few as the tick
    needs, so ticks 0, 2,5, 5 are not all rounded to whole numbers."""
    from matplotlib.ticker import FuncFormatter

    def format_tick(value: float, _pos: object = None) -> str:
        shown = value * 100 if procent else value
        d = _decimaler(shown) if decimaler is None else decimaler
        return formatering.procent(value, d, " ") if procent else formatering.tal(value, d, " ")

    return FuncFormatter(format_tick)


def arformat() -> Any:
    """A tick formatter for years: "2020" (never "2 020"), whole years only."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(
        lambda value, _pos=None: str(round(value)) if abs(value - round(value)) < 1e-9 else ""
    )


def svenska_axlar(ax: Any, procent: bool = False, decimaler: int | None = None, x: str | None = "ar") -> None:
    """Swedish tick labels on both axes. The y axis shows numbers ("248 653") or, with ``procent``,
    shares ("21,4 %"); ``x`` is "ar" (years: "2020", whole years), "tal", "procent", or None for
    a categorical axis left as it is."""
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))  # round ticks: 5 %, not 2,5 %
    ax.yaxis.set_major_formatter(talformat(procent, decimaler))
    if x == "ar":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(arformat())
    elif x in ("tal", "procent"):
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 5, 10]))
        ax.xaxis.set_major_formatter(talformat(x == "procent"))
    elif x is not None:
        raise ValueError(f"x={x!r}: välj 'ar', 'tal', 'procent' eller None")
