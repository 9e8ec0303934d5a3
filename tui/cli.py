"""Shared plumbing of the ``vardia`` command line: output as text or JSON, errors as sentences."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click
import orjson
from pydantic import BaseModel

from core.errors import (
    EXIT_FAILED,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    SyncError,
    UnreachableError,
    VardiaError,
)

__all__ = ["emit", "exit_status", "json_option", "reports_errors"]

P = ParamSpec("P")
R = TypeVar("R")


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def emit(data: Any, as_json: bool, render: Callable[[], str] | None = None) -> None:
    """Print ``data`` as JSON when asked, otherwise the human rendering."""
    if as_json or render is None:
        out = orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2)
        click.echo(out.decode())
    else:
        click.echo(render())


json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")


def exit_status(error: VardiaError) -> int:
    """The exit status for ``error``: 3 unreachable, 1 any other sync failure, else 2."""
    if isinstance(error, UnreachableError):
        return EXIT_UNREACHABLE
    if isinstance(error, SyncError):
        # Refused by the server, or no trusted TLS connection: nothing was mistyped.
        return EXIT_FAILED
    return EXIT_USAGE


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a VardiaError into one sentence on stderr and its exit status, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except VardiaError as error:
            click.echo(f"vardia: {error}", err=True)
            sys.exit(exit_status(error))

    return wrapper
