"""Deliveries: what a delivered file means, which delivery is current for a period, withdrawals.

A **delivery** is one accepted file for a source, numbered in the order it was accepted (the
number is unique in the workspace and is what ``analysplan aterkalla ID`` takes). The log of
deliveries is ``incoming/leveranser.json``; the files themselves stay content-addressed in
``incoming/<source>/`` and are never deleted by a withdrawal.

For the monthly sources (``kpp-kontakter``, ``svf-handelser``) a delivery **replaces its period**:

- the period is a month (``2024-03``) or a year (``2024``), read from the file name
  (``kpp_2024_03.csv``, ``kpp_norrbotten_2024.csv``, ``svf_handelser_2025_jan_jun.csv`` → 2025);
  a name without one gives the data's own span (one month, else the years its rows fall in);
- a new delivery replaces every *earlier* delivery whose period lies within its own (all of that
  delivery's rows), and of the others the rows that fall in a month both periods hold (by the row's
  month: ``ar``/``manad`` for KPP, ``datum`` for SVF); it adds all of its own rows. So a corrected
  month replaces exactly that month, a full-year re-delivery deletes the contacts it no longer has,
  and a month delivered after its year replaces that month of the year file. A row outside its own
  file's period (a late correction of an earlier month, a December pathway's January event) stays
  until that file is replaced; the most recently delivered version of a contact wins in the core
  table, as before;
- withdrawing a delivery brings back what it replaced (the earlier delivery's rows for that
  period), or leaves the period empty when there was none;
- re-sending a file whose content is already current is a no-op that names the delivery it
  matches; re-sending one that was replaced or withdrawn makes it a new delivery, current again
  (how a wrong correction is undone by re-sending the original).

Other sources keep their per-file semantics: every accepted file is current until withdrawn.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.formatering import tal
from pipelines.sources.registry import StagedRows
from pipelines.workspace import Workspace, atomic_write

# The month ("YYYY-MM") of a raw row, per monthly source: evaluated on the reader's columns.
PERIOD_SQL: dict[str, str] = {
    "kpp-kontakter": "printf('%04d-%02d', ar::INTEGER, manad::INTEGER)",
    "svf-handelser": "strftime(datum::DATE, '%Y-%m')",
}
# The columns PERIOD_SQL reads: grouping by them first formats a period once per distinct value,
# not once per row (millions of contacts, a few dozen months).
PERIOD_COLUMNS: dict[str, tuple[str, ...]] = {"kpp-kontakter": ("ar", "manad"), "svf-handelser": ("datum",)}


def distinct_periods_sql(source: str, table_sql: str, keys: tuple[str, ...] = ()) -> str:
    """``SELECT DISTINCT <keys>, <period> AS m`` of ``table_sql`` (non-monthly sources: ``''``), the
    distinct (keys, period columns) taken first."""
    inner = ", ".join([*keys, *PERIOD_COLUMNS.get(source, ())]) or "1"
    outer = ", ".join([*keys, f"{PERIOD_SQL.get(source, chr(39) * 2)} AS m"])
    return f"SELECT DISTINCT {outer} FROM (SELECT DISTINCT {inner} FROM {table_sql})"


ROW_NOUN: dict[str, str] = {"kpp-kontakter": "kontakter", "svf-handelser": "händelser"}

_NAME_PERIOD = re.compile(r"(?<![0-9])(20[0-9]{2})(?:[-_ ]?(0[1-9]|1[0-2]))?(?![0-9])")
LOG_NAME = "leveranser.json"


def is_monthly(source: str) -> bool:
    return source in PERIOD_SQL


def row_noun(source: str) -> str:
    return ROW_NOUN.get(source, "rader")


def count(n: int, source: str) -> str:
    return f"{tal(n, 0, ' ')} {row_noun(source)}"


@dataclass(frozen=True)
class Delivery:
    id: int
    source: str
    sha256: str
    original_name: str
    delivered_at: datetime
    # rows per month ("YYYY-MM") for monthly sources; {"": rows} for the others
    months: Mapping[str, int] = field(default_factory=dict)
    # months or years the delivery replaces (monthly sources); () for the others
    period: tuple[str, ...] = ()
    withdrawn_at: datetime | None = None

    @property
    def rows(self) -> int:
        return sum(self.months.values())

    @property
    def period_text(self) -> str:
        return ", ".join(self.period) if self.period else "hela filen"

    def covers(self, month: str) -> bool:
        return any(month == p or month.startswith(p + "-") for p in self.period)

    def label(self) -> str:
        return f"leverans {self.id} ({self.original_name})"

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kalla": self.source,
            "sha256": self.sha256,
            "filnamn": self.original_name,
            "levererad": self.delivered_at.isoformat(),
            "period": list(self.period),
            "rader_per_manad": dict(self.months),
            "aterkallad": self.withdrawn_at.isoformat() if self.withdrawn_at else None,
        }

    @staticmethod
    def from_json(d: Mapping[str, object]) -> Delivery:
        withdrawn = d.get("aterkallad")
        months = d["rader_per_manad"]
        period = d["period"]
        assert isinstance(months, dict) and isinstance(period, list)
        return Delivery(
            id=int(str(d["id"])),
            source=str(d["kalla"]),
            sha256=str(d["sha256"]),
            original_name=str(d["filnamn"]),
            delivered_at=datetime.fromisoformat(str(d["levererad"])),
            months={str(k): int(v) for k, v in months.items()},
            period=tuple(str(p) for p in period),
            withdrawn_at=datetime.fromisoformat(str(withdrawn)) if withdrawn else None,
        )


def months_of(source: str, table: pa.Table | StagedRows) -> dict[str, int]:
    """Rows per month of a parsed file (monthly sources), else ``{"": rows}``."""
    if not is_monthly(source):
        return {"": table.num_rows}
    cols = ", ".join(PERIOD_COLUMNS[source])
    if isinstance(table, StagedRows):  # already in the raw table of the open transaction
        t = table.target
        grouped = f'SELECT {cols}, count(*) AS n FROM "{t.table}" WHERE {t.rows_of} GROUP BY ALL'
        query = f"SELECT {PERIOD_SQL[source]} AS m, sum(n) FROM ({grouped}) GROUP BY m ORDER BY m"
        rows = t.con.execute(query, t.bind(query)).fetchall()
        return {str(m): int(n) for m, n in rows}
    con = duckdb.connect(":memory:")
    try:
        con.register("t", table)
        grouped = f"SELECT {cols}, count(*) AS n FROM t GROUP BY ALL"  # a row per distinct value
        rows = con.sql(
            f"SELECT {PERIOD_SQL[source]} AS m, sum(n) FROM ({grouped}) GROUP BY m ORDER BY m"
        ).fetchall()
    finally:
        con.close()
    return {str(m): int(n) for m, n in rows}


def period_of(source: str, file_name: str, months: Mapping[str, int]) -> tuple[str, ...]:
    """The period a delivered file replaces: a month or year from its name, else the data's span."""
    if not is_monthly(source):
        return ()
    found = {(y, m) for y, m in _NAME_PERIOD.findall(Path(file_name).stem)}
    if len(found) == 1:
        year, month = found.pop()
        return (f"{year}-{month}",) if month else (year,)
    data_months = sorted(m for m in months if m)
    if len(data_months) == 1:
        return (data_months[0],)
    return tuple(sorted({m[:4] for m in data_months}))


