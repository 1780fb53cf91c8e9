"""No network in the tests: a guard that refuses every connection and name lookup outside loopback.

Installed by ``tests/conftest.py`` in the test process, and — since this folder is put first on
``PYTHONPATH`` with ``ANALYSPLAN_TEST_NATLOGG`` naming a log file — in every Python process the
tests start (the CLI runs of the demo, …), where Python imports ``sitecustomize`` at start-up.
An audit hook sees ``socket.connect``/``socket.getaddrinfo`` before they happen and raises
:class:`NetworkBlocked` (no ``OSError``, so no retry loop swallows it); each attempt is also
written to the log, which the test session reads at its end and fails on.

DuckDB's own HTTP client (the httpfs extension) is C++ and not seen here; `analysplan sql` turns
external access off, and nothing else loads extensions.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

LOG_ENV = "ANALYSPLAN_TEST_NATLOGG"
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", ""})


class NetworkBlocked(RuntimeError):
    """A test (or the program under test) tried to reach the network."""


def is_local(host: Any) -> bool:
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    name = str(host).strip("[]").lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _blocked(what: str) -> None:
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\t{' '.join(sys.argv[:3])}\t{what}\n")
    raise NetworkBlocked(f"Nätverket är avstängt i testerna: {what}")


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.connect":
        sock, address = args
        if getattr(sock, "family", None) == socket.AF_UNIX:
            return
        host = address[0] if isinstance(address, tuple) and address else address
        if not is_local(host):
            _blocked(f"anslutning till {address!r}")
    elif event == "socket.getaddrinfo":
        host = args[0]
        if not is_local(host):
            _blocked(f"namnuppslagning av {host!r}")
    elif event == "socket.sendto":
        sock, address = args
        if getattr(sock, "family", None) != socket.AF_UNIX:
            host = address[0] if isinstance(address, tuple) and address else address
            if not is_local(host):
                _blocked(f"paket till {address!r}")


_installed = False


def install() -> None:
    """Add the audit hook (once per process; audit hooks cannot be removed)."""
    global _installed
    if not _installed:
        sys.addaudithook(_hook)
        _installed = True


if os.environ.get(LOG_ENV):
    install()
