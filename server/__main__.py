"""The ``vardia-server`` command: set up the database, serve the API, manage technicians."""

from __future__ import annotations

import contextlib
import functools
import io
import os
import socket
import ssl
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import orjson
import platformdirs
from sqlalchemy import Engine

from core.clock import SystemClock
from core.customer_csv import read_customer_rows
from core.errors import ConfigError, InputError, VardiaError, exit_status
from core.i18n import LANGUAGES, _
from core.letterhead import Letterhead
from core.models import Customer
from core.periods import Month
from core.rules import Rules, load_bounds, load_rules, plans_document
from core.statement_flags import document_options
from core.statements import CsvDialect, Statement, write_statement_csv
from core.sync.protocol import SyncedPriceList
from server.admin import import_customers, list_devices
from server.app import create_app
from server.auth import add_technician, rotate_token
from server.auth import revoke_technician as revoke
from server.db import HEAD, make_engine, migrate
from server.files import loose_files, private_dir, sqlite_path, write_private
from server.guard import Limits
from server.ledger import reprice_unpriced

__all__ = ["cli", "main"]

P = ParamSpec("P")
R = TypeVar("R")
CONFIG_FILE = "server.json"
# The vendor's price list: plans.toml in this folder of the server's home, over the defaults.
PRICE_LIST_DIR = "config"


def _reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except VardiaError as error:
            click.echo(f"vardia-server: {error}", err=True)
            sys.exit(exit_status(error))

    return wrapper


def _database_url(home: Path) -> str:
    config = home / CONFIG_FILE
    try:
        url = orjson.loads(config.read_bytes())["database"]
    except FileNotFoundError:
        raise ConfigError(
            _("No database is set up in {home}; run `vardia-server init` first.").format(home=home)
        ) from None
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            _("{config} is not valid; run `vardia-server init` again.").format(config=config)
        ) from None
    if not isinstance(url, str):
        raise ConfigError(_("{config} has no database URL.").format(config=config))
    return url


def _engine(ctx: click.Context) -> Engine:
    obj: dict[str, Any] = ctx.ensure_object(dict)
    url = obj["database"] or _database_url(obj["home"])
    return make_engine(url)


@click.group(help=_("vardia-server — the sync server for vardia's technicians."))
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIRECTORY",
    envvar="VARDIA_SERVER_HOME",
    default=lambda: platformdirs.user_data_dir("vardia-server", appauthor=False),
    help=_("Where the server keeps its configuration (and its SQLite database by default)."),
)
@click.option(
    "--database",
    envvar="VARDIA_SERVER_DATABASE",
    default=None,
    help=_("SQLAlchemy URL, overriding the one saved by init."),
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    expose_value=False,
    help=_("The language: el (Greek) or en (English); by default the locale's."),
)
@click.pass_context
def cli(ctx: click.Context, home: Path, database: str | None) -> None:
    ctx.ensure_object(dict).update(home=Path(home), database=database)


@cli.command(help=_("Create or upgrade the database and remember its URL."))
@click.option("--database", "url", default=None, help=_("SQLAlchemy URL; default SQLite in home."))
@click.pass_context
@_reports_errors
def init(ctx: click.Context, url: str | None) -> None:
    home: Path = private_dir(ctx.obj["home"])
    url = url or ctx.obj["database"] or f"sqlite:///{home / 'vardia.db'}"
    before = migrate(make_engine(url))
    write_private(home / CONFIG_FILE, orjson.dumps({"database": url}))
    for path in _server_files(home, url):
        # Made by an earlier vardia-server with the default mode; init is the admin's say-so.
        path.chmod(0o700 if path.is_dir() else 0o600)
        click.echo(
            _("{path} was readable by other users; it is now its owner's only.").format(path=path)
        )
    if before == HEAD:
        click.echo(_("Database ready (schema {head}, already up to date).").format(head=HEAD))
    else:
        click.echo(
            _("Database ready (schema {head}, upgraded from {before}).").format(
                head=HEAD, before=before or _("an empty database")
            )
        )


def _server_files(home: Path, url: str) -> list[Path]:
    database = sqlite_path(url)
    return loose_files(home, home / CONFIG_FILE, *([database] if database else []))


_LOG_LEVELS = click.Choice(["debug", "info", "warning", "error"], case_sensitive=False)


