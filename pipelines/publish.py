"""Publishing: freeze the tables a report reads, render it in staging, move the version into place.

A version folder ``published/<slug>/<version>/`` holds ``report.html``, ``report.pdf`` (and
``report.pptx`` where the plan asks for slides), ``data/<table>.parquet`` (the frozen tables the
report read) and ``manifest.json``. It is written once, by an atomic rename of a finished staging
folder, and never modified afterwards.

The version name is ``<period>-<fingerprint>``, where the fingerprint hashes everything that can
change the report: the frozen tables' bytes, the report's folder, the report library and renderer
code, the lock file, the engine and the parameters. The manifest's ``parametrar`` lists the
report's period and county beside every analysis parameter the frozen tables were built with.
**A re-run with unchanged inputs and code therefore yields the same version name, and publishing
is a no-op**: the existing version is kept as it is (its manifest still names the run that made
it) and reported as unchanged. Any change in data or code gives a new version beside the old
ones; ``published/<slug>/latest`` points at the newest and ``published/<slug>/versions.json``
lists them all.
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
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from pipelines import build, parametrar, reportlib, warehouse
from pipelines.workspace import REPO_ROOT, Workspace, atomic_write

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


def frozen_parameters(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], report_params: Mapping[str, Any]
) -> dict[str, Any]:
    """The manifest's ``parametrar``: the report's own (period, county) beside every analysis
    parameter that any of ``tables`` was built with (recorded per table in meta_tabeller, its
    inputs' included); a parameter with different values in different tables lists them all."""
    return build.merge_parameters(report_params, *(build.recorded_parameters(con, t) for t in tables))


def freeze_tables(con: duckdb.DuckDBPyConnection, tables: Sequence[str], folder: Path) -> dict[str, str]:
    """Write each table to ``folder/<table>.parquet``; returns table → SHA-256 of the file."""
    folder.mkdir(parents=True, exist_ok=True)
    hashes = {}
    for table in tables:
        path = folder / f"{table}.parquet"
        con.execute(
            f"COPY (SELECT * FROM \"{warehouse.check_table_name(table)}\") TO '{path}' (FORMAT parquet)"
        )
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
    formats = tuple(meta.get("format", ["html", "pdf"]))
    qmd = report_qmd(slug)
    tables = tables_read(slug)
    engine_name = resolve_engine(engine)

    stage = ws.staging / f"{slug}-{uuid.uuid4().hex[:8]}"
    try:
        data_hashes = freeze_tables(con, tables, stage / "data")
        all_params = frozen_parameters(con, tables, {**report_params, "lan": county})
        fingerprint = hashlib.sha256(
            json.dumps(
                {
                    "data": data_hashes,
                    "report": _hash_tree(qmd.parent),
                    "code": code_fingerprint(),
                    "engine": engine_name,
                    "params": all_params,
                    "formats": formats,
                },
                sort_keys=True,
                default=str,
            ).encode()
        ).hexdigest()
        version = f"{report_params.get('period', 'senaste')}-{fingerprint[:12]}"
        target = ws.published / slug / version
        if target.exists():
            return Published(slug, version, target, _outputs(target, formats), new=False)

        source_copy = stage / "src"
        shutil.copytree(qmd.parent, source_copy)
        rendered = render(
            source_copy / qmd.name,
            stage,
            formats=formats,
            params=report_params,
            env={
                reportlib.DATA_ENV: str(stage / "data"),
                parametrar.LAN_ENV: county,
                "PYTHONPATH": str(REPO_ROOT),
            },
            engine=engine_name,
        )
        shutil.rmtree(source_copy)
        manifest = {
            "rapport": slug,
            "rubrik": meta["rubrik"],
            "uppdrag": meta["uppdrag"],
            "version": version,
            "fingeravtryck": fingerprint,
            "publicerad": datetime.now(UTC).isoformat(timespec="seconds"),
            "parametrar": all_params,
            "renderingsmotor": engine_name,
            "filer": {fmt: p.name for fmt, p in rendered.items()},
            "tabeller": {t: {"fil": f"data/{t}.parquet", "sha256": h} for t, h in data_hashes.items()},
            "indata": list(input_files),
            "kod": {
                **git_revision(),
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
        _make_read_only(target)
        _update_index(ws, slug, version, manifest)
        return Published(slug, version, target, _outputs(target, formats), new=True)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _outputs(folder: Path, formats: Sequence[str]) -> dict[str, Path]:
    return {fmt: folder / f"report.{fmt}" for fmt in formats}


def _make_read_only(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            p.chmod(0o444)


def _update_index(ws: Workspace, slug: str, version: str, manifest: Mapping[str, Any]) -> None:
    folder = ws.published / slug
    index_path = folder / "versions.json"
    index = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else []
    index.append(
        {
            "version": version,
            "publicerad": manifest["publicerad"],
            "commit": manifest["kod"]["commit"],
            "rubrik": manifest["rubrik"],
            "parametrar": manifest["parametrar"],
            "filer": manifest["filer"],
        }
    )
    atomic_write(index_path, json.dumps(index, ensure_ascii=False, indent=2).encode())
    link_tmp = folder / "latest.tmp"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(version)
    os.replace(link_tmp, folder / "latest")
    write_review_site(ws)


def write_review_site(ws: Workspace) -> Path:
    """``published/index.html``: every report and every version, newest first, for reviewers.

    It links the version folders (never copies them), so it can be rewritten at any time without
    touching a published version.
    """
    sections = []
    for index_path in sorted(ws.published.glob("*/versions.json")):
        slug = index_path.parent.name
        versions = json.loads(index_path.read_text(encoding="utf-8"))
        if not versions:
            continue
        rows = []
        for v in reversed(versions):
            base = f"{html.escape(slug)}/{html.escape(v['version'])}"
            links = " · ".join(
                f'<a href="{base}/{html.escape(name)}">{fmt.upper()}</a>'
                for fmt, name in sorted(v.get("filer", {}).items())
            )
            manifest = f'<a href="{base}/manifest.json">manifest</a>'
            params = ", ".join(f"{k} = {val}" for k, val in (v.get("parametrar") or {}).items()) or "–"
            commit = (v.get("commit") or "–")[:10]
            rows.append(
                f"<tr><td><code>{html.escape(v['version'])}</code></td><td>{html.escape(v['publicerad'])}</td>"
                f"<td>{html.escape(params)}</td><td><code>{html.escape(commit)}</code></td>"
                f"<td>{links} · {manifest}</td></tr>"
            )
        title = html.escape(versions[-1].get("rubrik", slug))
        sections.append(
            f'<section><h2>{title}</h2><p class="slug">{html.escape(slug)} – senaste: '
            f'<a href="{html.escape(slug)}/latest/">latest</a></p>'
            "<table><thead><tr><th>Version</th><th>Publicerad (UTC)</th><th>Parametrar</th>"
            f"<th>Commit</th><th>Filer</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
        )
    page = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8">'
        "<title>Analysplan – publicerade rapporter</title><style>"
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;color:#222}"
        "h1{color:#1f4e79}table{border-collapse:collapse;width:100%;margin-bottom:2rem}"
        "th,td{text-align:left;padding:.3rem .6rem;border-bottom:1px solid #ddd;font-size:.9rem}"
        ".slug{color:#666}</style></head><body><h1>Publicerade rapporter</h1>"
        "<p>Varje version är oföränderlig; dess manifest anger indatafilernas SHA-256, kodversion och "
        f"paketversioner.</p>{''.join(sections) or '<p>Inget publicerat än.</p>'}</body></html>"
    )
    target = ws.published / "index.html"
    atomic_write(target, page.encode())
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
