"""core_kpp__riket: the national comparison aggregates, their consistency rules and plausibility checks."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines import contracts
from tests.integration.kpp_fixtures import FIXTURES, failing_rules, load, rows

TABLE = "core_kpp__riket"


@pytest.fixture
def riket(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    load(con, "drg-vikter", "viktlista_2020.xlsx")
    assert load(con, "kpp-riket", "riket_2020.csv") == 8
    return con


def test_the_aggregates_are_typed_and_traceable(riket: duckdb.DuckDBPyConnection) -> None:
    assert rows(riket, f"SELECT * FROM {TABLE} WHERE region_kod = '24'") == [
        (2020, "373N", "sluten", "18-44", "K", "24", "alla", 2400, 130, 73_000_000.0, 15_600_000.0, 1322.88,
         "riket_2020.csv", 9),
    ]  # fmt: skip
    # Riket's cost per DRG-poäng excluding ytterfall, slutenvård (hand-computed from the fixture):
    # (219,5 + 212 + 2 120) Mkr / (5142,791·4962/5210 + 4826,919·4650/4890 + 48505,6·83600/88000)
    ((per_point,),) = rows(
        riket,
        f"SELECT sum(kostnad - kostnad_ytterfall) / sum(drg_poang * (antal_kontakter - antal_ytterfall) "
        f"/ antal_kontakter) FROM {TABLE} WHERE region_kod = '00' AND jamforelsegrupp = 'alla' AND vardform = 'sluten'",
    )
    assert per_point == pytest.approx(2_551_512_400 / (4897.9848 + 4590.0043 + 46080.32), rel=1e-6)


def test_the_contract_holds_on_the_fixture(riket: duckdb.DuckDBPyConnection) -> None:
    result = contracts.validate(riket, TABLE)
    assert result.success, result.summary()


@pytest.mark.parametrize(
    ("change", "rules"),
    [
        ("UPDATE {t} SET antal_kontakter = 6000, drg_poang = 6000 * 0.9871 WHERE jamforelsegrupp = 'lanssjukhus'",
         {"kpp-riket-delmangd", "kpp-riket-sjukhusgrupper"}),
        ("UPDATE {t} SET kostnad = 300000000 WHERE region_kod = '25'", {"kpp-riket-delmangd"}),
        ("INSERT INTO {t} SELECT ar, drg, vardform, aldersgrupp, kon, '00', 'lansdelssjukhus', 3500, 100, 1.8e8, 3e7, "
         "3500 * 0.9871, kalla_fil, 99 FROM {t} WHERE jamforelsegrupp = 'lanssjukhus'",
         {"kpp-riket-sjukhusgrupper"}),
        ("UPDATE {t} SET drg_poang = drg_poang * 2 WHERE region_kod = '24'", {"kpp-riket-drgpoang"}),
        ("UPDATE {t} SET drg = '999X' WHERE region_kod = '24'",
         {"kpp-riket-drg-i-viktlista", "kpp-riket-delmangd"}),
        ("UPDATE {t} SET vardform = 'oppen' WHERE region_kod = '24'",
         {"kpp-riket-drg-vardform", "kpp-riket-delmangd"}),
        ("UPDATE {t} SET antal_ytterfall = antal_kontakter / 2, kostnad_ytterfall = kostnad / 2 "
         "WHERE region_kod = '00' AND jamforelsegrupp = 'alla' AND vardform = 'sluten'",
         {"kpp-riket-ytterfallsandel", "kpp-riket-ytterfall-kostnadsandel"}),
        ("UPDATE {t} SET kostnad = kostnad / 1000, kostnad_ytterfall = kostnad_ytterfall / 1000",
         {"kpp-riket-kostnad-per-poang"}),
        ("UPDATE {t} SET antal_ytterfall = antal_kontakter + 1 WHERE region_kod = '24'",
         {"expect_column_pair_values_a_to_be_greater_than_b"}),
        ("UPDATE {t} SET kostnad_ytterfall = kostnad + 1 WHERE region_kod = '25'",
         {"expect_column_pair_values_a_to_be_greater_than_b"}),
        ("UPDATE {t} SET region_kod = '26' WHERE region_kod = '24'", {"expect_column_values_to_be_in_set"}),
        ("INSERT INTO {t} SELECT * FROM {t} WHERE region_kod = '24'", {"expect_compound_columns_to_be_unique"}),
    ],
)  # fmt: skip
def test_each_rule_names_what_breaks_it(
    riket: duckdb.DuckDBPyConnection, change: str, rules: set[str]
) -> None:
    riket.execute(change.format(t=TABLE))
    assert failing_rules(riket, TABLE) == rules


def test_a_corrected_delivery_replaces_its_cells(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    correction = tmp_path / "riket_2020_rattelse.csv"
    lines = (FIXTURES / "riket_2020.csv").read_text(encoding="utf-8").splitlines()
    correction.write_text("\n".join([lines[0], lines[8].replace(";2400;130;", ";2410;131;")]) + "\n")
    load(con, "drg-vikter", "viktlista_2020.xlsx")
    assert load(con, "kpp-riket", "riket_2020.csv", correction) == 8
    query = f"SELECT antal_kontakter, antal_ytterfall, kalla_fil FROM {TABLE} WHERE region_kod = '24'"
    assert rows(con, query) == [(2410, 131, "riket_2020_rattelse.csv")]