@cli.command(help=_("Serve the API, and the price list in HOME/config/plans.toml (read at start)."))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--fd", default=None, type=int, help=_("Serve on this already-bound TCP socket."))
@click.option(
    "--certfile",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help=_("Serve HTTPS with this certificate (PEM, the chain after it)."),
)
@click.option(
    "--keyfile",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help=_("The certificate's private key (PEM), if not in the certificate file."),
)
@click.option(
    "--rate",
    default=Limits.rate_per_second,
    show_default=True,
    type=float,
    help=_("Requests per second per valid token."),
)
@click.option("--burst", default=Limits.burst, show_default=True, type=int)
@click.option(
    "--stranger-rate",
    default=Limits.stranger_rate_per_second,
    show_default=True,
    type=float,
    help=_("Requests per second per client address without a valid token."),
)
@click.option("--stranger-burst", default=Limits.stranger_burst, show_default=True, type=int)
@click.option(
    "--limiter-size",
    default=Limits.limiter_size,
    show_default=True,
    type=click.IntRange(min=1),
    help=_("Rate-limit buckets kept in memory; the least recently used is dropped."),
)
@click.option(
    "--max-connections",
    default=Limits.max_connections,
    show_default=True,
    type=click.IntRange(min=1),
    help=_("Open connections; past it the oldest one waiting on its client is closed."),
)
@click.option(
    "--header-timeout",
    default=Limits.header_timeout,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help=_("Seconds a client has to send a request's head (and a TLS handshake)."),
)
@click.option(
    "--body-timeout",
    default=Limits.body_timeout,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help=_("Seconds a client has to send a request's body."),
)
@click.option(
    "--max-header-bytes",
    default=Limits.max_header_bytes,
    show_default=True,
    type=click.IntRange(min=1024),
)
@click.option(
    "--forwarded-allow-ips",
    default="127.0.0.1",
    show_default=True,
    envvar="VARDIA_SERVER_FORWARDED_ALLOW_IPS",
    help=_("Proxies whose X-Forwarded-For names the client (comma-separated, or *)."),
)
@click.option("--log-level", default="info", show_default=True, type=_LOG_LEVELS)
@click.pass_context
@_reports_errors
def serve(ctx: click.Context, /, fd: int | None, log_level: str, **options: Any) -> None:
    # uvicorn loads for serve alone: the admin commands start without it.
    from server.serving import check_certificate, configure_logging, listen
    from server.serving import serve as run_server

    host: str = options.pop("host")
    port: int = options.pop("port")
    certfile: str | None = options.pop("certfile")
    keyfile: str | None = options.pop("keyfile")
    forwarded: str = options.pop("forwarded_allow_ips")
    if keyfile and not certfile:
        raise InputError(_("--keyfile needs --certfile."))
    if certfile:
        try:
            check_certificate(certfile, keyfile)
        except (ssl.SSLError, OSError) as error:
            raise InputError(
                _("The certificate or key cannot be used ({error}).").format(error=error)
            ) from None
    limits = _limits(options)
    configure_logging(log_level)
    price_list = SyncedPriceList.of(plans_document(ctx.obj["home"] / PRICE_LIST_DIR))
    engine = _engine(ctx)
    migrate(engine)
    repriced = reprice_unpriced(engine, load_rules(None, price_list.document), SystemClock().now())
    if repriced.customers:
        click.echo(f"vardia-server: {repriced.sentence()}.")
    home: Path = ctx.obj["home"]
    for path in _server_files(home, str(engine.url)):
        click.echo(
            _("vardia-server: {path} can be read by other users; `chmod go-rwx` it.").format(
                path=path
            ),
            err=True,
        )
    bounds = load_bounds(home / PRICE_LIST_DIR)
    app = create_app(
        engine, clock=SystemClock(), limits=limits, price_list=price_list, bounds=bounds
    )
    if fd is not None:
        sock = socket.socket(fileno=fd)
        sock.listen(2048)
    else:
        try:
            sock = listen(host, port)
        except OSError as error:
            raise InputError(
                _("Cannot listen on {host}:{port}: {reason}.").format(
                    host=host, port=port, reason=error.strerror or error
                )
            ) from None
    # Ctrl-C: uvicorn shuts down gracefully, then raises it again. When SIGINT was ignored at
    # start (a background job), uvicorn stops on it all the same and raises nothing.
    with contextlib.suppress(KeyboardInterrupt):
        run_server(
            app,
            limits,
            sock=sock,
            certfile=certfile,
            keyfile=keyfile,
            forwarded_allow_ips=forwarded,
            on_listening=_say_listening,
        )
    click.echo(_("vardia-server stopped."))


