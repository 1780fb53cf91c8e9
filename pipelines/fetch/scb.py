"""The SCB tables ``analysplan fetch scb`` reads, and how a query for each is built from its metadata.

Every detail that differs between tables is read from the table's own metadata rather than assumed:
the Folkmängd content code (a known code, or for projections the content labelled "Folkmängd"),
the age codes (single ages, the open class and the totals — never the CKM's five- and ten-year bands,
which would count people twice), the Civilstand total ``SC`` where Civilstand cannot be eliminated,
and which years exist. Regions default to riket, the county and its kommuner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pipelines import parametrar, reference
from pipelines.fetch.http import FetchError, HttpClient
from pipelines.fetch.pxweb import V1_CELL_LIMIT, PxWebV1, PxWebV2, Selection, TableMeta, cell_count
from pipelines.fetch.store import StoredResponse, store_response
from pipelines.formatering import tal
from pipelines.sources.scb_prognos import folkmangd_contents
from pipelines.workspace import Workspace

DEFAULT_V1_URL = "https://api.scb.se/OV0104/v1/doris/sv/ssd"
DEFAULT_V2_URL = "https://statistikdatabasen.scb.se/api/v2"

_AGE_WANTED = re.compile(r"\d+|\d+\+|100\+1|tot|TotSA|TOT1")  # single ages, open class, totals


@dataclass(frozen=True)
class ScbTabell:
    name: str  # the value of --tabell
    source: str  # the analysplan source its responses are ingested as
    v1_path: str  # below the v1 base URL (sources.md §1.3–1.5)
    v2_id: str | None  # PxWebApi 2.0 table id, where known
    contents: tuple[str, ...]  # Folkmängd content codes
    by_label: bool = False  # also accept a content labelled "Folkmängd" (projection vintages)


TABELLER: dict[str, ScbTabell] = {
    t.name: t
    for t in (
        ScbTabell("TAB638", "scb-befolkning", "BE/BE0101/BE0101A/BefolkningNy", "TAB638", ("BE0101N1",)),
        # v2 id TAB5557 is third-party (Region Dalarna's v2 scripts), not confirmed.
        ScbTabell(
            "BefolkningCKM", "scb-befolkning", "BE/BE0101/BE0101A/BefolkningCKM", "TAB5557", ("000007ME",)
        ),
        ScbTabell(
            "BefolkManadCKM", "scb-befolkning-manad", "BE/BE0101/BE0101A/BefolkManadCKM", None, ("000007SF",)
        ),
        ScbTabell(
            "prognos", "scb-prognos", "BE/BE0401/BE0401A/BefProgOsiktRegN", None, ("000004LG",), by_label=True
        ),
    )
}


def default_regions(lan: str) -> list[str]:
    """Riket, the county and its kommuner (as far as the reference knows them)."""
    kommuner = [r.kod for r in reference.regions() if r.typ == "kommun" and r.lan_kod == lan]
    return [reference.RIKET.kod, lan, *kommuner]


def build_selection(
    meta: TableMeta, tabell: ScbTabell, regions: Sequence[str], years: Sequence[int] | None
) -> Selection:
    """The query for ``tabell``: chosen regions and years, Folkmängd, single ages and totals, both kön."""
    selection: Selection = {}
    for variable in meta.variables:
        values = variable.values
        if variable.code == "Region":
            missing = [r for r in regions if r not in values]
            if missing:
                raise FetchError(f"Regionerna {', '.join(missing)} finns inte i tabellen {meta.table}.")
            selection[variable.code] = list(regions)
        elif variable.time:
            selection[variable.code] = _times(variable.values, years, meta.table)
        elif variable.code == "ContentsCode":
            selection[variable.code] = [_content(variable.value_labels, tabell, meta.table)]
        elif variable.code == "Alder":
            selection[variable.code] = [code for code in values if _AGE_WANTED.fullmatch(code)]
        elif variable.code == "Kon":
            selection[variable.code] = list(values)
        elif variable.elimination:
            continue  # summed away by the server (e.g. Civilstand in TAB638)
        elif variable.code == "Civilstand" and "SC" in values:
            selection[variable.code] = ["SC"]  # CKM: keep SCB's own total, do not add noisy parts
        else:
            selection[variable.code] = list(values)
    if "Region" not in selection:
        raise FetchError(f"Tabellen {meta.table} saknar variabeln Region.")
    return selection


def _times(available: list[str], years: Sequence[int] | None, table: str) -> list[str]:
    if not years:
        return list(available)
    wanted = {str(y) for y in years}
    chosen = [code for code in available if code[:4] in wanted]
    found = {code[:4] for code in chosen}
    missing = sorted(wanted - found)
    if missing:
        span = f"{available[0]}–{available[-1]}" if available else "inga"
        raise FetchError(f"År {', '.join(missing)} finns inte i tabellen {table} (finns: {span}).")
    return chosen


def _content(labels: dict[str, str], tabell: ScbTabell, table: str) -> str:
    for code in tabell.contents:
        if code in labels:
            return code
    if tabell.by_label:
        found = folkmangd_contents(labels)
        if len(found) == 1:
            return found[0]
    seen = ", ".join(f"{c} ({t})" for c, t in labels.items())
    wanted = ", ".join(tabell.contents)
    raise FetchError(f"Tabellen {table} har inget innehåll Folkmängd ({wanted}); finns: {seen}.")


def fetch(
    ws: Workspace,
    tabell: ScbTabell,
    *,
    api: str = "v1",
    base_url: str | None = None,
    regions: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    lan: str | None = None,
    table_id: str | None = None,
    http: HttpClient | None = None,
    cell_limit: int | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> list[StoredResponse]:
    """Fetch ``tabell`` and store every data response in ``hamtat/<source>/`` as it arrives."""
    http = http or HttpClient(on_retry=progress)
    client: PxWebV1 | PxWebV2
    if api == "v1":
        client = PxWebV1(base_url or DEFAULT_V1_URL, http, cell_limit or V1_CELL_LIMIT)
        table = table_id or tabell.v1_path
    elif api == "v2":
        client = PxWebV2(base_url or DEFAULT_V2_URL, http, cell_limit)
        table = table_id or tabell.v2_id or ""
        if not table:
            raise FetchError(
                f"Tabell-id i PxWebApi 2.0 för {tabell.name} är inte känt: ange det med --tabell-id "
                "eller hämta med --api v1."
            )
    else:
        raise FetchError(f"Okänt API {api!r}: välj v1 eller v2.")
    meta = client.metadata(table)
    regions = list(regions or default_regions(lan or parametrar.lan()))
    selection = build_selection(meta, tabell, regions, years)
    progress(
        f"{tabell.name} ({meta.title}) via PxWeb {api}: {tal(cell_count(selection))} celler, "
        f"högst {tal(client.cell_limit)} per fråga."
    )
    stored: list[StoredResponse] = []
    for part in client.fetch(table, selection):
        stored.append(
            store_response(
                ws,
                tabell.source,
                part.response.body,
                url=part.url,
                method=part.method,
                query=part.query,
                status=part.response.status,
                extra={"api": api, "tabell": tabell.name, "celler": part.cells},
            )
        )
        progress(f"  svar {len(stored)}: {part.cells} celler, SHA-256 {stored[-1].sha256[:12]}…")
    return stored
