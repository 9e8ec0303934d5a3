"""``vardia login``, ``vardia sync`` and ``vardia status``: sync with the server from a shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from core.errors import ConfigError
from core.i18n import _
from core.settings import Paths, technician_name
from core.store import Store
from core.sync.client import SyncClient, SyncStatus, status_of
from core.sync.identity import adopt_technician
from core.sync.login import Login, load_login, save_login
from core.sync.state import load_state
from tui.cli import emit, json_option, reports_errors

__all__ = ["COMMANDS"]


@contextmanager
def _client(store: Store, login: Login) -> Iterator[SyncClient]:
    with SyncClient(store, login.server, login.token, device_id=store.device_id) as client:
        yield client


@click.command(help=_("Remember the sync server and your token (checked with the server)."))
@click.option("--server", "url", required=True, help=_("The server's URL, e.g. http://host:8765."))
@click.option("--token", required=True, help=_("The token `vardia-server add-technician` printed."))
@json_option
@reports_errors
def login(url: str, token: str, as_json: bool) -> None:
    paths = Paths.from_env()
    with (
        Store.open(paths, technician=technician_name()) as store,
        SyncClient(store, url, token, device_id="login") as client,
    ):
        who = client.whoami()
        previous = store.technician
        moved = adopt_technician(store, who.technician)
    saved = Login(server=url.rstrip("/"), token=token, technician=who.technician)
    path = save_login(paths.config_dir, saved)
    data = {"server": saved.server, "technician": who.technician, "role": who.role}
    emit(
        {**data, "saved_to": str(path), "previous_name": previous, "reattributed": moved},
        as_json,
        lambda: _login_text(data, previous, moved),
    )


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
        raise ConfigError(_("Not logged in; run `vardia login --server URL --token TOKEN` first."))
    return found


@click.command(help=_("Push what was captured here and pull what changed on the server."))
@json_option
@reports_errors
def sync(as_json: bool) -> None:
    paths = Paths.from_env()
    found = _required_login(paths)
    with Store.open(paths, technician=technician_name()) as store, _client(store, found) as client:
        report = client.sync()
        pending = store.pending_count()
    push = report.push
    data = {
        "applied": push.applied,
        "duplicate": push.duplicate,
        "conflict": push.conflict,
        "rejected": push.rejected,
        "pulled": report.pulled,
        "pending": pending,
        "at": report.at.isoformat(),
    }
    emit(
        data,
        as_json,
        lambda: _(
            "Synced: {applied} sent, {conflict} in conflict, {rejected} refused, "
            "{pulled} records received."
        ).format(**data),
    )


def _render(status: SyncStatus) -> str:
    lines = [
        _("online: {v}").format(v=_("yes") if status.online else _("no")),
        _("pending: {v}").format(v=status.pending),
        _("last sync: {v}").format(v=status.last_sync.isoformat() if status.last_sync else "—"),
        _("last error: {v}").format(v=status.last_error or "—"),
        _("conflicts: {v}").format(v=status.conflicts),
    ]
    return "\n".join(lines)


@click.command(
    help=_("Is the server reachable, what is waiting to be sent, when did sync last work.")
)
@json_option
@reports_errors
def status(as_json: bool) -> None:
    paths = Paths.from_env()
    found = load_login(paths.config_dir)
    with Store.open(paths, read_only=True, technician=technician_name()) as store:
        if found is None:
            current = status_of(store, load_state(store), online=False)
        else:
            with _client(store, found) as client:
                current = status_of(store, load_state(store), online=client.is_online())
    emit(current.as_json(), as_json, lambda: _render(current))


COMMANDS: list[click.Command] = [login, sync, status]
