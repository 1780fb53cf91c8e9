"""check_subset: every feature outside the supported Quarto subset is flagged with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.render import check_subset

FIXTURES = Path(__file__).parents[1] / "fixtures" / "qmd"

HEADER = "---\ntitle: T\nlang: sv\n---\n\n"  # 5 lines: the snippet starts on line 6


@pytest.mark.parametrize(
    ("snippet", "line", "words"),
    [
        ("```{r}\n1 + 1\n```\n", 6, "'r'"),
        ("```{ojs}\nx = 1\n```\n", 6, "'ojs'"),
        ("```{mermaid}\ngraph TD\n```\n", 6, "'mermaid'"),
        ("```{python echo=FALSE}\nx = 1\n```\n", 6, "#|"),
        ("```{{python}}\nx = 1\n```\n", 6, "okörda"),
        ("Värde: `{r} x`.\n", 6, "'r'"),
        ("{{< include _del.qmd >}}\n", 6, "shortcodes"),
        ("Text {{< pagebreak >}}\n", 6, "shortcodes"),
        ("::: {.panel-tabset}\n## A\n:::\n", 6, "panel-tabset"),
        ("::: panel-tabset\n## A\n:::\n", 6, "panel-tabset"),
        ("::: {.column-margin}\nx\n:::\n", 6, "column-margin"),
        ('::: {layout-ncol="2"}\nx\n:::\n', 6, "ingen klass"),
        ("::: {.callout-danger}\nx\n:::\n", 6, "callout-danger"),
        ("::: {.callout-note collapse=true}\nx\n:::\n", 6, "collapse"),
        ("::: {.callout-note}\nx\n", 6, "stängs aldrig"),
        ("::: {.content-visible}\nx\n:::\n", 6, "exakt ett av when-format"),
        ('::: {.content-visible when-format="pdf"}\nx\n:::\n', 6, "skriv typst"),
        ('::: {.content-hidden when-format="docx"}\nx\n:::\n', 6, "'docx'"),
        ('::: {.content-hidden when-format="html" unless-format="pptx"}\nx\n:::\n', 6, "exakt ett"),
        ('::: {.content-visible .callout-note when-format="html"}\nx\n:::\n', 6, "ensam"),
        ('::: {.content-visible when-meta="x"}\nx\n:::\n', 6, "when-meta"),
        ("x\n:::\n", 7, "stänger inget"),
        ("```{python}\n#| fig-width: 5\nx = 1\n```\n", 7, "fig-width"),
        ("```{python}\nx = 1\n#| eval: false\n```\n", 0, ""),  # not at the top: a comment
        ("```{python}\n#| label: a\n#| code-fold: true\n```\n", 8, "code-fold"),
        ("```{python}\n#| echo: fenced\n```\n", 7, "echo"),
        ("```{python}\n#| output: hold\n```\n", 7, "output"),
        ("```{python}\n#| label: fig-x\nx = 1\n```\n", 6, "fig-cap"),
        ("```{python}\n#| label: tbl-x\nx = 1\n```\n", 6, "tbl-cap"),
        ("```{python}\n#| fig-cap: [a, b]\n```\n", 7, "fig-cap"),
        ('```{python}\n#| fig-cap: "År `{python} y`"\n```\n', 7, "inline"),
        ("```{python}\n#| label: a\n```\n\n```{python}\n#| label: a\n```\n", 10, "redan"),
        (
            "```{python}\n#| tags: [parameters]\n```\n```{python}\n#| tags: [parameters]\n```\n",
            9,
            "parameters",
        ),
        ("![Bild](a.png){#fig-bild}\n", 6, "id i markdown"),
        ("Se @fig-saknas.\n", 6, "@fig-saknas"),
        ("Se @sec-saknas.\n", 6, "@sec-saknas"),
        ("Se @eq-energi.\n", 6, "@eq-"),
        ("## Bilaga {#sec-b .unnumbered}\n\nSe @sec-b.\n", 8, "onumrerad"),
        ("```{python}\nx = 1\n", 6, "stängs aldrig"),
    ],
)
def test_flags_unsupported_feature(snippet: str, line: int, words: str) -> None:
    problems = check_subset(HEADER + snippet)
    if not words:
        assert problems == []
        return
    assert problems, "expected a problem"
    matching = [p for p in problems if words in p]
    assert matching, problems
    assert matching[0].startswith(f"rad {line}:"), matching


@pytest.mark.parametrize(
    ("front_matter", "line", "words"),
    [
        ("bibliography: refs.bib", 3, "bibliography"),
        ("filters: [a.lua]", 3, "filters"),
        ("date: today", 3, "today"),
        ("lang: de", 3, "lang"),
        ("engine: knitr", 3, "knitr"),
        ("jupyter: julia-1.10", 3, "julia"),
        ("execute:\n  cache: true", 3, "cache"),
        ("params: [1, 2]", 3, "params"),
        ("toc: yes please", 3, "toc"),
        ('subtitle: "`{python} x`"', 3, "inline"),
        ("title: [oops", 3, "YAML"),
    ],
)
def test_flags_front_matter(front_matter: str, line: int, words: str) -> None:
    problems = check_subset(f"---\ntitle: T\n{front_matter}\n---\n\nText.\n")
    matching = [p for p in problems if words in p]
    assert matching, problems
    assert matching[0].startswith(f"rad {line}:"), matching


def test_fixture_is_inside_the_subset() -> None:
    assert check_subset((FIXTURES / "befolkning.qmd").read_text(encoding="utf-8")) == []


def test_supported_features_pass() -> None:
    text = HEADER + (
        "## Del {#sec-del}\n\n"
        '::: {.callout-important title="Viktigt: läs"}\nText.\n:::\n\n'
        "::: callout-tip\nText.\n:::\n\n"
        "```{python}\n#| label: fig-a\n#| fig-cap: Bild\n#| warning: false\npass\n```\n\n"
        "```{python}\n#| label: tbl-a\n#| tbl-cap: Tabell\n#| output: asis\npass\n```\n\n"
        "Se @fig-a, [@tbl-a] och -@sec-del. `{python} 1 + 1`. E-post: a@b.se\n\n"
        "```{=html}\n<hr>\n```\n\n$x^2$\n\n"
        '::: {.content-visible unless-format="pptx"}\n## Bara i rapporten\n\n| a |\n|--|\n| 1 |\n:::\n\n'
        '::: {.content-hidden when-format="typst"}\n::: {.callout-note}\nText.\n:::\n:::\n'
    )
    assert check_subset(text) == []


def test_problems_are_sorted_by_line() -> None:
    problems = check_subset(HEADER + "```{r}\n```\n\n{{< include a.qmd >}}\n\n::: {.panel-tabset}\n:::\n")
    lines = [int(p.split(":")[0].removeprefix("rad ")) for p in problems]
    assert lines == sorted(lines) and len(lines) == 3
