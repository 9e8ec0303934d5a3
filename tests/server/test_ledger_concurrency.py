"""Two server processes pushing at once against PostgreSQL never spend a credit twice."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.ledger import Purchase
from core.models import Customer, Eligibility, Segment, ServerPrice
from core.rules import load_bounds, load_rules
from core.sync.protocol import PushRequest
from server.admin import import_customers
from server.auth import Caller, Role
from server.db import make_engine, migrate, records, sessions
from server.push import push
from tests.server.sync_factories import OPENED, incident, open_op, record_op, session

RULES = load_rules()
BOUNDS = load_bounds(None)
PUSHES = 12
FREE = Eligibility(contract_in_force=False, served_as="free")


def _technician(url: str, name: str, ready: object) -> None:
    """One device's pushes, one session each, begun when the other process is ready too."""
    engine = make_engine(url)
    ready.wait()  # type: ignore[attr-defined]
    for n in range(PUSHES):
        at = OPENED + timedelta(hours=n, minutes=1 if name == "bob" else 0)
        worked = session(
            f"S-{name}-{n}",
            "I-1",
            technician=name,
            device_id=f"dev-{name}",
            segments=(Segment(start=at, end=at + timedelta(minutes=30)),),
        )
        request = PushRequest(
            device_id=f"dev-{name}", sent_at=datetime.now(UTC), operations=[record_op(worked)]
        )
        result = push(
            engine, RULES, Caller(name, Role.TECHNICIAN), request, datetime.now(UTC), BOUNDS
        )
        assert result.results[0].status.value == "applied", result
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_concurrent_pushes_from_two_processes_never_overspend(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    bought = {"C-1": [Purchase("p-1", OPENED - timedelta(days=1), Decimal("100.00"))]}
    import_customers(engine, RULES, [Customer(id="C-1", name="Acme")], OPENED, bought)
    opening = PushRequest(
        device_id="dev-alice",
        sent_at=datetime.now(UTC),
        operations=[open_op(incident("I-1", eligibility=FREE))],
    )
    push(engine, RULES, Caller("alice", Role.TECHNICIAN), opening, datetime.now(UTC), BOUNDS)

    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(2)
    workers = [
        context.Process(target=_technician, args=(database_url, name, ready))
        for name in ("alice", "bob")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0]

    with engine.connect() as conn:
        rows = conn.execute(select(sessions.c.started_at, sessions.c.price)).all()
        acme = conn.execute(select(records.c.data).where(records.c.id == "C-1")).scalar_one()
    engine.dispose()
    assert all(r.price is not None for r in rows), "a session was left without a price"
    prices = [ServerPrice.model_validate_json(r.price) for r in sorted(rows)]
    debited = [p.quote.credit_debited for p in prices]
    # 24 half hours at 50 €/h are 600 €: the 100 € pay for the first four, in order.
    assert sum(debited) == Decimal("100.00")
    assert debited[:4] == [Decimal("25.00")] * 4 and not any(debited[4:])
    assert Customer.model_validate_json(acme).prepaid_credit == 0
