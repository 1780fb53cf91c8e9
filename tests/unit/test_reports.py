"""Every report stays renderable by both engines and reads only tables the warehouse defines."""

from __future__ import annotations

import re

import pytest

from pipelines import publish, reference, reportlib, warehouse
from pipelines.render import check_subset

SLUGS = publish.report_slugs()


def test_there_are_reports() -> None:
    assert "befolkning" in SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_report_is_within_the_quarto_subset(slug: str) -> None:
    problems = check_subset(publish.report_qmd(slug).read_text(encoding="utf-8"))
    assert problems == []


@pytest.mark.parametrize("slug", SLUGS)
def test_report_reads_only_defined_out_tables(slug: str) -> None:
    tables = publish.tables_read(slug)
    assert tables, "a report reads at least one table"
    for table in tables:
        assert table.startswith("out_"), f"{slug} reads {table}: reports read analysis tables only"
        assert (warehouse.SQL_DIR / f"{table}.sql").exists()


@pytest.mark.parametrize("slug", SLUGS)
def test_report_is_in_the_plan(slug: str) -> None:
    meta = reportlib.report_meta(slug)
    assert meta["uppdrag_data"]["id"] == meta["uppdrag"]
    assert meta["format"] == reportlib.formats_for(meta["publikationsform"])  # the plan's text decides


@pytest.mark.parametrize(
    ("publikationsform", "formats"),
    [
        ("Kort analys", ["html", "pdf"]),
        ("Analysrapport (fördjupade studier)", ["html", "pdf"]),
        ("Analysresultat (PPT-bilder)", ["html", "pptx"]),
        ("Analysresultat, PPT-bilder", ["html", "pptx"]),
        ("Analysresultat (PPT-bilder) eller kort analys.", ["html", "pdf", "pptx"]),
        ("Kort analys (eller analysresultat (PPT-bilder).", ["html", "pdf", "pptx"]),  # the plan's own typo
        ("Analysrapport och/eller analysresultat.", ["html", "pdf"]),
        ("Regional förnyelserapport, LTU", ["html", "pdf"]),
    ],
)
def test_formats_follow_the_publikationsform(publikationsform: str, formats: list[str]) -> None:
    assert reportlib.formats_for(publikationsform) == formats


def test_every_publikationsform_in_the_plan_gives_formats() -> None:
    for u in reportlib.plan()["uppdrag"]:
        assert "html" in reportlib.formats_for(u["publikationsform"]), u["id"]
    with pytest.raises(ValueError, match="säger inget"):
        reportlib.formats_for(" (). ")


def test_plan_has_all_sixteen_uppdrag() -> None:
    uppdrag = reportlib.plan()["uppdrag"]
    assert len(uppdrag) == 16
    for u in uppdrag:
        assert {"id", "rubrik", "publikationsform", "ansvarig_chef"} <= set(u)


def test_metadata_block_has_required_fields() -> None:
    block = reportlib.metadata_block("befolkning")
    for label in ("Rubrik", "Syfte", "Ansvarig", "Publikationsform"):
        assert f"| {label} |" in block
    assert "Carola Fransson" in block and "Kort analys" in block


COUNTY_LITERAL = re.compile("[\"'](" + "|".join(reference.LAN) + ")[\"']")


def test_the_county_literal_pattern_finds_a_hard_coded_county() -> None:
    assert COUNTY_LITERAL.search('rad("25", "65+")') and COUNTY_LITERAL.search("== '01'")
    assert not COUNTY_LITERAL.search('rad(LAN), rad("00"), aldersgrupp="65+", "2580"')


def test_no_report_hard_codes_a_county() -> None:
    """The county is configuration (reportlib.lan()), never a literal in a report."""
    qmds = sorted(publish.REPORTS_DIR.rglob("*.qmd"))
    assert qmds
    for qmd in qmds:
        for number, line in enumerate(qmd.read_text(encoding="utf-8").splitlines(), 1):
            assert not COUNTY_LITERAL.search(line), f"{qmd.name}:{number}: länskod i koden: {line.strip()}"
