"""The shared SQL macros (sql/macros.sql), against hand-checked values."""

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


@pytest.mark.parametrize(
    ("kod", "kon"),
    [("1", "M"), ("2", "K"), ("K", "K"), ("M", "M"), ("T", "alla"), ("tot", "alla"), ("TotSa", "alla"),
     ("Kvinnor", "K"), ("Män", "M"), ("Totalt", "alla"), (None, "alla"), ("3", "3"), ("x", "x")],
)  # fmt: skip
def test_kon_kod(con: duckdb.DuckDBPyConnection, kod: str | None, kon: str) -> None:
    """SCB/VIS 1 = män, 2 = kvinnor; Kolada T = totalt; an unknown code is kept for the contract to name."""
    assert warehouse.scalar(con, "SELECT kon_kod($k)", {"k": kod}) == kon


@pytest.mark.parametrize(
    ("kod", "drg"),
    [("14", "014"), ("1", "001"), ("014", "014"), ("373n", "373N"), (" 039o ", "039O"), ("905O", "905O"),
     ("123", "123")],
)  # fmt: skip
def test_drg_kod(con: duckdb.DuckDBPyConnection, kod: str, drg: str) -> None:
    assert warehouse.scalar(con, "SELECT drg_kod($k)", {"k": kod}) == drg


@pytest.mark.parametrize(
    ("alder", "grupp"),
    [(0, "0-17"), (17, "0-17"), (18, "18-44"), (44, "18-44"), (45, "45-64"), (64, "45-64"), (65, "65-79"),
     (79, "65-79"), (80, "80+"), (104, "80+")],
)  # fmt: skip
def test_kpp_aldersgrupp(con: duckdb.DuckDBPyConnection, alder: int, grupp: str) -> None:
    assert warehouse.scalar(con, "SELECT kpp_aldersgrupp($a)", {"a": alder}) == grupp


@pytest.mark.parametrize(
    ("start", "slut", "typ"),
    [("2020-01-01", "2020-12-31", "ar"), ("2020-07-01", "2020-12-31", "halvar"), ("2020-04-01", "2020-06-30", "kvartal"),
     ("2020-02-01", "2020-02-29", "manad"), ("2020-01-01", "2021-12-31", "annan"), ("2020-01-01", "2020-01-15", "annan")],
)  # fmt: skip
def test_periodtyp(con: duckdb.DuckDBPyConnection, start: str, slut: str, typ: str) -> None:
    assert warehouse.scalar(con, "SELECT periodtyp($s::DATE, $e::DATE)", {"s": start, "e": slut}) == typ


def test_wilson_interval(con: duckdb.DuckDBPyConnection) -> None:
    # 70 of 100, z = 1,96 (z² = 3,8416): centre (0,7 + 3,8416/200) = 0,719208; half-width
    # 1,96 × √(0,21/100 + 3,8416/40 000) = 1,96 × √0,00219604 = 0,0918497; divided by 1 + 3,8416/100 = 1,038416
    lag, hog = con.sql("SELECT wilson_lag(70, 100), wilson_hog(70, 100)").fetchall()[0]
    assert lag == pytest.approx((0.719208 - 0.0918497) / 1.038416, abs=1e-6)  # 0,60415
    assert hog == pytest.approx((0.719208 + 0.0918497) / 1.038416, abs=1e-6)  # 0,78105
    # 0 of 10: the lower bound is exactly 0, the upper z²/(n + z²) = 3,8416 / 13,8416
    lag, hog = con.sql("SELECT wilson_lag(0, 10), wilson_hog(0, 10)").fetchall()[0]
    assert lag == pytest.approx(0.0, abs=1e-12)
    assert hog == pytest.approx(3.8416 / 13.8416)
    assert con.sql("SELECT wilson_lag(0, 0), wilson_hog(3, NULL)").fetchall()[0] == (None, None)


