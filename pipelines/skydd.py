"""Small-cell protection: nothing computed from fewer than ``minsta_antal`` individuals leaves the warehouse.

Every ``out_*`` table that a report may freeze declares in ``sql/schema.yml`` which of its columns
are counts of individuals or contacts and which columns are computed from each count::

    skydd:
      antal:                                  # count column → the columns computed from it
        antal_kontakter: [andel_ytterfall, kostnad_kr]
        antal_ytterfall: [kostnad_ytterfall_kr, andel_kostnad_ytterfall]
      summeras_over: [[grupp]]                # rows equal on the rest of the grain add up to a total
      dolj_i_gruppen: [andel_kumulativ]       # running totals, copies of other rows (optional)

The first count is the row's base: when it is hidden, every protected column of the row is hidden.

Rules, applied when a report freezes a table (:func:`protect`):

1. **Primary suppression.** A count ``1 ≤ n < minsta_antal`` is hidden (NULL), and so is every column
   computed from it. (A count of 0 is shown: it describes no individual — but it takes part in rule 2.)
2. **Complementary suppression.** For each ``summeras_over`` set S, rows that are equal on the grain
   columns outside S form a group whose counts add up to a total shown elsewhere (a ``alla`` row, the
   total of a dimension, another table). When exactly one cell of a count column is hidden in such a
   group, the smallest shown cell of that column in the group is hidden too, so the hidden value cannot
   be recovered by subtraction. Repeated until nothing changes (a second hide can make another group
   need one).
3. A column that carries other rows' values (``dolj_i_gruppen``: a running total such as a cumulative
   share by rank, which gives a hidden row away as the step between its neighbours, or a "kvinnor"
   value repeated on the "alla" row) is hidden in every row of a group where any cell is hidden.
4. Every row gets ``skyddad`` = whether any of its cells was hidden, so a report can footnote it.

Tables on patient or contact level (a ``patient_id`` or ``vardkontakt_id`` column) are never frozen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

PATIENT_COLUMNS = ("patient_id", "vardkontakt_id")
STRECK = "–"


class SkyddsFel(ValueError):
    """A table that may not leave the warehouse, or a protection spec that does not fit its table."""


def check_spec(table: str, columns: Sequence[str], spec: Mapping[str, Any]) -> None:
    antal = spec.get("antal") or {}
    if not antal:
        raise SkyddsFel(f"{table}: skydd.antal saknas")
    for count, derived in antal.items():
        for col in (count, *derived):
            if col not in columns:
                raise SkyddsFel(f"{table}: skydd nämner kolumnen {col!r}, som tabellen inte har")
    for col in spec.get("dolj_i_gruppen") or []:
        if col not in columns:
            raise SkyddsFel(f"{table}: skydd.dolj_i_gruppen nämner {col!r}, som tabellen inte har")
    for group in spec.get("summeras_over") or []:
        for col in group:
            if col not in columns:
                raise SkyddsFel(f"{table}: skydd.summeras_over nämner {col!r}, som tabellen inte har")


def refuse_patient_level(df: pl.DataFrame, table: str) -> None:
    for col in PATIENT_COLUMNS:
        if col in df.columns:
            raise SkyddsFel(f"{table} har uppgifter på individnivå ({col}) och får inte lämna lagret")


def protect(
    df: pl.DataFrame,
    spec: Mapping[str, Any],
    grain: Sequence[str],
    minsta_antal: int,
    table: str = "tabellen",
) -> pl.DataFrame:
    """``df`` with small cells and their complements hidden (NULL) and a ``skyddad`` column added."""
    refuse_patient_level(df, table)
    check_spec(table, df.columns, spec)
    counts: dict[str, list[str]] = {c: list(d) for c, d in spec["antal"].items()}
    base = next(iter(counts))
    sets: list[list[str]] = [list(s) for s in spec.get("summeras_over") or []]

    n = df.height
    values = {c: df[c].to_list() for c in counts}
    hidden = {c: [v is not None and 1 <= v < minsta_antal for v in values[c]] for c in counts}

    # Groups for complementary suppression, as lists of row indices (row order: the grain's order).
    order = df.with_row_index("_i").sort([g for g in grain if g in df.columns], nulls_last=True)["_i"]
    groupings: list[list[list[int]]] = []
    for s in sets:
        keys = [g for g in grain if g in df.columns and g not in s]
        rows: dict[tuple[Any, ...], list[int]] = {}
        key_values = df.select(keys).rows() if keys else [()] * n
        for i in order:
            rows.setdefault(tuple(key_values[i]), []).append(int(i))
        groupings.append([r for r in rows.values() if len(r) >= 2])

    changed = True
    while changed:
        changed = False
        for c in counts:
            if hidden[c] is hidden[base]:
                continue
            for i in range(n):  # a hidden base hides the row's other counts
                if hidden[base][i] and not hidden[c][i]:
                    hidden[c][i] = True
                    changed = True
        for groups in groupings:
            for c in counts:
                for rows_ in groups:
                    if sum(hidden[c][i] for i in rows_) != 1:
                        continue
                    shown = [i for i in rows_ if not hidden[c][i] and values[c][i] is not None]
                    if not shown:
                        continue
                    pick = min(shown, key=lambda i: values[c][i])
                    hidden[c][pick] = True
                    changed = True

    protected = [c for c in df.columns if c in counts or any(c in d for d in counts.values())]
    mask_for: dict[str, list[bool]] = {}
    for col in protected:
        mask = [False] * n
        for c, derived in counts.items():
            if col == c or col in derived:
                mask = [m or h for m, h in zip(mask, hidden[c], strict=True)]
        mask_for[col] = [m or hb for m, hb in zip(mask, hidden[base], strict=True)]
    any_hidden = [any(mask_for[col][i] for col in protected) for i in range(n)]
    for col in spec.get("dolj_i_gruppen") or []:
        mask = [False] * n
        for groups in groupings:
            for rows_ in groups:
                if any(any_hidden[i] for i in rows_):
                    for i in rows_:
                        mask[i] = True
        mask_for[col] = [m or mask_for.get(col, [False] * n)[i] for i, m in enumerate(mask)]
        if col not in protected:
            protected.append(col)
    any_hidden = [any(mask_for[col][i] for col in protected) for i in range(n)]
    out = df.with_columns(
        [pl.when(pl.Series(mask_for[col])).then(None).otherwise(pl.col(col)).alias(col) for col in protected]
    )
    return out.with_columns(pl.Series("skyddad", any_hidden, dtype=pl.Boolean))


def violations(df: pl.DataFrame, spec: Mapping[str, Any], minsta_antal: int) -> list[str]:
    """Cells of a frozen table that show a count in 1..minsta_antal-1 (for the scan over outputs)."""
    out = []
    for c in spec.get("antal") or {}:
        if c in df.columns:
            bad = df.filter(pl.col(c).is_not_null() & (pl.col(c) >= 1) & (pl.col(c) < minsta_antal))
            if bad.height:
                out.append(f"{c}: {bad.height} rader med 1–{minsta_antal - 1}")
    return out
