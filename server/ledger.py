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

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    Integer,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.sql.elements import BindParameter, ColumnElement

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
from server.records import CUSTOMER, INCIDENT, chunks, load_record, load_records

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
    return _settle(
        conn,
        rules,
        sorted(touched.starts),
        version,
        now,
        starts=touched.starts,
        dirty=touched.sessions,
        dirty_incidents=touched.incidents,
    )


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
    done = _settle(
        conn,
        rules,
        [customer_id],
        version,
        now,
        starts={} if start is None else {customer_id: start},
        dirty={customer_id: set(dirty)},
        dirty_incidents={customer_id: set(dirty_incidents)},
    )
    return done[0] if done else None


def _settle(
    conn: Connection,
    rules: Rules,
    customer_ids: list[str],
    version: int,
    now: datetime,
    *,
    starts: Mapping[str, datetime],
    dirty: Mapping[str, Collection[str]],
    dirty_incidents: Mapping[str, Collection[str]],
) -> list[Settled]:
    """Settle these customers (sorted by id) in one transaction.

    What is the same for every customer (the locks, the customer records, the ledger rows,
    the standing after the walks) is read and written for all of them at once; only the
    walk is the customer's own. No customer's walk reads what another's writes.
    """
    now = utc(now)
    locked = _lock(conn, customer_ids)
    customers = _customers(conn, customer_ids)
    done: list[Settled] = []
    ledger_rows: list[dict[str, object]] = []
    new_ledgers: list[dict[str, object]] = []
    walked: dict[str, tuple[int, int, int]] = {}
    terms_of: dict[str, CustomerTerms] = {}
    for customer_id in customer_ids:
        exists = customer_id in locked
        priced_at = locked.get(customer_id)
        everything = priced_at is None
        start = starts.get(customer_id)
        if everything:
            start = _earliest(conn, customer_id)
        elif start is None:
            continue
        start = utc(start) if start is not None else None
        customer = customers.get(customer_id)
        terms = terms_of[customer_id] = CustomerTerms.of(rules, customer_id, customer)
        result = None
        if start is not None:
            start, wider = _widen(
                conn,
                customer_id,
                start,
                set(dirty.get(customer_id, ())),
                dirty_incidents.get(customer_id, ()),
            )
            result = _walk(conn, rules, terms, customer_id, start, wider, everything, now)
        priced, changed = (0, 0) if result is None else _store(conn, result, version)
        unpriced = 0 if result is None else len(result[0].unpriced)
        walked[customer_id] = (priced, changed, unpriced)
        values = {"version": version, "priced_at": now if everything else priced_at}
        if exists:
            ledger_rows.append({"ledger_of": customer_id, **values})
        else:
            new_ledgers.append({"customer_id": customer_id, **values})
    if ledger_rows:
        conn.execute(_UPDATE_LEDGER, ledger_rows)
    if new_ledgers:
        conn.execute(insert(ledgers), new_ledgers)
    rewritten = _rewrite_customers(
        conn, rules, [(terms_of[i], customers.get(i)) for i in walked], version, now
    )
    for customer_id, (priced, changed, unpriced) in walked.items():
        done.append(Settled(customer_id, priced, changed, unpriced, customer_id in rewritten))
    return done


# ------------------------------------------------------------------------ statements
# Built once: a push settles a score of customers per batch with these, and building a
# statement costs more than SQLite takes to run it. Values come in as bound parameters.

_s, _c, _p, _l = sessions.c, premium_claims.c, credit_purchases.c, ledgers.c
_IDS: BindParameter[str] = bindparam("ids", expanding=True, type_=String)
_CUSTOMER: BindParameter[str] = bindparam("customer", type_=String)
_START: BindParameter[datetime] = bindparam("start", type_=DateTime(timezone=True))
_YEAR: BindParameter[int] = bindparam("year", type_=Integer)

