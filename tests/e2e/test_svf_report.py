"""The demo publishes the SVF report (HTML + PDF) and its text carries the numbers of its frozen tables."""

from __future__ import annotations

import subprocess
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from pipelines.formatering import procent, tal

pytestmark = pytest.mark.e2e


def _flat(text: str) -> str:
    """Whitespace (line breaks, no-break spaces) as single spaces, the same in the text and the expectation."""
    return " ".join(text.split())


def _frozen(home: Path, table: str) -> pl.DataFrame:
    return pl.read_parquet(home / "published" / "svf" / "latest" / "data" / f"{table}.parquet")


def test_demo_publishes_the_svf_report_with_its_answers(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    home, _ = demo_run
    folder = home / "published" / "svf" / "latest"
    assert (folder / "report.html").is_file() and (folder / "report.pdf").is_file()
    html = _flat((folder / "report.html").read_text(encoding="utf-8"))
    ledtider = _frozen(home, "out_svf__ledtider")
    lan = ledtider.filter(
        (pl.col("region_kod") == "25") & (pl.col("svf") == "alla") & (pl.col("kon") == "alla")
    ).sort("ar")
    nb = lan.filter(pl.col("andel_inom_maxledtid").is_not_null()).row(-1, named=True)
    ar = nb["ar"]
    # the first Sammanfattning sentence, with the numbers of the frozen table
    expected = [
        f"År {ar} startade {procent(nb['andel_inom_maxledtid'], 0)} av länets {tal(nb['antal_patienter'])} patienter",
        f"riket ({procent(nb['andel_riket'], 0)})",
        f"Sedan baslinjeåret {nb['basar']}",
        f"till {procent(nb['andel_inom_maxledtid'], 0)}",
        f"var {tal(nb['median_ledtid_dagar'])} dagar",
    ]
    for sentence in expected:
        assert _flat(sentence) in html, sentence
    baslinje = _frozen(home, "out_svf__nya_forlopp_baslinje").row(0, named=True)
    antal = (
        f"För {baslinje['antal_forlopp_med_indikator']} av de {baslinje['antal_forlopp']} nya vårdförloppen"
    )
    assert antal in html
    # years are dated by the pathway's start and no incomplete year is published
    leveranser = _frozen(home, "out_svf__leveransar")
    complete = set(leveranser.filter(pl.col("ar_komplett"))["ar"].to_list())
    patient_years = set(ledtider.filter(pl.col("dataniva") == "patientniva")["ar"].to_list())
    assert patient_years and patient_years <= complete
    assert ar in complete
    # the demo's latest extract (2025, starts January–June) is incomplete: named, never published
    incomplete = leveranser.filter(~pl.col("ar_komplett"))["ar"].to_list()
    assert incomplete == [2025]
    assert 2025 not in ledtider["ar"].to_list()
    assert "Ofullständiga år i leveransen: 2025." in html
    # the demo calibrates Norrbotten's 2020 share to the annual report's 67 % on this basis
    year_2020 = lan.filter(pl.col("ar") == 2020).row(0, named=True)
    assert year_2020["andel_inom_maxledtid"] == pytest.approx(0.67, abs=0.01)
    assert "Färre än 5 – redovisas inte" in html
    for heading in (
        "Sammanfattning",
        "Kvinnor och män",
        "Ålder och geografi",
        "Baslinje för de tio nya vårdförloppen",
    ):
        assert heading in html, heading
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(folder / "report.pdf").pages).split())
    for word in ("Standardiserad Vårdförlopp [SVF] 2020", "Sammanfattning", "Höftartros", "Källa"):
        assert word in text, word
