"""Every slide deck the demo publishes, read back with python-pptx: a title slide, a summary, one slide per
question (its `##` heading in the .qmd, the one-sentence answer and the figure), the colophon last."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from pipelines import publish

pytestmark = pytest.mark.e2e


def test_every_published_deck_has_one_slide_per_question_with_answer_and_figure(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    decks = sorted((home / "published").glob("*/latest/report.pptx"))
    slugs = {p.parent.parent.name for p in decks}
    assert slugs == {"ytterfall", "gap-npo", "kpp-2020", "halso-och-sjukvard"}  # the plan's PPT-bilder
    for deck in decks:
        slug = deck.parent.parent.name
        rubrik = json.loads((deck.parent / "manifest.json").read_text(encoding="utf-8"))["rubrik"]
        headings = set(
            re.findall(
                r"^## (.+?)(?:\s+\{#[^}]*\})?\s*$", publish.report_qmd(slug).read_text(encoding="utf-8"), re.M
            )
        )
        slides = list(Presentation(str(deck)).slides)
        titles = [s.shapes.title.text if s.shapes.title is not None else "" for s in slides]
        assert titles[0] and rubrik.startswith(titles[0]), (slug, titles[0])
        assert titles[1] == "Sammanfattning" and titles[-1] == "Om versionen", (slug, titles)
        questions = slides[2:-1]
        assert len(questions) >= 3, slug
        assert len(set(titles[2:-1])) == len(questions), (slug, titles)  # one slide per question
        text_all = ""
        for slide, title in zip(questions, titles[2:-1], strict=True):
            assert title in headings, (slug, title)
            pictures = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
            answer = " ".join(
                sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title
            )
            assert pictures, (slug, title)
            assert re.search(r"\d", answer) and len(answer) > 80, (
                slug,
                title,
                answer,
            )  # an answer with its number
            text_all += answer
        assert re.search("[åäö]", text_all), slug
        assert "Version" in " ".join(sh.text_frame.text for sh in slides[-1].shapes if sh.has_text_frame)
