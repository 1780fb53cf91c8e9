"""ANALYSPLAN_PARAMETRAR and ANALYSPLAN_LAN are checked before any run: a wrong type, a share out of
range, an unknown key or rule name, bad JSON, a suppression limit below 5 or a county that is no län
code stops the command with exit 2 and a Swedish sentence naming the parameter and what is allowed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines import parametrar
from pipelines.cli import app
from pipelines.parametrar import ParameterError, Parametrar


def test_the_defaults_are_allowed() -> None:
    assert parametrar.problems(Parametrar()) == []


BAD_PARAMETERS = {
    "typo in the rule name": (
        '{"ytterfall_regel": "percentl"}',
        ["ytterfall_regel", '"percentl"', "menade du 'percentil'?", "kostnadsgrans, percentil"],
    ),
    "suppression off": ('{"minsta_antal_visas": 0}', ["minsta_antal_visas", "minst 5"]),
    "suppression below the guide": ('{"minsta_antal_visas": 4}', ["minsta_antal_visas", "minst 5"]),
    "share above 1": ('{"ytterfall_andel_sluten": 1.5}', ["ytterfall_andel_sluten", "mindre än 1"]),
    "share of 0": ('{"ytterfall_andel_oppen": 0}', ["ytterfall_andel_oppen", "större än 0"]),
    "share as text": (
        '{"ytterfall_andel_sluten": "0.05"}',
        ["ytterfall_andel_sluten", '"0.05" är inget tal'],
    ),
    "count as a fraction": ('{"ytterfall_minsta_antal": 2.5}', ["ytterfall_minsta_antal", "inget heltal"]),
    "count as a boolean": (
        '{"ytterfall_minsta_antal": true}',
        ["ytterfall_minsta_antal", "true är inget heltal"],
    ),
    "not a finite number": ('{"ytterfall_vardtid_k": NaN}', ["ytterfall_vardtid_k", "NaN är inget tal"]),
    "year far off": ('{"demografi_basar": 20160}', ["demografi_basar", "mellan 1900 och 2100"]),
    "integer beyond 64 bits": (
        '{"svf_basar": 99999999999999999999999}',
        ["svf_basar", "mellan 1900 och 2100"],
    ),
    "null where a value belongs": ('{"ytterfall_basar": null}', ["ytterfall_basar", "får inte vara null"]),
    "base year after target year": ('{"demografi_basar": 2020}', ["demografi_basar", "demografi_malar"]),
    "unknown key": (
        '{"ytterfall_regl": "vardtid"}',
        ["okänd parameter 'ytterfall_regl'", "'ytterfall_regel'?"],
    ),
    "bad JSON": ('{"ytterfall_regel": vardtid}', ["inte giltig JSON", "JSON-objekt"]),
    "not an object": ('["vardtid"]', ["ska vara ett JSON-objekt"]),
}


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[int, str, Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("ANALYSPLAN_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(app, ["materialize", "key:core_ref__regioner"])
    return result.exit_code, " ".join(result.output.split()), home


@pytest.mark.parametrize(("value", "expected"), BAD_PARAMETERS.values(), ids=BAD_PARAMETERS.keys())
def test_bad_parameters_stop_before_any_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    code, output, home = run(tmp_path, monkeypatch, ANALYSPLAN_PARAMETRAR=value)
    assert code == 2, output
    assert output.startswith("Fel: ANALYSPLAN_PARAMETRAR"), output
    for text in expected:
        assert text in output, (text, output)
    assert "Traceback" not in output
    assert not home.exists()  # nothing ran: not even the workspace was created


def test_every_problem_is_named_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANALYSPLAN_PARAMETRAR", json.dumps({"ytterfall_andel_sluten": 2, "prisindex": "KPI"}))
    with pytest.raises(ParameterError) as err:
        parametrar.current()
    assert "ytterfall_andel_sluten" in str(err.value) and "prisindex" in str(err.value)
    assert "LPIK, LPI" in str(err.value)


def test_allowed_overrides_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    overrides = {"ytterfall_regel": "vardtid", "ytterfall_andel_sluten": 0.1, "ytterfall_vardtid_k": 3}
    monkeypatch.setenv("ANALYSPLAN_PARAMETRAR", json.dumps({**overrides, "svf_basar": None}))
    chosen = parametrar.current()
    assert (chosen.ytterfall_regel, chosen.ytterfall_andel_sluten, chosen.ytterfall_vardtid_k) == (
        "vardtid",
        0.1,
        3,
    )
    assert chosen.svf_basar is None


@pytest.mark.parametrize("value", ["25' OR '1'='1", "99", "2", "Norrbotten", "00"])
def test_a_county_that_is_no_lan_code_stops_before_any_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    code, output, home = run(tmp_path, monkeypatch, ANALYSPLAN_LAN=value)
    assert code == 2, output
    assert f"Fel: ANALYSPLAN_LAN={value!r} är ingen länskod" in output
    assert "25 (Norrbottens län)" in output and "Traceback" not in output
    assert not home.exists()


def test_the_county_given_to_the_resource_is_checked_too() -> None:
    """Dagster's resource config can set the county: it is checked where the SQL parameters are made."""
    assert parametrar.sql_params("24")["lan"] == "24"
    with pytest.raises(ParameterError, match="ingen länskod"):
        parametrar.sql_params("25' OR '1'='1")
