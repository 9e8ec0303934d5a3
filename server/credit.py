"""Prepaid credit bought: dated ledger entries, added once, never changed or removed.

A purchase has a stable id (an import names it from its customer, day and amount), so a
file imported twice adds it once; what the customer spent is the ledger's to say, so
nothing here ever writes a customer's credit directly.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Connection, Engine, insert, select

from core.errors import InputError, NotFoundError
from core.i18n import _
from core.ledger import Purchase
from core.models import Customer
from core.rules import Rules
from server.db import bump_version, credit_purchases, utc
from server.ledger import Touched, cents, settle
from server.records import CUSTOMER, chunks, load_record

__all__ = ["add_credit", "add_purchases"]

_CENT = Decimal("0.01")


def add_purchases(
    conn: Connection,
    customer_id: str,
    purchases: Sequence[Purchase],
    source: str,
    touched: Touched,
    now: datetime,
) -> int:
    """Add the purchases whose ids are new; the ledger is touched from the first of them."""
    ids = sorted({p.id for p in purchases})
    known: set[str] = set()
    for chunk in chunks(ids):
        query = select(credit_purchases.c.id).where(credit_purchases.c.id.in_(chunk))
        known |= set(conn.execute(query).scalars())
    new = [p for p in purchases if p.id not in known]
    if new:
        conn.execute(
            insert(credit_purchases),
            [
                {
                    "id": p.id,
                    "customer_id": customer_id,
                    "at": utc(p.at),
                    "amount_cents": cents(p.amount),
                    "source": source,
                    "created_at": now,
                }
                for p in new
            ],
        )
        touched.add(customer_id, min(p.at for p in new))
    return len(new)


def add_credit(
    engine: Engine,
    rules: Rules,
    customer_id: str,
    amount: Decimal,
    *,
    at: datetime,
    now: datetime,
) -> Decimal:
    """Record credit bought by a customer at ``at`` and settle its ledger; the credit left."""
    if not amount.is_finite() or amount.quantize(_CENT, rounding=ROUND_HALF_UP) <= 0:
        raise InputError(_("The amount must be more than 0 €, e.g. 100 or 49.50."))
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    with engine.begin() as conn:
        version = bump_version(conn)
        if load_record(conn, CUSTOMER, customer_id) is None:
            raise NotFoundError(
                _("There is no customer {id!r} on this server.").format(id=customer_id)
            )
        touched = Touched()
        purchase = Purchase(f"manual:{uuid.uuid4()}", at, amount)
        add_purchases(conn, customer_id, [purchase], "manual", touched, now)
        settle(conn, rules, touched, version, now)
        held = load_record(conn, CUSTOMER, customer_id)
    assert held is not None  # read above, in this transaction
    return Customer.model_validate_json(held).prepaid_credit
