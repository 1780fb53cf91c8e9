"""PPTX from the same .qmd (builtin engine), read back with python-pptx; conditional content per format."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from pptx import Presentation
from pptx.shapes.picture import Picture
from pptx.slide import Slide

from pipelines.render import render

FIXTURES = Path(__file__).parents[1] / "fixtures" / "qmd"
QUESTIONS = [
    "Hur stor andel av invånarna är 65 år eller äldre?",
    "Ökar andelen som är 80 år eller äldre?",
]
COLOPHON = [
    "Version 2024-0123456789ab",
    "Skapad 2026-12-01",
    "Kodrevision 8b2ef12 (ocommittade ändringar)",
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("bildspel")
    return render(
        FIXTURES / "bildspel.qmd", out, formats=("html", "pdf", "pptx"), engine="builtin", colophon=COLOPHON
    )


def texts(slide: Slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def pictures(slide: Slide) -> list[Picture]:
    return [shape for shape in slide.shapes if isinstance(shape, Picture)]


def test_title_slide_then_one_slide_per_question_then_the_colophon(rendered: dict[str, Path]) -> None:
    slides = list(Presentation(str(rendered["pptx"])).slides)
    assert len(slides) == 1 + len(QUESTIONS) + 1
    title = slides[0]
    assert title.slide_layout.name == "Title Slide"
    assert title.shapes.title is not None
    assert title.shapes.title.text == "Äldre i Norrbotten – två frågor"
    assert any("Testbildspel för PPTX-utdata" in t for t in texts(title))
    assert [s.shapes.title.text for s in slides[1:-1] if s.shapes.title is not None] == QUESTIONS
    last = slides[-1]
    assert last.shapes.title is not None and last.shapes.title.text == "Om versionen"
    body = "\n".join(texts(last))
    for line in COLOPHON:
        assert line in body


def test_each_question_slide_has_its_figure_and_its_answer(rendered: dict[str, Path]) -> None:
    slides = list(Presentation(str(rendered["pptx"])).slides)[1:-1]
    answers = [
        "År 2024 var en fjärdedel av invånarna i Norrbotten 65 år eller äldre: 25,2 %.",  # inline value
        "Ja, andelen över 80 år har ökat från 5,6 % år 2015 till 6,9 % år 2024, och ökningen väntas fortsätta.",
    ]
    captions = ["Figur 1: Andel invånare 65 år och äldre", "Figur 2: Andel invånare 80 år och äldre"]
    for slide, answer, caption in zip(slides, answers, captions, strict=True):
        shown = texts(slide)
        assert answer in shown
        assert any(t.startswith(caption) for t in shown)
        (picture,) = pictures(slide)
        assert picture.image.content_type == "image/png"
        assert picture.image.size[0] > 300  # a real plot, not a placeholder icon
        # answer (left) and figure (right) do not overlap: pandoc's "Content with Caption" layout
        assert slide.slide_layout.name == "Content with Caption"
        answer_box = next(s for s in slide.shapes if s.has_text_frame and s.text_frame.text == answer)
        assert answer_box.left is not None and picture.left is not None and answer_box.width is not None
        assert answer_box.left + answer_box.width <= picture.left


def test_report_only_content_is_not_on_the_slides(rendered: dict[str, Path]) -> None:
    everything = "\n".join(t for slide in Presentation(str(rendered["pptx"])).slides for t in texts(slide))
    assert "Om analysen" not in everything and "22,6 %" not in everything
    assert "Fördjupning" not in everything


def test_report_only_content_is_in_html_and_pdf(rendered: dict[str, Path]) -> None:
    html = " ".join(rendered["html"].read_text(encoding="utf-8").split())
    pdf = " ".join(
        " ".join(page.extract_text() or "" for page in pypdf.PdfReader(rendered["pdf"]).pages).split()
    )
    for text in (html, pdf):
        assert "Om analysen" in text and "22,6 %" in text
        assert "Fördjupning som bara står i rapporten" in text
        assert QUESTIONS[1] in text
    assert 'class="colophon"' in html
    for line in COLOPHON:
        assert line in html and line in pdf
    assert "content-visible" not in html and "content-hidden" not in html
