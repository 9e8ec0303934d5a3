"""The ledger at 80×24: provisional and re-priced sessions, the statement online and offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from core.clock import FrozenClock
from core.ids import new_id
from core.models import Channel, PriceReason, PriceReasonKind, Segment, ServerPrice, Session
from core.periods import Month
from core.pricing import price_session
from core.rules import Rules
from core.statements import Statement, StatementTerms, build_statement
from core.store import Store
from core.sync.client import SyncClient
from core.timer import start, stop
from tests.tui.data import NOW, AppFactory
from tui.app import VardiaApp, make_app
from tui.screens.statement import StatementScreen

INCIDENT = "i00005"  # Zeta Shipping, on basic: four included remote hours a year
CUSTOMER = "c0005"


@pytest.fixture
def priced_dir(data_dir: Path, rules: Rules) -> Path:
    """The desk with two sessions on one incident: one the server re-priced, one only timed here."""
    segment = Segment(start=NOW - timedelta(days=7), end=NOW - timedelta(days=7, minutes=-60))
    device = price_session(
        rules, "basic", Channel.REMOTE, [segment], included_used_hours=Decimal("1.5")
    )
    server = price_session(
        rules, "basic", Channel.REMOTE, [segment], included_used_hours=Decimal("3.5")
    )
    reason = PriceReason(
        kind=PriceReasonKind.INCLUDED_HOURS,
        channel=Channel.REMOTE,
        included_hours=Decimal(4),
        used_hours=Decimal("3.5"),
        count=2,
        last_on=date(2026, 11, 12),
    )
    repriced = Session(
        id=new_id(),
        incident_id=INCIDENT,
        customer_id=CUSTOMER,
        technician="tech",
        device_id="d",
        channel=Channel.REMOTE,
        segments=(segment,),
        quote=device,
        recorded_at=segment.end,
        server_price=ServerPrice(
            quote=server, revision=0, priced_at=NOW - timedelta(days=6), reasons=(reason,)
        ),
    )
    seeding = FrozenClock(NOW - timedelta(minutes=45))
    with Store.open(data_dir, clock=seeding) as store:
        store.import_records(sessions=[repriced])
        start(store, rules, INCIDENT, Channel.REMOTE)
        seeding.set(NOW - timedelta(minutes=15))
        stop(store, rules)
    return data_dir


async def _sessions_in_view(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    pilot.app.open_incident(INCIDENT)  # type: ignore[attr-defined]
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.press("end")
    await pilot.pause()


def test_the_incident_marks_a_provisional_session_and_says_why_one_was_repriced(
    snap_compare,
    priced_dir: Path,
    open_app: AppFactory,  # type: ignore[no-untyped-def]
) -> None:
    assert snap_compare(open_app(), terminal_size=(80, 24), run_before=_sessions_in_view)


async def test_the_sessions_read_as_the_server_priced_them(
    priced_dir: Path, open_app: AppFactory
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _sessions_in_view(pilot)
        text = "\n".join(
            str(block.content) for block in app.screen.query("#incident-sessions Static")
        )
    assert "net 0.00 € · VAT 0.00 € · total 0.00 € · PROVISIONAL" in text
    assert "Provisional: priced on this device; the server's price will replace it." in text
    assert "Re-priced by the server: net 25.00 € (this device said 0.00 €)." in text
    assert "3.5 of the 4 included remote hours were used by 2 sessions, the last on 12 Nov." in text


# ---------------------------------------------------------------- the month's statement


def _server_statement(store: Store, rules: Rules) -> Statement:
    """What the server answers: this device's sessions at its prices, and a colleague's."""
    held = store.sessions(customer_id=CUSTOMER)
    mine = [s.model_copy(update={"server_price": _confirmed(s)}) for s in held]
    segment = Segment(start=NOW - timedelta(days=2), end=NOW - timedelta(days=2, minutes=-45))
    colleague = mine[0].model_copy(
        update={
            "id": new_id(),
            "technician": "maria",
            "segments": (segment,),
            "quote": price_session(rules, "basic", Channel.PHONE, [segment]),
            "channel": Channel.PHONE,
            "server_price": None,
        }
    )
    customer = store.customer(CUSTOMER)
    month = Month.of(NOW, rules.timezone)
    terms = StatementTerms.of(customer, month, rules.plans, rules.billing, rules.timezone)
    incidents = {INCIDENT: store.incident(INCIDENT)}
    built = build_statement(customer, month, [*mine, colleague], incidents, terms)
    # The server's own sessions are never provisional: it priced them all.
    return built.model_copy(
        update={"lines": tuple(ln.model_copy(update={"provisional": False}) for ln in built.lines)}
    )


def _confirmed(session: Session) -> ServerPrice:
    if session.server_price is not None:
        return session.server_price
    return ServerPrice(quote=session.quote, revision=len(session.edits), priced_at=NOW)


def _server(statement: Statement) -> httpx.MockTransport:
    """A server that takes every push, has nothing new to pull, and has the statement."""

    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith(f"/statements/{CUSTOMER}"):
            assert request.url.params["month"] == statement.month
            return httpx.Response(200, content=statement.model_dump_json())
        if path.endswith("/pull"):
            page = {"customers": [], "incidents": [], "cursor": "c", "has_more": False}
            return httpx.Response(200, json={**page, "server_time": NOW.isoformat()})
        if path.endswith("/push"):
            ops = json.loads(request.content)["operations"]
            results = [{"op_id": op["op_id"], "status": "applied"} for op in ops]
            body = {"results": results, "server_time": NOW.isoformat(), "clock_offset_seconds": 0}
            return httpx.Response(200, json=body)
        return httpx.Response(200, json={"status": "ok", "server_time": NOW.isoformat()})

    return httpx.MockTransport(handle)


async def _statement_in_view(pilot: Pilot[None]) -> None:
    await _sessions_in_view(pilot)
    await pilot.press("S")
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.clear_notifications()
    for screen in pilot.app.screen_stack:
        await screen.query("Toast").remove()
    await pilot.pause()


@pytest.fixture
def online_app(priced_dir: Path, rules: Rules, clock: FrozenClock) -> Iterator[VardiaApp]:
    """The app on the priced desk, with a server that has the month's whole statement."""
    with Store.open(priced_dir, clock=clock) as store:
        transport = _server(_server_statement(store, rules))
        with SyncClient(
            store,
            "https://vardia.test",
            "tok-ledger-screens",
            device_id="d",
            clock=clock,
            transport=transport,
        ) as client:
            yield make_app(rules, store, client, clock, tick=False)


