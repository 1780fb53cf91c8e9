"""`analysplan serve`: published/ over HTTP on localhost, so the report assets in Dagster's UI can
link each published version (metadata ``webb``) and reviewers can open the review site."""

from __future__ import annotations

import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PORT_ENV = "ANALYSPLAN_WEBBPORT"
DEFAULT_PORT = 8765
HOST = "127.0.0.1"  # localhost only: the published versions are for the unit, not the network


def port() -> int:
    value = os.environ.get(PORT_ENV) or str(DEFAULT_PORT)
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ValueError(f"{PORT_ENV}={value!r} är inte ett portnummer (1–65535)")
    return int(value)


def url(relative: str = "") -> str:
    """The address of ``published/<relative>`` as `analysplan serve` serves it."""
    return f"http://{HOST}:{port()}/{relative.lstrip('/')}"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def server(folder: Path, port_number: int | None = None) -> ThreadingHTTPServer:
    """A server for ``folder`` on localhost (port 0: any free port); call serve_forever()."""
    handler = partial(_Quiet, directory=str(folder))
    return ThreadingHTTPServer((HOST, port() if port_number is None else port_number), handler)
