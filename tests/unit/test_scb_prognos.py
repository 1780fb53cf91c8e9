"""SCB projection reader (BE0401 BefProgOsiktRegN): vintage, Folkmängd content, ages, totals.

Fixtures (``tests/fixtures/pxweb/``), values from the demo projection:
``prognos_v1.json`` — PxWeb v1 json with a UTF-8 BOM, Norrbotten, kön 1/2, ages 0–104 and 105+,
2024–2025, two contents (000004LG Folkmängd, 000004LJ Döda), updated 2024-05-28;
``prognos_jsonstat2.json`` — json-stat2, riket and Norrbotten, kön 1/2/1+2, ages 0–99, 100+, tot,
2023–2024, one content known only by its label ("Folkmängd 31 december"), updated 2023-05-25.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pipelines.errors import RejectedInput, Violation
from pipelines.sources.scb_prognos import folkmangd_contents, read, vintage_from_updated

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pxweb"
V1 = "prognos_v1.json"
JS2 = "prognos_jsonstat2.json"


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes().decode("utf-8-sig"))


def to_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def rejected(data: bytes, file_name: str = "prognos.json") -> list[Violation]:
    with pytest.raises(RejectedInput) as caught:
        read(data, file_name)
    return caught.value.violations


def where(v: Violation) -> tuple[str, str, int | None, str | None]:
    return (v.file, v.rule, v.row, v.column)


def test_v1_fixture_keeps_folkmangd_and_reads_the_vintage_from_updated() -> None:
    table = read((FIXTURES / V1).read_bytes(), V1)
    assert table.schema == pa.schema(
        [
            ("region_kod", pa.string()),
            ("prognosar", pa.int32()),
            ("ar", pa.int32()),
            ("alder_kod", pa.string()),
            ("kon", pa.string()),
            ("folkmangd", pa.int64()),
            ("innehall", pa.string()),
            ("kalla_rad", pa.int64()),
        ]
    )
    assert table.num_rows == 2 * 106 * 2  # Döda (000004LJ) ignored
    rows = table.to_pylist()
    assert rows[0] == {
        "region_kod": "25",
        "prognosar": 2024,
        "ar": 2024,
        "alder_kod": "0",
        "kon": "1",
        "folkmangd": 1034,
        "innehall": "000004LG",
        "kalla_rad": 1,
    }
    assert rows[-1] == {
        **rows[0],
        "ar": 2025,
        "alder_kod": "105+",
        "kon": "2",
        "folkmangd": 5,
        "kalla_rad": 424,
    }
    # v1 delivers the numbers as text; Folkmängd is the first of the two contents, not Döda
    assert (
        type(rows[0]["folkmangd"]) is int and type(rows[0]["ar"]) is int and type(rows[0]["prognosar"]) is int
    )
    women_105 = {r["ar"]: r["folkmangd"] for r in rows if (r["kon"], r["alder_kod"]) == ("2", "105+")}
    assert women_105 == {2024: 4, 2025: 5}  # Döda: 1 and 2
    totals = {ar: sum(r["folkmangd"] for r in rows if r["ar"] == ar) for ar in (2024, 2025)}
    assert totals == {2024: 246677, 2025: 245742}  # 2024: the plan's SCB projection for Norrbotten


def test_jsonstat2_fixture_finds_folkmangd_by_its_label_and_keeps_totals() -> None:
    table = read((FIXTURES / JS2).read_bytes(), JS2)
    assert table.num_rows == 2 * 3 * 102 * 2
    assert set(table.column("innehall").to_pylist()) == {"000007AB"}
    assert set(table.column("prognosar").to_pylist()) == {2023}
    assert set(table.column("kon").to_pylist()) == {"1", "2", "tot"}  # 1+2 → tot
    rows = table.to_pylist()
    assert rows[0]["folkmangd"] == 50520  # riket, men, age 0, 2023
    # Norrbotten's grand total in 2024 is the plan's SCB projection figure.
    assert rows[-1] == {
        "region_kod": "25",
        "prognosar": 2023,
        "ar": 2024,
        "alder_kod": "tot",
        "kon": "tot",
        "folkmangd": 246677,
        "innehall": "000007AB",
        "kalla_rad": 1224,
    }


def test_helpers() -> None:
    assert vintage_from_updated("2020-06-03T07:00:00Z") == 2020
    assert vintage_from_updated("2023-05-25") == 2023
    assert vintage_from_updated(None) is None
    assert vintage_from_updated("juni 2020") is None
    assert folkmangd_contents({"000004LG": "000004LG", "X1": "Folkmängd 31 dec", "X2": "Födda"}) == [
        "000004LG",
        "X1",
    ]


def test_unknown_content_is_rejected() -> None:
    document = fixture_json(JS2)
    document["dimension"]["ContentsCode"]["category"]["label"] = {"000007AB": "Döda"}
    [violation] = rejected(to_bytes(document), "doda.json")
    assert where(violation) == ("doda.json", "scb-prognos-innehall", None, "ContentsCode")
    assert "000007AB (Döda)" in violation.message


def test_two_folkmangd_contents_are_rejected() -> None:
    document = fixture_json(V1)
    document["columns"][5]["text"] = "Folkmängd, alternativ"
    [violation] = rejected(to_bytes(document), "tva.json")
    assert where(violation) == ("tva.json", "scb-prognos-innehall", None, "ContentsCode")


@pytest.mark.parametrize("updated", [None, "", "okänt"])
def test_missing_vintage_is_rejected(updated: str | None) -> None:
    document = fixture_json(JS2)
    if updated is None:
        del document["updated"]
    else:
        document["updated"] = updated
    [violation] = rejected(to_bytes(document), "utan.json")
    assert where(violation) == ("utan.json", "scb-prognos-prognosar", None, "updated")


def test_year_before_the_vintage_is_rejected() -> None:
    document = fixture_json(V1)
    document["metadata"][0]["updated"] = "2025-01-10T08:00:00Z"  # a re-publication: vintage 2025
    violations = rejected(to_bytes(document), "sen.json")
    assert where(violations[0]) == ("sen.json", "scb-prognos-ar", 1, "Tid")
    assert "före prognosåret 2025" in violations[0].message


@pytest.mark.parametrize(
    ("position", "code", "rule", "column"),
    [
        (2, "90+", "scb-prognos-alder", "Alder"),
        (2, "65-69", "scb-prognos-alder", "Alder"),
        (1, "K", "scb-prognos-kon", "Kon"),
        (0, "Norrbotten", "scb-prognos-region", "Region"),
        (3, "2024M01", "scb-prognos-ar", "Tid"),
    ],
)
def test_bad_codes(position: int, code: str, rule: str, column: str) -> None:
    document = fixture_json(V1)
    document["data"][6]["key"][position] = code
    violations = rejected(to_bytes(document), "koder.json")
    assert where(violations[0]) == ("koder.json", rule, 7, column)


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("-1", "scb-prognos-negativ"), ("10.5", "scb-prognos-heltal"), ("..", "scb-prognos-saknas")],
)
def test_bad_values(raw: str, rule: str) -> None:
    document = fixture_json(V1)
    document["data"][9]["values"][0] = raw
    [violation] = rejected(to_bytes(document), "varden.json")
    assert where(violation) == ("varden.json", rule, 10, "000004LG")


def test_duplicate_cell_is_rejected() -> None:
    document = fixture_json(V1)
    document["data"].append(document["data"][3])
    [violation] = rejected(to_bytes(document), "dubbel.json")
    assert where(violation) == ("dubbel.json", "scb-prognos-dubblett", 425, None)


def test_totals_are_exact_within_rounding() -> None:
    document = fixture_json(JS2)
    # json-stat2 size [Region 2, Kon 3, Alder 102, ContentsCode 1, Tid 2]; riket, män, tot, 2023:
    index = (0 * 3 + 0) * 102 * 2 + 101 * 2
    assert document["value"][index] == 5302177
    document["value"][index] += 1  # 101 parts: rounding allows (101 + 1) / 2 = 51
    assert read(to_bytes(document), "avrundad.json").num_rows == 1224
    document["value"][index] += 60
    violations = rejected(to_bytes(document), "summa.json")
    assert where(violations[0]) == ("summa.json", "scb-prognos-summa", index + 1, "000007AB")
    assert "åldrarna" in violations[0].message


def test_empty_projection_is_rejected() -> None:
    document = fixture_json(JS2)
    document["size"][4] = 0
    document["dimension"]["Tid"]["category"] = {"index": {}, "label": {}}
    document["value"] = []
    [violation] = rejected(to_bytes(document), "tom.json")
    assert where(violation) == ("tom.json", "scb-prognos-tom", None, "000007AB")


def test_unexpected_dimension_is_rejected() -> None:
    document = fixture_json(V1)
    document["columns"].insert(0, {"code": "InrikesUtrikes", "text": "födelseregion", "type": "d"})
    for record in document["data"]:
        record["key"].insert(0, "13")
    [violation] = rejected(to_bytes(document), "extra.json")
    assert where(violation) == ("extra.json", "scb-prognos-variabel", None, "InrikesUtrikes")
