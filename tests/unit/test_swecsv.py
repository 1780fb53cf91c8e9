"""The shared Swedish CSV / Parquet / Excel reader: encodings, separators, numbers, structure, rules."""

from __future__ import annotations

import io
from typing import Any

import polars as pl
import pyarrow as pa
import pytest
from openpyxl import Workbook

from pipelines.errors import RejectedInput
from pipelines.sources import swecsv
from pipelines.sources.swecsv import Col, violation_rows

COLUMNS = (
    Col("id", pattern=r"[A-Z][0-9]{3}"),
    Col("antal", "int", min=0),
    Col("belopp", "decimal", min=0, max=1e9),
    Col("kod", allowed=frozenset({"K", "M"})),
    Col("text", nullable=True),
)
HEADER = "id;antal;belopp;kod;text\n"
GOOD = HEADER + "A001;3;1 234,50;K;Luleå\nA002;0;0,25;M;\n"


def read(text: str | bytes, name: str = "f.csv", columns: tuple[Col, ...] = COLUMNS, **kw: Any) -> pa.Table:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return swecsv.read_file(data, name, columns, **kw)


def rejected(text: str | bytes, name: str = "f.csv", **kw: Any) -> list[tuple[int | None, str | None, str]]:
    with pytest.raises(RejectedInput) as err:
        read(text, name, **kw)
    assert all(v.file == name for v in err.value.violations)
    return violation_rows(err.value.violations)


# --- encodings ---------------------------------------------------------------------------------


def test_utf8_bom_and_windows_1252_give_the_same_table() -> None:
    plain = read(GOOD)
    assert plain.to_pydict() == {
        "id": ["A001", "A002"],
        "antal": [3, 0],
        "belopp": [1234.5, 0.25],
        "kod": ["K", "M"],
        "text": ["Luleå", None],
    }
    assert plain.schema.types == [pa.string(), pa.int64(), pa.float64(), pa.string(), pa.string()]
    assert read(b"\xef\xbb\xbf" + GOOD.encode()).equals(plain)
    assert read(GOOD.replace("\n", "\r\n").encode("cp1252")).equals(plain)


def test_decode_strips_the_bom_and_falls_back_to_windows_1252() -> None:
    assert swecsv.decode(b"\xef\xbb\xbfa\xc3\xa5", "f") == "aå"
    assert swecsv.decode("Övertorneå €".encode("cp1252"), "f") == "Övertorneå €"


def test_bytes_undefined_in_windows_1252_are_rejected_with_their_line() -> None:
    assert rejected(HEADER.encode() + b"A001;3;1,5;K;ok\nA002;1;2,0;M;\x81\n") == [(3, None, "csv-kodning")]


def test_a_file_mixing_utf8_and_windows_1252_is_rejected() -> None:
    data = (HEADER + "A001;3;1,5;K;Luleå\n").encode("utf-8") + "A002;1;2,0;M;Piteå\n".encode("cp1252")
    with pytest.raises(RejectedInput) as err:
        read(data)
    (violation,) = err.value.violations
    assert (violation.row, violation.rule) == (3, "csv-kodning")
    assert "blandar" in violation.message


def test_utf16_is_rejected() -> None:
    assert rejected(GOOD.encode("utf-16")) == [(1, None, "csv-kodning")]


# --- separators and structure ------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_file_not_separated_by_semicolons_is_rejected(sep: str) -> None:
    assert rejected(GOOD.replace(";", sep)) == [(1, None, "csv-avgransare")]


def test_quoted_fields_may_hold_semicolons_and_line_breaks_and_rows_keep_their_line_numbers() -> None:
    text = HEADER + 'A001;3;1,5;K;"a;b"\nA002;1;2,0;M;"två\nrader"\nA003;1;2,0;Q;\n'
    assert rejected(text) == [(5, "kod", "csv-kod")]  # A003 starts on line 5
    ok = read(text.replace(";Q;", ";K;"), row_column="rad")
    assert ok["text"].to_pylist() == ["a;b", "två\nrader", None]
    assert ok["rad"].to_pylist() == [2, 3, 5]


