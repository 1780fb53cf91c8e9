"""``analysplan fetch kolada`` against a fake Kolada v3 server on 127.0.0.1: ≤ 25 ids per path segment,
paging through ``next_url``, retries, every page stored with its SHA-256 before ingest, and the rows in
``core_kolada__varden`` (deleted entries dropped, Kolada ids mapped to SCB codes). No network."""

from __future__ import annotations

import hashlib
import json

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import ingest, reference, warehouse
from pipelines.cli import app
from pipelines.fetch import kolada
from pipelines.fetch.http import FetchError, HttpClient, RateLimiter
from pipelines.sources.kolada import kolada_id
from pipelines.sources.registry import get_source
from pipelines.workspace import Workspace
from tests.integration.fetch_fakes import FakeClock, FakeKolada

UNITS = [kolada_id(c) for c in ("00", *reference.LAN)]
KPIS = ("N70061", "N70038", "N70059")
YEARS = (2023, 2024)


def values() -> dict[tuple[str, str, int], float | None]:
    out: dict[tuple[str, str, int], float | None] = {}
    for k, kpi in enumerate(KPIS):
        for u, unit in enumerate(UNITS):
            for year in YEARS:
                out[(kpi, unit, year)] = 30000.0 + 1000 * k + 10 * u + (year - 2023)
    out[("N70059", "0009", 2023)] = None  # not published: status "Uppgift saknas"
    return out


def client(clock: FakeClock) -> HttpClient:
    return HttpClient(
        limiter=RateLimiter(10, 10.0, clock=clock, sleep=clock.sleep), sleep=clock.sleep, backoff=1.0
    )


def test_cli_pages_through_next_url_stores_every_page_and_ingests(workspace: Workspace) -> None:
    with FakeKolada(values(), page_size=50) as server:
        server.deleted.add(("N70038", "0025", 2024))
        result = CliRunner().invoke(
            app, ["fetch", "kolada", "--bas-url", server.base, "--ar", "2023", "--ar", "2024"]
        )
    assert result.exit_code == 0, result.output
    assert [e.status for e in server.log] == [200, 200, 200]  # 132 entries in pages of 50
    folder = workspace.home / "hamtat" / "kolada"
    pages = sorted(p for p in folder.glob("*.json") if not p.name.endswith(".meta.json"))
    assert len(pages) == 3
    for page in pages:
        digest = hashlib.sha256(page.read_bytes()).hexdigest()
        assert page.name == f"{digest}.json"
        [fetch] = json.loads((folder / f"{digest}.meta.json").read_text(encoding="utf-8"))["hamtningar"]
        assert fetch["url"].startswith(server.base + "/data/kpi/N70061,N70038,N70059/municipality/0000,0001,")
        assert fetch["metod"] == "GET" and fetch["hamtad"]
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        assert warehouse.table_rows(con, "core_kolada__varden") == 3 * 22 * 2 - 1  # the deleted one dropped
        rows = con.sql(
            "SELECT kpi, region_kod, ar, kon, varde, status FROM core_kolada__varden "
            "WHERE region_kod IN ('00', '25') AND kpi = 'N70061' ORDER BY ALL"
        ).fetchall()
        assert rows == [
            ("N70061", "00", 2023, "alla", 30000.0, None),
            ("N70061", "00", 2024, "alla", 30001.0, None),
            ("N70061", "25", 2023, "alla", 30210.0, None),
            ("N70061", "25", 2024, "alla", 30211.0, None),
        ]
        missing = con.sql(
            "SELECT varde, status FROM core_kolada__varden WHERE region_kod = '09' AND kpi = 'N70059'"
        )
        assert sorted(missing.fetchall(), key=str) == [(30080.0 + 2000 + 1, None), (None, "Uppgift saknas")]


def test_more_than_25_units_are_split_into_several_requests(workspace: Workspace) -> None:
    clock = FakeClock()
    units = UNITS + [kolada_id(k) for k in reference.NORRBOTTEN_KOMMUNER]  # 36 units
    data = {(kpi, unit, 2024): 1.0 for kpi in KPIS for unit in units}
    with FakeKolada(data, page_size=5000, clock=clock) as server:
        stored = kolada.fetch(
            workspace, kpis=KPIS, units=units, years=[2024], base_url=server.base, http=client(clock)
        )
    assert [e.status for e in server.log] == [200, 200]  # 25 + 11 units; the server refuses more than 25
    assert sum(len(json.loads(s.path.read_bytes())["values"]) for s in stored) == 3 * 36
    ingest.accept(workspace, "kolada", [s.path for s in stored])
    con = duckdb.connect(str(workspace.warehouse))
    con.execute(warehouse.META_DDL)
    warehouse.install_macros(con)
    ingest.build_reference(con)
    source = get_source("kolada")
    ingest.load_raw(con, source, ingest.stored_files(workspace, "kolada"))
    assert ingest.build_core(con, source).success
    kommuner = con.sql(
        "SELECT count(DISTINCT region_kod) FROM core_kolada__varden WHERE length(region_kod) = 4"
    )
    assert kommuner.fetchall() == [(14,)]
    con.close()


def test_retries_on_429_and_5xx(workspace: Workspace) -> None:
    clock = FakeClock()
    http = client(clock)
    with FakeKolada(values(), page_size=100, clock=clock) as server:
        server.fail_next(429, 502)
        stored = kolada.fetch(workspace, kpis=KPIS, years=list(YEARS), base_url=server.base, http=http)
    assert [a.outcome for a in http.attempts] == ["429", "502", "200", "200"]
    assert clock.slept == [1.0, 2.0]
    assert len(stored) == 2


def test_next_url_to_another_host_is_refused_but_the_page_is_kept(workspace: Workspace) -> None:
    clock = FakeClock()
    with FakeKolada(values(), page_size=10, clock=clock) as server:
        server.next_url_override = "https://example.org/v3/data/kpi/N70061/year/2024?page=2"
        with pytest.raises(FetchError, match="pekar utanför"):
            kolada.fetch(workspace, kpis=KPIS, years=list(YEARS), base_url=server.base, http=client(clock))
    assert len(list((workspace.home / "hamtat" / "kolada").glob("*.meta.json"))) == 1


def test_an_empty_result_is_stored_but_not_ingested(workspace: Workspace) -> None:
    with FakeKolada({}, page_size=10) as server:
        result = CliRunner().invoke(
            app,
            [
                "fetch",
                "kolada",
                "--bas-url",
                server.base,
                "--kpi",
                "N99999",
                "--region",
                "25",
                "--ar",
                "2024",
            ],
        )
    assert result.exit_code == 0, result.output
    assert "Inga svar med data" in result.output
    assert len(list((workspace.home / "hamtat" / "kolada").glob("*.meta.json"))) == 1
    assert not workspace.warehouse.exists()


def test_unknown_region_code_is_refused(workspace: Workspace) -> None:
    result = CliRunner().invoke(app, ["fetch", "kolada", "--region", "99"])
    assert result.exit_code == 2
    assert "Ingen Kolada-id" in result.output
