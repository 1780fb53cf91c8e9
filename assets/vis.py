"""GAP-analys mot NPO (Vården i siffror): comparison, geography, prioritisation."""

from assets.common import out_asset

vis_assets = [
    out_asset(table, "vis")
    for table in (
        "out_vis__jamforelse",
        "out_vis__gap_geografi",
        "out_vis__prioritering",
        "out_vis__npo_oversikt",
    )
]
