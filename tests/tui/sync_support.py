"""Helpers for the TUI tests against a real vardia-server: bounded waits and technicians."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static

from core.clock import Clock
from core.models import Answer, Category, Channel, Incident
from core.rules import Rules
from core.store import Store
from core.sync.backoff import Backoff
from core.sync.client import SyncClient
from server.embedded import LocalServer
from tests.tui.data import customers
from tui.app import VardiaApp, make_app
from tui.desk import Desk, IntakeForm
from tui.screens.queue import QueueScreen

__all__ = [
    "ROUNDS",
    "Technician",
    "header_sync",
    "intake_form",
    "queued",
    "running_app",
    "shared_incident",
    "technician",
    "until",
    "until_listed",
]

ROUNDS = 2000  # bounds a failing wait; each round yields to the app once


async def until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    """Let the app run until ``condition`` holds; fail after ROUNDS short pauses."""
    for _round in range(ROUNDS):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the app never reached the expected state")


def header_sync(app: VardiaApp) -> str:
    """The sync part of the header, as the technician reads it."""
    return str(app.screen.query_one("#header-sync", Static).content)


def queued(app: VardiaApp) -> list[str]:
    """The incident ids the queue shows now."""
    screen = app.screen
    return [row.incident.id for row in screen.table.rows] if isinstance(screen, QueueScreen) else []


def intake_form(subject: str, customer_id: str = "c0000") -> IntakeForm:
    return IntakeForm(
        customer_id=customer_id,
        subject=subject,
        description="",
        category=Category.SOFTWARE,
        requested_via=Channel.PHONE,
        backups=Answer.YES,
        no_third_party=Answer.YES,
        override_reason=None,
        scope_override_reason=None,
        bill_without_premium=False,
    )


@dataclass(frozen=True)
class Technician:
    """One technician's device: a store of their own and a client with their own token."""

    name: str
    store: Store
    client: SyncClient
    desk: Desk


@contextmanager
def technician(
    home: Path, name: str, server: LocalServer, rules: Rules, clock: Clock
) -> Iterator[Technician]:
    """A new device for ``name`` on ``server``, with the test customers in its store."""
    token = server.add_technician(name)
    with Store.open(home, clock=clock) as store:
        store.set_technician(name)
        store.import_records(customers=customers())
        backoff = Backoff(base=0.05, cap=0.2)
        with SyncClient(
            store, server.url, token, device_id=store.device_id, backoff=backoff
        ) as client:
            yield Technician(name, store, client, Desk(store, rules, clock, client.store_lock))


@contextmanager
def shared_incident(
    home: Path,
    server: LocalServer,
    rules: Rules,
    first: tuple[str, Clock],
    second: tuple[str, Clock],
) -> Iterator[tuple[Technician, Technician, Incident]]:
    """Two devices on a running server; the first opened an incident and synced it."""
    server.start()
    with (
        technician(home / first[0], first[0], server, rules, first[1]) as one,
        technician(home / second[0], second[0], server, rules, second[1]) as other,
    ):
        incident = one.desk.open_incident(intake_form("One incident, two technicians"))
        one.client.sync()
        yield one, other, incident


def running_app(device: Technician, rules: Rules, clock: Clock) -> VardiaApp:
    """The app on ``device``, syncing with its client; no wall-clock ticks."""
    return make_app(rules, device.store, device.client, clock, tick=False)


async def until_listed(pilot: Pilot[None], app: VardiaApp, incident: Incident) -> None:
    """Wait until the app is online and its queue shows ``incident`` alone."""
    await until(pilot, lambda: app.sync_view.online and queued(app) == [incident.id])
