"""Settles customers' ledgers on the server: the one price every session owes (SPEC §7.1).

A write that records or edits a session, opens an incident on a premium pack or buys credit
*touches* its customer's ledger from an instant on. Settling it, in the same transaction,
locks the customer's ``ledgers`` row (``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite the
transaction already holds the database's write lock), reads what the entries before that
instant left as SQL sums of the debits kept per session, and walks only the suffix with
``core.ledger.walk``. Each priced session keeps its inputs, debits and price; its
``priced_version`` (from the global version counter) is what a pull of prices pages by.
When the customer's standing changes, its record is rewritten with a new version, so pulls
bring the ledger to every device.

A ledger whose ``priced_at`` is NULL (one the upgrade made, or a customer seen for the
first time) is priced from scratch the first time it is settled; ``reprice_unpriced`` does
that for every such ledger when the server starts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from core.i18n import _
from core.ledger import (
    ClaimEntry,
    ClaimResult,
    CustomerTerms,
    Drawn,
    LedgerState,
    Pricing,
    Purchase,
    SessionEntry,
    Stored,
    Walk,
    claims_premium,
    walk,
)
from core.models import Channel, Customer, Entitlements, Incident, ServerPrice, Session
from core.rules import Rules
from server.db import (
    aware,
    bump_version,
    credit_purchases,
    ledgers,
    premium_claims,
    records,
    sessions,
    utc,
)
from server.records import CUSTOMER, INCIDENT, load_record, load_records

__all__ = [
    "Repriced",
    "Settled",
    "Touched",
    "cents",
    "euros",
    "hours_e4",
    "record_claim",
    "reprice_unpriced",
    "settle",
    "settle_customer",
    "standing_now",
]

ZERO = Decimal(0)
Loaded = dict[str, tuple[Session, str | None]]
"""The sessions a walk parsed, each with the price JSON the table held for it."""


def hours_e4(hours: Decimal) -> int:
    """Hours as the integer the sessions table keeps (1/10,000 h), summed exactly in SQL."""
    return int((hours * 10_000).to_integral_value())


def cents(amount: Decimal) -> int:
    """Euros as integer cents, as the ledger tables keep them."""
    return int((amount * 100).to_integral_value())


def _hours(value: int | None) -> Decimal:
    return Decimal(value or 0).scaleb(-4)


def euros(value: int | None) -> Decimal:
    return Decimal(value or 0).scaleb(-2)


@dataclass
class Touched:
    """What one write changed of customers' ledgers: from when on, and what to re-price."""

    starts: dict[str, datetime] = field(default_factory=dict)
    sessions: dict[str, set[str]] = field(default_factory=dict)
    incidents: dict[str, set[str]] = field(default_factory=dict)

    def add(
        self,
        customer_id: str,
        at: datetime,
        *,
        session_id: str | None = None,
        incident_id: str | None = None,
    ) -> None:
        known = self.starts.get(customer_id)
        self.starts[customer_id] = at if known is None else min(known, at)
        if session_id is not None:
            self.sessions.setdefault(customer_id, set()).add(session_id)
        if incident_id is not None:
            self.incidents.setdefault(customer_id, set()).add(incident_id)


@dataclass(frozen=True)
class Settled:
    """What settling one customer did: sessions priced, prices that changed, failures."""

    customer_id: str
    priced: int
    changed: int
    unpriced: int
    ledger_changed: bool


def record_claim(conn: Connection, incident: Incident) -> None:
    """Keep the premium claim of an incident in step with its intake (made, or withdrawn)."""
    conn.execute(delete(premium_claims).where(premium_claims.c.incident_id == incident.id))
    if claims_premium(incident):
        conn.execute(
            insert(premium_claims).values(
                incident_id=incident.id,
                customer_id=incident.customer_id,
                opened_at=utc(incident.opened_at),
            )
        )


