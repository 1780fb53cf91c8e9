"""Versions and review: key figures, latest = newest version of the newest period, status beside the
version (never in it), dirty work trees, the review site. A small report rendered to HTML for real."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import publish, reportlib
from pipelines.cli import app
from pipelines.workspace import Workspace
from tests.conftest import tree

SLUG = "testrapport"
QMD = """---
title: "Testrapport om äldre"
lang: sv
execute:
  echo: false
---

```{python}
#| tags: [parameters]
period = None
```

```{python}
import polars as pl
from pipelines.reportlib import load, nyckeltal
from pipelines.formatering import procent, tal

t = load("out_test__aldre")
ar = int(period) if period else int(t["ar"].max())
rad = t.filter(pl.col("ar") == ar).row(0, named=True)
nyckeltal("folkmangd", rad["folkmangd"], "Folkmängd")
nyckeltal("andel_65", rad["andel"], "Andel 65+ år", format="procent")
```

## Hur många bor i länet?

År `{python} ar` bodde `{python} tal(rad["folkmangd"])` personer i länet, `{python} procent(rad["andel"])` var 65+.
"""


@pytest.fixture
def report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    reports = tmp_path / "reports"
    (reports / SLUG).mkdir(parents=True)
    (reports / SLUG / f"{SLUG}.qmd").write_text(QMD, encoding="utf-8")
    monkeypatch.setattr(publish, "REPORTS_DIR", reports)
    meta = {
        "rubrik": "Testrapport om äldre",
        "uppdrag": "test",
        "publikationsform": "Kort analys",
        "format": ["html"],
    }
    monkeypatch.setattr(publish.reportlib, "report_meta", lambda slug: dict(meta))
    monkeypatch.setattr(publish, "git_revision", lambda: {"commit": "0123456789abcdef", "dirty": False})
    documented = {
        **publish.schema.documented(),
        "out_test__aldre": {"korn": ["ar"], "skydd": "ingen – testtabell med folkmängd", "kolumner": {}},
    }
    monkeypatch.setattr(publish.schema, "documented", lambda: documented)
    return reports


def load_rows(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, int, float]]) -> None:
    con.execute("CREATE OR REPLACE TABLE out_test__aldre (ar INTEGER, folkmangd BIGINT, andel DOUBLE)")
    con.executemany("INSERT INTO out_test__aldre VALUES (?, ?, ?)", rows)


def publish_once(ws: Workspace, con: duckdb.DuckDBPyConnection, **params: Any) -> publish.Published:
    return publish.publish(ws, con, SLUG, params=params, engine="builtin")


def read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_versions_key_figures_latest_and_status(
    report: Path, workspace: Workspace, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = workspace.published / SLUG
    load_rows(con, [(2023, 249_000, 0.251), (2024, 248_653, 0.2524)])
    first = publish_once(workspace, con)
    assert first.new and first.version.startswith("senaste-")

    # key figures: recorded by the report from its frozen table, kept in the version
    figures = read(first.folder / "nyckeltal.json")
    assert figures == {
        "folkmangd": {
            "etikett": "Folkmängd",
            "varde": 248653,
            "format": "tal",
            "decimaler": 0,
            "text": "248\u00a0653",
        },
        "andel_65": {
            "etikett": "Andel 65+ år",
            "varde": 0.2524,
            "format": "procent",
            "decimaler": 1,
            "text": "25,2\u00a0%",
        },
    }
    manifest = read(first.folder / "manifest.json")
    assert manifest["dataperiod"] == 2024 and manifest["nyckeltal"] == "nyckeltal.json"
    html = " ".join((first.folder / "report.html").read_text(encoding="utf-8").split())
    assert f"Version {first.version}" in html and "Kodrevision 0123456789ab" in html  # the colophon
    assert "ocommittade" not in html

    # new data for the same period: a second version; the site shows the change since the first
    load_rows(con, [(2023, 249_000, 0.251), (2024, 248_900, 0.2561)])
    second = publish_once(workspace, con)
    assert second.new and second.version != first.version
    assert (folder / "latest").resolve() == second.folder

    # an older period rendered last: latest stays on the newest version of the newest period
    older = publish_once(workspace, con, period=2023)
    assert older.version.startswith("2023-")
    assert read(older.folder / "manifest.json")["dataperiod"] == 2023
    assert (folder / "latest").resolve() == second.folder
    assert [v["version"] for v in read(folder / "versions.json")] == [
        first.version,
        second.version,
        older.version,
    ]

    site = (workspace.published / "index.html").read_text(encoding="utf-8")
    # 248 900 − 248 653 = +247; 25,61 % − 25,24 % = +0,37 → "+0,4 procentenheter"
    assert 'Folkmängd: <strong>248\u00a0900</strong> <span class="andring">(+247)</span>' in site
    assert (
        'Andel 65+ år: <strong>25,6\u00a0%</strong> <span class="andring">(+0,4\u00a0procentenheter)' in site
    )
    assert site.count("(första versionen)") == 4  # 2 figures × (first version, first 2023 version)
    assert f'href="{SLUG}/latest/report.html">{second.version}</a>' in site
    assert site.count('class="status status-utkast"') == 3

    # status: beside the versions, never inside one
    before = {v: tree(folder / v) for v in (first.version, second.version, older.version)}
    record = publish.set_status(workspace, SLUG, second.version, "granskad")
    assert record["status"] == "granskad"
    publish.set_status(workspace, SLUG, second.version, "publicerad")
    statuses = read(folder / "status.json")
    assert statuses[second.version]["status"] == "publicerad"
    assert [h["status"] for h in statuses[second.version]["historik"]] == ["granskad", "publicerad"]
    assert {v: tree(folder / v) for v in before} == before
    site = (workspace.published / "index.html").read_text(encoding="utf-8")
    assert (
        site.count('class="status status-publicerad"') == 1
        and site.count('class="status status-utkast"') == 2
    )

    with pytest.raises(publish.StatusError, match="ingen version 'senaste-finnsinte'.*" + second.version):
        publish.set_status(workspace, SLUG, "senaste-finnsinte", "granskad")
    with pytest.raises(publish.StatusError, match="okänd status 'klar'"):
        publish.set_status(workspace, SLUG, second.version, "klar")

    # a dirty work tree: said in the manifest, the colophon and the site; never publicerad
    monkeypatch.setattr(publish, "git_revision", lambda: {"commit": "0123456789abcdef", "dirty": True})
    dirty = publish_once(workspace, con)
    assert dirty.new and dirty.version != second.version  # same code and data, but dirty: a new version
    assert read(dirty.folder / "manifest.json")["kod"]["dirty"] is True
    html = " ".join((dirty.folder / "report.html").read_text(encoding="utf-8").split())
    assert "Kodrevision 0123456789ab – ocommittade ändringar" in html
    site = (workspace.published / "index.html").read_text(encoding="utf-8")
    assert "ocommittade ändringar</span>" in site
    assert site.count("(oförändrat)") == 2  # same data as the second version
    with pytest.raises(publish.StatusError, match="ocommittade ändringar och kan inte bli publicerad"):
        publish.set_status(workspace, SLUG, dirty.version, "publicerad")
    publish.set_status(workspace, SLUG, dirty.version, "granskad")  # reviewing a draft is fine


def test_status_command_in_swedish(
    report: Path, workspace: Workspace, con: duckdb.DuckDBPyConnection
) -> None:
    load_rows(con, [(2024, 248_653, 0.2524)])
    version = publish_once(workspace, con).version
    runner = CliRunner()
    listed = runner.invoke(app, ["status", SLUG])
    assert listed.exit_code == 0 and listed.stdout == f"{version}\tutkast (latest)\n"
    done = runner.invoke(app, ["status", SLUG, version, "granskad"])
    assert done.exit_code == 0, done.output
    assert f"{SLUG} {version}: status granskad" in done.stderr
    unknown = runner.invoke(app, ["status", SLUG, "2019-abc", "granskad"])
    assert unknown.exit_code == 2
    message = " ".join(unknown.stderr.split())
    assert f"{SLUG} har ingen version '2019-abc'; versioner (nyast först): {version}" in message
    assert "Traceback" not in unknown.output
    none = runner.invoke(app, ["status", "saknas"])
    assert none.exit_code == 2 and "inga publicerade versioner" in none.stderr


def test_key_figure_is_checked_and_silent_outside_publish(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(reportlib.NYCKELTAL_ENV, raising=False)
    reportlib.nyckeltal("andel_65", 0.25, "Andel", format="procent")  # nothing to write to: no error
    for args, words in [
        (("Andel 65", 0.25, "x"), "bara a–z"),
        (("andel", 0.25, "x", "kronor"), "format 'kronor'"),
        (("andel", float("nan"), "x"), "ska vara ett tal"),
        (("andel", True, "x"), "ska vara ett tal"),
    ]:
        with pytest.raises(ValueError, match=words):
            reportlib.nyckeltal(*args)  # type: ignore[arg-type]
    target = tmp_path / "nyckeltal.json"
    monkeypatch.setenv(reportlib.NYCKELTAL_ENV, str(target))
    reportlib.nyckeltal("folkmangd", 100, "Folkmängd")
    reportlib.nyckeltal("folkmangd", 101, "Folkmängd")  # declared again (Quarto: once per format)
    assert read(target)["folkmangd"]["varde"] == 101


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        ({"varde": 248_900, "format": "tal", "decimaler": 0}, {"varde": 248_653}, "+247"),
        ({"varde": 248_000, "format": "tal", "decimaler": 0}, {"varde": 249_250}, "\u22121\u00a0250"),
        ({"varde": 10.0, "format": "tal", "decimaler": 0}, {"varde": 10.2}, "oförändrat"),
        (
            {"varde": 0.2561, "format": "procent", "decimaler": 1},
            {"varde": 0.2524},
            "+0,4\u00a0procentenheter",
        ),
        ({"varde": 0.25241, "format": "procent", "decimaler": 1}, {"varde": 0.2524}, "oförändrat"),
        ({"varde": 0.2524, "format": "procent", "decimaler": 2}, {"varde": 0.2525}, "−0,01 procentenheter"),
        ({"varde": 1, "format": "tal"}, None, "ny"),
    ],
)
def test_key_figure_change(current: dict[str, Any], previous: dict[str, Any] | None, expected: str) -> None:
    assert publish.key_figure_change(current, previous) == expected


def test_latest_version_prefers_period_then_time() -> None:
    index = [
        {"version": "senaste-a", "dataperiod": 2025, "publicerad": "2026-01-01T10:00:00+00:00"},
        {"version": "senaste-b", "dataperiod": 2025, "publicerad": "2026-01-02T10:00:00+00:00"},
        {"version": "2020-c", "dataperiod": 2020, "publicerad": "2026-01-03T10:00:00+00:00"},
        {"version": "x-d", "dataperiod": None, "publicerad": "2026-01-04T10:00:00+00:00"},
    ]
    assert publish.latest_version(index) == "senaste-b"
    assert publish.latest_version(index[2:]) == "2020-c"


def test_slides_where_the_plan_asks_for_them(
    report: Path, workspace: Workspace, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pptx import Presentation

    meta = {
        "rubrik": "Testrapport om äldre",
        "uppdrag": "test",
        "publikationsform": "Analysresultat (PPT-bilder)",
    }
    monkeypatch.setattr(publish.reportlib, "report_meta", lambda slug: dict(meta))  # no format: from the text
    load_rows(con, [(2024, 248_653, 0.2524)])
    result = publish_once(workspace, con)
    assert set(result.files) == {"html", "pptx"}
    assert read(result.folder / "manifest.json")["filer"] == {"html": "report.html", "pptx": "report.pptx"}
    slides = list(Presentation(str(result.files["pptx"])).slides)
    titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in slides]
    assert titles == ["Testrapport om äldre", "Hur många bor i länet?", "Om versionen"]
    answer = " ".join(sh.text_frame.text for sh in slides[1].shapes if sh.has_text_frame)
    assert "År 2024 bodde 248\u00a0653 personer i länet, 25,2\u00a0% var 65+." in answer
    colophon = " ".join(sh.text_frame.text for sh in slides[-1].shapes if sh.has_text_frame)
    assert f"Version {result.version}" in colophon and "Kodrevision 0123456789ab" in colophon
