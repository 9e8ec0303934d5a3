"""A pull brings the server's ledger into the store without hiding this device's pending work."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx

from core.clock import FrozenClock
from core.intake import IntakeRequest, open_incident, standing_of
from core.ledger import billed_quote, is_provisional
from core.models import Channel, Customer, Entitlements, PriceReason, PriceReasonKind, ServerPrice
from core.rules import load_rules
from core.store import Store
from core.sync.client import SyncClient
from core.sync.protocol import PullResponse, SessionPrice
from core.timer import start, stop
from tests.core.store.store_records import contracted

RULES = load_rules()
MON_1000 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 10:00 in Athens
SYNCED = MON_1000 + timedelta(hours=3)


def _serving(pages: list[PullResponse]) -> httpx.MockTransport:
    """A server that takes every push and hands out ``pages`` one pull at a time."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/pull"):
            return httpx.Response(200, content=pages.pop(0).model_dump_json())
        ops = json.loads(request.content)["operations"]
        results = [{"op_id": op["op_id"], "status": "applied"} for op in ops]
        body = {"results": results, "server_time": SYNCED.isoformat(), "clock_offset_seconds": 0}
        return httpx.Response(200, json=body)

    return httpx.MockTransport(handle)


def _page(customers: list[Customer], prices: list[SessionPrice]) -> PullResponse:
    return PullResponse(
        customers=customers,
        incidents=[],
        cursor="after",
        has_more=False,
        server_time=SYNCED,
        prices=prices,
    )


def test_a_pull_prices_the_sessions_and_keeps_pending_work_in_the_preview(
    tmp_path: Path,
) -> None:
    clock = FrozenClock(MON_1000)
    basic = contracted(
        "basic",
        entitlements=Entitlements(year=2026, included_used_hours={Channel.REMOTE: Decimal(3)}),
    )
    with Store.open(tmp_path / "data", clock=clock) as store:
        store.import_records(customers=[basic])
        incident = open_incident(store, RULES, IntakeRequest(customer_id=basic.id, subject="Α"))
        start(store, RULES, incident.ref, Channel.REMOTE)
        clock.advance(timedelta(hours=1))
        first = stop(store, RULES)
        assert first.quote.included_hours_debited == 1 and is_provisional(first)

        # Another technician spent the remote hours: the server prices ours beyond them.
        spent = basic.model_copy(
            update={
                "entitlements": Entitlements(
                    year=2026, included_used_hours={Channel.REMOTE: Decimal(4)}
                ),
                "ledger_as_of": SYNCED,
            }
        )
        server_quote = first.quote.model_copy(
            update={"included_hours_debited": Decimal(0), "net": Decimal("50.00")}
        )
        reason = PriceReason(kind=PriceReasonKind.INCLUDED_HOURS, count=1)
        price = ServerPrice(quote=server_quote, revision=0, priced_at=SYNCED, reasons=(reason,))

        # A session timed after the push, before the pull, is still this device's alone.
        start(store, RULES, incident.ref, Channel.REMOTE)
        pages = [_page([spent], [SessionPrice(session_id=first.id, price=price)])]
        client = SyncClient(
            store,
            "https://vardia.test",
            "secret",
            device_id=store.device_id,
            clock=clock,
            transport=_serving(pages),
        )
        with client:
            pushed = client.push()
            clock.advance(timedelta(minutes=30))
            second = stop(store, RULES)
            client.pull()
        # The opening, the claim that starting the timer made, and the first session.
        assert pushed.applied == 3

        held = store.session(first.id)
        assert held.server_price == price and not is_provisional(held)
        assert billed_quote(held).net == Decimal("50.00")
        assert is_provisional(store.session(second.id))
        stored = store.customer(basic.id)
        assert stored.ledger_as_of == SYNCED
        ledger = standing_of(store, RULES, stored, MON_1000.date())
        assert ledger.as_of == SYNCED
        # The server's 4 hours plus the half hour still waiting to be pushed.
        assert (
            ledger.used_hours[Channel.REMOTE] == Decimal("4") + second.quote.included_hours_debited
        )
        assert ledger.provisional_sessions == 1
