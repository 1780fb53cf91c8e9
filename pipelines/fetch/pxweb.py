"""PxWeb clients (SCB Statistikdatabasen): API v1 and PxWebApi 2.0.

* v1 (``sources.md`` §1.1–1.2): ``GET <base>/<path>`` gives the table's variables, ``POST`` the same
  URL with ``{"query": [...], "response": {"format": "json"}}`` its data. SCB answers at most 100 000
  values per call and says so with HTTP 403.
* v2 (§1.6): ``GET <base>/config`` gives ``maxDataCells`` (150 000 if absent) and the call limit,
  ``GET <base>/tables/{id}/metadata`` the variables (json-stat2), ``POST
  <base>/tables/{id}/data?lang=sv&outputFormat=json-stat2`` with ``{"selection": [{"variableCode",
  "valueCodes"}]}`` the data.

A selection maps variable codes to the value codes wanted; an eliminable variable left out is
summed away by the server. :func:`split_selection` cuts a selection into parts under the cell limit,
splitting regions and years first so each part keeps whole age × kön tables (their totals can then
be checked per file); a part the server still refuses with 403 is halved and asked again.
"""

from __future__ import annotations

import json
import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from pipelines.fetch.http import FetchError, HttpClient, Response

Selection = dict[str, list[str]]

V1_CELL_LIMIT = 100_000  # SCB: at most 100 000 values per call (v1)
V2_DEFAULT_CELL_LIMIT = 150_000  # PxWebApi 2.0 when /config does not say
SPLIT_FIRST = ("Region", "Tid")
LANG = "sv"


@dataclass(frozen=True)
class Variable:
    code: str
    label: str
    values: list[str]
    value_labels: dict[str, str]
    elimination: bool
    time: bool


@dataclass(frozen=True)
class TableMeta:
    table: str  # v1 path or v2 table id
    title: str
    variables: list[Variable]

    def variable(self, code: str) -> Variable | None:
        return next((v for v in self.variables if v.code == code), None)

    @property
    def time_variable(self) -> Variable | None:
        return next((v for v in self.variables if v.time), None)


@dataclass(frozen=True)
class FetchedPart:
    """One data response as fetched: what was asked, where, and the bytes that came back."""

    url: str
    method: str
    query: dict[str, Any]
    selection: Selection
    cells: int
    response: Response


def cell_count(selection: Selection) -> int:
    return math.prod(len(values) for values in selection.values())


def split_selection(selection: Selection, limit: int, first: Sequence[str] = SPLIT_FIRST) -> list[Selection]:
    """Cut ``selection`` into parts of at most ``limit`` cells, in order; regions and years first.

    A dimension is cut into chunks when that alone suffices (regions and years are tried first, so
    every part keeps whole age × kön tables); otherwise regions, then years, are cut into single
    values and each part is split further. Other dimensions are cut only when regions and years are
    down to one value. Parts never overlap and together hold every cell of ``selection`` exactly once.
    """
    if limit < 1:
        raise ValueError("limit must be ≥ 1")
    total = cell_count(selection)
    if total <= limit:
        return [selection]
    preferred = [d for d in first if len(selection.get(d, [])) > 1]
    others = sorted(
        (d for d in selection if d not in first and len(selection[d]) > 1), key=lambda d: -len(selection[d])
    )
    for dim in preferred or others:
        rest = total // len(selection[dim])
        if rest <= limit:
            size = limit // rest
            values = selection[dim]
            return [{**selection, dim: values[i : i + size]} for i in range(0, len(values), size)]
    dim = (preferred or others)[0]
    parts: list[Selection] = []
    for value in selection[dim]:
        parts += split_selection({**selection, dim: [value]}, limit, first)
    return parts


class PxWebV1:
    """PxWeb API v1, e.g. ``https://api.scb.se/OV0104/v1/doris/sv/ssd``."""

    api = "v1"

    def __init__(self, base_url: str, http: HttpClient, cell_limit: int = V1_CELL_LIMIT, fmt: str = "json"):
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.cell_limit = cell_limit
        self.format = fmt

    def url(self, table: str) -> str:
        return f"{self.base_url}/{quote(table.strip('/'))}"

    def metadata(self, table: str) -> TableMeta:
        response = self.http.get(self.url(table))
        document = _json(response, "tabellens metadata")
        variables = document.get("variables") if isinstance(document, dict) else None
        if not isinstance(variables, list):
            raise FetchError(f"{response.url}: metadata saknar 'variables' (PxWeb v1).")
        parsed = []
        for item in variables:
            values = [str(v) for v in item.get("values", [])]
            texts = [str(t) for t in item.get("valueTexts", values)]
            parsed.append(
                Variable(
                    code=str(item["code"]),
                    label=str(item.get("text", item["code"])),
                    values=values,
                    value_labels=dict(zip(values, texts, strict=False)),
                    elimination=bool(item.get("elimination", False)),
                    time=bool(item.get("time", False)),
                )
            )
        return TableMeta(table, str(document.get("title", table)), parsed)

    def query(self, table: str, selection: Selection) -> tuple[str, dict[str, Any]]:
        body = {
            "query": [
                {"code": code, "selection": {"filter": "item", "values": values}}
                for code, values in selection.items()
            ],
            "response": {"format": self.format},
        }
        return self.url(table), body

    def fetch(self, table: str, selection: Selection) -> Iterator[FetchedPart]:
        return _fetch_split(self, table, selection)