def period_problem(delivery: Delivery) -> str | None:
    """Why a file's period cannot be right: none of its rows falls in it."""
    if delivery.period and not any(delivery.covers(m) for m in delivery.months):
        return (
            f"filnamnet anger perioden {delivery.period_text}, men ingen av filens rader ligger i den "
            f"(raderna gäller {', '.join(sorted(delivery.months))}); byt namn på filen så att den anger "
            "rätt månad (ÅÅÅÅ_MM) eller år"
        )
    return None


# --- the log -----------------------------------------------------------------------------------


def log_path(ws: Workspace) -> Path:
    return ws.incoming / LOG_NAME


def read_log(ws: Workspace) -> list[Delivery]:
    path = log_path(ws)
    if not path.exists():
        return []
    return [Delivery.from_json(d) for d in json.loads(path.read_text(encoding="utf-8"))]


def write_log(ws: Workspace, deliveries: Sequence[Delivery]) -> None:
    ws.incoming.mkdir(parents=True, exist_ok=True)
    data = json.dumps(
        [d.as_json() for d in sorted(deliveries, key=lambda d: d.id)], ensure_ascii=False, indent=1
    )
    atomic_write(log_path(ws), data.encode())


def next_id(deliveries: Iterable[Delivery]) -> int:
    return max((d.id for d in deliveries), default=0) + 1


# --- what is current ---------------------------------------------------------------------------


