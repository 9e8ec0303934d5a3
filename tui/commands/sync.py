"""``vardia login``, ``vardia sync`` and ``vardia status``: sync with the server from a shell."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from core.errors import AuthError, ConfigError, InputError, SyncError, UnreachableError
from core.i18n import _
from core.settings import Paths, technician_name
from core.sync.log import LOG, LOG_FILE, open_log
from core.sync.login import Login, load_login, save_login
from core.sync.secure import check_server_url
from core.sync.state import load_state
from tui.cli import emit, json_option, reports_errors
from tui.format import long_at

if TYPE_CHECKING:
    from core.store import Store
    from core.sync.client import SyncClient, SyncStatus

__all__ = ["COMMANDS"]


@contextmanager
def _client(store: Store, login: Login, config_dir: Path) -> Iterator[SyncClient]:
    from core.rules import load_bounds
    from core.sync.client import SyncClient

    bounds = load_bounds(config_dir)
    with SyncClient.for_login(store, login, device_id=store.device_id, bounds=bounds) as client:
        yield client


# Printable ASCII without spaces, as long as a header may carry: what a bearer token can be.
_TOKEN = re.compile(r"[\x21-\x7e]{1,256}")


def _read_token() -> str:
    """The token from $VARDIA_TOKEN, else standard input when it is not a terminal, else a
    hidden prompt: never from the command line, where `ps` and the shell's history see it."""
    # click.get_text_stream is deprecated (click 8.5); CliRunner swaps sys.stdin as well.
    stdin = sys.stdin
    if os.environ.get("VARDIA_TOKEN"):
        token, source = os.environ["VARDIA_TOKEN"].strip(), "VARDIA_TOKEN"
    elif not stdin.isatty():
        token, source = stdin.readline().strip(), _("standard input")
    else:
        token, source = click.prompt(_("Token"), hide_input=True).strip(), _("the prompt")
    if not token:
        raise InputError(_("No token came from {source}.").format(source=source))
    if not _TOKEN.fullmatch(token):
        raise InputError(
            _(
                "What came from {source} is not a token; paste the line that "
                "`vardia-server add-technician` printed."
            ).format(source=source)
        )
    return token


def _refuse_token_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        raise click.UsageError(
            _(
                "--token is no longer taken, because the process list and the shell's history "
                "show it (this one may be in your history now); type the token at the prompt, "
                "pipe it on standard input, or set VARDIA_TOKEN"
            )
        )


@click.command(
    help=_(
        "Remember the sync server and your token, checked with the server. The token is read "
        "from VARDIA_TOKEN, else standard input, else a hidden prompt."
    )
)
@click.option(
    "--server", "url", required=True, help=_("The server's URL, e.g. https://sync.example.com.")
)
@click.option(
    "--ca-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="FILE",
    help=_("Your vendor's own certificate authority (PEM), to verify its server; remembered."),
)
@click.option(
    "--allow-insecure-http",
    is_flag=True,
    help=_(
        "Send the token over plain http:// to another machine, on a network you trust only; "
        "remembered."
    ),
)
@click.option("--token", hidden=True, expose_value=False, callback=_refuse_token_option)
@json_option
@reports_errors
def login(url: str, ca_file: Path | None, allow_insecure_http: bool, as_json: bool) -> None:
    from core.store import Store
    from core.sync.identity import adopt_technician

    paths = Paths.from_env()
    url = check_server_url(url, allow_insecure_http=allow_insecure_http)
    if allow_insecure_http and url.startswith("http://"):
        click.echo(
            _("vardia: warning: your token will cross the network to {url} in clear.").format(
                url=url
            ),
            err=True,
        )
    token = _read_token()
    saved = Login(
        server=url,
        token=token,
        technician="",
        ca_file=str(ca_file.resolve()) if ca_file else None,
        allow_insecure_http=allow_insecure_http,
    )
    open_log(paths.log_dir)
    with (
        Store.open(paths, technician=technician_name()) as store,
        _client_for_login(store, saved) as client,
    ):
        try:
            who = client.whoami()
        except SyncError as error:
            LOG.warning("login to %s failed: %s", url, error)
            if isinstance(error, AuthError):
                raise InputError(
                    _(
                        "The server at {url} does not know this token; check that it was "
                        "copied whole."
                    ).format(url=url)
                ) from None
            if isinstance(error, UnreachableError):
                raise UnreachableError(
                    _(
                        "The server at {url} cannot be reached; check the address, or log in "
                        "again once online."
                    ).format(url=url)
                ) from None
            raise
        previous = store.technician
        moved = adopt_technician(store, who.technician)
    saved = saved.model_copy(update={"technician": who.technician})
    path = save_login(paths.config_dir, saved)
    LOG.info("logged in to %s as %s", url, who.technician)
    data = {"server": saved.server, "technician": who.technician, "role": who.role}
    emit(
        {**data, "saved_to": str(path), "previous_name": previous, "reattributed": moved},
        as_json,
        lambda: _login_text(data, previous, moved),
    )


