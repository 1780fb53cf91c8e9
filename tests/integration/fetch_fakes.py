"""Fake PxWeb (v1 and v2) and Kolada (v3) servers on 127.0.0.1 for the live-client tests.

They answer in the real response formats (PxWeb v1 ``json`` / ``json-stat2``, PxWebApi 2.0
``/config``, ``/tables/{id}/metadata`` and ``/data``; Kolada ``values`` pages with ``next_url``), enforce
a cell limit (HTTP 403) and a call limit per sliding window (HTTP 429 with ``Retry-After``), and can be
told to fail transiently (a status, or a reply slower than the client's timeout). Every request is
logged. The window runs on an injectable clock, so a test can share a fake clock with the client.
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit


class FakeClock:
    """A clock that only moves when someone sleeps on it (thread-safe)."""

    def __init__(self, start: float = 1_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self._now += max(0.0, seconds)


@dataclass
class Logged:
    method: str
    path: str
    status: int | str
    at: float
    cells: int | None = None


class FakeServer:
    """A threaded HTTP server on a free loopback port; subclasses implement :meth:`answer`."""

    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, max_calls: int = 10, window: float = 10.0
    ):
        self.clock = clock
        self.max_calls = max_calls
        self.window = window
        self.log: list[Logged] = []
        self.failures: deque[int | str] = deque()
        self.slow_reply = 0.5  # seconds a "timeout" failure waits before answering
        self._accepted: deque[float] = deque()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._handle(self, "GET")

            def do_POST(self) -> None:
                server._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fail_next(self, *outcomes: int | str) -> None:
        """The next requests fail with these statuses, or ``"timeout"`` (a reply too slow to wait for)."""
        self.failures.extend(outcomes)

    def statuses(self) -> list[int | str]:
        return [entry.status for entry in self.log]

    def answer(self, method: str, path: str, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        with self._lock:
            now = self.clock()
            failure = self.failures.popleft() if self.failures else None
            if failure is None:
                while self._accepted and now - self._accepted[0] >= self.window:
                    self._accepted.popleft()
                if len(self._accepted) >= self.max_calls:
                    retry = math.ceil(self._accepted[0] + self.window - now)
                    self.log.append(Logged(method, path, 429, now))
                    self._send(handler, 429, {"error": "too many requests"}, {"Retry-After": str(retry)})
                    return
                self._accepted.append(now)
        if failure == "timeout":
            self.log.append(Logged(method, path, "timeout", now))
            time.sleep(self.slow_reply)
            self._send(handler, 503, {"error": "slow"})
            return
        if failure is not None:
            self.log.append(Logged(method, path, failure, now))
            self._send(handler, int(failure), {"error": "transient"})
            return
        status, payload = self.answer(method, path, parse_qs(parts.query), body)
        entry = Logged(method, path, status, now)
        if isinstance(payload, dict) and "_cells" in payload:
            entry.cells = payload.pop("_cells")
        self.log.append(entry)
        self._send(handler, status, payload)

    @staticmethod
    def _send(
        handler: BaseHTTPRequestHandler, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        data = (
            payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
        )
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout)


# --- PxWeb ------------------------------------------------------------------------------------------


@dataclass
class Var:
    code: str
    label: str
    values: dict[str, str]  # code → label, in order
    elimination: bool = False
    time: bool = False


@dataclass
class FakeTable:
    """A PxWeb table: its variables (ContentsCode included) and a value for every full cell."""

    v1_path: str
    v2_id: str | None
    title: str
    variables: list[Var]
    value: Callable[[dict[str, str]], int | None]
    updated: str = "2025-02-21T07:00:00Z"

    def variable(self, code: str) -> Var:
        return next(v for v in self.variables if v.code == code)

    def cell(self, chosen: dict[str, str]) -> int | None:
        """The value of a cell; eliminated variables (absent from ``chosen``) are summed over."""
        missing = [v for v in self.variables if v.code not in chosen]
        total = 0
        for combo in itertools.product(*(list(v.values) for v in missing)):
            full = {**chosen, **{v.code: c for v, c in zip(missing, combo, strict=True)}}
            number = self.value(full)
            if number is None:
                return None
            total += number
        return total


class FakePxWeb(FakeServer):
    """PxWeb v1 below ``/OV0104/v1/doris/sv/ssd/`` and PxWebApi 2.0 below ``/api/v2/``."""

    V1_PREFIX = "/OV0104/v1/doris/sv/ssd/"
    V2_PREFIX = "/api/v2/"

    def __init__(
        self,
        tables: Sequence[FakeTable],
        *,
        v1_cell_limit: int = 100_000,
        v2_config: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ):
        self.tables = tables
        self.v1_cell_limit = v1_cell_limit
        self.v2_config: dict[str, Any] = {"apiVersion": "2.0", "maxDataCells": 150_000, **(v2_config or {})}
        super().__init__(**kwargs)

    @property
    def v1_url(self) -> str:
        return self.url + self.V1_PREFIX.rstrip("/")

    @property
    def v2_url(self) -> str:
        return self.url + self.V2_PREFIX.rstrip("/")

    def answer(self, method: str, path: str, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        if path.startswith(self.V1_PREFIX):
            table = next((t for t in self.tables if t.v1_path == path[len(self.V1_PREFIX) :]), None)
            if table is None:
                return 404, {"error": "no such table"}
            if method == "GET":
                return 200, self._v1_metadata(table)
            request = json.loads(body)
            selection = {q["code"]: q["selection"]["values"] for q in request["query"]}
            fmt = request.get("response", {}).get("format", "px")
            return self._data(table, selection, fmt, self.v1_cell_limit)
        if path.startswith(self.V2_PREFIX):
            rest = path[len(self.V2_PREFIX) :].strip("/").split("/")
            if rest == ["config"]:
                return 200, self.v2_config
            if len(rest) == 3 and rest[0] == "tables":
                table = next((t for t in self.tables if t.v2_id == rest[1]), None)
                if table is None:
                    return 404, {"title": "Table not found"}
                if rest[2] == "metadata" and method == "GET":
                    return 200, self._jsonstat2(
                        table, {v.code: list(v.values) for v in table.variables}, None
                    )
                if rest[2] == "data" and method == "POST":
                    if query.get("outputFormat") != ["json-stat2"]:
                        return 400, {"title": "outputFormat"}
                    request = json.loads(body)
                    selection = {s["variableCode"]: s["valueCodes"] for s in request["selection"]}
                    return self._data(table, selection, "json-stat2", int(self.v2_config["maxDataCells"]))
        return 404, {"error": "not found"}

    def _v1_metadata(self, table: FakeTable) -> dict[str, Any]:
        return {
            "title": table.title,
            "variables": [
                {
                    "code": v.code,
                    "text": v.label,
                    "values": list(v.values),
                    "valueTexts": list(v.values.values()),
                    **({"elimination": True} if v.elimination else {}),
                    **({"time": True} if v.time else {}),
                }
                for v in table.variables
            ],
        }

    def _data(
        self, table: FakeTable, selection: dict[str, list[str]], fmt: str, limit: int
    ) -> tuple[int, Any]:
        for v in table.variables:
            if v.code not in selection and not v.elimination:
                return 400, {"error": f"variable {v.code} must be selected"}
            unknown = [c for c in selection.get(v.code, []) if c not in v.values]
            if unknown:
                return 400, {"error": f"unknown values {unknown} for {v.code}"}
        cells = math.prod(len(values) for values in selection.values())
        if cells > limit:
            return 403, {"error": "Too many cells selected", "_cells": cells}
        if fmt == "json":
            payload = self._v1_json(table, selection)
        elif fmt == "json-stat2":
            payload = self._jsonstat2(table, selection, table.cell)
        else:
            return 400, {"error": f"format {fmt} not served here"}
        payload["_cells"] = cells
        return 200, payload

    def _v1_json(self, table: FakeTable, selection: dict[str, list[str]]) -> dict[str, Any]:
        dims = [v for v in table.variables if v.code in selection and v.code != "ContentsCode"]
        contents = selection["ContentsCode"]
        labels = table.variable("ContentsCode").values
        columns = [{"code": v.code, "text": v.label, "type": "t" if v.time else "d"} for v in dims]
        columns += [{"code": c, "text": labels[c], "type": "c"} for c in contents]
        data = []
        for combo in itertools.product(*(selection[v.code] for v in dims)):
            key = dict(zip((v.code for v in dims), combo, strict=True))
            values = [table.cell({**key, "ContentsCode": c}) for c in contents]
            data.append({"key": list(combo), "values": [".." if x is None else str(x) for x in values]})
        return {
            "columns": columns,
            "comments": [],
            "data": data,
            "metadata": [
                {"infofile": "BE0101", "updated": table.updated, "label": table.title, "source": "SCB"}
            ],
        }

    def _jsonstat2(
        self,
        table: FakeTable,
        selection: dict[str, list[str]],
        cell: Callable[[dict[str, str]], int | None] | None,
    ) -> dict[str, Any]:
        dims = [v for v in table.variables if v.code in selection]
        document: dict[str, Any] = {
            "version": "2.0",
            "class": "dataset",
            "label": table.title,
            "source": "SCB",
            "updated": table.updated,
            "id": [v.code for v in dims],
            "size": [len(selection[v.code]) for v in dims],
            "role": {"time": [v.code for v in dims if v.time], "metric": ["ContentsCode"]},
            "dimension": {
                v.code: {
                    "label": v.label,
                    "category": {
                        "index": {c: i for i, c in enumerate(selection[v.code])},
                        "label": {c: v.values[c] for c in selection[v.code]},
                    },
                    "extension": {"elimination": v.elimination},
                }
                for v in dims
            },
            "extension": {"px": {"tableid": table.v2_id or table.v1_path, "decimals": 0}},
        }
        if cell is not None:
            document["value"] = [
                cell(dict(zip((v.code for v in dims), combo, strict=True)))
                for combo in itertools.product(*(selection[v.code] for v in dims))
            ]
        return document


# --- the SCB tables the client reads -----------------------------------------------------------------

REGIONS = {"00": "Riket", "25": "Norrbottens län", "2580": "Luleå", "2584": "Kiruna"}
SINGLE = [str(a) for a in range(100)]


def person_count(region: str, age: int, kon: str, year: int = 2025, civ: int = 0) -> int:
    """A deterministic, plausible single-age count (no total, no noise); the year shows in TAB638 only."""
    size = {"00": 400, "25": 10, "2580": 3, "2584": 1}[region]
    return size * max(1, 120 - age) // 4 + 7 * int(kon) + (year % 5) + 3 * civ


def ckm_noise(*key: object) -> int:
    return sum(map(ord, "|".join(map(str, key)))) % 5 - 2


def tab638() -> FakeTable:
    civs = {"OG": "ogifta", "G": "gifta", "ÄNKL": "änkor/änklingar", "SK": "skilda"}

    def value(cell: dict[str, str]) -> int:
        region, kon, year = cell["Region"], cell["Kon"], int(cell["Tid"])
        civ = list(civs).index(cell["Civilstand"])
        if cell["ContentsCode"] == "BE0101N2":
            return 5
        ages = (
            range(101) if cell["Alder"] == "tot" else [100 if cell["Alder"] == "100+" else int(cell["Alder"])]
        )
        return sum(person_count(region, a, kon, year, civ) for a in ages)

    return FakeTable(
        "BE/BE0101/BE0101A/BefolkningNy",
        "TAB638",
        "Folkmängden efter region, civilstånd, ålder och kön. År 1968 - 2024",
        [
            Var("Region", "region", REGIONS, elimination=True),
            Var("Civilstand", "civilstånd", civs, elimination=True),
            Var(
                "Alder",
                "ålder",
                {**{a: f"{a} år" for a in SINGLE}, "100+": "100+ år", "tot": "totalt ålder"},
                True,
            ),
            Var("Kon", "kön", {"1": "män", "2": "kvinnor"}, elimination=True),
            Var("ContentsCode", "tabellinnehåll", {"BE0101N1": "Folkmängd", "BE0101N2": "Folkökning"}),
            Var("Tid", "år", {str(y): str(y) for y in range(2015, 2025)}, time=True),
        ],
        value,
    )


def befolkning_ckm() -> FakeTable:
    ages = {"TotSA": "totalt ålder", **{a: f"{a} år" for a in SINGLE}, "100+1": "100+ år", "TOT1": "totalt"}
    ages |= {"-4": "0-4 år", "5-9": "5-9 år", "100+5": "100+ år", "TOT5": "totalt"}

    def exact(region: str, alder: str, kons: Sequence[str]) -> int:
        if alder in ("TotSA", "TOT1", "TOT5"):
            span: Sequence[int] = range(101)
        elif alder in ("100+1", "100+5"):
            span = [100]
        elif alder == "-4":
            span = range(5)
        elif alder == "5-9":
            span = range(5, 10)
        else:
            span = [int(alder)]
        return sum(person_count(region, a, k, 2025) for a in span for k in kons)

    def value(cell: dict[str, str]) -> int:
        region, alder, kon, civ = cell["Region"], cell["Alder"], cell["Kon"], cell["Civilstand"]
        if cell["ContentsCode"] == "000007MG":
            return 9
        kons = ["1", "2"] if kon == "TotSa" else [kon]
        n = exact(region, alder, kons)
        single = alder in SINGLE or alder == "100+1"
        if civ == "SC" and single and kon != "TotSa":
            return n  # the published single ages
        share = {"SC": 1.0, "OG": 0.45, "G": 0.4, "ÄNKL": 0.05, "SK": 0.1}[civ]
        return max(0, round(n * share) + ckm_noise(region, alder, kon, civ))

    return FakeTable(
        "BE/BE0101/BE0101A/BefolkningCKM",
        "TAB5557",
        "Folkmängden efter region, civilstånd, ålder och kön. År 2025",
        [
            Var("Region", "region", REGIONS, elimination=True),
            Var(
                "Civilstand",
                "civilstånd",
                {"SC": "totalt", "OG": "ogifta", "G": "gifta", "ÄNKL": "ä", "SK": "s"},
            ),
            Var("Alder", "ålder", ages),
            Var("Kon", "kön", {"TotSa": "totalt, samtliga män och kvinnor", "1": "män", "2": "kvinnor"}),
            Var("ContentsCode", "tabellinnehåll", {"000007ME": "Folkmängd", "000007MG": "Folkökning"}),
            Var("Tid", "år", {"2025": "2025"}, time=True),
        ],
        value,
        updated="2026-02-20T07:00:00Z",
    )


def befolk_manad_ckm() -> FakeTable:
    ages = {"TotSA": "totalt ålder", **{a: f"{a} år" for a in SINGLE}, "100+": "100+ år", "-4": "0-4 år"}

    def value(cell: dict[str, str]) -> int:
        region, alder, kon, month = cell["Region"], cell["Alder"], cell["Kon"], cell["Tid"]
        kons = ["1", "2"] if kon == "TotSa" else [kon]
        span = (
            range(101)
            if alder == "TotSA"
            else range(5)
            if alder == "-4"
            else [100 if alder == "100+" else int(alder)]
        )
        n = sum(person_count(region, a, k) for a in span for k in kons)
        return max(0, n + ckm_noise(region, alder, kon, month))

    return FakeTable(
        "BE/BE0101/BE0101A/BefolkManadCKM",
        None,
        "Folkmängden per månad efter region, ålder och kön. Månad 2025M01-2025M03",
        [
            Var("Region", "region", REGIONS, elimination=True),
            Var("Alder", "ålder", ages, elimination=True),
            Var("Kon", "kön", {"TotSa": "totalt", "1": "män", "2": "kvinnor"}, elimination=True),
            Var("ContentsCode", "tabellinnehåll", {"000007SF": "Folkmängden per månad"}),
            Var("Tid", "månad", {f"2025M{m:02d}": f"2025M{m:02d}" for m in (1, 2, 3)}, time=True),
        ],
        value,
        updated="2025-04-15T07:00:00Z",
    )


def prognos() -> FakeTable:
    ages = {**{str(a): f"{a} år" for a in range(105)}, "105+": "105+ år"}

    def value(cell: dict[str, str]) -> int:
        if cell["ContentsCode"] == "000004LJ":
            return 3
        age = 105 if cell["Alder"] == "105+" else int(cell["Alder"])
        return max(0, person_count(cell["Region"], min(age, 100), cell["Kon"]) - 5 * max(0, age - 100))

    return FakeTable(
        "BE/BE0401/BE0401A/BefProgOsiktRegN",
        None,
        "Folkmängd, antalet födda, döda och flyttningar efter region, kön och ålder. År 2024 - 2070",
        [
            Var("Region", "region", REGIONS, elimination=True),
            Var("Kon", "kön", {"1": "män", "2": "kvinnor"}, elimination=True),
            Var("Alder", "ålder", ages, elimination=True),
            Var("ContentsCode", "tabellinnehåll", {"000004LG": "Folkmängd", "000004LJ": "Döda"}),
            Var("Tid", "år", {str(y): str(y) for y in range(2024, 2031)}, time=True),
        ],
        value,
        updated="2024-05-28T06:00:00Z",
    )


# --- Kolada -------------------------------------------------------------------------------------------


class FakeKolada(FakeServer):
    """``/v3/data/kpi/{ids}/municipality/{ids}/year/{years}``, pages of ``page_size`` with ``next_url``."""

    def __init__(
        self, values: Mapping[tuple[str, str, int], float | None], *, page_size: int = 5, **kwargs: Any
    ):
        self.values = values
        self.page_size = page_size
        self.deleted: set[tuple[str, str, int]] = set()
        self.next_url_override: str | None = None
        super().__init__(**kwargs)

    @property
    def base(self) -> str:
        return self.url + "/v3"

    def answer(self, method: str, path: str, query: Mapping[str, list[str]], body: bytes) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if method != "GET" or len(parts) != 8 or parts[:3] != ["v3", "data", "kpi"]:
            return 404, {"error": "not found"}
        kpis, units, years = parts[3].split(","), parts[5].split(","), parts[7].split(",")
        if max(len(kpis), len(units), len(years)) > 25:
            return 400, {"error": "at most 25 ids per parameter"}
        per_page = min(int(query.get("per_page", ["5000"])[0]), self.page_size)
        page = int(query.get("page", ["1"])[0])
        entries = [
            self._entry(kpi, unit, int(year))
            for kpi in kpis
            for unit in units
            for year in years
            if (kpi, unit, int(year)) in self.values
        ]
        chunk = entries[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(entries)
        next_url = None
        if more:
            next_url = (
                self.next_url_override
                or f"{self.base}/{'/'.join(parts[1:])}?per_page={per_page}&page={page + 1}"
            )
        return 200, {"count": len(entries), "values": chunk, "next_url": next_url}

    def _entry(self, kpi: str, unit: str, year: int) -> dict[str, Any]:
        number = self.values[(kpi, unit, year)]
        value = {"gender": "T", "status": "" if number is not None else "Uppgift saknas", "value": number}
        entry: dict[str, Any] = {"kpi": kpi, "municipality": unit, "period": year, "values": [value]}
        if (kpi, unit, year) in self.deleted:
            entry["isdeleted"] = True
        return entry


def windows(times: Sequence[float], window: float = 10.0) -> Iterator[int]:
    """For each call, how many calls fell in the ``window`` seconds starting at it."""
    for i, start in enumerate(times):
        yield sum(1 for t in times[i:] if t - start < window)
