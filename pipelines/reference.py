"""Reference data that no extract delivers: region codes and names (SCB's län and kommun codes).

Loaded into the warehouse as ``core_ref__regioner`` so every table can carry Swedish names.
"""

from __future__ import annotations

from typing import NamedTuple

import pyarrow as pa

from pipelines.workspace import REPO_ROOT


class Region(NamedTuple):
    kod: str
    namn: str
    typ: str  # 'riket' | 'lan' | 'kommun'
    lan_kod: str | None


RIKET = Region("00", "Riket", "riket", None)

LAN: dict[str, str] = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}

# Norrbotten's 14 kommuner, SCB codes (sources.md §1.3).
NORRBOTTEN_KOMMUNER: dict[str, str] = {
    "2505": "Arvidsjaur",
    "2506": "Arjeplog",
    "2510": "Jokkmokk",
    "2513": "Överkalix",
    "2514": "Kalix",
    "2518": "Övertorneå",
    "2521": "Pajala",
    "2523": "Gällivare",
    "2560": "Älvsbyn",
    "2580": "Luleå",
    "2581": "Piteå",
    "2582": "Boden",
    "2583": "Haparanda",
    "2584": "Kiruna",
}

NORRBOTTEN = "25"


class Sjukhus(NamedTuple):
    kod: str  # short code used in extracts and tables
    namn: str
    kommun_kod: str
    sjukhustyp: str  # KPP comparison group: 'lanssjukhus' | 'lansdelssjukhus' | 'primarvard'


# Region Norrbotten's hospitals (and primärvården as one unit), with the kommun they lie in.
# Sunderby sjukhus is the county hospital; the others are länsdelssjukhus.
NORRBOTTEN_SJUKHUS: dict[str, Sjukhus] = {
    s.kod: s
    for s in [
        Sjukhus("SUN", "Sunderby sjukhus", "2580", "lanssjukhus"),
        Sjukhus("PIT", "Piteå älvdals sjukhus", "2581", "lansdelssjukhus"),
        Sjukhus("GAL", "Gällivare sjukhus", "2523", "lansdelssjukhus"),
        Sjukhus("KIR", "Kiruna sjukhus", "2584", "lansdelssjukhus"),
        Sjukhus("KAL", "Kalix sjukhus", "2514", "lansdelssjukhus"),
        Sjukhus("PV", "Primärvården Norrbotten", "25", "primarvard"),
    ]
}


# ICD-10-SE chapters (huvuddiagnoskapitel): the macro icd10_kapitel() in sql/macros.sql maps
# a code to its chapter; these are the chapters' code ranges and Swedish names.
ICD10_KAPITEL: dict[str, tuple[str, str]] = {
    "I": ("A00-B99", "Vissa infektionssjukdomar och parasitsjukdomar"),
    "II": ("C00-D48", "Tumörer"),
    "III": ("D50-D89", "Sjukdomar i blod och blodbildande organ samt vissa rubbningar i immunsystemet"),
    "IV": ("E00-E90", "Endokrina sjukdomar, nutritionsrubbningar och ämnesomsättningssjukdomar"),
    "V": ("F00-F99", "Psykiska sjukdomar och syndrom samt beteendestörningar"),
    "VI": ("G00-G99", "Sjukdomar i nervsystemet"),
    "VII": ("H00-H59", "Sjukdomar i ögat och närliggande organ"),
    "VIII": ("H60-H95", "Sjukdomar i örat och mastoidutskottet"),
    "IX": ("I00-I99", "Cirkulationsorganens sjukdomar"),
    "X": ("J00-J99", "Andningsorganens sjukdomar"),
    "XI": ("K00-K93", "Matsmältningsorganens sjukdomar"),
    "XII": ("L00-L99", "Hudens och underhudens sjukdomar"),
    "XIII": ("M00-M99", "Sjukdomar i muskuloskeletala systemet och bindväven"),
    "XIV": ("N00-N99", "Sjukdomar i urin- och könsorganen"),
    "XV": ("O00-O99", "Graviditet, förlossning och barnsängstid"),
    "XVI": ("P00-P96", "Vissa perinatala tillstånd"),
    "XVII": ("Q00-Q99", "Medfödda missbildningar, deformiteter och kromosomavvikelser"),
    "XVIII": ("R00-R99", "Symtom, sjukdomstecken och onormala kliniska fynd och laboratoriefynd"),
    "XIX": ("S00-T98", "Skador, förgiftningar och vissa andra följder av yttre orsaker"),
    "XX": ("V01-Y98", "Yttre orsaker till sjukdom och död"),
    "XXI": (
        "Z00-Z99",
        "Faktorer av betydelse för hälsotillståndet och för kontakter med hälso- och sjukvården",
    ),
    "XXII": ("U00-U99", "Koder för särskilda ändamål"),
}


