"""Vården i siffror readers: results (upload format, older CSV export) and the indicator catalog."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import RejectedInput
from pipelines.sources import vis
from pipelines.sources.registry import all_sources
from tests.conftest import edit_csv, repeat_csv_line

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vis"
STATIN = "11111111-1111-4111-8111-000000000001"
STATIN_K = "11111111-1111-4111-8111-000000000002"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def rejected(data: bytes, reader: Any = vis.read_results, name: str = "fil.csv") -> list[tuple[Any, ...]]:
    with pytest.raises(RejectedInput) as err:
        reader(data, name)
    assert all(v.file == name for v in err.value.violations)
    return [(v.rule, v.row, v.column) for v in err.value.violations]


def rows(table: Any) -> list[dict[str, Any]]:
    return table.to_pylist()  # type: ignore[no-any-return]


# -- upload format ------------------------------------------------------------------------------


def test_upload_format_as_delivered() -> None:
    table = vis.read_results(fixture("upload_small.csv"), "upload_small.csv")
    out = rows(table)
    assert [r["kalla_rad"] for r in out] == list(range(3, 13))  # line 2 is the instruction
    assert {r["format"] for r in out} == {"vis-upload"}
    riket, norrbotten, stockholm, sunderby, kalix, kvinnor, median, halvar, riket_kvinnor, riket_halvar = out
    # Types as the core table needs them: counts are ints, rates floats, periods dates, codes text.
    assert [type(riket[c]) for c in ("taljare", "namnare", "andel", "ki_lag", "version")] == [
        int,
        int,
        float,
        float,
        int,
    ]
    assert type(riket["period_start"]) is date and type(median["matpopulation"]) is int
    assert stockholm["region_kod"] == "01" and stockholm["region_namn"] == "Stockholm"  # leading zero kept
    assert (stockholm["ki_lag"], stockholm["ki_hog"], stockholm["enhetsniva"]) == (None, None, "region")
    # Statin, region level, 2020: Norrbotten 340/420 and Stockholm 3400/4000 as delivered.
    region_level = [r for r in out if r["matt_id"] == STATIN and r["enhetsniva"] == "region"]
    assert sum(r["taljare"] for r in region_level) == 3740 and sum(r["namnare"] for r in region_level) == 4420
    assert riket["region_kod"] is None and riket["enhetsniva"] == "riket"
    assert (riket["taljare"], riket["namnare"], riket["andel"]) == (1700, 2000, 0.85)
    assert (riket["ki_lag"], riket["ki_hog"]) == (0.8338, 0.865)
    assert riket["orsakskod"] is None  # "NA" is R's missing value
    assert (norrbotten["region_kod"], norrbotten["region_namn"], norrbotten["andel"]) == (
        "25",
        "Norrbotten",
        0.8095,
    )
    assert norrbotten["period_start"] == date(2020, 1, 1) and norrbotten["period_slut"] == date(2020, 12, 31)
    assert (sunderby["enhetsniva"], sunderby["enhet"], sunderby["enhet_hsaid"]) == (
        "sjukhus",
        "Sunderby sjukhus",
        "SE2321000230-E0001",
    )
    assert kalix["orsakskod"] == "MSK" and kalix["andel"] is None and kalix["taljare"] is None
    assert kvinnor["matt_id"] == STATIN_K
    assert (median["matt_id"], median["varde"], median["matpopulation"], median["andel"]) == (
        "22222",
        27.5,
        5400,
        None,
    )
    assert halvar["period_slut"] == date(2020, 6, 30) and halvar["version"] == 1
    assert (riket_kvinnor["matt_id"], riket_kvinnor["region_kod"], riket_kvinnor["andel"]) == (
        STATIN_K,
        None,
        0.8182,
    )
    assert riket["register_hsaid"] == "SE2321000131-REG0001" and riket["register_namn"] == "SWEDEHEART"
    assert (halvar["region_kod"], halvar["varde"], halvar["matpopulation"]) == ("25", 31.0, 60)
    assert (riket_halvar["region_kod"], riket_halvar["varde"], riket_halvar["matpopulation"]) == (
        None,
        28.0,
        2650,
    )
    assert riket_halvar["period_slut"] == date(2020, 6, 30)


def test_upload_without_instruction_row_counts_lines_from_2() -> None:
    lines = fixture("upload_small.csv").decode().splitlines(keepends=True)
    table = vis.read_results("".join([lines[0], *lines[2:]]).encode(), "utan.csv")
    assert rows(table)[0]["kalla_rad"] == 2


UPLOAD_CASES = [
    # (line, column, value, rule, column named)
    (4, "Denominator", "", "vis-andel", "Denominator"),
    (4, "Numerator", "", "vis-andel", "Numerator"),
    (4, "Rate", "1,2", "vis-andel", "Rate"),
    (4, "Rate", "0,80952", "vis-andel", "Rate"),  # more than four decimals
    (4, "Rate", "0,7000", "vis-andel", "Rate"),  # not 340/420
    (4, "Numerator", "500", "vis-andel", "Numerator"),
    (4, "ConfidenceIntervalLower", "0,9000", "vis-ki", "ConfidenceIntervalLower"),  # lower > higher
    (4, "ConfidenceIntervalHigher", "", "vis-ki", "ConfidenceIntervalHigher"),
    (5, "ConfidenceIntervalLower", "0,8600", "vis-ki", "ConfidenceIntervalHigher"),  # the missing one
    (4, "ReasonCode", "MSK", "vis-undertryckt", "Rate"),
    (4, "ReasonCode", "XYZ", "vis-orsakskod", "ReasonCode"),
    (5, "Rate", "", "vis-varde", "Value"),  # counts but neither rate nor value
    (9, "Value", "", "vis-varde", "Value"),
    (4, "RegionOrganisationId", "99", "vis-region", "RegionOrganisationId"),
    (4, "RegionName", "", "vis-region", "RegionName"),
    (4, "CountryName", "Sverige", "vis-land", "CountryName"),
    (4, "MeasureID", "statin", "vis-matt-id", "MeasureID"),
    (4, "PeriodReportedEndDate", "2020-01-01", "vis-period", "PeriodReportedEndDate"),
    (4, "PeriodReportedEndDate", "2099-12-31", "vis-period", "PeriodReportedEndDate"),
    (4, "PeriodReportedStartDate", "2020-02-30", "vis-period", "PeriodReportedStartDate"),
    (6, "HospitalHSAID", "", "vis-enhet", "HospitalHSAID"),
    (6, "UnitName", "Avdelning 1", "vis-enhet", "HospitalName"),
    (3, "HospitalName", "Sunderby sjukhus", "vis-enhet", None),
    (4, "RegisterHSAID", "SE999", "vis-register", "RegisterHSAID"),
    (4, "Rate", "0.8095", "csv-decimal", "Rate"),
]


@pytest.mark.parametrize(("line", "column", "value", "rule", "named"), UPLOAD_CASES)
def test_upload_rules(line: int, column: str, value: str, rule: str, named: str | None) -> None:
    found = rejected(edit_csv(fixture("upload_small.csv"), line, column, value))
    assert (rule, line) in [(r, row) for r, row, _ in found], found
    if named is not None:
        assert (rule, line, named) in found, found


def test_two_national_rows_for_one_measure_and_period() -> None:
    found = rejected(repeat_csv_line(fixture("upload_small.csv"), 3))
    assert found == [("vis-riket", 13, "RegionOrganisationId")]


def test_duplicate_region_row() -> None:
    assert rejected(repeat_csv_line(fixture("upload_small.csv"), 4)) == [("vis-dubblett", 13, None)]


def test_malformed_instruction() -> None:
    data = edit_csv(
        fixture("upload_small.csv"), 2, "RegionOrganisationId", "KEEP_EXISTING_DATA_FOR_REGISTER:x"
    )
    assert rejected(data) == [("vis-instruktion", 2, None)]


def test_type_errors_keep_line_numbers_after_the_instruction() -> None:
    assert rejected(edit_csv(fixture("upload_small.csv"), 5, "Numerator", "tre")) == [
        ("csv-heltal", 5, "Numerator")
    ]


def test_missing_upload_column_is_named() -> None:
    lines = fixture("upload_small.csv").decode().splitlines()
    header = lines[0].split(";")
    keep = [i for i, name in enumerate(header) if name != "Version"]
    data = "\n".join(";".join(line.split(";")[i] for i in keep) for line in lines).encode()
    assert ("csv-kolumn-saknas", 1, "Version") in rejected(data)


def test_unknown_format() -> None:
    assert rejected(b"a;b\n1;2\n") == [("vis-format", 1, None)]


# -- older CSV export ---------------------------------------------------------------------------


def test_export_as_delivered() -> None:
    out = rows(vis.read_results(fixture("export_small.csv"), "export_small.csv"))
    assert [r["kalla_rad"] for r in out] == list(range(2, 10))
    riket, norrbotten, kvinnor, sunderby, kalix, median, riket_kvinnor, riket_halvar = out
    assert {r["format"] for r in out} == {"vis-export"}
    assert (riket["region_kod"], riket["enhetsniva"], riket["varde"], riket["mattenhet"]) == (
        None,
        "riket",
        85.0,
        "Procent",
    )
    assert (norrbotten["region_kod"], norrbotten["enhetsniva"], norrbotten["taljare"]) == (
        "25",
        "region",
        340,
    )
    assert (kvinnor["region_kod"], kvinnor["kon_text"]) == ("25", "Kvinnor")  # "Region Norrbotten"
    assert (sunderby["enhetsniva"], sunderby["enhet"], sunderby["region_kod"]) == (
        "sjukhus",
        "Sunderby sjukhus",
        "25",
    )
    assert (sunderby["period_start"], sunderby["period_slut"]) == (date(2018, 1, 1), date(2018, 6, 30))
    assert (kalix["orsakskod"], kalix["varde"], kalix["taljare"], kalix["namnare"]) == (
        "MSK",
        None,
        None,
        None,
    )
    assert (median["titel"], median["varde"], median["namnare"], median["taljare"]) == (
        "Väntetid till operation (median)",
        27.5,
        5400,
        None,
    )
    assert riket["matt_id"] is None  # mapped by title in the core table
    assert (riket_kvinnor["kon_text"], riket_kvinnor["region_kod"]) == ("Kvinnor", None)
    assert riket_halvar["matperiod"] == "2018 halvår 1"


EXPORT_CASES = [
    (3, "Enhetsnamn", "Tromsø", "vis-export-enhet", "Enhetsnamn"),
    (3, "Mätperiod", "2018 vecka 3", "vis-export-period", "Mätperiod"),
    (3, "Mätperiod", "2099", "vis-export-period", "Mätperiod"),
    (3, "Värde", "ABC", "vis-export-varde", "Värde"),
    (3, "Värde", "81.0", "vis-export-varde", "Värde"),
    (3, "Värde", "", "vis-export-varde", "Värde"),
    (3, "Värde", "181,0", "vis-export-varde", "Värde"),
    (3, "Värde", "70,0", "vis-export-andel", "Värde"),
    (3, "Täljare", "3,5", "vis-export-antal", "Täljare"),
    (3, "Täljare", "500", "vis-export-antal", "Täljare"),
    (3, "Måttenhet", "Promille", "csv-kod", "Måttenhet"),
    (3, "Kön/Totalt", "Okänt", "csv-kod", "Kön/Totalt"),
    (3, "Titel", "", "vis-export-titel", "Titel"),
]


@pytest.mark.parametrize(("line", "column", "value", "rule", "named"), EXPORT_CASES)
def test_export_rules(line: int, column: str, value: str, rule: str, named: str) -> None:
    data = fixture("export_small.csv")
    if rule == "vis-export-titel":
        data = edit_csv(data, line, "Diagramrubrik", "")
    assert (rule, line, named) in rejected(edit_csv(data, line, column, value))


def test_export_duplicate() -> None:
    assert rejected(repeat_csv_line(fixture("export_small.csv"), 3)) == [("vis-dubblett", 10, None)]


def test_export_title_may_come_from_diagramrubrik_alone() -> None:
    lines = fixture("export_small.csv").decode().splitlines()
    data = "\n".join(line.split(";", 1)[1] for line in lines).encode()  # drop Titel
    assert rows(vis.read_results(data, "x.csv"))[0]["titel"] == "Statinbehandling efter hjärtinfarkt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", (date(2019, 1, 1), date(2019, 12, 31))),
        ("2019-02", (date(2019, 2, 1), date(2019, 2, 28))),
        ("2019 H2", (date(2019, 7, 1), date(2019, 12, 31))),
        ("2019 halvår 1", (date(2019, 1, 1), date(2019, 6, 30))),
        ("2019 kvartal 4", (date(2019, 10, 1), date(2019, 12, 31))),
        ("2019 Q2", (date(2019, 4, 1), date(2019, 6, 30))),
        ("2019-13", None),
        ("19", None),
    ],
)
def test_export_periods(text: str, expected: tuple[date, date] | None) -> None:
    assert vis.export_period(text) == expected


# -- catalog ------------------------------------------------------------------------------------


def catalog_doc() -> dict[str, Any]:
    return json.loads(fixture("katalog_small.json"))  # type: ignore[no-any-return]


def catalog_bytes(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def test_catalog_one_row_per_measure_and_submeasure() -> None:
    out = rows(vis.read_catalog(fixture("katalog_small.json"), "katalog_small.json"))
    assert [(r["matt_id"], r["huvudmatt_id"], r["kon_kod"], r["alder_kod"]) for r in out] == [
        (STATIN, None, None, None),
        (STATIN_K, STATIN, "2", None),
        ("11111111-1111-4111-8111-000000000003", STATIN, "1", None),
        ("11111111-1111-4111-8111-000000000004", STATIN, None, "80-"),
        ("22222", None, None, None),
    ]
    statin, kvinnor = out[0], out[1]
    assert (statin["titel"], statin["enhetstyp"], statin["onskat_varde"], statin["malvarde"]) == (
        "Statinbehandling efter hjärtinfarkt",
        "Andel",
        "Högt",
        0.9,
    )
    assert statin["giltig_fran"] == date(2016, 1, 1)  # 2015-12-31T23:00Z is midnight in Stockholm
    assert statin["matfrekvens"] == "År" and statin["organisationsniva"] == "Riksnivå, Länsnivå, Vårdenhet"
    assert (kvinnor["titel"], kvinnor["npo"], kvinnor["version_id"]) == (statin["titel"], statin["npo"], None)
    assert [r["kalla_rad"] for r in out] == [1, 1, 1, 1, 2]
    assert out[4]["npo"] is None and out[4]["matfrekvens"] == "År, Halvår"


@pytest.mark.parametrize(
    ("change", "rule", "row", "column"),
    [
        (lambda d: d["pageResults"][1].update(unitType="Procent"), "vis-katalog-falt", 2, "unitType"),
        (lambda d: d["pageResults"][0].update(soughtValue="Bra"), "vis-katalog-falt", 1, "soughtValue"),
        (lambda d: d["pageResults"][0].update(targetValue=90), "vis-katalog-falt", 1, "targetValue"),
        (lambda d: d["pageResults"][0].pop("title"), "vis-katalog-falt", 1, "title"),
        (lambda d: d["pageResults"][1].update(mId="abc"), "vis-katalog-falt", 2, "mId"),
        (
            lambda d: d["pageResults"][1].update(title="Statinbehandling efter hjärtinfarkt"),
            "vis-katalog-titel",
            2,
            "title",
        ),
        (lambda d: d["pageResults"][1].update(mId=STATIN_K), "vis-katalog-dubblett", 2, "mId"),
        (
            lambda d: d["pageResults"][0]["submeasures"][0]["gender"].update(codeValue="K"),
            "vis-katalog-falt",
            1,
            "submeasures[1].gender",
        ),
        (
            lambda d: d["pageResults"][0]["submeasures"][2]["age"].update(codeValue="gammal"),
            "vis-katalog-falt",
            1,
            "submeasures[3].age",
        ),
        (
            lambda d: d["pageResults"][0].update(measuringFrequencies=[{"name": "Vecka"}]),
            "vis-katalog-falt",
            1,
            "measuringFrequencies",
        ),
    ],
)
def test_catalog_rules(change: Any, rule: str, row: int, column: str) -> None:
    doc = catalog_doc()
    change(doc)
    assert (rule, row, column) in rejected(catalog_bytes(doc), vis.read_catalog, "katalog.json")


def test_catalog_unreadable_or_empty() -> None:
    assert rejected(b"{", vis.read_catalog) == [("vis-katalog-json", None, None)]
    assert rejected(b'{"pageResults": []}', vis.read_catalog) == [("vis-katalog-format", None, None)]


def test_catalog_accepts_a_plain_list() -> None:
    table = vis.read_catalog(catalog_bytes(catalog_doc()["pageResults"]), "lista.json")
    assert table.num_rows == 5


def test_sources_are_registered_in_order() -> None:
    sources = all_sources()
    assert sources["vis-katalog"].order < sources["vis-indikatorer"].order
    assert sources["vis-indikatorer"].depends_on == ("core_vis__katalog", "core_ref__regioner")
    assert sources["vis-indikatorer"].core_table == "core_vis__resultat"


def test_blank_lines_keep_line_numbers() -> None:
    lines = fixture("upload_small.csv").decode().splitlines(keepends=True)
    data = "".join([*lines[:4], "\n", *lines[4:]]).encode()  # a blank line 5
    table = vis.read_results(data, "tom_rad.csv")
    assert table["kalla_rad"].to_pylist()[:4] == [3, 4, 6, 7]
    assert set(rejected(edit_csv(data, 7, "Rate", "2,0"))) == {("vis-andel", 7, "Rate")}
