"""A fault-injection hook for tests: ``ANALYSPLAN_FEL_VID=<point>`` makes the process die at that
point as ``kill -9`` would (``os._exit``: no clean-up, no ``finally``, no flush).

Honoured only inside a pytest session (``PYTEST_CURRENT_TEST`` is set, also in the subprocesses a
test starts); an analyst's environment variable can never stop a real run. The points:

- ``bygg-registrering``: a table is built, its fingerprint not yet recorded (same transaction);
- ``publicera-flyttad``: a version folder moved into ``published/``, not yet read-only or indexed;
- ``publicera-versions``: ``versions.json`` lists the new version, ``latest`` not yet moved;
- ``ingest-mellan-filer``: the first of several files of one ``ingest`` stored, not the others.
"""

from __future__ import annotations

import os

ENV = "ANALYSPLAN_FEL_VID"
POINTS = ("bygg-registrering", "publicera-flyttad", "publicera-versions", "ingest-mellan-filer")


def punkt(name: str) -> None:
    """Die here if the test asked for it."""
    if os.environ.get(ENV) == name and "PYTEST_CURRENT_TEST" in os.environ:
        os._exit(137)
