"""The skydd declarations of the KPP 2020 and cancer tables (sql/schema.yml), applied as publish applies them."""

from __future__ import annotations

import polars as pl

from pipelines import schema, skydd


def protect(table: str, df: pl.DataFrame) -> pl.DataFrame:
    doc = schema.documented()[table]
    return skydd.protect(df, doc["skydd"], doc["korn"], 5, table)


def cancer_rows(rows: list[tuple[str, int, int, float]]) -> pl.DataFrame:
    cols = schema.columns("out_kpp__cancer")
    data = {c: [None] * len(rows) for c in cols}
    data.update(
        ar=[2019] * len(rows), grupp=["cancer"] * len(rows), kon=["alla"] * len(rows),
        aldersgrupp=["alla"] * len(rows), vardform=["alla"] * len(rows),
        sjukhus=[r[0] for r in rows], sjukhus_namn=[r[0] for r in rows],
        antal_individer=[r[1] for r in rows], antal_kontakter=[r[2] for r in rows],
        kostnad_kr=[r[3] for r in rows], vardtid_dagar=[0] * len(rows),
    )  # fmt: skip
    return pl.DataFrame(data)


def test_cancer_cells_are_protected_by_their_individuals() -> None:
    # PIT: 3 patients with 12 contacts between them — hidden, although 12 contacts is not a small count
    out = protect(
        "out_kpp__cancer",
        cancer_rows([("alla", 40, 112, 9e5), ("SUN", 30, 80, 7e5), ("PIT", 3, 12, 1e5), ("GAL", 8, 20, 1e5)]),
    )
    by = {r["sjukhus"]: r for r in out.iter_rows(named=True)}
    assert by["PIT"]["antal_individer"] is None and by["PIT"]["antal_kontakter"] is None
    assert by["PIT"]["kostnad_kr"] is None and by["PIT"]["skyddad"]
    # the complement: the smallest other hospital is hidden too, so PIT cannot be had by subtraction
    assert by["GAL"]["antal_kontakter"] is None and by["GAL"]["kostnad_kr"] is None
    assert by["SUN"]["antal_individer"] == 30 and by["alla"]["antal_individer"] == 40


def test_the_cancer_table_is_protected_by_individuals() -> None:
    # (every report table's declaration is checked in tests/unit/test_skydd.py)
    # the cancer table's row base is the count of individuals, not of contacts
    assert next(iter(schema.documented()["out_kpp__cancer"]["skydd"]["antal"])) == "antal_individer"
