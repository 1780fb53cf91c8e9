"""SVF analysis tables (uppdrag "Standardiserade vårdförlopp"): pathways and lead times."""

from assets.common import out_asset

svf_assets = [
    out_asset("out_svf__forlopp", ["core_svf__handelser", "core_svf__maxledtider"], "svf"),
    out_asset(
        "out_svf__ledtider", ["out_svf__forlopp", "core_svf__aggregat", "core_svf__maxledtider"], "svf"
    ),
]
