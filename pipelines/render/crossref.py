"""Quarto-style cross-references: number figures, tables and sections; resolve ``@fig-x`` etc."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.render.qmd import REFERENCE, Document, Problem, resolved

WORDS = {
    "sv": {"fig": "Figur", "tbl": "Tabell", "sec": "Avsnitt"},
    "en": {"fig": "Figure", "tbl": "Table", "sec": "Section"},
}


@dataclass(frozen=True)
class Numbering:
    """Numbers of the document's referable things, by label."""

    language: str
    numbers: dict[str, str]

    def word(self, kind: str) -> str:
        return WORDS.get(self.language, WORDS["en"])[kind]

    def caption(self, label: str, caption: str) -> str:
        """``Figur 1: caption`` for a numbered figure/table label."""
        return f"{self.word(label[:3])} {self.numbers[label]}: {caption}"

    def reference(self, label: str, *, number_only: bool = False) -> str:
        """Link text as Quarto writes it: ``Figur 1`` (``1`` for ``-@fig-x``)."""
        number = self.numbers[label]
        text = number if number_only else f"{self.word(label[:3])} {number}"
        return f"[{text}](#{label})"


def number_document(doc: Document) -> Numbering:
    """Figures and tables are numbered in document order over the cells that are shown;
    sections hierarchically (``2.1``) from the highest heading level used, like pandoc."""
    numbers: dict[str, str] = {}
    counts = {"fig": 0, "tbl": 0}
    for cell in doc.cells:
        opts = resolved(cell, doc.meta.execute)
        label = opts.label or ""
        kind = label[:3]
        if kind in counts and label[3:4] == "-" and opts.include and opts.output is not False:
            counts[kind] += 1
            numbers[label] = str(counts[kind])
    numbered = [h for h in doc.headings if h.numbered]
    top = min((h.level for h in numbered), default=1)
    counters = [0] * 7
    for heading in numbered:
        depth = heading.level - top
        counters[depth] += 1
        for deeper in range(depth + 1, len(counters)):
            counters[deeper] = 0
        if heading.identifier and heading.identifier.startswith("sec-"):
            numbers[heading.identifier] = ".".join(str(n) for n in counters[: depth + 1])
    return Numbering(doc.meta.language, numbers)


def reference_problems(doc: Document, numbering: Numbering) -> list[Problem]:
    problems: list[Problem] = []
    unnumbered = {h.identifier for h in doc.headings if not h.numbered and h.identifier}
    for ref in doc.references:
        if ref.label in numbering.numbers:
            continue
        if ref.label in unnumbered:
            problems.append(Problem(ref.line, f"@{ref.label} pekar på en onumrerad rubrik"))
        else:
            problems.append(
                Problem(ref.line, f"okänd korsreferens @{ref.label} (ingen synlig cell/rubrik med den label)")
            )
    return problems


def resolve_references(prose: str, numbering: Numbering) -> str:
    """Replace ``@fig-x``, ``[@tbl-y]``, ``-@sec-z`` in prose (no code spans) with links."""

    def replace(match: re.Match[str]) -> str:
        label = match["label"]
        if match["kind"] not in ("fig", "tbl", "sec") or label not in numbering.numbers:
            return match.group(0)
        return numbering.reference(label, number_only=bool(match["minus"]))

    return REFERENCE.sub(replace, prose)
