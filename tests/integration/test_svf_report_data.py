"""The SVF report's text follows its data: rendered on two small warehouses, a sentence's number changes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb

from pipelines import publish, render, warehouse
from pipelines.parametrar import Parametrar
from tests.integration.test_out_svf import events, load
from tests.integration.test_out_svf_baslinje import vis_tables

TABLES = (
    "out_svf__ledtider",
    "out_svf__ledtider_grupper",
    "out_svf__leveransar",
    "out_svf__nya_forlopp_baslinje",
)


def _render(con: duckdb.DuckDBPyConnection, rows: list[tuple], folder: Path) -> str:
    load(con, rows)
    warehouse.build_table(con, "out_svf__nya_forlopp_baslinje", {"lan": "25", **Parametrar().as_sql_params()})
    data = folder / "data"
    data.mkdir(parents=True)
    for table in TABLES:
        con.sql(f"SELECT * FROM {table}").write_parquet(str(data / f"{table}.parquet"))
    out = render.render(
        publish.report_qmd("svf"),
        folder / "out",
        formats=("html",),
        env={"ANALYSPLAN_REPORT_DATA": str(data)},
        engine="builtin",
    )
    return " ".join(out["html"].read_text(encoding="utf-8").split())


def test_the_summary_sentence_changes_with_the_data(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    con.execute(
        "CREATE TABLE core_svf__maxledtider AS SELECT * FROM (VALUES ('VC0', 'Lungcancer', 'kirurgi', 30, 0.8), "
        "('VC0', 'Lungcancer', 'lakemedel', 20, 0.8)) t(svf, svf_namn, behandlingstyp, max_ledtid_dagar, nationellt_mal)"
    )
    con.execute(
        "CREATE TABLE core_svf__aggregat AS SELECT * FROM (VALUES ('VC0', '00', 2020, 'ar', 1000, 600, 28.0, false)) "
        "t(svf, region_kod, ar, periodtyp, antal, antal_inom_maxledtid, median_ledtid, undertryckt)"
    )
    vis_tables(con)
    first = _render(con, events(), tmp_path / "a")
    # 6 of the county's 9 treated pathways of 2020 within the maximum lead time: 67 %, above riket's 60 %
    assert "År 2020 startade 67 % av länets 9 patienter" in first
    assert "högre än riket (60 %)" in first
    # p3's lead time 31 → 29 days: now within the maximum, 7 of 9 = 78 %
    changed = [
        r if not (r[0] == "p3" and r[8] == "VC050") else (*r[:9], r[9] - timedelta(days=2), *r[10:])
        for r in events()
    ]
    second = _render(con, changed, tmp_path / "b")
    assert "År 2020 startade 78 % av länets 9 patienter" in second
    assert "67 %" not in second.split("Sammanfattning")[1].split("Källor och metod")[0]
