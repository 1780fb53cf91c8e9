"""SCB population reader (BE0101N1 / TAB638): the file as delivered, and the rules it enforces."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pipelines.errors import RejectedInput, Violation
from pipelines.sources import pxweb, scb_befolkning
from pipelines.sources.scb_befolkning import ALDER_TOTAL, alder_to_int, ckm_tolerance, read

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pxweb"
SINGLE_AGES = [str(age) for age in range(100)] + ["100+"]
AGES = [*SINGLE_AGES, "tot"]

EXPECTED_SCHEMA = pa.schema(
    [
        ("region_kod", pa.string()),
        ("ar", pa.int32()),
        ("alder_kod", pa.string()),
        ("kon", pa.string()),
        ("folkmangd", pa.int64()),
        ("tabell", pa.string()),
        ("kalla_rad", pa.int64()),
    ]
)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture(name).decode("utf-8-sig"))


def to_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def cube(value: Callable[[dict[str, str]], object], **dimensions: list[str]) -> bytes:
    """A json-stat2 response over ``dimensions`` (in order); ``value`` gives each cell's value."""
    ids = list(dimensions)
    cells = [dict(zip(ids, combo, strict=True)) for combo in itertools.product(*dimensions.values())]
    return to_bytes(
        {
            "version": "2.0",
            "class": "dataset",
            "id": ids,
            "size": [len(codes) for codes in dimensions.values()],
            "role": {"metric": ["ContentsCode"], "time": ["Tid"]},
            "dimension": {
                name: {"label": name, "category": {"index": {code: i for i, code in enumerate(codes)}}}
                for name, codes in dimensions.items()
            },
            "value": [value(cell) for cell in cells],
        }
    )


def one_year(
    age_value: Callable[[str], int], total: int, *, year: str = "2020", ages: list[str] = AGES
) -> bytes:
    """Region 2580, both sexes, one year: single ages from ``age_value``, the total as given."""
    return cube(
        lambda cell: total if cell["Alder"] in ("tot", "TotSA") else age_value(cell["Alder"]),
        Region=["2580"],
        Alder=ages,
        Kon=["1", "2"],
        ContentsCode=["BE0101N1"],
        Tid=[year],
    )


def rejected(data: bytes, file_name: str = "befolkning.json") -> list[Violation]:
    with pytest.raises(RejectedInput) as caught:
        read(data, file_name)
    return caught.value.violations


def where(violation: Violation) -> tuple[str, str, int | None, str | None]:
    return (violation.file, violation.rule, violation.row, violation.column)


# --- the fixtures, read as delivered ---------------------------------------------------------------


def test_v1_json_fixture() -> None:
    table = read(fixture("befolkning_v1.json"), "befolkning_v1.json")

    assert table.schema == EXPECTED_SCHEMA
    assert table.num_rows == 204
    rows = table.to_pylist()
    assert rows[0] == {
        "region_kod": "2580",
        "ar": 2020,
        "alder_kod": "0",
        "kon": "1",
        "folkmangd": 499,
        "tabell": "TAB638",
        "kalla_rad": 1,
    }
    assert rows[201] == {**rows[0], "alder_kod": "100+", "kon": "2", "folkmangd": 10, "kalla_rad": 202}
    assert rows[202] == {**rows[0], "alder_kod": "tot", "folkmangd": 39923, "kalla_rad": 203}
    assert rows[203] == {**rows[0], "alder_kod": "tot", "kon": "2", "folkmangd": 38706, "kalla_rad": 204}
    assert table.column("alder_kod").to_pylist()[::2] == AGES  # order as delivered