@pytest.mark.parametrize(
    ("varde", "jamforelse", "riktning"),
    [(2.0, 1.0, "hogre"), (1.0, 2.0, "lagre"), (1.5, 1.5, "lika"), (None, 1.0, None), (1.0, None, None)],
)
def test_riktning(con: duckdb.DuckDBPyConnection, varde: float | None, jamforelse: float | None,
                  riktning: str | None) -> None:  # fmt: skip
    assert (
        warehouse.scalar(con, "SELECT riktning($v::DOUBLE, $j::DOUBLE)", {"v": varde, "j": jamforelse})
        == riktning
    )


@pytest.mark.parametrize(
    ("forandring", "ord"), [(0.074, "okade"), (-0.091, "minskade"), (0.0, "oforandrad"), (None, None)]
)
def test_riktning_forandring(
    con: duckdb.DuckDBPyConnection, forandring: float | None, ord: str | None
) -> None:
    assert warehouse.scalar(con, "SELECT riktning_forandring($f::DOUBLE)", {"f": forandring}) == ord


@pytest.mark.parametrize(
    ("kod", "grupp"),
    [("C00", "malign"), ("C50.9", "malign"), ("C97", "malign"), ("c61", "malign"), ("D00", "in_situ"),
     ("D09.9", "in_situ"), ("D10", "benign_osaker"), ("D48.5", "benign_osaker"), ("D50", None), ("B99", None),
     ("I21.4", None), (None, None)],
)  # fmt: skip
def test_tumorgrupp(con: duckdb.DuckDBPyConnection, kod: str | None, grupp: str | None) -> None:
    assert warehouse.scalar(con, "SELECT tumorgrupp($k)", {"k": kod}) == grupp


def test_one_statement_per_macro() -> None:
    """Each macro is one `CREATE OR REPLACE TEMP MACRO name(...) AS ...;` statement (fingerprints read them)."""
    import re

    text = warehouse.macro_text()
    names = re.findall(r"^CREATE OR REPLACE TEMP MACRO ([a-z_0-9]+)\(", text, flags=re.M)
    statements = [line for line in text.splitlines() if line.startswith("CREATE")]
    assert len(names) == len(set(names)) == len(statements)
    assert {"kon_kod", "drg_kod", "kpp_aldersgrupp", "periodtyp", "wilson_lag", "wilson_hog"} <= set(names)


@pytest.mark.parametrize(
    ("z", "p"), [(0.0, 1.0), (1.959964, 0.05), (-1.959964, 0.05), (2.575829, 0.01), (1.0, 0.317311)]
)
def test_p_tvasidig(con: duckdb.DuckDBPyConnection, z: float, p: float) -> None:
    # two-sided normal p-values from statistical tables
    assert warehouse.scalar(con, "SELECT p_tvasidig($z)", {"z": z}) == pytest.approx(p, abs=1e-6)
    assert warehouse.scalar(con, "SELECT p_tvasidig(NULL)") is None


@pytest.mark.parametrize(
    ("enhetstyp", "titel", "metod"),
    [("andel", "Statinbehandling efter hjärtinfarkt", "wilson"),
     ("andel", "Relativ femårsöverlevnad vid tjocktarmscancer", "levererat"),
     ("antal", "Antibiotikarecept per 1 000 invånare", "poisson"),
     ("antal", "Antal operationer", "levererat"), ("median", "Väntetid", "levererat"),
     ("medelvarde", "HbA1c", "levererat")],
)  # fmt: skip
def test_vis_testmetod(con: duckdb.DuckDBPyConnection, enhetstyp: str, titel: str, metod: str) -> None:
    assert warehouse.scalar(con, "SELECT vis_testmetod($e, $t, NULL)", {"e": enhetstyp, "t": titel}) == metod


@pytest.mark.parametrize(("p", "z"), [(0.025, 1.95996), (0.005, 2.57583), (0.05 / 26, 2.89052), (0.5, 0.0)])
def test_normal_quantile(con: duckdb.DuckDBPyConnection, p: float, z: float) -> None:
    # Abramowitz & Stegun 26.2.23: absolute error below 4.5e-4 (values: the standard normal table)
    assert warehouse.scalar(con, "SELECT z_ovre($p)", {"p": p}) == pytest.approx(z, abs=4.5e-4)


