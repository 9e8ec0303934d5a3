"""The options ``vardia statement`` and ``vardia-server statement`` share: --dialect, --html.

Light on purpose: the commands' modules load it to build their help, so it imports click
and the catalog alone, not the statement builder. The dialects' names are
``core.statements.CsvDialect``'s (a test holds them equal).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from core.i18n import _

__all__ = ["DIALECTS", "document_options"]

DIALECTS = ("excel-el", "excel")

F = TypeVar("F", bound=Callable[..., object])


def document_options(command: F) -> F:
    """Add ``--dialect`` (a CSV's spreadsheet) and ``--html`` (the customer's document)."""
    command = click.option(
        "--html",
        "as_html",
        is_flag=True,
        help=_(
            "The document the customer receives: HTML that prints on A4, with the letterhead "
            "of letterhead.toml, numbered by the server on its first issue (a device without "
            "one prints a draft)."
        ),
    )(command)
    return click.option(
        "--dialect",
        type=click.Choice(DIALECTS),
        help=_(
            "The CSV's spreadsheet: excel-el (Greek Excel: ; and decimal commas) or excel "
            "(, and decimal points); by default the language's."
        ),
    )(command)
