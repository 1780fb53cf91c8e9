"""core_vis__katalog and core_vis__resultat: built from small real-format files, exact values, contracts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import contracts, ingest, warehouse
from pipelines.demo import vis as demo_vis
from pipelines.sources.registry import get_source
from tests.conftest import FIXTURES

STATIN = "11111111-1111-4111-8111-000000000001"
STATIN_K = "11111111-1111-4111-8111-000000000002"
STATIN_M = "11111111-1111-4111-8111-000000000003"
STATIN_80 = "11111111-1111-4111-8111-000000000004"
T0 = datetime(2025, 3, 1, tzinfo=UTC)
UPLOAD = "kalla_format = 'vis-upload'"


def load(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, source: str, files: Sequence[tuple[str, bytes]]
) -> None:
    """Load files through the real raw loader, the n-th file ingested n minutes after the first."""
    stored = []
    for n, (name, data) in enumerate(files):
        path = tmp_path / f"{n}-{name}"
        path.write_bytes(data)
        at = T0 + timedelta(minutes=n)
        stored.append(ingest.StoredFile(source, ingest.sha256_bytes(data), path, name, at, len(data)))
    ingest.load_raw(con, get_source(source), stored)


def build(
    con: duckdb.DuckDBPyConnection,
    tmp_path: Path,
    results: Sequence[str | tuple[str, bytes]] = ("upload_small.csv", "export_small.csv"),
    catalog: bytes | None = None,
) -> None:
    katalog = catalog if catalog is not None else (FIXTURES / "vis" / "katalog_small.json").read_bytes()
    load(con, tmp_path, "vis-katalog", [("katalog.json", katalog)])
    warehouse.build_table(con, "core_vis__katalog")
    files = [(f, (FIXTURES / "vis" / f).read_bytes()) if isinstance(f, str) else f for f in results]
    load(con, tmp_path, "vis-indikatorer", files)
    warehouse.build_table(con, "core_vis__resultat")


def rows(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    rel = con.sql(query, params=params or {})
    names = [d[0] for d in rel.description]
    return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]


def failed_rules(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {f.rule for f in contracts.validate(con, table).failures}


# -- catalog ------------------------------------------------------------------------------------


def test_catalog_core(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build(con, tmp_path)
    out = {r["matt_id"]: r for r in rows(con, "SELECT * FROM core_vis__katalog")}
    assert set(out) == {STATIN, STATIN_K, STATIN_M, STATIN_80, "22222"}
    ids = (STATIN, STATIN_K, STATIN_M, STATIN_80)
    assert [(out[m]["kon"], out[m]["aldersgrupp"], out[m]["huvudmatt_id"]) for m in ids] == [
        ("alla", "alla", None),
        ("K", "alla", STATIN),
        ("M", "alla", STATIN),
        ("alla", "80+", STATIN),
    ]
    statin, median = out[STATIN], out["22222"]
    assert (statin["enhetstyp"], statin["onskad_riktning"], statin["malvarde"], statin["npo"]) == (
        "andel",
        "hogt",
        0.9,
        "Hjärt- och kärlsjukdomar",
    )
    assert (median["enhetstyp"], median["onskad_riktning"], median["malvarde"], median["npo"]) == (
        "median",
        "lagt",
        None,
        None,
    )
    assert statin["giltig_fran"] == date(2016, 1, 1) and statin["version"] == 3
    assert out[STATIN_K]["titel"] == statin["titel"]
    result = contracts.validate(con, "core_vis__katalog")
    assert result.success, result.summary()


def test_catalog_contract_names_broken_rules(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build(con, tmp_path)
    con.execute("UPDATE core_vis__katalog SET malvarde = 90 WHERE matt_id = $m", {"m": STATIN})
    con.execute("UPDATE core_vis__katalog SET huvudmatt_id = 'x-0-0-0-0' WHERE matt_id = $m", {"m": STATIN_M})
    con.execute(
        "UPDATE core_vis__katalog SET titel = (SELECT titel FROM core_vis__katalog WHERE matt_id = $m) "
        "WHERE matt_id = '22222'",
        {"m": STATIN},
    )
    assert {"vis-katalog-malvarde", "vis-katalog-huvudmatt", "vis-katalog-titel"} <= failed_rules(
        con, "core_vis__katalog"
    )


def test_newest_catalog_file_wins(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    old = (FIXTURES / "vis" / "katalog_small.json").read_bytes()
    doc = json.loads(old)
    doc["pageResults"][0]["targetValue"] = 0.95
    load(con, tmp_path, "vis-katalog", [("gammal.json", old), ("ny.json", json.dumps(doc).encode())])
    warehouse.build_table(con, "core_vis__katalog")
    query = "SELECT malvarde FROM core_vis__katalog WHERE matt_id = $m"
    assert warehouse.scalar(con, query, {"m": STATIN}) == 0.95


# -- results ------------------------------------------------------------------------------------


def test_results_core_from_both_formats(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build(con, tmp_path)
    out = rows(con, "SELECT * FROM core_vis__resultat")
    assert len(out) == 18  # 10 upload rows + 8 export rows, no cell twice
    by = {(r["matt_id"], r["ar"], r["periodtyp"], r["region_kod"], r["enhet"]): r for r in out}

    riket = by[(STATIN, 2020, "ar", "00", None)]
    assert [riket[c] for c in ("enhetsniva", "taljare", "namnare", "andel")] == ["riket", 1700, 2000, 0.85]
    assert [riket[c] for c in ("ki_lag", "ki_hog", "kon", "huvudmatt_id")] == [0.8338, 0.865, "alla", STATIN]
    assert [riket[c] for c in ("kalla_format", "kalla_fil", "kalla_rad")] == [
        "vis-upload",
        "upload_small.csv",
        3,
    ]

    kvinnor = by[(STATIN_K, 2020, "ar", "25", None)]
    assert (kvinnor["kon"], kvinnor["aldersgrupp"], kvinnor["huvudmatt_id"], kvinnor["andel"]) == (
        "K",
        "alla",
        STATIN,
        0.75,
    )
    sunderby = by[(STATIN, 2020, "ar", "25", "Sunderby sjukhus")]
    assert (sunderby["enhetsniva"], sunderby["enhet_hsaid"], sunderby["andel"]) == (
        "sjukhus",
        "SE2321000230-E0001",
        0.8,
    )
    kalix = by[(STATIN, 2020, "ar", "25", "Kalix sjukhus")]
    assert (kalix["orsakskod"], kalix["andel"], kalix["ki_lag"]) == ("MSK", None, None)
    halvar = by[("22222", 2020, "halvar", "25", None)]
    assert (halvar["period_start"], halvar["period_slut"], halvar["varde"], halvar["matpopulation"]) == (
        date(2020, 1, 1),
        date(2020, 6, 30),
        31.0,
        60,
    )

    # the older export: matched by title, Kön/Totalt → sub-measure, Procent → andel
    export = by[(STATIN, 2018, "ar", "25", None)]
    assert (export["andel"], export["varde"], export["taljare"], export["namnare"]) == (0.81, None, 340, 420)
    assert (export["kalla_format"], export["kalla_rad"]) == ("vis-export", 3)
    export_k = by[(STATIN_K, 2018, "ar", "25", None)]
    assert (export_k["kon"], export_k["andel"]) == ("K", 0.75)
    assert by[(STATIN_K, 2018, "ar", "00", None)]["andel"] == 0.82
    export_halvar = by[(STATIN, 2018, "halvar", "25", "Sunderby sjukhus")]
    assert (export_halvar["enhetsniva"], export_halvar["andel"]) == ("sjukhus", 0.8)
    assert by[(STATIN, 2018, "ar", "25", "Kalix sjukhus")]["orsakskod"] == "MSK"
    median = by[("22222", 2018, "ar", "00", None)]
    assert [median[c] for c in ("varde", "andel", "matpopulation", "namnare")] == [27.5, None, 5400, None]

    result = contracts.validate(con, "core_vis__resultat")
    assert result.success, result.summary()


def test_newest_delivery_of_a_cell_wins(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    original = (FIXTURES / "vis" / "upload_small.csv").read_bytes()
    fixed = original.replace(b";340;0,8095;420;", b";341;0,8119;420;")
    build(con, tmp_path, results=["upload_small.csv", ("rattelse.csv", fixed)])
    cell = rows(
        con,
        "SELECT taljare, andel, kalla_fil FROM core_vis__resultat "
        "WHERE matt_id = $m AND region_kod = '25' AND enhetsniva = 'region'",
        {"m": STATIN},
    )
    assert cell == [{"taljare": 341, "andel": 0.8119, "kalla_fil": "rattelse.csv"}]
    assert warehouse.table_rows(con, "core_vis__resultat") == 10


def test_unknown_measure_and_title_are_named_with_file_and_line(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    upload = (FIXTURES / "vis" / "upload_small.csv").read_bytes().replace(b"22222", b"99999")
    export_text = (FIXTURES / "vis" / "export_small.csv").read_text(encoding="utf-8")
    export = export_text.replace("Väntetid till operation (median);", "Väntetid till operation;").encode()
    build(con, tmp_path, results=[("u.csv", upload), ("e.csv", export)])
    failures = {f.rule: f for f in contracts.validate(con, "core_vis__resultat").failures}
    assert "fil u.csv, rad 9: MeasureID 99999 finns inte" in failures["vis-okant-matt"].message
    expected = "fil e.csv, rad 7: titeln 'Väntetid till operation' finns inte"
    assert expected in failures["vis-okand-titel"].message
    assert failures["vis-okand-titel"].column == "Titel"


def test_export_sex_without_submeasure(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    doc = json.loads((FIXTURES / "vis" / "katalog_small.json").read_bytes())
    doc["pageResults"][0]["submeasures"] = doc["pageResults"][0]["submeasures"][1:]  # no K
    build(con, tmp_path, results=["export_small.csv"], catalog=json.dumps(doc).encode())
    assert "vis-okant-delmatt" in failed_rules(con, "core_vis__resultat")


def test_rate_for_a_median_measure_is_the_wrong_unit(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build(con, tmp_path)
    con.execute("UPDATE core_vis__resultat SET andel = 0.5, varde = NULL WHERE matt_id = '22222'")
    assert "vis-mattenhet" in failed_rules(con, "core_vis__resultat")


@pytest.mark.parametrize(
    ("update", "rule"),
    [
        ("SET andel = 1.5 WHERE {NB}", "expect_column_values_to_be_between"),
        ("SET ki_lag = 0.9 WHERE {NB}", "vis-ki"),
        ("SET ki_hog = NULL WHERE {NB}", "vis-ki"),
        ("SET andel = 0.5 WHERE orsakskod = 'MSK'", "vis-orsakskod"),
        ("SET andel = NULL WHERE {STHLM}", "vis-varde"),
        ("SET taljare = 3000 WHERE {NB}", "vis-andel"),
        ("SET region_kod = '00' WHERE {STHLM}", "vis-riket"),
        ("SET region_kod = '2580' WHERE {STHLM}", "vis-region"),
        (
            "SET orsakskod = 'XYZ', andel = NULL, ki_lag = NULL, ki_hog = NULL WHERE {NB}",
            "expect_column_values_to_be_in_set",
        ),
        ("SET period_slut = DATE '2099-12-31' WHERE {NB}", "vis-period"),
    ],
)
def test_result_contract_names_broken_rules(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, update: str, rule: str
) -> None:
    build(con, tmp_path)
    where = {"NB": f"kalla_rad = 4 AND {UPLOAD}", "STHLM": f"kalla_rad = 5 AND {UPLOAD}"}
    con.execute(f"UPDATE core_vis__resultat {update.format(**where)}")
    assert rule in failed_rules(con, "core_vis__resultat")


def test_two_national_rows_break_the_grain(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build(con, tmp_path)
    con.execute(
        "INSERT INTO core_vis__resultat SELECT * REPLACE (0.9 AS andel) FROM core_vis__resultat "
        "WHERE kalla_rad = 3 AND kalla_format = 'vis-upload'"
    )
    assert {"vis-riksrad", "vis-korn"} <= failed_rules(con, "core_vis__resultat")


def _demo_files(indicators: Sequence[demo_vis.Indicator], year: int) -> tuple[bytes, bytes]:
    catalog = json.dumps(demo_vis.catalog(indicators), ensure_ascii=False).encode()
    results = [
        r
        for index, ind in enumerate(indicators)
        for r in demo_vis.results(ind, index, 1)
        if r.start.year == year
    ]
    header = ";".join(demo_vis.VIS_NAMES)
    body = "\n".join(";".join(demo_vis.upload_row(r)[c] for c in demo_vis.VIS_NAMES) for r in results)
    return catalog, f"{header}\n{body}\n".encode()


def test_riket_outside_the_regions_range_is_caught(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    catalog, results = _demo_files(demo_vis.INDICATORS[:2], 2023)
    build(con, tmp_path, results=[("demo.csv", results)], catalog=catalog)
    result = contracts.validate(con, "core_vis__resultat")
    assert result.success, result.summary()
    con.execute(
        "UPDATE core_vis__resultat SET andel = 0.999, ki_lag = 0.99, ki_hog = 1.0, taljare = NULL "
        "WHERE region_kod = '00' AND matt_id = $m AND periodtyp = 'ar'",
        {"m": demo_vis.INDICATORS[0].mid()},
    )
    assert failed_rules(con, "core_vis__resultat") == {"vis-riket-inom-regioner"}


def test_heavy_masking_is_caught(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    build(con, tmp_path)
    con.execute(
        "UPDATE core_vis__resultat "
        "SET orsakskod = 'MSK', andel = NULL, varde = NULL, ki_lag = NULL, ki_hog = NULL"
    )
    assert {"vis-msk-andel", "vis-msk-andel-per-matt"} <= failed_rules(con, "core_vis__resultat")