def test_blank_lines_are_skipped_but_counted() -> None:
    table = read(HEADER + "A001;3;1,5;K;x\n\n\nA002;1;2,0;M;y\n\n", row_column="rad")
    assert table["id"].to_pylist() == ["A001", "A002"]
    assert table["rad"].to_pylist() == [2, 5]
    table = read((HEADER + "A001;3;1,5;K;x\n\nA002;1;2,0;M;y\n").replace("\n", "\r\n"), row_column="rad")
    assert table["rad"].to_pylist() == [2, 4]


def test_ragged_and_truncated_rows_are_rejected_at_their_line() -> None:
    assert rejected(HEADER + "A001;3;1,5;K;x\nA002;1;2,0\n") == [(3, None, "csv-trasig")]
    assert rejected(HEADER + "A001;3;1,5;K;x;extra\n") == [(2, None, "csv-trasig")]
    truncated = GOOD + "A003;4;12"  # the transfer stopped mid-row
    assert rejected(truncated) == [(4, None, "csv-trasig")]
    assert rejected(HEADER + 'A001;3;1,5;K;"x\nA002;1;2,0;M;y\n') == [
        (2, None, "csv-trasig")
    ]  # unclosed quote
    assert rejected(HEADER + 'A001;3;1,5;K;"x"y\n') == [(2, None, "csv-trasig")]


def test_a_trailing_semicolon_on_every_line_is_tolerated() -> None:
    text = GOOD.replace("\n", ";\n")
    assert read(text).equals(read(GOOD))


def test_an_unnamed_column_with_values_is_rejected() -> None:
    assert rejected(HEADER.replace("\n", ";\n") + "A001;3;1,5;K;x;oj\n") == [(1, None, "csv-kolumn-namn")]


@pytest.mark.parametrize("text", ["", "   \n", HEADER, HEADER + "\n\n"])
def test_empty_files_and_header_only_files_are_rejected(text: str) -> None:
    assert rejected(text) == [(None, None, "csv-tom")]


# --- columns -----------------------------------------------------------------------------------


def test_missing_renamed_extra_and_duplicate_columns_are_named() -> None:
    assert rejected("id;antal;belopp;kod\nA001;1;1,0;K\n") == [(1, "text", "csv-kolumn-saknas")]
    with pytest.raises(RejectedInput) as err:
        read("id;antal;Belopp;kod;text\nA001;1;1,0;K;x\n")
    assert violation_rows(err.value.violations) == [
        (1, "belopp", "csv-kolumn-saknas"),
        (1, "Belopp", "csv-okand-kolumn"),
    ]
    assert "finns som 'Belopp'?" in err.value.violations[0].message
    assert rejected("id;antal;belopp;kod;text;extra\nA001;1;1,0;K;x;y\n") == [
        (1, "extra", "csv-okand-kolumn")
    ]
    assert read("id;antal;belopp;kod;text;extra\nA001;1;1,0;K;x;y\n", extra_ok=True).column_names == [
        "id",
        "antal",
        "belopp",
        "kod",
        "text",
    ]
    assert rejected("id;antal;belopp;kod;text;kod\nA001;1;1,0;K;x;M\n") == [(1, "kod", "csv-dubblett-kolumn")]


def test_header_names_are_trimmed_and_columns_may_come_in_any_order() -> None:
    table = read(' "text" ; kod;belopp;antal;id \nx;K;1,5;2;A001\n')
    assert table.to_pydict() == {"id": ["A001"], "antal": [2], "belopp": [1.5], "kod": ["K"], "text": ["x"]}


def test_an_optional_column_may_be_absent() -> None:
    columns = (*COLUMNS, Col("extra", "decimal", nullable=True, required=False))
    table = read(GOOD, columns=columns)
    assert table["extra"].to_pylist() == [None, None]
    assert table.schema.field("extra").type == pa.float64()


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1234,5", 1234.5),
        ("1 234,5", 1234.5),
        ("1\u00a0234\u00a0567,89", 1234567.89),
        ("1\u202f234", 1234.0),
        ("12", 12.0),
        ("0,001", 0.001),
        ("+3,5", 3.5),
    ],
)
def test_swedish_numbers_are_read(value: str, expected: float) -> None:
    assert read(HEADER + f"A001;1;{value};K;x\n")["belopp"].to_pylist() == [expected]


