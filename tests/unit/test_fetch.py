"""The live clients' pure parts: query splitting, selections from metadata, the rate limiter on a fake
clock, Kolada URL chunking and the store of fetched responses. No network (see the integration tests
for the clients against fake servers on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.fetch import kolada as kolada_fetch
from pipelines.fetch import scb
from pipelines.fetch.http import FetchError, RateLimiter
from pipelines.fetch.pxweb import Selection, TableMeta, Variable, cell_count, split_selection
from pipelines.fetch.store import fetched_dir, store_response
from pipelines.workspace import Workspace


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# --- splitting ---------------------------------------------------------------------------------------


def cells(selection: Selection) -> set[tuple[str, ...]]:
    return set(itertools.product(*selection.values()))


SELECTION: Selection = {
    "Region": [f"R{i}" for i in range(16)],
    "Alder": [str(a) for a in range(102)],
    "Kon": ["1", "2"],
    "ContentsCode": ["BE0101N1"],
    "Tid": [str(y) for y in range(1968, 2025)],
}


@pytest.mark.parametrize("limit", [1_000_000, 100_000, 20_000, 1_000, 204, 150, 7])
def test_split_keeps_every_cell_once_and_stays_under_the_limit(limit: int) -> None:
    parts = split_selection(SELECTION, limit)
    assert all(cell_count(p) <= limit for p in parts)
    assert sum(cell_count(p) for p in parts) == cell_count(SELECTION) == 186_048
    assert set().union(*(cells(p) for p in parts)) == cells(SELECTION)
    assert list(parts[0]) == list(SELECTION)  # variable order kept


def test_split_cuts_regions_first_then_years() -> None:
    assert split_selection(SELECTION, 200_000) == [SELECTION]
    parts = split_selection(SELECTION, 100_000)  # 11 628 cells per region: 8 regions a part
    assert [p["Region"] for p in parts] == [SELECTION["Region"][:8], SELECTION["Region"][8:]]
    assert all(p["Tid"] == SELECTION["Tid"] for p in parts)
    parts = split_selection(SELECTION, 1_000)  # a region-year is 204 cells: one region, 4 years a part
    assert len(parts) == 16 * 15  # ceil(57 / 4) parts per region
    assert all(len(p["Region"]) == 1 and len(p["Tid"]) <= 4 for p in parts)
    assert all(p["Alder"] == SELECTION["Alder"] and p["Kon"] == SELECTION["Kon"] for p in parts)


def test_split_down_to_single_cells() -> None:
    small: Selection = {"Region": ["25", "2580"], "Kon": ["1", "2"], "Tid": ["2024"]}
    parts = split_selection(small, 1)
    assert parts == [
        {"Region": ["25"], "Kon": ["1"], "Tid": ["2024"]},
        {"Region": ["25"], "Kon": ["2"], "Tid": ["2024"]},
        {"Region": ["2580"], "Kon": ["1"], "Tid": ["2024"]},
        {"Region": ["2580"], "Kon": ["2"], "Tid": ["2024"]},
    ]


def test_split_rejects_a_limit_below_one() -> None:
    with pytest.raises(ValueError):
        split_selection(SELECTION, 0)


# --- selections from metadata -----------------------------------------------------------------------


def variable(code: str, values: list[str], *, elimination: bool = False, time: bool = False) -> Variable:
    return Variable(code, code.lower(), values, {v: v for v in values}, elimination, time)


TAB638 = TableMeta(
    "BE/BE0101/BE0101A/BefolkningNy",
    "Folkmängden efter region, civilstånd, ålder och kön. År 1968 - 2024",
    [
        variable("Region", ["00", "25", "2580", "2584"], elimination=True),
        variable("Civilstand", ["OG", "G", "ÄNKL", "SK"], elimination=True),
        variable("Alder", [*map(str, range(100)), "100+", "tot"], elimination=True),
        variable("Kon", ["1", "2"], elimination=True),
        Variable(
            "ContentsCode",
            "tabellinnehåll",
            ["BE0101N1", "BE0101N2"],
            {"BE0101N1": "Folkmängd", "BE0101N2": "Folkökning"},
            elimination=False,
            time=False,
        ),
        variable("Tid", [str(y) for y in range(1968, 2025)], time=True),
    ],
)
CKM = TableMeta(
    "BE/BE0101/BE0101A/BefolkningCKM",
    "Folkmängden efter region, civilstånd, ålder och kön. År 2025",
    [
        variable("Region", ["00", "25", "2580"], elimination=True),
        variable("Civilstand", ["SC", "OG", "G", "ÄNKL", "SK"]),
        variable("Alder", ["TotSA", *map(str, range(100)), "100+1", "TOT1", "-4", "5-9", "100+5", "TOT5"]),
        variable("Kon", ["TotSa", "1", "2"]),
        variable("ContentsCode", ["000007ME", "000007MG"]),
        variable("Tid", ["2025"], time=True),
    ],
)


def test_tab638_selection() -> None:
    selection = scb.build_selection(TAB638, scb.TABELLER["TAB638"], ["25", "2580"], [2023, 2024])
    assert list(selection) == ["Region", "Alder", "Kon", "ContentsCode", "Tid"]  # Civilstand eliminated
    assert selection["Region"] == ["25", "2580"]
    assert selection["Alder"] == [*map(str, range(100)), "100+", "tot"]
    assert selection["ContentsCode"] == ["BE0101N1"]
    assert selection["Tid"] == ["2023", "2024"]
    assert cell_count(selection) == 2 * 102 * 2 * 2


def test_ckm_selection_takes_the_totals_but_never_the_bands() -> None:
    selection = scb.build_selection(CKM, scb.TABELLER["BefolkningCKM"], ["25"], None)
    assert selection["Civilstand"] == ["SC"]  # cannot be eliminated: SCB's own total
    assert selection["Alder"] == ["TotSA", *map(str, range(100)), "100+1", "TOT1"]
    assert selection["Kon"] == ["TotSa", "1", "2"]
    assert selection["ContentsCode"] == ["000007ME"]
    assert selection["Tid"] == ["2025"]


def test_projection_content_by_label() -> None:
    meta = TableMeta(
        "BE/BE0401/BE0401A/BefProgOsiktRegN",
        "Folkmängd, antalet födda, döda och flyttningar efter region, kön och ålder. År 2024 - 2070",
        [
            variable("Region", ["00", "25"], elimination=True),
            variable("Kon", ["1", "2"], elimination=True),
            variable("Alder", [*map(str, range(105)), "105+"], elimination=True),
            Variable(
                "ContentsCode",
                "tabellinnehåll",
                ["000009AA", "000009AB"],
                {"000009AA": "Födda", "000009AB": "Folkmängd"},
                elimination=False,
                time=False,
            ),
            variable("Tid", [str(y) for y in range(2024, 2071)], time=True),
        ],
    )
    selection = scb.build_selection(meta, scb.TABELLER["prognos"], ["25"], [2030])
    assert selection["ContentsCode"] == ["000009AB"]
    assert selection["Alder"][-1] == "105+"
    assert selection["Tid"] == ["2030"]


def test_monthly_years_select_their_months() -> None:
    months = ["2025M01", "2025M02", "2026M01"]
    assert scb._times(months, [2025], "m") == ["2025M01", "2025M02"]


def test_selection_errors_are_swedish() -> None:
    with pytest.raises(FetchError, match="Regionerna 9999 finns inte"):
        scb.build_selection(TAB638, scb.TABELLER["TAB638"], ["25", "9999"], None)
    with pytest.raises(FetchError, match=r"År 2030 finns inte i tabellen .* 1968–2024"):
        scb.build_selection(TAB638, scb.TABELLER["TAB638"], ["25"], [2024, 2030])
    with pytest.raises(FetchError, match="inget innehåll Folkmängd"):
        scb.build_selection(CKM, scb.TABELLER["TAB638"], ["25"], None)


def test_default_regions() -> None:
    regions = scb.default_regions("25")
    assert regions[:3] == ["00", "25", "2505"]
    assert len(regions) == 16


# --- rate limiter ------------------------------------------------------------------------------------


def test_rate_limiter_allows_ten_calls_in_any_ten_seconds() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, 10.0, clock=clock, sleep=clock.sleep)
    times = []
    for _ in range(25):
        limiter.acquire()
        times.append(clock.now)
        clock.now += 0.1  # each call takes a tenth of a second
    assert times[:10] == pytest.approx([1000.0 + 0.1 * i for i in range(10)])
    for i in range(len(times) - 10):
        assert times[i + 10] - times[i] >= 10.0  # the 11th call is ≥ 10 s after the 1st
    assert times[-1] - times[0] == pytest.approx(20.4)
    assert clock.slept == pytest.approx([9.0, 9.0])  # once per window, until the oldest call expires


def test_rate_limiter_tightens_to_a_stricter_server() -> None:
    limiter = RateLimiter(10, 10.0)
    limiter.tighten(30, 10)  # more generous: ignored
    assert (limiter.max_calls, limiter.window) == (10, 10.0)
    limiter.tighten(5, 10)
    assert (limiter.max_calls, limiter.window) == (5, 10.0)
    with pytest.raises(ValueError):
        RateLimiter(0, 10)


# --- Kolada URLs ---------------------------------------------------------------------------------------


def test_kolada_urls_hold_at_most_25_ids_per_segment() -> None:
    kpis = [f"N{i:05d}" for i in range(30)]
    units = kolada_fetch.default_units()
    assert units[:2] == ["0000", "0001"] and units[-1] == "0025" and len(units) == 22
    urls = kolada_fetch.data_urls("https://api.kolada.se/v3/", kpis, units, [2023, 2024])
    assert len(urls) == 2
    assert urls[0].startswith("https://api.kolada.se/v3/data/kpi/N00000,N00001,")
    assert urls[1].startswith("https://api.kolada.se/v3/data/kpi/N00025,N00026,N00027,N00028,N00029/")
    assert urls[0].endswith("/year/2023,2024?per_page=5000")
    assert kolada_fetch.default_years(datetime(2026, 3, 1, tzinfo=UTC).date()) == list(range(2016, 2026))


# --- store ---------------------------------------------------------------------------------------------


def test_store_writes_body_and_metadata_and_appends_refetches(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "home").ensure()
    body = b'{"values": []}'
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    first = store_response(ws, "kolada", body, url="http://x/a", method="GET", fetched_at=when)
    digest = hashlib.sha256(body).hexdigest()
    assert first.path == fetched_dir(ws, "kolada") / f"{digest}.json"
    assert first.path.parent == ws.home / "hamtat" / "kolada"
    assert first.path.read_bytes() == body
    meta = json.loads(first.meta_path.read_text(encoding="utf-8"))
    assert meta == {
        "kalla": "kolada",
        "sha256": digest,
        "fil": f"{digest}.json",
        "byte": len(body),
        "hamtningar": [
            {
                "url": "http://x/a",
                "metod": "GET",
                "fraga": None,
                "status": 200,
                "hamtad": "2026-01-02T03:04:05+00:00",
            }
        ],
    }
    store_response(ws, "kolada", body, url="http://x/b", method="POST", query={"q": 1})
    meta = json.loads(first.meta_path.read_text(encoding="utf-8"))
    assert [f["url"] for f in meta["hamtningar"]] == ["http://x/a", "http://x/b"]
    assert meta["hamtningar"][1]["fraga"] == {"q": 1}
    stored = sorted(p.name for p in fetched_dir(ws, "kolada").iterdir())
    assert stored == [f"{digest}.json", f"{digest}.meta.json"]
