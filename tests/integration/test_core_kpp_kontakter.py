"""core_kpp__kontakter: typed from the delivered extract, region from $lan, latest delivery wins, contract."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from pipelines import contracts, reference, warehouse
from tests.integration.kpp_fixtures import FIXTURES, failing_rules, load, rows

TABLE = "core_kpp__kontakter"


@pytest.fixture
def kpp(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    load(con, "drg-vikter", "viktlista_2020.xlsx", "viktlista_2021.csv")
    assert load(con, "kpp-kontakter", "kontakter_2020_utf8bom.csv") == 12
    return con


def test_the_core_table_types_and_normalises_the_extract(kpp: duckdb.DuckDBPyConnection) -> None:
    assert rows(kpp, f"SELECT * FROM {TABLE} WHERE vardkontakt_id IN ('VK2020-0001', 'VK2020-0009')") == [
        ("25", "VK2020-0001", "PQXKTRMBWHZA", 2020, 1, "SUN", "Medicinkliniken", "sluten", "somatisk", "K", 82,
         "I500", "127N", 6, 58412.5, "kontakter_2020_utf8bom.csv", 2),
        ("25", "VK2020-0009", "PASDFGHJKLQW", 2020, 4, "KIR", "Medicinkliniken", "sluten", "somatisk", "M", 90,
         "I639", "014", 9, 84000.0, "kontakter_2020_utf8bom.csv", 10),
    ]  # fmt: skip
    assert rows(
        kpp, f"SELECT vardtyp, vardform, count(*), sum(kostnad) FROM {TABLE} GROUP BY ALL ORDER BY ALL"
    ) == [
        ("primarvard", "oppen", 2, 1150.2),
        ("psykiatrisk", "oppen", 1, 2950.0),
        ("psykiatrisk", "sluten", 1, 176300.0),
        ("somatisk", "oppen", 3, 2480.0 + 9870.0 + 1975.5),
        ("somatisk", "sluten", 5, 58412.5 + 312905.0 + 31250.75 + 84000.0 + 41000.0),
    ]


def test_the_contract_holds_on_the_fixture(kpp: duckdb.DuckDBPyConnection) -> None:
    result = contracts.validate(kpp, TABLE)
    assert result.success, result.summary()
    assert result.rows == 12


def test_a_broken_rule_names_rows_in_the_row_order_not_as_stored(kpp: duckdb.DuckDBPyConnection) -> None:
    # the table is stored as delivered; by (ar, manad, vardkontakt_id) VK2020-0002 (March, the file's
    # second record) is row 6: 0001, 0003 (January), 0004-0006 (February), then 0002
    assert rows(kpp, f"SELECT rowid FROM {TABLE} WHERE vardkontakt_id = 'VK2020-0002'") == [(1,)]
    kpp.execute(f"UPDATE {TABLE} SET alder = 130 WHERE vardkontakt_id IN ('VK2020-0002', 'VK2020-0012')")
    result = contracts.validate(kpp, TABLE)
    (alder,) = [f for f in result.failures if f.column == "alder"]
    assert alder.rows == [6, 12]


def test_the_region_is_configuration(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "drg-vikter", "viktlista_2020.xlsx")
    load(con, "kpp-kontakter", "kontakter_2020_cp1252.csv", params={"lan": "24"})
    assert rows(con, f"SELECT DISTINCT region_kod FROM {TABLE}") == [("24",)]
    con.execute(f"UPDATE {TABLE} SET sjukhus = 'NUS' WHERE vardkontakt_id = 'VK2020-0001'")
    assert failing_rules(con, TABLE) == set()  # Norrbotten's hospital list applies to län 25 only
    con.execute(f"UPDATE {TABLE} SET region_kod = '25'")
    assert failing_rules(con, TABLE) == {"kpp-sjukhus-norrbotten"}


def test_a_later_extract_replaces_a_redelivered_contact(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "drg-vikter", "viktlista_2021.csv")
    assert load(con, "kpp-kontakter", "kontakter_2021_01.csv", "kontakter_2021_02.csv") == 10
    assert rows(con, "SELECT count(*) FROM raw_kpp__kontakter") == [(11,)]
    assert rows(
        con, f"SELECT kostnad, kalla_fil, kalla_rad FROM {TABLE} WHERE vardkontakt_id = 'VK2021-0003'"
    ) == [(2705.9, "kontakter_2021_02.csv", 6)]
    assert contracts.validate(con, TABLE).success


def test_files_ingested_together_are_ordered_by_name(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "drg-vikter", "viktlista_2021.csv")
    load(con, "kpp-kontakter", "kontakter_2021_02.csv", "kontakter_2021_01.csv", step=timedelta(0))
    assert rows(con, f"SELECT kalla_fil FROM {TABLE} WHERE vardkontakt_id = 'VK2021-0003'") == [
        ("kontakter_2021_02.csv",)
    ]


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ("UPDATE {t} SET drg = '999X' WHERE vardkontakt_id = 'VK2020-0004'", "kpp-drg-i-viktlista"),
        ("UPDATE {t} SET ar = 2019 WHERE vardkontakt_id = 'VK2020-0004'", "kpp-drg-i-viktlista"),
        ("UPDATE {t} SET sjukhus = 'XYZ' WHERE vardkontakt_id = 'VK2020-0004'", "kpp-sjukhus-norrbotten"),
        (
            "UPDATE {t} SET vardform = 'oppen', vardtid_dagar = 0 WHERE vardkontakt_id = 'VK2020-0001'",
            "kpp-drg-vardform",
        ),
        ("UPDATE {t} SET vardtid_dagar = 3 WHERE vardkontakt_id = 'VK2020-0004'", "kpp-oppenvard-vardtid"),
        ("UPDATE {t} SET kon = 'M' WHERE vardkontakt_id = 'VK2020-0002'", "kpp-patient-konsekvent"),
        ("UPDATE {t} SET alder = 85 WHERE vardkontakt_id = 'VK2020-0002'", "kpp-patient-konsekvent"),
        ("UPDATE {t} SET patient_id = '19700101-1234' WHERE vardkontakt_id = 'VK2020-0004'",
         "expect_column_values_to_not_match_regex"),
        ("UPDATE {t} SET kon = 'X' WHERE vardkontakt_id = 'VK2020-0006'", "expect_column_values_to_be_in_set"),
        ("UPDATE {t} SET huvuddiagnos = 'I50.0' WHERE vardkontakt_id = 'VK2020-0001'",
         "expect_column_values_to_match_regex"),
        ("UPDATE {t} SET kostnad = -1 WHERE vardkontakt_id = 'VK2020-0004'", "expect_column_values_to_be_between"),
        ("INSERT INTO {t} SELECT * FROM {t} WHERE vardkontakt_id = 'VK2020-0004'",
         "expect_column_values_to_be_unique"),
    ],
)  # fmt: skip
def test_each_rule_names_what_breaks_it(kpp: duckdb.DuckDBPyConnection, change: str, rule: str) -> None:
    kpp.execute(change.format(t=TABLE))
    assert failing_rules(kpp, TABLE) == {rule}


def test_primary_care_has_no_inpatient_care(kpp: duckdb.DuckDBPyConnection) -> None:
    kpp.execute(f"UPDATE {TABLE} SET vardform = 'sluten' WHERE vardkontakt_id = 'VK2020-0005'")
    assert failing_rules(kpp, TABLE) == {"kpp-primarvard-oppen", "kpp-drg-vardform"}


def test_a_failing_rule_points_at_the_file_and_line(kpp: duckdb.DuckDBPyConnection) -> None:
    kpp.execute(f"UPDATE {TABLE} SET drg = '999X' WHERE vardkontakt_id = 'VK2020-0004'")
    (failure,) = contracts.validate(kpp, TABLE).failures
    assert failure.column == "drg"
    assert "'kontakter_2020_utf8bom.csv', 5, 'VK2020-0004', 2020, '999X'" in failure.message


# --- distribution rules, on a larger synthetic extract ---------------------------------------------

SYNTHETIC = """
CREATE OR REPLACE TABLE raw_kpp__kontakter AS
SELECT
    'VK' || i AS vardkontakt_id, 'P' || i AS patient_id, 2020::BIGINT AS ar, (1 + i % 12)::BIGINT AS manad,
    CASE WHEN i >= 2700 THEN 'PV' ELSE 'SUN' END AS sjukhus, 'Klinik' AS klinik,
    CASE WHEN i < $sluten THEN 'sluten' ELSE 'oppen' END AS vardform,
    CASE WHEN i >= 2700 THEN 'primarvard' ELSE 'somatisk' END AS vardtyp,
    CASE WHEN i % 2 = 0 THEN 'K' ELSE 'M' END AS kon, (i % 90)::BIGINT AS alder, 'I50.0' AS huvuddiagnos,
    CASE WHEN i < $sluten THEN '127N' WHEN i < 2700 THEN '905O' ELSE 'P05O' END AS drg,
    (CASE WHEN i < $sluten THEN $vardtid ELSE 0 END)::BIGINT AS vardtid_dagar,
    (CASE WHEN i < $sluten THEN 60000 WHEN i < 2700 THEN 2500 ELSE 1200 END * $enhet)::DOUBLE AS kostnad,
    (i + 2)::BIGINT AS kalla_rad, 'syntet.csv' AS kalla_fil, 'abc' AS kalla_sha256,
    TIMESTAMP '2024-01-01' AS kalla_inlast
