"""Every choice the analysplan leaves open, as one explicit, documented parameter set.

The defaults follow the plan's text (analysplan-facts §1.3) and SKR's descriptions; each field
says where it comes from. The values are bound into the SQL of the out_* tables (``$name``) and
are part of each table's fingerprint, so changing one rebuilds exactly what depends on it. They
can be overridden per run in Dagster (resource ``analysplan``'s config) or with the environment
variable ``ANALYSPLAN_PARAMETRAR`` holding JSON, e.g. ``{"ytterfall_regel": "vardtid"}``.
That JSON is checked before any run (:func:`current`, :func:`problems`): known keys, the field's
type, the allowed names of a rule, the ranges in :data:`RANGES` (a share strictly between 0 and 1,
``minsta_antal_visas`` at least the guide's 5, years 1900–2100) — a Swedish error names the
parameter and what is allowed.

The county the pipeline runs for is configuration too: :func:`lan` reads ``ANALYSPLAN_LAN`` with
its one default (Norrbotten); the resource, the CLI, ingest and the reports all get it from there.
"""

from __future__ import annotations

import difflib
import json
import math
import os
import types
import typing
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal

from pipelines import reference

LAN_ENV = "ANALYSPLAN_LAN"
PARAMETRAR_ENV = "ANALYSPLAN_PARAMETRAR"
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


class ParameterError(ValueError):
    """A parameter outside what is allowed; the message (Swedish) names it and what is allowed."""


@dataclass(frozen=True)
class Range:
    """Allowed values of a number: ``low``/``high`` (None = no bound), open or closed at each end."""

    low: float | None
    high: float | None
    text: str
    low_open: bool = False
    high_open: bool = False

    def contains(self, value: float) -> bool:
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.high_open else value > self.high))


SHARE = Range(0, 1, "en andel större än 0 och mindre än 1 (0.05 = 5 %)", low_open=True, high_open=True)
YEAR = Range(1900, 2100, "ett år mellan 1900 och 2100")
RANGES: dict[str, Range] = {
    "ytterfall_andel_sluten": SHARE,
    "ytterfall_andel_oppen": SHARE,
    "ytterfall_minsta_antal": Range(1, 1_000_000, "ett antal kontakter, minst 1"),
    "ytterfall_vardtid_k": Range(0, 100, "ett tal större än 0 (SKR: 1,5 eller 2)", low_open=True),
    "ytterfall_basar": YEAR,
    "demografi_basar": YEAR,
    "demografi_malar": YEAR,
    "demografi_kostnadsar": YEAR,
    "demografi_planens_fran": YEAR,
    "demografi_planens_till": YEAR,
    "demografi_planens_takt": Range(-1, 1, "en årlig andel mellan -1 och 1 (0.006 = 0,6 %)", True, True),
    "svf_basar": YEAR,
    # The developers' guide: never fewer than 5 individuals in a published cell (RCC's rule for SVF).
    "minsta_antal_visas": Range(5, 1_000_000, "ett heltal, minst 5 (handbokens gräns för små antal)"),
}
ORDER: tuple[tuple[str, str, str], ...] = (
    ("demografi_basar", "demografi_malar", "basåret får inte ligga efter målåret"),
    (
        "demografi_planens_fran",
        "demografi_planens_till",
        "periodens första år får inte ligga efter det sista",
    ),
)


def _shown(value: Any) -> str:
    """A value as the user wrote it in JSON (``true``, ``"0.05"``, ``NaN``)."""
    return json.dumps(value, ensure_ascii=False)


def _type_problem(value: Any, annotation: Any) -> str | None:
    """Why ``value`` does not fit the field's type (Swedish), or None."""
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) else (annotation,)
    if value is None:
        return None if type(None) in options else "får inte vara null"
    kinds = [o for o in options if o is not type(None)]
    (kind,) = kinds
    if typing.get_origin(kind) is Literal:
        allowed = [str(v) for v in typing.get_args(kind)]
        if value in allowed:
            return None
        close = difflib.get_close_matches(str(value), allowed, n=1)
        hint = f" (menade du {close[0]!r}?)" if close else ""
        return f"{_shown(value)} är inte tillåtet{hint}; välj bland {', '.join(allowed)}"
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return f"{_shown(value)} är inget tal"
        return None
    if kind is int:
        return (
            None
            if isinstance(value, int) and not isinstance(value, bool)
            else f"{_shown(value)} är inget heltal"
        )
    return None


def problems(p: Parametrar) -> list[str]:
    """What is wrong with ``p``, one Swedish sentence per parameter: type, range, known names, order."""
    hints = typing.get_type_hints(Parametrar)
    found = []
    for f in fields(Parametrar):
        value = getattr(p, f.name)
        problem = _type_problem(value, hints[f.name])
        allowed = RANGES.get(f.name)
        if problem is None and allowed is not None and value is not None and not allowed.contains(value):
            problem = f"{_shown(value)} ligger utanför det tillåtna"
        if problem is not None:
            expected = (
                f"; tillåtet: {allowed.text}" if allowed is not None and "välj bland" not in problem else ""
            )
            found.append(f"parametern {f.name}: {problem}{expected}")
    if not found:
        for first, last, rule in ORDER:
            if getattr(p, first) > getattr(p, last):
                found.append(
                    f"parametrarna {first} = {getattr(p, first)} och {last} = {getattr(p, last)}: {rule}"
                )
    return found


def current() -> Parametrar:
    """The defaults, overridden by ``$ANALYSPLAN_PARAMETRAR`` (JSON) when set."""
    raw = os.environ.get(PARAMETRAR_ENV)
    if not raw or not raw.strip():
        return Parametrar()
    example = '{"ytterfall_regel": "vardtid"}'
    try:
        overrides = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ParameterError(
            f"{PARAMETRAR_ENV} är inte giltig JSON (tecken {err.pos + 1}: {err.msg}); "
            f"ange ett JSON-objekt, t.ex. {example}"
        ) from None
    if not isinstance(overrides, dict):
        raise ParameterError(
            f"{PARAMETRAR_ENV} ska vara ett JSON-objekt, t.ex. {example}; fick {raw.strip()!r}"
        )
    known = [f.name for f in fields(Parametrar)]
    for name in overrides:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (menade du {close[0]!r}?)" if close else ""
            raise ParameterError(
                f"{PARAMETRAR_ENV}: okänd parameter {name!r}{hint}; kända: {', '.join(known)}"
            )
    chosen = replace(Parametrar(), **overrides)
    found = problems(chosen)
    if found:
        raise ParameterError(f"{PARAMETRAR_ENV}: " + "; ".join(found))
    return chosen


def lan() -> str:
    """The county (SCB länskod) the pipeline runs for: ``$ANALYSPLAN_LAN``, by default Norrbotten."""
    return check_lan(os.environ.get(LAN_ENV, "").strip() or STANDARD_LAN)


def check_lan(code: str) -> str:
    """``code`` if it is one of the 21 län codes (:data:`pipelines.reference.LAN`), else a Swedish error."""
    if code not in reference.LAN:
        raise ParameterError(
            f"{LAN_ENV}={code!r} är ingen länskod; välj bland "
            + ", ".join(f"{k} ({v})" for k, v in reference.LAN.items())
        )
    return code


def sql_params(county: str | None = None) -> dict[str, Any]:
    """Everything SQL files may bind: the county (default :func:`lan`) and the analysis parameters."""
    return {"lan": check_lan(county) if county else lan(), **current().as_sql_params()}
