"""KPP analysis tables (out_kpp__*): ytterfall, productivity, KPP per hospital and cancer care."""

from assets.common import out_asset

KONTAKTER = "out_kpp__kontakter"

kpp_assets = [
    out_asset(KONTAKTER, ["core_kpp__kontakter", "core_drg__vikter"], "kpp"),
    out_asset("out_kpp__ytterfall", [KONTAKTER, "core_kpp__riket", "core_drg__vikter"], "kpp"),
    out_asset(
        "out_kpp__ytterfall_fordelning",
        [KONTAKTER, "core_kpp__riket", "core_drg__vikter", "core_ref__diagnoskapitel"],
        "kpp",
    ),
    out_asset("out_kpp__kostnad_per_drg_poang", [KONTAKTER, "core_kpp__riket"], "kpp"),
    out_asset("out_kpp__oppenvardsandel", [KONTAKTER, "core_kpp__riket"], "kpp"),
    out_asset("out_kpp__sjukhus", [KONTAKTER, "out_kpp__kostnad_per_drg_poang", "core_ref__sjukhus"], "kpp"),
    out_asset("out_kpp__produktivitet_kvartal", [KONTAKTER], "kpp"),
    out_asset("out_kpp__cancer", [KONTAKTER], "kpp"),
]
