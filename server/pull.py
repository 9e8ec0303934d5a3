"""Serves pulls: the customers, incidents and own sessions' prices changed after a cursor.

Records and prices share one cursor, the triple (version, kind, id): a price row's version
is its session's ``priced_version`` and its kind ``price``, so a page is the two streams
merged in that order, and a pull resumed from any page misses nothing.
"""

from __future__ import annotations

import base64
import heapq
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Engine, and_, literal, or_, select

from core.errors import InputError
from core.i18n import _
from core.models import Customer, Incident, ServerPrice
from core.sync.protocol import PullResponse, SessionPrice
from server.db import records, sessions
from server.records import CUSTOMER, INCIDENT

__all__ = ["PRICE", "decode_cursor", "encode_cursor", "pull"]

PRICE = "price"


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


def _after(
    version_col: Any, kind: ColumnElement[str], id_col: Any, cursor: tuple[int, str, str]
) -> ColumnElement[bool]:
    version, kind_, record_id = cursor
    return or_(
        version_col > version,
        and_(
            version_col == version,
            or_(kind > kind_, and_(kind == kind_, id_col > record_id)),
        ),
    )


def pull(engine: Engine, caller: str, cursor: str, limit: int, now: datetime) -> PullResponse:
    """One page of what changed after ``cursor``, oldest change first.

    ``caller``'s own sessions' prices come with the records; other technicians' sessions
    reach a device only through the ledger their customer record carries.
    """
    after = decode_cursor(cursor)
    r, s = records.c, sessions.c
    kind = literal(PRICE)
    records_query = (
        select(r.version, r.kind, r.id, r.data)
        .where(_after(r.version, r.kind, r.id, after))
        .order_by(r.version, r.kind, r.id)
        .limit(limit + 1)
    )
    prices_query = (
        select(s.priced_version.label("version"), kind.label("kind"), s.id, s.price.label("data"))
        .where(s.technician == caller, s.priced_version.is_not(None))
        .where(_after(s.priced_version, kind, s.id, after))
        .order_by(s.priced_version, s.id)
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        found = [tuple(row) for row in conn.execute(records_query)]
        priced = [tuple(row) for row in conn.execute(prices_query)]
    # Within one (version, kind) the rows come from one query, in the database's order.
    rows = list(heapq.merge(found, priced, key=lambda row: (row[0], row[1])))
    page, has_more = rows[:limit], len(rows) > limit
    customers = [Customer.model_validate_json(d) for _v, k, _i, d in page if k == CUSTOMER]
    incidents = [Incident.model_validate_json(d) for _v, k, _i, d in page if k == INCIDENT]
    prices = [
        SessionPrice(session_id=i, price=ServerPrice.model_validate_json(d))
        for _v, k, i, d in page
        if k == PRICE
    ]
    next_cursor = encode_cursor(*page[-1][:3]) if page else cursor
    return PullResponse(
        customers=customers,
        incidents=incidents,
        prices=prices,
        cursor=next_cursor,
        has_more=has_more,
        server_time=now,
    )
