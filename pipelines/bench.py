"""`analysplan bench`: the derivation layer timed against the same analyses written as plain pandas.

Setup (not timed): the demo generator makes Norrbotten's KPP extracts at ``scale`` for the plan's
years 2016–2019 (the demografi period; scale 1 ≈ 2 M contacts a year), the weight lists, riket's
aggregates and the demo LPIK; they go through the real core SQL and are written to Parquet. Then two
fresh processes each read that Parquet and run, timed:

* analysplan — the warehouse SQL: ``out_kpp__kontakter`` (ytterfall limits and flags),
  ``out_kpp__ytterfall`` (shares by dimension, county and riket) and ``out_kpp__demografi_klinik``;
* pandas — the same ytterfall and demografi derivations written as an analyst would script them.

Each process reports its wall time for the derivations and its peak resident memory; both must agree
on the results (ytterfall count and cost, demographic cost), or the benchmark fails. The ratio is
pandas / analysplan (above 1 = the pipeline is faster).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines import reference, warehouse
from pipelines.parametrar import Parametrar

BENCH_YEARS = (2016, 2017, 2018, 2019)
TABLES = ("core_kpp__kontakter", "core_drg__vikter", "core_kpp__riket", "core_skr__prisindex")


@dataclass(frozen=True)
class BenchResult:
    scale: float
    rows: int
    analysplan_s: float
    pandas_s: float
    ratio: float
    analysplan_peak_mb: float
    pandas_peak_mb: float


def prepare(folder: Path, scale: float, seed: int = 20200101) -> int:
    """Write the core tables at ``scale`` to ``folder/<table>.parquet``; returns the contact count."""
    import polars as pl

    from pipelines.demo import kpp as demo
    from pipelines.demo import prisindex as demo_prisindex

    model = demo.build_model(seed)
    con = duckdb.connect()
    warehouse.install_macros(con)
    inlast = datetime(2020, 1, 1)

    def raw(table: str, frame: pl.DataFrame) -> None:
        arrow = frame.with_row_index("kalla_rad", offset=2).to_arrow()
        arrow = arrow.append_column("kalla_fil", pa.array([f"{table}.csv"] * arrow.num_rows))
        arrow = arrow.append_column("kalla_sha256", pa.array(["bench"] * arrow.num_rows))
        arrow = arrow.append_column("kalla_inlast", pa.array([inlast] * arrow.num_rows, pa.timestamp("us")))
        con.register("frame", arrow)
        con.execute(
            f"CREATE TABLE {table} AS SELECT * EXCLUDE (kalla_rad), kalla_rad::BIGINT AS kalla_rad FROM frame"
        )
        con.unregister("frame")

    raw("raw_drg__vikter", pl.concat([demo.weight_list_frame(model, y) for y in BENCH_YEARS]))
    lpik = sorted(demo_prisindex.UTFALL.items())
    raw(
        "raw_skr__prisindex",
        pl.DataFrame(
            {
                "prisindex": ["LPIK"] * len(lpik),
                "ar": [a for a, _ in lpik],
                "forandring_procent": [v for _, v in lpik],
                "typ": ["utfall"] * len(lpik),
                "publicerad": [demo_prisindex.UTFALL_PUBLICERAD] * len(lpik),
            }
        ),
    )
    raw("raw_kpp__riket", demo.riket_frame(model, seed=seed).filter(pl.col("ar").is_in(BENCH_YEARS)))
    raw(
        "raw_kpp__kontakter",
        pl.concat([demo.extract_frame(model, y, seed=seed, scale=scale) for y in BENCH_YEARS]),
    )
    params = {"lan": reference.NORRBOTTEN}  # the county the demo data simulates
    for table in TABLES:
        warehouse.build_table(con, table, params)
        con.execute(f"COPY {table} TO '{folder / table}.parquet' (FORMAT parquet)")
    rows = warehouse.table_rows(con, "core_kpp__kontakter")
    con.close()
    return rows


def _peak_mb() -> float:
    """Peak resident memory of this process. VmHWM belongs to the process's own address space, so
    unlike ru_maxrss it does not carry over the parent's peak through fork and exec."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_analysplan(folder: Path) -> dict[str, Any]:
    from pipelines import ingest

    con = duckdb.connect()
    warehouse.install_macros(con)
    con.execute(warehouse.META_DDL)
    ingest.build_reference(con)
    for table in TABLES:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{folder / table}.parquet')")
    params = {"lan": reference.NORRBOTTEN, **Parametrar().as_sql_params()}
    started = time.perf_counter()
    for table in ("out_kpp__kontakter", "out_kpp__ytterfall", "out_kpp__demografi_klinik"):
        warehouse.build_table(con, table, params)
    seconds = time.perf_counter() - started
    check = con.sql(
        "SELECT (SELECT count(*) FILTER (WHERE ytterfall) FROM out_kpp__kontakter), "
        "(SELECT sum(kostnad_kr) FILTER (WHERE ytterfall) FROM out_kpp__kontakter), "
        "(SELECT demografisk_kostnad_kr FROM out_kpp__demografi_klinik WHERE niva_kod = 'lan')"
    ).fetchall()[0]
    return {"seconds": seconds, "peak_mb": _peak_mb(), "check": list(check)}


