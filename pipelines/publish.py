"""Publishing: freeze the tables a report reads, render it in staging, move the version into place.

A version folder ``published/<slug>/<version>/`` holds ``report.html``, ``report.pdf`` (and
``report.pptx`` where the plan asks for slides), ``data/<table>.parquet`` (the frozen tables the
report read) and ``manifest.json``. It is written once, by an atomic rename of a finished staging
folder, and never modified afterwards.

The version name is ``<period>-<fingerprint>``, where the fingerprint hashes everything that can
change the report: the frozen tables' bytes, the report's folder, the report library and renderer
code, the lock file, the engine and the parameters. **A re-run with unchanged inputs and code
therefore yields the same version name, and publishing is a no-op**: the existing version is kept
as it is (its manifest still names the run that made it) and reported as unchanged. Any change in
data or code gives a new version beside the old ones; ``published/<slug>/latest`` points at the
newest and ``published/<slug>/versions.json`` lists them all.

``latest`` points at the newest version of the newest data period (``dataperiod``: the ``period``
parameter, else the latest ``ar`` in the frozen tables), not at whichever was rendered last. Each
version's review status (``utkast`` → ``granskad`` → ``publicerad``) lives beside the versions in
``published/<slug>/status.json`` (:func:`set_status`), never inside a version. A version rendered
from a work tree with uncommitted changes says so (manifest ``kod.dirty``, its colophon, the site)
and cannot be marked ``publicerad``. Every output ends with a colophon: version, date, code revision.
The manifest's ``parametrar`` lists the report's period and county beside every analysis
parameter the frozen tables were built with.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines import (
    build,
    felinjektion,
    formatering,
    parametrar,
    reportlib,
    schema,
    skydd,
    stadning,
    warehouse,
)
from pipelines.workspace import REPO_ROOT, Workspace, atomic_write, share_published

REPORTS_DIR = REPO_ROOT / "reports"
LOAD_CALL = re.compile(r"""\bload\(\s*["']([a-z0-9_]+)["']\s*\)""")
PACKAGES = (
    "dagster",
    "duckdb",
    "polars",
    "pyarrow",
    "pandas",
    "matplotlib",
    "great-expectations",
    "pypandoc-binary",
    "typst",
)


STATUSES = ("utkast", "granskad", "publicerad")
DEFAULT_STATUS = "utkast"


class PeriodError(ValueError):
    """A ``period`` the report's tables do not hold, in Swedish, naming the periods that exist."""


def _years(years: Sequence[int]) -> str:
    """2016, 2017, 2018, 2020 → "2016–2018, 2020"."""
    runs: list[list[int]] = []
    for year in sorted(years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def check_period(con: duckdb.DuckDBPyConnection, slug: str, period: int | None) -> None:
    """Refuse a period that is not in every table with an ``ar`` column that the report reads."""
    if period is None:
        return
    common: set[int] | None = None
    for table in tables_read(slug):
        if not warehouse.table_exists(con, table) or "ar" not in schema.materialised_columns(con, table):
            continue
        years = {
            int(y) for (y,) in con.sql(f'SELECT DISTINCT ar FROM "{table}" WHERE ar IS NOT NULL').fetchall()
        }
        common = years if common is None else common & years
    if common is not None and period not in common:
        exist = (
            f"perioder som finns: {_years(sorted(common))}" if common else "tabellerna har inget gemensamt år"
        )
        raise PeriodError(f"{slug}: perioden {period} finns inte i rapportens data ({exist}).")


class StatusError(ValueError):
    """A refused status change, in Swedish for the analyst."""


@dataclass(frozen=True)
class Published:
    slug: str
    version: str
    folder: Path
    files: dict[str, Path]
    new: bool


def report_qmd(slug: str) -> Path:
    path = REPORTS_DIR / slug / f"{slug}.qmd"
    if not path.exists():
        raise FileNotFoundError(f"Rapporten {slug!r} finns inte ({path})")
    return path


def report_slugs() -> list[str]:
    return sorted(p.parent.name for p in REPORTS_DIR.glob("*/*.qmd") if p.stem == p.parent.name)


def tables_read(slug: str) -> list[str]:
    """The warehouse tables a report reads: its ``load("…")`` calls."""
    text = report_qmd(slug).read_text(encoding="utf-8")
    return sorted({warehouse.check_table_name(t) for t in LOAD_CALL.findall(text)})


def _hash_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hash_tree(folder: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(q for q in folder.rglob("*") if q.is_file() and "__pycache__" not in q.parts):
        digest.update(str(p.relative_to(folder)).encode())
        digest.update(_hash_file(p).encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """Hash of the code every report shares: report library, formatting, renderer, lock file."""
    pipelines = REPO_ROOT / "pipelines"
    digest = hashlib.sha256()
    for part in (
        pipelines / "reportlib.py",
        pipelines / "formatering.py",
        REPO_ROOT / "uv.lock",
        reportlib.PLAN_FILE,
    ):
        digest.update(_hash_file(part).encode())
    digest.update(_hash_tree(pipelines / "render").encode())
    return digest.hexdigest()


def git_revision() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return {"commit": git("rev-parse", "HEAD") or None, "dirty": bool(git("status", "--porcelain"))}


def package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "saknas"
    return out


def data_period(data: Path, params: Mapping[str, Any]) -> int | None:
    """The data period of a version: the ``period`` parameter, else the latest ``ar`` in its tables."""
    if params.get("period") is not None:
        return int(params["period"])
    years = []
    for path in sorted(data.glob("*.parquet")):
        if "ar" in pl.read_parquet_schema(path):
            latest = pl.scan_parquet(path).select(pl.col("ar").max()).collect().item()
            if latest is not None:
                years.append(int(latest))
    return max(years, default=None)


def colophon_lines(version: str, published_at: str, revision: Mapping[str, Any]) -> list[str]:
    """What every HTML, PDF and PPTX of a version says about itself (see render(colophon=…))."""
    commit = (revision.get("commit") or "okänd")[:12]
    dirty = " – ocommittade ändringar" if revision.get("dirty") else ""
    return [
        f"Version {version}",
        f"Skapad {published_at.replace('T', ' ').removesuffix('+00:00')} UTC",
        f"Kodrevision {commit}{dirty}",
    ]


def frozen_parameters(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], report_params: Mapping[str, Any]
) -> dict[str, Any]:
    """The manifest's ``parametrar``: the report's own (period, county) beside every analysis
    parameter that any of ``tables`` was built with (recorded per table in meta_tabeller, its
    inputs' included); a parameter with different values in different tables lists them all."""
    return build.merge_parameters(report_params, *(build.recorded_parameters(con, t) for t in tables))


def freeze_tables(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], folder: Path, minsta_antal: int
) -> dict[str, str]:
    """Write each table to ``folder/<table>.parquet``, small cells protected; returns table → SHA-256.

    An ``out_*`` table leaves the warehouse only through its ``skydd`` declaration in
    ``sql/schema.yml`` (:mod:`pipelines.skydd`: counts below ``minsta_antal``, what is computed from
    them and their complements become NULL; a ``skyddad`` column says which rows) — or with
    ``skydd: ingen`` and the reason, for tables without counts of individuals. Rows are written in
    the order of the table's grain, so identical tables give identical bytes.
    """
    folder.mkdir(parents=True, exist_ok=True)
    documented = schema.documented()
    hashes = {}
    for table in tables:
        path = folder / f"{table}.parquet"
        df = con.sql(f'SELECT * FROM "{warehouse.check_table_name(table)}"').pl()
        doc = documented.get(table, {})
        grain = [c for c in doc.get("korn") or [] if c in df.columns]
        spec = doc.get("skydd")
        if isinstance(spec, dict):
            df = skydd.protect(df, spec, grain, minsta_antal, table)
        elif table.startswith("out_") and not (isinstance(spec, str) and spec.startswith("ingen")):
            raise skydd.SkyddsFel(
                f"{table} saknar skydd i sql/schema.yml: ange vilka kolumner som är antal (skydd: antal: …) "
                "eller 'skydd: ingen – <skäl>'"
            )
        else:
            skydd.refuse_patient_level(df, table)
        if grain:
            df = df.sort(grain, nulls_last=True)
        df.write_parquet(path)
        hashes[table] = _hash_file(path)
    return hashes


def publish(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    slug: str,
    *,
    params: Mapping[str, Any] | None = None,
    input_files: Sequence[Mapping[str, Any]] = (),
    run_id: str | None = None,
    engine: str = "auto",
    lan: str | None = None,
) -> Published:
    """Render ``reports/<slug>`` from the warehouse and publish it as an immutable version.

    ``params`` are the report's own (its period); ``lan`` the county it is rendered for (default
    :func:`pipelines.parametrar.lan`), handed to the report through ``$ANALYSPLAN_LAN``.
    """
    from pipelines.render import render, resolve_engine

    county = lan or parametrar.lan()
    report_params = {k: v for k, v in (params or {}).items() if v is not None}
    meta = reportlib.report_meta(slug)
    formats = tuple(meta.get("format") or reportlib.formats_for(meta["publikationsform"]))
    qmd = report_qmd(slug)
    tables = tables_read(slug)
    engine_name = resolve_engine(engine)

    check_period(con, slug, report_params.get("period"))
    revision = git_revision()
    minsta_antal = parametrar.current().minsta_antal_visas
    key = input_key(con, slug, report_params, engine_name, county, minsta_antal, revision)
    known = current_version(ws, slug, key)
    if known is not None:  # same inputs and code as a published version: nothing to freeze or render
        return Published(slug, known.name, known, _outputs(known, formats), new=False)
    stage = stadning.arbetsmapp(ws, slug)
    try:
        data_hashes = freeze_tables(con, tables, stage / "data", minsta_antal)
        all_params = frozen_parameters(
            con, tables, {**report_params, "lan": county, "minsta_antal_visas": minsta_antal}
        )
        fingerprint = hashlib.sha256(
            json.dumps(
                {
                    "data": data_hashes,
                    "report": _hash_tree(qmd.parent),
                    "code": code_fingerprint(),
                    "engine": engine_name,
                    "params": all_params,
                    "formats": formats,
                    "dirty": revision["dirty"],  # committing the same code gives a new, clean version
                },
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest()
        version = f"{report_params.get('period', 'senaste')}-{fingerprint[:12]}"
        target = ws.published / slug / version
        if target.exists():
            repair_index(ws, [slug])  # a run killed in the publish window left it unindexed
            _remember_inputs(ws, slug, key, version)
            return Published(slug, version, target, _outputs(target, formats), new=False)

        published_at = datetime.now(UTC).isoformat(timespec="seconds")
        source_copy = stage / "src"
        shutil.copytree(qmd.parent, source_copy)
        key_figures = stage / "nyckeltal.json"
        rendered = render(
            source_copy / qmd.name,
            stage,
            formats=formats,
            params=report_params,
            env={
                reportlib.DATA_ENV: str(stage / "data"),
                reportlib.NYCKELTAL_ENV: str(key_figures),
                reportlib.MINSTA_ANTAL_ENV: str(minsta_antal),
                parametrar.LAN_ENV: county,
                "PYTHONPATH": str(REPO_ROOT),
            },
            engine=engine_name,
            colophon=colophon_lines(version, published_at, revision),
        )
        shutil.rmtree(source_copy)
        if not key_figures.exists():
            key_figures.write_text("{}", encoding="utf-8")
        manifest = {
            "rapport": slug,
            "rubrik": meta["rubrik"],
            "uppdrag": meta["uppdrag"],
            "version": version,
            "fingeravtryck": fingerprint,
            "publicerad": published_at,
            "dataperiod": data_period(stage / "data", report_params),
            "nyckeltal": "nyckeltal.json",
            "parametrar": all_params,
            "renderingsmotor": engine_name,
            "filer": {fmt: p.name for fmt, p in rendered.items()},
            "tabeller": {t: {"fil": f"data/{t}.parquet", "sha256": h} for t, h in data_hashes.items()},
            "indata": list(input_files),
            "kod": {
                **revision,
                "lasfil_sha256": _hash_file(REPO_ROOT / "uv.lock"),
                "rapport_sha256": _hash_tree(qmd.parent),
            },
            "paket": package_versions(),
            "dagster_korning": run_id,
            "plattform": {"system": platform.platform(), "python": sys.version.split()[0]},
        }
        (stage / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(stage, target)  # atomic on one filesystem; never overwrites a version
        except OSError:
            if target.exists():  # another run published the same version meanwhile
                return Published(slug, version, target, _outputs(target, formats), new=False)
            raise
        felinjektion.punkt("publicera-flyttad")
        _make_read_only(target)
        _update_index(ws, slug, version, manifest)
        _remember_inputs(ws, slug, key, version)
        return Published(slug, version, target, _outputs(target, formats), new=True)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


# published/<slug>/.indata/<input key>: the version made from it. One file per key, written once and
# never changed (like the versions): a new version adds a file, nothing beside it is rewritten.
INPUTS_DIR = ".indata"


def input_key(
    con: duckdb.DuckDBPyConnection,
    slug: str,
    report_params: Mapping[str, Any],
    engine_name: str,
    lan: str,
    minsta_antal: int,
    revision: Mapping[str, Any],
) -> str | None:
    """What a version is made from, known before anything is frozen: the recorded fingerprints of
    the tables the report reads (:mod:`pipelines.build`), their documentation (grain, skydd), the
    freezing and protection code, the report's folder, the shared code, engine, parameters and
    formats. Equal keys give equal versions, so a known key needs neither freezing nor rendering.
    None when a table has no recorded fingerprint (then the version is computed the long way)."""
    tables = tables_read(slug)
    recorded = {t: build.recorded(con, t) for t in tables}
    if any(fp is None for fp in recorded.values()):
        return None
    meta = reportlib.report_meta(slug)
    documented = schema.documented()
    payload = {
        "tables": recorded,
        "docs": {t: documented.get(t) for t in tables},
        "freeze": [_hash_file(Path(__file__)), _hash_file(Path(skydd.__file__))],
        "report": _hash_tree(report_qmd(slug).parent),
        "code": code_fingerprint(),
        "engine": engine_name,
        "params": frozen_parameters(
            con, tables, {**report_params, "lan": lan, "minsta_antal_visas": minsta_antal}
        ),
        "formats": list(meta.get("format") or reportlib.formats_for(meta["publikationsform"])),
        "revision": revision.get("dirty"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def current_version(ws: Workspace, slug: str, key: str | None) -> Path | None:
    """The published version made from ``key``, if there is one (see :func:`input_key`)."""
    path = ws.published / slug / INPUTS_DIR / str(key)
    if key is None or not path.is_file():
        return None
    version = path.read_text(encoding="utf-8").strip()
    folder = ws.published / slug / version
    return folder if version and (folder / "manifest.json").exists() else None


def _remember_inputs(ws: Workspace, slug: str, key: str | None, version: str) -> None:
    if key is None or current_version(ws, slug, key) is not None:
        return
    folder = ws.published / slug / INPUTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / key, version.encode())
    (folder / key).chmod(0o400)  # written once, like the version it names
    share_published(ws)  # the group-readable setting covers the input keys too


def is_current(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    slug: str,
    *,
    params: Mapping[str, Any] | None = None,
    engine: str = "auto",
    lan: str | None = None,
) -> Path | None:
    """The version :func:`publish` would return without rendering anything, or None if it must work."""
    from pipelines.render import resolve_engine

    report_params = {k: v for k, v in (params or {}).items() if v is not None}
    minsta_antal = parametrar.current().minsta_antal_visas
    key = input_key(
        con,
        slug,
        report_params,
        resolve_engine(engine),
        lan or parametrar.lan(),
        minsta_antal,
        git_revision(),
    )
    return current_version(ws, slug, key)


def publish_report(
    ws: Workspace,
    con: duckdb.DuckDBPyConnection,
    slug: str,
    *,
    period: int | None,
    engine: str,
    lan: str,
    run_id: str | None,
    upstream: set[str],
) -> Published:
    """The report asset's work: :func:`publish` with the delivered files behind ``upstream`` (the
    asset keys the report reads, transitively) in the manifest."""
    from pipelines.sources.registry import all_sources

    sources = [s.name for s in all_sources().values() if s.raw_table in upstream]
    return publish(
        ws,
        con,
        slug,
        params={"period": period},
        input_files=input_files_for(con, sources),
        run_id=run_id,
        engine=engine,
        lan=lan,
    )


def _outputs(folder: Path, formats: Sequence[str]) -> dict[str, Path]:
    return {fmt: folder / f"report.{fmt}" for fmt in formats}


def _make_read_only(folder: Path) -> None:
    """A version's files read-only for their owner (the group's read comes from :func:`share_published`)."""
    for p in folder.rglob("*"):
        if p.is_file():
            p.chmod(0o400)


def _update_index(ws: Workspace, slug: str, version: str, manifest: Mapping[str, Any]) -> None:
    folder = ws.published / slug
    index_path = folder / "versions.json"
    index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else []
    if all(v["version"] != version for v in index):
        index.append(_index_entry(manifest))
    atomic_write(index_path, json.dumps(index, ensure_ascii=False, indent=2).encode())
    felinjektion.punkt("publicera-versions")
    _point_latest(folder, index)
    write_review_site(ws)


def _index_entry(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "version": manifest["version"],
        "publicerad": manifest["publicerad"],
        "commit": manifest["kod"]["commit"],
        "rubrik": manifest["rubrik"],
        "parametrar": manifest["parametrar"],
        "filer": manifest["filer"],
        "dataperiod": manifest["dataperiod"],
        "ocommittade_andringar": manifest["kod"]["dirty"],
    }


def _point_latest(folder: Path, index: Sequence[Mapping[str, Any]]) -> None:
    link_tmp = folder / "latest.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(latest_version(index))
    os.replace(link_tmp, folder / "latest")


def repair_index(ws: Workspace, slugs: Sequence[str] | None = None) -> list[str]:
    """Finish what a run killed in the publish window left: every version folder in
    ``published/<slug>/`` is read-only, listed in ``versions.json`` and counted for ``latest``.

    The publish window's order is: the finished version folder is renamed into place (the commit
    point: it holds its complete manifest), made read-only, added to ``versions.json``, then
    ``latest`` and the review site follow. A kill anywhere after the rename leaves a version that
    this completes from its manifest; a kill before it leaves only a staging folder, removed at the
    next start (:mod:`pipelines.stadning`). Returns the versions added, as ``slug/version``."""
    added: list[str] = []
    changed = False
    for slug_dir in sorted(p for p in ws.published.iterdir() if p.is_dir()) if ws.published.exists() else []:
        if slugs is not None and slug_dir.name not in slugs:
            continue
        manifests = sorted(
            (p for p in slug_dir.glob("*/manifest.json") if not p.parent.is_symlink()),
            key=lambda p: p.parent.name,
        )
        if not manifests:
            continue
        index = read_versions(ws, slug_dir.name)
        known = {v["version"] for v in index}
        missing = []
        for path in manifests:
            if path.parent.name not in known:
                manifest = json.loads(path.read_text(encoding="utf-8"))
                missing.append(manifest)
        for manifest in sorted(missing, key=lambda m: (m["publicerad"], m["version"])):
            _make_read_only(slug_dir / manifest["version"])
            index.append(_index_entry(manifest))
            added.append(f"{slug_dir.name}/{manifest['version']}")
        if missing:
            atomic_write(slug_dir / "versions.json", json.dumps(index, ensure_ascii=False, indent=2).encode())
        link = slug_dir / "latest"
        if index and (not link.is_symlink() or os.readlink(link) != latest_version(index)):
            _point_latest(slug_dir, index)
            changed = True
        changed = changed or bool(missing)
    if changed:
        write_review_site(ws)
    return added


def latest_version(index: Sequence[Mapping[str, Any]]) -> str:
    """The newest version of the newest data period (versions without a period come first)."""

    def key(item: tuple[int, Mapping[str, Any]]) -> tuple[bool, int, str, int]:
        position, v = item
        period = v.get("dataperiod")
        return (period is not None, period or 0, v["publicerad"], position)

    return str(max(enumerate(index), key=key)[1]["version"])


def read_versions(ws: Workspace, slug: str) -> list[dict[str, Any]]:
    path = ws.published / slug / "versions.json"
    versions: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    return versions


def read_statuses(ws: Workspace, slug: str) -> dict[str, dict[str, Any]]:
    """``published/<slug>/status.json``: version → {status, satt, historik}; missing = utkast."""
    path = ws.published / slug / "status.json"
    statuses: dict[str, dict[str, Any]] = (
        json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    )
    return statuses


def set_status(ws: Workspace, slug: str, version: str, status: str) -> dict[str, Any]:
    """Set a version's review status in ``status.json`` beside the versions; the version is untouched.

    Refuses (:class:`StatusError`, Swedish) an unknown report, version or status, and
    ``publicerad`` for a version rendered from a work tree with uncommitted changes.
    """
    if status not in STATUSES:
        raise StatusError(f"okänd status {status!r}; välj {', '.join(STATUSES)}")
    versions = read_versions(ws, slug)
    if not versions:
        raise StatusError(f"rapporten {slug!r} har inga publicerade versioner i {ws.published}")
    entry = next((v for v in versions if v["version"] == version), None)
    if entry is None:
        listed = ", ".join(v["version"] for v in reversed(versions))
        raise StatusError(f"{slug} har ingen version {version!r}; versioner (nyast först): {listed}")
    manifest = json.loads((ws.published / slug / version / "manifest.json").read_text(encoding="utf-8"))
    if status == "publicerad" and manifest["kod"].get("dirty"):
        raise StatusError(
            f"{slug} {version} renderades med ocommittade ändringar och kan inte bli publicerad; "
            "committa och rendera om (det ger en ny version)"
        )
    statuses = read_statuses(ws, slug)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    previous = statuses.get(version, {})
    record = {
        "status": status,
        "satt": now,
        "historik": [*previous.get("historik", []), {"status": status, "satt": now}],
    }
    statuses[version] = record
    atomic_write(
        ws.published / slug / "status.json", json.dumps(statuses, ensure_ascii=False, indent=2).encode()
    )
    write_review_site(ws)
    return record


def key_figure_change(current: Mapping[str, Any], previous: Mapping[str, Any] | None) -> str:
    """The change of one key figure since the previous version, in Swedish ("+1,3 procentenheter")."""
    if previous is None:
        return "ny"
    diff = float(current["varde"]) - float(previous["varde"])
    share = current.get("format") == "procent"
    decimals = int(current.get("decimaler", 1 if share else 0))
    if formatering.tal(abs(diff) * (100 if share else 1), decimals).strip("0,") == "":
        return "oförändrat"  # no change at the precision shown
    if share:
        return formatering.procentenheter(diff, decimals)
    return ("+" if diff > 0 else "") + formatering.tal(diff, decimals)


def previous_same_period(versions: Sequence[Mapping[str, Any]], position: int) -> int | None:
    """The version before ``versions[position]`` with the same data period (what a re-render changed)."""
    period = versions[position].get("dataperiod")
    earlier = [i for i in range(position) if versions[i].get("dataperiod") == period]
    return earlier[-1] if earlier else None


def _key_figures(ws: Workspace, slug: str, version: str) -> dict[str, Any]:
    path = ws.published / slug / version / "nyckeltal.json"
    figures: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return figures


SITE_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "h1{color:#1f4e79}table{border-collapse:collapse;width:100%;margin-bottom:2rem}"
    "th,td{text-align:left;vertical-align:top;padding:.35rem .6rem;border-bottom:1px solid #ddd;"
    "font-size:.88rem}th{border-bottom:2px solid #444}.slug{color:#666}ul.nyckeltal{margin:0;padding:0;"
    "list-style:none}.andring{color:#555}.status{padding:.1rem .45rem;border-radius:.6rem;font-size:.8rem;"
    "white-space:nowrap}.status-utkast{background:#eee}.status-granskad{background:#fdf0d5}"
    ".status-publicerad{background:#d9ead3;font-weight:600}.dirty{color:#b00020;font-weight:600}"
    "tr.latest td:first-child{border-left:4px solid #1f4e79}"
)


def write_review_site(ws: Workspace) -> Path:
    """``published/index.html``: every report and every version, newest first, for reviewers.

    Per version: data period, date, status (``status.json``), code revision (and whether the work
    tree had uncommitted changes), its key figures with the change since the report's previous
    version of the same data period (what new data or code changed), and links to every format,
    the manifest and ``nyckeltal.json``. It links the version folders (never copies them), so it
    can be rewritten at any time without touching a version.
    """
    sections = []
    for index_path in sorted(ws.published.glob("*/versions.json")):
        slug = index_path.parent.name
        versions = read_versions(ws, slug)
        if not versions:
            continue
        statuses = read_statuses(ws, slug)
        latest = latest_version(versions)
        figures = [_key_figures(ws, slug, v["version"]) for v in versions]
        rows = []
        for i in reversed(range(len(versions))):
            v = versions[i]
            name = v["version"]
            base = f"{html.escape(slug)}/{html.escape(name)}"
            links = [
                f'<a href="{base}/{html.escape(file)}">{fmt.upper()}</a>'
                for fmt, file in sorted(v.get("filer", {}).items())
            ]
            links += [f'<a href="{base}/manifest.json">manifest</a>']
            if (ws.published / slug / name / "nyckeltal.json").exists():
                links.append(f'<a href="{base}/nyckeltal.json">nyckeltal</a>')
            params = ", ".join(f"{k} = {val}" for k, val in (v.get("parametrar") or {}).items()) or "–"
            commit = f"<code>{html.escape((v.get('commit') or '–')[:10])}</code>"
            if v.get("ocommittade_andringar"):
                commit += '<br><span class="dirty">ocommittade ändringar</span>'
            status = statuses.get(name, {}).get("status", DEFAULT_STATUS)
            before = previous_same_period(versions, i)
            items = "".join(
                f"<li>{html.escape(f['etikett'])}: <strong>{html.escape(f['text'])}</strong> "
                '<span class="andring">('
                + html.escape(
                    key_figure_change(f, figures[before].get(k)) if before is not None else "första versionen"
                )
                + ")</span></li>"
                for k, f in figures[i].items()
            )
            row_class = ' class="latest"' if name == latest else ""
            rows.append(
                f"<tr{row_class}><td><code>{html.escape(name)}</code>"
                f"{'<br>(latest)' if name == latest else ''}</td>"
                f"<td>{html.escape(str(v.get('dataperiod') or '–'))}</td>"
                f"<td>{html.escape(v['publicerad'].replace('T', ' ').removesuffix('+00:00'))}</td>"
                f'<td><span class="status status-{status}">{status}</span></td>'
                f"<td>{html.escape(params)}</td><td>{commit}</td>"
                f'<td><ul class="nyckeltal">{items or "<li>–</li>"}</ul></td>'
                f"<td>{' · '.join(links)}</td></tr>"
            )
        title = html.escape(versions[-1].get("rubrik", slug))
        latest_entry = next(v for v in versions if v["version"] == latest)
        first_file = next(iter(sorted(latest_entry.get("filer", {}).values())), "manifest.json")
        sections.append(
            f'<section id="{html.escape(slug)}"><h2>{title}</h2><p class="slug">{html.escape(slug)} – '
            f'senaste: <a href="{html.escape(slug)}/latest/{html.escape(first_file)}">'
            f"{html.escape(latest)}</a> (nyaste versionen av den senaste dataperioden)</p>"
            "<table><thead><tr><th>Version</th><th>Dataperiod</th><th>Skapad (UTC)</th><th>Status</th>"
            "<th>Parametrar</th><th>Kod</th><th>Nyckeltal (ändring sedan förra versionen för samma "
            "dataperiod)</th>"
            f"<th>Filer</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    page = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        f"<title>Analysplan – publicerade rapporter</title><style>{SITE_CSS}</style></head><body>"
        "<h1>Publicerade rapporter</h1>"
        "<p>Varje version är oföränderlig; dess manifest anger indatafilernas SHA-256, kodversion och "
        "paketversioner. Status sätts med <code>analysplan status RAPPORT VERSION "
        "utkast|granskad|publicerad</code>; en version med ocommittade ändringar kan inte bli publicerad.</p>"
        f"{''.join(sections) or '<p>Inget publicerat än.</p>'}</body></html>"
    )
    target = ws.published / "index.html"
    atomic_write(target, page.encode())
    share_published(ws)  # ANALYSPLAN_PUBLICERAT_GRUPP=1: the group may read published/
    return target


def input_files_for(con: duckdb.DuckDBPyConnection, sources: Sequence[str]) -> list[dict[str, Any]]:
    """The delivered files behind ``sources`` (from meta_filer), for the manifest."""
    if not sources:
        return []
    rows = con.sql(
        "SELECT kalla, filnamn, sha256, byte, rader, inlast FROM meta_filer WHERE list_contains($k, kalla) "
        "ORDER BY kalla, inlast, sha256",
        params={"k": list(sources)},
    ).fetchall()
    return [
        {"kalla": k, "filnamn": f, "sha256": s, "byte": b, "rader": r, "inlast": i.isoformat()}
        for k, f, s, b, r, i in rows
    ]