def settle(
    conn: Connection, rules: Rules, touched: Touched, version: int, now: datetime
) -> list[Settled]:
    """Settle every customer ``touched`` names, in id order (so locks are taken in one order)."""
    done = []
    for customer_id in sorted(touched.starts):
        settled = settle_customer(
            conn,
            rules,
            customer_id,
            version,
            now,
            start=touched.starts[customer_id],
            dirty=touched.sessions.get(customer_id, set()),
            dirty_incidents=touched.incidents.get(customer_id, set()),
        )
        if settled is not None:
            done.append(settled)
    return done


def settle_customer(
    conn: Connection,
    rules: Rules,
    customer_id: str,
    version: int,
    now: datetime,
    *,
    start: datetime | None = None,
    dirty: Collection[str] = (),
    dirty_incidents: Collection[str] = (),
) -> Settled | None:
    """Re-price a customer's ledger from ``start`` on, under its row lock.

    A ledger never priced is priced from scratch whatever ``start`` says; with ``start``
    None, a ledger already priced is left as it is (and None returned).
    """
    priced_at, exists = _lock(conn, customer_id)
    now = utc(now)
    start = utc(start) if start is not None else None
    everything = priced_at is None
    if everything:
        start = _earliest(conn, customer_id)
    elif start is None:
        return None
    customer = _customer(conn, customer_id)
    terms = CustomerTerms.of(rules, customer_id, customer)
    dirty = set(dirty)
    result = None
    if start is not None:
        start, dirty = _widen(conn, customer_id, start, dirty, dirty_incidents)
        result = _walk(conn, rules, terms, customer_id, start, dirty, everything, now)
    priced, changed = (0, 0) if result is None else _store(conn, result, version)
    values = {"version": version, "priced_at": now if everything else priced_at}
    if exists:
        conn.execute(update(ledgers).where(ledgers.c.customer_id == customer_id).values(values))
    else:
        conn.execute(insert(ledgers).values(customer_id=customer_id, **values))
    ledger_changed = _rewrite_customer(conn, rules, terms, customer, version, now)
    unpriced = 0 if result is None else len(result[0].unpriced)
    return Settled(customer_id, priced, changed, unpriced, ledger_changed)


# ---------------------------------------------------------------------------- the lock


def _lock(conn: Connection, customer_id: str) -> tuple[datetime | None, bool]:
    """Lock the customer's ledger row; its ``priced_at``, and whether the row exists."""
    row = conn.execute(
        select(ledgers.c.priced_at).where(ledgers.c.customer_id == customer_id).with_for_update()
    ).first()
    if row is None:
        return None, False
    return (aware(row.priced_at) if row.priced_at is not None else None), True


def _customer(conn: Connection, customer_id: str) -> Customer | None:
    data = load_record(conn, CUSTOMER, customer_id)
    return None if data is None else Customer.model_validate_json(data)


# ----------------------------------------------------------------------- the suffix


def _earliest(conn: Connection, customer_id: str) -> datetime | None:
    """The first instant of anything in the customer's ledger (None: it holds nothing)."""
    firsts = [
        conn.execute(
            select(func.min(sessions.c.started_at)).where(sessions.c.customer_id == customer_id)
        ).scalar(),
        conn.execute(
            select(func.min(premium_claims.c.opened_at)).where(
                premium_claims.c.customer_id == customer_id
            )
        ).scalar(),
        conn.execute(
            select(func.min(credit_purchases.c.at)).where(
                credit_purchases.c.customer_id == customer_id
            )
        ).scalar(),
    ]
    found = [aware(moment) for moment in firsts if moment is not None]
    return min(found) if found else None