def _icd10_chapter(codes: pd.Series) -> pd.Series:
    first = codes.str[0].str.upper()
    three = codes.str[:3].str.upper()
    conditions = [
        first.isin(["A", "B"]),
        (first == "C") | ((three >= "D00") & (three <= "D48")),
        first == "D", first == "E", first == "F", first == "G",
        (three >= "H00") & (three <= "H59"),
        first == "H", first == "I", first == "J", first == "K", first == "L", first == "M", first == "N",
        first == "O", first == "P", first == "Q", first == "R", first.isin(["S", "T"]),
        first.isin(["V", "W", "X", "Y"]), first == "Z", first == "U",
    ]  # fmt: skip
    chapters = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV",
                "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII"]  # fmt: skip
    return pd.Series(np.select(conditions, chapters, default="okant"), index=codes.index)


def run_pandas(folder: Path) -> dict[str, Any]:
    """The same derivations as an analyst would script them in pandas (the benchmark's baseline)."""
    p = Parametrar()
    k = pd.read_parquet(folder / "core_kpp__kontakter.parquet")
    v = pd.read_parquet(folder / "core_drg__vikter.parquet")
    r = pd.read_parquet(folder / "core_kpp__riket.parquet")
    pris = pd.read_parquet(folder / "core_skr__prisindex.parquet")
    started = time.perf_counter()
    # --- ytterfall limit and flag per contact (Socialstyrelsen's limit, else riket's mean cost × the
    #     median ratio limit / riket's mean over the DRGs with a limit, else percentiles) ---
    alla = r[(r["region_kod"] == "00") & (r["jamforelsegrupp"] == "alla")]
    summor = alla.groupby(["ar", "drg"])[["kostnad", "antal_kontakter"]].sum()
    antal = summor["antal_kontakter"].where(summor["antal_kontakter"] > 0)
    medel = (summor["kostnad"] / antal).rename("medel")
    med_grans = v.merge(medel.reset_index(), on=["ar", "drg"])
    med_grans = med_grans[med_grans["kostnadsgrans"].notna() & (med_grans["medel"] > 0)]
    kvot = (
        (med_grans["kostnadsgrans"] / med_grans["medel"])
        .groupby([med_grans["ar"], med_grans["vardform"]])
        .median()
        .rename("kvot")
    )
    vikter = v[["ar", "drg", "vikt", "mdc", "kostnadsgrans", "vardform"]]
    vikter = vikter.rename(columns={"vardform": "vf_vikt"})
    k = k.merge(vikter, on=["ar", "drg"], how="left")
    k = k.merge(medel.reset_index(), on=["ar", "drg"], how="left")
    k["vf_kvot"] = k["vf_vikt"].fillna(k["vardform"])
    k = k.merge(kvot.reset_index().rename(columns={"vardform": "vf_kvot"}), on=["ar", "vf_kvot"], how="left")
    k["kostnadsgrans"] = k["kostnadsgrans"].fillna(k["kvot"] * k["medel"])
    andel = np.where(k["vardform"] == "sluten", p.ytterfall_andel_sluten, p.ytterfall_andel_oppen)
    k["q"] = 1 - andel
    limits = []
    for (vardform, q_key), part in k.groupby(["vardform", "q"]):
        q = float(q_key)  # type: ignore[arg-type]
        per_drg = part.groupby(["ar", "drg"])["kostnad"].agg(n="size", grans_drg=lambda s, q=q: s.quantile(q))
        per_drg["vardform"] = vardform
        whole = part.groupby("ar")["kostnad"].quantile(q).rename("grans_vardform").reset_index()
        limits.append(per_drg.reset_index().merge(whole, on="ar"))
    grans = pd.concat(limits)
    k = k.merge(grans, on=["ar", "drg", "vardform"], how="left")
    percentil = np.where(k["n"] >= p.ytterfall_minsta_antal, k["grans_drg"], k["grans_vardform"])
    k["ytterfallsgrans"] = k["kostnadsgrans"].fillna(pd.Series(percentil, index=k.index))
    k["ytterfall"] = k["kostnad"] > k["ytterfallsgrans"]
    k["aldersgrupp"] = np.where(k["alder"] < 65, "0-64", "65+")
    k["diagnoskapitel"] = _icd10_chapter(k["huvuddiagnos"])
    # --- ytterfall shares by dimension, vårdform and all forms, county and riket ---
    tables = []
    for dim in ("aldersgrupp", "kon", "sjukhus", "mdc", "diagnoskapitel", "drg"):
        for keys in (["ar", "vardform", dim], ["ar", dim]):
            g = k.groupby(keys).agg(
                antal_kontakter=("ytterfall", "size"),
                antal_ytterfall=("ytterfall", "sum"),
                kostnad=("kostnad", "sum"),
                kostnad_ytterfall=("kostnad", lambda s: s[k.loc[s.index, "ytterfall"]].sum()),
            )
            g["andel_ytterfall"] = g["antal_ytterfall"] / g["antal_kontakter"]
            g["andel_kostnad_ytterfall"] = g["kostnad_ytterfall"] / g["kostnad"]
            tables.append(g.reset_index().rename(columns={dim: "grupp"}).assign(dimension=dim))
    riket = r[(r["region_kod"] == "00") & (r["jamforelsegrupp"] == "alla")]
    for dim in ("kon", "drg"):
        g = riket.groupby(["ar", "vardform", dim])[["antal_kontakter", "antal_ytterfall", "kostnad"]].sum()
        tables.append(g.reset_index().rename(columns={dim: "grupp"}).assign(dimension=dim, region_kod="00"))
    pd.concat(tables, ignore_index=True)
    # --- demografi: per klinik, 65+ vs 0–64 between base and target year, in the target year's prices ---
    d = k[k["ar"].isin([p.demografi_basar, p.demografi_malar])]
    index = pris[pris["prisindex"] == p.prisindex].set_index("ar")["indexvarde"]
    faktor = float(index[p.demografi_malar] / index[p.demografi_basar])
    cells = (
        d.groupby(["vardtyp", "sjukhus", "klinik", "ar", "aldersgrupp"])["kostnad"]
        .agg(["size", "sum"])
        .unstack(["ar", "aldersgrupp"], fill_value=0)
    )

    def col(func: str, ar: int, grupp: str) -> pd.Series:
        key = (func, ar, grupp)
        return cells[key] if key in cells.columns else pd.Series(0, index=cells.index)

    b, m = p.demografi_basar, p.demografi_malar
    up65 = col("size", m, "65+") > col("size", b, "65+")
    up064 = col("size", m, "0-64") > col("size", b, "0-64")
    down064 = col("size", m, "0-64") < col("size", b, "0-64")
    d064 = col("sum", m, "0-64") - faktor * col("sum", b, "0-64")
    d65 = col("sum", m, "65+") - faktor * col("sum", b, "65+")
    demografisk = np.select(
        [up65 & up064, up65 & down064], [d064 + d65, d65 + np.minimum(d064, 0)], default=0.0
    )
    seconds = time.perf_counter() - started
    check = [
        int(k["ytterfall"].sum()),
        float(k.loc[k["ytterfall"], "kostnad"].sum()),
        float(demografisk.sum()),
    ]
    return {"seconds": seconds, "peak_mb": _peak_mb(), "check": check}


