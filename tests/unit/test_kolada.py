"""Kolada v3 reader: one page as delivered, the unit-id mapping to SCB codes, and what it refuses.

Fixtures (``tests/fixtures/kolada/``): two pages of one response (riket 0000, Region Norrbotten 0025,
Region Västerbotten 0024; N70061, N70059 in 2023–2024; N79173 with kön T/K/M in 2024). Page 1 links
page 2 with ``next_url``; one value is missing with a status, one entry is ``isdeleted``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.errors import RejectedInput, Violation
from pipelines.sources.kolada import kolada_id, read, scb_region_kod

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kolada"


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def to_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def rejected(data: bytes, file_name: str = "kolada.json") -> list[Violation]:
    with pytest.raises(RejectedInput) as caught:
        read(data, file_name)
    return caught.value.violations


def where(v: Violation) -> tuple[str, str, int | None, str | None]:
    return (v.file, v.rule, v.row, v.column)


def test_region_mapping_is_explicit_and_invertible() -> None:
    assert scb_region_kod("0000") == "00"
    assert scb_region_kod("0025") == "25"
    assert scb_region_kod("0001") == "01"
    assert scb_region_kod("2580") == "2580"
    for bad in ("0002", "0026", "G33925", "25", "9999", "00251"):
        assert scb_region_kod(bad) is None, bad
    for code in ("00", "25", "13", "2580"):
        assert scb_region_kod(kolada_id(code)) == code
    with pytest.raises(KeyError):
        kolada_id("99")


def test_first_page() -> None:
    table = read((FIXTURES / "kolada_sida1.json").read_bytes(), "kolada_sida1.json")
    assert table.num_rows == 8
    rows = table.to_pylist()
    # Page 1 as delivered: Kolada ids 0000/0025/0024 become SCB's 00/25/24, years stay in order.
    assert [(r["kpi"], r["region_kod"], r["ar"], r["varde"]) for r in rows] == [
        ("N70061", "00", 2023, 31110.0),
        ("N70061", "00", 2024, 32353.0),
        ("N70061", "25", 2023, 33871.0),
        ("N70061", "25", 2024, 34912.0),
        ("N70061", "24", 2023, 34400.0),
        ("N70061", "24", 2024, 35500.0),
        ("N70059", "00", 2023, 4342.0),
        ("N70059", "00", 2024, None),
    ]
    # JSON integers are kronor as floats (the core column is DOUBLE), the year an int, "" status none
    assert type(rows[0]["varde"]) is float and type(rows[0]["ar"]) is int
    assert [r["status"] for r in rows[:7]] == [None] * 7
    assert sum(r["varde"] for r in rows if r["kpi"] == "N70061" and r["ar"] == 2024) == 32353 + 34912 + 35500
    assert rows[0] == {
        "kpi": "N70061",
        "kolada_id": "0000",
        "region_kod": "00",
        "ar": 2023,
        "kon": "T",
        "varde": 31110.0,
        "status": None,
        "borttagen": False,
        "kalla_rad": 1,
    }
    assert rows[3] == {
        **rows[0],
        "kolada_id": "0025",
        "region_kod": "25",
        "ar": 2024,
        "varde": 34912.0,
        "kalla_rad": 4,
    }
    assert rows[7] == {
        **rows[0],
        "kpi": "N70059",
        "kolada_id": "0000",
        "region_kod": "00",
        "ar": 2024,
        "varde": None,
        "status": "Uppgift saknas",
        "kalla_rad": 8,
    }


def test_second_page_with_kon_and_a_deleted_entry() -> None:
    rows = read((FIXTURES / "kolada_sida2.json").read_bytes(), "kolada_sida2.json").to_pylist()
    by_kon = {r["kon"]: r["varde"] for r in rows if r["kpi"] == "N79173" and r["region_kod"] == "25"}
    assert by_kon == {"T": 83.4, "K": 84.1, "M": 82.5}
    deleted = [r for r in rows if r["borttagen"]]
    assert [(r["kpi"], r["region_kod"], r["ar"], r["varde"]) for r in deleted] == [
        ("N79173", "00", 2024, 80.2)
    ]


def test_period_as_string_and_deleted_value_are_accepted() -> None:
    document = {
        "values": [
            {
                "kpi": "N70061",
                "municipality": "2580",
                "period": "2022",
                "values": [{"gender": "T", "status": None, "value": 1, "isdeleted": True}],
            }
        ]
    }
    [row] = read(to_bytes(document), "k.json").to_pylist()
    assert (row["region_kod"], row["ar"], row["borttagen"]) == ("2580", 2022, True)


@pytest.mark.parametrize("value", ["12,5", "34912", True, [1], {"v": 1}])
def test_non_numeric_value_is_rejected(value: object) -> None:
    document = fixture_json("kolada_sida1.json")
    document["values"][2]["values"][0]["value"] = value
    [violation] = rejected(to_bytes(document), "sida.json")
    assert where(violation) == ("sida.json", "kolada-varde", 3, "value")


@pytest.mark.parametrize("gender", ["X", "t", None, "Totalt"])
def test_unknown_gender_is_rejected(gender: object) -> None:
    document = fixture_json("kolada_sida1.json")
    document["values"][4]["values"][0]["gender"] = gender
    [violation] = rejected(to_bytes(document), "kon.json")
    assert where(violation) == ("kon.json", "kolada-kon", 5, "gender")


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("municipality", "G33925", "kolada-region"),
        ("municipality", "0026", "kolada-region"),
        ("kpi", "X70061", "kolada-kpi"),
        ("period", "2024-01", "kolada-ar"),
        ("period", True, "kolada-ar"),
        ("isdeleted", "nej", "kolada-format"),
    ],
)
def test_bad_entry_fields(field: str, value: object, rule: str) -> None:
    document = fixture_json("kolada_sida1.json")
    document["values"][1][field] = value
    [violation] = rejected(to_bytes(document), "post.json")
    assert where(violation) == ("post.json", rule, 2, field)


def test_duplicate_value_is_rejected() -> None:
    document = fixture_json("kolada_sida1.json")
    document["values"].append(document["values"][0])
    [violation] = rejected(to_bytes(document), "dubbel.json")
    assert where(violation) == ("dubbel.json", "kolada-dubblett", 9, "gender")
    assert "post 1" in violation.message


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (b'{"values": [{"kpi": "N70061", "municipality": "00', "kolada-json"),
        (b"", "kolada-tom"),
        (b'{"values": []}', "kolada-tom"),
        (b'{"varden": []}', "kolada-format"),
        (b"[1, 2]", "kolada-format"),
        (b'{"values": [], "x": NaN}', "kolada-json"),
        (b"\xff\xfe{}", "kolada-kodning"),
    ],
)
def test_unreadable_pages(data: bytes, rule: str) -> None:
    [violation] = rejected(data, "sida.json")
    assert where(violation) == ("sida.json", rule, None, None)


def test_entry_without_values_and_bad_next_url() -> None:
    document = fixture_json("kolada_sida1.json")
    document["values"][0]["values"] = []
    document["next_url"] = 5
    violations = rejected(to_bytes(document), "sida.json")
    assert [where(v) for v in violations] == [
        ("sida.json", "kolada-format", None, "next_url"),
        ("sida.json", "kolada-format", 1, "values"),
    ]


def test_bom_is_tolerated() -> None:
    data = b"\xef\xbb\xbf" + (FIXTURES / "kolada_sida2.json").read_bytes()
    assert read(data, "bom.json").num_rows == 8
