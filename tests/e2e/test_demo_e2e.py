"""End to end, through the CLI, in a temporary workspace: demo → published HTML/PDF → re-runs → bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
from pypdf import PdfReader

from pipelines.formatering import procent, tal
from tests.conftest import run_cli as run
from tests.conftest import tree

pytestmark = pytest.mark.e2e
TITLE = "Befolkningsutveckling i Norrbotten"


@pytest.fixture
def demo(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    return demo_run


def test_demo_prints_published_paths(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, proc = demo
    paths = [Path(line) for line in proc.stdout.splitlines() if line.strip()]
    by_report: dict[str, list[str]] = {}
    for p in paths:
        assert p.is_file() and p.stat().st_size > 1000
        assert p.parent.parent.parent == home / "published"
        by_report.setdefault(p.parent.parent.name, []).append(p.name)
    assert by_report["befolkning"] == ["report.html", "report.pdf"]
    assert by_report["plan"] == ["report.html", "report.pdf"]


def _sql(home: Path, query: str) -> list[list[str]]:
    lines = run(home, "sql", query).stdout.strip().splitlines()
    return [line.split(",") for line in lines]


def test_html_reads_in_swedish_with_the_warehouse_numbers(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo
    html = (home / "published" / "befolkning" / "latest" / "report.html").read_text(encoding="utf-8")
    assert f"<title>{TITLE}" in html
    assert 'lang="sv"' in html
    header, row = _sql(
        home,
        "SELECT ar, folkmangd, andel FROM out_scb__aldersstruktur WHERE region_kod = '25' AND kon = 'alla' "
        "AND aldersgrupp IN ('alla', '65+') ORDER BY ar DESC, aldersgrupp DESC LIMIT 2",
    )[0:2]
    assert header == ["ar", "folkmangd", "andel"]
    ar, folkmangd, _ = row
    assert f"Den 31 december {ar} bodde {tal(int(folkmangd))} personer" in html
    assert re.search(r"\d{3}\u00a0\d{3} personer", html)  # "248 653" with a no-break space
    ((_, _, andel65),) = _sql(
        home,
        f"SELECT ar, folkmangd, andel FROM out_scb__aldersstruktur WHERE region_kod = '25' AND kon = 'alla' "
        f"AND aldersgrupp = '65+' AND ar = {int(ar)}",
    )[1:]
    assert procent(float(andel65)) in html  # e.g. "25,2 %"
    assert "Figur 1" in html and "Tabell 1" in html
    assert "data:image/png;base64," in html  # self-contained: the figure is embedded
    assert "Övertorneå" in html and "Demografi och sjukdomspanorama" in html
    version = (home / "published" / "befolkning" / "latest").resolve()
    commit = json.loads((version / "manifest.json").read_text(encoding="utf-8"))["kod"]["commit"]
    flat = " ".join(html.split())
    assert "Om versionen</h2>" in flat and f"Version {version.name}" in flat  # the colophon
    assert f"Kodrevision {commit[:12]}" in flat


def test_pdf_text_is_swedish_and_intact(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = demo
    pdf = home / "published" / "befolkning" / "latest" / "report.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    text = "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
    flat = " ".join(text.split())
    assert TITLE in flat
    assert "Norrbotten" in flat
    for word in ("Övertorneå", "Älvsbyn", "Folkmängd", "åldersstruktur", "Överkalix"):
        assert word in flat, word
    assert f"Om versionen Version {pdf.parent.resolve().name} Skapad " in flat  # the colophon


def test_manifest_names_data_and_code(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = demo
    version = (home / "published" / "befolkning" / "latest").resolve()
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    demo_file = home / "demo" / "scb_befolkning_tab638.json"
    entry = next(i for i in manifest["indata"] if i["filnamn"] == demo_file.name)
    assert entry["sha256"] == hashlib.sha256(demo_file.read_bytes()).hexdigest()
    assert entry["kalla"] == "scb-befolkning"
    assert {i["kalla"] for i in manifest["indata"]} == {"scb-befolkning"}  # only what the report reads
    table = manifest["tabeller"]["out_scb__aldersstruktur"]
    assert hashlib.sha256((version / table["fil"]).read_bytes()).hexdigest() == table["sha256"]
    lock = Path(__file__).resolve().parents[2] / "uv.lock"
    assert manifest["kod"]["lasfil_sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert manifest["paket"]["duckdb"] == "2.0.1"
    assert manifest["version"] == version.name
    assert set(manifest["filer"]) == {"html", "pdf"}
    # key figures declared by the report from its frozen table, kept in the version
    figures = json.loads((version / "nyckeltal.json").read_text(encoding="utf-8"))
    ((ar, _, andel),) = _sql(
        home,
        "SELECT ar, folkmangd, andel FROM out_scb__aldersstruktur WHERE region_kod = '25' AND kon = 'alla' "
        "AND aldersgrupp = '65+' ORDER BY ar DESC LIMIT 1",
    )[1:]
    assert manifest["dataperiod"] == int(ar)
    assert figures["andel_65_plus_lan"]["varde"] == pytest.approx(float(andel))
    assert figures["andel_65_plus_lan"]["text"] == procent(float(andel))
    assert figures["folkmangd_lan"]["etikett"] == "Folkmängd i länet"
    # every parameter the frozen table was built with (meta_tabeller), beside the report's county
    recorded = run(
        home, "sql", "SELECT parametrar FROM meta_tabeller WHERE tabell = 'out_scb__aldersstruktur'"
    )
    built_with = json.loads(list(csv.reader(io.StringIO(recorded.stdout)))[1][0])
    assert built_with == {"lan": "25"}  # sql/out_scb__aldersstruktur.sql binds $lan only
    # … and the small-cell limit the frozen tables were protected with
    assert {k: v for k, v in manifest["parametrar"].items() if k != "period"} == {
        **built_with,
        "lan": "25",
        "minsta_antal_visas": 5,
    }


def test_rerun_is_a_noop_and_a_new_period_is_a_new_version(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo
    folder = home / "published" / "befolkning"
    latest_before = (folder / "latest").resolve()
    before = tree(folder)
    proc = run(home, "report", "befolkning")
    assert "oförändrad" in proc.stderr
    assert tree(folder) == before  # nothing rewritten, no new version
    proc = run(home, "report", "befolkning", "--period", "2020")
    assert "ny version" in proc.stderr
    new = [p for p in folder.iterdir() if p.is_dir() and p.name.startswith("2020-")]
    assert len(new) == 1
    assert (folder / "latest").resolve() == latest_before  # an older period rendered last is not latest
    html = (new[0] / "report.html").read_text(encoding="utf-8")
    assert "Den 31 december 2020 bodde" in html
    for name, digest in before.items():  # the earlier version is untouched
        if not name.startswith(("latest", "versions.json")):
            assert tree(folder)[name] == digest
    site = (home / "published" / "index.html").read_text(encoding="utf-8")
    assert TITLE in site and new[0].name in site and f"befolkning/{new[0].name}/report.pdf" in site


def test_bad_file_is_rejected_and_changes_nothing(
    demo: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    home, _ = demo
    bad = tmp_path / "trasig.json"
    good = (home / "demo" / "scb_befolkning_tab638.json").read_text(encoding="utf-8")
    bad.write_text(good[: len(good) // 2], encoding="utf-8")  # truncated delivery
    warehouse_before = (home / "warehouse.duckdb").read_bytes()
    published_before = tree(home / "published")
    proc = run(home, "ingest", "scb-befolkning", str(bad), check=False)
    assert proc.returncode != 0
    assert "trasig.json" in proc.stderr and "regel pxweb-json" in proc.stderr
    assert (home / "warehouse.duckdb").read_bytes() == warehouse_before
    assert tree(home / "published") == published_before


def test_sql_is_read_only(demo: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = demo
    proc = run(home, "sql", "DROP TABLE out_scb__aldersstruktur", check=False)
    assert proc.returncode != 0
    assert "read-only" in proc.stderr.lower() or "skrivskydd" in proc.stderr.lower()
    assert _sql(home, "SELECT count(*) AS n FROM out_scb__aldersstruktur")[1][0] != "0"


def test_report_without_data_says_what_to_run(tmp_path: Path) -> None:
    proc = run(tmp_path / "tom", "report", "befolkning", check=False)
    assert proc.returncode != 0
    message = " ".join(proc.stderr.split())
    assert "Inga filer är inlästa för scb-befolkning: kör `analysplan ingest scb-befolkning FIL`" in message
    assert "Traceback" not in proc.stderr and "Stack Trace" not in proc.stderr


def _in_hyphenated(phrase: str, text: str) -> bool:
    """``phrase`` occurs in PDF text that Typst may have hyphenated ("repro- duktiv", "befolk\xad ningen")."""
    pattern = r"(?:[-\xad]\s?)?".join(r"\s+" if c == " " else re.escape(c) for c in phrase)
    return re.search(pattern, text) is not None


def test_in_hyphenated() -> None:
    assert _in_hyphenated("reproduktiv hälsa", "om repro- duktiv hälsa")
    assert _in_hyphenated("befolkningen", "befolk\xad ningen")
    assert not _in_hyphenated("reproduktiv hälsa", "om produktiv hälsa")


def test_plan_report_lists_every_uppdrag_and_links_the_reports(
    demo: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    from pipelines import reportlib

    home, _ = demo
    version = (home / "published" / "plan" / "latest").resolve()
    html = (version / "report.html").read_text(encoding="utf-8")
    text = " ".join(
        " ".join(page.extract_text() or "" for page in PdfReader(version / "report.pdf").pages).split()
    )
    flat_html = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    uppdrag = reportlib.plan()["uppdrag"]
    assert len(uppdrag) == 16
    for u in uppdrag:
        rubrik = " ".join(u["rubrik"].split())
        assert rubrik in flat_html, rubrik
        assert _in_hyphenated(rubrik, text), rubrik
    assert "<title>Analysplan 2020 – status" in html
    assert flat_html.count("Underlag saknas i pipelinen") >= 9
    assert 'href="../../ytterfall/latest/report.html"' in html
    assert 'href="../../befolkning/latest/report.html"' in html  # underlag to Demografi
    # a link resolves from the version folder to the other report's latest version
    assert (version / "../../befolkning/latest/report.html").resolve().is_file()
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["tabeller"]) == {"core_ref__analysplan"}
    assert manifest["uppdrag"] is None


def _fonts(pdf: Path) -> dict[str, bool]:
    """Every font the PDF's pages use → whether its font program is embedded (what `pdffonts`
    shows as "emb"), read with pypdf so the test needs no poppler-utils."""
    found: dict[str, bool] = {}
    for page in PdfReader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            fonts_with_descriptor = [d.get_object() for d in font.get("/DescendantFonts", [])] or [font]
            for f in fonts_with_descriptor:
                descriptor = f.get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
                )
                found[str(font.get("/BaseFont"))] = embedded
    return found


@pytest.mark.parametrize("slug", ["befolkning", "plan"])
def test_pdf_fonts_are_embedded(demo: tuple[Path, subprocess.CompletedProcess[str]], slug: str) -> None:
    home, _ = demo
    fonts = _fonts(home / "published" / slug / "latest" / "report.pdf")
    assert fonts and all(fonts.values()), fonts
    assert any("LibertinusSerif" in name for name in fonts)  # Typst's bundled serif: has å, ä, ö