def _limits(options: dict[str, Any]) -> Limits:
    from server.serving import descriptor_budget

    wanted = int(options["max_connections"])
    fitting = descriptor_budget(wanted)
    if fitting < wanted:
        click.echo(
            _(
                "vardia-server: only {n} connections fit in this process's file descriptors; "
                "serving at most {n}."
            ).format(n=fitting),
            err=True,
        )
    return Limits(
        rate_per_second=options["rate"],
        burst=options["burst"],
        stranger_rate_per_second=options["stranger_rate"],
        stranger_burst=options["stranger_burst"],
        limiter_size=options["limiter_size"],
        max_connections=fitting,
        header_timeout=options["header_timeout"],
        body_timeout=options["body_timeout"],
        max_header_bytes=options["max_header_bytes"],
    )


def _say_listening(url: str) -> None:
    click.echo(_("vardia-server listening on {url} (Ctrl-C stops it).").format(url=url))


@cli.command("add-technician", help=_("Create a technician and print their token, once."))
@click.argument("name")
@click.option("--admin", is_flag=True, help=_("The technician may use the admin endpoints."))
@click.pass_context
@_reports_errors
def add_technician_command(ctx: click.Context, name: str, admin: bool) -> None:
    token = add_technician(_engine(ctx), name, admin=admin, now=SystemClock().now())
    click.echo(token)


@cli.command("revoke-technician", help=_("Revoke a technician's token."))
@click.argument("name")
@click.pass_context
@_reports_errors
def revoke_technician(ctx: click.Context, name: str) -> None:
    revoke(_engine(ctx), name, now=SystemClock().now())
    click.echo(_("Revoked {name}.").format(name=name))


@cli.command(
    "rotate-token",
    help=_(
        "Give a technician a new token, printed once, and lift a revocation; the old token "
        "stops working and their history stays theirs."
    ),
)
@click.argument("name")
@click.pass_context
@_reports_errors
def rotate_token_command(ctx: click.Context, name: str) -> None:
    click.echo(rotate_token(_engine(ctx), name))


