"""The demo publishes the two Vården i siffror reports (GAP-analys mot NPO: HTML, PDF, PPTX; Hälso- och
sjukvårdsrapporten: HTML, PPTX), and their text carries the answers with the numbers of the frozen tables."""

from __future__ import annotations

import re
import subprocess
from html import unescape
from pathlib import Path

import polars as pl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from pipelines.formatering import procent, tal

pytestmark = pytest.mark.e2e


def text_of_html(path: Path) -> str:
    text = unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    return " ".join(text.replace("\xa0", " ").replace("\xad", "").split())


def slides(path: Path) -> list[str]:
    return [
        " ".join(sh.text_frame.text for sh in s.shapes if sh.has_text_frame).replace("\xa0", " ")
        for s in Presentation(str(path)).slides
    ]


def frozen(home: Path, slug: str, table: str) -> pl.DataFrame:
    return pl.read_parquet(home / "published" / slug / "latest" / "data" / f"{table}.parquet")


def test_gap_npo_is_published_with_its_answers(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    latest = home / "published" / "gap-npo" / "latest"
    assert sorted(p.name for p in latest.glob("report.*")) == ["report.html", "report.pdf", "report.pptx"]
    alla = frozen(home, "gap-npo", "out_vis__npo_oversikt").filter(pl.col("npo") == "Alla").row(0, named=True)
    html = text_of_html(latest / "report.html")
    assert (
        f"Av {tal(alla['antal_testade'])} indikatorer som gick att testa var Norrbotten signifikant sämre än övriga "
        f"riket i {tal(alla['antal_samre'])} och signifikant bättre i {tal(alla['antal_battre'])}"
    ) in html
    assert (
        f"Av {tal(alla['antal_enhetsjamforelser'])} testade jämförelser av ett sjukhus mot övriga länet var "
        f"{tal(alla['antal_enheter_samre'])} signifikant sämre"
    ) in html
    prio = frozen(home, "gap-npo", "out_vis__prioritering")
    problem = prio.filter(pl.col("rang_kvalitetsproblem") == 1).row(0, named=True)
    assert (
        f"{procent(problem['varde'], sep=' ')} i länet mot {procent(problem['varde_riket'], sep=' ')} i riket"
        in html
    )
    assert "Benjamini–Hochberg" in html and "övriga riket" in html
    for question in ("Är det stora skillnader mellan olika regioner?", "Var finns störst omotiverade geografiska skillnader?",
                     "Vilka är de väsentligaste kvalitetsproblemen (ev. utifrån god vård konceptet)?"):  # fmt: skip
        assert question in html
    pdf = " ".join((page.extract_text() or "") for page in PdfReader(latest / "report.pdf").pages)
    assert "Källa: Vården i siffror" in " ".join(pdf.split())
    deck = slides(latest / "report.pptx")
    # title, short summary, one slide per question (seven), colophon
    assert len(deck) == 10
    assert any(s.startswith("Vilka områden har störst förbättringspotential") for s in deck)


def test_halso_och_sjukvard_is_published_with_its_answers(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    latest = home / "published" / "halso-och-sjukvard" / "latest"
    assert sorted(p.name for p in latest.glob("report.*")) == ["report.html", "report.pptx"]
    alla = (
        frozen(home, "halso-och-sjukvard", "out_vis__npo_oversikt")
        .filter(pl.col("npo") == "Alla")
        .row(0, named=True)
    )
    html = text_of_html(latest / "report.html")
    assert (
        f"Av {tal(alla['antal_indikatorer'])} indikatorer förbättrades {tal(alla['antal_forbattrade'])} och "
        f"försämrades {tal(alla['antal_forsamrade'])} signifikant sedan föregående period"
    ) in html
    assert f"signifikant bättre i {tal(alla['antal_battre'])} och sämre i {tal(alla['antal_samre'])}" in html
    deck = " ".join(slides(latest / "report.pptx"))
    assert "Hur ligger regionerna till jämfört med varandra?" in deck
