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
