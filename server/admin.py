"""What an office administrator does: import customers, and read devices, incidents, sessions."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError
from sqlalchemy import Engine, func, select

from core.errors import InputError
from core.i18n import _
from core.models import Contract, Customer, Incident
from server.db import applied_ops, aware, bump_version, devices, records, sessions
from server.records import CUSTOMER, INCIDENT, Batch

__all__ = [
    "admin_incidents",
    "admin_sessions",
    "count_applied",
    "import_customers",
    "list_devices",
    "read_customers_csv",
]


CSV_COLUMNS = (
    "id",
    "name",
    "contact",
    "city",
    "out_of_town",
    "plan",
    "premium_pack",
    "valid_from",
    "valid_until",
    "leased",
    "program_value",
    "prepaid_credit",
    "overdue_amount",
)


def _customer_from_row(row: dict[str, str], now: datetime) -> Customer:
    def flag(value: str) -> bool:
        return value.strip().lower() in {"1", "true", "yes", "y"}

    def money(value: str) -> Decimal:
        return Decimal(value.strip() or "0")

    contract = None
    if row.get("plan", "").strip():
        contract = Contract(
            plan=row["plan"].strip(),
            premium_pack=row.get("premium_pack", "").strip() or None,
            valid_from=date.fromisoformat(row["valid_from"].strip()),
            valid_until=date.fromisoformat(row["valid_until"].strip()),
            leased=flag(row.get("leased", "")),
            program_value=money(row.get("program_value", "")),
        )
    return Customer(
        id=row["id"].strip(),
        name=row["name"].strip(),
        contact=row.get("contact", "").strip(),
        city=row.get("city", "").strip(),
        out_of_town=flag(row.get("out_of_town", "")),
        contract=contract,
        prepaid_credit=money(row.get("prepaid_credit", "")),
        overdue_amount=money(row.get("overdue_amount", "")),
        updated_at=now,
    )


def read_customers_csv(path: Path, now: datetime) -> list[Customer]:
    """Customers and their contracts from a CSV with a header row (see CSV_COLUMNS)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"id", "name"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(
                _("{path} has no column {cols}; the header needs at least id and name.").format(
                    path=path, cols=", ".join(sorted(missing))
                )
            )
        customers = []
        for line, row in enumerate(reader, start=2):
            try:
                customers.append(_customer_from_row(row, now))
            except (ValueError, KeyError, InvalidOperation, ValidationError) as error:
                raise InputError(
                    _("{path} line {line} is not a valid customer ({error}).").format(
                        path=path, line=line, error=str(error).splitlines()[0]
                    )
                ) from None
    return customers


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
