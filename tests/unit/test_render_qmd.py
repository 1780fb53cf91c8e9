"""Parsing .qmd files: front matter, cells, options, markdown structure."""

from __future__ import annotations

import textwrap

from pipelines.render.qmd import Cell, Text, Verbatim, map_markdown, parse, parse_attributes, resolved


def qmd(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def test_front_matter_is_read() -> None:
    doc = parse(
        qmd(
            """
            ---
            title: "Befolkning – åldrande"
            subtitle: Norrbotten
            author: [Anna, {name: Bo}]
            date: 2025-03-01
            lang: sv-SE
            params:
              year: 2024
            execute:
              echo: false
            format:
              html: {toc: true}
            ---
            Text.
            """
        )
    )
    meta = doc.meta
    assert doc.problems == []
    assert meta.title == "Befolkning – åldrande"
    assert meta.subtitle == "Norrbotten"
    assert meta.authors == ("Anna", "Bo")
    assert meta.date == "2025-03-01"
    assert (meta.lang, meta.language) == ("sv-SE", "sv")
    assert meta.params == {"year": 2024}
    assert meta.execute.echo is False
    assert isinstance(doc.blocks[0], Text) and doc.blocks[0].line == 14


def test_defaults_without_front_matter() -> None:
    doc = parse("Bara text.\n")
    assert doc.meta.title is None and doc.meta.language == "en" and doc.problems == []


def test_cell_options_and_source() -> None:
    doc = parse(
        qmd(
            """
            # Rubrik

            ```{python}
            #| label: fig-x
            #| fig-cap: "En figur"
            #| echo: false
            #| output: asis
            #| warning: false
            #| include: true
            x = 1
            ```
            """
        )
    )
    assert doc.problems == []
    [cell] = doc.cells
    assert cell.line == 3 and cell.first_code_line == 4
    assert cell.source == "x = 1"
    assert cell.code.startswith("#| label: fig-x")
    opts = cell.options
    assert (opts.label, opts.fig_cap, opts.echo, opts.output, opts.warning, opts.include) == (
        "fig-x",
        "En figur",
        False,
        "asis",
        False,
        True,
    )
    assert cell.name == "fig-x"


def test_parameters_tag_and_unlabelled_cell_name() -> None:
    doc = parse("```{python}\n#| tags: [parameters]\nyear = 2024\n```\n\n```{python}\nx = 1\n```\n")
    first, second = doc.cells
    assert first.is_parameters and not second.is_parameters
    assert second.name == "cell 2"


def test_resolved_options_follow_quarto_defaults() -> None:
    doc = parse("```{python}\nx = 1\n```\n")
    opts = resolved(doc.cells[0], doc.meta.execute)
    assert (opts.echo, opts.output, opts.include, opts.warning) == (True, True, True, True)

    doc = parse(
        "---\nexecute:\n  echo: false\n---\n```{python}\nx = 1\n```\n```{python}\n#| echo: true\n```\n"
    )
    first, second = (resolved(c, doc.meta.execute) for c in doc.cells)
    assert first.echo is False and second.echo is True


def test_code_blocks_are_not_cells() -> None:
    doc = parse(
        qmd(
            """
            ````markdown
            ```{python}
            x = 1
            ```
            ````

            ```python
            print("visas bara")
            ```

            ```{.python}
            y = 2
            ```
            """
        )
    )
    assert doc.problems == [] and doc.cells == []
    assert [type(b) for b in doc.blocks] == [Verbatim, Text, Verbatim, Text, Verbatim]


def test_inline_expressions_references_and_headings() -> None:
    doc = parse(
        qmd(
            """
            ## Inledning {#sec-intro}

            Värdet är `{python} x` och `kod` inte `{python} y + 1`.
            Se @fig-a, [@tbl-b] och -@sec-intro. Mejla a@b.se.

            ::: {.callout-tip}
            ## Titel, inte en rubrik
            Text.
            :::

            ### Del {.unnumbered}
            """
        )
    )
    assert doc.inline_expressions == [(3, "x"), (3, "y + 1")]
    assert [(r.line, r.label) for r in doc.references] == [(4, "fig-a"), (4, "tbl-b"), (4, "sec-intro")]
    assert [(h.line, h.level, h.identifier, h.numbered) for h in doc.headings] == [
        (1, 2, "sec-intro", True),
        (11, 3, None, False),
    ]


def test_map_markdown_leaves_code_spans_alone() -> None:
    seen: list[str] = []
    out = map_markdown(
        "a `{python} 1+1` b `@fig-x` c",
        lambda prose, _: prose.upper(),
        lambda engine, code, _: seen.append(f"{engine}:{code}") or "2",
    )
    assert out == "A 2 B `@fig-x` C"
    assert seen == ["python:1+1"]


def test_parse_attributes() -> None:
    attrs = parse_attributes('.callout-note #id title="En titel: här" collapse=true')
    assert attrs is not None
    assert attrs.classes == ("callout-note",) and attrs.identifier == "id"
    assert attrs.values == {"title": "En titel: här", "collapse": "true"}
    assert parse_attributes('title="öppen') is None


def test_cell_inside_callout_is_still_a_cell() -> None:
    doc = parse("::: {.callout-note}\n```{python}\nx = 1\n```\n:::\n")
    assert doc.problems == []
    assert isinstance(doc.blocks[1], Cell)
