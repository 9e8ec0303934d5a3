"""Sessions by hand: added with a reason, deleted as an edit to no time, an edit reverted,
and overlaps between one technician's sessions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import FrozenClock
from core.errors import InputError
from core.intake import IntakeRequest, ledger_customer, open_incident
from core.models import Channel, Entitlements, Incident, Segment, Session
from core.overlaps import overlap, overlapping
from core.rules import load_rules
from core.sessions import add_session, delete_session, history, is_deleted, revert_last_edit
from core.store import Store
from core.sync.protocol import OperationKind
from tests.core.store.store_records import contracted

MON_1000 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 10:00 in Athens
RULES = load_rules()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path, clock=FrozenClock(MON_1000 + timedelta(hours=4))) as opened:
        yield opened


@pytest.fixture
def incident(store: Store) -> Incident:
    used = Entitlements(year=2026, included_used_hours={Channel.REMOTE: Decimal("3.5")})
    customer = contracted("basic", entitlements=used)
    store.import_records(customers=[customer])
    return open_incident(store, RULES, IntakeRequest(customer_id=customer.id, subject="Α"))


def _hour(offset_minutes: int = 0, minutes: int = 60) -> Segment:
    start = MON_1000 + timedelta(minutes=offset_minutes)
    return Segment(start=start, end=start + timedelta(minutes=minutes))


def _used(store: Store, session: Session) -> Decimal:
    customer = ledger_customer(
        store, RULES, store.customer(session.customer_id), session.started_at.date()
    )
    assert customer.entitlements is not None
    return customer.entitlements.included_used_hours[Channel.REMOTE]


def test_added_work_is_priced_queued_and_keeps_its_reason(store: Store, incident: Incident) -> None:
    added = add_session(
        store, RULES, incident.ref, Channel.REMOTE, [_hour()], reason=" forgot the timer "
    )
    assert added.quote.net == Decimal("25.00")
    [change] = history(added)
    assert (change.edit.reason, change.edit.old_segments, change.new_segments) == (
        "forgot the timer",
        (),
        (_hour(),),
    )
    op = store.pending_operations(10)[-1]
    assert (op.kind, op.entity_id) == (OperationKind.SESSION_RECORD, added.id)
    with pytest.raises(InputError, match="Say why the work was not timed"):
        add_session(store, RULES, incident.ref, Channel.REMOTE, [_hour()], reason=" ")


def test_a_deleted_session_costs_nothing_gives_its_hours_back_and_stays(
    store: Store, incident: Incident
) -> None:
    added = add_session(store, RULES, incident.ref, Channel.REMOTE, [_hour()], reason="forgot")
    assert _used(store, added) == Decimal(4)
    deleted = delete_session(store, RULES, added.id, reason="counted twice")
    assert is_deleted(deleted) and deleted.quote.net == 0 and deleted.quote.billable_minutes == 0
    assert deleted.started_at == added.started_at
    assert _used(store, deleted) == Decimal("3.5")
    assert [c.edit.reason for c in history(deleted)] == ["forgot", "counted twice"]


def test_reverting_an_edit_restores_the_old_values_as_a_new_edit(
    store: Store, incident: Incident
) -> None:
    added = add_session(store, RULES, incident.ref, Channel.REMOTE, [_hour()], reason="forgot")
    deleted = delete_session(store, RULES, added.id, reason="oops")
    back = revert_last_edit(store, RULES, deleted.id, reason="undo")
    assert (back.segments, back.channel, back.quote.net) == (added.segments, added.channel, 25)
    assert len(back.edits) == 3
    # Reverting the addition itself takes the time away again.
    fresh = add_session(store, RULES, incident.ref, Channel.PHONE, [_hour(90)], reason="forgot")
    assert is_deleted(revert_last_edit(store, RULES, fresh.id, reason="undo"))


def _session(technician: str, number: int, *segments: Segment) -> Session:
    return Session.model_construct(id=f"s{number}", technician=technician, segments=segments)


spans = st.tuples(st.integers(0, 300), st.integers(0, 90)).map(lambda t: _hour(*t))


@given(st.lists(st.tuples(st.sampled_from(["ann", "bob"]), spans), max_size=12))
def test_the_sweep_finds_exactly_the_pairs_that_share_time(
    drawn: list[tuple[str, Segment]],
) -> None:
    sessions = [_session(who, n, segment) for n, (who, segment) in enumerate(drawn)]
    pairwise = {x.id for a, b in combinations(sessions, 2) if overlap(a, b) for x in (a, b)}
    assert overlapping(sessions) == pairwise


def test_touching_other_technicians_and_empty_sessions_do_not_overlap() -> None:
    first = _session("ann", 1, _hour(0, 60))
    assert not overlap(first, _session("ann", 2, _hour(60, 30)))
    assert not overlap(first, _session("bob", 3, _hour(10, 30)))
    assert not overlap(first, _session("ann", 4, _hour(10, 0)))
    assert overlap(first, _session("ann", 5, _hour(59, 30)))
