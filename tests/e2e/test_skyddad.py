"""Small counts in the warehouse itself: every out_* table of the demo whose sql/schema.yml declares
counts (``skydd.antal``) carries ``skyddad``, true exactly on the rows where a count is 1–4 — what
``analysplan sql`` or a notebook sees, not only what a report freezes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pipelines import schema, warehouse

pytestmark = pytest.mark.e2e

# The tables in which issue 10 found rows with 1–4 contacts or individuals, reachable by `sql`.
FOUND_SMALL = (
    "out_kpp__cancer",
    "out_kpp__sjukhus",
    "out_kpp__ytterfall",
    "out_kpp__ytterfall_fordelning",
    "out_svf__ledtider",
)


def test_skyddad_marks_exactly_the_rows_with_1_to_4(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    declared = {
        t: list(d["skydd"]["antal"])
        for t, d in schema.documented().items()
        if isinstance(d.get("skydd"), dict)
    }
    assert set(FOUND_SMALL) <= set(declared)
    flagged: dict[str, int] = {}
    with warehouse.connect(home / "warehouse.duckdb", read_only=True) as con:
        for table, counts in sorted(declared.items()):
            columns = schema.materialised_columns(con, table)
            assert columns.get("skyddad") == "BOOLEAN", table
            small = " OR ".join(f'("{c}" >= 1 AND "{c}" <= 4)' for c in counts)  # 5 = the default threshold
            wrong = warehouse.scalar(
                con, f'SELECT count(*) FROM "{table}" WHERE skyddad IS DISTINCT FROM coalesce({small}, false)'
            )
            assert wrong == 0, f"{table}: {wrong} rows with skyddad wrong"
            flagged[table] = warehouse.scalar(con, f'SELECT count(*) FROM "{table}" WHERE skyddad')
    for table in FOUND_SMALL:
        assert flagged[table] > 0, f"{table}: the demo has small counts here; the test must see some"
