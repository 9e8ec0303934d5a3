"""One ledger per customer: the server's own price of every session, credit purchases, claims.

Sessions gain what the ledger walks by (customer, first second, contract year) and keeps
per session (its inputs, included hours and credit debited as integers, its price); credit
becomes dated purchases, the customers' imported ``prepaid_credit`` an opening purchase;
incidents that drew on a premium pack become claims. ``ledgers`` holds one row per customer:
the row a push locks, and ``priced_at`` is NULL until the server's first start re-prices it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002_ledger"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None

_CENT = Decimal("0.01")


_INSTANT = sa.DateTime(timezone=True)


def _instant(text: str) -> datetime:
    """An instant in UTC: SQLite keeps the wall time alone, so every instant stored is UTC."""
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _typed(statement: str, *instants: str) -> sa.TextClause:
    """A statement whose instant parameters are bound as the columns' type (one format)."""
    return sa.text(statement).bindparams(*(sa.bindparam(name, type_=_INSTANT) for name in instants))


def _columns() -> None:
    add = op.add_column
    add("sessions", sa.Column("customer_id", sa.String(128)))
    add("sessions", sa.Column("started_at", sa.DateTime(timezone=True)))
    add("sessions", sa.Column("contract_year", sa.Integer))
    add("sessions", sa.Column("channel", sa.String(16)))
    add("sessions", sa.Column("plan", sa.String(64)))
    add("sessions", sa.Column("stateful", sa.Boolean, nullable=False, server_default=sa.false()))
    add("sessions", sa.Column("inputs", sa.Text, nullable=False, server_default=""))
    add("sessions", sa.Column("hours_e4", sa.BigInteger, nullable=False, server_default="0"))
    add("sessions", sa.Column("credit_cents", sa.BigInteger, nullable=False, server_default="0"))
    add("sessions", sa.Column("price", sa.Text))
    add("sessions", sa.Column("priced_version", sa.BigInteger))


def _tables() -> None:
    op.create_table(
        "credit_purchases",
        sa.Column("id", sa.String(160), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_credit_purchases_customer", "credit_purchases", ["customer_id", "at"])
    op.create_table(
        "premium_claims",
        sa.Column("incident_id", sa.String(128), primary_key=True),
        sa.Column("customer_id", sa.String(128), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contract_year", sa.Integer),
        sa.Column("granted", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("pack_incidents", sa.Integer, nullable=False, server_default="0"),
        sa.Column("granted_before", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_granted_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_premium_claims_customer", "premium_claims", ["customer_id", "opened_at"])
    op.create_table(
        "ledgers",
        sa.Column("customer_id", sa.String(128), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("priced_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_sessions_customer_start", "sessions", ["customer_id", "started_at", "id"])
    op.create_index("ix_sessions_priced", "sessions", ["technician", "priced_version", "id"])


def _sessions(conn: sa.Connection) -> dict[str, datetime]:
    """Fill the sessions' customer and first second; the earliest first second per customer."""
    earliest: dict[str, datetime] = {}
    rows = conn.execute(sa.text("SELECT id, data FROM sessions")).all()
    update = _typed("UPDATE sessions SET customer_id = :c, started_at = :s WHERE id = :i", "s")
    values = []
    for row in rows:
        data = json.loads(row.data)
        starts = [_instant(segment["start"]) for segment in data.get("segments") or ()]
        began = min(starts) if starts else _instant(data["recorded_at"])
        customer = data["customer_id"]
        earliest[customer] = min(began, earliest.get(customer, began))
        values.append({"c": customer, "s": began, "i": row.id})
    if values:
        conn.execute(update, values)
    return earliest


def _records(conn: sa.Connection, kind: str) -> list[dict[str, Any]]:
    query = sa.text("SELECT data FROM records WHERE kind = :k")
    return [json.loads(row.data) for row in conn.execute(query, {"k": kind})]


def _opening_credit(conn: sa.Connection, earliest: dict[str, datetime]) -> list[dict[str, Any]]:
    """Each customer's imported credit, bought before anything it could have paid for."""
    now = datetime.now(UTC)
    purchases = []
    for customer in _records(conn, "customer"):
        amount = Decimal(str(customer.get("prepaid_credit") or "0"))
        cents = int((amount.quantize(_CENT, rounding=ROUND_HALF_UP) * 100).to_integral_value())
        if cents <= 0:
            continue
        updated = customer.get("updated_at")
        moments = [now if updated is None else _instant(updated)]
        if customer["id"] in earliest:
            moments.append(earliest[customer["id"]])
        purchases.append(
            {
                "id": f"opening:{customer['id']}",
                "customer_id": customer["id"],
                "at": min(moments),
                "amount_cents": cents,
                "source": "opening",
                "created_at": now,
            }
        )
    return purchases


def upgrade() -> None:
    conn = op.get_bind()
    _columns()
    _tables()
    earliest = _sessions(conn)
    purchases = _opening_credit(conn, earliest)
    if purchases:
        conn.execute(
            _typed(
                "INSERT INTO credit_purchases (id, customer_id, at, amount_cents, source, "
                "created_at) VALUES (:id, :customer_id, :at, :amount_cents, :source, :created_at)",
                "at",
                "created_at",
            ),
            purchases,
        )
    claims = [
        {"i": i["id"], "c": i["customer_id"], "o": _instant(i["opened_at"])}
        for i in _records(conn, "incident")
        if (i.get("eligibility") or {}).get("premium_used")
    ]
    if claims:
        conn.execute(
            _typed(
                "INSERT INTO premium_claims (incident_id, customer_id, opened_at) "
                "VALUES (:i, :c, :o)",
                "o",
            ),
            claims,
        )
    customers = {c["id"] for c in _records(conn, "customer")} | set(earliest)
    customers |= {claim["c"] for claim in claims}
    if customers:
        conn.execute(
            sa.text("INSERT INTO ledgers (customer_id, version) VALUES (:c, 0)"),
            [{"c": c} for c in sorted(customers)],
        )
    # A previous vardia-server reads this row and refuses a schema newer than its own.
    op.execute(sa.text("UPDATE schema_version SET version = 2"))