@cli.command(
    "import-customers",
    help=_(
        "Insert or replace customers and contracts from a CSV (UTF-8, a header row, the "
        "columns of `vardia customer import`), checking plans against the price list served."
    ),
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@_reports_errors
def import_customers_command(ctx: click.Context, path: Path) -> None:
    rules = load_rules(None, plans_document(ctx.obj["home"] / PRICE_LIST_DIR))
    now = SystemClock().now()
    rows = read_customer_rows(path, rules.plans, rules.bounds, now=now)
    bought = {row.customer.id: row.purchases for row in rows}
    count = import_customers(_engine(ctx), rules, [row.customer for row in rows], now, bought)
    click.echo(_("Imported {count} customers.").format(count=count))


@cli.command("list-devices", help=_("The devices that have synced, newest first."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
@click.pass_context
@_reports_errors
def list_devices_command(ctx: click.Context, as_json: bool) -> None:
    found = list_devices(_engine(ctx))
    if as_json:
        click.echo(orjson.dumps(found, option=orjson.OPT_INDENT_2).decode())
        return
    for device in found:
        click.echo(
            f"{device['device_id']}  {device['technician']}  {device['last_seen']}  "
            f"{device['clock_offset_seconds']:+.1f}s"
        )


def _rules(ctx: click.Context) -> Rules:
    return load_rules(None, plans_document(ctx.obj["home"] / PRICE_LIST_DIR))


@cli.command(
    "statement",
    help=_(
        "A customer's statement of a month from the server's ledger: every technician's "
        "sessions at the server's prices (--all: one file per customer with sessions)."
    ),
)
@click.option("--customer", "customer_id", help=_("The customer's id."))
@click.option("--month", required=True, help=_("The month, YYYY-MM."))
@click.option("--json", "as_json", is_flag=True, help=_("Machine-readable output."))
@click.option("--csv", "as_csv", is_flag=True, help=_("A spreadsheet's columns."))
@document_options
@click.option("--all", "every", is_flag=True, help=_("Every customer with sessions that month."))
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIRECTORY",
    help=_("The folder --all writes to."),
)
@click.pass_context
@_reports_errors
def statement_command(
    ctx: click.Context,
    customer_id: str | None,
    month: str,
    as_json: bool,
    as_csv: bool,
    dialect: str | None,
    as_html: bool,
    every: bool,
    output: Path | None,
) -> None:
    from core.rules import load_letterhead
    from core.statements import statement_options
    from server.statements import customer_statement, every_statement, statement_file

    statement_options(customer_id, every, as_json, as_csv, output, as_html=as_html, dialect=dialect)
    the_month = Month.parse(month)
    engine, rules, now = _engine(ctx), _rules(ctx), SystemClock().now()
    form = _StatementForm(
        as_json,
        as_csv,
        CsvDialect(dialect) if dialect else None,
        load_letterhead(ctx.obj["home"] / PRICE_LIST_DIR) if as_html else None,
        rules,
    )
    if customer_id is not None:
        customer, found = customer_statement(
            engine, rules, customer_id, the_month, now, issue=as_html
        )
        click.echo(form.text(customer, found), nl=not (as_csv or as_html))
        return
    assert output is not None  # checked above, with a sentence for the person
    output.mkdir(parents=True, exist_ok=True)
    written = 0
    for customer, found in every_statement(engine, rules, the_month, now, issue=as_html):
        path = output / statement_file(customer, the_month, form.suffix)
        path.write_text(form.text(customer, found), encoding="utf-8")
        written += 1
    click.echo(_("Wrote {n} statements to {folder}.").format(n=written, folder=output))


@dataclass(frozen=True)
class _StatementForm:
    """How the office's statement is written: text, JSON, CSV in a dialect, or the document."""

    as_json: bool
    as_csv: bool
    dialect: CsvDialect | None
    letterhead: Letterhead | None
    rules: Rules

    @property
    def suffix(self) -> str:
        if self.letterhead is not None:
            return "html"
        return "csv" if self.as_csv else "json" if self.as_json else "txt"

    def text(self, customer: Customer, statement: Statement) -> str:
        from core.documents import statement_html, statement_text
        from core.i18n import text_width

        if self.as_json:
            return statement.model_dump_json(indent=2)
        if self.as_csv:
            out = io.StringIO()
            write_statement_csv(statement, out, self.dialect)
            return out.getvalue()
        if self.letterhead is not None:
            return statement_html(
                statement, customer, self.letterhead, self.rules.plans, self.rules.timezone
            )
        return statement_text(
            statement, self.rules.plans, self.rules.timezone, text_width(widest=160)
        )


@cli.group(help=_("Prepaid credit: dated purchases the ledger spends in order."))
def credit() -> None:
    pass


@credit.command("add", help=_("Record credit a customer bought (net euros), now or --at."))
@click.argument("customer_id", metavar="CUSTOMER")
@click.argument("amount")
@click.option(
    "--at", "at_text", help=_("When it was bought, ISO 8601 (Europe/Athens if no offset).")
)
@click.pass_context
@_reports_errors
def credit_add(ctx: click.Context, customer_id: str, amount: str, at_text: str | None) -> None:
    from server.credit import add_credit

    rules, now = _rules(ctx), SystemClock().now()
    try:
        value = Decimal(amount)
    except InvalidOperation:
        value = Decimal("NaN")
    at = now if at_text is None else _instant(at_text, rules)
    left = add_credit(_engine(ctx), rules, customer_id, value, at=at, now=now)
    click.echo(
        _("Added {amount} € of credit for {customer}; {left} € left.").format(
            amount=value.quantize(Decimal("0.01")), customer=customer_id, left=left
        )
    )


def _instant(text: str, rules: Rules) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            _("“{text}” is not an instant: write it as ISO 8601, e.g. 2026-11-23T10:00.").format(
                text=text
            )
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=rules.timezone)


def main() -> None:
    # Whatever the server writes (database, config, logs) is its owner's only.
    os.umask(0o077)
    cli(prog_name="vardia-server", auto_envvar_prefix=None)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
