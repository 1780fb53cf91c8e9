"""`analysplan bench`: the derivation layer against the same analyses in pandas, ingest against DuckDB's
own CSV reader, and the data contracts — each figure measured in its own fresh process, in one run.

Setup (not timed): the demo generator makes Norrbotten's KPP extracts at ``scale`` for the plan's
years 2016–2019 (the demografi period; scale 1 ≈ 2 M contacts a year), the weight lists, riket's
aggregates and the demo LPIK; they go through the real core SQL into a DuckDB warehouse file (year by
year, with the configured memory_limit, so the preparation's memory is bounded too) and, when the
pandas version will fit in memory, into Parquet for it. Scales above 1 are generated in parts of
at most scale 1 (independent Poisson draws add up to the larger scale's).

Figures (one function each, so more can be added):

* :func:`derivations` — analysplan: the warehouse SQL (``out_kpp__ytterfallsgranser``, the view
  ``out_kpp__kontakter``, ``out_kpp__ytterfall``, ``out_kpp__demografi_klinik``) on the warehouse file;
  pandas: the same ytterfall and demografi derivations as an analyst would script them. Both must
  agree on the results (ytterfall count and cost, demographic cost), or the benchmark fails. Where
  pandas would not fit in this machine's memory, it is not run and the result says so.
* :func:`ingest_figure` — ``analysplan ingest kpp-kontakter`` of one year's extract as UTF-8 CSV
  (parse, type, contract, store; the weight list ingested first, not timed) against DuckDB's own
  ``read_csv`` of the same file into a table.
* :func:`contracts_figure` — ``data_contracts/core_kpp__kontakter.json`` on the bench's core table
  (all four years). Its share of the ingest is measured like for like: the contract step inside the
  measured ingest (the same year's rows, the same run, ``ANALYSPLAN_TIDER``) over the ingest's time;
  the whole table's contract time over one year's ingest is printed beside it.

Times are wall seconds, memory the peak resident set (RSS) of the measured process. Ratios: pandas /
analysplan (above 1 = the pipeline is faster), analysplan's memory / pandas's, ingest / DuckDB.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipelines import reference, tider, warehouse
from pipelines.parametrar import Parametrar

BENCH_YEARS = (2016, 2017, 2018, 2019)
INGEST_YEAR = 2016  # the year whose extract the ingest figure reads
TABLES = ("core_kpp__kontakter", "core_drg__vikter", "core_kpp__riket", "core_skr__prisindex")
DERIVED = (
    "out_kpp__ytterfallsgranser",
    "out_kpp__kontakter",
    "out_kpp__ytterfall",
    "out_kpp__demografi_klinik",
)
WAREHOUSE = "bench.duckdb"
# pandas's peak per contact, measured at scale 1 (6,8 GB for 8 033 317 contacts): what decides
# whether the pandas version fits in the memory this machine has free.
PANDAS_BYTES_PER_CONTACT = 850
PANDAS_MEMORY_SHARE = 0.7  # of MemAvailable


@dataclass(frozen=True)
class BenchResult:
    scale: float
    rows: int
    analysplan_s: float
    pandas_s: float | None
    ratio: float | None
    analysplan_peak_mb: float
    pandas_peak_mb: float | None
    memory_ratio: float | None = None
    pandas_note: str | None = None
    prepare_s: float | None = None
    prepare_peak_mb: float | None = None
    ingest_rows: int | None = None
    ingest_s: float | None = None
    ingest_peak_mb: float | None = None
    duckdb_read_s: float | None = None
    duckdb_read_peak_mb: float | None = None
    ingest_ratio: float | None = None
    ingest_memory_ratio: float | None = None
    # DuckDB reading the file with the import format's rules (the stager's SQL), and that read plus the
    # ingest's core and contract steps over the plain read: the least a checked, contracted ingest that
    # stores raw and core can take (no hash, commit or process start counted)
    duckdb_checked_read_s: float | None = None
    checked_read_ratio: float | None = None
    ingest_floor_ratio: float | None = None
    contracts_s: float | None = None
    contracts_peak_mb: float | None = None
    contracts_share_of_ingest: float | None = None
    # the ingest's own steps (pipelines.tider), in seconds; its contract step over the ingest's time
    ingest_steps: dict[str, float] | None = None
    ingest_direct: bool | None = None  # the ingest built raw and core in its accepting transaction
    contracts_full_over_ingest: float | None = None  # contracts_s (whole scale-1 table) / ingest_s


def _parts(scale: float) -> list[tuple[int, float]]:
    """(part, scale) pieces of at most scale 1 that add up to ``scale``."""
    count = max(1, math.ceil(scale - 1e-9))
    return [(part, scale / count) for part in range(count)]


def extract_parts(model: Any, year: int, scale: float, seed: int) -> Any:
    """One year's extract at ``scale`` as frames of at most scale 1 (ids unique across the parts)."""
    import polars as pl

    from pipelines.demo import kpp as demo

    for part, part_scale in _parts(scale):
        frame = demo.extract_frame(model, year, seed=seed + part, scale=part_scale)
        if part:
            prefix = f"VK{year}{part:02d}"
            frame = frame.with_columns(
                pl.col("vardkontakt_id").str.replace(f"VK{year}", prefix, literal=True)
            )
        yield frame


