"""reports/analysplan-2020.yml: the plan's own fields are the plan's text, verbatim (whitespace aside)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pipelines import reportlib
from pipelines.workspace import REPO_ROOT

# The plan document (../shared/region-documents/000_*.txt), vendored so the test never skips; a test
# below checks the copy against the original wherever shared/ is beside the repo.
PLAN_TEXT = REPO_ROOT / "tests" / "fixtures" / "reference" / "analysplan_2020_000.txt"
SHARED_PLAN = sorted((REPO_ROOT.parent / "shared" / "region-documents").glob("000_*.txt"))

# Fields whose values the plan states; every string in them must occur in the plan document.
QUOTED = (
    "rubrik",
    "bakgrund",
    "syfte",
    "syfte_och_verksamhetsnytta",
    "verksamhetsnytta",
    "fragestallningar",
    "ska_leda_till",
    "metod",
    "metod_tabell",
    "redovisas",
    "ansvarig_avdelning",
    "ansvarig_chef",
    "ansvarig_utredare",
    "publikationsform",
)
# Fields every uppdrag carries (value null or [] where the plan states nothing).
REQUIRED = (
    "id",
    "rubrik",
    "omrade",
    "rader",
    "data_i_pipelinen",
    "rapport",
    "bakgrund",
    "fragestallningar",
    "ska_leda_till",
    "redovisas",
    "ansvarig_avdelning",
    "ansvarig_chef",
    "ansvarig_utredare",
    "publikationsform",
)
DATA_REPORTS = {
    "fin-ytterfall-2020": "ytterfall",
    "fin-demografi-sjukdomspanorama-2020": "demografi",
    "hs-gap-npo-2020": "gap-npo",
    "hs-svf-2020": "svf",
    "fin-kpp-2020": "kpp-2020",
    "fin-cancerrapport-2020": "cancer",
    "hs-halso-och-sjukvardsrapporten-2020": "halso-och-sjukvard",
}


def normalise(text: str) -> str:
    """Whitespace only: every run of blanks, tabs and line breaks becomes one space."""
    return " ".join(text.split())


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)


def _plan_text() -> str:
    return normalise(PLAN_TEXT.read_text(encoding="utf-8"))


UPPDRAG = reportlib.plan()["uppdrag"]


def test_normalise_touches_whitespace_only() -> None:
    assert normalise("cancer-\n\nvården  är\tdyr\n") == "cancer- vården är dyr"
    assert normalise("0-64\n\når") == "0-64 år"


@pytest.mark.parametrize("uppdrag", UPPDRAG, ids=[u["id"] for u in UPPDRAG])
def test_quoted_fields_occur_in_the_plan(uppdrag: dict[str, Any]) -> None:
    plan = _plan_text()
    missing = [
        (field, text)
        for field in QUOTED
        for text in strings(uppdrag.get(field))
        if normalise(text) not in plan
    ]
    assert missing == []


def test_a_paraphrase_would_be_caught() -> None:
    """The check above can fail: an edited sentence is not found in the plan."""
    plan = _plan_text()
    ytterfall = next(u for u in UPPDRAG if u["id"] == "fin-ytterfall-2020")
    assert normalise(ytterfall["syfte"]) in plan
    assert normalise(ytterfall["syfte"].replace("högre", "höga")) not in plan


def test_every_uppdrag_has_every_field_and_the_plan_order() -> None:
    assert len(UPPDRAG) == 16
    assert len({u["id"] for u in UPPDRAG}) == 16
    for u in UPPDRAG:
        assert set(REQUIRED) <= set(u), (u["id"], set(REQUIRED) - set(u))
        assert ("syfte" in u) or ("syfte_och_verksamhetsnytta" in u), u["id"]
        assert all(k.isascii() for k in u), u["id"]
        if u["ska_leda_till"] is not None:
            assert u.get("ska_leda_till_ur"), u["id"]
    starts = [int(u["rader"].split(":")[1].split("-")[0]) for u in UPPDRAG]
    assert starts == sorted(starts)  # the plan's order


def test_each_uppdrag_starts_at_its_heading() -> None:
    lines = PLAN_TEXT.read_text(encoding="utf-8").split("\n")
    for u in UPPDRAG:
        first = int(u["rader"].split(":")[1].split("-")[0])
        assert lines[first - 1].strip() == u["rubrik"], u["id"]


def test_method_texts_are_there() -> None:
    by_id = {u["id"]: u for u in UPPDRAG}
    assert "Andelen ytterfall ska uppgå till 5 procent" in normalise(by_id["fin-ytterfall-2020"]["metod"])
    demografi = normalise(by_id["fin-demografi-sjukdomspanorama-2020"]["metod"])
    assert "avräknas kostnadsminskningen från 65+" in demografi
    svf = by_id["hs-svf-2020"]["metod_tabell"]
    assert len(svf) == 10
    assert [r["omgang"] for r in svf].count("Första omgången") == 5
    assert {"vardforlopp": "KOL", "lokal_gruppering": "LAG Astma/KOL"}.items() <= svf[7].items()


def test_which_uppdrag_this_pipeline_answers() -> None:
    answered = {u["id"]: u["rapport"] for u in UPPDRAG if u["data_i_pipelinen"]}
    assert answered == DATA_REPORTS
    for u in UPPDRAG:
        assert (u["rapport"] is None) == (not u["data_i_pipelinen"]), u["id"]


def test_the_vendored_plan_is_the_plan() -> None:
    for original in SHARED_PLAN:  # present in CI and on developers' machines (shared/ beside the repo)
        assert original.read_bytes() == PLAN_TEXT.read_bytes(), original