def test_the_statement_online_is_the_servers_with_every_technician(
    snap_compare,
    online_app: VardiaApp,  # type: ignore[no-untyped-def]
) -> None:
    assert snap_compare(online_app, terminal_size=(80, 24), run_before=_statement_in_view)


def test_the_statement_offline_says_it_is_partial_and_marks_provisional_lines(
    snap_compare,
    priced_dir: Path,
    open_app: AppFactory,  # type: ignore[no-untyped-def]
) -> None:
    assert snap_compare(open_app(), terminal_size=(80, 24), run_before=_statement_in_view)


async def test_online_the_screen_shows_the_servers_statement(online_app: VardiaApp) -> None:
    async with online_app.run_test(size=(80, 24)) as pilot:
        await _statement_in_view(pilot)
        screen = online_app.screen
        assert isinstance(screen, StatementScreen) and screen.statement is not None
        online = screen.statement
        assert not screen.has_class("-partial")
    assert not online.partial
    assert {ln.technician for ln in online.lines} == {"tech", "maria"}


async def test_offline_the_screen_shows_what_the_device_holds_as_partial(
    priced_dir: Path, open_app: AppFactory
) -> None:
    offline_app = open_app()
    async with offline_app.run_test(size=(80, 24)) as pilot:
        await _statement_in_view(pilot)
        screen = offline_app.screen
        assert isinstance(screen, StatementScreen) and screen.statement is not None
        offline = screen.statement
        assert screen.has_class("-partial")
        partial = str(screen.query_one("#statement-partial", Static).content)
    assert offline.partial and offline.as_of is None
    assert partial == "Partial — this device's sessions only; it has never synced."
    assert [ln.provisional for ln in offline.lines] == [False, True]
    assert {ln.technician for ln in offline.lines} == {"tech"}
