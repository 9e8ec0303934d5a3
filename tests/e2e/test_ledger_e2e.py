"""One ledger per customer, end to end: two technicians' devices, offline, draw on the same
prepaid credit, included hours and premium pack; real server processes settle who got what,
and the month's statement reads the same from either device and from the office."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core import timer as timer_rules
from core.clock import FrozenClock
from core.intake import IntakeRequest, open_incident
from core.ledger import billed_quote, explain, is_provisional
from core.models import Channel, Contract, Customer, PremiumGrant, Session
from core.periods import Month
from core.rules import Rules, load_rules
from core.statements import Statement
from core.store import Store
from core.sync.client import SyncClient
from core.sync.login import Login, save_login
from core.sync.statements import statement_for
from server.admin import import_customers
from server.embedded import LocalServer
from tests.tui.data import NOW

YEAR = Contract(plan="basic", valid_from=date(2026, 1, 1), valid_until=date(2026, 12, 31))
CUSTOMERS = [
    Customer(id="free", name="Free ΙΚΕ", prepaid_credit=Decimal(10)),
    Customer(id="basic", name="Basic Α.Ε.", contract=YEAR),
    Customer(
        id="pack",
        name="Pack Ο.Ε.",
        contract=YEAR.model_copy(update={"plan": "maintenance", "premium_pack": "premium-2"}),
    ),
]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None)


@pytest.fixture
def server(database_url: str, tmp_path: Path, rules: Rules) -> Iterator[LocalServer]:
    local = LocalServer(tmp_path / "server-home", database_url)
    # Imported the day before: the opening credit is bought before any session.
    import_customers(local.engine, rules, CUSTOMERS, NOW - timedelta(days=1))
    local.start()
    try:
        yield local
    finally:
        local.stop()


MONTH = "2026-11"


def _json(command: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout)
    return found


def _office(server: LocalServer, customer_id: str) -> dict[str, Any]:
    """``vardia-server statement --json`` of the month, as the office runs it."""
    where = ["--home", str(server.home), "--database", server.database]
    asked = ["statement", "--customer", customer_id, "--month", MONTH, "--json"]
    return _json([sys.executable, "-m", "server", *where, *asked])


class Device:
    """A technician's machine: its own store, on a clock the test moves, and its client."""

    def __init__(self, home: Path, name: str, server: LocalServer, rules: Rules) -> None:
        self.home = home
        self.clock = FrozenClock(NOW)
        self.rules = rules
        self.store = Store.open(home, clock=self.clock, technician=name)
        token = server.add_technician(name)
        save_login(home / "config", Login(server=server.url, token=token, technician=name))
        self.client = SyncClient(
            self.store, server.url, token, device_id=self.store.device_id, clock=self.clock
        )

    def work(self, customer_id: str, channel: Channel, minutes: int) -> Session:
        """Open an incident for the customer and time one session on it."""
        request = IntakeRequest(
            customer_id=customer_id, subject="Δεν τυπώνει", requested_via=channel
        )
        incident = open_incident(self.store, self.rules, request)
        timer_rules.start(self.store, self.rules, incident.id, channel)
        self.clock.advance(timedelta(minutes=minutes))
        return timer_rules.stop(self.store, self.rules)

    def statement(self, customer_id: str) -> dict[str, Any]:
        """``vardia statement --json`` of the month, run as a technician runs it."""
        asked = ["statement", "--customer", customer_id, "--month", MONTH, "--json"]
        env = {**os.environ, "VARDIA_HOME": str(self.home)}
        return _json([sys.executable, "-m", "tui", *asked], env)

    def document(self, customer_id: str) -> str:
        """``vardia statement --html`` of the month: the document the server numbers."""
        asked = ["statement", "--customer", customer_id, "--month", MONTH, "--html"]
        env = {**os.environ, "VARDIA_HOME": str(self.home)}
        done = subprocess.run(
            [sys.executable, "-m", "tui", *asked], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def close(self) -> None:
        self.client.close()
        self.store.close()


@pytest.fixture
def devices(tmp_path: Path, server: LocalServer, rules: Rules) -> Iterator[tuple[Device, Device]]:
    first = Device(tmp_path / "eleni", "eleni", server, rules)
    second = Device(tmp_path / "nikos", "nikos", server, rules)
    try:
        yield first, second
    finally:
        first.close()
        second.close()


def test_two_devices_offline_spend_each_entitlement_once_in_chronological_order(
    devices: tuple[Device, Device], server: LocalServer
) -> None:
    early, late = devices
    for device in devices:
        device.client.sync()  # both know the customers, then go offline
    late.clock.advance(timedelta(hours=1))  # the later device works an hour later

    # Each device: 10 € of calls on the credit, 3 h of the 4 included remote hours, and two
    # incidents on the pack of two; the same work, an hour apart, within support hours.
    work = [
        ("free", Channel.PHONE, 15),
        ("basic", Channel.REMOTE, 180),
        ("pack", Channel.PHONE, 30),
        ("pack", Channel.PHONE, 30),
    ]
    spent = [(early.work(*job), late.work(*job)) for job in work]
    # Offline, each device priced as if the entitlements were all its own.
    assert all(is_provisional(s) for pair in spent for s in pair)
    assert spent[0][0].quote.credit_debited == spent[0][1].quote.credit_debited == 10

    # The later work arrives first: the ledger orders by the sessions' first seconds.
    for device in (late, early, late, early):
        device.client.sync()

    def owed(device: Device, session: Session) -> Session:
        held = device.store.session(session.id)
        assert not is_provisional(held)
        return held

    free, basic, *packs = [
        tuple(owed(d, s) for d, s in zip(devices, pair, strict=True)) for pair in spent
    ]
    free_early, free_late = free
    assert billed_quote(free_early).credit_debited == 10
    assert billed_quote(free_late).credit_debited == 0
    assert billed_quote(free_late).due > free_late.quote.due

    basic_early, basic_late = basic
    drawn = billed_quote(basic_early).included_hours_debited
    assert drawn == basic_early.quote.included_hours_debited  # the earlier one got what it asked
    assert billed_quote(basic_late).included_hours_debited == 4 - drawn
    assert billed_quote(basic_late).net > basic_late.quote.net
    assert basic_late.server_price is not None
    [why] = [explain(r) for r in basic_late.server_price.reasons]
    assert why == (
        f"{format(drawn.normalize(), 'f')} of the 4 included remote hours were used by a "
        "session on 23 Nov."
    )

    # The pack's two incidents went to the earlier device's; the later ones are billed hourly.
    for pack_early, pack_late in packs:
        assert pack_early.server_price is not None and pack_late.server_price is not None
        assert pack_early.server_price.premium is PremiumGrant.GRANTED
        assert pack_late.server_price.premium is PremiumGrant.BEYOND_PACK
        assert billed_quote(pack_late).net > pack_late.quote.net == 0

    for device in devices:
        ledger = {c.id: c for c in device.store.customers()}
        assert ledger["free"].prepaid_credit == 0
        assert ledger["basic"].entitlements is not None
        assert ledger["basic"].entitlements.included_used_hours[Channel.REMOTE] == 4
        assert ledger["pack"].entitlements is not None
        assert ledger["pack"].entitlements.premium_incidents_used == 2

    # One statement of the month, whoever asks: both devices and the office.
    for customer in CUSTOMERS:
        office = _office(server, customer.id)
        assert {ln["technician"] for ln in office["lines"]} == {"eleni", "nikos"}
        assert not office["partial"] and not any(ln["provisional"] for ln in office["lines"])
        for device in devices:
            shown = device.statement(customer.id)
            assert (shown["lines"], shown["totals"]) == (office["lines"], office["totals"])
            assert not shown["partial"]

    # Issued as a document from either device, a customer's month has one number, the server's.
    numbers = [
        re.findall(r"<dd>(\d{4}/\d{4})</dd>", device.document(customer.id))
        for customer in CUSTOMERS
        for device in devices
    ]
    assert all(len(found) == 1 for found in numbers)
    firsts, seconds = numbers[::2], numbers[1::2]
    assert firsts == seconds and len({n[0] for n in firsts}) == len(CUSTOMERS)


def test_a_session_not_yet_sent_is_on_the_statement_the_app_asks_for(
    devices: tuple[Device, Device], server: LocalServer, rules: Rules
) -> None:
    """The app pushes what it holds before it asks, so its statement is the server's, whole;
    the read-only command says what it leaves out instead."""
    eleni, _nikos = devices
    eleni.client.sync()
    saved = eleni.work("basic", Channel.REMOTE, 45)
    assert eleni.store.pending_count() > 0

    asked = ["statement", "--customer", "basic", "--month", MONTH, "--json"]
    env = {**os.environ, "VARDIA_HOME": str(eleni.home)}
    done = subprocess.run([sys.executable, "-m", "tui", *asked], env=env, capture_output=True)
    assert done.returncode == 0 and json.loads(done.stdout)["lines"] == []
    assert b"3 changes on this device are not on the server yet" in done.stderr  # open, start, stop

    def held() -> Statement:
        raise AssertionError("the server answers")

    month = Month.parse(MONTH)
    shown, reason = statement_for(eleni.client, held, "basic", month, send_first=True)
    assert reason is None and not shown.partial
    assert [ln.session_id for ln in shown.lines] == [saved.id]
    assert eleni.store.pending_count() == 0
    assert _office(server, "basic")["lines"] == [
        json.loads(ln.model_dump_json()) for ln in shown.lines
    ]
