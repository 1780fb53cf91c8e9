"""SVF analysis tables (uppdrag "Standardiserade vårdförlopp"): pathways and lead times."""

from assets.common import out_asset

svf_assets = [out_asset(table, "svf") for table in ("out_svf__forlopp", "out_svf__ledtider")]