def test_jsonstat_v1_fixture_sums_civilstand() -> None:
    table = read(fixture("befolkning_jsonstat.json"), "befolkning_jsonstat.json")

    assert table.schema == EXPECTED_SCHEMA
    assert table.num_rows == 204  # 4 civilstånd summed away
    rows = {(row["alder_kod"], row["kon"]): row for row in table.to_pylist()}
    # Sums over OG, G, ÄNKL, SK, read by hand from the file; kalla_rad is the OG cell.
    assert rows[("0", "1")] == {
        "region_kod": "25",
        "ar": 2019,
        "alder_kod": "0",
        "kon": "1",
        "folkmangd": 1569,
        "tabell": "TAB638",
        "kalla_rad": 1,
    }
    assert rows[("50", "1")]["folkmangd"] == 817 + 602 + 0 + 150
    assert rows[("100+", "1")]["folkmangd"] == 1 + 8 + 5 + 1
    assert rows[("tot", "1")]["folkmangd"] == 83208 + 32401 + 3136 + 6844 == 125589
    assert rows[("tot", "2")] == {
        **rows[("0", "1")],
        "alder_kod": "tot",
        "kon": "2",
        "folkmangd": 124507,
        "kalla_rad": 204,
    }


def test_jsonstat2_fixture_passes_ckm_noise_in_2025() -> None:
    table = read(fixture("befolkning_jsonstat2.json"), "befolkning_jsonstat2.json")

    assert table.schema == EXPECTED_SCHEMA
    assert table.num_rows == 816
    rows = table.to_pylist()
    assert rows[813] == {
        "region_kod": "2580",
        "ar": 2025,
        "alder_kod": "tot",
        "kon": "1",
        "folkmangd": 40167,
        "tabell": "TAB638",
        "kalla_rad": 814,
    }
    # The file carries real CKM-style noise: in 2025 the parts do not add up exactly.
    luleå_men_2025 = [
        row["folkmangd"]
        for row in rows
        if (row["region_kod"], row["kon"], row["ar"]) == ("2580", "1", 2025) and row["alder_kod"] != "tot"
    ]
    assert sum(luleå_men_2025) == 40181 != 40167


def test_sparse_fixture_keeps_folkmangd_only() -> None:
    table = read(fixture("befolkning_jsonstat2_gles.json"), "befolkning_jsonstat2_gles.json")

    assert table.num_rows == 204  # BE0101N2 (Folkökning, sparse) dropped
    assert set(table.column("region_kod").to_pylist()) == {"2584"}
    assert table.column("kalla_rad").to_pylist()[:3] == [1, 3, 5]
    assert table.to_pylist()[-1] == {
        "region_kod": "2584",
        "ar": 2023,
        "alder_kod": "tot",
        "kon": "2",
        "folkmangd": 10643,
        "tabell": "TAB638",
        "kalla_rad": 407,
    }


def test_only_totals_need_no_single_ages() -> None:
    data = cube(
        lambda cell: 5_000 if cell["Kon"] == "1" else 4_900,
        Region=["00", "25"],
        Alder=["tot"],
        Kon=["1", "2"],
        ContentsCode=["BE0101N1"],
        Tid=["2021"],
    )
    table = read(data, "tot.json")
    assert table.column("folkmangd").to_pylist() == [5_000, 4_900, 5_000, 4_900]


def test_ckm_codes_are_normalised() -> None:
    ages = [*(str(age) for age in range(100)), "100+1", "TotSA"]
    table = read(one_year(lambda age: 10, 1010, year="2025", ages=ages), "ckm.json")
    assert table.column("alder_kod").to_pylist()[-4:] == ["100+", "100+", "tot", "tot"]


def test_civilstand_total_sc_is_kept_instead_of_the_parts() -> None:
    values = {"OG": 100, "G": 200, "SC": 299}
    data = cube(
        lambda cell: values[cell["Civilstand"]],
        Region=["2582"],
        Civilstand=["OG", "G", "SC"],
        Alder=["tot"],
        Kon=["1"],
        ContentsCode=["BE0101N1"],
        Tid=["2025"],
    )
    assert read(data, "sc.json").to_pylist() == [
        {
            "region_kod": "2582",
            "ar": 2025,
            "alder_kod": "tot",
            "kon": "1",
            "folkmangd": 299,
            "tabell": "TAB638",
            "kalla_rad": 3,
        }
    ]


