"""SCB's CKM population tables (from 2025): BefolkningCKM through ``scb-befolkning`` and BefolkManadCKM
through ``scb-befolkning-manad``. Fixtures: ``tests/fixtures/pxweb/befolkningckm_jsonstat2.json``
(Norrbotten and Luleå, 31 December 2025, json-stat2 as PxWebApi 2.0 answers) and
``befolkmanadckm_v1.json`` (Norrbotten, 2025M01–M02, PxWeb v1 json); values from the demo generator,
the county's grand total is SCB's published 248 927.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from pipelines.errors import RejectedInput, Violation
from pipelines.sources.scb_befolkning import ckm_tolerance, read, read_manad

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pxweb"
CKM = "befolkningckm_jsonstat2.json"
MANAD = "befolkmanadckm_v1.json"
# json-stat2 size [Region 2, Civilstand 1, Alder 107, Kon 3, ContentsCode 1, Tid 1]: Kon varies fastest.
AGES = 107
LULEA = AGES * 3  # offset of Luleå's first cell


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_bytes().decode("utf-8-sig"))


def to_bytes(document: Any) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def position(region: int, age: str, kon: str) -> int:
    """0-based index in the CKM fixture's value array."""
    ages = list(fixture_json(CKM)["dimension"]["Alder"]["category"]["index"])
    return region * LULEA + ages.index(age) * 3 + ["TotSa", "1", "2"].index(kon)


def rejected(data: bytes, file_name: str, reader: Any = read) -> list[Violation]:
    with pytest.raises(RejectedInput) as caught:
        reader(data, file_name)
    return caught.value.violations


def where(v: Violation) -> tuple[str, str, int | None, str | None]:
    return (v.file, v.rule, v.row, v.column)


# --- BefolkningCKM ---------------------------------------------------------------------------------


def test_ckm_fixture_is_read_with_its_codes_normalised() -> None:
    table = read((FIXTURES / CKM).read_bytes(), CKM)
    assert table.num_rows == 2 * AGES * 3  # every delivered cell, Civilstand SC kept
    assert set(table.column("tabell").to_pylist()) == {"BefolkningCKM"}
    rows = table.to_pylist()
    # The county's grand total (TotSA × TotSa) is SCB's published 248 927.
    assert rows[0] == {
        "region_kod": "25",
        "ar": 2025,
        "alder_kod": "tot",
        "kon": "tot",
        "folkmangd": 248927,
        "tabell": "BefolkningCKM",
        "kalla_rad": 1,
    }
    assert rows[1]["folkmangd"] + rows[2]["folkmangd"] == 127501 + 121427 == 248928  # parts ≠ total
    assert [r["kon"] for r in rows[:3]] == ["tot", "1", "2"]  # TotSa → tot, 1 män, 2 kvinnor as delivered
    assert type(rows[0]["folkmangd"]) is int and type(rows[0]["ar"]) is int
    # Luleå's grand total starts the second region; the last cell is Luleå's women, TOT5 (sum of bands).
    assert rows[LULEA] == {**rows[0], "region_kod": "2580", "folkmangd": 80322, "kalla_rad": LULEA + 1}
    assert rows[-1] == {
        **rows[0],
        "region_kod": "2580",
        "alder_kod": "TOT5",
        "kon": "2",
        "folkmangd": 39217,
        "kalla_rad": 642,
    }
    assert [r["folkmangd"] for r in rows[LULEA : LULEA + 3]] == [80322, 41106, 39215]
    luleå_boys = {**rows[0], "region_kod": "2580", "alder_kod": "0", "kon": "1", "folkmangd": 253}
    assert rows[position(1, "0", "1")] == {**luleå_boys, "kalla_rad": 326}
    codes = list(dict.fromkeys(table.column("alder_kod").to_pylist()))
    assert codes[:2] == ["tot", "0"]
    assert codes[-6:] == ["100+", "TOT1", "-4", "5-9", "100+5", "TOT5"]  # 100+1 → 100+; bands as delivered


def test_ckm_parts_need_not_add_up_but_stay_within_the_tolerance() -> None:
    table = read((FIXTURES / CKM).read_bytes(), CKM).to_pylist()
    luleå_50 = {
        r["kon"]: r["folkmangd"] for r in table if (r["region_kod"], r["alder_kod"]) == ("2580", "50")
    }
    assert luleå_50 == {"tot": 960, "1": 499, "2": 460}  # 499 + 460 = 959: CKM noise
    luleå_women = [r for r in table if r["region_kod"] == "2580" and r["kon"] == "2"]
    bands = {
        r["alder_kod"]: r["folkmangd"]
        for r in luleå_women
        if r["alder_kod"] in ("-4", "5-9", "100+5", "TOT5")
    }
    assert bands == {"-4": 1409, "5-9": 1982, "100+5": 13, "TOT5": 39217}