def _child(kind: str, folder: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.bench", kind, str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench {kind} misslyckades:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run(scale: float) -> BenchResult:
    with tempfile.TemporaryDirectory(prefix="analysplan-bench-") as tmp:
        folder = Path(tmp)
        rows = prepare(folder, scale)
        ours = _child("analysplan", folder)
        theirs = _child("pandas", folder)
    a, b = ours["check"], theirs["check"]
    if a[0] != b[0] or not np.isclose(a[1], b[1], rtol=1e-9) or not np.isclose(a[2] or 0.0, b[2], rtol=1e-9):
        raise RuntimeError(f"resultaten skiljer sig: analysplan {a}, pandas {b}")
    analysplan_s, pandas_s = round(ours["seconds"], 3), round(theirs["seconds"], 3)
    return BenchResult(
        scale=scale,
        rows=rows,
        analysplan_s=analysplan_s,
        pandas_s=pandas_s,
        ratio=round(pandas_s / analysplan_s, 2),  # from the printed seconds, so the numbers agree
        analysplan_peak_mb=round(ours["peak_mb"], 1),
        pandas_peak_mb=round(theirs["peak_mb"], 1),
    )


def noop_rerun(seed: int = 20200101, scale: float = 0.01) -> dict[str, float]:
    """`analysplan demo` twice in one fresh workspace: the second run, with nothing changed, only
    checks (issue 9 §1: at most a tenth of the first). Wall times of both, and second / first."""
    import os

    with tempfile.TemporaryDirectory(prefix="analysplan-noop-") as tmp:
        env = {**os.environ, "ANALYSPLAN_HOME": tmp, "DAGSTER_HOME": f"{tmp}/dagster"}
        seconds = []
        for _ in range(2):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "pipelines.cli", "demo", "--seed", str(seed), "--scale", str(scale)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            seconds.append(round(time.perf_counter() - started, 2))
            if proc.returncode != 0:
                raise RuntimeError(f"analysplan demo misslyckades:\n{proc.stderr[-3000:]}")
    return {"forsta_s": seconds[0], "andra_s": seconds[1], "kvot": round(seconds[1] / seconds[0], 3)}


def as_json(result: BenchResult) -> str:
    return json.dumps(asdict(result), ensure_ascii=False, indent=2)


if __name__ == "__main__":  # the timed child processes
    kind, folder_arg = sys.argv[1], Path(sys.argv[2])
    outcome = run_analysplan(folder_arg) if kind == "analysplan" else run_pandas(folder_arg)
    print(json.dumps(outcome))
