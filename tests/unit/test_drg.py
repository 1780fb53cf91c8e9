"""NordDRG weight-list reader (drg-vikter): Excel as Socialstyrelsen publishes it, and CSV."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pipelines.demo.kpp import xlsx_bytes
from pipelines.errors import RejectedInput
from pipelines.sources import drg
from pipelines.sources.swecsv import violation_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kpp"


def sheet_rows(name: str) -> list[list[object]]:
    book = load_workbook(FIXTURES / name)
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_excel_weight_list_is_read_below_its_title_rows() -> None:
    table = drg.read((FIXTURES / "viktlista_2020.xlsx").read_bytes(), "viktlista_2020.xlsx")
    assert table.column_names == [
        "ar",
        "drg",
        "drg_text",
        "mdc",
        "vardform",
        "vikt",
        "kostnadsgrans",
        "kalla_rad",
    ]
    assert table.num_rows == 9
    assert table.slice(0, 1).to_pylist()[0] == {
        "ar": 2020,
        "drg": "127N",
        "drg_text": "Hjärtsvikt och chock utan komplikationer",
        "mdc": "05",
        "vardform": "sluten",
        "vikt": 0.9871,
        "kostnadsgrans": 163000.0,
        "kalla_rad": 4,  # sheet row: title, empty row, header, then data
    }
    # Excel stored the code 014 and MDC 01 as numbers: delivered as 14 and 1 (the core table pads them)
    assert table["drg"].to_pylist()[3] == "14"
    assert table["mdc"].to_pylist()[3] == "1"
    assert table["kostnadsgrans"].to_pylist()[3] is None
    assert table["vikt"].to_pylist()[8] == 0.051  # a number stored as text "0,051"


def test_the_csv_weight_list_is_read() -> None:
    table = drg.read((FIXTURES / "viktlista_2021.csv").read_bytes(), "viktlista_2021.csv")
    assert table.num_rows == 9
    assert table["drg"].to_pylist()[3] == "014"
    assert table["kostnadsgrans"].to_pylist()[:4] == [168000.0, 275000.0, 93500.0, None]
    assert table["vikt"].to_pylist()[0] == 0.995
    assert table["drg_text"].to_pylist()[2] == "Vaginal förlossning utan komplikationer"


def test_a_workbook_without_a_required_column_names_it_and_the_header_row() -> None:
    rows = sheet_rows("viktlista_2020.xlsx")
    without_vikt = [row[:5] + row[6:] if len(row) > 5 else row for row in rows]
    with pytest.raises(RejectedInput) as err:
        drg.read(xlsx_bytes(without_vikt), "utan_vikt.xlsx")
    assert violation_rows(err.value.violations) == [(3, "vikt", "csv-kolumn-saknas")]


def test_negative_weights_duplicates_and_bad_codes_are_rejected() -> None:
    rows = sheet_rows("viktlista_2020.xlsx")
    rows[3][5] = -0.5  # 127N, sheet row 4
    rows[4][1] = "127N"  # 127C → 127N: a duplicate DRG for 2020 on row 5
    rows[5][4] = "dagkirurgi"
    with pytest.raises(RejectedInput) as err:
        drg.read(xlsx_bytes(rows), "fel.xlsx")
    assert violation_rows(err.value.violations) == [(6, "vardform", "csv-kod"), (4, "vikt", "csv-intervall")]
    rows[3][5] = 0.9871
    rows[5][4] = "sluten"
    with pytest.raises(RejectedInput) as err:
        drg.read(xlsx_bytes(rows), "fel.xlsx")
    assert violation_rows(err.value.violations) == [(5, None, "csv-dubblett")]


def test_the_same_drg_in_two_years_is_fine() -> None:
    text = "ar;drg;drg_text;mdc;vardform;vikt;kostnadsgrans\n" + "".join(
        f"{year};127N;A;05;sluten;1;\n" for year in (2020, 2021)
    )
    assert drg.read(text.encode(), "v.csv").num_rows == 2


def test_other_formats_are_refused() -> None:
    with pytest.raises(RejectedInput) as err:
        drg.read(b"{}", "viktlista.json")
    assert violation_rows(err.value.violations) == [(None, None, "fil-format")]
    with pytest.raises(RejectedInput) as err:
        drg.read(b"not a zip", "viktlista.xlsx")
    assert violation_rows(err.value.violations) == [(None, None, "xlsx-las")]


def test_xlsx_bytes_are_reproducible() -> None:
    rows: list[list[object]] = [["ar", "drg"], [2020, "127N"]]
    assert xlsx_bytes(rows) == xlsx_bytes(rows)
    book = load_workbook(io.BytesIO(xlsx_bytes(rows)))
    assert book.properties.created is not None and book.properties.created.year == 2020
