"""Re-deliveries and withdrawals (pipelines.leveranser): a file replaces its period (month or year).

Each case through the command line, as the unit uses it: what changed is said in words
("ersätter 6 kontakter från …"), the tables built on the source are named as stale, a wrong
correction is undone by re-sending the original or by `analysplan aterkalla`, and the same content
under another name is a no-op that names the delivery it matches.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines import ingest, leveranser, warehouse
from pipelines.cli import app
from pipelines.workspace import Workspace
from tests.integration.kpp_fixtures import FIXTURES

HEADER = "vardkontakt_id;patient_id;ar;manad;sjukhus;klinik;vardform;vardtyp;kon;alder;huvuddiagnos;drg;vardtid_dagar;kostnad"


def contact(vk: str, manad: int, kostnad: str, patient: str = "PQXKTRMBWHZA") -> str:
    return f"{vk};{patient};2021;{manad};SUN;Medicinkliniken;oppen;somatisk;K;70;I48.9;905O;0;{kostnad}"


def write(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


JANUARY = [contact(f"VK2021-000{i}", 1, f"{i} 000,00") for i in range(1, 7)]  # 6 contacts, 1 000–6 000 kr
# The correction: the same contacts but VK2021-0006, with new costs
JANUARY_FIXED = [contact(f"VK2021-000{i}", 1, f"{i}00,50") for i in range(1, 6)]
FEBRUARY = [contact(f"VK2021-001{i}", 2, "700,00") for i in range(0, 5)]  # 5 contacts


def run(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args))
    setattr(result, "text", " ".join(result.output.split()))  # noqa: B010 (rich wraps long lines)
    return result


def core(workspace: Workspace) -> dict[str, float]:
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        return dict(con.sql("SELECT vardkontakt_id, kostnad FROM core_kpp__kontakter").fetchall())


@pytest.fixture
def kpp(workspace: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A workspace with the DRG weights in (delivery 1); returns a folder for delivered files."""
    monkeypatch.setenv("ANALYSPLAN_LAN", "25")
    assert run("ingest", "drg-vikter", str(FIXTURES / "viktlista_2021.csv")).exit_code == 0
    folder = tmp_path / "levererat"
    folder.mkdir()
    return folder


def test_a_wrong_correction_is_undone_by_resending_the_original_or_by_withdrawing_it(
    workspace: Workspace, kpp: Path
) -> None:
    original = write(kpp, "kpp_2021_01.csv", JANUARY)
    first = run("ingest", "kpp-kontakter", str(original))
    assert first.exit_code == 0, first.output
    assert "kpp_2021_01.csv (leverans 2, period 2021-01): 6 kontakter" in first.text
    assert core(workspace)["VK2021-0006"] == 6000.0

    fixed = run("ingest", "kpp-kontakter", str(write(kpp, "kpp_2021_01_korr.csv", JANUARY_FIXED)))
    assert fixed.exit_code == 0, fixed.output
    assert "kpp_2021_01_korr.csv (leverans 3, period 2021-01): 5 kontakter" in fixed.text
    assert "ersätter 6 kontakter från kpp_2021_01.csv (leverans 2)" in fixed.text
    assert "Inaktuella nu (bygger på core_kpp__kontakter):" in fixed.text
    assert "out_kpp__kontakter" in fixed.text and "ytterfall" in fixed.text  # a table and a report
    # exactly that month, replaced: same ids but the one the correction dropped, new values
    assert core(workspace) == {f"VK2021-000{i}": i * 100 + 0.5 for i in range(1, 6)}

    listed = run("leveranser", "kpp-kontakter")
    assert listed.exit_code == 0
    lines = [line.split("\t") for line in listed.stdout.splitlines()]
    assert [(c[0], c[2], c[3], c[4], c[6]) for c in lines[1:]] == [
        ("2", "2021-01", "6", "ersatt", "kpp_2021_01.csv"),
        ("3", "2021-01", "5", "aktuell", "kpp_2021_01_korr.csv"),
    ]

    # The correction was wrong: re-sending the original (its hash is known) makes it current again.
    again = run("ingest", "kpp-kontakter", str(original))
    assert again.exit_code == 0, again.output
    assert "kpp_2021_01.csv (leverans 4, period 2021-01): 6 kontakter" in again.text
    assert "ersätter 5 kontakter från kpp_2021_01_korr.csv (leverans 3)" in again.text
    assert core(workspace) == {f"VK2021-000{i}": i * 1000.0 for i in range(1, 7)}
    assert len(list(workspace.incoming_dir("kpp-kontakter").glob("*.csv"))) == 2  # stored once each

    # The same content under another name: a no-op that names the delivery it matches.
    copy = kpp / "januari_igen.csv"
    shutil.copy(original, copy)
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        built = con.sql("SELECT tabell, byggd FROM meta_tabeller ORDER BY 1").fetchall()
    same = run("ingest", "kpp-kontakter", str(copy))
    assert same.exit_code == 0, same.output
    assert "Inget nytt i januari_igen.csv: samma innehåll som leverans 4 (kpp_2021_01.csv)" in same.text
    assert "Inaktuella" not in same.text
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        assert con.sql("SELECT tabell, byggd FROM meta_tabeller ORDER BY 1").fetchall() == built
    assert [d.id for d in ingest.deliveries(workspace)] == [1, 2, 3, 4]

    # Withdrawing delivery 4 brings back the one it replaced (the correction, delivery 3).
    withdrawn = run("aterkalla", "4")
    assert withdrawn.exit_code == 0, withdrawn.output
    assert "leverans 4 (kpp_2021_01.csv) för kpp-kontakter är återkallad" in withdrawn.text
    assert "återställer 5 kontakter från kpp_2021_01_korr.csv (leverans 3)" in withdrawn.text
    assert "tar bort 6 kontakter från kpp_2021_01.csv (leverans 4)" in withdrawn.text
    assert "Inaktuella nu" in withdrawn.text
    assert core(workspace) == {f"VK2021-000{i}": i * 100 + 0.5 for i in range(1, 6)}
    statuses = [line.split("\t")[4] for line in run("leveranser", "kpp-kontakter").stdout.splitlines()[1:]]
    assert statuses == ["ersatt", "aktuell", "återkallad"]

    twice = run("aterkalla", "4")
    assert twice.exit_code == 2 and "leverans 4 (kpp_2021_01.csv) är redan återkallad" in twice.text
    unknown = run("aterkalla", "99")
    assert unknown.exit_code == 2 and "det finns ingen leverans 99" in unknown.text
    replaced = run("aterkalla", "2")  # already replaced: nothing in the tables changes
    assert replaced.exit_code == 0 and "Leveransen var redan ersatt: inga tabeller ändras." in replaced.text
    assert "Traceback" not in twice.output + unknown.output + replaced.output