def test_alder_helpers() -> None:
    assert ALDER_TOTAL == "tot"
    assert alder_to_int("0") == 0
    assert alder_to_int("42") == 42
    assert alder_to_int("100+") == 100
    assert alder_to_int("100+1") == 100
    assert alder_to_int("tot") is None
    assert alder_to_int("TotSA") is None
    with pytest.raises(ValueError):
        alder_to_int("101")


# --- totals -----------------------------------------------------------------------------------------


def test_parts_not_equal_to_total_before_2025_names_the_total_row() -> None:
    document = fixture_json("befolkning_v1.json")
    assert document["data"][203] == {"key": ["2580", "tot", "2", "2020"], "values": ["38706"]}
    document["data"][203]["values"] = ["38707"]

    [violation] = rejected(to_bytes(document), "befolkning_v1.json")

    assert where(violation) == ("befolkning_v1.json", "scb-summa", 204, "BE0101N1")
    assert "38706" in violation.message
    assert "38707" in violation.message
    assert "region 2580, kön 2, år 2020" in violation.message


def test_ckm_tolerance_grows_with_the_square_root_of_the_parts() -> None:
    # Luleå men 2025: the 101 single ages sum to 40181; tolerance 7 × √101 ≈ 70.4 persons.
    assert ckm_tolerance(101) == pytest.approx(70.35, abs=0.01)
    document = fixture_json("befolkning_jsonstat2.json")
    assert document["value"][813] == 40167

    document["value"][813] = 40181 - 70  # difference +70: CKM noise
    assert read(to_bytes(document), "ckm.json").num_rows == 816

    document["value"][813] = 40181 - 71  # difference +71: too much for noise
    [violation] = rejected(to_bytes(document), "ckm.json")
    assert where(violation) == ("ckm.json", "scb-summa", 814, "BE0101N1")
    assert "+71" in violation.message
    assert "±70 (CKM)" in violation.message


def test_ckm_tolerance_in_both_directions() -> None:
    assert read(one_year(lambda age: 10, 1010 + 70, year="2025"), "a.json").num_rows == 204
    violations = rejected(one_year(lambda age: 10, 1010 + 71, year="2025"), "a.json")
    assert [where(v) for v in violations] == [
        ("a.json", "scb-summa", 203, "BE0101N1"),
        ("a.json", "scb-summa", 204, "BE0101N1"),
    ]
    assert "-71" in violations[0].message


def test_no_tolerance_in_2024() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["value"][812] += 1  # Luleå men 2024 total
    [violation] = rejected(to_bytes(document), "2024.json")
    assert where(violation) == ("2024.json", "scb-summa", 813, "BE0101N1")


def test_partial_ages_must_not_exceed_total() -> None:
    ages = ["65", "66", "tot"]
    assert read(one_year(lambda age: 10, 20, ages=ages), "a.json").num_rows == 6
    violations = rejected(one_year(lambda age: 10, 19, ages=ages), "delvis.json")
    assert [where(v) for v in violations] == [
        ("delvis.json", "scb-summa", 5, "BE0101N1"),
        ("delvis.json", "scb-summa", 6, "BE0101N1"),
    ]


# --- rejected cells and structure ------------------------------------------------------------------


def test_missing_alder_is_rejected() -> None:
    data = cube(
        lambda cell: 1000,
        Region=["2580"],
        Kon=["1", "2"],
        ContentsCode=["BE0101N1"],
        Tid=["2020"],
    )
    [violation] = rejected(data, "utan_alder.json")
    assert where(violation) == ("utan_alder.json", "scb-variabel", None, "Alder")


def test_unexpected_dimension_is_rejected() -> None:
    data = cube(
        lambda cell: 1,
        Region=["2580"],
        Alder=["tot"],
        Kon=["1"],
        Fodelseregion=["inrikes"],
        ContentsCode=["BE0101N1"],
        Tid=["2020"],
    )
    [violation] = rejected(data, "extra.json")
    assert where(violation) == ("extra.json", "scb-variabel", None, "Fodelseregion")


