"""What an office administrator does: import customers, and read devices, incidents, sessions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from core.ledger import Purchase
from core.models import Customer, Incident
from core.rules import Rules
from server.credit import add_purchases
from server.db import applied_ops, aware, bump_version, devices, records, sessions
from server.ledger import Touched, settle
from server.records import CUSTOMER, INCIDENT, Batch

__all__ = [
    "admin_incidents",
    "admin_sessions",
    "count_applied",
    "import_customers",
    "list_devices",
]


def import_customers(
    engine: Engine,
    rules: Rules,
    customers: Sequence[Customer],
    now: datetime,
    purchases: Mapping[str, Sequence[Purchase]] | None = None,
) -> int:
    """Insert or replace customers in one transaction; pulls then send them to devices.

    What a customer spent is the ledger's: a customer already here keeps its standing, its
    imported ``prepaid_credit`` is an opening purchase made once, and ``purchases`` (by
    customer id) are added by their stable ids, so importing a file again adds nothing.
    """
    with engine.begin() as conn:
        version = bump_version(conn)
        batch = Batch(conn, version)
        batch.load(CUSTOMER, (c.id for c in customers))
        touched = Touched()
        for customer in customers:
            held = batch.record(CUSTOMER, customer.id)
            record = customer
            if held is not None:
                ledger = Customer.model_validate_json(held)
                record = customer.model_copy(
                    update={
                        "entitlements": ledger.entitlements,
                        "prepaid_credit": ledger.prepaid_credit,
                        "ledger_as_of": ledger.ledger_as_of,
                    }
                )
            batch.put_record(CUSTOMER, customer.id, record.model_dump_json())
            bought = list((purchases or {}).get(customer.id, ()))
            if customer.prepaid_credit > 0:
                bought.append(Purchase(f"opening:{customer.id}", now, customer.prepaid_credit))
            add_purchases(conn, customer.id, bought, "import", touched, now)
            touched.add(customer.id, now)
        batch.flush()
        settle(conn, rules, touched, version, now)
    return len(customers)


def list_devices(engine: Engine) -> list[dict[str, Any]]:
    """Every device that has pushed, with its technician, last contact and clock offset."""
    with engine.connect() as conn:
        rows = conn.execute(select(devices).order_by(devices.c.last_seen.desc())).all()
    return [
        {
            "device_id": r.device_id,
            "technician": r.technician,
            "first_seen": aware(r.first_seen).isoformat(),
            "last_seen": aware(r.last_seen).isoformat(),
            "clock_offset_seconds": r.clock_offset_seconds,
        }
        for r in rows
    ]


def admin_incidents(engine: Engine, limit: int, offset: int) -> list[Incident]:
    """Every incident on the server, by id."""
    query = (
        select(records.c.data)
        .where(records.c.kind == INCIDENT)
        .order_by(records.c.id)
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as conn:
        return [Incident.model_validate_json(r.data) for r in conn.execute(query)]


def admin_sessions(
    engine: Engine, technician: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """Sessions as stored, with the server's skew flag."""
    query = select(sessions).order_by(sessions.c.id).limit(limit).offset(offset)
    if technician is not None:
        query = query.where(sessions.c.technician == technician)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "session": orjson.loads(r.data),
            "device_id": r.device_id,
            "skew_flagged": r.skew_flagged,
            "received_at": aware(r.received_at).isoformat(),
        }
        for r in rows
    ]


def count_applied(engine: Engine, op_ids: Iterable[str] | None = None) -> int:
    """How many operations the server has applied (all, or of ``op_ids``)."""
    query = select(func.count()).select_from(applied_ops)
    if op_ids is not None:
        query = query.where(applied_ops.c.op_id.in_(list(op_ids)))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
