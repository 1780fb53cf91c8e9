"""Every choice the analysplan leaves open, as one explicit, documented parameter set.

The defaults follow the plan's text (analysplan-facts §1.3) and SKR's descriptions; each field
says where it comes from. The values are bound into the SQL of the out_* tables (``$name``) and
are part of each table's fingerprint, so changing one rebuilds exactly what depends on it. They
can be overridden per run in Dagster (resource ``analysplan``'s config) or with the environment
variable ``ANALYSPLAN_PARAMETRAR`` holding JSON, e.g. ``{"ytterfall_regel": "vardtid"}``.

The county the pipeline runs for is configuration too: :func:`lan` reads ``ANALYSPLAN_LAN`` with
its one default (Norrbotten); the resource, the CLI, ingest and the reports all get it from there.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from pipelines import reference

LAN_ENV = "ANALYSPLAN_LAN"
STANDARD_LAN = reference.NORRBOTTEN

YtterfallRegel = Literal["kostnadsgrans", "percentil", "helmaterial", "vardtid", "kombinerad"]


@dataclass(frozen=True)
class Parametrar:
    # --- Ytterfall (uppdrag "Övergripande analys av ytterfallkostnader", 000:289) ---
    ytterfall_regel: YtterfallRegel = "kostnadsgrans"
    """kostnadsgrans: Socialstyrelsens kostnadsgräns per DRG där drg-vikter har en, annars en gräns
    ur rikets kostnader (rikets medelkostnad för DRG:n × medianen av kostnadsgräns / rikets
    medelkostnad över DRG med publicerad gräns, samma vårdform och år; aldrig länets egna kontakter),
    annars percentilregeln nedan (planens metod). percentil: alltid beräknad gräns per DRG och vårdform.
    helmaterial: en gräns per vårdform och år över hela materialet. vardtid: vårdtid över
    Q3 + k·IQR per DRG (endast slutenvård). kombinerad: kostnads- eller vårdtidsytterfall."""
    ytterfall_andel_sluten: float = 0.05
    """Andel dyraste slutenvårdskontakter per DRG som är ytterfall (SKR: 5 %)."""
    ytterfall_andel_oppen: float = 0.03
    """Andel dyraste öppenvårdskontakter per DRG som är ytterfall (SKR: 3 %)."""
    ytterfall_minsta_antal: int = 20
    """Färre kontakter än så i en DRG ett år: gränsen beräknas över hela vårdformen i stället
    (en percentil på ett fåtal kontakter är slumpmässig). Antagande, inte ur planen."""
    ytterfall_vardtid_k: float = 2.0
    """k i vårdtidsgränsen Q3 + k·IQR (sources.md §4.2: svensk formel ej bekräftad; 1,5 eller 2)."""
    ytterfall_basar: int = 2016
    """Basår för ytterfallskostnadens utveckling (out_kpp__ytterfall_trend): planens period är
    2016–2019; saknas året i data används första året."""

    # --- Demografi och sjukdomspanorama (000:311–315) ---
    demografi_basar: int = 2016
    """Basår för jämförelsen (planen: 2016, analysen 2020 avser 2016–2019)."""
    demografi_malar: int = 2019
    """Målår för jämförelsen."""
    demografi_bada_okar: Literal["total", "65+"] = "total"
    """Ökar kontakterna i båda åldersgrupperna räknas 'kostnadsförändringen' som demografisk;
    planen säger inte om den avser klinikens totala förändring eller bara 65+ (standard: total)."""
    demografi_kostnadsar: int | None = None
    """Året vars kostnad per invånare (ålder × kön) räknas fram mot befolkning och prognos i
    behovsberäkningen; None = senaste året med KPP-data."""
    demografi_ovriga_fall: Literal["noll"] = "noll"
    """Fall som planen inte täcker (t.ex. 65+ minskar): ingen demografisk kostnad."""
    demografi_planens_fran: int = 2016
    """Första året i planens period för behovsökningen ("0,6 procent per år 2016 till 2021", 000:311)."""
    demografi_planens_till: int = 2021
    """Sista året i planens period för behovsökningen (000:311)."""
    demografi_planens_takt: float = 0.006
    """Planens beräknade demografiska behovsökning per år 2016–2021: 0,6 % (000:311); det som
    out_demografi__behovstakt jämför med."""
    prisindex: Literal["LPIK", "LPI"] = "LPIK"
    """Prisindex (källan prisindex, SKR) som kostnader mellan år räknas om till fasta priser med:
    LPIK, som SKR anger för regionernas fastprisberäkning, eller LPI."""

    # --- SVF ---
    svf_basar: int | None = None
    """Baslinjeår för SVF-uppföljningen (planen nämner baslinjemätningar); None = första året med
    ett redovisat värde för SVF, region och kön."""

    # --- Redovisning ---
    minsta_antal_visas: int = 5
    """Färre patienter än så redovisas inte (SVF-praxis, RCC: minst 5)."""

    def as_sql_params(self) -> dict[str, Any]:
        return asdict(self)


def current() -> Parametrar:
    """The defaults, overridden by ``$ANALYSPLAN_PARAMETRAR`` (JSON) when set."""
    raw = os.environ.get("ANALYSPLAN_PARAMETRAR")
    if not raw:
        return Parametrar()
    overrides = json.loads(raw)
    known = {f.name for f in fields(Parametrar)}
    unknown = set(overrides) - known
    if unknown:
        raise ValueError(f"okända parametrar i ANALYSPLAN_PARAMETRAR: {sorted(unknown)}")
    return replace(Parametrar(), **overrides)


def lan() -> str:
    """The county (SCB länskod) the pipeline runs for: ``$ANALYSPLAN_LAN``, by default Norrbotten."""
    code = os.environ.get(LAN_ENV, "").strip() or STANDARD_LAN
    if code not in reference.LAN:
        raise ValueError(
            f"{LAN_ENV}={code!r} är ingen länskod; välj bland "
            + ", ".join(f"{k} ({v})" for k, v in reference.LAN.items())
        )
    return code


def sql_params(county: str | None = None) -> dict[str, Any]:
    """Everything SQL files may bind: the county (default :func:`lan`) and the analysis parameters."""
    return {"lan": county or lan(), **current().as_sql_params()}
