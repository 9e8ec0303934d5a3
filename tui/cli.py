"""Shared plumbing of the ``vardia`` command line: its context, output as text or JSON, errors.

The group reads the environment once into an :class:`Env` (``ctx.obj``); commands take it
with ``@pass_env``. Heavy modules (the store, the rules) load inside the calls, so that
listing or loading a command stays cheap.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import click
import orjson

from core.errors import VardiaError, exit_status
from core.i18n import _
from core.settings import Paths, technician_name

if TYPE_CHECKING:
    from core.models import IncidentStatus, Session
    from core.rules import Rules
    from core.store import Store
    from core.sync.client import SyncClient

__all__ = [
    "Env",
    "choice",
    "emit",
    "exit_status",
    "json_option",
    "pass_env",
    "reports_errors",
    "session_json",
]


@dataclass(frozen=True)
class Env:
    """What every command starts from: where the data is and who works on it."""

    paths: Paths
    technician: str
    no_bell: bool = False
    """``vardia --no-bell``: the app's alerts flash and show, but ring nothing."""
    read_only: bool = False
    """``vardia --read-only``: the data is opened without writing, by the app and commands."""

    @classmethod
    def from_environ(cls, *, no_bell: bool = False, read_only: bool = False) -> Env:
        return cls(Paths.from_env(), technician_name(), no_bell, read_only)

    @contextmanager
    def store(self, *, read_only: bool = False) -> Iterator[Store]:
        """The store, opened for this command and closed after it."""
        from core.clock import SystemClock
        from core.store import Store

        with Store.open(
            self.paths,
            clock=SystemClock(),
            read_only=read_only or self.read_only,
            technician=self.technician,
        ) as store:
            yield store
        # After closing: the changes are filed when the store closes.
        if store.unfiled is not None:
            click.echo(f"vardia: {store.unfiled}", err=True)

    @contextmanager
    def desk(self, *, read_only: bool = False) -> Iterator[tuple[Store, Rules]]:
        """The store and the rules for work in it (its synced price list included)."""
        from core.sync.price_list import load_rules_for

        with self.store(read_only=read_only) as store:
            yield store, load_rules_for(self.paths.config_dir, store)

    @contextmanager
    def client(self, store: Store) -> Iterator[SyncClient | None]:
        """A client of the server this device logged in to, or None before any login."""
        from core.sync.login import load_login

        login = load_login(self.paths.config_dir)
        if login is None:
            yield None
            return
        # Only now: the HTTP stack is a tenth of a second that a device never logged in skips.
        from core.sync.client import SyncClient

        with SyncClient.for_login(store, login, device_id=store.device_id) as client:
            yield client

    def rules(self) -> Rules:
        """The rules from the configuration directory alone, without a store."""
        from core.rules import load_rules

        return load_rules(self.paths.config_dir)


pass_env = click.make_pass_decorator(Env)
"""Hands a command the :class:`Env` that ``vardia`` built once, as its first argument."""


class StatusWord(click.ParamType["IncidentStatus", str]):
    """An incident status as people say it (``working``); the records' ``in_progress``, as
    ``--json`` prints it, is understood too."""

    name = "status"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        from core.models import STATUS_WORDS

        return "[" + "|".join(STATUS_WORDS.values()) + "]"

    def convert(
        self, value: str, param: click.Parameter | None, ctx: click.Context | None
    ) -> IncidentStatus:
        from core.errors import InputError
        from core.incidents import status_named

        try:
            return status_named(str(value))
        except InputError as error:
            self.fail(str(error), param, ctx)


def choice(values: type[StrEnum]) -> click.Choice[str]:
    """An option's choice of an enum's values, in any letter case."""
    return click.Choice([v.value for v in values], case_sensitive=False)


P = ParamSpec("P")
R = TypeVar("R")


def _default(value: Any) -> Any:
    if hasattr(value, "model_dump"):  # a record; pydantic is not imported to ask isinstance
        return value.model_dump(mode="json")
    from decimal import Decimal

    if isinstance(value, Decimal):
        return str(value)
    raise TypeError


def session_json(session: Session) -> dict[str, Any]:
    """A session as ``--json`` gives it: the record, whether its price is only this device's
    (``provisional``), and why the server's price differs (``price_reasons``, sentences)."""
    from core.ledger import explain, is_provisional

    price = session.server_price
    return {
        **session.model_dump(mode="json"),
        "provisional": is_provisional(session),
        "price_reasons": [explain(r) for r in price.reasons] if price is not None else [],
    }


def emit(data: Any, as_json: bool, render: Callable[[], str] | None = None) -> None:
    """Print ``data`` as JSON when asked, otherwise the human rendering."""
    if as_json or render is None:
        out = orjson.dumps(data, default=_default, option=orjson.OPT_INDENT_2)
        click.echo(out.decode())
    else:
        click.echo(render())


json_option = click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))


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
