"""Every report stays renderable by both engines and reads only tables the warehouse defines."""

from __future__ import annotations

import re

import pytest

from pipelines import ingest, publish, reference, reportlib, warehouse
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
        # analysis tables, or a reference table (the plan-status report reads core_ref__analysplan)
        assert table.startswith("out_") or table in ingest.REFERENCE_TABLES, (
            f"{slug} reads {table}: reports read analysis tables only"
        )
        assert (warehouse.SQL_DIR / f"{table}.sql").exists()


PUBLIKATIONSFORMER = ("Analysrapport (fördjupade studier)", "Kort analys", "Analysresultat (PPT-bilder)")


@pytest.mark.parametrize("slug", SLUGS)
def test_report_is_in_the_plan(slug: str) -> None:
    meta = reportlib.report_meta(slug)
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


def test_every_rapporter_entry_belongs_to_an_uppdrag_and_follows_it() -> None:
    """Each report names an uppdrag that exists (or null: the plan as a whole); its publikationsform is
    one of the plan's three forms, of a kind the uppdrag names; the report answering an uppdrag bears
    its rubrik."""
    plan = reportlib.plan()
    uppdrag = {u["id"]: u for u in plan["uppdrag"]}
    for slug, entry in plan["rapporter"].items():
        if entry["uppdrag"] is None:
            assert entry["publikationsform"] in PUBLIKATIONSFORMER, slug
            continue
        assert entry["uppdrag"] in uppdrag, f"{slug}: okänt uppdrag {entry['uppdrag']!r}"
        u = uppdrag[entry["uppdrag"]]
        if entry["publikationsform"] != u["publikationsform"]:  # else the plan's own words (e.g. a choice)
            assert entry["publikationsform"] in PUBLIKATIONSFORMER, slug
            # the form's name ("Analysresultat" of "Analysresultat (PPT-bilder)") is one the uppdrag names
            allowed = " ".join(u["publikationsform"].split()).lower()
            assert entry["publikationsform"].split(" (")[0].lower() in allowed, (slug, allowed)
        if u["rapport"] == slug:
            assert entry["rubrik"] == " ".join(u["rubrik"].split()), slug


def test_an_uppdrag_report_in_reports_has_its_entry() -> None:
    plan = reportlib.plan()
    for u in plan["uppdrag"]:
        if u["rapport"] and u["rapport"] in SLUGS:
            entry = plan["rapporter"].get(u["rapport"])
            assert entry is not None and entry["uppdrag"] == u["id"], u["rapport"]


def test_plan_report_entry() -> None:
    meta = reportlib.report_meta("plan")
    assert meta["rubrik"] == "Analysplan 2020 – status"
    assert meta["uppdrag"] is None and meta["uppdrag_data"] is None
    assert meta["publikationsform"] == "Kort analys" and meta["format"] == ["html", "pdf"]
    assert publish.tables_read("plan") == ["core_ref__analysplan"]


def test_plan_has_all_sixteen_uppdrag() -> None:
    uppdrag = reportlib.plan()["uppdrag"]
    assert len(uppdrag) == 16
    for u in uppdrag:
        assert {"id", "rubrik", "publikationsform", "ansvarig_chef"} <= set(u)


def test_metadata_block_has_required_fields() -> None:
    block = reportlib.metadata_block("befolkning")
    for label in ("Rubrik", "Syfte", "Ansvarig", "Publikationsform", "Redovisas"):
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