def prepare(folder: Path, scale: float, seed: int = 20200101, parquet: bool = True) -> int:
    """Build the core tables at ``scale`` into ``folder/bench.duckdb`` (and, with ``parquet``, write
    ``folder/<table>.parquet`` for pandas); returns the contact count."""
    import polars as pl

    from pipelines.demo import kpp as demo
    from pipelines.demo import prisindex as demo_prisindex

    model = demo.build_model(seed)
    inlast = datetime(2020, 1, 1)
    db = folder / WAREHOUSE
    with warehouse.connect(db) as con:

        def raw(table: str, frame: pl.DataFrame, offset: int = 2) -> None:
            arrow = frame.with_row_index("kalla_rad", offset=offset).to_arrow()
            arrow = arrow.append_column("kalla_fil", pa.array([f"{table}.csv"] * arrow.num_rows))
            arrow = arrow.append_column("kalla_sha256", pa.array(["bench"] * arrow.num_rows))
            arrow = arrow.append_column(
                "kalla_inlast", pa.array([inlast] * arrow.num_rows, pa.timestamp("us"))
            )
            con.register("frame", arrow)
            if warehouse.table_exists(con, table):
                con.execute(f"INSERT INTO {table} SELECT * EXCLUDE (kalla_rad), kalla_rad::BIGINT FROM frame")
            else:
                select = "SELECT * EXCLUDE (kalla_rad), kalla_rad::BIGINT AS kalla_rad FROM frame"
                con.execute(f"CREATE TABLE {table} AS {select}")
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
        offset = 2
        for year in BENCH_YEARS:  # a year (a part) at a time: the generator's memory stays that of scale 1
            for frame in extract_parts(model, year, scale, seed):
                raw("raw_kpp__kontakter", frame, offset)
                offset += frame.height
                del frame
        params = {"lan": reference.NORRBOTTEN}  # the county the demo data simulates
        for table in TABLES:
            warehouse.build_table(con, table, params)
        con.execute("DROP TABLE raw_kpp__kontakter")
        from pipelines import ingest

        ingest.build_reference(con)
        con.execute("CHECKPOINT")
        if parquet:
            for table in TABLES:
                con.execute(f"COPY {table} TO $path (FORMAT parquet)", {"path": f"{folder / table}.parquet"})
        rows = warehouse.table_rows(con, "core_kpp__kontakter")
    return rows


def run_analysplan(folder: Path) -> dict[str, Any]:
    with warehouse.connect(folder / WAREHOUSE) as con:
        params = {"lan": reference.NORRBOTTEN, **Parametrar().as_sql_params()}
        started = time.perf_counter()
        for table in DERIVED:
            warehouse.build_table(con, table, params)
        seconds = time.perf_counter() - started
        check = con.sql(
            "SELECT (SELECT count(*) FILTER (WHERE ytterfall) FROM out_kpp__kontakter), "
            "(SELECT sum(kostnad_kr) FILTER (WHERE ytterfall) FROM out_kpp__kontakter), "
            "(SELECT demografisk_kostnad_kr FROM out_kpp__demografi_klinik WHERE niva_kod = 'lan')"
        ).fetchall()[0]
    return {"seconds": seconds, "peak_mb": tider.peak_mb(), "check": list(check)}


