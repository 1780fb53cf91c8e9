"""Errors that reach analysts: each names the file, row, column and rule it broke."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Violation:
    """One broken rule in one delivered file.

    ``row`` is 1-based in the file's own terms (a data row of a CSV, a cell index in a
    json-stat value array, a record of a PxWeb ``data`` list); ``None`` when the rule concerns
    the whole file (e.g. unreadable JSON, a missing column).
    """

    file: str
    rule: str
    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [f"fil {self.file}"]
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column is not None:
            where.append(f"kolumn {self.column}")
        return f"{', '.join(where)}: regel {self.rule}: {self.message}"


class MissingInput(Exception):
    """A step needs data that has not been delivered yet (the message says what to run)."""


class RejectedInput(Exception):
    """A delivered file broke its source's rules; nothing was loaded."""

    def __init__(self, violations: list[Violation]):
        self.violations = violations
        shown = "\n".join(f"  - {v}" for v in violations[:20])
        more = f"\n  … och {len(violations) - 20} till" if len(violations) > 20 else ""
        super().__init__(f"Filen avvisades ({len(violations)} fel):\n{shown}{more}")
