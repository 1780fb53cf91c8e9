"""Small cells: no published output of the demo shows a count below the limit (issue: small-cell protection).

The demo runs at scale 0.01 (about 1 % of a year's KPP volume), so many hospital × DRG × kön cells hold
1–4 contacts or individuals: a real fixture with small cells. Every published version is scanned:

- the frozen Parquet files, against each table's ``skydd`` declaration in sql/schema.yml;
- every HTML table and every PPTX table: a column headed "Antal …" (or "Individer", "Patienter",
  "Kontakter", "Ytterfall") shows 0, a number ≥ the limit, or "–";
- the text of every HTML, PDF and PPTX: no "3 patienter", "4 kontakter", "2 individer" … .
"""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from pipelines import schema, skydd

pytestmark = pytest.mark.e2e
LIMIT = 5  # the default minsta_antal_visas the demo runs with
COUNT_HEADER = re.compile(r"^(antal|individer|patienter|kontakter|ytterfall)\b", re.IGNORECASE)
SMALL_IN_TEXT = re.compile(
    r"(?<![\d,.])([1-4])\s+(patienter|kontakter|vårdkontakter|individer|personer|ytterfall|fall)\b"
)


class _Tables(HTMLParser):
    """Rows of every <table> in a page, as lists of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _number(cell: str) -> float | None:
    text = cell.replace("\u00a0", "").replace(" ", "").replace("\u2212", "-").replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def _table_violations(rows: list[list[str]], where: str) -> list[str]:
    if len(rows) < 2:
        return []
    header, body = rows[0], rows[1:]
    bad = []
    for i, label in enumerate(header):
        if not COUNT_HEADER.match(label):
            continue
        for row in body:
            value = _number(row[i]) if i < len(row) else None
            if value is not None and 0 < value < LIMIT:
                bad.append(f"{where}: kolumnen {label!r} visar {row[i]}")
    return bad


def _text_violations(text: str, where: str) -> list[str]:
    return [f"{where}: {m.group(0)!r}" for m in SMALL_IN_TEXT.finditer(" ".join(text.split()))]


def _versions(home: Path) -> list[Path]:
    return sorted(p.parent for p in (home / "published").glob("*/*/manifest.json"))


def test_no_published_output_shows_a_small_count(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    from pptx import Presentation

    home, _ = demo_run
    documented = schema.documented()
    problems: list[str] = []
    protected_rows = 0
    for version in _versions(home):
        for parquet in sorted((version / "data").glob("*.parquet")):
            spec = documented.get(parquet.stem, {}).get("skydd")
            frozen = pl.read_parquet(parquet)
            if isinstance(spec, dict):
                problems += [f"{parquet}: {v}" for v in skydd.violations(frozen, spec, LIMIT)]
                protected_rows += int(frozen["skyddad"].sum())
        html = version / "report.html"
        if html.exists():
            page = html.read_text(encoding="utf-8")
            parser = _Tables()
            parser.feed(page)
            for table in parser.tables:
                problems += _table_violations(table, str(html))
            problems += _text_violations(re.sub(r"<[^>]+>", " ", page), str(html))
        pdf = version / "report.pdf"
        if pdf.exists():
            text = " ".join(page.extract_text() or "" for page in PdfReader(pdf).pages)
            problems += _text_violations(text, str(pdf))
        pptx = version / "report.pptx"
        if pptx.exists():
            for n, slide in enumerate(Presentation(str(pptx)).slides, start=1):
                for shape in slide.shapes:
                    if shape.has_text_frame:
                        problems += _text_violations(shape.text_frame.text, f"{pptx} bild {n}")
                    if shape.has_table:
                        rows = [[c.text for c in r.cells] for r in shape.table.rows]
                        problems += _table_violations(rows, f"{pptx} bild {n}")
    assert not problems, "\n".join(problems[:30])
    frozen_specs = [
        p for v in _versions(home) for p in (v / "data").glob("*.parquet") if p.stem in documented
    ]
    if any(isinstance(documented[p.stem].get("skydd"), dict) for p in frozen_specs):
        assert protected_rows > 0, "the demo's small cells should have been hidden somewhere"


def test_the_scanners_find_what_they_look_for() -> None:
    rows = [["Sjukhus", "Antal kontakter", "Andel"], ["A", "3", "2,0 %"], ["B", "–", "–"], ["C", "12", "1 %"]]
    assert _table_violations(rows, "t") == ["t: kolumnen 'Antal kontakter' visar 3"]
    assert _text_violations("Det var 4 patienter och 12 kontakter, 1,5 ytterfall", "x") == [
        "x: '4 patienter'"
    ]
