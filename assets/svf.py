"""SVF analysis tables (uppdrag "Standardiserade vårdförlopp"): pathways, lead times, baselines."""

from assets.common import out_asset

svf_assets = [
    out_asset(table, "svf")
    for table in (
        "out_svf__leveransar",
        "out_svf__forlopp",
        "out_svf__ledtider",
        "out_svf__ledtider_grupper",
        "out_svf__nya_forlopp_baslinje",
    )
]