FROM range(3000) t(i)
"""


def synthetic(
    con: duckdb.DuckDBPyConnection, sluten: int = 300, vardtid: int = 5, enhet: int = 1
) -> set[str]:
    con.execute(SYNTHETIC, {"sluten": sluten, "vardtid": vardtid, "enhet": enhet})
    warehouse.build_table(con, TABLE, {"lan": "25"})
    return failing_rules(con, TABLE)


def test_distribution_rules_hold_on_a_plausible_extract_and_catch_implausible_ones(
    con: duckdb.DuckDBPyConnection,
) -> None:
    load(con, "drg-vikter", "viktlista_2020.xlsx")
    assert synthetic(con) == set()  # 11 % slutenvård, öppenvård 25 % of the cost, 5 days, 60 000 kr
    assert synthetic(con, enhet=100) == {"kpp-medelkostnad"}  # costs in öre
    assert synthetic(con, vardtid=120) == {"kpp-medelvardtid"}  # vårdtid in hours
    assert synthetic(con, sluten=1500) == {"kpp-andel-sluten", "kpp-oppen-kostnadsandel"}


def test_small_groups_are_not_held_to_the_distribution_rules(kpp: duckdb.DuckDBPyConnection) -> None:
    kpp.execute(f"UPDATE {TABLE} SET kostnad = kostnad * 100")
    assert failing_rules(kpp, TABLE) == set()  # 12 contacts say nothing about the mean


def test_the_hospital_rule_lists_exactly_norrbottens_hospitals() -> None:
    suite = json.loads(Path(contracts.suite_path(TABLE)).read_text(encoding="utf-8"))
    (rule,) = [r for r in suite["meta"]["sql_rules"] if r["name"] == "kpp-sjukhus-norrbotten"]
    listed = rule["sql"].split("NOT IN (")[1].split(")")[0]
    assert {code.strip(" '") for code in listed.split(",")} == set(reference.NORRBOTTEN_SJUKHUS)


def test_every_rule_has_a_rationale() -> None:
    for table in (TABLE, "core_kpp__riket", "core_drg__vikter"):
        suite = contracts.load_suite(table)
        assert set(suite["meta"]["grain"]) <= set(suite["meta"]["column_types"])
        for rule in suite["meta"]["sql_rules"]:
            assert rule["rationale"] and rule["name"].startswith(("kpp-", "drg-")), rule
        for expectation in suite["expectations"]:
            if expectation["type"] != "expect_column_values_to_not_be_null":
                assert expectation.get("meta", {}).get("rationale"), expectation
    assert FIXTURES.is_dir()
