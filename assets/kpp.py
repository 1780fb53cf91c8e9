"""KPP analysis tables (out_kpp__*): ytterfall, productivity, KPP per hospital and cancer care."""

from assets.common import out_asset

kpp_assets = [
    out_asset(table, "kpp")
    for table in (
        "out_kpp__ytterfallsgranser",
        "out_kpp__kontakter",
        "out_kpp__ytterfall",
        "out_kpp__ytterfall_fordelning",
        "out_kpp__ytterfall_andelar",
        "out_kpp__ytterfall_uppdelning",
        "out_kpp__ytterfall_trend",
        "out_kpp__kostnad_per_drg_poang",
        "out_kpp__kostnad_per_drg_poang_grupp",
        "out_kpp__oppenvardsandel",
        "out_kpp__sjukhus",
        "out_kpp__produktivitet_kvartal",
        "out_kpp__cancer",
    )
]
