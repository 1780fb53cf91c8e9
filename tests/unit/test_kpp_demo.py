"""The KPP/DRG demo generator: calibration to the plan's figures, real formats, determinism, volumes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from pipelines.demo import DEMO_SEED
from pipelines.demo import _kpp_katalog as katalog
from pipelines.demo import kpp as demo
from pipelines.sources import drg, kpp

CAL = demo.YEARS.index(2017)

# Which ICD-10 letters a main diagnosis in each MDC may start with (its chapters).
MDC_LETTERS = {
    "01": "GICDSR", "02": "H", "03": "HJ", "04": "JCI", "05": "IR", "06": "KCAD", "07": "KC", "08": "MS",
    "09": "LCD", "10": "E", "11": "NCDZ", "12": "NC", "13": "NDC", "14": "O", "15": "PZ", "16": "D",
    "17": "CZ", "18": "AB", "19": "F", "20": "F", "21": "T", "23": "ZR",
}  # fmt: skip


@pytest.fixture(scope="module")
def model() -> demo.Model:
    return demo.build_model(DEMO_SEED)


def mask(model: demo.Model, vardtyp: str, vardform: str) -> np.ndarray:
    return np.array([(d.vardtyp, d.vardform) == (vardtyp, vardform) for d in model.drgs])


# --- the catalogue -----------------------------------------------------------------------------


def test_the_catalogue_has_unique_norddrg_like_codes_and_diagnoses_in_their_mdc() -> None:
    drgs = katalog.expand()
    codes = [d.kod for d in drgs]
    assert len(codes) == len(set(codes)) >= 120
    for d in drgs:
        assert d.vardform == ("sluten" if d.group.kind in ("par", "en") else "oppen")
        assert d.kod[-1] == "O" or d.vardform == "sluten", d.kod
        for icd in d.group.icd:
            assert icd[0] in MDC_LETTERS[d.mdc], (d.kod, icd)
            assert pl.Series([icd]).str.contains(f"^{kpp.ICD10_PATTERN}$").item(), icd
        if d.mdc == "20":
            assert all(icd.startswith("F1") for icd in d.group.icd)
    assert {d.vardtyp for d in drgs} == {"somatisk", "psykiatrisk", "primarvard"}


# --- calibration (the model's expectations; the files are draws from it) ------------------------


def test_ytterfall_are_5_and_3_percent_of_contacts_nationally_carrying_about_a_fifth_of_cost(
    model: demo.Model,
) -> None:
    total = {
        k: sum(model.expected(u)[k] for u in demo.UNITS)
        for k in ("n", "ytterfall", "kostnad", "kostnad_ytterfall")
    }
    for vardform, share in (("sluten", 0.05), ("oppen", 0.03)):
        m = np.array([d.vardform == vardform for d in model.drgs])
        for j in range(len(demo.YEARS)):
            assert total["ytterfall"][j, m].sum() / total["n"][j, m].sum() == pytest.approx(share, abs=0.002)
            cost_share = total["kostnad_ytterfall"][j, m].sum() / total["kostnad"][j, m].sum()
            assert 0.17 < cost_share < 0.23


def test_norrbotten_has_more_ytterfall_than_riket(model: demo.Model) -> None:
    nb = model.expected("25")
    for vardform, riket in (("sluten", 0.05), ("oppen", 0.03)):
        m = np.array([d.vardform == vardform for d in model.drgs])
        share = nb["ytterfall"][:, m].sum(axis=(1, 2, 3)) / nb["n"][:, m].sum(axis=(1, 2, 3))
        assert (share > riket * 1.1).all() and (share < riket * 2).all()
        assert share[demo.YEARS.index(2018)] > share[CAL]  # "ökar ytterfallskostnader 2018-2017"


def test_norrbotten_cost_per_drg_point_excluding_ytterfall_is_the_plans_2017_baseline(
    model: demo.Model,
) -> None:
    for vardform, target in (("sluten", 0.070), ("oppen", 0.087)):
        m = mask(model, "somatisk", vardform)
        sums = {u: demo._inner_sums(model, u, CAL, m) for u in demo.UNITS}
        nb = sums["25"][0] / sums["25"][1]
        riket = sum(c for c, _ in sums.values()) / sum(p for _, p in sums.values())
        assert nb / riket - 1 == pytest.approx(target, abs=0.0005)


def test_norrbottens_open_care_cost_share_2017_is_the_plans_baseline(model: demo.Model) -> None:
    e = model.expected("25")
    for vardtyp, target in (("somatisk", 0.418), ("psykiatrisk", 0.521)):
        open_cost = e["kostnad"][CAL, mask(model, vardtyp, "oppen")].sum()
        closed_cost = e["kostnad"][CAL, mask(model, vardtyp, "sluten")].sum()
        assert open_cost / (open_cost + closed_cost) == pytest.approx(target, abs=0.001)


def test_scale_one_is_two_million_contacts_in_2017_and_more_per_inhabitant_than_riket(
    model: demo.Model,
) -> None:
    nb = model.expected("25")["n"][CAL].sum()
    assert nb == pytest.approx(2_000_000, rel=1e-6)
    riket = sum(model.expected(u)["n"][CAL].sum() for u in demo.UNITS)
    assert nb / model.population["25"][CAL].sum() > riket / model.population["00"][CAL].sum()


def test_contacts_per_inhabitant_rise_with_age(model: demo.Model) -> None:
    per_age = (model.expected("25")["n"][CAL].sum(axis=0) / model.population["25"][CAL]).sum(axis=1) / 2
    bands = [per_age[lo:hi].mean() for lo, hi in ((5, 15), (20, 45), (45, 65), (65, 80), (80, 95))]
    assert bands == sorted(bands)
    assert bands[-1] > 2 * bands[0]


def test_kon_makes_a_difference(model: demo.Model) -> None:
    e = model.expected("25")
    adults = slice(20, 65)
    open_care = ~np.array([d.vardform == "sluten" for d in model.drgs])
    visits = e["n"][CAL][open_care][:, adults].sum(axis=(0, 1)) / model.population["25"][CAL][adults].sum(
        axis=0
    )
    assert visits[0] > 1.1 * visits[1]  # women visit more often
    sluten = mask(model, "somatisk", "sluten")
    cost = e["kostnad"][CAL][sluten].sum(axis=(0, 1)) / e["n"][CAL][sluten].sum(axis=(0, 1))
    assert cost[1] > cost[0]  # men's inpatient stays cost more


def test_the_weight_list_leaves_out_some_limits(model: demo.Model) -> None:
    missing = 1 - model.has_limit.mean()
    assert 0.05 < missing < 0.25
    per_point = model.kostnadsgrans / model.vikt
    assert (per_point > 100_000).all() and (per_point < 400_000).all()  # inside the contract's band


# --- the files -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[Path]]]:
    yield demo.generate_files(tmp_path_factory.mktemp("kpp"), seed=DEMO_SEED, scale=0.002)


def test_files_come_in_their_real_formats(files: dict[str, list[Path]]) -> None:
    assert set(files) == {"drg-vikter", "kpp-kontakter", "kpp-riket"}
    assert [p.suffix for p in files["drg-vikter"]] == [".xlsx"] * 3 + [".csv"] + [".xlsx"] * 5
    assert [p.suffix for p in files["kpp-kontakter"]] == [".csv"] * 5 + [".parquet"] + [".csv"] * 3
    extracts = {int(p.stem[-4:]): p.read_bytes() for p in files["kpp-kontakter"]}
    assert extracts[2017].startswith(b"\xef\xbb\xbf") and not extracts[2019].startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        extracts[2016].decode("utf-8")  # Windows-1252 (å, ä, ö in kliniker)
    assert b"\r\n" in extracts[2016] and b"\r\n" not in extracts[2017]
    assert b";1 " in extracts[2018] or b";2 " in extracts[2018]  # thousands separated by spaces
    assert extracts[2021][:4] == b"PAR1"


def test_every_file_passes_its_reader(files: dict[str, list[Path]]) -> None:
    readers = {"drg-vikter": drg.read, "kpp-kontakter": kpp.read_kontakter, "kpp-riket": kpp.read_riket}
    for source, paths in files.items():
        for path in paths:
            assert readers[source](path.read_bytes(), path.name).num_rows > 0, path


def test_extracts_have_pseudonyms_repeat_patients_and_contain_ytterfall(model: demo.Model) -> None:
    frame = demo.extract_frame(model, 2020, seed=DEMO_SEED, scale=0.01)
    assert not kpp.looks_like_personnummer(frame["patient_id"]).any()
    per_patient = frame.group_by("patient_id").agg(
        pl.len(), pl.col("kon").n_unique(), pl.col("alder").n_unique()
    )
    assert per_patient["len"].max() >= 5 and (per_patient["len"] >= 2).mean() > 0.3
    assert (per_patient["kon"] == 1).all() and (per_patient["alder"] == 1).all()
    assert frame["vardkontakt_id"].is_unique().all()
    limits = pl.DataFrame({"drg": model.codes, "grans": model.kostnadsgrans[demo.YEARS.index(2020)]})
    joined = frame.join(limits, on="drg")
    assert (joined["kostnad"] > joined["grans"]).mean() > 0.02
    assert set(frame["sjukhus"]) == set(demo.HOSPITALS)
    assert frame.filter(pl.col("vardform") == "oppen")["vardtid_dagar"].max() == 0


def test_the_default_scale_keeps_every_group_non_trivial(model: demo.Model) -> None:
    frame = demo.extract_frame(model, 2017, seed=DEMO_SEED, scale=0.01)
    assert frame.height == pytest.approx(20_000, rel=0.03)
    counts = {(r[0], r[1]): r[2] for r in frame.group_by("vardtyp", "vardform").len().iter_rows()}
    assert counts[("psykiatrisk", "sluten")] >= 10 and counts[("somatisk", "sluten")] >= 200
    assert frame["klinik"].n_unique() > 25


def test_a_larger_draw_reproduces_the_calibrated_gap(model: demo.Model) -> None:
    frame = demo.extract_frame(model, 2017, seed=DEMO_SEED, scale=0.2)
    j = CAL
    weights = pl.DataFrame({"drg": model.codes, "vikt": model.vikt[j], "grans": model.kostnadsgrans[j]})
    inner = frame.join(weights, on="drg").filter(pl.col("kostnad") <= pl.col("grans"))
    for vardform, target in (("sluten", 0.070), ("oppen", 0.087)):
        part = inner.filter((pl.col("vardtyp") == "somatisk") & (pl.col("vardform") == vardform))
        nb = part["kostnad"].sum() / part["vikt"].sum()
        m = mask(model, "somatisk", vardform)
        sums = [demo._inner_sums(model, u, j, m) for u in demo.UNITS]
        riket = sum(c for c, _ in sums) / sum(p for _, p in sums)
        assert nb / riket - 1 == pytest.approx(target, abs=0.025)


def test_riket_is_consistent_with_its_parts_and_the_weights(model: demo.Model) -> None:
    riket = demo.riket_frame(model, seed=DEMO_SEED)
    key = ["ar", "drg", "vardform", "aldersgrupp", "kon"]
    total = riket.filter(pl.col("jamforelsegrupp") == "riket")
    parts = riket.filter(pl.col("jamforelsegrupp") != "riket").join(
        total, on=key, suffix="_riket", how="left"
    )
    assert parts["antal_kontakter_riket"].null_count() == 0
    assert (parts["antal_kontakter"] <= parts["antal_kontakter_riket"]).all()
    assert (parts["kostnad"] <= parts["kostnad_riket"] + 0.01).all()
    hospitals = (
        riket.filter(pl.col("jamforelsegrupp").is_in(["lanssjukhus", "lansdelssjukhus"]))
        .group_by(key)
        .agg(pl.col("antal_kontakter").sum())
        .join(total, on=key, suffix="_riket")
    )
    assert (hospitals["antal_kontakter"] <= hospitals["antal_kontakter_riket"]).all()
    assert (riket["antal_ytterfall"] <= riket["antal_kontakter"]).all()
    assert (riket["kostnad_ytterfall"] <= riket["kostnad"]).all()
    vikt = pl.DataFrame(
        {
            "ar": np.repeat(demo.YEARS, len(model.codes)),
            "drg": model.codes * len(demo.YEARS),
            "vikt": model.vikt.ravel(),
        }
    ).with_columns(pl.col("ar").cast(pl.Int32))
    check = riket.join(vikt, on=["ar", "drg"])
    assert ((check["drg_poang"] - check["antal_kontakter"] * check["vikt"]).abs() < 0.001).all()
    assert set(riket["jamforelsegrupp"]) == {"riket", "lanssjukhus", "lansdelssjukhus", *demo.NAMED_REGIONS}
    sluten = total.filter(pl.col("vardform") == "sluten")
    assert sluten["antal_ytterfall"].sum() / sluten["antal_kontakter"].sum() == pytest.approx(0.05, abs=0.002)


def test_the_files_are_identical_on_every_run(files: dict[str, list[Path]], tmp_path: Path) -> None:
    again = demo.generate_files(tmp_path, seed=DEMO_SEED, scale=0.002)
    for source, paths in files.items():
        assert [p.name for p in again[source]] == [p.name for p in paths]
        for first, second in zip(paths, again[source], strict=True):
            assert hashlib.sha256(first.read_bytes()).digest() == hashlib.sha256(second.read_bytes()).digest()
