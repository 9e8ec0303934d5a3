"""Starting the timer takes the incident on (``[timer] claims_incident``, on by default)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from core.clock import FrozenClock
from core.errors import ConfigError
from core.incidents import assign, change_status
from core.intake import IntakeRequest, open_incident
from core.models import Channel, Incident, IncidentStatus
from core.rules import load_rules
from core.store import Store
from core.sync.protocol import OperationKind
from core.timer import start
from core.workflow import TimerWorkflow, Workflow
from tests.core.store.store_records import contracted

MON_1130 = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
RULES = load_rules()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MON_1130)


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    with Store.open(tmp_path, clock=clock, technician="eleni") as opened:
        yield opened


def _incident(store: Store) -> Incident:
    customer = contracted("basic")
    store.import_records(customers=[customer])
    return open_incident(store, RULES, IntakeRequest(customer_id=customer.id, subject="Σφάλμα"))


def _changes(store: Store) -> list[dict[str, Any]]:
    """The incident changes waiting to be sent, newest last: what the claim syncs."""
    return [
        op.payload["changes"]
        for op in store.pending_operations(50)
        if op.kind is OperationKind.INCIDENT_UPDATE
    ]


def test_the_timer_claims_an_unassigned_new_incident(store: Store, clock: FrozenClock) -> None:
    incident = _incident(store)
    start(store, RULES, incident.ref, Channel.PHONE)
    claimed = store.incident(incident.id)
    assert claimed.assignee == "eleni"
    assert claimed.first_response_at == clock.now()
    assert claimed.status is IncidentStatus.IN_PROGRESS
    # One change through the normal ops, so it syncs and conflicts like any other.
    [changes] = _changes(store)
    responded = changes.pop("first_response_at")
    assert changes == {
        "assignee": {"from": None, "to": "eleni"},
        "status": {"from": "new", "to": "in_progress"},
    }
    assert responded["from"] is None
    assert datetime.fromisoformat(responded["to"]) == clock.now()


def test_an_incident_held_by_someone_else_keeps_its_assignee(store: Store) -> None:
    incident = _incident(store)
    assign(store, RULES, incident.ref, "nikos")
    start(store, RULES, incident.ref, Channel.PHONE)
    claimed = store.incident(incident.id)
    assert claimed.assignee == "nikos"
    assert claimed.first_response_at is not None
    assert set(_changes(store)[-1]) == {"first_response_at", "status"}


def test_an_incident_held_and_answered_is_left_as_it_is(store: Store) -> None:
    incident = _incident(store)
    assign(store, RULES, incident.ref, "eleni")
    change_status(store, incident.ref, IncidentStatus.WAITING)
    before = store.incident(incident.id)
    waiting = len(_changes(store))
    start(store, RULES, incident.ref, Channel.PHONE)
    assert store.incident(incident.id) == before
    assert len(_changes(store)) == waiting


def test_an_acknowledged_incident_keeps_its_status(store: Store) -> None:
    incident = _incident(store)
    change_status(store, incident.ref, IncidentStatus.ACKNOWLEDGED)
    start(store, RULES, incident.ref, Channel.PHONE)
    claimed = store.incident(incident.id)
    assert (claimed.status, claimed.assignee) == (IncidentStatus.ACKNOWLEDGED, "eleni")


def test_with_the_claim_off_the_timer_only_times(store: Store) -> None:
    rules = replace(RULES, workflow=Workflow(timer=TimerWorkflow(claims_incident=False)))
    incident = _incident(store)
    start(store, rules, incident.ref, Channel.PHONE)
    assert store.incident(incident.id) == incident
    assert _changes(store) == []


def test_the_setting_is_read_from_the_configuration_folder(tmp_path: Path) -> None:
    assert load_rules(tmp_path).workflow.timer.claims_incident is True
    (tmp_path / "workflow.toml").write_text("[timer]\nclaims_incident = false\n", "utf-8")
    assert load_rules(tmp_path).workflow.timer.claims_incident is False
    (tmp_path / "workflow.toml").write_text("[timer]\nclaims_incidents = false\n", "utf-8")
    with pytest.raises(ConfigError, match=r"workflow\.toml"):
        load_rules(tmp_path)
