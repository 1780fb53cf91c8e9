"""One vocabulary: every out_* column in sql/schema.yml follows the column-name rules of the README
("Arkitektur och konventioner", Kolumnnamn) — the name says the unit, and the unit fixes the type.

The rules are kept here as data, in the README's order; a new column either fits a pattern or is added
to the short list of plain names (with its type) in both places.
"""

from __future__ import annotations

import re

import pytest

from pipelines import schema

INTEGER = {"INTEGER", "BIGINT"}
NUMBER = {"DOUBLE", "INTEGER", "BIGINT"}

# (pattern on the whole name, allowed types, what the name promises) — first match wins.
PATTERNS: list[tuple[str, set[str], str]] = [
    (r"andel(_[a-z0-9_]+)?", {"DOUBLE"}, "a fraction 0–1"),
    (r"antal_[a-z0-9_]+", INTEGER, "a count"),
    (r"[a-z0-9_]+_rel", {"DOUBLE"}, "a relative change or difference (0,07 = 7 %)"),
    (r"[a-z0-9_]+_pe", {"DOUBLE"}, "a difference of two andel, as a fraction (0,05 = 5 procentenheter)"),
    (r"[a-z0-9_]+_kr", {"DOUBLE"}, "kronor"),
    (r"[a-z0-9_]+_dagar", NUMBER, "days"),
    (r"[a-z0-9_]+_datum", {"DATE"}, "a date"),
    (r"[a-z0-9_]+_kod", {"VARCHAR"}, "a code"),
    (r"[a-z0-9_]+_namn", {"VARCHAR"}, "a name"),
    (r"[a-z0-9_]+_id", {"VARCHAR"}, "an identifier"),
    (r"rang(_[a-z0-9_]+)?", {"INTEGER"}, "a rank, 1 = first"),
    (r"riktning(_[a-z0-9_]+)?", {"VARCHAR"}, "a comparison's direction: hogre, lagre or lika"),
    (r"varde(_[a-z0-9_]+)?", {"DOUBLE"}, "a value in the indicator's own unit (enhetstyp)"),
    (r"drg_poang(_[a-z0-9_]+)?", {"DOUBLE"}, "DRG-poäng"),
    (r"forbattringspotential_[a-z0-9_]+", {"DOUBLE"}, "patients (of namnare)"),
]

# The closed list of other plain names, with their type.
PLAIN: dict[str, str] = {
    # years and calendar
    "ar": "INTEGER", "basar": "INTEGER", "malar": "INTEGER", "kostnadsar": "INTEGER",
    "manad": "INTEGER", "kvartal": "INTEGER",
    # people
    "kon": "VARCHAR", "alder": "INTEGER", "aldersgrupp": "VARCHAR", "aldersband": "VARCHAR",
    "kpp_aldersgrupp": "VARCHAR", "folkmangd": "BIGINT",
    # codes named after their classification
    "drg": "VARCHAR", "mdc": "VARCHAR", "huvuddiagnos": "VARCHAR", "diagnoskapitel": "VARCHAR",
    "svf": "VARCHAR", "sjukhus": "VARCHAR", "klinik": "VARCHAR",
    # categories
    "regiontyp": "VARCHAR", "vardform": "VARCHAR", "vardtyp": "VARCHAR", "jamforelsegrupp": "VARCHAR",
    "dimension": "VARCHAR", "grupp": "VARCHAR", "fall": "VARCHAR", "utfall": "VARCHAR",
    "behandlingstyp": "VARCHAR", "dataniva": "VARCHAR", "befolkningsserie": "VARCHAR",
    "kostnadsunderlag_lan": "VARCHAR", "ytterfallsgrans_metod": "VARCHAR", "referensomrade": "VARCHAR",
    # price level
    "prisar": "INTEGER", "prisindex": "DOUBLE",
    # direction words a report quotes: högre/lägre/lika, ökade/minskade/oförändrad
    "riktning": "VARCHAR", "riktning_mot_riket": "VARCHAR", "riktning_mot_kontaktandel": "VARCHAR",
    "riktning_mot_kpp_databasen": "VARCHAR", "riktning_andel_av_ytterfallen": "VARCHAR",
    "riktning_andel_ytterfall": "VARCHAR", "riktning_sedan_basar": "VARCHAR", "riktning_fran_foregaende_ar": "VARCHAR",
    # Vården i siffror
    "titel": "VARCHAR", "npo": "VARCHAR", "enhetstyp": "VARCHAR", "onskad_riktning": "VARCHAR",
    "periodtyp": "VARCHAR", "enhetsniva": "VARCHAR", "enhet": "VARCHAR", "period_start": "DATE",
    "period_slut": "DATE", "taljare": "BIGINT", "namnare": "BIGINT", "ki_lag": "DOUBLE", "ki_hog": "DOUBLE",
    "forlopp_nr": "INTEGER", "p_varde": "DOUBLE", "q_varde": "DOUBLE", "p_varde_kon": "DOUBLE",
    "q_varde_kon": "DOUBLE", "p_varde_forandring": "DOUBLE", "q_varde_forandring": "DOUBLE",
    "senaste_period": "BOOLEAN", "signifikant_kon": "BOOLEAN",
    # yes/no
    "ytterfall": "BOOLEAN", "signifikant": "BOOLEAN", "undertryckt": "BOOLEAN", "inom_maxledtid": "BOOLEAN",
    "okad_produktivitet": "BOOLEAN", "signifikant_mot_mal": "BOOLEAN", "signifikant_mot_riket": "BOOLEAN",
    "ar_komplett": "BOOLEAN", "har_indikator": "BOOLEAN", "battre_an_riket": "BOOLEAN", "skyddad": "BOOLEAN",
    # SVF: the new vårdförlopp
    "omgang": "INTEGER", "senaste_ar": "INTEGER", "indikator_npo": "VARCHAR",
}  # fmt: skip


