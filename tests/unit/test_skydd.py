"""Small-cell protection (pipelines/skydd.py): primary and complementary suppression, by hand."""

import polars as pl
import pytest

from pipelines import skydd

SPEC = {
    "antal": {
        "antal_kontakter": ["andel_ytterfall", "kostnad_kr"],
        "antal_ytterfall": ["andel_ytterfall"],
    },
    "summeras_over": [["grupp"]],
}
GRAIN = ["ar", "dimension", "grupp"]


def frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema=[
            "ar",
            "dimension",
            "grupp",
            "antal_kontakter",
            "antal_ytterfall",
            "andel_ytterfall",
            "kostnad_kr",
        ],
        orient="row",
    )


def test_a_small_base_hides_the_whole_row_and_one_complement() -> None:
    df = frame(
        [
            (2019, "kon", "K", 3, 1, 1 / 3, 300.0),
            (2019, "kon", "M", 40, 4, 0.1, 4000.0),
            (2019, "total", "alla", 43, 5, 5 / 43, 4300.0),
        ]
    )
    out = skydd.protect(df, SPEC, GRAIN, 5).sort("grupp")
    k, m, alla = out.rows(named=True)
    # K: base 3 < 5 → every protected cell hidden.
    assert (k["antal_kontakter"], k["antal_ytterfall"], k["andel_ytterfall"], k["kostnad_kr"]) == (None,) * 4
    # M: its base is hidden too (only one hidden cell among K/M would be recoverable from the total 43),
    # and its 4 ytterfall are small anyway.
    assert m["antal_kontakter"] is None and m["antal_ytterfall"] is None and m["kostnad_kr"] is None
    # The total row is its own group (dimension 'total'): shown.
    assert (alla["antal_kontakter"], alla["antal_ytterfall"]) == (43, 5)
    assert (k["skyddad"], m["skyddad"], alla["skyddad"]) == (True, True, False)


def test_small_subcount_hides_only_it_its_derived_columns_and_the_smallest_other_subcount() -> None:
    df = frame(
        [
            (2019, "sjukhus", "A", 100, 2, 0.02, 1000.0),
            (2019, "sjukhus", "B", 200, 30, 0.15, 2000.0),
            (2019, "sjukhus", "C", 300, 9, 0.03, 3000.0),
        ]
    )
    out = skydd.protect(df, SPEC, GRAIN, 5).sort("grupp")
    a, b, c = out.rows(named=True)
    assert a["antal_kontakter"] == 100 and a["kostnad_kr"] == 1000.0  # base shown
    assert a["antal_ytterfall"] is None and a["andel_ytterfall"] is None  # 2 < 5
    # Complement: the smallest shown ytterfall count in the group (C: 9), not B's 30.
    assert c["antal_ytterfall"] is None and c["andel_ytterfall"] is None and c["antal_kontakter"] == 300
    assert b["antal_ytterfall"] == 30
    assert [r["skyddad"] for r in (a, b, c)] == [True, False, True]


def test_zero_is_shown_but_can_be_the_complement() -> None:
    df = frame(
        [
            (2019, "kon", "K", 50, 3, 0.06, 1.0),
            (2019, "kon", "M", 50, 0, 0.0, 1.0),
        ]
    )
    out = skydd.protect(df, SPEC, GRAIN, 5).sort("grupp")
    assert out["antal_ytterfall"].to_list() == [None, None]
    assert out["antal_kontakter"].to_list() == [50, 50]


def test_groups_are_separate_per_year_and_dimension() -> None:
    df = frame(
        [
            (2018, "kon", "K", 10, 2, 0.2, 1.0),
            (2018, "kon", "M", 10, 6, 0.6, 1.0),
            (2019, "kon", "K", 10, 7, 0.7, 1.0),
            (2019, "kon", "M", 10, 8, 0.8, 1.0),
        ]
    )
    out = skydd.protect(df, SPEC, GRAIN, 5).sort("ar", "grupp")
    assert out["antal_ytterfall"].to_list() == [None, None, 7, 8]


def test_the_limit_is_a_parameter() -> None:
    df = frame([(2019, "kon", "K", 8, 8, 1.0, 1.0), (2019, "kon", "M", 12, 12, 1.0, 1.0)])
    assert skydd.protect(df, SPEC, GRAIN, 5)["antal_kontakter"].to_list() == [8, 12]
    assert skydd.protect(df, SPEC, GRAIN, 10)["antal_kontakter"].to_list() == [None, None]


def test_patient_level_tables_never_leave_the_warehouse() -> None:
    df = pl.DataFrame({"patient_id": ["p1"], "antal_kontakter": [1]})
    with pytest.raises(skydd.SkyddsFel, match="individnivå"):
        skydd.protect(df, {"antal": {"antal_kontakter": []}}, ["patient_id"], 5, "out_x")


def test_a_spec_naming_a_missing_column_is_an_error() -> None:
    df = frame([(2019, "kon", "K", 8, 8, 1.0, 1.0)])
    with pytest.raises(skydd.SkyddsFel, match="antal_individer"):
        skydd.protect(df, {"antal": {"antal_individer": []}}, GRAIN, 5)


def test_violations_finds_small_counts() -> None:
    df = frame([(2019, "kon", "K", 3, 0, 0.0, 1.0), (2019, "kon", "M", 12, 12, 1.0, 1.0)])
    assert skydd.violations(df, SPEC, 5) == ["antal_kontakter: 1 rader med 1–4"]
    assert skydd.violations(skydd.protect(df, SPEC, GRAIN, 5), SPEC, 5) == []


def test_every_documented_protection_fits_its_table_and_every_report_table_has_one() -> None:
    from pipelines import publish, schema

    documented = schema.documented()
    for table, doc in documented.items():
        spec = doc.get("skydd")
        if isinstance(spec, dict):
            skydd.check_spec(table, list(doc["kolumner"]), spec)
            counts = {c for c in doc["kolumner"] if c.startswith("antal") or c in ("taljare", "namnare")}
            assert set(spec.get("antal") or {}) <= counts, table  # a count is an antal_* column (or VIS's)
        elif spec is not None:
            assert str(spec).startswith("ingen – ") and len(str(spec)) > 20, table
    for slug in publish.report_slugs():
        for table in publish.tables_read(slug):
            if table.startswith("out_"):
                assert "skydd" in documented[table], f"{slug} fryser {table} utan skydd i sql/schema.yml"


def test_a_running_share_is_hidden_in_the_whole_group_where_a_row_is_hidden() -> None:
    spec = {
        "antal": {"antal_ytterfall": ["andel"]},
        "summeras_over": [["grupp"]],
        "dolj_i_gruppen": ["andel_kumulativ"],
    }
    df = pl.DataFrame(
        [
            (2019, "drg", "A", 50, 0.5, 0.5),
            (2019, "drg", "B", 30, 0.3, 0.8),
            (2019, "drg", "C", 17, 0.17, 0.97),
            (2019, "drg", "D", 3, 0.03, 1.0),
            (2019, "kapitel", "I", 60, 0.6, 0.6),
            (2019, "kapitel", "II", 40, 0.4, 1.0),
        ],
        schema=["ar", "dimension", "grupp", "antal_ytterfall", "andel", "andel_kumulativ"],
        orient="row",
    )
    out = skydd.protect(df, spec, GRAIN, 5).sort("dimension", "grupp")
    # D (3) and its complement C (17) hidden; the running share would give D away (1,0 − 0,97): gone in the group
    assert out["antal_ytterfall"].to_list() == [50, 30, None, None, 60, 40]
    assert out["andel_kumulativ"].to_list() == [None, None, None, None, 0.6, 1.0]
