"""The builtin engine: real renders with pandoc 3.9 and Typst, and cell execution semantics."""

from __future__ import annotations

import struct
import time
import zlib
from pathlib import Path

import pypdf
import pytest

from pipelines.render import RenderError, render
from pipelines.render.execute import execute
from pipelines.render.qmd import parse

FIXTURES = Path(__file__).parents[1] / "fixtures" / "qmd"
TITLE = "Befolkningsutveckling i Norrbotten – åldrande, äldre"


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("out")
    started = time.perf_counter()
    result = render(FIXTURES / "befolkning.qmd", out, engine="builtin")
    elapsed = time.perf_counter() - started
    print(f"builtin render of befolkning.qmd (html+pdf): {elapsed:.2f} s")
    assert elapsed < 10
    return result


def test_returns_the_output_paths(rendered: dict[str, Path]) -> None:
    assert set(rendered) == {"html", "pdf"}
    assert rendered["html"].name == "report.html" and rendered["pdf"].name == "report.pdf"
    assert rendered["html"].parent == rendered["pdf"].parent


def test_html_is_self_contained_swedish_and_complete(rendered: dict[str, Path]) -> None:
    html = rendered["html"].read_text(encoding="utf-8")
    assert 'lang="sv"' in html
    assert f"<title>{TITLE}</title>" in html
    assert "Testrapport för den inbyggda renderaren" in html and "2025-03-01" in html
    assert "I Norrbotten bodde 249 450" in html  # inline expressions
    assert "personer år 2024" in html
    assert (
        '<img role="img" aria-label="Figur 1: Folkmängd per år i Norrbotten" src="data:image/png;base64,'
        in html
    )
    assert '<a href="#fig-befolkning">Figur 1</a>' in html
    assert "<caption>Tabell 1: Andel invånare 80 år och äldre</caption>" in html  # asis pipe table
    assert "<caption>Tabell 2: Underlaget som DataFrame</caption>" in html  # DataFrame as last value
    assert '<td style="text-align: right;">249450</td>' in html
    assert '<a href="#sec-metod">Avsnitt 2</a>' in html
    assert '<div class="callout callout-note">' in html and "Om siffrorna" in html
    assert '<div class="callout callout-warning">' in html and "Tolka försiktigt" in html
    assert "Text(0, 0.5" not in html  # `;` hides the last value
    assert "import matplotlib" not in html  # execute: echo: false
    assert "<link" not in html and "<script src" not in html  # nothing external


def test_pdf_keeps_swedish_text(rendered: dict[str, Path]) -> None:
    data = rendered["pdf"].read_bytes()
    assert data.startswith(b"%PDF")
    reader = pypdf.PdfReader(rendered["pdf"])
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert TITLE in text
    assert "Figur 1: Folkmängd per år i Norrbotten" in text
    assert "Tabell 1: Andel invånare 80 år och äldre" in text
    assert "åäö ÅÄÖ" in text
    assert reader.metadata is not None and reader.metadata.title == TITLE
    assert "2" in reader.pages[-1].extract_text().split()  # page numbers


def test_render_is_deterministic(rendered: dict[str, Path], tmp_path: Path) -> None:
    again = render(FIXTURES / "befolkning.qmd", tmp_path, formats=("html",), engine="builtin")
    assert again["html"].read_bytes() == rendered["html"].read_bytes()