def live(deliveries: Sequence[Delivery], source: str) -> dict[int, dict[str, int]]:
    """Per delivery of ``source``: the months (rows per month) it currently holds; only those with any.

    A delivery's rows in month *m* are current unless a later, not withdrawn delivery's period
    covers *m* (monthly sources), or a later delivery has the same content (the others).
    """
    active = sorted(
        (d for d in deliveries if d.source == source and d.withdrawn_at is None), key=lambda d: d.id
    )
    out: dict[int, dict[str, int]] = {}
    for i, d in enumerate(active):
        later = active[i + 1 :]
        if is_monthly(source):
            held = {m: n for m, n in d.months.items() if not any(_replaces(e, d, m) for e in later)}
        else:
            held = {} if any(e.sha256 == d.sha256 for e in later) else dict(d.months)
        if held:
            out[d.id] = held
    return out


def _replaces(new: Delivery, old: Delivery, month: str) -> bool:
    """Whether ``new`` replaces ``old``'s rows in ``month``: all of them when its period contains
    ``old``'s whole period, else those in a month both periods hold (a row outside its own file's
    period, e.g. a December pathway's January event, stays until that file is replaced)."""
    if old.period and all(new.covers(p) for p in old.period):
        return True
    return new.covers(month) and old.covers(month)


def current_match(deliveries: Sequence[Delivery], source: str, sha256: str) -> Delivery | None:
    """The current delivery with this content that holds all of its rows (a re-send changes nothing)."""
    held = live(deliveries, source)
    for d in deliveries:
        if d.source == source and d.sha256 == sha256 and held.get(d.id) == dict(d.months):
            return d
    return None


@dataclass(frozen=True)
class Change:
    """What a new state of the log does to the tables, in words."""

    source: str
    lines: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.lines)


def describe(before: Sequence[Delivery], after: Sequence[Delivery], source: str) -> Change:
    """Lines such as "ersätter 12 408 kontakter från kpp_2024_03.csv (leverans 3)"."""
    old, new = live(before, source), live(after, source)
    known = {d.id for d in before}
    by_id = {d.id: d for d in after}
    lines: list[str] = []
    for did in sorted(new):
        d = by_id[did]
        if did not in known:
            lines.append(
                f"{d.original_name} (leverans {did}, period {d.period_text}): {count(d.rows, source)}"
            )
            continue
        gained = sum(n for m, n in new[did].items() if m not in old.get(did, {}))
        if gained:
            lines.append(f"återställer {count(gained, source)} från {d.original_name} (leverans {did})")
    for did in sorted(old):
        lost = sum(n for m, n in old[did].items() if m not in new.get(did, {}))
        if lost:
            d = by_id[did]
            verb = "tar bort" if d.withdrawn_at is not None else "ersätter"
            lines.append(f"{verb} {count(lost, source)} från {d.original_name} (leverans {did})")
    return Change(source, tuple(lines))


PARTITIONS = "manad"  # Dagster's dynamic partitions of the monthly raw tables (assets/sources.py)


def current_months(deliveries: Sequence[Delivery]) -> list[str]:
    """The months that hold current rows in any monthly source: the raw tables' partitions."""
    return sorted({m for s in PERIOD_SQL for held in live(deliveries, s).values() for m in held if m})


def changed_months(before: Sequence[Delivery], after: Sequence[Delivery], source: str) -> set[str]:
    """The months whose current rows differ between two states of the log (monthly sources)."""
    if not is_monthly(source):
        return set()
    old, new = live(before, source), live(after, source)

    def owners(held: Mapping[int, Mapping[str, int]]) -> set[tuple[int, str]]:
        return {(did, m) for did, months in held.items() for m in months}

    return {m for _, m in owners(old) ^ owners(new)}


def withdraw(deliveries: Sequence[Delivery], delivery_id: int, at: datetime) -> list[Delivery]:
    """The log with delivery ``delivery_id`` withdrawn (KeyError / ValueError with a Swedish message)."""
    found = [d for d in deliveries if d.id == delivery_id]
    if not found:
        raise KeyError(f"det finns ingen leverans {delivery_id}; se `analysplan leveranser`")
    if found[0].withdrawn_at is not None:
        raise ValueError(
            f"{found[0].label()} är redan återkallad ({found[0].withdrawn_at:%Y-%m-%d %H:%M}); "
            "skicka filen igen med `analysplan ingest` för att göra den aktuell"
        )
    return [replace(d, withdrawn_at=at) if d.id == delivery_id else d for d in deliveries]


def status(d: Delivery, held: Mapping[int, Mapping[str, int]]) -> str:
    if d.withdrawn_at is not None:
        return "återkallad"
    if d.id not in held:
        return "ersatt"
    if dict(held[d.id]) != dict(d.months):
        return "delvis ersatt"
    return "aktuell"
