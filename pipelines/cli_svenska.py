"""typer's (and its vendored click's) own texts in Swedish: help headings, usage line, --help,
defaults and the error messages for a missing argument, an unknown command or option, a bad value.

typer 0.29 builds them in three ways, and each is translated where it is made:
``gettext``-wrapped strings (module-level ``_``, replaced in every typer module), constants of
``typer.rich_utils`` evaluated at import (replaced), and f-strings in the exceptions' messages
(translated by pattern when the error is printed). :func:`install` is idempotent; ``pipelines.cli``
calls it before it builds the app. tests/integration/test_cli_svenska.py shows each text.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

TEXTS = {
    "Arguments": "Argument",
    "Options": "Flaggor",
    "Commands": "Kommandon",
    "Error": "Fel",
    "Aborted.": "Avbrutet.",
    "Aborted!": "Avbrutet!",
    "Try [blue]'{command_path} {help_option}'[/] for help.": (
        "Se [blue]'{command_path} {help_option}'[/] för hjälp."
    ),
    "[default: {}]": "[standard: {}]",
    "default: {default}": "standard: {default}",
    "[env var: {}]": "[miljövariabel: {}]",
    "env var: {var}": "miljövariabel: {var}",
    "[required]": "[krävs]",
    "required": "krävs",
    "(deprecated) ": "(utfasad) ",
    "(dynamic)": "(dynamisk)",
    "Missing command.": "Kommando saknas.",
    "No such command {name!r}.": "Kommandot {name!r} finns inte.",
    "Show this message and exit.": "Visa den här hjälpen och avsluta.",
}
USAGE = "Användning: "
TYPES = {"integer": "heltal", "float": "decimaltal", "text": "text", "boolean": "sant/falskt"}
PATTERNS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"Missing argument (.+?)\.(?= |$)"), r"Argumentet \1 saknas."),
    (re.compile(r"Missing option (.+?)\.(?= |$)"), r"Flaggan \1 saknas."),
    (re.compile(r"Missing parameter:? (.+?)\.?(?= |$)"), r"Parametern \1 saknas."),
    (re.compile(r"No such command '(.+?)'\."), r"Kommandot '\1' finns inte."),
    (re.compile(r"No such option: (\S+)"), r"Flaggan \1 finns inte"),
    (re.compile(r"Did you mean (.+?)\?"), r"Menade du \1?"),
    (re.compile(r"\(Possible options: (.+?)\)"), r"(möjliga flaggor: \1)"),
    (re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((.+)\)"), r"Oväntade extra argument (\1)"),
    (re.compile(r"Option '(.+?)' requires an argument\."), r"Flaggan '\1' kräver ett värde."),
    (re.compile(r"Option '(.+?)' does not take a value\."), r"Flaggan '\1' tar inget värde."),
    (re.compile(r"Invalid value for (.+?): "), r"Ogiltigt värde för \1: "),
    (re.compile(r"^Invalid value: "), "Ogiltigt värde: "),
    (
        re.compile(r"(?:Value )?('.*?'|\S+) is not a valid (integer|float|text|boolean)\.?"),
        lambda m: f"{m[1]} är inte ett giltigt {TYPES[m[2]]}.",
    ),
    (re.compile(r"Input should be a valid integer.*"), "värdet ska vara ett heltal."),
    (re.compile(r"Input should be a valid number.*"), "värdet ska vara ett tal."),
    (re.compile(r"(\S+) is not one of (.+)\."), r"\1 är inte en av \2."),
    (re.compile(r"File (.+?) does not exist\."), r"Filen \1 finns inte."),
    (re.compile(r"(?:File|Path|Directory) (.+?) is a directory\."), r"\1 är en mapp, inte en fil."),
]


def translate(text: str) -> str:
    """A typer/click message in Swedish (unknown messages unchanged)."""
    if text in TEXTS:
        return TEXTS[text]
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _gettext(message: str) -> str:
    return TEXTS.get(message, message)


def install() -> None:
    import typer  # noqa: F401 — its modules must be loaded to be patched
    from typer import rich_utils
    from typer._click import core, formatting

    if getattr(rich_utils, "_analysplan_svenska", False):
        return
    for name, module in list(sys.modules.items()):
        if name.startswith("typer") and callable(getattr(module, "_", None)):
            module._ = _gettext  # type: ignore[attr-defined]
    for constant in (
        "DEPRECATED_STRING",
        "DEFAULT_STRING",
        "ENVVAR_STRING",
        "REQUIRED_LONG_STRING",
        "ARGUMENTS_PANEL_TITLE",
        "OPTIONS_PANEL_TITLE",
        "COMMANDS_PANEL_TITLE",
        "ERRORS_PANEL_TITLE",
        "ABORTED_TEXT",
        "RICH_HELP",
    ):
        setattr(rich_utils, constant, _gettext(getattr(rich_utils, constant)))

    write_usage = formatting.HelpFormatter.write_usage

    def swedish_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        args = args.replace("[OPTIONS]", "[FLAGGOR]").replace("COMMAND [ARGS]...", "KOMMANDO [ARGUMENT]...")
        write_usage(self, prog, args, USAGE if prefix is None else prefix)

    formatting.HelpFormatter.write_usage = swedish_usage  # type: ignore[method-assign]
    highlighter = type(rich_utils.highlighter)
    setattr(highlighter, "highlights", [h.replace("Usage: ", USAGE) for h in highlighter.highlights])  # noqa: B010

    get_help_option = core.Command.get_help_option

    def swedish_help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = TEXTS["Show this message and exit."]
        return option

    core.Command.get_help_option = swedish_help_option  # type: ignore[method-assign]

    rich_format_error = rich_utils.rich_format_error

    def swedish_error(error: Any) -> None:
        original = error.format_message
        error.format_message = lambda: translate(original())
        try:
            rich_format_error(error)
        finally:
            del error.format_message

    rich_utils.rich_format_error = swedish_error  # type: ignore[assignment]
    rich_utils._analysplan_svenska = True  # type: ignore[attr-defined]