def run_contracts(folder: Path) -> dict[str, Any]:
    from pipelines import contracts

    with warehouse.connect(folder / WAREHOUSE) as con:
        started = time.perf_counter()
        result = contracts.validate(con, "core_kpp__kontakter")
        seconds = time.perf_counter() - started
    if not result.success:
        raise RuntimeError(result.summary())
    return {"seconds": seconds, "peak_mb": tider.peak_mb(), "rules": result.checked}


def run_duckdb_read(csv_path: Path) -> dict[str, Any]:
    """DuckDB's own reader: the extract into a table of a fresh database file (the reference figure)."""
    select = "SELECT * FROM read_csv($path, delim = ';', header = true, decimal_separator = ',')"
    return _timed_table(csv_path, csv_path.with_suffix(".duckdb"), select)


def _timed_table(csv_path: Path, db: Path, select: str) -> dict[str, Any]:
    """``select`` (reading ``$path``, the file ``csv_path``) into a table of the fresh database file
    ``db``, timed from the connection to the checkpoint; the file is removed after."""
    con = duckdb.connect(str(db))
    started = time.perf_counter()
    con.execute(f"CREATE TABLE kontakter AS {select}", {"path": str(csv_path)})
    con.execute("CHECKPOINT")
    seconds = time.perf_counter() - started
    rows = int(con.sql("SELECT count(*) FROM kontakter").fetchall()[0][0])
    con.close()
    db.unlink()
    return {"seconds": seconds, "peak_mb": tider.peak_mb(), "rows": rows}


def run_duckdb_checked_read(csv_path: Path) -> dict[str, Any]:
    """DuckDB alone reading the file as the import format's rules require: the stager's own SQL (every
    value as text, each rule, then typed; :meth:`swecsv._FastPlan.query`) into a table of a fresh
    database file, timed as :func:`run_duckdb_read`. With the ingest's core and contract steps, the
    least a checked, contracted ingest that stores raw and core needs (the README's lower bound)."""
    from pipelines.sources import kpp, swecsv

    pieces = swecsv.file_pieces(csv_path)
    plan = swecsv._fast_plan(pieces, kpp.KONTAKTER_COLUMNS, ("vardkontakt_id",), min_bytes=0)  # small too
    if plan is None:
        raise RuntimeError(f"{csv_path.name}: stagerns snabba väg tar inte filen")
    return _timed_table(
        csv_path, csv_path.with_suffix(".regler.duckdb"), plan.query(kpp.KONTAKTER_COLUMNS, ordered=True)
    )


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
    return {"seconds": seconds, "peak_mb": tider.peak_mb(), "check": check}


def _child(kind: str, arg: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.bench", kind, str(arg)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench {kind} misslyckades:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


# Runs a command and prints its wall seconds and its rusage's peak RSS (kB). ru_maxrss carries the
# peak of the process a child was forked from through fork and exec: measured straight from the
# bench, whose generated data are still resident, the ingest would report the bench's own memory
# (2026-12-02: 1,85 GB for an ingest of 1,40 GB). So a bare interpreter starts the command and waits
# for it: what the command inherits is that interpreter's few megabytes.
_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
print(os.waitstatus_to_exitcode(status), time.perf_counter() - started, usage.ru_maxrss, file=sys.stderr)
"""


def _measured(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; its wall seconds and peak RSS in MB (its own, started by :data:`_LAUNCHER`)."""
    proc = subprocess.run(
        [sys.executable, "-S", "-c", _LAUNCHER, *command], env=env, capture_output=True, check=False
    )
    *out, last = proc.stderr.decode(errors="replace").rstrip().split("\n")
    code, seconds, peak_kb = last.split()
    if proc.returncode != 0 or int(code) != 0:
        text = proc.stdout.decode(errors="replace") + "\n".join(out)
        raise RuntimeError(f"{' '.join(command[2:])} misslyckades:\n{text}")
    return float(seconds), int(peak_kb) / 1024


def pandas_fits(rows: int) -> str | None:
    """None if the pandas version fits in the memory free now, else why not (Swedish, for the table)."""
    need = rows * PANDAS_BYTES_PER_CONTACT
    available = _mem_available()
    if available is None or need <= PANDAS_MEMORY_SHARE * available:
        return None
    return (
        f"pandas körs inte: behöver uppskattningsvis {need / 2**30:.1f} GB, "
        f"datorn har {available / 2**30:.1f} GB ledigt".replace(".", ",")
    )


def _mem_available() -> int | None:
    meminfo = Path("/proc/meminfo")
    if not meminfo.exists():
        return None
    for line in meminfo.read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) * 1024
    return None


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


