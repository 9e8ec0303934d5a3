"""Click's own words ("Usage:", "Options", "Missing option", …) in the language vardia speaks.

Click marks its messages for gettext, each module with ``from gettext import gettext as _``,
but reads no catalog of ours. :func:`speak_through_vardia` points those modules' ``_`` and
``ngettext`` at :mod:`core.i18n`'s, so click looks its words up in vardia's catalog in the
language chosen then or later (``--lang`` is applied after click loads); English, the
source, reads them unchanged. Both command lines, ``vardia`` and ``vardia-server``, call it
at their entry points, before their commands are built.

``CLICK_WORDS`` marks click's messages for the catalog under click's own msgids, so that
``make catalog`` keeps them and the catalog test asks for their Greek; ``NOT_SHOWN`` names
the ones a vardia user never meets (a programmer's mistakes, features vardia does not use).
``tests/test_click_words.py`` reads the installed click and fails on a message in neither.

Click's type names (``text``, ``integer``) are not marked by click and stay as they are; so
do the metavars made from them (``TEXT``, ``INTEGER``), like every option's name.
"""

from __future__ import annotations

import sys

from core.i18n import N_, N_plural, _, ngettext

__all__ = ["CLICK_MODULES", "CLICK_WORDS", "NOT_SHOWN", "speak_through_vardia"]

CLICK_MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.termui",
    "click.types",
    "click.utils",
)
"""The click modules ``import click`` loads that translate what they say."""

CLICK_WORDS = (
    N_("Usage:"),
    N_("Options"),
    N_("Commands"),
    N_("Positional arguments"),
    N_("Show this message and exit."),
    N_("Show the version and exit."),
    N_("%(prog)s, version %(version)s"),
    N_("required"),
    N_("default: {default}"),
    N_("env var: {var}"),
    N_("(dynamic)"),
    N_("deprecated"),
    N_("Aborted!"),
    N_("Error: {message}"),
    N_("Try '{command} {option}' for help."),
    N_("Missing command."),
    N_("Missing argument"),
    N_("Missing option"),
    N_("Missing parameter"),
    N_("Missing {param_type}"),
    N_("Missing parameter: {param_name}"),
    N_("No such option {name!r}."),
    N_("No such command {name!r}."),
    N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"),
    N_("Option {name!r} does not take a value."),
    N_("Argument {name!r} takes {nargs} values."),
    N_("Could not open file {filename!r}: {message}"),
    N_("unknown error"),
    N_("Choose from:\n\t{choices}"),
    N_("{value!r} is not a valid {number_type}."),
    N_("{value} is not in the range {range}."),
    N_("{value!r} is not a valid boolean. Recognized values: {states}"),
    N_("{value!r} is not a valid UUID."),
    N_("file"),
    N_("directory"),
    N_("path"),
    N_("{name} {filename!r} does not exist."),
    N_("{name} {filename!r} is a file."),
    N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."),
    N_("{name} {filename!r} is not executable."),
    N_("Do you want to continue?"),
    N_("Confirm the action without prompting."),
    N_("Repeat for confirmation"),
    N_("Error: The two entered values do not match."),
    N_("Error: invalid input"),
    N_("Press any key to continue..."),
    N_plural("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
    N_plural("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    N_plural("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."),
    N_plural(
        "Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."
    ),
    N_plural("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    N_plural(
        "{value!r} does not match the format {format}.",
        "{value!r} does not match the formats {formats}.",
    ),
)
"""Click's messages a vardia user can meet, as click spells them (its msgids)."""

NOT_SHOWN = frozenset(
    {
        # A programmer's mistakes in declaring a command, never a user's.
        "Name '{name}' defined twice",
        "Boolean option {decl!r} cannot use the same flag for true/false.",
        "Could not determine name for option with declarations {decls!r}",
        "No options defined but a name was passed ({name}). Did you mean to declare an argument"
        " instead? Did you mean to pass '--{name}'?",
        "Arguments take exactly one parameter declaration, got {length}: {decls}.",
        "Invalid start character for option ({option})",
        "Unknown color {colour!r}",
        "Unknown standard stream '{name}'",
        "Value must be an iterable.",
        "Choice({choices})",
        "{len_type} values are required, but {len_value} was given.",
        # vardia declares nothing deprecated, uses neither click.edit nor the progress bar
        # (click._termui_impl), and installs no shell completion (click.shell_completion).
        "DeprecationWarning: The command {name!r} is deprecated.{extra_message}",
        "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}",
        "{editor}: Editing failed",
        "{editor}: Editing failed: {e}",
        "d",
        "Shell completion is not supported for Bash versions older than 4.4.",
        "Couldn't detect Bash version, shell completion is not supported.",
    }
)
"""Click's messages vardia leaves untranslated, and why."""


def speak_through_vardia() -> None:
    """Make click's modules translate with vardia's catalog, in the language vardia speaks."""
    import click  # noqa: F401  (loads the modules below)

    for name in CLICK_MODULES:
        module = sys.modules[name]
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
