"""KPP analysis tables (out_kpp__*): ytterfall, and what the other KPP analyses build on."""

from assets.common import out_asset

kpp_assets = [
    out_asset("out_kpp__kontakter", ["core_kpp__kontakter", "core_drg__vikter"], "kpp"),
    out_asset("out_kpp__ytterfall", ["out_kpp__kontakter", "core_kpp__riket", "core_drg__vikter"], "kpp"),
]
