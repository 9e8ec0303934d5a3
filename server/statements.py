"""A customer's statement as the server's ledger has it: every technician's sessions, priced.

``core.statements.build_statement`` makes it, as on a device; the server hands it every
session of the customer up to the month's end with the server's price, the incidents they
worked on and those that claimed the premium pack, and the ledger's credit purchases.

A statement *issued* as a document gets a number in the series of its year of issue
(``2026/0001``), once: issued again, it keeps its number and date. Numbers are handed out
under the writers' lock (``server.db.bump_version``), so two requests at once, in one server
process or several, get consecutive numbers and never the same one; the table's unique keys
stand behind it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, tzinfo

from sqlalchemy import Connection, Engine, func, insert, select

from core.errors import NotFoundError
from core.i18n import _
from core.ledger import Purchase
from core.models import Customer, Incident, ServerPrice, Session
from core.periods import Month
from core.rules import Rules
from core.statements import Statement, StatementDocument, StatementTerms, build_statement
from server.db import (
    aware,
    bump_version,
    credit_purchases,
    premium_claims,
    records,
    sessions,
    statement_documents,
    utc,
)
from server.ledger import euros
from server.records import CUSTOMER, INCIDENT, chunks, load_record

__all__ = [
    "customer_statement",
    "every_statement",
    "issue_document",
    "statement_file",
]


def customer_statement(
    engine: Engine,
    rules: Rules,
    customer_id: str,
    month: Month,
    now: datetime,
    *,
    issue: bool = False,
) -> tuple[Customer, Statement]:
    """The customer as the server holds it, and its statement for ``month``; a NotFoundError
    when there is no such customer.

    ``issue``: as a document, numbered if it was not yet; otherwise it carries its number
    only if it was issued before.
    """
    with engine.connect() as conn:
        data = load_record(conn, CUSTOMER, customer_id)
        if data is None:
            raise NotFoundError(
                _("There is no customer {id!r} on this server.").format(id=customer_id)
            )
        customer = Customer.model_validate_json(data)
        built = _build(conn, rules, customer, month, now)
    return customer, _numbered(engine, built, month, now, rules.timezone, issue)


def every_statement(
    engine: Engine, rules: Rules, month: Month, now: datetime, *, issue: bool = False
) -> Iterator[tuple[Customer, Statement]]:
    """Every customer's statement for ``month`` that has a line, by customer id."""
    with engine.connect() as conn:
        query = select(records.c.data).where(records.c.kind == CUSTOMER).order_by(records.c.id)
        for data in conn.execute(query).scalars().all():
            customer = Customer.model_validate_json(data)
            statement = _build(conn, rules, customer, month, now)
            if statement.lines:
                yield customer, _numbered(engine, statement, month, now, rules.timezone, issue)


def issue_document(
    engine: Engine, customer_id: str, month: Month, now: datetime, tz: tzinfo
) -> StatementDocument:
    """The document number of the customer's statement of ``month``, given now if it has none:
    the next in the series of the year (in ``tz``) of ``now``."""
    with engine.connect() as conn:
        known = _document(conn, customer_id, month)
    if known is not None:
        return known
    d = statement_documents.c
    with engine.begin() as conn:
        bump_version(conn)  # the writers' lock: one number is handed out at a time
        known = _document(conn, customer_id, month)
        if known is not None:
            return known  # issued by another request while this one waited for the lock
        year = now.astimezone(tz).year
        last = conn.execute(select(func.max(d.seq)).where(d.year == year)).scalar_one()
        seq = (last or 0) + 1
        conn.execute(
            insert(statement_documents).values(
                customer_id=customer_id, month=str(month), year=year, seq=seq, issued_at=utc(now)
            )
        )
    return StatementDocument(number=_number(year, seq), issued_at=now)


def _number(year: int, seq: int) -> str:
    return f"{year}/{seq:04d}"


def _document(conn: Connection, customer_id: str, month: Month) -> StatementDocument | None:
    d = statement_documents.c
    query = select(d.year, d.seq, d.issued_at).where(
        d.customer_id == customer_id, d.month == str(month)
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return StatementDocument(number=_number(row.year, row.seq), issued_at=aware(row.issued_at))


def _numbered(
    engine: Engine, statement: Statement, month: Month, now: datetime, tz: tzinfo, issue: bool
) -> Statement:
    document: StatementDocument | None
    if issue:
        document = issue_document(engine, statement.customer_id, month, now, tz)
    else:
        with engine.connect() as conn:
            document = _document(conn, statement.customer_id, month)
    return statement.model_copy(update={"document": document})


def statement_file(customer: Customer, month: Month, suffix: str) -> str:
    """A file name for a customer's statement that is safe on every file system."""
    return f"{re.sub(r'[^A-Za-z0-9._-]+', '_', customer.id)}-{month}.{suffix}"


def _build(
    conn: Connection, rules: Rules, customer: Customer, month: Month, now: datetime
) -> Statement:
    tz = rules.timezone
    terms = StatementTerms.of(customer, month, rules.plans, rules.billing, tz)
    end = utc(month.end(tz))
    s = sessions.c
    worked = [
        _priced(row.data, row.price)
        for row in conn.execute(
            select(s.data, s.price).where(s.customer_id == customer.id, s.started_at < end)
        )
    ]
    claimed = conn.execute(
        select(premium_claims.c.incident_id).where(premium_claims.c.customer_id == customer.id)
    ).scalars()
    incidents = _incidents(conn, {w.incident_id for w in worked} | set(claimed))
    p = credit_purchases.c
    purchases = [
        Purchase(row.id, aware(row.at), euros(row.amount_cents))
        for row in conn.execute(
            select(p.id, p.at, p.amount_cents).where(p.customer_id == customer.id, p.at < end)
        )
    ]
    return build_statement(
        customer, month, worked, incidents, terms, purchases=purchases, as_of=now
    )


def _priced(data: str, price: str | None) -> Session:
    worked = Session.model_validate_json(data)
    if price is None:
        return worked
    return worked.model_copy(update={"server_price": ServerPrice.model_validate_json(price)})


def _incidents(conn: Connection, ids: set[str]) -> dict[str, Incident]:
    found: dict[str, Incident] = {}
    for chunk in chunks(sorted(ids)):
        query = select(records.c.data).where(records.c.kind == INCIDENT, records.c.id.in_(chunk))
        for data in conn.execute(query).scalars():
            incident = Incident.model_validate_json(data)
            found[incident.id] = incident
    return found
