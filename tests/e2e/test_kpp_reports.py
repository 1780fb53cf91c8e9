"""KPP 2020 (HTML + PPTX) and Cancerrapport (HTML + PDF) from the demo, with their answers from the frozen
tables; and KPP 2020 published from a workspace holding only the three sources it needs."""

from __future__ import annotations

import html
import re
import subprocess
from pathlib import Path

import polars as pl
import pytest
from pptx import Presentation

from pipelines.demo import kpp as kpp_demo
from pipelines.formatering import procent, tal
from tests.conftest import run_cli as run

pytestmark = pytest.mark.e2e


def page_text(path: Path) -> str:
    page = re.sub(r"<style.*?</style>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def plain(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def frozen(latest: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(latest / "data" / f"{table}.parquet")


def test_kpp_2020_answers_its_questions(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = demo_run
    latest = (home / "published" / "kpp-2020" / "latest").resolve()
    assert sorted(p.name for p in latest.glob("report.*")) == ["report.html", "report.pptx"]
    text = plain(page_text(latest / "report.html"))
    cpp = frozen(latest, "out_kpp__kostnad_per_drg_poang")
    ar = int(frozen(latest, "out_kpp__sjukhus")["ar"].max())
    rad = cpp.filter(
        (pl.col("ar") == ar)
        & (pl.col("region_kod") == "25")
        & (pl.col("jamforelsegrupp") == "alla")
        & (pl.col("vardform") == "sluten")
        & (pl.col("vardtyp") == "somatisk")
    ).row(0, named=True)
    assert rad["dataniva"] == "kpp-databasen"  # the county's styrmått from its own rows in the KPP database
    ord_ = {"hogre": "högre", "lagre": "lägre"}[rad["riktning"]]
    svar = f"{procent(abs(rad['skillnad_mot_riket_rel']))} {ord_} än rikets i somatisk slutenvård"
    assert plain(svar) in text
    for fraga in (
        "sjukvårdsdivisionerna",
        "landets läns- och länsdelssjukhus",
        "Norrbotten jämförs med riket",
        "En KPP-analys av primärvården påbörjas 2020",
        "Öka jmf motsvarande kvartal året innan",
    ):
        assert fraga in text
    assert "Sammanfattning" in text and "Källa: Nationella KPP-databasen" in text
    slides = Presentation(str(latest / "report.pptx")).slides
    titles = [s.shapes.title.text for s in slides if s.shapes.title is not None]
    assert "Hur står sig länet mot riket?" in titles and "Sammanfattning" in titles
    slide_text = plain(" ".join(sh.text_frame.text for s in slides for sh in s.shapes if sh.has_text_frame))
    assert plain(svar) in slide_text


def test_cancer_report_answers_its_questions(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    home, _ = demo_run
    latest = (home / "published" / "cancer" / "latest").resolve()
    assert sorted(p.name for p in latest.glob("report.*")) == ["report.html", "report.pdf"]
    text = plain(page_text(latest / "report.html"))
    cancer = frozen(latest, "out_kpp__cancer")
    ar = int(cancer["ar"].max())
    tot = cancer.filter(
        (pl.col("ar") == ar)
        & (pl.col("grupp") == "cancer")
        & (pl.col("kon") == "alla")
        & (pl.col("aldersgrupp") == "alla")
        & (pl.col("sjukhus") == "alla")
        & (pl.col("vardform") == "alla")
    ).row(0, named=True)
    assert (
        plain(f"{tal(tot['antal_individer'])} individer hade {tal(tot['antal_kontakter'])} vårdkontakter")
        in text
    )
    assert "NUS" in text and "D10–D48" in text
    # individuals are counted per cell: the county's total is not the sum over its hospitals
    per_sjukhus = cancer.filter(
        (pl.col("ar") == ar)
        & (pl.col("grupp") == "cancer")
        & (pl.col("kon") == "alla")
        & (pl.col("aldersgrupp") == "alla")
        & (pl.col("sjukhus") != "alla")
        & (pl.col("vardform") == "alla")
    )
    assert tot["antal_individer"] <= per_sjukhus["antal_individer"].sum()


def test_kpp_2020_publishes_from_its_three_sources(tmp_path: Path) -> None:
    home = tmp_path / "home"
    files = kpp_demo.generate_files(tmp_path / "filer", seed=7, scale=0.002)
    # the last two years of each: the report's year and the one before
    for source in ("drg-vikter", "kpp-kontakter", "kpp-riket"):
        run(home, "ingest", source, *[str(p) for p in files[source][-2:]])
    proc = run(home, "report", "kpp-2020")
    latest = (home / "published" / "kpp-2020" / "latest").resolve()
    assert (latest / "report.pptx").is_file() and (latest / "report.html").is_file()
    assert "report.html" in proc.stdout
