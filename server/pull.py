"""Serves pulls: the customers and incidents changed after a cursor, a page at a time."""

from __future__ import annotations

import base64
from datetime import datetime

import orjson
from sqlalchemy import Engine, and_, or_, select

from core.errors import InputError
from core.i18n import _
from core.models import Customer, Incident
from core.sync.protocol import PullResponse
from server.db import records
from server.records import CUSTOMER, INCIDENT

__all__ = ["decode_cursor", "encode_cursor", "pull"]


def encode_cursor(version: int, kind: str, record_id: str) -> str:
    raw = orjson.dumps([version, kind, record_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str, str]:
    """Raises InputError on anything but a cursor this server handed out."""
    if not cursor:
        return (0, "", "")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        version, kind, record_id = orjson.loads(raw)
        if not (isinstance(version, int) and isinstance(kind, str) and isinstance(record_id, str)):
            raise ValueError
        if not 0 <= version < 2**62:
            raise ValueError
    except ValueError:
        raise InputError(_("The cursor is not one this server handed out.")) from None
    return (version, kind, record_id)


def pull(engine: Engine, cursor: str, limit: int, now: datetime) -> PullResponse:
    """One page of customers and incidents changed after ``cursor``, oldest change first."""
    version, kind, record_id = decode_cursor(cursor)
    after = or_(
        records.c.version > version,
        and_(
            records.c.version == version,
            or_(records.c.kind > kind, and_(records.c.kind == kind, records.c.id > record_id)),
        ),
    )
    query = (
        select(records.c.kind, records.c.id, records.c.version, records.c.data)
        .where(after)
        .order_by(records.c.version, records.c.kind, records.c.id)
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    page, has_more = rows[:limit], len(rows) > limit
    customers = [Customer.model_validate_json(r.data) for r in page if r.kind == CUSTOMER]
    incidents = [Incident.model_validate_json(r.data) for r in page if r.kind == INCIDENT]
    next_cursor = encode_cursor(page[-1].version, page[-1].kind, page[-1].id) if page else cursor
    return PullResponse(
        customers=customers,
        incidents=incidents,
        cursor=next_cursor,
        has_more=has_more,
        server_time=now,
    )