def test_a_full_year_redelivery_deletes_the_contacts_it_no_longer_has(
    workspace: Workspace, kpp: Path
) -> None:
    assert run("ingest", "kpp-kontakter", str(write(kpp, "kpp_2021_01.csv", JANUARY))).exit_code == 0
    assert run("ingest", "kpp-kontakter", str(write(kpp, "kpp_2021_02.csv", FEBRUARY))).exit_code == 0
    assert len(core(workspace)) == 11
    # The year again, without VK2021-0006 (January) and VK2021-0014 (February)
    year = write(kpp, "kpp_norrbotten_2021.csv", JANUARY[:5] + FEBRUARY[:4])
    out = run("ingest", "kpp-kontakter", str(year))
    assert out.exit_code == 0, out.output
    assert "kpp_norrbotten_2021.csv (leverans 4, period 2021): 9 kontakter" in out.text
    assert "ersätter 6 kontakter från kpp_2021_01.csv (leverans 2)" in out.text
    assert "ersätter 5 kontakter från kpp_2021_02.csv (leverans 3)" in out.text
    assert sorted(core(workspace)) == sorted(
        [f"VK2021-000{i}" for i in range(1, 6)] + [f"VK2021-001{i}" for i in range(0, 4)]
    )
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        assert con.sql(
            "SELECT filnamn, rader FROM meta_filer WHERE kalla = 'kpp-kontakter' ORDER BY 1"
        ).fetchall() == [("kpp_norrbotten_2021.csv", 9)]

    # Withdrawing the year brings both months back as they were.
    back = run("aterkalla", "4")
    assert back.exit_code == 0, back.output
    assert "återställer 6 kontakter från kpp_2021_01.csv (leverans 2)" in back.text
    assert "återställer 5 kontakter från kpp_2021_02.csv (leverans 3)" in back.text
    assert len(core(workspace)) == 11


def test_withdrawing_the_only_delivery_of_a_month_removes_the_month(workspace: Workspace, kpp: Path) -> None:
    assert run("ingest", "kpp-kontakter", str(write(kpp, "kpp_2021_01.csv", JANUARY))).exit_code == 0
    # February's extract also corrects a January contact (a row outside its period is kept)
    late = contact("VK2021-0003", 1, "3 333,00")
    assert (
        run("ingest", "kpp-kontakter", str(write(kpp, "kpp_2021_02.csv", [*FEBRUARY, late]))).exit_code == 0
    )
    assert core(workspace)["VK2021-0003"] == 3333.0 and len(core(workspace)) == 11

    out = run("aterkalla", "3")
    assert out.exit_code == 0, out.output
    assert "tar bort 6 kontakter från kpp_2021_02.csv (leverans 3)" in out.text
    assert core(workspace) == {f"VK2021-000{i}": i * 1000.0 for i in range(1, 7)}

    last = run("aterkalla", "2")  # the source's last current delivery: refused, nothing changes
    assert last.exit_code == 2 and "sista aktuella leveransen för kpp-kontakter" in last.text
    assert len(core(workspace)) == 6


