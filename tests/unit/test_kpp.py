"""KPP readers: the region's extract (kpp-kontakter) and the national aggregates (kpp-riket)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from pipelines import reference
from pipelines.errors import RejectedInput
from pipelines.sources import kpp
from pipelines.sources.registry import get_source
from pipelines.sources.swecsv import violation_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kpp"
HEADER = (
    "vardkontakt_id;patient_id;ar;manad;sjukhus;klinik;vardform;vardtyp;kon;alder;huvuddiagnos;drg;"
    "vardtid_dagar;kostnad\n"
)
ROW = "VK1;PABCDEFGH;2020;1;SUN;Medicinkliniken;sluten;somatisk;K;82;I50.0;127N;6;58 412,50\n"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def kontakter(text: str, name: str = "kpp.csv") -> pa.Table:
    return kpp.read_kontakter(text.encode("utf-8"), name)


def rejected_kontakter(text: str) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(RejectedInput) as err:
        kontakter(text)
    return violation_rows(err.value.violations)


# --- kpp-kontakter -----------------------------------------------------------------------------


def test_the_extract_is_read_as_delivered_with_its_line_numbers() -> None:
    table = kpp.read_kontakter(fixture("kontakter_2020_utf8bom.csv"), "kontakter_2020_utf8bom.csv")
    assert table.column_names == [c.name for c in kpp.KONTAKTER_COLUMNS] + ["kalla_rad"]
    assert table.num_rows == 12
    first = table.slice(0, 1).to_pylist()[0]
    assert first == {
        "vardkontakt_id": "VK2020-0001",
        "patient_id": "PQXKTRMBWHZA",
        "ar": 2020,
        "manad": 1,
        "sjukhus": "SUN",
        "klinik": "Medicinkliniken",
        "vardform": "sluten",
        "vardtyp": "somatisk",
        "kon": "K",
        "alder": 82,
        "huvuddiagnos": "I50.0",  # as delivered; the core table drops the dot
        "drg": "127N",
        "vardtid_dagar": 6,
        "kostnad": 58412.5,
        "kalla_rad": 2,
    }
    assert table["kostnad"].to_pylist()[1] == 312905.0  # "312 905,00"
    assert table["kostnad"].to_pylist()[2] == 31250.75  # "31250,75"
    assert table["klinik"].to_pylist()[4] == "Hälsocentralen Öjebyn"
    assert table["drg"].to_pylist()[8] == "014"
    assert sum(table["kostnad"].to_pylist()) == pytest.approx(722_293.95)  # hand-summed from the file


def test_windows_1252_and_parquet_deliveries_read_the_same() -> None:
    utf8 = kpp.read_kontakter(fixture("kontakter_2020_utf8bom.csv"), "a.csv")
    assert kpp.read_kontakter(fixture("kontakter_2020_cp1252.csv"), "b.csv").equals(utf8)
    parquet = kpp.read_kontakter(fixture("kontakter_2020.parquet"), "c.parquet")
    assert parquet.drop(["kalla_rad"]).equals(utf8.drop(["kalla_rad"]))
    assert parquet["kalla_rad"].to_pylist() == list(range(1, 13))


@pytest.mark.parametrize(
    "patient",
    [
        "19700101-1234",
        "197001011234",
        "7001011234",
        "700101-1234",
        "700101+1234",
        "20121231 1234",
        "700161-1234",  # samordningsnummer (day + 60)
        "P197001011234X",  # embedded
        "pnr:8507221234",
    ],
)
def test_anything_shaped_like_a_personnummer_is_rejected_without_echoing_it(patient: str) -> None:
    with pytest.raises(RejectedInput) as err:
        kontakter(HEADER + ROW.replace("PABCDEFGH", patient))
    assert violation_rows(err.value.violations) == [(2, "patient_id", "kpp-personnummer")]
    assert patient not in str(err.value)


@pytest.mark.parametrize("patient", ["12345678", "700132-1234", "197013011234", "00197001011234", "P-4711"])
def test_pseudonyms_that_only_contain_digits_are_fine_unless_they_look_like_a_personnummer(
    patient: str,
) -> None:
    assert kontakter(HEADER + ROW.replace("PABCDEFGH", patient))["patient_id"].to_pylist() == [patient]


def test_a_malformed_pseudonym_is_a_format_error() -> None:
    assert rejected_kontakter(HEADER + ROW.replace("PABCDEFGH", "Anna Svensson")) == [
        (2, "patient_id", "csv-format")
    ]


def test_codes_ranges_and_icd_shape_are_checked() -> None:
    bad = (
        ROW.replace(";K;", ";k;")
        .replace(";sluten;", ";slutenvård;")
        .replace(";82;", ";111;")
        .replace("I50.0", "I5")
        .replace("58 412,50", "-1")
    )
    assert sorted(rejected_kontakter(HEADER + bad)) == sorted(
        [
            (2, "vardform", "csv-kod"),
            (2, "kon", "csv-kod"),
            (2, "alder", "csv-intervall"),
            (2, "huvuddiagnos", "csv-format"),
            (2, "kostnad", "csv-intervall"),
        ]
    )


@pytest.mark.parametrize("icd", ["I21.4", "I214", "S72.00", "S7200", "F10.2", "z51.1", "U07.1"])
def test_icd10_codes_with_or_without_the_dot_are_accepted(icd: str) -> None:
    assert kontakter(HEADER + ROW.replace("I50.0", icd))["huvuddiagnos"].to_pylist() == [icd]


def test_a_contact_delivered_twice_in_one_file_is_rejected() -> None:
    second = ROW.replace(";1;SUN;", ";2;SUN;")
    with pytest.raises(RejectedInput) as err:
        kontakter(HEADER + ROW + second)
    assert violation_rows(err.value.violations) == [(3, "vardkontakt_id", "csv-dubblett")]


def test_extracts_come_as_csv_or_parquet() -> None:
    with pytest.raises(RejectedInput) as err:
        kpp.read_kontakter(fixture("viktlista_2020.xlsx"), "kpp.xlsx")
    assert violation_rows(err.value.violations) == [(None, None, "fil-format")]


# --- kpp-riket ---------------------------------------------------------------------------------


def test_the_national_aggregates_are_read() -> None:
    table = kpp.read_riket(fixture("riket_2020.csv"), "riket_2020.csv")
    assert table.num_rows == 8
    assert table.slice(0, 1).to_pylist()[0] == {
        "ar": 2020,
        "drg": "127N",
        "vardform": "sluten",
        "aldersgrupp": "65-79",
        "kon": "K",
        "jamforelsegrupp": "riket",
        "antal_kontakter": 5210,
        "antal_ytterfall": 248,
        "kostnad": 280_512_400.0,
        "kostnad_ytterfall": 61_000_000.0,
        "drg_poang": pytest.approx(5142.791),
        "kalla_rad": 2,
    }
    assert table["jamforelsegrupp"].to_pylist() == [
        "riket",
        "lanssjukhus",
        "25",
        "riket",
        "riket",
        "lansdelssjukhus",
        "riket",
        "24",
    ]


def riket_text(*rows: str) -> bytes:
    head = (
        "ar;drg;vardform;aldersgrupp;kon;jamforelsegrupp;antal_kontakter;antal_ytterfall;kostnad;"
        "kostnad_ytterfall;drg_poang\n"
    )
    return (head + "".join(r + "\n" for r in rows)).encode()


def test_ytterfall_cannot_exceed_the_contacts_or_their_cost() -> None:
    data = riket_text(
        "2020;127N;sluten;65-79;K;riket;100;5;1000000;200000;98,71",
        "2020;127N;sluten;80+;K;riket;100;101;1000000;200000;98,71",
        "2020;127N;sluten;80+;M;riket;100;5;1000000;1000000,01;98,71",
    )
    with pytest.raises(RejectedInput) as err:
        kpp.read_riket(data, "riket.csv")
    assert violation_rows(err.value.violations) == [
        (3, "antal_ytterfall", "kpp-riket-ytterfall"),
        (4, "kostnad_ytterfall", "kpp-riket-ytterfall"),
    ]
    assert "101" in err.value.violations[0].message


def test_comparison_groups_age_groups_and_cells_are_checked() -> None:
    data = riket_text(
        "2020;127N;sluten;65-79;K;Västerbotten;1;0;1;0;1",
        "2020;127N;sluten;65+;K;riket;1;0;1;0;1",
        "2020;127N;sluten;18-44;K;riket;1;0;1;0;1",
        "2020;127N;sluten;18-44;K;riket;2;0;1;0;1",
    )
    with pytest.raises(RejectedInput) as err:
        kpp.read_riket(data, "riket.csv")
    assert violation_rows(err.value.violations) == [
        (3, "aldersgrupp", "csv-kod"),
        (2, "jamforelsegrupp", "csv-kod"),
    ]
    with pytest.raises(RejectedInput) as err:
        kpp.read_riket(riket_text(*[r for r in data.decode().splitlines()[3:]]), "riket.csv")
    assert violation_rows(err.value.violations) == [(3, None, "csv-dubblett")]


def test_every_lan_code_is_a_comparison_group() -> None:
    assert set(reference.LAN) <= kpp.JAMFORELSEGRUPPER
    assert {"riket", "lanssjukhus", "lansdelssjukhus"} <= kpp.JAMFORELSEGRUPPER


def test_the_sources_are_registered_in_ingest_order() -> None:
    vikter, kontakter_source, riket = (get_source(n) for n in ("drg-vikter", "kpp-kontakter", "kpp-riket"))
    assert vikter.order < kontakter_source.order < riket.order
    assert kontakter_source.depends_on == ("core_drg__vikter",)
    assert riket.depends_on == ("core_drg__vikter",)
    assert kontakter_source.raw_table == "raw_kpp__kontakter"
    assert kontakter_source.core_table == "core_kpp__kontakter"


def test_the_personnummer_rule_is_vectorised() -> None:
    values = pl.Series(["P1", "191212121212", None, "x 121212-1212 y"])
    assert kpp.looks_like_personnummer(values).to_list() == [False, True, False, True]


def test_the_import_format_documents_every_column_and_rule() -> None:
    from pipelines import contracts
    from pipelines.sources import drg

    doc = (contracts.CONTRACTS_DIR / "kpp_importformat.md").read_text(encoding="utf-8")
    for columns in (kpp.KONTAKTER_COLUMNS, kpp.RIKET_COLUMNS, drg.COLUMNS):
        for column in columns:
            assert f"`{column.name}`" in doc, column.name
    for table in ("core_kpp__kontakter", "core_kpp__riket", "core_drg__vikter"):
        for rule in contracts.load_suite(table)["meta"]["sql_rules"]:
            assert f"`{rule['name']}`" in doc, rule["name"]
    for rule in ("kpp-personnummer", "kpp-riket-ytterfall", "csv-kodning", "csv-dubblett", "xlsx-las"):
        assert f"`{rule}`" in doc