def derivations(folder: Path, rows: int, run_pandas_too: bool) -> dict[str, Any]:
    """The derivation layer (analysplan) and, if it fits, the pandas version; they must agree."""
    ours = _child("analysplan", folder)
    out: dict[str, Any] = {
        "analysplan_s": round(ours["seconds"], 3),
        "analysplan_peak_mb": round(ours["peak_mb"], 1),
        "pandas_s": None,
        "pandas_peak_mb": None,
        "ratio": None,
        "memory_ratio": None,
        "pandas_note": None if run_pandas_too else pandas_fits(rows),
    }
    if not run_pandas_too:
        return out
    theirs = _child("pandas", folder)
    a, b = ours["check"], theirs["check"]
    if a[0] != b[0] or not np.isclose(a[1], b[1], rtol=1e-9) or not np.isclose(a[2] or 0.0, b[2], rtol=1e-9):
        raise RuntimeError(f"resultaten skiljer sig: analysplan {a}, pandas {b}")
    out["pandas_s"] = round(theirs["seconds"], 3)
    out["pandas_peak_mb"] = round(theirs["peak_mb"], 1)
    out["ratio"] = round(out["pandas_s"] / out["analysplan_s"], 2)  # from the printed figures
    out["memory_ratio"] = round(out["analysplan_peak_mb"] / out["pandas_peak_mb"], 2)
    return out