def _widen(
    conn: Connection,
    customer_id: str,
    start: datetime,
    dirty: set[str],
    dirty_incidents: Collection[str],
) -> tuple[datetime, set[str]]:
    """The instant the walk must start from, and every session it must re-price.

    The sessions of an incident whose intake changed are re-priced; and a claim at or
    after ``start`` may be granted differently, so its sessions (which may begin before
    the incident was opened) move the start back, until no such session is earlier.
    """
    s = sessions.c
    if dirty_incidents:
        for row in conn.execute(
            select(s.id, s.started_at).where(s.incident_id.in_(sorted(dirty_incidents)))
        ):
            dirty.add(row.id)
            start = min(start, aware(row.started_at))
    claims = premium_claims.c
    while True:
        earlier = conn.execute(
            select(func.min(s.started_at))
            .select_from(sessions.join(premium_claims, s.incident_id == claims.incident_id))
            .where(claims.customer_id == customer_id, claims.opened_at >= start)
            .where(s.started_at < start)
        ).scalar()
        if earlier is None:
            return start, dirty
        start = aware(earlier)


def _state_before(
    conn: Connection, rules: Rules, terms: CustomerTerms, customer_id: str, start: datetime
) -> LedgerState:
    """What the entries before ``start`` left: sums of the debits the tables keep."""
    year = terms.year_of(rules, start)
    s = sessions.c
    before = and_(s.customer_id == customer_id, s.started_at < start)
    hours = {
        Channel(row.channel): Drawn(_hours(row.amount), int(row.n), aware(row.last))
        for row in conn.execute(
            select(
                s.channel,
                func.sum(s.hours_e4).label("amount"),
                func.count().label("n"),
                func.max(s.started_at).label("last"),
            )
            .where(before, s.contract_year == year, s.hours_e4 > 0)
            .group_by(s.channel)
        )
    }
    spent = conn.execute(
        select(func.sum(s.credit_cents), func.count(), func.max(s.started_at)).where(
            before, s.credit_cents > 0
        )
    ).one()
    credit = Drawn(euros(spent[0]), int(spent[1]), aware(spent[2]) if spent[2] else None)
    p = credit_purchases.c
    bought = conn.execute(
        select(func.sum(p.amount_cents)).where(p.customer_id == customer_id, p.at < start)
    ).scalar()
    c = premium_claims.c
    granted = conn.execute(
        select(func.count(), func.max(c.opened_at)).where(
            c.customer_id == customer_id, c.granted, c.contract_year == year, c.opened_at < start
        )
    ).one()
    premium = Drawn(Decimal(granted[0]), int(granted[0]), aware(granted[1]) if granted[1] else None)
    return LedgerState(year, hours, premium, euros(bought) - credit.amount, credit)


