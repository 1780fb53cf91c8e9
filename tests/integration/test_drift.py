"""The monthly refresh: the inbox sensor and the schedule ``manadsuppdatering``, evaluated with
Dagster's test contexts (a fixed clock for the schedule) on real small files."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines import ingest, inkorg, warehouse
from pipelines.workspace import Workspace
from tests.conftest import materialize
from tests.integration.fetch_fakes import FakeKolada
from tests.integration.kpp_fixtures import FIXTURES
from tests.integration.test_leveranser import FEBRUARY, JANUARY, JANUARY_FIXED, contact, write

KPP_REPORTS = {"report_cancer", "report_demografi", "report_kpp_2020", "report_ytterfall"}


@pytest.fixture
def defs(workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    from pipelines.definitions import build_definitions

    monkeypatch.setenv("ANALYSPLAN_LAN", "25")
    ingest.accept(workspace, "drg-vikter", [FIXTURES / "viktlista_2021.csv"], {"lan": "25"})
    assert materialize(dg.AssetSelection.assets("core_drg__vikter").upstream()).success
    return build_definitions()


def drop(workspace: Workspace, source: str, path: Path) -> Path:
    folder = workspace.home / "inkorg" / source
    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.move(str(path), folder / path.name))


def run_partition(selection: dg.AssetSelection, month: str) -> dg.ExecuteInProcessResult:
    from pipelines import definitions

    return dg.materialize(
        definitions.ALL_ASSETS,
        selection=selection,
        instance=dg.DagsterInstance.get(),
        resources=definitions.resources(),
        partition_key=month,
        raise_on_error=False,
    )


def keys(request: dg.RunRequest) -> set[str]:
    return {k.to_user_string() for k in request.asset_selection or []}


def test_the_sensor_ingests_the_inbox_rejects_with_a_message_and_requests_what_is_affected(
    workspace: Workspace, defs: dg.Definitions, tmp_path: Path
) -> None:
    sensor = defs.get_sensor_def("inkorg")
    instance = dg.DagsterInstance.get()  # the workspace's (DAGSTER_HOME); not closed here
    context = dg.build_sensor_context(instance=instance, definitions=defs)
    assert isinstance(sensor(context), dg.SkipReason)  # empty inbox

    good = drop(workspace, "kpp-kontakter", write(tmp_path, "kpp_2021_01.csv", JANUARY))
    earlier = workspace.home / "inkorg" / "kpp-kontakter" / "avvisade" / "kpp_2021_01.csv.fel.txt"
    earlier.parent.mkdir()
    earlier.write_text("Filen avvisades: …\n", encoding="utf-8")  # the file was rejected once, then fixed
    bad_row = contact("VK2021-0099", 1, "100,00", patient="19121212-1212")
    bad = drop(workspace, "kpp-kontakter", write(tmp_path, "kpp_2021_02.csv", [*FEBRUARY, bad_row]))
    half = drop(workspace, "kpp-kontakter", write(tmp_path, "kpp_2021_03.csv.part", FEBRUARY))
    unknown = drop(workspace, "kpp", write(tmp_path, "kpp_2021_04.csv", FEBRUARY))

    result = sensor(context)
    assert isinstance(result, dg.RunRequest)
    selected = keys(result)
    assert {
        "raw_kpp__kontakter",
        "core_kpp__kontakter",
        "core_drg__vikter",
        "out_kpp__ytterfall",
    } <= selected
    assert {k for k in selected if k.startswith("report_")} == KPP_REPORTS
    assert "out_scb__aldersstruktur" not in selected and "report_befolkning" not in selected
    assert result.tags["analysplan/leveranser"] == "2"
    assert result.partition_key == "2021-01"  # the one month that changed
    assert instance.get_dynamic_partitions("manad") == ["2021-01"]

    # accepted: stored in incoming/ and gone from the inbox; rejected: moved aside with its message
    assert not good.exists() and not earlier.exists()
    assert [d.original_name for d in ingest.deliveries(workspace)] == [
        "viktlista_2021.csv",
        "kpp_2021_01.csv",
    ]
    rejected = workspace.home / "inkorg" / "kpp-kontakter" / "avvisade"
    assert not bad.exists() and (rejected / "kpp_2021_02.csv").exists()
    message = (rejected / "kpp_2021_02.csv.fel.txt").read_text(encoding="utf-8")
    assert "kpp_2021_02.csv" in message and "rad 7" in message and "patient_id" in message
    assert "kpp-personnummer" in message and "19121212" not in message
    assert half.exists()  # still being copied: left for the next look
    unknown_rejected = workspace.home / "inkorg" / "kpp" / "avvisade"
    assert "Okänd källa 'kpp'" in (unknown_rejected / "kpp_2021_04.csv.fel.txt").read_text(encoding="utf-8")
    assert not unknown.exists()

    # The run the sensor asked for (its month's partition) brings the month into the core table.
    run = run_partition(dg.AssetSelection.assets("core_kpp__kontakter").upstream(), "2021-01")
    assert run.success
    [raw] = [
        e for e in run.get_asset_materialization_events() if e.asset_key == dg.AssetKey("raw_kpp__kontakter")
    ]
    assert raw.partition == "2021-01"
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        assert con.sql("SELECT count(*) FROM core_kpp__kontakter").fetchall() == [(6,)]


def test_the_schedule_does_the_inbox_and_the_live_sources_and_requests_only_what_changed(
    workspace: Workspace, defs: dg.Definitions, tmp_path: Path
) -> None:
    schedule = defs.get_schedule_def("manadsuppdatering")
    assert schedule.cron_schedule == "0 5 2 * *" and schedule.execution_timezone == "Europe/Stockholm"
    tick = datetime(2026, 2, 2, 5, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    logged: list[str] = []
    instance = dg.DagsterInstance.get()  # the workspace's (DAGSTER_HOME); not closed here
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    )
    # Nothing waiting, no live sources configured: skipped, and the log says why.
    original = inkorg.refresh_live

    def spy(ws: Workspace, params: object = None, log: object = print) -> inkorg.Outcome:
        return original(ws, log=logged.append)  # what the schedule logs, kept for the test

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(inkorg, "refresh_live", spy)
        skipped = schedule.evaluate_tick(context)
        assert skipped.skip_message == "2026-02: inget nytt i inkorgen eller från de levande källorna"
        assert logged == [
            "Levande källor: ingen manadsuppdatering.json i arbetsytan, inget hämtas från SCB eller Kolada."
        ]

        # A month in the inbox and Kolada configured (a fake Kolada on 127.0.0.1).
        drop(workspace, "kpp-kontakter", write(tmp_path, "kpp_2021_01.csv", JANUARY))
        data = {("N70061", "0025", 2024): 40100.0, ("N70061", "0000", 2024): 39000.0}
        with FakeKolada(data, page_size=50) as server:
            (workspace.home / "manadsuppdatering.json").write_text(
                json.dumps(
                    {
                        "kolada": {
                            "kpi": ["N70061"],
                            "ar": [2024],
                            "region": ["00", "25"],
                            "bas_url": server.base,
                        }
                    }
                ),
                encoding="utf-8",
            )
            tick_result = schedule.evaluate_tick(context)
        assert [e.status for e in server.log] == [200]
    [request] = tick_result.run_requests or []
    assert request.run_key == "manadsuppdatering-2026-02"
    selected = keys(request)
    assert {"core_kpp__kontakter", "core_kolada__varden"} <= selected
    reports = {k for k in selected if k.startswith("report_")}
    assert reports >= KPP_REPORTS and "report_befolkning" not in reports
    assert "kolada: 1 svar hämtade" in logged
    [delivered] = [line for line in logged if "(leverans 3," in line]
    assert delivered.startswith("kolada: ") and delivered.endswith(
        ".json (leverans 3, period hela filen): 2 rader"
    )
    assert [d.source for d in ingest.deliveries(workspace)] == ["drg-vikter", "kpp-kontakter", "kolada"]


def test_a_run_for_one_month_loads_that_month_only(
    workspace: Workspace, defs: dg.Definitions, tmp_path: Path
) -> None:
    from pipelines import drift

    params = {"lan": "25"}
    ingest.accept(workspace, "kpp-kontakter", [write(tmp_path, "kpp_2021_01.csv", JANUARY)], params)
    ingest.accept(workspace, "kpp-kontakter", [write(tmp_path, "kpp_2021_02.csv", FEBRUARY)], params)
    assert materialize(dg.AssetSelection.assets("core_kpp__kontakter").upstream()).success  # both months
    # Both months corrected, but only January's partition is run.
    fixed_feb = [contact(f"VK2021-001{i}", 2, "1,00") for i in range(0, 5)]
    ingest.accept(workspace, "kpp-kontakter", [write(tmp_path, "kpp_2021_01_v2.csv", JANUARY_FIXED)], params)
    ingest.accept(workspace, "kpp-kontakter", [write(tmp_path, "kpp_2021_02_v2.csv", fixed_feb)], params)
    assert drift.sync_partitions(dg.DagsterInstance.get(), workspace) == ["2021-01", "2021-02"]
    raw = dg.AssetSelection.assets("raw_kpp__kontakter")
    assert run_partition(raw, "2021-01").success

    def files() -> list[tuple[str, int]]:
        with warehouse.connect(workspace.warehouse, read_only=True) as con:
            return con.sql(
                "SELECT kalla_fil, count(*) FROM raw_kpp__kontakter GROUP BY 1 ORDER BY 1"
            ).fetchall()

    assert files() == [("kpp_2021_01_v2.csv", 5), ("kpp_2021_02.csv", 5)]  # February not touched
    # The table is not recorded as up to date, so a run without partitions finishes February.
    assert materialize(raw).success
    assert files() == [("kpp_2021_01_v2.csv", 5), ("kpp_2021_02_v2.csv", 5)]