def test_wilson_interval_at_a_given_z(con: duckdb.DuckDBPyConnection) -> None:
    # 4 of 7 at z = 1,96: (p + z²/2n ± z √(p(1−p)/n + z²/4n²)) / (1 + z²/n) = 0,2505 … 0,8418 — the 95 % macro's
    lag, hog, lag95 = con.sql(
        "SELECT wilson_lag_z(4, 7, 1.96), wilson_hog_z(4, 7, 1.96), wilson_lag(4, 7)"
    ).fetchall()[0]
    assert (lag, hog) == (pytest.approx(0.2505, abs=1e-4), pytest.approx(0.8418, abs=1e-4))
    assert lag == pytest.approx(lag95)
    # a Bonferroni z widens it: 30 of 40 at z = 2,2414 is 0,575 … 0,869
    wide = con.sql("SELECT wilson_lag_z(30, 40, 2.2414), wilson_hog_z(30, 40, 2.2414)").fetchall()[0]
    assert wide == (pytest.approx(0.5750, abs=1e-3), pytest.approx(0.8691, abs=1e-3))
    assert con.sql("SELECT wilson_lag_z(0, 0, 1.96)").fetchall() == [(None,)]


def test_vis_test_quantities_by_method(con: duckdb.DuckDBPyConnection) -> None:
    # Poisson: 230 prescriptions per 1 000 of 10 000 inhabitants → 2 300 prescriptions, se √(1 000·230/10 000)
    n, x, lag, hog, se = con.sql(
        "SELECT vis_n('poisson', NULL, 10000), vis_x('poisson', NULL, 230.0, 10000), "
        "vis_ki_lag('poisson', 230.0, NULL, NULL, 10000, NULL), vis_ki_hog('poisson', 230.0, NULL, NULL, 10000, NULL), "
        "vis_se('poisson', NULL, 230.0, NULL, 10000, NULL, NULL)"
    ).fetchall()[0]
    assert (n, x) == (10000.0, 2300.0)
    assert (lag, hog, se) == (
        pytest.approx(230 - 1.96 * 23**0.5),
        pytest.approx(230 + 1.96 * 23**0.5),
        pytest.approx(23**0.5),
    )
    # Wilson: 50 of 100 → the 95 % macro's interval, binomial se 0,05; counts are the delivered ones
    n, x, lag, se = con.sql(
        "SELECT vis_n('wilson', 100, 9999), vis_x('wilson', 50, 0.5, 9999), "
        "vis_ki_lag('wilson', 0.5, 50, 100, 9999, NULL), vis_se('wilson', 0.5, 0.5, 100, 9999, NULL, NULL)"
    ).fetchall()[0]
    assert (n, x, se) == (100.0, 50.0, pytest.approx(0.05))
    assert lag == pytest.approx(con.sql("SELECT wilson_lag(50, 100)").fetchall()[0][0])
    # delivered interval 8–12: se = half-width / 1,96; no count; weight from the population when no nämnare
    n, x, lag, se = con.sql(
        "SELECT vis_n('levererat', NULL, 500), vis_x('levererat', NULL, 10.0, 500), "
        "vis_ki_lag('levererat', 10.0, NULL, NULL, 500, 8.0), vis_se('levererat', NULL, 10.0, NULL, 500, 8.0, 12.0)"
    ).fetchall()[0]
    assert (n, x, lag) == (500.0, None, 8.0)
    assert se == pytest.approx(4 / 3.92)


def test_p_skillnad(con: duckdb.DuckDBPyConnection) -> None:
    # 0,60 vs 0,50 with standard errors 0,03 and 0,04: z = 0,10 / 0,05 = 2 → p = 0,0455 (normal table)
    assert warehouse.scalar(con, "SELECT p_skillnad(0.60, 0.50, 0.03, 0.04)") == pytest.approx(
        0.0455, abs=1e-4
    )
    assert warehouse.scalar(con, "SELECT p_skillnad(0.60, NULL, 0.03, 0.04)") is None
    assert warehouse.scalar(con, "SELECT p_skillnad(0.60, 0.50, 0, 0)") is None
