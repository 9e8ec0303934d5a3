"""The demo's local server holds the demo's data set, as if its technicians had synced it.

The device's copy is imported straight into its store (``core.demo.seed_store``); the
server gets the same customers by its own import, then each technician's incidents and
sessions through the push they would have made, so the server checks and prices them as
it does any work, and the first change the demo makes finds them there.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import Engine

from core.demo import DemoData
from core.ids import new_device_id, new_id
from core.models import Incident, Session
from core.rules import load_bounds, load_rules, plans_document
from core.sync.protocol import (
    MAX_BATCH,
    Operation,
    OperationKind,
    OpStatus,
    PushRequest,
    PushResponse,
)
from server.admin import import_customers
from server.auth import Caller, Role
from server.push import push

__all__ = ["seed_demo"]


def seed_demo(engine: Engine, data: DemoData, now: datetime) -> None:
    """Put the demo data set on the server; raises RuntimeError if it refuses any of it."""
    rules = load_rules(None, plans_document(None))
    bounds = load_bounds(None)
    import_customers(engine, rules, data.customers, now)
    device_id = new_device_id()

    def operation(kind: OperationKind, record: Incident | Session) -> Operation:
        return Operation(
            op_id=new_id(),
            kind=kind,
            entity_id=record.id,
            payload=record.model_dump(mode="json"),
            created_at=now,
            device_id=device_id,
        )

    # Incidents first: a session may be on an incident another technician opened.
    opened: dict[str, list[Operation]] = defaultdict(list)
    for incident in data.incidents:
        opened[incident.opened_by].append(operation(OperationKind.INCIDENT_OPEN, incident))
    worked: dict[str, list[Operation]] = defaultdict(list)
    for session in data.sessions:
        worked[session.technician].append(operation(OperationKind.SESSION_RECORD, session))
    for by in (opened, worked):
        for technician, operations in by.items():
            caller = Caller(technician, Role.TECHNICIAN)
            for at in range(0, len(operations), MAX_BATCH):
                batch = operations[at : at + MAX_BATCH]
                request = PushRequest(device_id=device_id, sent_at=now, operations=batch)
                _applied(push(engine, rules, caller, request, now, bounds))


def _applied(answer: PushResponse) -> None:
    refused = [r for r in answer.results if r.status is not OpStatus.APPLIED]
    if refused:
        raise RuntimeError(f"the demo server refused its own data set: {refused[0]}")
