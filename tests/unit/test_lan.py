"""The county (ANALYSPLAN_LAN) is configuration, read in one function with one default."""

from __future__ import annotations

import re

import pytest

from pipelines import parametrar, reportlib
from pipelines.workspace import REPO_ROOT


def test_the_county_is_read_in_one_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(parametrar.LAN_ENV, raising=False)
    assert parametrar.lan() == reportlib.lan() == "25"
    assert reportlib.lan_namn() == "Norrbottens län"
    monkeypatch.setenv(parametrar.LAN_ENV, "24")
    assert parametrar.lan() == reportlib.lan() == "24"
    assert parametrar.sql_params()["lan"] == "24"
    assert reportlib.lan_namn() == "Västerbottens län"
    monkeypatch.setenv(parametrar.LAN_ENV, "99")
    with pytest.raises(ValueError, match="ANALYSPLAN_LAN='99' är ingen länskod"):
        parametrar.lan()


def test_nothing_else_reads_the_county_variable() -> None:
    reads = re.compile(r"(environ|getenv)[^\n]*(ANALYSPLAN_LAN\b|LAN_ENV)")
    readers = [
        str(p.relative_to(REPO_ROOT))
        for folder in ("pipelines", "assets")
        for p in sorted((REPO_ROOT / folder).rglob("*.py"))
        if reads.search(p.read_text(encoding="utf-8"))
    ]
    assert readers == ["pipelines/parametrar.py"]