def _walk(
    conn: Connection,
    rules: Rules,
    terms: CustomerTerms,
    customer_id: str,
    start: datetime,
    dirty: set[str],
    everything: bool,
    now: datetime,
) -> tuple[Walk, Loaded]:
    s = sessions.c
    wanted = s.stateful if not dirty else or_(s.stateful, s.id.in_(sorted(dirty)))
    query = select(
        s.id,
        s.started_at,
        s.incident_id,
        s.data,
        s.plan,
        s.channel,
        s.inputs,
        s.hours_e4,
        s.credit_cents,
        s.price,
    ).where(s.customer_id == customer_id, s.started_at >= start)
    if not everything:
        query = query.where(wanted)
    incidents: dict[str, Incident | None] = {}
    loaded: Loaded = {}

    def incident_of(incident_id: str) -> Incident | None:
        if incident_id not in incidents:
            data = load_record(conn, INCIDENT, incident_id)
            incidents[incident_id] = None if data is None else Incident.model_validate_json(data)
        return incidents[incident_id]

    def loader(data: str, price: str | None) -> Callable[[], tuple[Session, Incident | None]]:
        def load() -> tuple[Session, Incident | None]:
            session = Session.model_validate_json(data)
            loaded[session.id] = (session, price)
            return session, incident_of(session.incident_id)

        return load

    rows = list(conn.execute(query))
    # The sessions the walk must price load their incidents: read together, not one by one.
    fresh = {row.incident_id for row in rows if everything or row.id in dirty}
    for incident_id, data in load_records(conn, INCIDENT, fresh).items():
        incidents[incident_id] = None if data is None else Incident.model_validate_json(data)
    entries = []
    for row in rows:
        stored = None
        if not everything and row.id not in dirty:
            stored = Stored(
                row.plan,
                Channel(row.channel),
                row.inputs,
                _hours(row.hours_e4),
                euros(row.credit_cents),
            )
        entries.append(
            SessionEntry(
                row.id, aware(row.started_at), row.incident_id, stored, loader(row.data, row.price)
            )
        )
    c = premium_claims.c
    claims = [
        ClaimEntry(row.incident_id, aware(row.opened_at))
        for row in conn.execute(
            select(c.incident_id, c.opened_at).where(
                c.customer_id == customer_id, c.opened_at >= start
            )
        )
    ]
    grants = {
        row.incident_id: ClaimResult(
            incident_id=row.incident_id,
            opened_at=aware(row.opened_at),
            year=row.contract_year,
            granted=row.granted,
            pack_incidents=row.pack_incidents,
            granted_before=row.granted_before,
            last_granted_at=aware(row.last_granted_at) if row.last_granted_at else None,
        )
        for row in conn.execute(
            select(premium_claims).where(
                c.customer_id == customer_id,
                c.opened_at < start,
                c.contract_year.is_not(None),
                c.incident_id.in_(
                    select(s.incident_id).where(s.customer_id == customer_id, s.started_at >= start)
                ),
            )
        )
    }
    p = credit_purchases.c
    purchases = [
        Purchase(row.id, aware(row.at), euros(row.amount_cents))
        for row in conn.execute(
            select(p.id, p.at, p.amount_cents).where(p.customer_id == customer_id, p.at >= start)
        )
    ]
    result = walk(
        rules,
        terms,
        _state_before(conn, rules, terms, customer_id, start),
        claims=claims,
        sessions=entries,
        purchases=purchases,
        grants=grants,
        now=now,
    )
    return result, loaded


def _store(conn: Connection, result: tuple[Walk, Loaded], version: int) -> tuple[int, int]:
    """Keep what the walk found; how many sessions it priced, and whose price changed."""
    walked, loaded = result
    # One statement per shape of row, with a row of parameters per claim or session.
    if walked.claims:
        conn.execute(
            update(premium_claims).where(premium_claims.c.incident_id == bindparam("claim_of")),
            [
                {
                    "claim_of": claim.incident_id,
                    "contract_year": claim.year,
                    "granted": claim.granted,
                    "pack_incidents": claim.pack_incidents,
                    "granted_before": claim.granted_before,
                    "last_granted_at": (
                        utc(claim.last_granted_at) if claim.last_granted_at else None
                    ),
                }
                for claim in walked.claims
            ],
        )
    changed = 0
    repriced: list[dict[str, object]] = []
    kept_prices: list[dict[str, object]] = []
    for pricing in walked.priced:
        session, kept = loaded[pricing.session_id]
        values = {"session_of": pricing.session_id, **_columns(pricing)}
        before = ServerPrice.model_validate_json(kept) if kept is not None else None
        if before is None or before.model_copy(update={"priced_at": pricing.price.priced_at}) != (
            pricing.price
        ):
            values |= {"price": pricing.price.model_dump_json(), "priced_version": version}
            repriced.append(values)
        else:
            kept_prices.append(values)
        # Changed: against the server's last price, else against the device's quote.
        if (before.quote if before is not None else session.quote) != pricing.price.quote:
            changed += 1
    for rows in (repriced, kept_prices):
        if rows:
            conn.execute(update(sessions).where(sessions.c.id == bindparam("session_of")), rows)
    return len(walked.priced), changed


def _columns(pricing: Pricing) -> dict[str, object]:
    return {
        "contract_year": pricing.year,
        "channel": pricing.channel.value,
        "plan": pricing.plan,
        "stateful": pricing.stateful,
        "inputs": pricing.inputs,
        "hours_e4": hours_e4(pricing.included_hours),
        "credit_cents": cents(pricing.credit),
    }


