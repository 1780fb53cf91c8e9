"""Cross-reference numbering and resolution, Quarto style (lang: sv → Figur/Tabell/Avsnitt)."""

from __future__ import annotations

from pipelines.render.crossref import number_document, resolve_references
from pipelines.render.qmd import parse

DOC = """---
lang: sv
---

# Inledning {#sec-inledning}

```{python}
#| label: fig-dold
#| fig-cap: Visas inte
#| include: false
pass
```

```{python}
#| label: fig-a
#| fig-cap: Första
pass
```

## Bakgrund {#sec-bakgrund}

```{python}
#| label: tbl-a
#| tbl-cap: En tabell
pass
```

## Ingen numrering {.unnumbered}

## Metod {#sec-metod}

```{python}
#| label: fig-b
#| fig-cap: Andra
pass
```

# Resultat {#sec-resultat}
"""


def test_numbers_follow_document_order_of_shown_cells() -> None:
    numbering = number_document(parse(DOC))
    assert numbering.numbers == {
        "fig-a": "1",
        "tbl-a": "1",
        "fig-b": "2",
        "sec-inledning": "1",
        "sec-bakgrund": "1.1",
        "sec-metod": "1.2",
        "sec-resultat": "2",
    }
    assert numbering.caption("fig-b", "Andra") == "Figur 2: Andra"
    assert numbering.caption("tbl-a", "En tabell") == "Tabell 1: En tabell"


def test_references_become_links_with_swedish_words() -> None:
    numbering = number_document(parse(DOC))
    text = "Se @fig-b och [@tbl-a], -@fig-a samt @sec-metod. Mejl: x@fig-a.se; @fig-dold"
    assert resolve_references(text, numbering) == (
        "Se [Figur 2](#fig-b) och [Tabell 1](#tbl-a), [1](#fig-a) samt [Avsnitt 1.2](#sec-metod). "
        "Mejl: x@fig-a.se; @fig-dold"
    )


def test_hidden_figure_is_an_unknown_reference() -> None:
    from pipelines.render import check_subset

    problems = check_subset(DOC + "\nSe @fig-dold.\n")
    line = DOC.count("\n") + 2
    assert len(problems) == 1 and "@fig-dold" in problems[0] and problems[0].startswith(f"rad {line}:")


def test_english_words_and_top_level_two() -> None:
    doc = parse("## A {#sec-a}\n\n### A1 {#sec-a1}\n\n```{python}\n#| label: fig-x\n#| fig-cap: X\n```\n")
    numbering = number_document(doc)
    assert numbering.numbers["sec-a"] == "1" and numbering.numbers["sec-a1"] == "1.1"
    assert resolve_references("@fig-x, @sec-a1", numbering) == "[Figure 1](#fig-x), [Section 1.1](#sec-a1)"