def ingest_figure(folder: Path, scale: float, seed: int = 20200101) -> dict[str, Any]:
    """`analysplan ingest kpp-kontakter` of one year as UTF-8 CSV vs DuckDB's read_csv of the file."""
    from pipelines.demo import kpp as demo

    model = demo.build_model(seed)
    frame = next(extract_parts(model, INGEST_YEAR, min(scale, 1.0), seed))
    csv_path = folder / f"kpp_norrbotten_{INGEST_YEAR}.csv"
    csv_path.write_bytes(demo.swedish_csv(frame, float_precision=2).encode("utf-8"))
    ingest_rows = frame.height
    del frame
    weights = demo.write_weight_list(demo.weight_list_frame(model, INGEST_YEAR), INGEST_YEAR, folder)

    home = folder / "arbetsyta"
    env = {**os.environ, "ANALYSPLAN_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    cli = [sys.executable, "-m", "pipelines.cli", "ingest"]
    _measured([*cli, "drg-vikter", str(weights)], env)  # the dependency, not timed
    _wait_for_writers(home)  # its detached registration in Dagster's instance: not the ingest's time
    steps_file = folder / "ingest-tider.jsonl"
    ingest_s, ingest_mb = _measured(
        [*cli, "kpp-kontakter", str(csv_path)], {**env, tider.ENV: str(steps_file)}
    )
    steps = tider.read(steps_file) if steps_file.exists() else {}
    _wait_for_writers(home)  # its registration, before DuckDB's read is timed on the same cores
    read = _child("duckdb_read", csv_path)
    if read["rows"] != ingest_rows:
        raise RuntimeError(f"DuckDB läste {read['rows']} rader, extraktet har {ingest_rows}")
    duck_s, duck_mb = round(read["seconds"], 3), round(read["peak_mb"], 1)
    checked = _child("duckdb_checked_read", csv_path)
    if checked["rows"] != ingest_rows:
        raise RuntimeError(f"DuckDB läste {checked['rows']} rader med reglerna, extraktet har {ingest_rows}")
    checked_s = round(checked["seconds"], 3)
    ingest_s, ingest_mb = round(ingest_s, 3), round(ingest_mb, 1)
    return {
        "ingest_rows": ingest_rows,
        "ingest_s": ingest_s,
        "ingest_peak_mb": ingest_mb,
        "duckdb_read_s": duck_s,
        "duckdb_read_peak_mb": duck_mb,
        "ingest_ratio": round(ingest_s / duck_s, 2),
        "ingest_memory_ratio": round(ingest_mb / duck_mb, 2),
        "duckdb_checked_read_s": checked_s,
        "checked_read_ratio": round(checked_s / duck_s, 2),
        "ingest_floor_ratio": round((checked_s + steps["core"] + steps["kontrakt"]) / duck_s, 2)
        if {"core", "kontrakt"} <= set(steps)
        else None,
        "ingest_steps": steps,
        "ingest_direct": "raw" in steps,
        "contracts_share_of_ingest": round(steps["kontrakt"] / ingest_s, 2) if "kontrakt" in steps else None,
    }


def _wait_for_writers(home: Path) -> None:
    """Until no process writes the workspace: its warehouse or its Dagster instance (pipelines.las),
    including a detached registration that has not yet taken the instance's lock (it would run
    beside what is timed next)."""
    from pipelines import las
    from pipelines.workspace import Workspace

    ws = Workspace(home)
    las.wait_for_registrations(ws)
    with las.skrivlas(ws, say=lambda _: None), las.instanslas(ws):
        pass


def contracts_figure(folder: Path) -> dict[str, Any]:
    """The core_kpp__kontakter contract on the bench's core table, in a fresh process."""
    outcome = _child("contracts", folder)
    return {"contracts_s": round(outcome["seconds"], 3), "contracts_peak_mb": round(outcome["peak_mb"], 1)}


def run(scale: float, *, ingest: bool = True, contracts: bool = True) -> BenchResult:
    """Every figure at ``scale``. The ingest figure reads one year at scale ≤ 1 (it is skipped above)."""
    with tempfile.TemporaryDirectory(
        prefix="analysplan-bench-", dir=os.environ.get("ANALYSPLAN_BENCH_TMP")
    ) as tmp:
        folder = Path(tmp)
        estimate = int(scale * 8_033_317)  # scale 1's contacts
        with_pandas = pandas_fits(estimate) is None
        started = time.perf_counter()
        prepared = _child_prepare(folder, scale, with_pandas)
        prepare_s = time.perf_counter() - started
        rows = int(prepared["rows"])
        figures: dict[str, Any] = derivations(folder, rows, with_pandas and pandas_fits(rows) is None)
        if contracts:
            figures |= contracts_figure(folder)
        if ingest and scale <= 1:
            figures |= ingest_figure(folder, scale)
            if contracts:
                figures["contracts_full_over_ingest"] = round(figures["contracts_s"] / figures["ingest_s"], 2)
    return BenchResult(
        scale=scale,
        rows=rows,
        prepare_s=round(prepare_s, 1),
        prepare_peak_mb=round(prepared["peak_mb"], 1),
        **figures,
    )


def _child_prepare(folder: Path, scale: float, parquet: bool) -> dict[str, Any]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.bench",
            "prepare",
            str(folder),
            str(scale),
            "1" if parquet else "0",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench prepare misslyckades:\n{proc.stderr}")
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run_scales(scales: Sequence[float], **options: bool) -> list[BenchResult]:
    return [run(scale, **options) for scale in scales]


def as_json(result: BenchResult | Sequence[BenchResult]) -> str:
    if isinstance(result, BenchResult):
        return json.dumps(asdict(result), ensure_ascii=False, indent=2)
    return json.dumps([asdict(r) for r in result], ensure_ascii=False, indent=2)


GOALS = {  # issue 11: figure → (goal text, met?)
    "ratio": ("≥ 10", lambda v: v >= 10),
    "memory_ratio": ("≤ 0,5", lambda v: v <= 0.5),
    "ingest_ratio": ("≤ 2", lambda v: v <= 2),
    "ingest_memory_ratio": ("≤ 2", lambda v: v <= 2),
    "contracts_share_of_ingest": ("≤ 0,2", lambda v: v <= 0.2),
}


# The ingest's timed steps (pipelines.tider) as the table names them.
INGEST_STEPS = {
    "kopiera": "kopiera och SHA-256",
    "lasa": "läsa och kontrollera filen",
    "raw": "raw-tabellen",
    "core": "core-tabellen",
    "kontrakt": "datakontraktet",
    "lagra": "lagra filen",
    "commit": "commit",
}


def table_rows(results: Sequence[BenchResult]) -> list[tuple[str, ...]]:
    """The printed table: one row per figure, one column per scale (Swedish number format)."""
    from pipelines.formatering import tal

    def s(v: float | None) -> str:
        return "–" if v is None else f"{tal(v, 2, ' ')} s"

    def mb(v: float | None) -> str:
        return "–" if v is None else f"{tal(v / 1024, 2, ' ')} GB"

    def x(v: float | None) -> str:
        return "–" if v is None else tal(v, 2, " ")

    lines: list[tuple[str, ...]] = [("Skala", *(tal(r.scale, 3, " ") for r in results), "Mål")]
    spec: list[tuple[str, Any, str]] = [
        ("Kontakter", lambda r: tal(r.rows, 0, " "), ""),
        ("Förberedelse, tid", lambda r: s(r.prepare_s), ""),
        ("Förberedelse, minne", lambda r: mb(r.prepare_peak_mb), "≤ 6 GB"),
        ("Härledning analysplan, tid", lambda r: s(r.analysplan_s), ""),
        ("Härledning analysplan, minne", lambda r: mb(r.analysplan_peak_mb), "≤ 2 GB (skala 1), ≤ 6 GB"),
        ("Härledning pandas, tid", lambda r: s(r.pandas_s) if r.pandas_s is not None else "får ej plats", ""),
        ("Härledning pandas, minne", lambda r: mb(r.pandas_peak_mb), ""),
        ("Kvot pandas/analysplan, tid", lambda r: x(r.ratio), GOALS["ratio"][0]),
        ("Kvot analysplan/pandas, minne", lambda r: x(r.memory_ratio), GOALS["memory_ratio"][0]),
        ("Tid / tid skala 1", lambda r: x(_scale_ratio(r, results)), "≤ 4,5 (skala 4)"),
        ("Ingest ett år (rader)", lambda r: "–" if r.ingest_rows is None else tal(r.ingest_rows, 0, " "), ""),
        ("Ingest, tid", lambda r: s(r.ingest_s), ""),
        ("Ingest, minne", lambda r: mb(r.ingest_peak_mb), ""),
        ("DuckDB read_csv, tid", lambda r: s(r.duckdb_read_s), ""),
        ("DuckDB read_csv, minne", lambda r: mb(r.duckdb_read_peak_mb), ""),
        ("Kvot ingest/DuckDB, tid", lambda r: x(r.ingest_ratio), GOALS["ingest_ratio"][0]),
        ("Kvot ingest/DuckDB, minne", lambda r: x(r.ingest_memory_ratio), GOALS["ingest_memory_ratio"][0]),
        *(
            (f"  därav {label}", lambda r, step=step: s((r.ingest_steps or {}).get(step)), "")
            for step, label in INGEST_STEPS.items()
        ),
        ("DuckDB med importformatets regler, tid", lambda r: s(r.duckdb_checked_read_s), ""),
        ("Kvot regler/DuckDB, tid", lambda r: x(r.checked_read_ratio), ""),
        ("Undre gräns (regler, core, kontrakt) / DuckDB", lambda r: x(r.ingest_floor_ratio), ""),
        ("Datakontrakt hela tabellen, tid", lambda r: s(r.contracts_s), ""),
        ("Datakontrakt hela tabellen, minne", lambda r: mb(r.contracts_peak_mb), "≤ ingestens"),
        (
            "Kontrakt / ingest, tid (samma år)",
            lambda r: x(r.contracts_share_of_ingest),
            GOALS["contracts_share_of_ingest"][0],
        ),
        ("Kontrakt hela tabellen / ingest ett år", lambda r: x(r.contracts_full_over_ingest), ""),
    ]
    for label, value, goal in spec:
        lines.append((label, *(value(r) for r in results), goal))
    return lines


def _scale_ratio(result: BenchResult, results: Sequence[BenchResult]) -> float | None:
    base = next((r for r in results if r.scale == 1), None)
    if base is None or result.scale == 1:
        return None
    return round(result.analysplan_s / base.analysplan_s, 2)


def notes(results: Sequence[BenchResult]) -> list[str]:
    return [f"Skala {r.scale:g}: {r.pandas_note}".replace(".", ",") for r in results if r.pandas_note]


if __name__ == "__main__":  # the measured child processes
    kind, arg = sys.argv[1], Path(sys.argv[2])
    if kind == "prepare":
        rows = prepare(arg, float(sys.argv[3]), parquet=sys.argv[4] == "1")
        outcome: dict[str, Any] = {"rows": rows, "peak_mb": tider.peak_mb()}
    elif kind == "analysplan":
        outcome = run_analysplan(arg)
    elif kind == "contracts":
        outcome = run_contracts(arg)
    elif kind == "duckdb_read":
        outcome = run_duckdb_read(arg)
    elif kind == "duckdb_checked_read":
        outcome = run_duckdb_checked_read(arg)
    else:
        outcome = run_pandas(arg)
    print(json.dumps(outcome))