# ------------------------------------------------------------------- the customer


def standing_now(
    conn: Connection, rules: Rules, terms: CustomerTerms, customer_id: str, now: datetime
) -> tuple[Entitlements, Decimal]:
    """The customer's entitlements of the contract year holding ``now``, and its credit left."""
    year = terms.year_of(rules, now)
    s = sessions.c
    used = {
        Channel(row.channel): _hours(row.amount)
        for row in conn.execute(
            select(s.channel, func.sum(s.hours_e4).label("amount"))
            .where(s.customer_id == customer_id, s.contract_year == year, s.hours_e4 > 0)
            .group_by(s.channel)
        )
    }
    c = premium_claims.c
    premium = conn.execute(
        select(func.count()).where(c.customer_id == customer_id, c.granted, c.contract_year == year)
    ).scalar_one()
    p = credit_purchases.c
    bought = conn.execute(
        select(func.sum(p.amount_cents)).where(p.customer_id == customer_id, p.at <= now)
    ).scalar()
    spent = conn.execute(
        select(func.sum(s.credit_cents)).where(s.customer_id == customer_id)
    ).scalar()
    entitlements = Entitlements(
        year=year, included_used_hours=used, premium_incidents_used=int(premium)
    )
    return entitlements, euros(bought) - euros(spent)


def _rewrite_customer(
    conn: Connection,
    rules: Rules,
    terms: CustomerTerms,
    customer: Customer | None,
    version: int,
    now: datetime,
) -> bool:
    """Give the customer record the ledger's standing, with a new version if it changed."""
    if customer is None:
        return False
    entitlements, credit = standing_now(conn, rules, terms, customer.id, now)
    unchanged = customer.entitlements == entitlements and customer.prepaid_credit == credit
    if unchanged and customer.ledger_as_of is not None:
        return False
    updated = customer.model_copy(
        update={"entitlements": entitlements, "prepaid_credit": credit, "ledger_as_of": now}
    )
    conn.execute(
        update(records)
        .where(records.c.kind == CUSTOMER, records.c.id == customer.id)
        .values(data=updated.model_dump_json(), version=version)
    )
    return True


# ---------------------------------------------------------------- after the upgrade


@dataclass(frozen=True)
class Repriced:
    """What the first start after the upgrade re-priced."""

    customers: int
    sessions: int
    changed: int
    unpriced: int

    def sentence(self) -> str:
        said = _("re-priced {sessions} sessions of {customers} customers; {changed} prices changed")
        if self.unpriced:
            said += _("; {unpriced} could not be priced")
        return said.format(
            sessions=self.sessions,
            customers=self.customers,
            changed=self.changed,
            unpriced=self.unpriced,
        )


def reprice_unpriced(engine: Engine, rules: Rules, now: datetime) -> Repriced:
    """Price from scratch every ledger never priced, one customer per transaction.

    Several processes starting together each take the ledger's lock and skip one
    another's work: a ledger priced meanwhile is left as it is.
    """
    with engine.connect() as conn:
        waiting = list(
            conn.execute(
                select(ledgers.c.customer_id)
                .where(ledgers.c.priced_at.is_(None))
                .order_by(ledgers.c.customer_id)
            ).scalars()
        )
    done: list[Settled] = []
    for customer_id in waiting:
        with engine.begin() as conn:
            settled = settle_customer(conn, rules, customer_id, bump_version(conn), now)
        if settled is not None:
            done.append(settled)
    return _report(done)


def _report(done: Iterable[Settled]) -> Repriced:
    done = [s for s in done if s.priced or s.unpriced]
    return Repriced(
        customers=len(done),
        sessions=sum(s.priced for s in done),
        changed=sum(s.changed for s in done),
        unpriced=sum(s.unpriced for s in done),
    )