@pytest.mark.parametrize(
    ("value", "rule", "fragment"),
    [
        ("1234.50", "csv-decimal", "decimalpunkt"),
        ("1.234,50", "csv-decimal", "inte ett tal"),
        ("12 34,5", "csv-decimal", "inte ett tal"),
        ("1,2,3", "csv-decimal", "inte ett tal"),
        ("tolv", "csv-decimal", "inte ett tal"),
        ("1e5", "csv-decimal", "inte ett tal"),
    ],
)
def test_malformed_decimals_are_rejected(value: str, rule: str, fragment: str) -> None:
    with pytest.raises(RejectedInput) as err:
        read(HEADER + f"A001;1;{value};K;x\n")
    (violation,) = err.value.violations
    assert (violation.row, violation.column, violation.rule) == (2, "belopp", rule)
    assert fragment in violation.message and repr(value) in violation.message


def test_negative_numbers_with_hyphen_or_minus_sign_are_checked_against_the_range() -> None:
    assert rejected(HEADER + "A001;1;-5;K;x\nA002;1;\u22122,5;K;x\n") == [
        (2, "belopp", "csv-intervall"),
        (3, "belopp", "csv-intervall"),
    ]
    columns = (Col("x", "decimal"),)
    assert read("x\n\u22122,5\n-1\n", columns=columns)["x"].to_pylist() == [-2.5, -1.0]


@pytest.mark.parametrize("value", ["2,5", "2.0", "tre", "99999999999999999999"])
def test_integers_must_be_whole_numbers(value: str) -> None:
    assert rejected(HEADER + f"A001;{value};1,0;K;x\n") == [(2, "antal", "csv-heltal")]


def test_integers_may_be_written_with_a_zero_decimal_or_thousands_spaces() -> None:
    assert read(HEADER + "A001;12,0;1,0;K;x\nA002;1 200;1,0;K;x\n")["antal"].to_pylist() == [12, 1200]


# --- rules -------------------------------------------------------------------------------------


def test_codes_patterns_ranges_and_missing_values_name_row_and_column() -> None:
    text = HEADER + "A001;1;1,0;K;x\nB12;1;1,0;X;x\nA003;;2000000000;K;\n"
    assert rejected(text) == [
        (3, "id", "csv-format"),
        (4, "antal", "csv-tomt-varde"),
        (4, "belopp", "csv-intervall"),
        (3, "kod", "csv-kod"),
    ]


def test_a_value_of_only_spaces_is_missing() -> None:
    assert rejected(HEADER + "A001;1;1,0;  ;x\n") == [(2, "kod", "csv-tomt-varde")]
    assert read(HEADER + "A001;1;1,0;K;   \n")["text"].to_pylist() == [None]


def test_text_values_are_trimmed() -> None:
    assert read(HEADER + " A001 ;1;1,0; K ;  Piteå \n").to_pydict()["text"] == ["Piteå"]


def test_unique_keys_name_the_repeated_row() -> None:
    text = HEADER + "A001;1;1,0;K;x\nA002;1;1,0;K;x\nA001;2;1,0;M;x\n"
    with pytest.raises(RejectedInput) as err:
        read(text, unique=("id",))
    (violation,) = err.value.violations
    assert (violation.row, violation.column, violation.rule) == (4, "id", "csv-dubblett")
    assert "rad 2" in violation.message
    assert read(text, unique=("id", "kod")).num_rows == 3


def test_many_bad_rows_are_listed_only_up_to_a_limit() -> None:
    rows = "".join(f"A{i:03d};x;1,0;K;t\n" for i in range(100))
    with pytest.raises(RejectedInput) as err:
        read(HEADER + rows)
    assert len(err.value.violations) == swecsv.MAX_SHOWN_PER_RULE


# --- Parquet -----------------------------------------------------------------------------------


def parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


def test_parquet_with_native_types_is_read_and_rows_are_records() -> None:
    frame = pl.DataFrame(
        {
            "id": ["A001", "A002"],
            "antal": pl.Series([3, 0], dtype=pl.Int16),
            "belopp": [1234.5, 0.25],
            "kod": ["K", "M"],
            "text": ["Luleå", None],
        }
    )
    table = read(parquet(frame), "f.parquet", row_column="rad")
    assert table.drop(["rad"]).equals(read(GOOD))
    assert table["rad"].to_pylist() == [1, 2]