def test_a_file_named_for_a_month_it_has_no_rows_in_is_rejected(workspace: Workspace, kpp: Path) -> None:
    wrong = write(kpp, "kpp_2021_03.csv", JANUARY)
    out = run("ingest", "kpp-kontakter", str(wrong))
    assert out.exit_code == 2
    assert "leverans-period" in out.text and "perioden 2021-03" in out.text and "2021-01" in out.text
    assert not workspace.incoming_dir("kpp-kontakter").exists() or not list(
        workspace.incoming_dir("kpp-kontakter").iterdir()
    )


@pytest.mark.parametrize(
    ("name", "months", "period"),
    [
        ("kpp_2024_03.csv", {"2024-03": 5}, ("2024-03",)),
        ("kpp-2024-11.parquet", {"2024-11": 5}, ("2024-11",)),
        ("kpp_norrbotten_2024.csv", {"2024-01": 5, "2024-02": 1}, ("2024",)),
        ("svf_handelser_norrbotten_2025_jan_jun.csv", {"2025-01": 1, "2025-06": 1}, ("2025",)),
        ("kontakter_2020_cp1252.csv", {"2020-05": 1}, ("2020",)),
        ("extrakt.csv", {"2024-03": 7}, ("2024-03",)),  # no period in the name: the data's month
        ("extrakt.csv", {"2023-12": 7, "2024-01": 2}, ("2023", "2024")),  # …or the years it spans
        ("svf_ledtider_2016_2024.csv", {"2016-01": 1, "2024-01": 1}, ("2016", "2024")),
    ],
)
def test_the_period_of_a_file(name: str, months: dict[str, int], period: tuple[str, ...]) -> None:
    assert leveranser.period_of("kpp-kontakter", name, months) == period
    assert leveranser.period_of("kpp-riket", name, months) == ()  # not a monthly source


def _d(did: int, name: str, months: dict[str, int], withdrawn: bool = False) -> leveranser.Delivery:
    from datetime import datetime

    return leveranser.Delivery(
        id=did,
        source="svf-handelser",
        sha256=f"sha{did}",
        original_name=name,
        delivered_at=datetime(2026, 1, did),
        months=months,
        period=leveranser.period_of("svf-handelser", name, months),
        withdrawn_at=datetime(2026, 2, 1) if withdrawn else None,
    )


def test_which_rows_a_later_delivery_replaces() -> None:
    # A year's events spill into January of the next year (a December pathway's treatment start):
    # the next year's file does not take them, since they lie outside the 2024 file's own period.
    y2024 = _d(1, "svf_handelser_2024.csv", {"2024-06": 10, "2024-12": 4, "2025-01": 2})
    y2025 = _d(2, "svf_handelser_2025_jan_jun.csv", {"2025-01": 8, "2025-06": 3})
    assert leveranser.live([y2024, y2025], "svf-handelser") == {1: dict(y2024.months), 2: dict(y2025.months)}
    # A month delivered after its year replaces that month of the year file, and only that month.
    dec = _d(3, "svf_handelser_2024_12.csv", {"2024-12": 5})
    assert leveranser.live([y2024, y2025, dec], "svf-handelser")[1] == {"2024-06": 10, "2025-01": 2}
    # The year again replaces the year and the month inside it, spill-over rows included.
    again = _d(4, "svf_handelser_2024_ny.csv", {"2024-06": 9, "2024-12": 4})
    assert leveranser.live([y2024, y2025, dec, again], "svf-handelser") == {
        2: dict(y2025.months),
        4: dict(again.months),
    }
    # Withdrawing the re-delivery gives back the state before it.
    withdrawn = leveranser.withdraw([y2024, y2025, dec, again], 4, datetime_now())
    assert leveranser.live(withdrawn, "svf-handelser") == leveranser.live(
        [y2024, y2025, dec], "svf-handelser"
    )
    assert leveranser.changed_months([y2024, y2025, dec], [y2024, y2025, dec, again], "svf-handelser") == {
        "2024-06",
        "2024-12",
        "2025-01",
    }


def datetime_now() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 3, 1, tzinfo=UTC)