def test_ckm_age_total_beyond_the_tolerance_is_rejected() -> None:
    document = fixture_json(CKM)
    index = position(1, "TotSA", "1")
    assert document["value"][index] == 41106  # Luleå men: the single ages sum to 41 106
    document["value"][index] = 41106 + 8  # within both tolerances: ages (≈ 70) and kön (≈ 9,9)
    assert read(to_bytes(document), "ckm.json").num_rows == 642
    document["value"][index] = 41106 + 500
    ages, kon = rejected(to_bytes(document), "ckm.json")
    assert where(ages) == ("ckm.json", "scb-summa", index + 1, "000007ME")
    assert "ettårsklasserna (41106)" in ages.message
    assert "-500" in ages.message
    # the same cell is also a part of Luleå's grand total (TotSA × TotSa)
    assert where(kon) == ("ckm.json", "scb-summa", position(1, "TotSA", "TotSa") + 1, "000007ME")
    assert "könen (ålder tot)" in kon.message


def test_ckm_tot1_is_checked_like_totsa() -> None:
    document = fixture_json(CKM)
    index = position(1, "TOT1", "2")
    document["value"][index] += 400
    violations = rejected(to_bytes(document), "tot1.json")
    assert where(violations[0]) == ("tot1.json", "scb-summa", index + 1, "000007ME")
    assert "ettårsklasserna" in violations[0].message


def test_ckm_kon_total_is_checked_against_men_and_women() -> None:
    assert ckm_tolerance(2) == pytest.approx(9.9, abs=0.01)
    document = fixture_json(CKM)
    index = position(1, "50", "TotSa")
    document["value"][index] = 959 + 9  # män 499 + kvinnor 460 = 959
    assert read(to_bytes(document), "kon.json").num_rows == 642
    document["value"][index] = 959 + 10
    [violation] = rejected(to_bytes(document), "kon.json")
    assert where(violation) == ("kon.json", "scb-summa", index + 1, "000007ME")
    assert "könen (ålder 50)" in violation.message


def test_ckm_civilstand_parts_are_checked_and_the_total_kept() -> None:
    def cube(values: dict[str, int]) -> bytes:
        return to_bytes(
            {
                "version": "2.0",
                "class": "dataset",
                "id": ["Region", "Civilstand", "Alder", "Kon", "ContentsCode", "Tid"],
                "size": [1, 5, 1, 1, 1, 1],
                "dimension": {
                    "Region": {"category": {"index": {"2582": 0}}},
                    "Civilstand": {"category": {"index": {c: i for i, c in enumerate(values)}}},
                    "Alder": {"category": {"index": {"TotSA": 0}}},
                    "Kon": {"category": {"index": {"1": 0}}},
                    "ContentsCode": {"category": {"index": {"000007ME": 0}}},
                    "Tid": {"category": {"index": {"2025": 0}}},
                },
                "role": {"metric": ["ContentsCode"], "time": ["Tid"]},
                "value": list(values.values()),
            }
        )

    parts = {"OG": 6000, "G": 5000, "ÄNKL": 800, "SK": 1200}  # 13 000
    table = read(cube({"SC": 13000 + 14, **parts}), "sc.json")
    assert table.column("folkmangd").to_pylist() == [13014]  # SCB's own total kept, parts not summed
    assert table.column("kalla_rad").to_pylist() == [1]
    [violation] = rejected(cube({"SC": 13000 + 15, **parts}), "sc.json")  # tolerance 7 × √4 = 14
    assert where(violation) == ("sc.json", "scb-summa", 1, "000007ME")
    assert "civilstånden" in violation.message


def test_bands_and_kon_total_only_exist_in_ckm_tables() -> None:
    def cube(content: str) -> bytes:
        return to_bytes(
            {
                "version": "2.0",
                "class": "dataset",
                "id": ["Region", "Alder", "Kon", "ContentsCode", "Tid"],
                "size": [1, 2, 2, 1, 1],
                "dimension": {
                    "Region": {"category": {"index": {"2580": 0}}},
                    "Alder": {"category": {"index": {"5-9": 0, "TOT1": 1}}},
                    "Kon": {"category": {"index": {"1": 0, "TotSa": 1}}},
                    "ContentsCode": {"category": {"index": {content: 0}}},
                    "Tid": {"category": {"index": {"2025": 0}}},
                },
                "role": {"metric": ["ContentsCode"], "time": ["Tid"]},
                "value": [100, 200, 900, 1800],
            }
        )

    assert read(cube("000007ME"), "ckm.json").column("kon").to_pylist() == ["1", "tot", "1", "tot"]
    violations = rejected(cube("BE0101N1"), "tab638.json")
    assert [where(v) for v in violations] == [
        ("tab638.json", "scb-alder", 1, "Alder"),
        ("tab638.json", "scb-alder", 2, "Alder"),
        ("tab638.json", "scb-kon", 2, "Kon"),
        ("tab638.json", "scb-alder", 3, "Alder"),
        ("tab638.json", "scb-alder", 4, "Alder"),
        ("tab638.json", "scb-kon", 4, "Kon"),
    ]


