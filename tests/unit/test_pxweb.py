"""PxWeb parser: the three response formats, and what it refuses to read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipelines.errors import RejectedInput, Violation
from pipelines.sources import pxweb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pxweb"
BOM = b"\xef\xbb\xbf"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name).decode("utf-8-sig"))


def to_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def rejected(data: bytes, file_name: str = "svar.json") -> list[Violation]:
    with pytest.raises(RejectedInput) as caught:
        pxweb.parse(data, file_name)
    return caught.value.violations


def schema(*dimensions: str) -> pa.Schema:
    return pa.schema(
        [(name, pa.string()) for name in dimensions]
        + [("ContentsCode", pa.string()), ("value", pa.float64()), ("source_row", pa.int64())]
    )


# --- v1 json --------------------------------------------------------------------------------------


def test_v1_json_fixture_with_bom_and_eliminated_civilstand() -> None:
    data = fixture("befolkning_v1.json")
    assert data.startswith(BOM)

    px = pxweb.parse(data, "befolkning_v1.json")

    assert px.format == "json"
    assert px.table_id is None
    assert px.updated == "2021-02-22T08:00:00Z"
    assert px.dimensions == ["Region", "Alder", "Kon", "Tid"]  # Civilstand eliminated: absent
    assert px.time_dimension == "Tid"
    assert px.table.schema == schema("Region", "Alder", "Kon", "Tid")
    assert px.table.num_rows == 204  # 102 age codes x 2 sexes
    rows = px.table.to_pylist()
    assert rows[0] == {
        "Region": "2580",
        "Alder": "0",
        "Kon": "1",
        "Tid": "2020",
        "ContentsCode": "BE0101N1",
        "value": 499.0,
        "source_row": 1,
    }
    assert rows[200] == {**rows[0], "Alder": "100+", "value": 5.0, "source_row": 201}
    assert rows[203] == {**rows[0], "Alder": "tot", "Kon": "2", "value": 38706.0, "source_row": 204}
    # v1 json carries no value texts: codes double as labels; the content keeps its column text.
    assert px.labels["Region"] == {"2580": "2580"}
    assert px.labels["Kon"] == {"1": "1", "2": "2"}
    assert list(px.labels["Alder"])[-2:] == ["100+", "tot"]
    assert px.labels["ContentsCode"] == {"BE0101N1": "Folkmängd"}


def test_v1_json_bom_is_optional() -> None:
    data = fixture("befolkning_v1.json")
    with_bom = pxweb.parse(data, "a.json")
    without_bom = pxweb.parse(data.removeprefix(BOM), "a.json")
    assert with_bom.table.equals(without_bom.table)


def test_v1_json_real_shape_with_two_contents_and_missing_markers() -> None:
    # The shape of SCB's real response (sources.md §1.3): Region and Alder eliminated.
    data = to_bytes(
        {
            "columns": [
                {"code": "Civilstand", "text": "marital status", "type": "d"},
                {"code": "Kon", "text": "sex", "type": "d"},
                {"code": "Tid", "text": "year", "type": "t"},
                {"code": "BE0101N1", "text": "Population", "type": "c"},
                {"code": "BE0101N2", "text": "Population growth", "type": "c"},
            ],
            "comments": [],
            "data": [
                {"key": ["OG", "1", "2015"], "values": ["2762601", ".."]},
                {"key": ["OG", "2", "2015"], "values": ["-", ""]},
                {"key": ["G", "1", "2015"], "values": ["1598707", "-1234"]},
            ],
            "metadata": [
                {
                    "infofile": "BE0101",
                    "updated": "2023-02-09T07:57:00Z",
                    "label": "Population by marital status, sex, year and observations",
                    "source": "Statistics Sweden",
                }
            ],
        }
    )
    px = pxweb.parse(data, "real.json")

    assert px.dimensions == ["Civilstand", "Kon", "Tid"]
    assert px.updated == "2023-02-09T07:57:00Z"
    assert px.labels["Civilstand"] == {"OG": "OG", "G": "G"}
    assert px.labels["ContentsCode"] == {"BE0101N1": "Population", "BE0101N2": "Population growth"}
    table = px.table
    assert table.column("ContentsCode").to_pylist() == ["BE0101N1", "BE0101N2"] * 3
    assert table.column("value").to_pylist() == [2762601.0, None, None, None, 1598707.0, -1234.0]
    assert table.column("source_row").to_pylist() == [1, 1, 2, 2, 3, 3]
    assert table.column("Civilstand").to_pylist() == ["OG", "OG", "OG", "OG", "G", "G"]


# --- json-stat 1.x ----------------------------------------------------------------------------------


def test_jsonstat_v1_fixture() -> None:
    px = pxweb.parse(fixture("befolkning_jsonstat.json"), "befolkning_jsonstat.json")

    assert px.format == "json-stat"
    assert px.table_id == "TAB638"
    assert px.updated == "2020-02-21T09:30:00Z"
    assert px.dimensions == ["Region", "Civilstand", "Alder", "Kon", "Tid"]
    assert px.time_dimension == "Tid"
    assert px.table.schema == schema("Region", "Civilstand", "Alder", "Kon", "Tid")
    assert px.table.num_rows == 816  # 1 x 4 x 102 x 2 x 1 x 1
    assert px.labels["Region"] == {"25": "Norrbottens län"}
    assert px.labels["Civilstand"] == {
        "OG": "ogifta",
        "G": "gifta",
        "ÄNKL": "änkor/änklingar",
        "SK": "skilda",
    }
    assert px.labels["Alder"]["tot"] == "totalt ålder"
    assert px.labels["Alder"]["100+"] == "100+ år"
    assert px.labels["ContentsCode"] == {"BE0101N1": "Folkmängd"}

    rows = px.table.to_pylist()
    # Row-major over size [1, 4, 102, 2, 1, 1]: Kon varies fastest, then Alder, then Civilstand.
    first = {"Region": "25", "Civilstand": "OG", "Alder": "0", "Kon": "1", "Tid": "2019"}
    assert rows[0] == {**first, "ContentsCode": "BE0101N1", "value": 1569.0, "source_row": 1}
    assert rows[1] == {**rows[0], "Kon": "2", "value": 1499.0, "source_row": 2}
    assert rows[202] == {**rows[0], "Alder": "tot", "value": 83208.0, "source_row": 203}
    assert rows[204] == {**rows[0], "Civilstand": "G", "value": 0.0, "source_row": 205}
    assert rows[815] == {
        **rows[0],
        "Civilstand": "SK",
        "Alder": "tot",
        "Kon": "2",
        "value": 6985.0,
        "source_row": 816,
    }


def test_jsonstat_v1_accepts_r_style_list_positions() -> None:
    document = {
        "dataset": {
            "dimension": {
                "Kon": {"label": "kön", "category": {"index": {"1": [0], "2": [1]}}},
                "ContentsCode": {"category": {"index": {"BE0101N1": 0}, "label": {"BE0101N1": "Folkmängd"}}},
                "id": ["Kon", "ContentsCode"],
                "size": [2, 1],
                "role": {"metric": ["ContentsCode"]},
            },
            "value": [10, 20],
        }
    }
    px = pxweb.parse(to_bytes(document), "r.json")
    assert px.table.column("Kon").to_pylist() == ["1", "2"]
    assert px.labels["Kon"] == {"1": "1", "2": "2"}  # no category.label: codes as labels
    assert px.time_dimension is None
    assert px.table_id is None


# --- json-stat2 ------------------------------------------------------------------------------------


def test_jsonstat2_fixture_with_dict_index() -> None:
    px = pxweb.parse(fixture("befolkning_jsonstat2.json"), "befolkning_jsonstat2.json")

    assert px.format == "json-stat2"
    assert px.table_id == "TAB638"
    assert px.updated == "2026-02-20T07:00:00Z"
    assert px.dimensions == ["Region", "Alder", "Kon", "Tid"]
    assert px.time_dimension == "Tid"
    assert px.table.schema == schema("Region", "Alder", "Kon", "Tid")
    assert px.table.num_rows == 816  # 2 x 102 x 2 x 1 x 2
    assert px.labels["Region"] == {"25": "Norrbottens län", "2580": "Luleå"}
    assert px.labels["Tid"] == {"2024": "2024", "2025": "2025"}

    rows = px.table.to_pylist()
    first = {"Region": "25", "Alder": "0", "Kon": "1", "Tid": "2024", "ContentsCode": "BE0101N1"}
    assert rows[0] == {**first, "value": 1562.0, "source_row": 1}
    assert rows[1] == {**first, "Tid": "2025", "value": 1560.0, "source_row": 2}
    assert rows[2] == {**first, "Kon": "2", "value": 1489.0, "source_row": 3}
    assert rows[813] == {
        **first,
        "Region": "2580",
        "Alder": "tot",
        "Tid": "2025",
        "value": 40167.0,
        "source_row": 814,
    }
    assert rows[815] == {
        **first,
        "Region": "2580",
        "Alder": "tot",
        "Kon": "2",
        "Tid": "2025",
        "value": 39027.0,
        "source_row": 816,
    }


def test_jsonstat2_fixture_with_list_index_and_sparse_values() -> None:
    px = pxweb.parse(fixture("befolkning_jsonstat2_gles.json"), "befolkning_jsonstat2_gles.json")

    assert px.format == "json-stat2"
    assert px.dimensions == ["Region", "Alder", "Kon", "Tid"]
    assert px.labels["Region"] == {"2584": "Kiruna"}
    assert px.labels["ContentsCode"] == {"BE0101N1": "Folkmängd", "BE0101N2": "Folkökning"}
    table = px.table
    assert table.num_rows == 408  # every cell of the cube; absent ones are null
    rows = table.to_pylist()
    first = {"Region": "2584", "Alder": "0", "Kon": "1", "Tid": "2023"}
    assert rows[0] == {**first, "ContentsCode": "BE0101N1", "value": 149.0, "source_row": 1}
    assert rows[1] == {**first, "ContentsCode": "BE0101N2", "value": None, "source_row": 2}
    assert rows[405] == {
        **first,
        "Alder": "tot",
        "ContentsCode": "BE0101N2",
        "value": -61.0,
        "source_row": 406,
    }
    assert rows[406] == {
        **first,
        "Alder": "tot",
        "Kon": "2",
        "ContentsCode": "BE0101N1",
        "value": 10643.0,
        "source_row": 407,
    }
    growth = table.filter(pc.equal(table["ContentsCode"], "BE0101N2"))
    assert growth.column("value").null_count == 202
    assert table.filter(pc.equal(table["ContentsCode"], "BE0101N1")).column("value").null_count == 0


def test_jsonstat2_missing_markers_and_nulls_in_dense_values() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["value"][0] = None
    document["value"][1] = ".."
    document["value"][2] = "17"
    px = pxweb.parse(to_bytes(document), "a.json")
    assert px.table.column("value").to_pylist()[:4] == [None, None, 17.0, 1488.0]


def test_single_category_dimension_may_omit_index() -> None:
    document = {
        "version": "2.0",
        "class": "dataset",
        "id": ["Region", "ContentsCode"],
        "size": [1, 1],
        "role": {"metric": ["ContentsCode"]},
        "dimension": {
            "Region": {"category": {"label": {"25": "Norrbottens län"}}},
            "ContentsCode": {"category": {"index": ["BE0101N1"]}},
        },
        "value": [250093],
    }
    px = pxweb.parse(to_bytes(document), "a.json")
    assert px.table.to_pylist() == [
        {"Region": "25", "ContentsCode": "BE0101N1", "value": 250093.0, "source_row": 1}
    ]


# --- rejections -----------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", BOM, b"  \n"])
def test_empty_file_is_rejected(data: bytes) -> None:
    [violation] = rejected(data, "tom.json")
    assert (violation.file, violation.rule, violation.row, violation.column) == (
        "tom.json",
        "pxweb-tom",
        None,
        None,
    )


def test_invalid_json_is_rejected() -> None:
    [violation] = rejected(b'{"columns": [,]}', "trasig.json")
    assert (violation.file, violation.rule, violation.row) == ("trasig.json", "pxweb-json", None)
    assert "inte giltig JSON" in violation.message


@pytest.mark.parametrize(
    "name", ["befolkning_v1.json", "befolkning_jsonstat.json", "befolkning_jsonstat2.json"]
)
def test_truncated_file_is_rejected(name: str) -> None:
    data = fixture(name)
    [violation] = rejected(data[: len(data) // 2], name)
    assert (violation.file, violation.rule) == (name, "pxweb-json")
    assert "avkortad" in violation.message


def test_nan_literal_is_rejected() -> None:
    document = to_bytes(fixture_json("befolkning_jsonstat2.json")).replace(b"[1562,", b"[NaN,", 1)
    [violation] = rejected(document, "nan.json")
    assert violation.rule == "pxweb-json"


def test_non_utf8_is_rejected() -> None:
    [violation] = rejected('{"columns": [], "data": [], "text": "kön"}'.encode("latin-1"), "latin1.json")
    assert (violation.file, violation.rule) == ("latin1.json", "pxweb-kodning")


@pytest.mark.parametrize("document", [[1, 2], {"foo": 1}, {"dataset": []}, "text"])
def test_unknown_shape_is_rejected(document: Any) -> None:
    [violation] = rejected(to_bytes(document), "okand.json")
    assert (violation.file, violation.rule) == ("okand.json", "pxweb-format")


def test_value_length_mismatch_is_rejected() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["value"].pop()
    [violation] = rejected(to_bytes(document), "kort.json")
    assert (violation.file, violation.rule, violation.column) == ("kort.json", "pxweb-storlek", "value")
    assert "815 värden" in violation.message
    assert "816 celler" in violation.message


def test_id_and_size_of_different_length_are_rejected() -> None:
    document = fixture_json("befolkning_jsonstat.json")
    document["dataset"]["dimension"]["size"].pop()
    [violation] = rejected(to_bytes(document), "js1.json")
    assert (violation.file, violation.rule) == ("js1.json", "pxweb-storlek")


def test_size_disagreeing_with_category_count_is_rejected() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["size"] = [2, 101, 2, 1, 2]
    [violation] = rejected(to_bytes(document), "storlek.json")
    assert (violation.rule, violation.column) == ("pxweb-index", "Alder")


def test_index_position_out_of_range_is_rejected() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["dimension"]["Region"]["category"]["index"]["2580"] = 2
    [violation] = rejected(to_bytes(document), "index.json")
    assert (violation.file, violation.rule, violation.column) == ("index.json", "pxweb-index", "Region")
    assert "utanför 0–1" in violation.message


def test_duplicate_code_in_list_index_is_rejected() -> None:
    document = fixture_json("befolkning_jsonstat2_gles.json")
    document["dimension"]["Kon"]["category"]["index"] = ["1", "1"]
    [violation] = rejected(to_bytes(document), "dubbel.json")
    assert (violation.rule, violation.column) == ("pxweb-index", "Kon")


def test_sparse_value_key_out_of_range_is_rejected() -> None:
    document = fixture_json("befolkning_jsonstat2_gles.json")
    document["value"]["408"] = 1
    [violation] = rejected(to_bytes(document), "gles.json")
    assert (violation.file, violation.rule, violation.column) == ("gles.json", "pxweb-storlek", "value")


def test_non_numeric_jsonstat_values_are_rejected_with_cell_index() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["value"][9] = "abc"
    document["value"][20] = True
    violations = rejected(to_bytes(document), "text.json")
    assert [(v.file, v.rule, v.row, v.column) for v in violations] == [
        ("text.json", "pxweb-varde", 10, "value"),
        ("text.json", "pxweb-varde", 21, "value"),
    ]


def test_non_numeric_v1_value_is_rejected_with_record_number() -> None:
    document = fixture_json("befolkning_v1.json")
    document["data"][4]["values"] = ["12a"]
    [violation] = rejected(to_bytes(document), "v1.json")
    assert (violation.file, violation.rule, violation.row, violation.column) == (
        "v1.json",
        "pxweb-varde",
        5,
        "BE0101N1",
    )


def test_v1_record_with_wrong_key_length_is_rejected() -> None:
    document = fixture_json("befolkning_v1.json")
    document["data"][6]["key"] = ["2580", "3", "1"]
    [violation] = rejected(to_bytes(document), "v1.json")
    assert (violation.file, violation.rule, violation.row) == ("v1.json", "pxweb-post", 7)


def test_v1_unknown_column_type_is_rejected() -> None:
    document = fixture_json("befolkning_v1.json")
    document["columns"][0]["type"] = "x"
    [violation] = rejected(to_bytes(document), "v1.json")
    assert (violation.rule, violation.column) == ("pxweb-format", "Region")


def test_reserved_dimension_name_is_rejected() -> None:
    document = fixture_json("befolkning_v1.json")
    document["columns"][0]["code"] = "value"
    [violation] = rejected(to_bytes(document), "v1.json")
    assert (violation.rule, violation.column) == ("pxweb-format", "value")


def test_violations_are_capped() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["value"] = ["x"] * len(document["value"])
    violations = rejected(to_bytes(document), "x.json")
    assert len(violations) == pxweb.MAX_VIOLATIONS + 1
    assert violations[-1].rule == "fler-fel"
    assert "716" in violations[-1].message
