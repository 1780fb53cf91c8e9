"""The two Vården i siffror reports change with the data: each is rendered twice (builtin engine, HTML)
on the small hand-made warehouse of test_out_vis, once as it is and once with the county's antibiotic
prescriptions raised from 230 to 270 per 1 000 invånare — from significantly better than the rest of
riket to significantly worse."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import duckdb
import pytest

from pipelines import publish, reportlib
from pipelines.render import render
from tests.integration.test_out_vis import RESULTAT, VIS_TABLES, build_vis, res


def html_text(path: Path) -> str:
    text = unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))
    return " ".join(text.replace("\xa0", " ").replace("\xad", "").split())


def render_report(con: duckdb.DuckDBPyConnection, slug: str, folder: Path) -> str:
    data = folder / "data"
    publish.freeze_tables(con, list(VIS_TABLES), data, 5)
    out = render(
        publish.report_qmd(slug),
        folder / "out",
        formats=("html",),
        engine="builtin",
        env={reportlib.DATA_ENV: str(data), "ANALYSPLAN_LAN": "25", reportlib.MINSTA_ANTAL_ENV: "5"},
    )
    return html_text(out["html"])


def worse_prescriptions() -> list[tuple]:
    rows = [r for r in RESULTAT if not (r[0] == "M3" and r[8] == "25")]
    return [*rows, res("M3", "25", None, None, varde=270.0, pop=250_000)]


@pytest.mark.parametrize(
    ("slug", "before", "after"),
    [
        ("gap-npo",
         "Av 3 indikatorer som gick att testa var Norrbotten signifikant sämre än övriga riket i 2 och signifikant bättre i 1",
         "Av 3 indikatorer som gick att testa var Norrbotten signifikant sämre än övriga riket i 3 och signifikant bättre i 0"),
        ("halso-och-sjukvard",
         "Jämfört med övriga riket var Norrbotten signifikant bättre i 1 och sämre i 2 av 3 testade indikatorer",
         "Jämfört med övriga riket var Norrbotten signifikant bättre i 0 och sämre i 3 av 3 testade indikatorer"),
    ],
)  # fmt: skip
def test_report_text_follows_the_data(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, slug: str, before: str, after: str
) -> None:
    first = render_report(build_vis(con), slug, tmp_path / "a")
    assert before in first
    second = render_report(build_vis(con, worse_prescriptions()), slug, tmp_path / "b")
    assert after in second and before not in second
