"""core_svf__maxledtider, core_svf__handelser, core_svf__aggregat: exact values and contracts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines import contracts, ingest, warehouse
from pipelines.sources import svf
from pipelines.sources.registry import get_source
from tests.conftest import FIXTURES

T0 = datetime(2025, 3, 1, tzinfo=UTC)


def load(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, source: str, files: Sequence[tuple[str, bytes]]
) -> None:
    stored = []
    for n, (name, data) in enumerate(files):
        path = tmp_path / f"{source}-{n}-{name}"
        path.write_bytes(data)
        at = T0 + timedelta(minutes=n)
        stored.append(ingest.StoredFile(source, ingest.sha256_bytes(data), path, name, at, len(data)))
    ingest.load_raw(con, get_source(source), stored)
    warehouse.build_table(con, get_source(source).core_table)


def fixture(name: str) -> tuple[str, bytes]:
    return name, (FIXTURES / "svf" / name).read_bytes()


def rows(con: duckdb.DuckDBPyConnection, query: str) -> list[dict[str, Any]]:
    rel = con.sql(query)
    names = [d[0] for d in rel.description]
    return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]


def failed_rules(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    return {f.rule for f in contracts.validate(con, table).failures}


@pytest.fixture
def svf_con(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    load(con, tmp_path, "svf-maxledtider", [fixture("maxledtider_small.csv")])
    load(con, tmp_path, "svf-handelser", [fixture("handelser_small.csv")])
    load(con, tmp_path, "svf-ledtider", [fixture("ledtider_small.csv")])
    return con


def test_maxledtider_core(svf_con: duckdb.DuckDBPyConnection) -> None:
    assert rows(svf_con, "SELECT * FROM core_svf__maxledtider") == [
        {
            "svf": "VC0",
            "svf_namn": "Lungcancer",
            "behandlingstyp": "kirurgi",
            "max_ledtid_dagar": 52,
            "nationellt_mal": 0.8,
        },
        {
            "svf": "VC0",
            "svf_namn": "Lungcancer",
            "behandlingstyp": "lakemedel",
            "max_ledtid_dagar": 42,
            "nationellt_mal": 0.8,
        },
        {
            "svf": "VG9",
            "svf_namn": "Bröstcancer",
            "behandlingstyp": "kirurgi",
            "max_ledtid_dagar": 28,
            "nationellt_mal": 0.8,
        },
    ]
    result = contracts.validate(svf_con, "core_svf__maxledtider")
    assert result.success, result.summary()


def test_events_core(svf_con: duckdb.DuckDBPyConnection) -> None:
    out = rows(svf_con, "SELECT * FROM core_svf__handelser")
    assert len(out) == 7
    first = out[0]
    assert first == {
        "patient_id": "P0001",
        "kon": "M",
        "alder": 71,
        "kommun_kod": "2580",
        "region_kod": "25",
        "sjukhus": "SUN",
        "svf": "VC0",
        "handelsekod": "10",
        "kva_kod": "VC010",
        "datum": date(2020, 3, 2),
        "ar": 2020,
        "handelsetyp": "valgrundad_misstanke",
        "behandlingstyp": None,
    }
    by_code = {(r["patient_id"], r["kva_kod"]): r for r in out}
    start = by_code[("P0001", "VC050")]
    assert (start["handelsetyp"], start["behandlingstyp"], start["datum"]) == (
        "behandlingsstart",
        "kirurgi",
        date(2020, 4, 10),
    )
    assert (start["datum"] - first["datum"]).days == 39  # the lead time an analysis table will compute
    assert by_code[("P0002", "VG950")]["sjukhus"] is None
    assert (by_code[("P0003", "VC078")]["handelsetyp"], by_code[("P0003", "VC078")]["ar"]) == ("avslut", 2021)
    result = contracts.validate(svf_con, "core_svf__handelser")
    assert result.success, result.summary()


def test_event_types_in_sql_match_the_reader(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    lines = ["patient_id;region_kod;kva_kod;datum"]
    lines += [f"P{n:04d};25;VC0{code};2021-01-{n + 1:02d}" for n, code in enumerate(svf.EVENT_CODES)]
    load(con, tmp_path, "svf-handelser", [("alla_koder.csv", ("\n".join(lines) + "\n").encode())])
    mapped = {
        r[0]: (r[1], r[2])
        for r in con.sql(
            "SELECT handelsekod, handelsetyp, behandlingstyp FROM core_svf__handelser"
        ).fetchall()
    }
    assert mapped == svf.EVENT_CODES


def test_aggregates_core(svf_con: duckdb.DuckDBPyConnection) -> None:
    out = {
        (r["svf"], r["region_kod"], r["period"]): r for r in rows(svf_con, "SELECT * FROM core_svf__aggregat")
    }
    norrbotten = out[("VC0", "25", "2020")]
    assert (norrbotten["antal"], norrbotten["antal_inom_maxledtid"], norrbotten["median_ledtid"]) == (
        120,
        80,
        36.0,
    )
    assert norrbotten["andel_inom_maxledtid"] == pytest.approx(80 / 120)
    assert (norrbotten["periodtyp"], norrbotten["ar"], norrbotten["undertryckt"]) == ("ar", 2020, False)
    jamtland = out[("VC0", "23", "2020")]
    assert (
        jamtland["undertryckt"],
        jamtland["antal"],
        jamtland["andel_inom_maxledtid"],
        jamtland["median_ledtid"],
    ) == (
        True,
        None,
        None,
        None,
    )
    assert out[("VG9", "25", "2020-H1")]["periodtyp"] == "halvar"
    assert (out[("VG9", "25", "2020-03")]["periodtyp"], out[("VG9", "25", "2020-03")]["period_slut"]) == (
        "manad",
        date(2020, 3, 31),
    )
    result = contracts.validate(svf_con, "core_svf__aggregat")
    assert result.success, result.summary()


def test_unknown_svf_is_caught_against_maxledtider(
    svf_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (FIXTURES / "svf" / "handelser_small.csv").read_text(encoding="utf-8").replace("VC0", "VA0")
    load(svf_con, tmp_path, "svf-handelser", [("okand.csv", text.encode())])
    assert "svf-okand-svf" in failed_rules(svf_con, "core_svf__handelser")
    agg = (FIXTURES / "svf" / "ledtider_small.csv").read_text(encoding="utf-8").replace("VG9", "VZ9")
    load(svf_con, tmp_path, "svf-ledtider", [("okand.csv", agg.encode())])
    assert failed_rules(svf_con, "core_svf__aggregat") == {"svf-okand-svf"}


def test_starts_without_a_pathway_start_are_caught(
    svf_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (FIXTURES / "svf" / "handelser_small.csv").read_text(encoding="utf-8")
    starts_only = (
        "\n".join(line for line in text.splitlines() if not line.split(";")[6].endswith("10")) + "\n"
    )
    load(svf_con, tmp_path, "svf-handelser", [("utan_start.csv", starts_only.encode())])
    assert failed_rules(svf_con, "core_svf__handelser") == {"svf-start-utan-misstanke"}


def test_start_without_a_maximum_lead_time_is_caught(
    svf_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = (FIXTURES / "svf" / "handelser_small.csv").read_text(encoding="utf-8").replace("VG950", "VG954")
    load(svf_con, tmp_path, "svf-handelser", [("stral.csv", text.encode())])
    assert failed_rules(svf_con, "core_svf__handelser") == {"svf-behandling-utan-maxledtid"}


@pytest.mark.parametrize(
    ("table", "update", "rule"),
    [
        (
            "core_svf__maxledtider",
            "SET max_ledtid_dagar = -5 WHERE svf = 'VG9'",
            "expect_column_values_to_be_between",
        ),
        ("core_svf__maxledtider", "SET nationellt_mal = 0.75", "expect_column_values_to_be_in_set"),
        ("core_svf__maxledtider", "SET svf_namn = 'Lunga' WHERE behandlingstyp = 'lakemedel'", "svf-namn"),
        ("core_svf__maxledtider", "SET max_ledtid_dagar = 7", "svf-ledtid-median"),
        ("core_svf__handelser", "SET region_kod = '2580' WHERE patient_id = 'P0001'", "svf-region"),
        ("core_svf__handelser", "SET kommun_kod = '2480' WHERE patient_id = 'P0001'", "svf-kommun"),
        ("core_svf__handelser", "SET datum = DATE '2014-01-01' WHERE patient_id = 'P0003'", "svf-datum"),
        ("core_svf__handelser", "SET behandlingstyp = NULL WHERE kva_kod = 'VC050'", "svf-behandlingstyp"),
        (
            "core_svf__handelser",
            "SET kva_kod = 'VC0X0' WHERE kva_kod = 'VC050'",
            "expect_column_values_to_match_regex",
        ),
        (
            "core_svf__aggregat",
            "SET antal = 3 WHERE region_kod = '25' AND svf = 'VC0'",
            "expect_column_values_to_be_between",
        ),
        (
            "core_svf__aggregat",
            "SET antal_inom_maxledtid = 200 WHERE region_kod = '25' AND svf = 'VC0'",
            "svf-antal",
        ),
        ("core_svf__aggregat", "SET median_ledtid = 12 WHERE undertryckt", "svf-undertryckning"),
        ("core_svf__aggregat", "SET antal = 100 WHERE region_kod = '00'", "svf-riket-summa"),
        ("core_svf__aggregat", "SET region_kod = '26' WHERE region_kod = '23'", "svf-region"),
    ],
)
def test_contracts_name_broken_rules(
    svf_con: duckdb.DuckDBPyConnection, table: str, update: str, rule: str
) -> None:
    svf_con.execute(f"UPDATE {table} {update}")
    assert rule in failed_rules(svf_con, table)


def test_prostate_events_coded_as_women_are_caught(svf_con: duckdb.DuckDBPyConnection) -> None:
    svf_con.execute("UPDATE core_svf__handelser SET svf = 'VJ1', kon = 'K'")
    assert "svf-prostata-kon" in failed_rules(svf_con, "core_svf__handelser")


def test_mostly_suppressed_aggregates_are_caught(svf_con: duckdb.DuckDBPyConnection) -> None:
    svf_con.execute(
        "UPDATE core_svf__aggregat SET undertryckt = true, antal = NULL, antal_inom_maxledtid = NULL, "
        "andel_inom_maxledtid = NULL, median_ledtid = NULL WHERE region_kod <> '00'"
    )
    assert failed_rules(svf_con, "core_svf__aggregat") == {"svf-undertryckt-andel"}
