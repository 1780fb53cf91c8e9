"""KPP 2020 and Cancerrapport change with the data: each rendered twice on two small hand-made warehouses,
a sentence's number (and direction) follows the frozen tables."""

from __future__ import annotations

import html
import re

import duckdb
import pytest

from pipelines import publish, warehouse
from pipelines.formatering import procent
from pipelines.parametrar import Parametrar
from pipelines.workspace import Workspace
from tests.integration.test_out_kpp_kontakter import kpp  # noqa: F401  (fixture)
from tests.integration.test_out_kpp_ytterfall import RIKET, RIKET_DDL

TABLES = (
    "out_kpp__ytterfallsgranser",
    "out_kpp__kontakter",
    "out_kpp__kostnad_per_drg_poang",
    "out_kpp__kostnad_per_drg_poang_grupp",
    "out_kpp__oppenvardsandel",
    "out_kpp__sjukhus",
    "out_kpp__produktivitet_kvartal",
    "out_kpp__cancer",
)


def build(con: duckdb.DuckDBPyConnection, riket: list[tuple]) -> None:
    con.execute(RIKET_DDL)
    con.executemany(f"INSERT INTO core_kpp__riket VALUES ({', '.join(['?'] * 12)}, 'r.csv', 1)", riket)
    params = {"lan": "25", **Parametrar().as_sql_params()}
    for table in TABLES:
        warehouse.build_table(con, table, params)


def text_of(published: publish.Published) -> str:
    page = published.files["html"].read_text(encoding="utf-8")
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def no_git(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publish, "git_revision", lambda: {"commit": "0123456789abcdef", "dirty": False})


@pytest.mark.usefixtures("no_git")
def test_kpp_2020_summary_follows_riket(workspace: Workspace, kpp: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    # County somatisk slutenvård (from its extract: the fixture's database has no county rows):
    # 197 000 kr / 34,5 p. Riket: (1 000 000 − 200 000 + 400 000 − 50 000) / 214,5 → county 6,5 % dearer.
    build(kpp, RIKET)
    first = publish.publish(workspace, kpp, "kpp-2020", engine="builtin")
    county, riket = 197_000 / 34.5, 1_150_000 / 214.5
    sentence = "Kostnaden per DRG-poäng exklusive ytterfall var {} än rikets i somatisk slutenvård"
    assert sentence.format(f"{procent(county / riket - 1)} högre".replace("\u00a0", " ")) in text_of(first)
    assert set(first.files) == {"html", "pptx"}
    # Riket's A01 (65-79, K) costs 100 000 kr more: riket 1 250 000 / 214,5 → the county is cheaper
    dearer = [(*r[:9], r[9] + 100_000, *r[10:]) if r[6] == "alla" and r[3] == "65-79" else r for r in RIKET]
    build(kpp, dearer)
    second = publish.publish(workspace, kpp, "kpp-2020", engine="builtin")
    riket = 1_250_000 / 214.5
    assert sentence.format(f"{procent(1 - county / riket)} lägre".replace("\u00a0", " ")) in text_of(second)


@pytest.mark.usefixtures("no_git")
def test_cancer_summary_follows_the_contacts(workspace: Workspace, kpp: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    build(kpp, RIKET)
    first = publish.publish(workspace, kpp, "cancer", engine="builtin")
    # B02's ten C50.9 contacts, ten patients, öppenvård
    assert "10 individer hade 10 vårdkontakter och 0 vårddagar" in text_of(first)
    no_in_situ = "Extraktet har inga kontakter med cancer in situ (D00–D09) som huvuddiagnos 2018–2020"
    assert no_in_situ in text_of(first)
    assert set(first.files) == {"html", "pdf"}
    kpp.executemany(
        "INSERT INTO core_kpp__kontakter VALUES ('25', ?, ?, 2020, 4, 'SUN', 'Onkologi', 'sluten', 'somatisk', "
        "'M', 70, 'C61', 'C03', 3, 3000.0, 'f.csv', 1)",
        [(f"y{n}", f"PY{n // 2}") for n in range(6)],  # six contacts of three men, three days each
    )
    build(kpp, RIKET)
    second = publish.publish(workspace, kpp, "cancer", engine="builtin")
    assert "13 individer hade 16 vårdkontakter och 18 vårddagar" in text_of(second)
    assert no_in_situ in text_of(second)
    kpp.execute(
        "INSERT INTO core_kpp__kontakter VALUES ('25', 'z1', 'PZ1', 2020, 5, 'SUN', 'Kvinnoklinik', 'oppen', "
        "'somatisk', 'K', 40, 'D069', 'B02', 0, 900.0, 'f.csv', 2)"
    )
    build(kpp, RIKET)
    third = publish.publish(workspace, kpp, "cancer", engine="builtin")
    assert no_in_situ not in text_of(third)
    assert "Cancer in situ (D00–D09)" in text_of(third)