def violation(name: str, typ: str) -> str | None:
    """Why ``name`` of type ``typ`` breaks the rules, or None."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        return "not an ASCII snake_case identifier"
    if name in PLAIN:
        return None if PLAIN[name] == typ else f"a plain name of type {PLAIN[name]}, not {typ}"
    for pattern, types, means in PATTERNS:
        if re.fullmatch(pattern, name):
            return None if typ in types else f"{means}: type {' or '.join(sorted(types))}, not {typ}"
    return "neither a pattern of the rules nor one of the plain names"


def all_columns() -> list[tuple[str, str, str]]:
    return [
        (table, name, typ) for table in schema.documented() for name, typ in schema.columns(table).items()
    ]


def test_every_out_column_follows_the_rules() -> None:
    broken = [f"{t}.{n} ({typ}): {why}" for t, n, typ in all_columns() if (why := violation(n, typ))]
    assert not broken, "\n".join(broken)


def test_every_plain_name_is_used() -> None:
    used = {name for _, name, _ in all_columns()}
    assert not set(PLAIN) - used, "remove plain names no table uses"


@pytest.mark.parametrize(
    ("name", "typ"),
    [("kostnad", "DOUBLE"), ("skillnad_mot_riket", "DOUBLE"), ("forandring_sedan_basar", "DOUBLE"),
     ("kalla", "VARCHAR"), ("kalla_lan", "VARCHAR"), ("jamforelse", "VARCHAR"), ("antal", "BIGINT"),
     ("antal_kontakter", "DOUBLE"), ("andel_ytterfall", "BIGINT"), ("kostnad_kr", "BIGINT"),
     ("median_ledtid", "DOUBLE"), ("relativ_skillnad", "DOUBLE"), ("kon", "INTEGER"), ("Kön", "VARCHAR")],
)  # fmt: skip
def test_old_and_ambiguous_names_are_refused(name: str, typ: str) -> None:
    assert violation(name, typ) is not None


@pytest.mark.parametrize(
    ("name", "typ"),
    [("kostnad_kr", "DOUBLE"), ("skillnad_mot_riket_rel", "DOUBLE"), ("skillnad_mot_riket_pe", "DOUBLE"),
     ("antal_kontakter", "BIGINT"), ("andel", "DOUBLE"), ("median_ledtid_dagar", "DOUBLE"),
     ("region_kod", "VARCHAR"), ("region_namn", "VARCHAR"), ("rang_kvalitetsproblem", "INTEGER")],
)  # fmt: skip
def test_names_by_the_rules_pass(name: str, typ: str) -> None:
    assert violation(name, typ) is None