_LOCK = (
    select(_l.customer_id, _l.priced_at)
    .where(_l.customer_id.in_(_IDS))
    .order_by(_l.customer_id)
    .with_for_update()
)
_UPDATE_LEDGER = update(ledgers).where(_l.customer_id == bindparam("ledger_of"))

_EARLIEST = select(
    select(func.min(_s.started_at)).where(_s.customer_id == _CUSTOMER).scalar_subquery(),
    select(func.min(_c.opened_at)).where(_c.customer_id == _CUSTOMER).scalar_subquery(),
    select(func.min(_p.at)).where(_p.customer_id == _CUSTOMER).scalar_subquery(),
)

_OF_INCIDENTS = select(_s.id, _s.started_at).where(_s.incident_id.in_(_IDS))
_EARLIER_FOR_CLAIMS = (
    select(func.min(_s.started_at))
    .select_from(sessions.join(premium_claims, _s.incident_id == _c.incident_id))
    .where(_c.customer_id == _CUSTOMER, _c.opened_at >= _START)
    .where(_s.started_at < _START)
)


def _when(condition: ColumnElement[bool], value: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((condition, value))


_DRAWS_HOURS = and_(_s.contract_year == _YEAR, _s.hours_e4 > 0)
_DRAWS_CREDIT = _s.credit_cents > 0
# What the sessions before the walk's start drew, per channel: hours of the start's contract
# year, and credit of any year, in one pass over the customer's sessions.
_SESSIONS_BEFORE = (
    select(
        _s.channel,
        func.sum(_when(_DRAWS_HOURS, _s.hours_e4)).label("hours"),
        func.count(_when(_DRAWS_HOURS, _s.id)).label("hours_n"),
        func.max(_when(_DRAWS_HOURS, _s.started_at)).label("hours_last"),
        func.sum(_when(_DRAWS_CREDIT, _s.credit_cents)).label("credit"),
        func.count(_when(_DRAWS_CREDIT, _s.id)).label("credit_n"),
        func.max(_when(_DRAWS_CREDIT, _s.started_at)).label("credit_last"),
    )
    .where(_s.customer_id == _CUSTOMER, _s.started_at < _START)
    .where(or_(_DRAWS_HOURS, _DRAWS_CREDIT))
    .group_by(_s.channel)
)
_GRANTED_BEFORE = and_(
    _c.customer_id == _CUSTOMER, _c.granted, _c.contract_year == _YEAR, _c.opened_at < _START
)
_CLAIMS_AND_CREDIT_BEFORE = select(
    select(func.count()).where(_GRANTED_BEFORE).scalar_subquery(),
    select(func.max(_c.opened_at)).where(_GRANTED_BEFORE).scalar_subquery(),
    select(func.sum(_p.amount_cents))
    .where(_p.customer_id == _CUSTOMER, _p.at < _START)
    .scalar_subquery(),
)

_WALKED = select(
    _s.id,
    _s.started_at,
    _s.incident_id,
    _s.data,
    _s.plan,
    _s.channel,
    _s.inputs,
    _s.hours_e4,
    _s.credit_cents,
    _s.price,
).where(_s.customer_id == _CUSTOMER, _s.started_at >= _START)
_WALK_ALL = _WALKED
_WALK_WANTED = _WALKED.where(or_(_s.stateful, _s.id.in_(bindparam("dirty", expanding=True))))
_CLAIMS_FROM = select(_c.incident_id, _c.opened_at).where(
    _c.customer_id == _CUSTOMER, _c.opened_at >= _START
)
_GRANTS_BEFORE = select(premium_claims).where(
    _c.customer_id == _CUSTOMER,
    _c.opened_at < _START,
    _c.contract_year.is_not(None),
    _c.incident_id.in_(
        select(_s.incident_id).where(_s.customer_id == _CUSTOMER, _s.started_at >= _START)
    ),
)
_PURCHASES_FROM = select(_p.id, _p.at, _p.amount_cents).where(
    _p.customer_id == _CUSTOMER, _p.at >= _START
)
_UPDATE_CLAIM = update(premium_claims).where(_c.incident_id == bindparam("claim_of"))
_UPDATE_SESSION = update(sessions).where(_s.id == bindparam("session_of"))

# The standing of several customers at once: the year each one's ``now`` falls in is picked
# from the rows (a customer's contract year is its own).
_HOURS_AND_CREDIT = (
    select(
        _s.customer_id,
        _s.contract_year,
        _s.channel,
        func.sum(_when(_s.hours_e4 > 0, _s.hours_e4)).label("hours"),
        func.sum(_s.credit_cents).label("credit"),
    )
    .where(_s.customer_id.in_(_IDS))
    .where(or_(_s.hours_e4 > 0, _s.credit_cents != 0))
    .group_by(_s.customer_id, _s.contract_year, _s.channel)
)
_GRANTED = (
    select(_c.customer_id, _c.contract_year, func.count().label("n"))
    .where(_c.customer_id.in_(_IDS), _c.granted)
    .group_by(_c.customer_id, _c.contract_year)
)
_BOUGHT = (
    select(_p.customer_id, func.sum(_p.amount_cents).label("cents"))
    .where(_p.customer_id.in_(_IDS), _p.at <= bindparam("now", type_=DateTime(timezone=True)))
    .group_by(_p.customer_id)
)
_UPDATE_CUSTOMER = update(records).where(
    records.c.kind == CUSTOMER, records.c.id == bindparam("customer_of")
)


# ---------------------------------------------------------------------------- the lock


def _lock(conn: Connection, customer_ids: list[str]) -> dict[str, datetime | None]:
    """Lock the customers' ledger rows, in id order; each existing row's ``priced_at``."""
    locked: dict[str, datetime | None] = {}
    for chunk in chunks(customer_ids):
        for row in conn.execute(_LOCK, {"ids": chunk}):
            locked[row.customer_id] = aware(row.priced_at) if row.priced_at is not None else None
    return locked


def _customers(conn: Connection, customer_ids: list[str]) -> dict[str, Customer | None]:
    return {
        customer_id: None if data is None else Customer.model_validate_json(data)
        for customer_id, data in load_records(conn, CUSTOMER, customer_ids).items()
    }


# ----------------------------------------------------------------------- the suffix


def _earliest(conn: Connection, customer_id: str) -> datetime | None:
    """The first instant of anything in the customer's ledger (None: it holds nothing)."""
    firsts = conn.execute(_EARLIEST, {"customer": customer_id}).one()
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
    if dirty_incidents:
        for chunk in chunks(sorted(dirty_incidents)):
            for row in conn.execute(_OF_INCIDENTS, {"ids": chunk}):
                dirty.add(row.id)
                start = min(start, aware(row.started_at))
    while True:
        earlier = conn.execute(
            _EARLIER_FOR_CLAIMS, {"customer": customer_id, "start": start}
        ).scalar()
        if earlier is None:
            return start, dirty
        start = aware(earlier)


def _state_before(
    conn: Connection, rules: Rules, terms: CustomerTerms, customer_id: str, start: datetime
) -> LedgerState:
    """What the entries before ``start`` left: sums of the debits the tables keep."""
    year = terms.year_of(rules, start)
    params = {"customer": customer_id, "start": start, "year": year}
    hours: dict[Channel, Drawn] = {}
    spent, spent_n, spent_last = 0, 0, None
    for row in conn.execute(_SESSIONS_BEFORE, params):
        if row.hours_n:
            hours[Channel(row.channel)] = Drawn(
                _hours(row.hours), int(row.hours_n), aware(row.hours_last)
            )
        if row.credit_n:
            spent += int(row.credit)
            spent_n += int(row.credit_n)
            last = aware(row.credit_last)
            spent_last = last if spent_last is None else max(spent_last, last)
    credit = Drawn(euros(spent), spent_n, spent_last)
    granted, last_granted, bought = conn.execute(_CLAIMS_AND_CREDIT_BEFORE, params).one()
    premium = Drawn(Decimal(granted), int(granted), aware(last_granted) if last_granted else None)
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
    params = {"customer": customer_id, "start": start}
    query = _WALK_ALL if everything else _WALK_WANTED
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

    rows = list(conn.execute(query, params if everything else {**params, "dirty": sorted(dirty)}))
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
    claims = [
        ClaimEntry(row.incident_id, aware(row.opened_at))
        for row in conn.execute(_CLAIMS_FROM, params)
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
        for row in conn.execute(_GRANTS_BEFORE, params)
    }
    purchases = [
        Purchase(row.id, aware(row.at), euros(row.amount_cents))
        for row in conn.execute(_PURCHASES_FROM, params)
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
            _UPDATE_CLAIM,
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
            conn.execute(_UPDATE_SESSION, rows)
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
    return _standings(conn, rules, [terms], now)[customer_id]


def _standings(
    conn: Connection, rules: Rules, terms: Sequence[CustomerTerms], now: datetime
) -> dict[str, tuple[Entitlements, Decimal]]:
    """``standing_now`` of several customers, read in three queries for all of them."""
    now = utc(now)
    years = {t.customer_id: t.year_of(rules, now) for t in terms}
    used: dict[str, dict[Channel, Decimal]] = {i: {} for i in years}
    spent: dict[str, int] = dict.fromkeys(years, 0)
    premium: dict[str, int] = dict.fromkeys(years, 0)
    bought: dict[str, int] = dict.fromkeys(years, 0)
    for chunk in chunks(sorted(years)):
        rows = conn.execute(_HOURS_AND_CREDIT, {"ids": chunk}).all()
        # By channel, as one query per customer grouped them.
        for row in sorted(rows, key=lambda r: r.channel or ""):
            spent[row.customer_id] += int(row.credit or 0)
            if row.hours and row.contract_year == years[row.customer_id]:
                used[row.customer_id][Channel(row.channel)] = _hours(row.hours)
        for granted in conn.execute(_GRANTED, {"ids": chunk}):
            if granted.contract_year == years[granted.customer_id]:
                premium[granted.customer_id] = int(granted.n)
        for paid in conn.execute(_BOUGHT, {"ids": chunk, "now": now}):
            bought[paid.customer_id] = int(paid.cents or 0)
    return {
        customer_id: (
            Entitlements(
                year=year,
                included_used_hours=used[customer_id],
                premium_incidents_used=premium[customer_id],
            ),
            euros(bought[customer_id]) - euros(spent[customer_id]),
        )
        for customer_id, year in years.items()
    }


def _rewrite_customers(
    conn: Connection,
    rules: Rules,
    customers: Sequence[tuple[CustomerTerms, Customer | None]],
    version: int,
    now: datetime,
) -> set[str]:
    """Give each customer record the ledger's standing, with a new version if it changed.

    Returns the ids of the records rewritten.
    """
    known = [(terms, customer) for terms, customer in customers if customer is not None]
    if not known:
        return set()
    standings = _standings(conn, rules, [terms for terms, _customer in known], now)
    rows: list[dict[str, str | int]] = []
    for _terms, customer in known:
        assert customer is not None
        entitlements, credit = standings[customer.id]
        unchanged = customer.entitlements == entitlements and customer.prepaid_credit == credit
        if unchanged and customer.ledger_as_of is not None:
            continue
        updated = customer.model_copy(
            update={"entitlements": entitlements, "prepaid_credit": credit, "ledger_as_of": now}
        )
        rows.append(
            {"customer_of": customer.id, "data": updated.model_dump_json(), "version": version}
        )
    if rows:
        conn.execute(_UPDATE_CUSTOMER, rows)
    return {str(row["customer_of"]) for row in rows}


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
