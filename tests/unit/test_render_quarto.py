"""The Quarto route, exercised with a fake ``quarto`` on PATH that records its argv."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from pipelines.render import RenderError, render, resolve_engine
from pipelines.render.quarto_cli import param_value

FAKE_QUARTO = """#!{python}
import json, os, sys
from pathlib import Path
log = Path(os.environ["FAKE_QUARTO_LOG"])
with log.open("a", encoding="utf-8") as f:
    call = {{"argv": sys.argv[1:], "cwd": os.getcwd(), "var": os.environ.get("REPORT_VAR"),
            "source": Path(sys.argv[2]).read_text(encoding="utf-8")}}
    f.write(json.dumps(call) + "\\n")
if os.environ.get("FAKE_QUARTO_FAIL"):
    print("ERROR: something broke", file=sys.stderr)
    sys.exit(1)
output = sys.argv[sys.argv.index("--output") + 1]
Path(output).write_text("fake " + sys.argv[sys.argv.index("--to") + 1], encoding="utf-8")
"""

QMD = """---
title: Test
lang: sv
---

```{python}
#| tags: [parameters]
year = 2020
```

Året är `{python} year`.
"""


@pytest.fixture
def fake_quarto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "quarto"
    script.write_text(FAKE_QUARTO.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    log = tmp_path / "quarto-calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_QUARTO_LOG", str(log))
    return log


def calls(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def test_auto_uses_quarto_for_every_format(fake_quarto: Path, tmp_path: Path) -> None:
    report = tmp_path / "rapport"
    report.mkdir()
    qmd = report / "analys.qmd"
    qmd.write_text(QMD, encoding="utf-8")
    out = tmp_path / "out"

    result = render(
        qmd, out, formats=("html", "pdf", "pptx"), params={"year": 2031}, env={"REPORT_VAR": "från env"}
    )

    assert result == {f: out / f"report.{f}" for f in ("html", "pdf", "pptx")}
    assert (out / "report.html").read_text(encoding="utf-8") == "fake html"
    assert (out / "report.pdf").read_text(encoding="utf-8") == "fake typst"
    assert not (report / "report.html").exists()  # moved, not copied
    recorded = calls(fake_quarto)
    assert [c["argv"] for c in recorded] == [
        ["render", str(qmd), "--to", "html", "--output", "report.html", "-M", "embed-resources:true",
         "-P", "year:2031"],
        ["render", str(qmd), "--to", "typst", "--output", "report.pdf", "-P", "year:2031"],
        ["render", str(qmd), "--to", "pptx", "--output", "report.pptx", "--slide-level", "2",
         "-P", "year:2031"],
    ]  # fmt: skip
    assert all(c["cwd"] == str(report) and c["var"] == "från env" for c in recorded)


def test_colophon_is_appended_to_a_copy_beside_the_report(fake_quarto: Path, tmp_path: Path) -> None:
    qmd = tmp_path / "analys.qmd"
    qmd.write_text(QMD, encoding="utf-8")
    render(qmd, tmp_path / "out", formats=("html", "pptx"), colophon=["Version 2024-abc", "Kod 8b2ef12"])
    recorded = calls(fake_quarto)
    copy = tmp_path / ".analys-kolofon.qmd"
    assert [c["argv"][1] for c in recorded] == [str(copy), str(copy)]  # type: ignore[index]
    source = recorded[0]["source"]
    assert isinstance(source, str) and source.startswith(QMD.rstrip("\n"))
    assert source.endswith(
        "## Om versionen {.unnumbered .unlisted}\n\n::: {.colophon}\nVersion 2024-abc\\\nKod 8b2ef12\n:::\n"
    )
    assert not copy.exists() and qmd.read_text(encoding="utf-8") == QMD  # the report itself untouched


def test_front_matter_defaults_are_passed_without_parameters_cell(fake_quarto: Path, tmp_path: Path) -> None:
    qmd = tmp_path / "r.qmd"
    qmd.write_text("---\nparams:\n  year: 2020\n  full: false\n---\n\nText.\n", encoding="utf-8")
    render(qmd, tmp_path / "out", formats=("html",), params={"year": 2024})
    argv = calls(fake_quarto)[0]["argv"]
    assert isinstance(argv, list)
    assert argv[-4:] == ["-P", "year:2024", "-P", "full:false"]


def test_subset_is_enforced_before_quarto_runs(fake_quarto: Path, tmp_path: Path) -> None:
    qmd = tmp_path / "r.qmd"
    qmd.write_text("```{r}\n1\n```\n", encoding="utf-8")
    with pytest.raises(RenderError, match="rad 1"):
        render(qmd, tmp_path / "out")
    assert calls(fake_quarto) == []


def test_quarto_failure_is_loud(fake_quarto: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_QUARTO_FAIL", "1")
    qmd = tmp_path / "r.qmd"
    qmd.write_text("Text.\n", encoding="utf-8")
    with pytest.raises(RenderError, match="something broke"):
        render(qmd, tmp_path / "out", formats=("html",))


def test_engine_quarto_without_quarto_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    qmd = tmp_path / "r.qmd"
    qmd.write_text("Text.\n", encoding="utf-8")
    with pytest.raises(RenderError, match="quarto finns inte"):
        render(qmd, tmp_path / "out", engine="quarto")
    assert resolve_engine("auto") == "builtin"


def test_resolve_engine(fake_quarto: Path) -> None:
    assert (resolve_engine(), resolve_engine("quarto"), resolve_engine("builtin")) == (
        "quarto",
        "quarto",
        "builtin",
    )
    with pytest.raises(RenderError, match="knitr"):
        resolve_engine("knitr")


def test_param_values_are_yaml() -> None:
    assert [param_value(v) for v in (True, None, 3, 1.5, "Norrbotten", ["a", "b"])] == [
        "true",
        "null",
        "3",
        "1.5",
        "Norrbotten",
        '["a", "b"]',
    ]
