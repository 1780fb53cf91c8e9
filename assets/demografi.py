"""Demography and cost (uppdrag "Demografi och sjukdomspanorama"): method, need, standardisation."""

from assets.common import out_asset

demografi_assets = [
    out_asset("out_kpp__demografi_klinik", ["out_kpp__kontakter"], "demografi"),
    out_asset(
        "out_demografi__behov",
        ["out_kpp__kontakter", "core_scb__befolkning", "core_scb__prognos"],
        "demografi",
    ),
    out_asset(
        "out_demografi__standardiserad_kostnad",
        ["out_kpp__kontakter", "core_kpp__riket", "core_scb__befolkning"],
        "demografi",
    ),
]
