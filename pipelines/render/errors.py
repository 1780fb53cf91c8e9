"""The one exception of the render package."""

from __future__ import annotations


class RenderError(Exception):
    """A report could not be rendered: unsupported feature, a failing cell, pandoc or Typst failed.

    ``problems`` lists the individual findings (each naming its line) when the failure is a
    subset violation; it is empty for other failures.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems: list[str] = list(problems or [])
