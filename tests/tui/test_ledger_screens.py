"""Sessions priced by the ledger, on screen at 80×24: provisional, and re-priced with the reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core.clock import FrozenClock
from core.ids import new_id
from core.models import Channel, PriceReason, PriceReasonKind, Segment, ServerPrice, Session
from core.pricing import price_session
from core.rules import Rules
from core.store import Store
from core.timer import start, stop
from tests.tui.data import NOW, AppFactory

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
