"""Editing a session: re-priced, entitlements corrected, the old values kept with who and why."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import InputError, RuleError
from core.intake import IntakeRequest, ledger_customer, open_incident
from core.models import Channel, Entitlements, Segment, Session
from core.rules import load_rules
from core.store import Store
from core.sync.protocol import OperationKind
from core.timer import edit_session, start, stop
from tests.core.store.store_records import contracted

MON_1000 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 in Athens
RULES = load_rules()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MON_1000)


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    with Store.open(tmp_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def recorded(store: Store, clock: FrozenClock) -> Session:
    """One hour of remote work for a basic customer with 3.5 of 4 included hours used."""
    customer = contracted(
        "basic",
        entitlements=Entitlements(year=2026, included_used_hours={Channel.REMOTE: Decimal("3.5")}),
    )
    store.import_records(customers=[customer])
    incident = open_incident(store, RULES, IntakeRequest(customer_id=customer.id, subject="Α"))
    start(store, RULES, incident.ref, Channel.REMOTE)
    clock.advance(timedelta(hours=1))
    return stop(store, RULES)


def _hours_used(store: Store, session: Session) -> Decimal:
    """Hours used as this device knows them: the stored ledger plus its pending work."""
    customer = store.customer(session.customer_id)
    ledger = ledger_customer(store, RULES, customer, session.started_at.date())
    entitlements = ledger.entitlements
    assert entitlements is not None
    return entitlements.included_used_hours[Channel.REMOTE]


def test_shortening_a_session_reprices_it_and_gives_back_included_hours(
    store: Store, recorded: Session
) -> None:
    assert (recorded.quote.net, _hours_used(store, recorded)) == (Decimal("25.00"), Decimal(4))
    half = Segment(start=MON_1000, end=MON_1000 + timedelta(minutes=30))
    edited = edit_session(store, RULES, recorded.id, segments=[half], reason=" customer called ")

    assert edited.quote.net == Decimal("0.00")
    assert _hours_used(store, edited) == Decimal(4)
    [edit] = edited.edits
    assert (edit.by, edit.reason, edit.old_segments, edit.old_quote) == (
        store.technician,
        "customer called",
        recorded.segments,
        recorded.quote,
    )
    assert store.session(recorded.id) == edited
    op = store.pending_operations(10)[-1]
    assert (op.kind, op.entity_id) == (OperationKind.SESSION_EDIT, recorded.id)


def test_moving_a_session_to_another_month_leaves_one_copy(store: Store, recorded: Session) -> None:
    later = Segment(start=MON_1000 + timedelta(days=2), end=MON_1000 + timedelta(days=2, hours=1))
    edit_session(store, RULES, recorded.id, segments=[later], reason="typed the wrong day")
    assert [s.id for s in store.sessions()] == [recorded.id]
    assert store.sessions(month="2026-11") == []
    assert len(store.sessions(month="2026-12")) == 1


@pytest.mark.parametrize(
    ("reason", "segments", "error"),
    [("  ", None, InputError), ("ok", [], InputError)],
    ids=["no-reason", "no-time"],
)
def test_an_edit_needs_a_reason_and_some_time(
    store: Store,
    recorded: Session,
    reason: str,
    segments: list[Segment] | None,
    error: type[Exception],
) -> None:
    with pytest.raises(error):
        edit_session(
            store,
            RULES,
            recorded.id,
            segments=recorded.segments if segments is None else segments,
            reason=reason,
        )


def test_only_the_author_edits_a_session(store: Store, recorded: Session) -> None:
    someone_elses = recorded.model_copy(update={"technician": "maria"})
    store.import_records(sessions=[someone_elses])
    with pytest.raises(RuleError, match="maria"):
        edit_session(store, RULES, recorded.id, segments=recorded.segments, reason="x")