def test_cell_that_raises_names_label_line_and_traceback(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as caught:
        render(FIXTURES / "cell_fails.qmd", tmp_path, engine="builtin")
    message = str(caught.value)
    assert "berakna-andel" in message and "rad 8" in message
    assert "ZeroDivisionError" in message and "line 11" in message and "andel = 12 / total" in message
    assert not (tmp_path / "report.html").exists()


def test_unsupported_feature_fails_before_running(tmp_path: Path) -> None:
    qmd = tmp_path / "r.qmd"
    qmd.write_text("# A\n\n::: {.panel-tabset}\n## B\n:::\n", encoding="utf-8")
    with pytest.raises(RenderError) as caught:
        render(qmd, tmp_path / "out", engine="builtin")
    assert caught.value.problems == [
        "rad 3: div-klassen panel-tabset stöds inte "
        "(bara callout-note/tip/warning/important/caution, content-visible, content-hidden)"
    ]


def write(tmp_path: Path, text: str) -> Path:
    qmd = tmp_path / "report.qmd"
    qmd.write_text(text, encoding="utf-8")
    return qmd


def test_parameters_cell_then_overrides_and_env(tmp_path: Path) -> None:
    qmd = write(
        tmp_path,
        "---\ntitle: P\n---\n\n```{python}\n#| tags: [parameters]\nyear = 2020\nregion = 'X'\n```\n\n"
        "```{python}\n#| echo: false\nimport os\nprint(year, region, os.environ['RENDER_TEST_VAR'])\n```\n",
    )
    out = render(
        qmd, tmp_path / "out", formats=("html",), params={"year": 2031}, env={"RENDER_TEST_VAR": "hej"}
    )
    assert "2031 X hej" in out["html"].read_text(encoding="utf-8")
    with pytest.raises(RenderError, match="okända parametrar yer"):
        render(qmd, tmp_path / "out", formats=("html",), params={"yer": 1}, env={"RENDER_TEST_VAR": ""})


def test_front_matter_params_are_defaults_without_parameters_cell(tmp_path: Path) -> None:
    qmd = write(
        tmp_path,
        "---\nparams:\n  year: 2020\n  region: Norrbotten\n---\n\nÅr `{python} year` i `{python} region`.\n",
    )
    html = render(qmd, tmp_path / "a", formats=("html",), params={"year": 2025})["html"]
    assert "År 2025 i Norrbotten." in html.read_text(encoding="utf-8")
    with pytest.raises(RenderError, match="okända parametrar"):
        render(qmd, tmp_path / "b", formats=("html",), params={"month": 1})


def test_execution_order_figures_display_warnings(tmp_path: Path) -> None:
    qmd = write(
        tmp_path,
        "```{python}\n"
        "import warnings\n"
        "import matplotlib.pyplot as plt\n"
        "print('före')\n"
        "plt.plot([1, 2])\n"
        "plt.show()\n"
        "print('efter')\n"
        "plt.figure()\n"
        "plt.bar([1], [2])\n"
        "warnings.warn('synlig')\n"
        "display(1 + 1)\n"
        "{'a': 1}\n"
        "```\n\n"
        "```{python}\n#| warning: false\nwarnings.warn('dold')\nx = 5\n```\n\n"
        "```{python}\nx * 2;\n```\n",
    )
    doc = parse(qmd.read_text(encoding="utf-8"))
    result = execute(doc, qmd, tmp_path / "work")
    first = [(o.kind, o.text if o.kind != "figure" else Path(o.text).suffix) for o in result.cells[0]]
    assert first[:3] == [("stdout", "före\n"), ("figure", ".png"), ("stdout", "efter\n")]
    assert first[3][0] == "stderr" and "UserWarning: synlig" in first[3][1]
    assert first[4:] == [("text", "2"), ("text", "{'a': 1}"), ("figure", ".png")]
    assert result.cells[1] == [] and result.cells[2] == []


def tiny_png() -> bytes:
    """A valid 2x2 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80\x80" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_relative_image_from_report_folder(tmp_path: Path) -> None:
    (tmp_path / "bild.png").write_bytes(tiny_png())
    qmd = write(tmp_path, "---\ntitle: Bild\n---\n\n![En bild](bild.png)\n")
    out = render(qmd, tmp_path / "out", formats=("html", "pdf"), engine="builtin")
    assert 'src="data:image/png;base64,' in out["html"].read_text(encoding="utf-8")
    assert out["pdf"].read_bytes().startswith(b"%PDF")


def test_pptx(tmp_path: Path) -> None:
    qmd = write(tmp_path, "---\ntitle: Bilder\nlang: sv\n---\n\n## Första\n\nÅäö.\n")
    out = render(qmd, tmp_path / "out", formats=("pptx",), engine="builtin")
    assert out == {"pptx": tmp_path / "out" / "report.pptx"}
    assert out["pptx"].read_bytes().startswith(b"PK")


def test_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="docx"):
        render(FIXTURES / "befolkning.qmd", tmp_path, formats=("docx",))
