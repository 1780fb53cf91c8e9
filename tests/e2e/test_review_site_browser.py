"""The review site (published/index.html of the demo) in a real browser: headless Chromium loads it,
every link resolves to an existing file, and a screenshot is kept as a test artefact.

Chromium is Debian's `chromium` (`make system-deps` installs it; `make test` runs that first)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from pipelines.workspace import REPO_ROOT

pytestmark = pytest.mark.e2e
ARTEFACTS = REPO_ROOT / "var" / "test-artefakter"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.hrefs.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    browser = shutil.which("chromium")
    if browser is None:
        pytest.fail("chromium saknas: kör `make system-deps` (apt-get install -y chromium)")
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        stdin=subprocess.DEVNULL,
    )


def test_review_site_in_headless_chromium(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    home, _ = demo_run
    index = home / "published" / "index.html"
    url = index.as_uri()

    dom = chromium("--dump-dom", url, profile=tmp_path / "profil").stdout
    parsed = Links()
    parsed.feed(dom)
    text = " ".join(" ".join(parsed.text).split())
    assert "Publicerade rapporter" in text and "Befolkningsutveckling i Norrbotten" in text
    assert "utkast" in text and "Dataperiod" in text

    # every link resolves to an existing file (relative to the page), none leaves the workspace
    assert len(parsed.hrefs) >= 4  # HTML, PDF, manifest, key figures, latest
    kinds = set()
    for href in parsed.hrefs:
        parts = urlsplit(href)
        assert not parts.scheme and not parts.netloc, f"extern länk {href}"
        target = (index.parent / unquote(parts.path)).resolve()
        assert target.is_file(), f"{href} pekar inte på en fil ({target})"
        assert target.is_relative_to(home / "published"), href
        kinds.add(target.name)
    assert {"report.html", "report.pdf", "manifest.json", "nyckeltal.json"} <= kinds
    assert any(h.startswith("befolkning/latest/") for h in parsed.hrefs)

    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "granskningssidan.png"
    shot.unlink(missing_ok=True)
    chromium("--screenshot=" + str(shot), "--window-size=1400,1000", url, profile=tmp_path / "profil2")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1400, 1000)
    print(f"skärmbild av granskningssidan: {shot}")


# Measures, after layout, each table's column count, whether pandoc gave it relative column widths,
# and its horizontal extent against the text column
# (the first h2's box), and writes them as JSON into the page's title for --dump-dom to carry out.
_MEASURE = """<script>
addEventListener('load', () => {
  const column = document.querySelector('h2').getBoundingClientRect();
  const tables = [...document.querySelectorAll('table')].map(t => {
    const box = t.getBoundingClientRect();
    const relative = t.querySelector('col[style*="width"]') !== null;
    return [t.querySelectorAll('col').length, relative, box.left - column.left, column.right - box.right];
  });
  document.title = 'MATT' + JSON.stringify(tables) + 'MATT';
});
</script>"""


@pytest.mark.parametrize("report", ["ytterfall", "svf"])
def test_the_about_table_stays_in_the_text_column_and_wide_tables_may_not(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path, report: str
) -> None:
    """ "Om analysen" (a key and its text) lies inside the text column; a table of three or more
    columns with pandoc's relative widths is widened beyond it (pipelines/render/assets.py)."""
    import json

    home, _ = demo_run
    copy = tmp_path / "version"
    shutil.copytree((home / "published" / report / "latest").resolve(), copy)
    page = copy / "report.html"
    page.chmod(0o600)
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = chromium("--window-size=1400,1000", "--dump-dom", page.as_uri(), profile=tmp_path / "profil").stdout
    tables = json.loads(dom.split("MATT")[1])
    assert tables[0][:2] == [2, True]  # the first table is the about block, with relative widths
    inside = [t for t in tables if t[0] == 2]
    assert all(left >= -0.5 and right >= -0.5 for _, _, left, right in inside), inside
    wide = [t for t in tables if t[0] >= 3 and t[1]]
    assert wide and all(left < -20 and right < -20 for _, _, left, right in wide), json.dumps(tables)
