"""SVF readers: maximum lead times, patient-level events and aggregates."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import RejectedInput
from pipelines.sources import svf
from pipelines.sources.registry import all_sources
from tests.conftest import edit_csv, repeat_csv_line

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "svf"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rejected(reader: Any, data: bytes) -> list[tuple[Any, ...]]:
    with pytest.raises(RejectedInput) as err:
        reader(data, "fil.csv")
    assert all(v.file == "fil.csv" for v in err.value.violations)
    return [(v.rule, v.row, v.column) for v in err.value.violations]


# -- maximum lead times -------------------------------------------------------------------------


def test_maxledtider_as_delivered() -> None:
    table = svf.read_maxledtider(fixture("maxledtider_small.csv"), "maxledtider_small.csv")
    out = table.to_pylist()
    # Days are ints (a float 52.0 would compare equal below), the target a fraction 0–1.
    assert [type(r["max_ledtid_dagar"]) for r in out] == [int, int, int]
    assert [type(r["nationellt_mal"]) for r in out] == [float, float, float]
    assert out == [
        {
            "svf": "VC0",
            "vardforlopp": "Lungcancer",
            "behandlingstyp": "kirurgi",
            "max_ledtid_dagar": 52,
            "nationellt_mal": 0.8,
            "kalla_rad": 2,
        },
        {
            "svf": "VC0",
            "vardforlopp": "Lungcancer",
            "behandlingstyp": "lakemedel",
            "max_ledtid_dagar": 42,
            "nationellt_mal": 0.8,
            "kalla_rad": 3,
        },
        {
            "svf": "VG9",
            "vardforlopp": "Bröstcancer",
            "behandlingstyp": "kirurgi",
            "max_ledtid_dagar": 28,
            "nationellt_mal": 0.8,
            "kalla_rad": 4,
        },
    ]


@pytest.mark.parametrize(
    ("line", "column", "value", "rule"),
    [
        (3, "max_ledtid_dagar", "-42", "csv-intervall"),
        (3, "max_ledtid_dagar", "0", "csv-intervall"),
        (3, "max_ledtid_dagar", "4,5", "csv-heltal"),
        (3, "nationellt_mal", "80", "csv-intervall"),
        (3, "behandlingstyp", "operation", "csv-kod"),
        (3, "svf", "VC", "csv-format"),
    ],
)
def test_maxledtider_rules(line: int, column: str, value: str, rule: str) -> None:
    assert (rule, line, column) in rejected(
        svf.read_maxledtider, edit_csv(fixture("maxledtider_small.csv"), line, column, value)
    )


def test_maxledtider_duplicate() -> None:
    assert rejected(svf.read_maxledtider, repeat_csv_line(fixture("maxledtider_small.csv"), 2)) == [
        ("svf-dubblett", 5, None)
    ]


# -- events -------------------------------------------------------------------------------------


def test_events_as_delivered() -> None:
    table = svf.read_events(fixture("handelser_small.csv"), "handelser_small.csv")
    out = table.to_pylist()
    assert [r["kalla_rad"] for r in out] == list(range(2, 9))
    assert [r["patient_id"] for r in out] == ["P0001"] * 3 + ["P0002"] * 2 + ["P0003"] * 2
    assert type(out[0]["alder"]) is int and type(out[0]["datum"]) is date
    assert out[0] == {
        "patient_id": "P0001",
        "kon": "M",
        "alder": 71,
        "kommun_kod": "2580",
        "region_kod": "25",
        "sjukhus": "SUN",
        "kva_kod": "VC010",
        "datum": date(2020, 3, 2),
        "kalla_rad": 2,
    }
    assert out[4]["sjukhus"] is None  # treated outside the county
    assert out[-1] == {
        "patient_id": "P0003",
        "kon": "K",
        "alder": 66,
        "kommun_kod": "2523",
        "region_kod": "25",
        "sjukhus": "GAL",
        "kva_kod": "VC078",
        "datum": date(2021, 1, 30),
        "kalla_rad": 8,
    }
    assert [r["kva_kod"] for r in out[:3]] == ["VC010", "VC025", "VC050"]  # the order delivered


def test_optional_event_columns_may_be_absent() -> None:
    text = "patient_id;region_kod;kva_kod;datum\nP0009;25;VJ110;2022-02-02\n"
    out = svf.read_events(text.encode(), "kort.csv").to_pylist()
    assert out[0]["kon"] is None and out[0]["sjukhus"] is None and out[0]["alder"] is None


@pytest.mark.parametrize(
    ("line", "column", "value", "rule"),
    [
        (4, "kva_kod", "VC5O", "svf-kva-kod"),
        (4, "kva_kod", "VC50", "svf-kva-kod"),
        (4, "kva_kod", "C0050", "svf-kva-kod"),
        (4, "kva_kod", "VC099", "svf-handelsekod"),
        (6, "datum", "2099-05-29", "svf-datum"),
        (2, "datum", "2014-12-30", "svf-datum"),
        (2, "datum", "2020-02-30", "svf-datum"),
        (2, "datum", "02/03/2020", "svf-datum"),
        (7, "region_kod", "27", "svf-region"),
        (7, "kommun_kod", "2480", "svf-kommun"),
        (2, "sjukhus", "NUS", "svf-sjukhus"),
        (2, "kon", "1", "csv-kod"),
        (2, "alder", "130", "csv-intervall"),
        (2, "patient_id", "", "csv-tomt-varde"),
    ],
)
def test_event_rules(line: int, column: str, value: str, rule: str) -> None:
    assert (rule, line, column) in rejected(
        svf.read_events, edit_csv(fixture("handelser_small.csv"), line, column, value)
    )


def test_event_duplicate() -> None:
    assert rejected(svf.read_events, repeat_csv_line(fixture("handelser_small.csv"), 3)) == [
        ("svf-dubblett", 9, None)
    ]


def test_every_event_code_has_a_type() -> None:
    starts = {code for code, (kind, _) in svf.EVENT_CODES.items() if kind == "behandlingsstart"}
    assert starts == {"50", "52", "54", "58", "59", "60", "65"}
    assert {kind for kind, _ in svf.EVENT_CODES.values()} >= {"valgrundad_misstanke", "avslut"}
    assert {t for _, t in svf.EVENT_CODES.values() if t} == svf.TREATMENT_TYPES


# -- aggregates ---------------------------------------------------------------------------------


def test_aggregates_as_delivered() -> None:
    table = svf.read_aggregates(fixture("ledtider_small.csv"), "ledtider_small.csv")
    out = table.to_pylist()
    riket, norrbotten, jamtland, halvar, manad = out
    assert [(r["svf"], r["region_kod"], r["period"], r["kalla_rad"]) for r in out] == [
        ("VC0", "00", "2020", 2),
        ("VC0", "25", "2020", 3),
        ("VC0", "23", "2020", 4),
        ("VG9", "25", "2020-H1", 5),
        ("VG9", "25", "2020-03", 6),
    ]
    assert type(riket["antal"]) is int and type(riket["period_start"]) is date
    # "21" as delivered is a median in days: a float like "42,5", not an int
    assert type(halvar["median_ledtid"]) is float and halvar["median_ledtid"] == 21.0
    assert (
        halvar["antal"],
        halvar["antal_inom_maxledtid"],
        manad["antal"],
        manad["antal_inom_maxledtid"],
    ) == (
        40,
        35,
        7,
        6,
    )
    assert norrbotten["median_ledtid"] == 36.0 and norrbotten["antal_inom_maxledtid"] == 80
    assert sum(r["antal"] for r in out if r["antal"] is not None) == 5000 + 120 + 40 + 7
    assert (riket["region_kod"], riket["antal"], riket["antal_inom_maxledtid"], riket["median_ledtid"]) == (
        "00",
        5000,
        2500,
        42.5,
    )
    assert (riket["period_start"], riket["period_slut"]) == (date(2020, 1, 1), date(2020, 12, 31))
    assert norrbotten["undertryckt"] is False and norrbotten["antal"] == 120
    assert (
        jamtland["undertryckt"],
        jamtland["antal"],
        jamtland["antal_inom_maxledtid"],
        jamtland["median_ledtid"],
    ) == (
        True,
        None,
        None,
        None,
    )
    assert (halvar["period_start"], halvar["period_slut"]) == (date(2020, 1, 1), date(2020, 6, 30))
    assert (manad["period_start"], manad["period_slut"], manad["median_ledtid"]) == (
        date(2020, 3, 1),
        date(2020, 3, 31),
        19.5,
    )


@pytest.mark.parametrize(
    ("line", "column", "value", "rule"),
    [
        (4, "median_ledtid", "18,0", "svf-undertryckning"),
        (4, "antal_inom_maxledtid", "2", "svf-undertryckning"),
        (3, "antal", "4", "svf-undertryckning"),
        (3, "antal", "ca 120", "svf-antal"),
        (3, "antal_inom_maxledtid", "130", "svf-antal"),
        (3, "antal_inom_maxledtid", "", "svf-antal"),
        (3, "median_ledtid", "", "svf-antal"),
        (3, "region_kod", "26", "svf-region"),
        (3, "period", "2020-13", "svf-period"),
        (3, "period", "2014", "svf-period"),
        (3, "period", "2099", "svf-period"),
        (3, "median_ledtid", "36.0", "csv-decimal"),
    ],
)
def test_aggregate_rules(line: int, column: str, value: str, rule: str) -> None:
    assert (rule, line, column) in rejected(
        svf.read_aggregates, edit_csv(fixture("ledtider_small.csv"), line, column, value)
    )


def test_aggregate_duplicate() -> None:
    assert rejected(svf.read_aggregates, repeat_csv_line(fixture("ledtider_small.csv"), 3)) == [
        ("svf-dubblett", 7, None)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021", (date(2021, 1, 1), date(2021, 12, 31))),
        ("2021-H2", (date(2021, 7, 1), date(2021, 12, 31))),
        ("2021-Q1", (date(2021, 1, 1), date(2021, 3, 31))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2021-H3", None),
        ("21", None),
    ],
)
def test_periods(text: str, expected: tuple[date, date] | None) -> None:
    assert svf.parse_period(text) == expected


def test_sources_are_registered_in_order() -> None:
    sources = all_sources()
    assert sources["svf-maxledtider"].order < sources["svf-handelser"].order < sources["svf-ledtider"].order
    for name in ("svf-handelser", "svf-ledtider"):
        assert "core_svf__maxledtider" in sources[name].depends_on
    assert sources["svf-ledtider"].core_table == "core_svf__aggregat"


def test_maxledtider_from_excel(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["svf", "vardforlopp", "behandlingstyp", "max_ledtid_dagar", "nationellt_mal"])
    sheet.append(["VH6", "Vulvacancer", "kirurgi", 30, 0.8])
    sheet.append(["VH6", "Vulvacancer", "palliativ", -20, 0.8])
    path = tmp_path / "maxledtider.xlsx"
    book.save(path)
    assert rejected_named(svf.read_maxledtider, path.read_bytes(), "maxledtider.xlsx") == [
        ("csv-intervall", 3, "max_ledtid_dagar")
    ]


def test_other_file_endings_are_refused() -> None:
    assert rejected_named(svf.read_events, fixture("handelser_small.csv"), "handelser.json") == [
        ("fil-format", None, None)
    ]


def rejected_named(reader: Any, data: bytes, name: str) -> list[tuple[Any, ...]]:
    with pytest.raises(RejectedInput) as err:
        reader(data, name)
    return [(v.rule, v.row, v.column) for v in err.value.violations]