class PxWebV2:
    """PxWebApi 2.0, e.g. ``https://statistikdatabasen.scb.se/api/v2``."""

    api = "v2"

    def __init__(self, base_url: str, http: HttpClient, cell_limit: int | None = None):
        self.base_url = base_url.rstrip("/")
        self.http = http
        self._cell_limit = cell_limit

    @property
    def cell_limit(self) -> int:
        if self._cell_limit is None:
            self._cell_limit = self._configure()
        return self._cell_limit

    def _configure(self) -> int:
        """Read ``/config``: the cell limit, and the call limit if it is stricter than ours."""
        response = self.http.get(f"{self.base_url}/config")
        if response.status != 200:
            return V2_DEFAULT_CELL_LIMIT
        try:
            config = json.loads(response.body.decode("utf-8-sig"))
        except ValueError:
            return V2_DEFAULT_CELL_LIMIT
        if not isinstance(config, dict):
            return V2_DEFAULT_CELL_LIMIT
        calls = config.get("maxCallsPerTimeWindow", config.get("maxCalls"))
        window = config.get("timeWindow")
        if isinstance(calls, int) and isinstance(window, int | float):
            self.http.limiter.tighten(calls, float(window))
        cells = config.get("maxDataCells")
        return cells if isinstance(cells, int) and cells > 0 else V2_DEFAULT_CELL_LIMIT

    def metadata(self, table: str) -> TableMeta:
        _ = self.cell_limit  # read /config first: its call limit applies to every call after it
        url = f"{self.base_url}/tables/{quote(table)}/metadata?{urlencode({'lang': LANG})}"
        document = _json(self.http.get(url), "tabellens metadata")
        if not isinstance(document, dict) or not isinstance(document.get("dimension"), dict):
            raise FetchError(f"{url}: metadata är inte json-stat2 med 'dimension' (PxWebApi 2.0).")
        ids = document.get("id") or list(document["dimension"])
        times = (document.get("role") or {}).get("time") or []
        parsed = []
        for dim_id in ids:
            entry = document["dimension"][dim_id]
            category = entry.get("category", {})
            index = category.get("index", {})
            codes = sorted(index, key=lambda code: index[code]) if isinstance(index, dict) else list(index)
            labels = category.get("label", {})
            extension = entry.get("extension") or {}
            parsed.append(
                Variable(
                    code=dim_id,
                    label=str(entry.get("label", dim_id)),
                    values=codes,
                    value_labels={code: str(labels.get(code, code)) for code in codes},
                    elimination=bool(extension.get("elimination", False)),
                    time=dim_id in times,
                )
            )
        return TableMeta(table, str(document.get("label", table)), parsed)

    def query(self, table: str, selection: Selection) -> tuple[str, dict[str, Any]]:
        params = urlencode({"lang": LANG, "outputFormat": "json-stat2"})
        url = f"{self.base_url}/tables/{quote(table)}/data?{params}"
        body = {"selection": [{"variableCode": c, "valueCodes": values} for c, values in selection.items()]}
        return url, body

    def fetch(self, table: str, selection: Selection) -> Iterator[FetchedPart]:
        return _fetch_split(self, table, selection)


Client = PxWebV1 | PxWebV2


def _fetch_split(client: Client, table: str, selection: Selection) -> Iterator[FetchedPart]:
    """POST every part of ``selection``, yielding each response as it arrives (so it can be stored at
    once); a part refused with 403 (too many cells) is halved and asked again."""
    parts: deque[Selection] = deque(split_selection(selection, client.cell_limit))
    while parts:
        part = parts.popleft()
        url, query = client.query(table, part)
        response = client.http.post_json(url, json.dumps(query, ensure_ascii=False).encode("utf-8"))
        cells = cell_count(part)
        if response.status == 403:
            smaller = split_selection(part, max(1, cells // 2)) if cells > 1 else [part]
            if len(smaller) < 2:
                raise FetchError(f"{url}: servern vägrar (HTTP 403) även en fråga med {cells} cell(er).")
            parts.extendleft(reversed(smaller))
            continue
        if response.status != 200:
            raise FetchError(f"{url}: HTTP {response.status}: {_snippet(response.body)}")
        yield FetchedPart(url, "POST", query, part, cells, response)


def _json(response: Response, what: str) -> Any:
    if response.status != 200:
        raise FetchError(f"{response.url}: HTTP {response.status} för {what}: {_snippet(response.body)}")
    try:
        return json.loads(response.body.decode("utf-8-sig"))
    except ValueError as error:
        raise FetchError(f"{response.url}: {what} är inte giltig JSON ({error}).") from error


def _snippet(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    return (text[:200] + " …") if len(text) > 200 else text or "(tomt svar)"
