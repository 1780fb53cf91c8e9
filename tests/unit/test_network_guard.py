"""No network in the tests and the demo: the session guard refuses (and logs) any connection or
name lookup outside loopback, here and in the Python processes tests start; Dagster's telemetry
is off whenever the program sets up its workspace."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.workspace import current_workspace
from tests.conftest import network_guard


@pytest.fixture
def log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own attempts go to its own log, so the session's log stays empty."""
    path = tmp_path / "natlogg.txt"
    monkeypatch.setenv(network_guard.LOG_ENV, str(path))
    return path


def test_a_connection_outside_loopback_is_refused_and_logged(log: Path) -> None:
    with pytest.raises(network_guard.NetworkBlocked, match="Nätverket är avstängt"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)  # TEST-NET-1: never routed
    with pytest.raises(network_guard.NetworkBlocked, match="namnuppslagning"):
        socket.getaddrinfo("pypi.org", 443)
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and "192.0.2.1" in lines[0] and "pypi.org" in lines[1]


def test_loopback_is_allowed(log: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("localhost", port), timeout=5):
            pass
    assert not log.exists()


def test_the_guard_is_in_every_python_process_a_test_starts(log: Path) -> None:
    code = "import socket; socket.create_connection(('192.0.2.1', 80), timeout=1)"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert proc.returncode != 0
    assert "NetworkBlocked: Nätverket är avstängt i testerna" in proc.stderr
    assert "192.0.2.1" in log.read_text(encoding="utf-8")


def test_dagster_telemetry_is_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dagster_shared.telemetry import get_telemetry_enabled_from_dagster_yaml

    monkeypatch.delenv(
        "DAGSTER_DISABLE_TELEMETRY", raising=False
    )  # the Makefile exports it; the program must not rely on that
    monkeypatch.setenv("ANALYSPLAN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))  # restored after the test
    current_workspace()
    assert os.environ.get("DAGSTER_DISABLE_TELEMETRY") is not None
    assert get_telemetry_enabled_from_dagster_yaml() is False
