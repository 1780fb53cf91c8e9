"""The one figure and table style: Swedish numbers on both axes, a colour-blind-safe palette in which
Norrbotten stands out against riket and the other regions, right-aligned numbers in tables."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import polars as pl
import pytest

from pipelines import formatering, reportlib
from pipelines.reportlib import (
    NORRBOTTEN_FARG,
    OVRIGA_FARG,
    RIKET_FARG,
    arformat,
    farg_region,
    markdown_text,
    region_stil,
    svenska_axlar,
    tabell,
    talformat,
)


def test_tick_formatter_writes_swedish_numbers() -> None:
    f = talformat()
    assert f(248653, 0) == "248 653"
    assert f(2.5, 0) == "2,5"  # as many decimals as the tick needs, with a decimal comma
    assert f(0.0, 0) == "0"
    assert f(-1200.0, 0) == "\u22121 200"
    assert talformat(decimaler=1)(3, 0) == "3,0"
    p = talformat(procent=True)
    assert p(0.062, 0) == "6,2 %"
    assert p(0.2, 0) == "20 %"
    assert p(0.07, 0) == "7 %"  # 0.07 * 100 = 7.000000000000001 is still a whole number
    assert arformat()(2020.0, 0) == "2020"  # a year, never "2 020"
    assert arformat()(2020.5, 0) == ""


def test_both_axes_of_a_drawn_figure_are_swedish() -> None:
    reportlib.stil()
    fig, ax = plt.subplots()
    ax.plot([2015, 2016, 2017, 2018], [0.201, 0.212, 0.218, 0.226])
    svenska_axlar(ax, procent=True)
    fig.canvas.draw()
    y = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    x = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    plt.close(fig)
    assert y and all(s.endswith(" %") and "." not in s for s in y), y
    assert any("," in s for s in y), y  # ticks 20,0 %, 20,5 % … or 20 %, 20,5 %: a comma shows up
    assert x and all(s.isdigit() and len(s) == 4 for s in x), x  # whole years only


def test_numeric_x_axis_gets_a_decimal_comma() -> None:
    fig, ax = plt.subplots()
    ax.plot([0.5, 1.0, 1.5, 2.5], [1000, 2000, 3000, 4000])
    svenska_axlar(ax, x="tal")
    fig.canvas.draw()
    x = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    y = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    plt.close(fig)
    assert any("," in s for s in x) and not any("." in s for s in x), x
    assert "4 000" in y or "3 000" in y, y
    with pytest.raises(ValueError, match="välj"):
        svenska_axlar(ax, x="datum")


def test_norrbotten_riket_and_the_others() -> None:
    assert farg_region("25") == NORRBOTTEN_FARG
    assert farg_region("00") == RIKET_FARG
    assert farg_region("01") == farg_region("24") == OVRIGA_FARG
    assert len({NORRBOTTEN_FARG, RIKET_FARG, OVRIGA_FARG}) == 3
    r, g, b = (int(OVRIGA_FARG[i : i + 2], 16) for i in (1, 3, 5))
    assert r == g == b  # the other regions are grey
    nb, riket, ovr = region_stil("25"), region_stil("00"), region_stil("14")
    assert nb["zorder"] > riket["zorder"] > ovr["zorder"]
    assert nb["linewidth"] > ovr["linewidth"]


def _srgb_to_lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD = {
    "normal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
    "protanopi": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopi": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopi": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def _seen(hexcolour: str, matrix: tuple[tuple[float, ...], ...]) -> tuple[float, float, float]:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    def gamma(c: float) -> float:
        c = min(1.0, max(0.0, c))
        return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055

    rgb = [lin(int(hexcolour[i : i + 2], 16) / 255) for i in (1, 3, 5)]
    r, g, b = (gamma(sum(m * c for m, c in zip(row, rgb, strict=True))) for row in matrix)
    return _srgb_to_lab((r, g, b))


def _delta_e(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


@pytest.mark.parametrize("vision", list(CVD))
def test_highlight_colours_stay_apart_with_colour_blindness(vision: str) -> None:
    """Norrbotten, riket and the grey regions differ by ΔE*ab > 25 in normal and simulated
    protan-, deutan- and tritanopia; a red/green pair would fail here."""
    m = CVD[vision]
    nb, riket, ovr = (_seen(c, m) for c in (NORRBOTTEN_FARG, RIKET_FARG, OVRIGA_FARG))
    assert min(_delta_e(nb, riket), _delta_e(nb, ovr), _delta_e(riket, ovr)) > 25
    if vision == "deuteranopi":
        assert _delta_e(_seen("#d62728", m), _seen("#2ca02c", m)) < 25  # the check can fail


def test_palette_is_okabe_ito() -> None:
    assert reportlib.FARGER[0] == NORRBOTTEN_FARG and reportlib.FARGER[1] == RIKET_FARG
    assert set(reportlib.FARGER) == set(reportlib.OKABE_ITO.values())
    assert reportlib.OKABE_ITO["bla"] == "#0072B2" and reportlib.OKABE_ITO["orange"] == "#E69F00"


def test_table_numbers_right_aligned_and_swedish() -> None:
    df = pl.DataFrame(
        {"kommun": ["Luleå", "Övertorneå"], "folkmangd": [79_000, 4_123], "andel": [0.062, None]}
    )
    text = tabell(
        df,
        {
            "kommun": ("Kommun", None),
            "folkmangd": ("Folkmängd", formatering.tal),
            "andel": ("Andel", formatering.procent),
        },
    )
    header, align, luleå, overtornea = text.split("\n")
    assert header == "| Kommun | Folkmängd | Andel |"
    cols = align.strip("|").split("|")
    assert cols[0].startswith(":") and not cols[0].endswith(":")  # text left
    assert cols[1].endswith(":") and cols[2].endswith(":")  # numbers right
    assert luleå == "| Luleå | 79\u00a0000 | 6,2\u00a0% |"
    assert overtornea == "| Övertorneå | 4\u00a0123 | – |"


def test_wide_table_gives_room_to_long_texts() -> None:
    long = "Förstärkta finansieringsmöjligheter för kulturaktörer inom de kulturella och kreativa näringarna"
    df = pl.DataFrame({"nr": [1], "rubrik": [long], "kod": ["ab"]})
    align = tabell(df, {"nr": ("Nr", str), "rubrik": ("Rubrik", None), "kod": ("Kod", None)}).split("\n")[1]
    nr, rubrik, kod = (len(c) for c in align.strip("|").split("|"))
    assert rubrik > 3 * nr and rubrik > 3 * kod


def test_markdown_text_escapes() -> None:
    assert (
        markdown_text("Standardiserad Vårdförlopp [SVF] 2020") == "Standardiserad Vårdförlopp \\[SVF\\] 2020"
    )
    assert markdown_text("a|b *c*\n d") == "a\\|b \\*c\\* d"
    assert markdown_text(None) == "–"


def test_direction_codes_in_swedish() -> None:
    from pipelines import reportlib

    assert [reportlib.riktningsord(k) for k in ("hogre", "lagre", "okade", "oforandrad", None)] == [
        "högre",
        "lägre",
        "ökade",
        "oförändrad",
        "–",
    ]
    with pytest.raises(KeyError):
        reportlib.riktningsord("högre")  # a word is not a code
