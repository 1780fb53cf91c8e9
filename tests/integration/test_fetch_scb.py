"""``analysplan fetch scb`` against a fake PxWeb server (v1 and v2) on 127.0.0.1: splitting under the
cell limit (and further on 403), the rate limit, retries with back-off, raw responses stored with their
SHA-256 before ingest, and the rows that land in the core tables. Nothing here touches the network.
Tests that share a :class:`FakeClock` between client and server run the 10 s windows instantly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import duckdb
import pytest
from typer.testing import CliRunner

from pipelines import ingest, warehouse
from pipelines.cli import app
from pipelines.fetch import scb
from pipelines.fetch.http import FetchError, HttpClient, RateLimiter
from pipelines.fetch.store import StoredResponse
from pipelines.sources.registry import get_source
from pipelines.workspace import Workspace
from tests.integration.fetch_fakes import (
    FakeClock,
    FakePxWeb,
    befolk_manad_ckm,
    befolkning_ckm,
    person_count,
    prognos,
    tab638,
    windows,
)

TABLES = [tab638(), befolkning_ckm(), befolk_manad_ckm(), prognos()]


def client(clock: FakeClock, *, max_calls: int = 10, timeout: float = 5.0) -> HttpClient:
    return HttpClient(
        limiter=RateLimiter(max_calls, 10.0, clock=clock, sleep=clock.sleep),
        sleep=clock.sleep,
        timeout=timeout,
        backoff=1.0,
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[FakePxWeb]:
    with FakePxWeb(TABLES, clock=clock, v1_cell_limit=1000) as fake:
        yield fake


def load(ws: Workspace, source_name: str, stored: list[StoredResponse]) -> duckdb.DuckDBPyConnection:
    """Ingest the stored responses the normal way and build raw → core as the assets do."""
    ingest.accept(ws, source_name, [s.path for s in stored], params={"lan": "25"})
    source = get_source(source_name)
    con = duckdb.connect(str(ws.warehouse))
    con.execute(warehouse.META_DDL)
    warehouse.install_macros(con)
    ingest.build_reference(con)
    ingest.load_raw(con, source, ingest.stored_files(ws, source.name))
    result = ingest.build_core(con, source, {"lan": "25"})
    assert result.success, result.summary()
    return con


def tab638_total(region: str, age: int, kon: str, year: int) -> int:
    """TAB638 with Civilstand eliminated: the server sums the four civilstånd."""
    return sum(person_count(region, age, kon, year, civ) for civ in range(4))


# --- through the CLI (real clock: few calls) --------------------------------------------------------


def test_cli_fetches_tab638_stores_each_response_then_ingests(workspace: Workspace) -> None:
    with FakePxWeb(TABLES, v1_cell_limit=1000) as server:
        result = CliRunner().invoke(
            app,
            [
                "fetch",
                "scb",
                "--bas-url",
                server.v1_url,
                "--region",
                "25,2580",
                "--ar",
                "2023",
                "--ar",
                "2024",
            ],
        )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "TAB638" in output and "816 celler" in output
    assert server.statuses() == [200, 200]  # metadata, one data query (808 ≤ 1000 cells)

    folder = workspace.home / "hamtat" / "scb-befolkning"
    [body] = [p for p in folder.glob("*.json") if not p.name.endswith(".meta.json")]
    digest = hashlib.sha256(body.read_bytes()).hexdigest()
    assert body.name == f"{digest}.json"
    meta = json.loads((folder / f"{digest}.meta.json").read_text(encoding="utf-8"))
    [fetch] = meta["hamtningar"]
    assert fetch["url"] == server.v1_url + "/BE/BE0101/BE0101A/BefolkningNy"
    assert fetch["metod"] == "POST"
    assert fetch["fraga"]["response"] == {"format": "json"}
    assert {q["code"] for q in fetch["fraga"]["query"]} == {"Region", "Alder", "Kon", "ContentsCode", "Tid"}
    assert fetch["hamtad"] and fetch["api"] == "v1" and fetch["celler"] == 816
    assert (workspace.incoming_dir("scb-befolkning") / f"{digest}.json").read_bytes() == body.read_bytes()

    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        assert warehouse.table_rows(con, "core_scb__befolkning") == 2 * 2 * 101 * 2
        value = warehouse.scalar(
            con,
            "SELECT folkmangd FROM core_scb__befolkning WHERE region_kod = '2580' AND ar = 2024 "
            "AND alder = 50 AND kon = 'M'",
        )
        assert value == tab638_total("2580", 50, "1", 2024)


def test_cli_rejected_response_is_kept_but_changes_nothing(workspace: Workspace) -> None:
    broken = tab638()
    good = broken.value
    broken.value = lambda cell: -1 if cell["Alder"] == "7" else good(cell)
    with FakePxWeb([broken]) as server:
        result = CliRunner().invoke(
            app, ["fetch", "scb", "--bas-url", server.v1_url, "--region", "25", "--ar", "2024"]
        )
    assert result.exit_code == 2, result.output
    assert "regel scb-negativ" in " ".join(result.output.split())
    stored = list((workspace.home / "hamtat" / "scb-befolkning").glob("*.meta.json"))
    assert len(stored) == 1  # the raw response is on record, with its hash …
    assert not workspace.incoming_dir("scb-befolkning").exists()  # … but nothing was ingested
    assert not workspace.warehouse.exists()


def test_cli_unknown_table_and_region(workspace: Workspace) -> None:
    result = CliRunner().invoke(app, ["fetch", "scb", "--tabell", "TAB9999"])
    assert result.exit_code == 2
    assert "okänd tabell" in result.output
    with FakePxWeb(TABLES) as server:
        result = CliRunner().invoke(app, ["fetch", "scb", "--bas-url", server.v1_url, "--region", "9999"])
    assert result.exit_code == 4
    assert "Regionerna 9999 finns inte" in " ".join(result.output.split())


# --- splitting ------------------------------------------------------------------------------------------


def test_query_is_split_under_the_cell_limit(
    workspace: Workspace, server: FakePxWeb, clock: FakeClock
) -> None:
    years = list(range(2019, 2025))
    stored = scb.fetch(
        workspace,
        scb.TABELLER["TAB638"],
        base_url=server.v1_url,
        regions=["25", "2580"],
        years=years,
        http=client(clock),
        cell_limit=1000,
    )
    data = [entry for entry in server.log if entry.method == "POST"]
    assert [(e.status, e.cells) for e in data] == [(200, 816)] * 3  # 2 448 cells: two years a query
    assert len(stored) == 3
    con = load(workspace, "scb-befolkning", stored)
    assert warehouse.table_rows(con, "core_scb__befolkning") == 2 * 6 * 101 * 2
    years_found = [
        y for (y,) in con.sql("SELECT DISTINCT ar FROM core_scb__befolkning ORDER BY ar").fetchall()
    ]
    assert years_found == years
    con.close()


def test_403_makes_the_client_split_further(workspace: Workspace, clock: FakeClock) -> None:
    with FakePxWeb(TABLES, clock=clock, v1_cell_limit=500, max_calls=100) as server:
        stored = scb.fetch(
            workspace,
            scb.TABELLER["TAB638"],
            base_url=server.v1_url,
            regions=["25", "2580"],
            years=[2022, 2023, 2024],
            http=client(clock),
        )
    data = [(e.status, e.cells) for e in server.log if e.method == "POST"]
    assert data[0] == (403, 1224)  # the client believed SCB's 100 000; this server allows 500
    assert (403, 612) in data
    assert all(cells is not None and cells <= 500 for status, cells in data if status == 200)
    assert sum(cells or 0 for status, cells in data if status == 200) == 1224  # every cell exactly once
    con = load(workspace, "scb-befolkning", stored)
    assert warehouse.table_rows(con, "core_scb__befolkning") == 2 * 3 * 101 * 2
    con.close()


# --- rate limit and retries -------------------------------------------------------------------------------


def test_client_keeps_to_ten_calls_in_ten_seconds(workspace: Workspace, clock: FakeClock) -> None:
    with FakePxWeb(TABLES, clock=clock, v1_cell_limit=204) as server:  # one region-year per query
        start = clock()
        stored = scb.fetch(
            workspace,
            scb.TABELLER["TAB638"],
            base_url=server.v1_url,
            regions=["25", "2580", "2584"],
            years=list(range(2017, 2025)),
            http=client(clock),
            cell_limit=204,
        )
    assert len(stored) == 24
    assert 429 not in server.statuses() and len(server.log) == 25  # metadata + 24 queries
    assert max(windows([e.at for e in server.log])) == 10
    assert clock() - start >= 20.0  # 25 calls need three windows


def test_429_is_retried_after_the_servers_retry_after(workspace: Workspace, clock: FakeClock) -> None:
    http = client(clock, max_calls=100)  # a client that does not limit itself enough
    with FakePxWeb(TABLES, clock=clock, v1_cell_limit=204) as server:
        stored = scb.fetch(
            workspace,
            scb.TABELLER["TAB638"],
            base_url=server.v1_url,
            regions=["25", "2580"],
            years=list(range(2019, 2025)),
            http=http,
            cell_limit=204,
        )
    assert len(stored) == 12
    assert server.statuses().count(429) >= 1
    refused = [a for a in http.attempts if a.outcome == "429"]
    assert refused and all(a.waited >= 1.0 for a in refused)
    assert [e.status for e in server.log if e.status != 429] == [200] * 13


def test_transient_failures_are_retried_with_exponential_backoff(
    workspace: Workspace, clock: FakeClock
) -> None:
    http = client(clock, timeout=0.2)
    with FakePxWeb(TABLES, clock=clock) as server:
        server.fail_next(503, 500, "timeout")
        stored = scb.fetch(
            workspace, scb.TABELLER["TAB638"], base_url=server.v1_url, regions=["25"], years=[2024], http=http
        )
    assert len(stored) == 1
    metadata = [(a.outcome, a.waited) for a in http.attempts if a.method == "GET"]
    assert metadata == [("503", 1.0), ("500", 2.0), ("timeout", 4.0), ("200", 0.0)]
    assert server.statuses()[:3] == [503, 500, "timeout"]


def test_gives_up_after_the_retries(workspace: Workspace, clock: FakeClock) -> None:
    with FakePxWeb(TABLES, clock=clock) as server:
        server.fail_next(*[502] * 6)
        with pytest.raises(FetchError, match="misslyckades 6 gånger i rad"):
            scb.fetch(workspace, scb.TABELLER["TAB638"], base_url=server.v1_url, http=client(clock))
    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0]


# --- PxWebApi 2.0 -------------------------------------------------------------------------------------------


def test_v2_reads_config_splits_and_joins_ckm_onto_tab638(workspace: Workspace, clock: FakeClock) -> None:
    config = {"maxDataCells": 1000, "maxCallsPerTimeWindow": 5, "timeWindow": 10}
    http = client(clock)
    with FakePxWeb(TABLES, clock=clock, v2_config=config) as server:
        regions = ["00", "25", "2580", "2584"]
        old = scb.fetch(
            workspace,
            scb.TABELLER["TAB638"],
            api="v2",
            base_url=server.v2_url,
            regions=regions,
            years=[2024],
            http=http,
        )
        new = scb.fetch(
            workspace,
            scb.TABELLER["BefolkningCKM"],
            api="v2",
            base_url=server.v2_url,
            regions=regions,
            http=http,
        )
    assert (http.limiter.max_calls, http.limiter.window) == (5, 10.0)  # the server's stricter limit
    paths = [e.path for e in server.log]
    assert paths[:2] == ["/api/v2/config", "/api/v2/tables/TAB638/metadata"]
    assert "/api/v2/tables/TAB5557/data" in paths
    assert all(e.cells is None or e.cells <= 1000 for e in server.log)
    assert max(windows([e.at for e in server.log])) <= 5
    assert len(new) == 2  # 4 regions × 104 ages × 3 kön = 1 248 cells: two queries

    ingest.accept(workspace, "scb-befolkning", [s.path for s in old + new])
    con = load(workspace, "scb-befolkning", [])
    rows = dict(con.sql("SELECT ar, count(*) FROM core_scb__befolkning GROUP BY ar ORDER BY ar").fetchall())
    assert rows == {2024: 4 * 202, 2025: 4 * 202}  # TAB638 up to 2024, BefolkningCKM from 2025
    ckm = warehouse.scalar(
        con,
        "SELECT folkmangd FROM core_scb__befolkning "
        "WHERE region_kod = '2584' AND ar = 2025 AND alder = 3 AND kon = 'K'",
    )
    assert ckm == person_count("2584", 3, "2")  # BefolkningCKM's published single age
    con.close()


def test_v2_needs_a_table_id(workspace: Workspace) -> None:
    with pytest.raises(FetchError, match="--tabell-id"):
        scb.fetch(workspace, scb.TABELLER["prognos"], api="v2", base_url="http://127.0.0.1:9")


# --- the projection and the monthly table ------------------------------------------------------------


def test_projection_vintage_and_collapsed_ages(
    workspace: Workspace, server: FakePxWeb, clock: FakeClock
) -> None:
    stored = scb.fetch(
        workspace, scb.TABELLER["prognos"], base_url=server.v1_url, regions=["25", "2580"], http=client(clock)
    )
    con = load(workspace, "scb-prognos", stored)
    assert con.sql("SELECT DISTINCT prognosar FROM core_scb__prognos").fetchall() == [(2024,)]
    assert warehouse.table_rows(con, "core_scb__prognos") == 2 * 7 * 101 * 2
    top = warehouse.scalar(
        con,
        "SELECT folkmangd FROM core_scb__prognos "
        "WHERE region_kod = '25' AND ar = 2030 AND alder = 100 AND kon = 'M'",
    )
    base = person_count("25", 100, "1")
    assert top == sum(max(0, base - 5 * k) for k in range(6))  # ages 100–104 and 105+ into 100
    con.close()


def test_monthly_table(workspace: Workspace, server: FakePxWeb, clock: FakeClock) -> None:
    stored = scb.fetch(
        workspace, scb.TABELLER["BefolkManadCKM"], base_url=server.v1_url, regions=["25"], http=client(clock)
    )
    con = load(workspace, "scb-befolkning-manad", stored)
    assert con.sql("SELECT DISTINCT manad FROM core_scb__befolkning_manad ORDER BY 1").fetchall() == [
        (1,),
        (2,),
        (3,),
    ]
    assert warehouse.table_rows(con, "core_scb__befolkning_manad") == 3 * 101 * 2
    con.close()


def test_stored_paths_are_returned_in_fetch_order(
    workspace: Workspace, server: FakePxWeb, clock: FakeClock
) -> None:
    stored = scb.fetch(
        workspace,
        scb.TABELLER["TAB638"],
        base_url=server.v1_url,
        regions=["25", "2580"],
        years=list(range(2019, 2025)),
        http=client(clock),
        cell_limit=1000,
    )
    for item in stored:
        assert item.path.parent == workspace.home / "hamtat" / "scb-befolkning"
        assert hashlib.sha256(item.path.read_bytes()).hexdigest() == item.sha256
        meta = json.loads(item.meta_path.read_text(encoding="utf-8"))
        assert meta["sha256"] == item.sha256 and meta["byte"] == item.size