def sjukhus_table() -> pa.Table:
    rows = list(NORRBOTTEN_SJUKHUS.values())
    return pa.table(
        {
            "sjukhus": [s.kod for s in rows],
            "sjukhus_namn": [s.namn for s in rows],
            "kommun_kod": [s.kommun_kod for s in rows],
            "sjukhustyp": [s.sjukhustyp for s in rows],
        }
    )


def diagnoskapitel_table() -> pa.Table:
    return pa.table(
        {
            "kapitel": list(ICD10_KAPITEL),
            "kodintervall": [v[0] for v in ICD10_KAPITEL.values()],
            "kapitel_namn": [v[1] for v in ICD10_KAPITEL.values()],
        }
    )


def regions() -> list[Region]:
    out = [RIKET]
    out += [Region(kod, namn, "lan", kod) for kod, namn in LAN.items()]
    out += [Region(kod, namn, "kommun", kod[:2]) for kod, namn in NORRBOTTEN_KOMMUNER.items()]
    return out


def regions_table() -> pa.Table:
    rows = regions()
    return pa.table(
        {
            "region_kod": [r.kod for r in rows],
            "region_namn": [r.namn for r in rows],
            "regiontyp": [r.typ for r in rows],
            "lan_kod": [r.lan_kod for r in rows],
        }
    )


def region_name(kod: str) -> str:
    for r in regions():
        if r.kod == kod:
            return r.namn
    raise KeyError(kod)


