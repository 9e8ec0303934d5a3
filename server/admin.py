"""What an office administrator does: import customers, and read devices, incidents, sessions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Engine, func, select

from core.models import Customer, Incident
from server.db import applied_ops, aware, bump_version, devices, records, sessions
from server.records import CUSTOMER, INCIDENT, Batch

__all__ = [
    "admin_incidents",
    "admin_sessions",
    "count_applied",
    "import_customers",
    "list_devices",
]


def import_customers(engine: Engine, customers: Sequence[Customer]) -> int:
    """Insert or replace customers in one transaction; pulls then send them to devices."""
    with engine.begin() as conn:
        batch = Batch(conn, bump_version(conn))
        batch.load(CUSTOMER, (c.id for c in customers))
        for customer in customers:
            batch.put_record(CUSTOMER, customer.id, customer.model_dump_json())
        batch.flush()
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
