"""After intake: status moves, append-only notes and assignment, each with its outbox op."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import InputError, RuleError
from core.incidents import add_note, assign, change_status
from core.intake import IntakeRequest, open_incident
from core.models import Incident, IncidentStatus
from core.rules import load_rules
from core.store import Store
from core.sync.protocol import OperationKind
from tests.core.store.store_records import contracted

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
RULES = load_rules()
S = IncidentStatus


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    with Store.open(tmp_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def incident(store: Store) -> Incident:
    customer = contracted("basic")
    store.import_records(customers=[customer])
    return open_incident(store, RULES, IntakeRequest(customer_id=customer.id, subject="Αργό"))


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING, S.RESOLVED, S.CLOSED], True),
        ([S.RESOLVED, S.IN_PROGRESS], True),
        ([S.CLOSED, S.IN_PROGRESS], False),
        ([S.ACKNOWLEDGED, S.NEW], False),
        ([S.WAITING, S.WAITING], False),
    ],
)
def test_status_moves(
    store: Store, incident: Incident, path: list[IncidentStatus], allowed: bool
) -> None:
    *before, last = path
    for status in before:
        change_status(store, incident.ref, status)
    if allowed:
        assert change_status(store, incident.ref, last).status is last
    else:
        with pytest.raises(RuleError, match="cannot go from"):
            change_status(store, incident.ref, last)


def test_first_move_out_of_new_is_the_first_response_and_goes_to_the_outbox(
    store: Store, incident: Incident, clock: FrozenClock
) -> None:
    clock.advance(timedelta(hours=2))
    acked = change_status(store, incident.ref, S.ACKNOWLEDGED)
    clock.advance(timedelta(hours=1))
    later = change_status(store, incident.ref, S.IN_PROGRESS)
    assert acked.first_response_at == later.first_response_at == NOW + timedelta(hours=2)
    op = store.pending_operations(10)[1]
    assert op.kind is OperationKind.INCIDENT_UPDATE
    assert op.payload["changes"]["status"] == {"from": "new", "to": "acknowledged"}


def test_notes_append_in_order_with_author(store: Store, incident: Incident) -> None:
    add_note(store, RULES, incident.ref, "Κάλεσε ξανά")
    add_note(store, RULES, incident.ref, "Second")
    notes = store.incident(incident.ref).notes
    assert [n.text for n in notes] == ["Κάλεσε ξανά", "Second"]
    assert {n.author for n in notes} == {store.technician}
    op = store.pending_operations(10)[-1]
    assert (op.kind, op.payload["incident_id"]) == (OperationKind.INCIDENT_NOTE, incident.id)
    with pytest.raises(InputError):
        add_note(store, RULES, incident.ref, "   ")


def test_assign_and_unassign(store: Store, incident: Incident) -> None:
    assert assign(store, RULES, incident.ref, " maria ").assignee == "maria"
    assert assign(store, RULES, incident.ref, None).assignee is None
    op = store.pending_operations(10)[-1]
    assert op.payload["changes"]["assignee"] == {"from": "maria", "to": None}


def test_a_closed_incident_leaves_the_queue_and_stays_findable(
    store: Store, incident: Incident
) -> None:
    change_status(store, incident.ref, S.CLOSED)
    assert store.open_incidents() == []
    assert store.incident(incident.ref).status is S.CLOSED