def _client_for_login(store: Store, login: Login) -> SyncClient:
    from core.sync.client import SyncClient

    # A device id of its own: a login is not a sync from this device.
    return SyncClient.for_login(store, login, device_id="login")


def _login_text(data: dict[str, str], previous: str, moved: int) -> str:
    text = _("Logged in to {server} as {technician}.").format(**data)
    if previous != data["technician"]:
        text += " " + _(
            "Changes are now recorded as {technician} instead of {previous}; "
            "{moved} not yet sent were moved to {technician}."
        ).format(previous=previous, moved=moved, **data)
    return text


def _required_login(paths: Paths) -> Login:
    found = load_login(paths.config_dir)
    if found is None:
        raise ConfigError(_("Not logged in; run `vardia login --server URL` first."))
    return found


@click.command(help=_("Push what was captured here and pull what changed on the server."))
@json_option
@reports_errors
def sync(as_json: bool) -> None:
    from core.store import Store

    paths = Paths.from_env()
    found = _required_login(paths)
    open_log(paths.log_dir)
    with (
        Store.open(paths, technician=technician_name()) as store,
        _client(store, found, paths.config_dir) as client,
    ):
        report = client.sync()
        pending = store.pending_count()
        refused = _refused(store)
    push = report.push
    data = {
        "applied": push.applied,
        "duplicate": push.duplicate,
        "conflict": push.conflict,
        "rejected": push.rejected,
        "pulled": report.pulled,
        "kept_aside": len(report.pull.kept_aside),
        "pending": pending,
        "at": report.at.isoformat(),
        "refused": refused,
    }
    emit(data, as_json, lambda: _synced_text(data, report.pull.sentence(), len(refused)))


def _synced_text(data: dict[str, Any], pulled: str | None, refused: int) -> str:
    from tui.commands.refused import refused_summary

    text = _(
        "Synced: {applied} sent, {conflict} in conflict, {rejected} refused, "
        "{pulled} records received."
    ).format(**data)
    parts = [text, pulled, refused_summary(refused) if refused else None]
    return " ".join(part for part in parts if part)


def _refused(store: Store) -> list[dict[str, object]]:
    """The refused work kept here, as ``--json`` lists it (core.sync.refused)."""
    from core.sync.refused import listed, refused

    return [listed(store, r) for r in refused(store)]


def _render(status: SyncStatus, log: Path) -> str:
    from tui.commands.refused import refused_summary

    lines = [
        _("online: {v}").format(v=_("yes") if status.online else _("no")),
        _("pending: {v}").format(v=status.pending),
        _("last sync: {v}").format(v=long_at(status.last_sync) if status.last_sync else "—"),
        _("last error: {v}").format(v=status.last_error or "—"),
        _("conflicts: {v}").format(v=status.conflicts),
        _("kept aside from the server: {v}").format(v=status.kept_aside),
        _("refused: {v}").format(v=status.rejected),
        _("log: {v}").format(v=log),
    ]
    if status.rejected:
        lines.append(refused_summary(status.rejected))
    return "\n".join(lines)


@click.command(
    help=_("Is the server reachable, what is waiting to be sent, when did sync last work.")
)
@json_option
@reports_errors
def status(as_json: bool) -> None:
    from core.store import Store
    from core.sync.client import status_of

    paths = Paths.from_env()
    found = load_login(paths.config_dir)
    log = paths.log_dir / LOG_FILE
    with Store.open(paths, read_only=True, technician=technician_name()) as store:
        online = False
        if found is not None:
            try:
                with _client(store, found, paths.config_dir) as client:
                    online = client.is_online()
            except (InputError, ConfigError) as error:
                # The saved login cannot be used (plain http:// to another host, a CA file
                # gone): say so, and still show what waits here.
                click.echo(f"vardia: {error}", err=True)
        current = status_of(store, load_state(store), online=online)
        refused = _refused(store)
    data = {**current.as_json(), "refused": refused, "log": str(log)}
    emit(data, as_json, lambda: _render(current, log))


COMMANDS: list[click.Command] = [login, sync, status]
