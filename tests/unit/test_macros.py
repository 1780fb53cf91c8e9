"""The shared SQL macros: age bands and ICD-10 chapters, against hand-checked values."""

import duckdb
import pytest

from pipelines import reference, warehouse


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    warehouse.install_macros(c)
    return c


@pytest.mark.parametrize(
    ("alder", "grupp", "band"),
    [(0, "0-64", "0-9"), (9, "0-64", "0-9"), (10, "0-64", "10-19"), (64, "0-64", "60-69"),
     (65, "65+", "60-69"), (89, "65+", "80-89"), (90, "65+", "90+"), (110, "65+", "90+")],
)  # fmt: skip
def test_age_bands(con: duckdb.DuckDBPyConnection, alder: int, grupp: str, band: str) -> None:
    assert warehouse.scalar(con, "SELECT aldersgrupp_65($a)", {"a": alder}) == grupp
    assert warehouse.scalar(con, "SELECT aldersband_10($a)", {"a": alder}) == band


@pytest.mark.parametrize(
    ("kod", "kapitel"),
    [("A09", "I"), ("B99", "I"), ("C50.9", "II"), ("D48", "II"), ("D50", "III"), ("E11.9", "IV"),
     ("F32", "V"), ("H59", "VII"), ("H60", "VIII"), ("I21.4", "IX"), ("J44", "X"), ("S72.0", "XIX"),
     ("T81", "XIX"), ("W19", "XX"), ("Z51.1", "XXI"), ("U07.1", "XXII"), ("c50", "II"), ("50", None),
     (None, None)],
)  # fmt: skip
def test_icd10_chapters(con: duckdb.DuckDBPyConnection, kod: str | None, kapitel: str | None) -> None:
    assert warehouse.scalar(con, "SELECT icd10_kapitel($k)", {"k": kod}) == kapitel
    if kapitel:
        assert kapitel in reference.ICD10_KAPITEL
