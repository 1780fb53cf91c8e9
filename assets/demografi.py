"""Demography and cost (uppdrag "Demografi och sjukdomspanorama"): method, need, standardisation."""

from assets.common import out_asset

demografi_assets = [
    out_asset(table, "demografi")
    for table in (
        "out_kpp__demografi_klinik",
        "out_demografi__behov",
        "out_demografi__behovstakt",
        "out_demografi__standardiserad_kostnad",
    )
]
