"""SKR price index reader (prisindex): the LPIK table as CSV (Windows-1252, UTF-8) and Excel."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.errors import RejectedInput
from pipelines.sources import prisindex
from pipelines.sources.swecsv import violation_rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "prisindex"


def test_the_outcome_table_is_read() -> None:
    table = prisindex.read((FIXTURES / "lpik_utfall_2019-03.csv").read_bytes(), "lpik_utfall_2019-03.csv")
    assert table.column_names == ["prisindex", "ar", "forandring_procent", "typ", "publicerad", "kalla_rad"]
    assert table.to_pylist()[0] == {
        "prisindex": "LPIK",
        "ar": 2015,
        "forandring_procent": 2.7,
        "typ": "utfall",
        "publicerad": "2019-03-15",
        "kalla_rad": 2,
    }
    assert table["ar"].to_pylist() == [2015, 2016, 2017, 2018]


def test_the_forecast_workbook_is_read_below_its_title_row() -> None:
    table = prisindex.read((FIXTURES / "lpik_prognos_2019-10.xlsx").read_bytes(), "lpik_prognos_2019-10.xlsx")
    assert table["forandring_procent"].to_pylist() == [3.1, 2.9, 3.0]  # 2,9 stored as text
    assert table["typ"].to_pylist() == ["prognos"] * 3
    assert table["kalla_rad"].to_pylist() == [4, 5, 6]  # title, empty row, header


@pytest.mark.parametrize(
    ("text", "rule", "row", "column"),
    [
        ("LPIK;2015;2,7;utfall;2019-02-30\n", "prisindex-datum", 2, "publicerad"),
        ("LPIK;2015;2,7;utfall;2999-01-01\n", "prisindex-datum", 2, "publicerad"),
        ("KPI;2015;2,7;utfall;2019-03-15\n", "csv-kod", 2, "prisindex"),
        ("LPIK;2015;27;utfall;2019-03-15\n", "csv-intervall", 2, "forandring_procent"),
        ("LPIK;2015;2,7;slutlig;2019-03-15\n", "csv-kod", 2, "typ"),
    ],
)
def test_bad_rows_are_rejected_with_row_and_column(text: str, rule: str, row: int, column: str) -> None:
    data = ("prisindex;ar;forandring_procent;typ;publicerad\n" + text).encode()
    with pytest.raises(RejectedInput) as caught:
        prisindex.read(data, "lpik.csv")
    found = [(v.rule, v.row, v.column) for v in caught.value.violations]
    assert (rule, row, column) in found
    assert violation_rows(caught.value.violations)