def test_missing_folkmangd_content_is_rejected() -> None:
    data = cube(
        lambda cell: 12,
        Region=["2580"],
        Alder=["tot"],
        Kon=["1"],
        ContentsCode=["BE0101N2"],
        Tid=["2020"],
    )
    [violation] = rejected(data, "okning.json")
    assert where(violation) == ("okning.json", "scb-innehall", None, "ContentsCode")
    assert "BE0101N2" in violation.message


@pytest.mark.parametrize(
    ("raw", "rule"),
    [("-3", "scb-negativ"), ("12.5", "scb-heltal"), ("..", "scb-saknas")],
)
def test_bad_value_is_rejected_with_its_record(raw: str, rule: str) -> None:
    document = fixture_json("befolkning_v1.json")
    document["data"][4]["values"] = [raw]
    [violation] = rejected(to_bytes(document), "befolkning_v1.json")
    assert where(violation) == ("befolkning_v1.json", rule, 5, "BE0101N1")


def test_negative_jsonstat_value_names_the_cell() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["value"][6] = -1
    [violation] = rejected(to_bytes(document), "neg.json")
    assert where(violation) == ("neg.json", "scb-negativ", 7, "BE0101N1")


@pytest.mark.parametrize("kon", ["3", "1+2", "K"])
def test_unknown_kon_code_is_rejected(kon: str) -> None:
    document = fixture_json("befolkning_v1.json")
    document["data"][9]["key"][2] = kon
    [violation] = rejected(to_bytes(document), "kon.json")
    assert where(violation) == ("kon.json", "scb-kon", 10, "Kon")
    assert repr(kon) in violation.message


@pytest.mark.parametrize(
    ("position", "code", "rule", "column"),
    [
        (0, "251", "scb-region", "Region"),
        (0, "Norrbotten", "scb-region", "Region"),
        (1, "101", "scb-alder", "Alder"),
        (1, "65-69", "scb-alder", "Alder"),
        (3, "2020M12", "scb-tid", "Tid"),
    ],
)
def test_bad_codes_are_rejected(position: int, code: str, rule: str, column: str) -> None:
    document = fixture_json("befolkning_v1.json")
    document["data"][2]["key"][position] = code
    [violation] = rejected(to_bytes(document), "koder.json")
    assert where(violation) == ("koder.json", rule, 3, column)


def test_duplicate_cell_is_rejected() -> None:
    document = fixture_json("befolkning_v1.json")
    document["data"].append(document["data"][0])
    [violation] = rejected(to_bytes(document), "dubbel.json")
    assert where(violation) == ("dubbel.json", "scb-dubblett", 205, None)
    assert "rad 1" in violation.message


def test_tot_and_totsa_for_the_same_cell_are_duplicates() -> None:
    ages = [*SINGLE_AGES, "tot", "TotSA"]
    violations = rejected(one_year(lambda age: 10, 1010, ages=ages), "tva_tot.json")
    assert [where(v) for v in violations] == [
        ("tva_tot.json", "scb-dubblett", 205, None),
        ("tva_tot.json", "scb-dubblett", 206, None),
    ]


def test_all_cell_violations_are_collected() -> None:
    document = fixture_json("befolkning_v1.json")
    document["data"][0]["values"] = ["-1"]
    document["data"][1]["key"][2] = "3"
    document["data"][2]["values"] = ["0.5"]
    violations = rejected(to_bytes(document), "flera.json")
    assert [(v.rule, v.row) for v in violations] == [("scb-negativ", 1), ("scb-kon", 2), ("scb-heltal", 3)]


def test_violations_are_capped() -> None:
    document = fixture_json("befolkning_jsonstat2.json")
    document["value"] = [-1] * len(document["value"])
    violations = rejected(to_bytes(document), "neg.json")
    assert len(violations) == pxweb.MAX_VIOLATIONS + 1
    assert violations[-1].rule == "fler-fel"


def test_parser_rejections_pass_through() -> None:
    [violation] = rejected(b'{"columns":', "avkortad.json")
    assert where(violation) == ("avkortad.json", "pxweb-json", None, None)


def test_schema_constant_matches() -> None:
    assert scb_befolkning.SCHEMA == EXPECTED_SCHEMA
