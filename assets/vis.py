"""GAP-analys mot NPO (Vården i siffror): comparison, geography, prioritisation."""

from assets.common import out_asset

VIS = ["core_vis__resultat", "core_vis__katalog"]

vis_assets = [
    out_asset("out_vis__jamforelse", VIS, "vis"),
    out_asset("out_vis__gap_geografi", VIS, "vis"),
    out_asset("out_vis__prioritering", ["out_vis__jamforelse"], "vis"),
]