def test_parquet_values_break_the_same_rules() -> None:
    frame = pl.DataFrame(
        {
            "id": ["A001", "x"],
            "antal": [1.0, 2.5],
            "belopp": ["1 234,5", "-1"],
            "kod": ["K", "K"],
            "text": [1, 2],
        }
    )
    assert rejected(parquet(frame), "f.parquet") == [
        (2, "id", "csv-format"),
        (2, "antal", "csv-heltal"),
        (2, "belopp", "csv-intervall"),
    ]


def test_parquet_with_an_unusable_column_type_or_broken_bytes_is_rejected() -> None:
    frame = pl.DataFrame({"id": ["A001"], "antal": [[1, 2]], "belopp": [1.0], "kod": ["K"], "text": ["x"]})
    assert rejected(parquet(frame), "f.parquet") == [(None, "antal", "parquet-typ")]
    assert rejected(parquet(frame)[:50], "f.parquet") == [(None, None, "parquet-las")]
    assert rejected(parquet(frame.drop("kod")), "f.parquet") == [(None, "kod", "csv-kolumn-saknas")]


# --- Excel -------------------------------------------------------------------------------------


def xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


EXCEL_ROWS: list[list[Any]] = [
    ["Rapport 2020"],
    [],
    ["id", "antal", "belopp", "kod", "text"],
    ["A001", 3, 1234.5, "K", "Luleå"],
    [],
    ["A002", 0.0, "0,25", "M", None],
]


def test_excel_skips_title_rows_and_empty_rows_and_numbers_rows_as_the_sheet() -> None:
    table = read(xlsx(EXCEL_ROWS), "f.xlsx", row_column="rad")
    assert table.drop(["rad"]).equals(read(GOOD))
    assert table["rad"].to_pylist() == [4, 6]


def test_excel_values_break_the_same_rules_at_sheet_rows() -> None:
    rows = [*EXCEL_ROWS, ["A003", 1.5, 1.0, "X", None]]
    assert rejected(xlsx(rows), "f.xlsx") == [(7, "antal", "csv-heltal"), (7, "kod", "csv-kod")]


def test_excel_with_a_missing_column_names_the_header_row() -> None:
    rows = [[*row[:2], *row[3:]] if len(row) == 5 else row for row in EXCEL_ROWS]
    assert rejected(xlsx(rows), "f.xlsx") == [(3, "belopp", "csv-kolumn-saknas")]


def test_excel_values_right_of_the_table_and_broken_workbooks_are_rejected() -> None:
    rows = [*EXCEL_ROWS, ["A003", 1, 1.0, "K", None, "oj"]]
    assert rejected(xlsx(rows), "f.xlsx") == [(7, None, "csv-trasig")]
    assert rejected(b"PK\x03\x04 inte en arbetsbok", "f.xlsx") == [(None, None, "xlsx-las")]
    assert rejected(xlsx([["Rapport"], []]), "f.xlsx") == [(None, None, "csv-tom")]


def test_excel_cells_become_text_in_the_csv_dialect() -> None:
    assert swecsv._cell_text(12.0) == "12"
    assert swecsv._cell_text(0.00001) == "0,00001"
    assert swecsv._cell_text(True) == "1"
    assert swecsv._cell_text("  x ") == "x"
    assert swecsv._cell_text("   ") is None


# --- dispatch ----------------------------------------------------------------------------------


def test_files_are_read_by_their_ending() -> None:
    assert read(GOOD, "F.TXT").equals(read(GOOD))
    assert rejected(GOOD, "f.json") == [(None, None, "fil-format")]
    assert rejected(GOOD, "f.xlsx", formats=(".csv",)) == [(None, None, "fil-format")]


def test_check_frame_keeps_its_api() -> None:
    frame = pl.DataFrame({"id": ["A001"], "antal": ["3"], "belopp": ["1,5"], "kod": ["K"], "text": [None]})
    table = swecsv.check_frame(frame, "f", COLUMNS, first_row=2)
    assert table["belopp"].to_pylist() == [1.5]
    frame = frame.with_columns(kod=pl.lit("Q"))
    with pytest.raises(RejectedInput) as err:
        swecsv.check_frame(frame, "f", COLUMNS, first_row=1, row_numbers=[42])
    assert violation_rows(err.value.violations) == [(42, "kod", "csv-kod")]
