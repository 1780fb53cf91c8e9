"""SCB analysis tables (out_scb__*)."""

from assets.common import out_asset

scb_assets = [out_asset("out_scb__aldersstruktur", "scb")]
