"""The demo publishes the Demografi report (HTML + PDF) whose sentences carry the frozen tables' numbers,
and the text follows the data: rendered on a changed snapshot, the same sentence gives the new number."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from pipelines import publish, render
from pipelines.formatering import procent, tal
from pipelines.reportlib import DATA_ENV

pytestmark = pytest.mark.e2e
SLUG = "demografi"


@pytest.fixture
def version(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    home, _ = demo_run
    return (home / "published" / SLUG / "latest").resolve()


def frozen(version: Path, table: str) -> pl.DataFrame:
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    return pl.read_parquet(version / manifest["tabeller"][table]["fil"])


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def mnkr(kronor: float) -> str:
    return f"{tal(kronor / 1e6, 1, ' ')} mnkr"


def test_the_demo_publishes_html_and_pdf(version: Path) -> None:
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["filer"]) == {"html", "pdf"}
    assert manifest["uppdrag"] == "fin-demografi-sjukdomspanorama-2020"
    assert {"prisindex", "kpp-kontakter", "scb-befolkning", "scb-prognos", "kpp-riket"} <= {
        i["kalla"] for i in manifest["indata"]
    }
    assert (version / "report.pdf").read_bytes().startswith(b"%PDF")


def test_the_summary_answers_with_the_frozen_numbers(version: Path) -> None:
    html = flat((version / "report.html").read_text(encoding="utf-8"))
    pdf = flat("\n".join(p.extract_text() or "" for p in PdfReader(version / "report.pdf").pages))
    takt = frozen(version, "out_demografi__behovstakt").filter(
        (pl.col("vardtyp") == "alla") & (pl.col("kon") == "alla") & (pl.col("aldersgrupp") == "alla")
    )
    plan = takt.filter(pl.col("period_kod") == "planens_period").row(0, named=True)
    riktning = {"hogre": "högre", "lagre": "lägre", "lika": "lika stor"}[plan["riktning_mot_planen_kod"]]
    sentence = (
        f"Det demografiska vårdbehovet förändrades med {procent(plan['arlig_forandring_rel'], 2, ' ')} per år "
        f"{plan['basar']}–{plan['malar']}, vilket är {riktning} än planens {procent(plan['planens_arliga_forandring_rel'], 1, ' ')} per år."
    )
    assert sentence in html
    lan = frozen(version, "out_kpp__demografi_klinik").filter(pl.col("niva_kod") == "lan").row(0, named=True)
    assert lan["prisforandring_rel"] > 0  # 2016's costs are raised to 2019's prices
    sentence = (
        f"Mellan {lan['basar']} och {lan['malar']} förändrades länets KPP-kostnad med "
        f"{mnkr(lan['forandring_kostnad_total_kr'])} i {lan['malar']} års priser, och enligt planens metod beror "
        f"{mnkr(lan['demografisk_kostnad_kr'])} av den på demografi."
    )
    assert sentence in html
    assert f"{lan['antal_kliniker_bada_okar']} av {lan['antal_kliniker']} kliniker" in pdf
    std = frozen(version, "out_demografi__standardiserad_kostnad")
    rad = std.filter((pl.col("ar") == std["ar"].max()) & (pl.col("vardform") == "alla")).row(0, named=True)
    assert f"{tal(rad['varav_kostnadsniva_kr'], 0, ' ')} kr på kostnadsnivån" in html


def test_the_text_follows_the_data(version: Path, tmp_path: Path) -> None:
    """Render the report on the frozen snapshot and on a copy with other numbers: the sentences change."""
    changed = tmp_path / "data"
    shutil.copytree(version / "data", changed)
    path = changed / "out_demografi__behovstakt.parquet"
    takt = pl.read_parquet(path)
    takt = takt.with_columns(
        pl.when(pl.col("period_kod") == "planens_period")
        .then(pl.lit(0.0123))
        .otherwise(pl.col("arlig_forandring_rel"))
        .alias("arlig_forandring_rel"),
        pl.when(pl.col("period_kod") == "planens_period")
        .then(pl.lit("hogre"))
        .otherwise(pl.col("riktning_mot_planen_kod"))
        .alias("riktning_mot_planen_kod"),
    )
    takt.write_parquet(path)
    path = changed / "out_kpp__demografi_klinik.parquet"
    klinik = pl.read_parquet(path)
    klinik.with_columns(
        pl.when(pl.col("niva_kod") == "lan").then(pl.lit(7_654_321.0)).otherwise(pl.col("demografisk_kostnad_kr"))
        .alias("demografisk_kostnad_kr")
    ).write_parquet(path)  # fmt: skip
    out = render.render(
        publish.report_qmd(SLUG),
        tmp_path / "ut",
        formats=("html",),
        env={DATA_ENV: str(changed)},
        engine="builtin",
    )
    html = flat(out["html"].read_text(encoding="utf-8"))
    assert "vårdbehovet förändrades med 1,23 % per år" in html
    assert "vilket är högre än planens 0,6 % per år" in html
    assert "beror 7,7 mnkr av den på demografi" in html
    original = flat((version / "report.html").read_text(encoding="utf-8"))
    assert "beror 7,7 mnkr av den på demografi" not in original


def test_a_missing_price_index_is_named_with_the_command(version: Path, tmp_path: Path) -> None:
    """Without LPIK for the compared years the warehouse leaves every fixed-price cost empty; the report
    says which source is missing and how to load it, and prints no current-price comparison."""
    changed = tmp_path / "data"
    shutil.copytree(version / "data", changed)
    path = changed / "out_kpp__demografi_klinik.parquet"
    utan_index = ["prisforandring_rel", "kostnad_bas_kr", "forandring_kostnad_0_64_kr", "forandring_kostnad_65_kr",
                  "forandring_kostnad_total_kr", "forandring_kostnad_total_rel", "demografisk_kostnad_kr"]  # fmt: skip
    klinik = pl.read_parquet(path)
    klinik.with_columns(pl.lit(None, dtype=pl.Float64).alias(c) for c in utan_index).write_parquet(path)
    out = render.render(
        publish.report_qmd(SLUG),
        tmp_path / "ut",
        formats=("html",),
        env={DATA_ENV: str(changed)},
        engine="builtin",
    )
    html = flat(out["html"].read_text(encoding="utf-8"))
    assert "Prisindex saknas." in html
    assert "analysplan ingest prisindex FIL" in html
    assert "förändrades länets KPP-kostnad med – i" in html


def test_a_hidden_klinik_shows_a_dash_and_the_footnote(version: Path, tmp_path: Path) -> None:
    """A klinik whose cells were hidden at freeze (fewer than five contacts) shows "–" and the footnote."""
    changed = tmp_path / "data"
    shutil.copytree(version / "data", changed)
    path = changed / "out_kpp__demografi_klinik.parquet"
    klinik = pl.read_parquet(path)
    dold = (
        (pl.col("niva_kod") == "klinik") & (pl.col("vardtyp") == "psykiatrisk") & (pl.col("sjukhus") == "KIR")
    )
    assert klinik.filter(dold).height == 1
    klinik.with_columns(
        pl.when(dold).then(None).otherwise(pl.col(c)).alias(c)
        for c in ("antal_kontakter_65_bas", "forandring_kostnad_65_kr", "demografisk_kostnad_kr", "fall")
    ).with_columns(pl.when(dold).then(True).otherwise(pl.col("skyddad")).alias("skyddad")).write_parquet(path)
    out = render.render(
        publish.report_qmd(SLUG),
        tmp_path / "ut",
        formats=("html",),
        env={DATA_ENV: str(changed)},
        engine="builtin",
    )
    html = flat(out["html"].read_text(encoding="utf-8"))
    assert "Färre än 5 – redovisas inte" in html
    original = flat((version / "report.html").read_text(encoding="utf-8"))
    assert "Färre än 5 – redovisas inte" not in original  # the demo hides no klinik