def test_a_file_mixing_two_tables_is_rejected() -> None:
    document = fixture_json(CKM)
    category = document["dimension"]["ContentsCode"]["category"]
    category["index"] = {"000007ME": 0, "BE0101N1": 1}
    document["size"][4] = 2
    document["value"] = [v for v in document["value"] for _ in range(2)]
    [violation] = rejected(to_bytes(document), "blandad.json")
    assert where(violation) == ("blandad.json", "scb-innehall", None, "ContentsCode")
    assert "blandar" in violation.message


def test_the_monthly_table_is_pointed_to_its_own_source() -> None:
    [violation] = rejected((FIXTURES / MANAD).read_bytes(), MANAD)
    assert where(violation) == (MANAD, "scb-innehall", None, "ContentsCode")
    assert "BefolkManadCKM" in violation.message
    assert "scb-befolkning-manad" in violation.message
    [violation] = rejected((FIXTURES / CKM).read_bytes(), CKM, read_manad)
    assert "läs in den med källan scb-befolkning." in violation.message


# --- BefolkManadCKM --------------------------------------------------------------------------------


def test_monthly_fixture() -> None:
    table = read_manad((FIXTURES / MANAD).read_bytes(), MANAD)
    assert table.schema == pa.schema(
        [
            ("region_kod", pa.string()),
            ("ar", pa.int32()),
            ("manad", pa.int32()),
            ("alder_kod", pa.string()),
            ("kon", pa.string()),
            ("folkmangd", pa.int64()),
            ("kalla_rad", pa.int64()),
        ]
    )
    assert table.num_rows == 103 * 3 * 2  # TotSA, 0–99, 100+, -4 × kön × two months
    rows = table.to_pylist()
    assert rows[0] == {
        "region_kod": "25",
        "ar": 2025,
        "manad": 1,
        "alder_kod": "tot",
        "kon": "tot",
        "folkmangd": 248727,
        "kalla_rad": 1,
    }
    assert rows[1] == {**rows[0], "manad": 2, "folkmangd": 248757, "kalla_rad": 2}
    assert rows[2] == {**rows[0], "kon": "1", "folkmangd": 127470, "kalla_rad": 3}  # "2025M01", men
    # PxWeb v1 delivers the numbers as text: they must arrive as ints, months as ints 1–12
    assert type(rows[0]["folkmangd"]) is int and type(rows[0]["manad"]) is int
    assert sorted({r["manad"] for r in rows}) == [1, 2]
    assert rows[-1] == {
        **rows[0],
        "manad": 2,
        "alder_kod": "-4",
        "kon": "2",
        "folkmangd": 5030,
        "kalla_rad": 618,
    }


@pytest.mark.parametrize("tid", ["2025M13", "2025", "2025-01", "2025M1"])
def test_monthly_time_codes(tid: str) -> None:
    document = fixture_json(MANAD)
    document["data"][4]["key"][3] = tid
    [violation] = rejected(to_bytes(document), "manad.json", read_manad)
    assert where(violation) == ("manad.json", "scb-tid", 5, "Tid")


def test_monthly_totals_are_checked_per_month() -> None:
    document = fixture_json(MANAD)
    assert document["data"][1]["key"] == ["25", "TotSA", "TotSa", "2025M02"]
    document["data"][1]["values"] = ["249757"]  # 1 000 more than its parts
    violations = rejected(to_bytes(document), "manad.json", read_manad)
    assert {where(v) for v in violations} == {("manad.json", "scb-summa", 2, "000007SF")}
    assert "månad 2025M02" in violations[0].message


def test_yearly_table_has_no_month() -> None:
    document = fixture_json("befolkning_v1.json")
    document["columns"][4]["code"] = "000007SF"
    violations = rejected(to_bytes(document), "ar.json", read_manad)
    assert where(violations[0]) == ("ar.json", "scb-tid", 1, "Tid")
    assert {v.rule for v in violations} == {"scb-tid", "fler-fel"}
