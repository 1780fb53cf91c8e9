"""Kolada API v3 client: ``/data/kpi/{ids}/municipality/{ids}/year/{years}`` with paging.

At most 25 ids go in one path segment (``sources.md`` §5), so KPIs, units and years are chunked; each
request asks for up to 5000 values per page and follows ``next_url`` until it is empty. Every page is
stored as fetched (:mod:`pipelines.fetch.store`); pages with values are returned for ingesting.
Unit ids are Kolada's: riket and the 21 regions by default (:func:`pipelines.sources.kolada.kolada_id`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from urllib.parse import quote, urljoin, urlsplit

from pipelines import reference
from pipelines.fetch.http import FetchError, HttpClient
from pipelines.fetch.store import StoredResponse, store_response
from pipelines.sources.kolada import kolada_id
from pipelines.workspace import Workspace

DEFAULT_URL = "https://api.kolada.se/v3"
SOURCE = "kolada"
MAX_IDS = 25
PER_PAGE = 5000
MAX_PAGES = 1000
# Nettokostnad hälso- och sjukvård totalt (inkl. läkemedel), referenskostnad hälso- och sjukvård,
# nettokostnad läkemedel — kr per invånare (ids third-party, see ASSUMPTIONS.md).
DEFAULT_KPIS = ("N70061", "N70038", "N70059")
FIRST_YEAR = 2016


def default_units() -> list[str]:
    """Riket and the 21 regions, as Kolada unit ids."""
    return [kolada_id(reference.RIKET.kod), *(kolada_id(kod) for kod in reference.LAN)]


def default_years(today: date | None = None) -> list[int]:
    return list(range(FIRST_YEAR, (today or date.today()).year))


def _chunks(values: Sequence[str], size: int = MAX_IDS) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def data_urls(base_url: str, kpis: Sequence[str], units: Sequence[str], years: Sequence[int]) -> list[str]:
    """First-page URLs covering every KPI × unit × year, ≤ 25 ids per path segment."""
    base = base_url.rstrip("/")
    urls = []
    for kpi in _chunks(kpis):
        for unit in _chunks(units):
            for year in _chunks([str(y) for y in years]):
                ids = [quote(",".join(part), safe=",") for part in (kpi, unit, year)]
                urls.append(
                    f"{base}/data/kpi/{ids[0]}/municipality/{ids[1]}/year/{ids[2]}?per_page={PER_PAGE}"
                )
    return urls


def fetch(
    ws: Workspace,
    *,
    kpis: Sequence[str] = DEFAULT_KPIS,
    units: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    base_url: str | None = None,
    http: HttpClient | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> list[StoredResponse]:
    """Fetch every page, store each as it arrives, return the stored pages that hold values."""
    http = http or HttpClient(on_retry=progress)
    base = (base_url or DEFAULT_URL).rstrip("/")
    origin = urlsplit(base)[:2]
    urls = data_urls(base, kpis, units or default_units(), years or default_years())
    progress(f"Kolada: {len(kpis)} nyckeltal i {len(urls)} fråga/frågor från {base}.")
    with_values: list[StoredResponse] = []
    for first in urls:
        url: str | None = first
        seen: set[str] = set()
        while url:
            if url in seen or len(seen) >= MAX_PAGES:
                raise FetchError(f"{first}: sidindelningen (next_url) går i cirkel eller tar aldrig slut.")
            seen.add(url)
            response = http.get(url)
            if response.status != 200:
                text = response.body.decode("utf-8", errors="replace")[:200]
                raise FetchError(f"{url}: HTTP {response.status}: {text or '(tomt svar)'}")
            stored = store_response(ws, SOURCE, response.body, url=url, method="GET", status=response.status)
            document = _document(response.body)
            values = document.get("values") if document is not None else None
            if values != []:  # an unreadable page is kept for ingest, which names what is wrong with it
                with_values.append(stored)
            count = len(values) if isinstance(values, list) else "?"
            progress(f"  sida {len(seen)}: {count} poster, SHA-256 {stored.sha256[:12]}…")
            next_url = document.get("next_url") if document is not None else None
            url = urljoin(url, next_url) if isinstance(next_url, str) and next_url else None
            if url is not None and urlsplit(url)[:2] != origin:
                raise FetchError(f"next_url pekar utanför {base}: {url}")
    return with_values


def _document(body: bytes) -> dict[str, object] | None:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except ValueError:
        return None
    return document if isinstance(document, dict) else None