def data_version(table: pa.Table) -> str:
    """Hash of a reference table's content (schema and rows): it is the reference table's input,
    so a changed list rebuilds that table and only what reads it."""
    import hashlib
    import json

    payload = json.dumps({"schema": str(table.schema), "rows": table.to_pylist()}, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


# --- The analysplan 2020 (reports/analysplan-2020.yml) as a table ---------------------------------
ANALYSPLAN_FILE = REPO_ROOT / "reports" / "analysplan-2020.yml"


def analysplan_table() -> pa.Table:
    """One row per analysuppdrag, in the plan's order: the fields the plan-status report shows.

    Read from the YAML file at every build (never cached), so an edited plan gives a new table.
    ``ovriga_rapporter`` lists the other reports filed under the uppdrag in ``rapporter:``
    (e.g. ``befolkning`` as underlag to Demografi), comma-separated.
    """
    import yaml

    plan = yaml.safe_load(ANALYSPLAN_FILE.read_text(encoding="utf-8"))
    uppdrag = plan["uppdrag"]
    rapporter = plan.get("rapporter") or {}

    def others(u: dict[str, object]) -> str | None:
        slugs = sorted(
            s for s, r in rapporter.items() if r.get("uppdrag") == u["id"] and s != u.get("rapport")
        )
        return ", ".join(slugs) or None

    def text(value: object) -> str | None:  # one line: table cells
        return " ".join(str(value).split()) if value is not None else None

    def paragraphs(value: object) -> str | None:  # the plan's paragraphs and lists kept (blank lines, "- ")
        return str(value).strip() if value is not None else None

    return pa.table(
        {
            "ordning": pa.array(range(1, len(uppdrag) + 1), pa.int32()),
            "uppdrag_id": [u["id"] for u in uppdrag],
            "rubrik": [text(u["rubrik"]) for u in uppdrag],
            "omrade": [u["omrade"] for u in uppdrag],
            "redovisas": [text(u["redovisas"]) for u in uppdrag],
            "ansvarig_avdelning": [text(u["ansvarig_avdelning"]) for u in uppdrag],
            "ansvarig_chef": [text(u["ansvarig_chef"]) for u in uppdrag],
            "ansvarig_utredare": [text(u["ansvarig_utredare"]) for u in uppdrag],
            "publikationsform": [text(u["publikationsform"]) for u in uppdrag],
            "syfte": [paragraphs(u.get("syfte", u.get("syfte_och_verksamhetsnytta"))) for u in uppdrag],
            "ska_leda_till": [text(u.get("ska_leda_till")) for u in uppdrag],
            "data_i_pipelinen": pa.array([bool(u["data_i_pipelinen"]) for u in uppdrag], pa.bool_()),
            "rapport": pa.array([u.get("rapport") for u in uppdrag], pa.string()),
            "ovriga_rapporter": pa.array([others(u) for u in uppdrag], pa.string()),
        }
    )


# --- Vården i siffror and SVF (appended for the VIS/SVF sources) ---------------------------------
# The 21 regions as health-care authorities: their own names, and the short names Vården i siffror
# uses for them (RegionName in VIS results, e.g. "Västra Götaland" in RCSTAT's snapshot; Enhetsnamn
# in the older VIS CSV export, e.g. "Jämtland Härjedalen", "Norrbotten").
REGION_NAMN: dict[str, str] = {
    "01": "Region Stockholm",
    "03": "Region Uppsala",
    "04": "Region Sörmland",
    "05": "Region Östergötland",
    "06": "Region Jönköpings län",
    "07": "Region Kronoberg",
    "08": "Region Kalmar län",
    "09": "Region Gotland",
    "10": "Region Blekinge",
    "12": "Region Skåne",
    "13": "Region Halland",
    "14": "Västra Götalandsregionen",
    "17": "Region Värmland",
    "18": "Region Örebro län",
    "19": "Region Västmanland",
    "20": "Region Dalarna",
    "21": "Region Gävleborg",
    "22": "Region Västernorrland",
    "23": "Region Jämtland Härjedalen",
    "24": "Region Västerbotten",
    "25": "Region Norrbotten",
}

REGION_KORTNAMN: dict[str, str] = {
    "01": "Stockholm",
    "03": "Uppsala",
    "04": "Sörmland",
    "05": "Östergötland",
    "06": "Jönköping",
    "07": "Kronoberg",
    "08": "Kalmar",
    "09": "Gotland",
    "10": "Blekinge",
    "12": "Skåne",
    "13": "Halland",
    "14": "Västra Götaland",
    "17": "Värmland",
    "18": "Örebro",
    "19": "Västmanland",
    "20": "Dalarna",
    "21": "Gävleborg",
    "22": "Västernorrland",
    "23": "Jämtland Härjedalen",
    "24": "Västerbotten",
    "25": "Norrbotten",
}


# --- De tio nya vårdförloppen 2020 (uppdrag "Standardiserade vårdförlopp [SVF] 2020") -----------------
class Vardforlopp(NamedTuple):
    kod: str  # ASCII id
    nr: int  # order in the plan's table
    namn: str  # as in the plan (000:172–182)
    omgang: int  # 1 = "Första omgången", 2 = "Andra omgången" (000:172–182)
    lokal_gruppering: str  # "Lokal gruppering med huvudsakligt ansvar" (000:172–182)
    npo: str  # the national programme area responsible for the pathway
    startar: int  # the year the pathway was approved for implementation: its baseline year


# Sources: pathway, round and lokal gruppering — analysplanen 2020 (000:172–182). Responsible NPO — the
# national steering group's decision on the ten pathways as listed by Västra Götalandsregionen
# ("Personcentrerade och sammanhållna vårdförlopp", vgregion.se, Regional kunskapsstyrning): hjärtsvikt
# and kritisk ischemi NPO hjärt- och kärlsjukdomar, reumatoid artrit reumatiska sjukdomar, schizofreni
# psykisk hälsa, stroke nervsystemets sjukdomar, höftartros rörelseorganens sjukdomar, KOL lung- och
# allergisjukdomar, osteoporos endokrina sjukdomar, sepsis infektionssjukdomar, kognitiv svikt äldres
# hälsa. Start year — Årsredovisning 2020 (002:1017): six pathways (höftledsartros, reumatoid artrit,
# stroke/TIA, schizofreni, KOL, sepsis) were "godkänts för implementering" in 2020; the other four were
# not yet, and are set to 2021 (their national approval; an assumption the region documents do not state).
NYA_VARDFORLOPP: tuple[Vardforlopp, ...] = (
    Vardforlopp("hjartsvikt", 1, "Hjärtsvikt", 1, "LAG Hjärtsvikt", "Hjärt- och kärlsjukdomar", 2021),
    Vardforlopp(
        "kritisk_ischemi",
        2,
        "Kritisk ischemi",
        1,
        "LPO Hjärt- och kärlsjukdomar",
        "Hjärt- och kärlsjukdomar",
        2021,
    ),
    Vardforlopp("stroke", 3, "Stroke", 1, "LAG Stroke", "Nervsystemets sjukdomar", 2020),
    Vardforlopp(
        "schizofreni",
        4,
        "Schizofreni och schizofreniliknande tillstånd",
        1,
        "LPO Psykisk hälsa",
        "Psykisk hälsa",
        2020,
    ),
    Vardforlopp(
        "reumatoid_artrit", 5, "Reumatoid artrit", 1, "LPO Reumatiska sjukdomar", "Reumatiska sjukdomar", 2020
    ),
    Vardforlopp("osteoporos", 6, "Osteoporos", 2, "LPO Endokrinologi", "Endokrina sjukdomar", 2021),
    Vardforlopp(
        "kognitiv_svikt",
        7,
        "Utredning av kognitiv svikt/demenssjukdomar",
        2,
        "LPO Äldres hälsa",
        "Äldres hälsa",
        2021,
    ),
    Vardforlopp("kol", 8, "KOL", 2, "LAG Astma/KOL", "Lung- och allergisjukdomar", 2020),
    Vardforlopp("sepsis", 9, "Sepsis", 2, "LPO Infektionssjukdomar", "Infektionssjukdomar", 2020),
    Vardforlopp(
        "hoftartros", 10, "Höftartros", 2, "LPO Rörelseorganens sjukdomar", "Rörelseorganens sjukdomar", 2020
    ),
)

# The Vården i siffror indicators (main measures, by their catalogue title) that measure each pathway's
# patient group: the baseline of the pathway. Chosen by hand from the catalogue (core_vis__katalog): an
# indicator counts when its population is the pathway's (stroke patients, patients with schizofreni,
# patients operated for höftartros), not merely the same NPO — e.g. statin treatment after hjärtinfarkt
# is NPO hjärt- och kärlsjukdomar but says nothing about hjärtsvikt. A pathway not listed has no such
# indicator in the catalogue; the report says so. Edit this list when the catalogue changes.
VARDFORLOPP_INDIKATORER: dict[str, tuple[str, ...]] = {
    "stroke": ("Reperfusionsbehandling vid ischemisk stroke", "Nöjd med rehabiliteringen efter stroke"),
    "schizofreni": (
        "Antipsykotisk läkemedelsbehandling vid schizofreni",
        "Levnadsvanor efterfrågade vid schizofreni",
    ),
    "hoftartros": (
        "Omoperation inom två år efter höftprotesoperation",
        "Smärta ett år efter höftprotesoperation",
    ),
}


def vardforlopp_table() -> pa.Table:
    rows = NYA_VARDFORLOPP
    return pa.table(
        {
            "forlopp_kod": [v.kod for v in rows],
            "forlopp_nr": pa.array([v.nr for v in rows], pa.int32()),
            "forlopp_namn": [v.namn for v in rows],
            "omgang": pa.array([v.omgang for v in rows], pa.int32()),
            "lokal_gruppering": [v.lokal_gruppering for v in rows],
            "npo": [v.npo for v in rows],
            "startar": pa.array([v.startar for v in rows], pa.int32()),
        }
    )


def vardforlopp_indikator_table() -> pa.Table:
    pairs = [(kod, titel) for kod, titlar in VARDFORLOPP_INDIKATORER.items() for titel in titlar]
    return pa.table({"forlopp_kod": [k for k, _ in pairs], "indikator_titel": [t for _, t in pairs]})
