"""A customer's ledger: included hours, premium incidents and prepaid credit spent once (§7.1).

Several technicians on several devices draw on one customer's entitlements, offline, in
any order. The ledger settles who got what by walking the customer's entries in
chronological order, whatever order they arrived in:

- **credit purchases** (dated; credit carries over from one contract year to the next),
- **premium claims**: incidents whose intake drew on the premium pack, by opening time.
  The first N of a contract year are granted; the rest are *beyond the pack* and their
  sessions are priced without it (hourly, at the plan's rates: ``free``'s on maintenance),
- **sessions**, by first second (then id), each priced by ``core.pricing`` against the hours
  its channel has left in the contract year of its first second and the credit left.

At one instant a purchase comes before a claim, and a claim before a session.

The walk can start anywhere: ``LedgerState`` is what the entries before an instant left,
which a store reads cheaply as sums of the debits it keeps per session (the server does it
in SQL). Re-pricing after a change therefore walks only the suffix from the earliest
instant the change affects (``settle_start``). Two shortcuts keep that suffix cheap, and
neither changes the outcome: a session whose price cannot depend on the ledger (a channel
that costs nothing, or one with no included hours on a plan without credit, and no premium
claim) is not *stateful* and is never walked again once priced; and a stateful session
whose inputs (what it found left) are those it was priced with keeps its price.

Devices price provisionally (``standing``): the server's ledger as last pulled, which the
customer record carries, plus the device's own work the server has not seen yet (its
pending operations). ``is_provisional`` and ``billed_quote`` say which price a session
owes; ``explain`` turns the server's structured reason into a sentence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.calendar import month_day
from core.errors import VardiaError
from core.i18n import _, ngettext
from core.models import (
    Channel,
    Customer,
    Entitlements,
    Incident,
    PremiumGrant,
    PriceReason,
    PriceReasonKind,
    Quote,
    ServerPrice,
    Session,
)
from core.plans import Plan
from core.pricing import price_session
from core.rules import Rules

__all__ = [
    "FREE_PLAN",
    "ClaimEntry",
    "ClaimResult",
    "CustomerTerms",
    "Drawn",
    "LedgerState",
    "Pricing",
    "Purchase",
    "SessionEntry",
    "Standing",
    "Walk",
    "billed_quote",
    "claims_premium",
    "explain",
    "first_second",
    "is_provisional",
    "price_history",
    "standing",
    "walk",
]

ZERO = Decimal(0)
FREE_PLAN = "free"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def first_second(session: Session) -> datetime:
    """The instant a session began: what orders it in the ledger and dates it (SPEC §5.7)."""
    if not session.segments:
        return session.recorded_at
    return min(segment.start for segment in session.segments)


def claims_premium(incident: Incident) -> bool:
    """Whether an incident's intake drew on the customer's premium pack."""
    return incident.eligibility.premium_used


def is_provisional(session: Session) -> bool:
    """True until the server's price of this very revision of the session has arrived."""
    price = session.server_price
    return price is None or price.revision != len(session.edits)


def billed_quote(session: Session) -> Quote:
    """The price a session owes as far as this side knows: the server's, else the device's."""
    price = session.server_price
    if price is not None and price.revision == len(session.edits):
        return price.quote
    return session.quote


# ---------------------------------------------------------------------------- the terms


@dataclass(frozen=True)
class CustomerTerms:
    """What of a customer's record the ledger reads: its contract year, pack and town."""

    customer_id: str
    year_plan: Plan
    premium_pack: str | None = None
    pack_incidents: int = 0
    valid_from: date | None = None
    valid_until: date | None = None
    out_of_town: bool = False

    @classmethod
    def of(cls, rules: Rules, customer_id: str, customer: Customer | None) -> CustomerTerms:
        """The terms of a customer; one the ledger does not know has no contract."""
        contract = customer.contract if customer is not None else None
        plan_id = contract.plan if contract and contract.plan in rules.plans else FREE_PLAN
        pack = contract.premium_pack if contract is not None else None
        return cls(
            customer_id=customer_id,
            year_plan=rules.plans.plan(plan_id),
            premium_pack=pack,
            pack_incidents=(
                rules.plans[pack].premium_incidents if pack and pack in rules.plans else 0
            ),
            valid_from=contract.valid_from if contract else None,
            valid_until=contract.valid_until if contract else None,
            out_of_town=customer.out_of_town if customer is not None else False,
        )

    def year_of(self, rules: Rules, at: datetime) -> int:
        """The contract year of an instant, read on the local calendar."""
        return self.year_plan.contract_year(rules.calendar.local_date(at))

    def pack_size(self, year: int) -> int:
        """Premium incidents in contract year ``year``: the pack's, if the contract covers it."""
        if self.premium_pack is None or self.valid_from is None or self.valid_until is None:
            return 0
        month, day = month_day(self.year_plan.contract_year_starts)
        first = date(year, month, day)
        following = date(year + 1, month, day)
        covers = self.valid_from < following and self.valid_until >= first
        return self.pack_incidents if covers else 0


# ---------------------------------------------------------------------------- the state


@dataclass(frozen=True)
class Drawn:
    """What earlier entries drew on an entitlement: how much, how many, when the last did."""

    amount: Decimal = ZERO
    count: int = 0
    last: datetime | None = None

    def plus(self, amount: Decimal, at: datetime) -> Drawn:
        if not amount:
            return self
        return Drawn(self.amount + amount, self.count + 1, at)


@dataclass(frozen=True)
class LedgerState:
    """The customer's ledger just before an instant: what the next entry finds.

    ``year`` is the contract year ``hours`` and ``premium`` describe (they start afresh with
    the next one); ``credit_left`` carries over years, ``credit`` counts the sessions that
    drew on it.
    """

    year: int | None = None
    hours: Mapping[Channel, Drawn] = field(default_factory=dict)
    premium: Drawn = Drawn()
    credit_left: Decimal = ZERO
    credit: Drawn = Drawn()


@dataclass(frozen=True)
class Purchase:
    """Prepaid credit bought: a dated ledger entry, in net euros."""

    id: str
    at: datetime
    amount: Decimal


@dataclass(frozen=True)
class ClaimEntry:
    """An incident that drew on the premium pack at intake."""

    incident_id: str
    opened_at: datetime


@dataclass(frozen=True)
class ClaimResult:
    """Where a claim fell: granted or not, with the year's pack and the grants before it."""

    incident_id: str
    opened_at: datetime
    year: int
    granted: bool
    pack_incidents: int
    granted_before: int
    last_granted_at: datetime | None

    @property
    def grant(self) -> PremiumGrant:
        return PremiumGrant.GRANTED if self.granted else PremiumGrant.BEYOND_PACK

    def token(self) -> str:
        if self.granted:
            return "granted"
        last = self.last_granted_at.isoformat() if self.last_granted_at else ""
        return f"beyond:{self.pack_incidents}:{self.granted_before}:{last}"


@dataclass(frozen=True)
class Stored:
    """What a store kept of a session's last pricing: enough to walk past it unchanged."""

    plan: str
    channel: Channel
    inputs: str
    included_hours: Decimal
    credit: Decimal


Loader = Callable[[], tuple[Session, Incident | None]]


@dataclass(frozen=True)
class SessionEntry:
    """A session in a walk. ``stored`` is None when it must be priced (new or changed).

    ``load`` gives the session and its incident; it is called only for a session that is
    priced, so a store can hand over raw rows and parse only those.
    """

    id: str
    start: datetime
    incident_id: str
    stored: Stored | None
    load: Loader


@dataclass(frozen=True)
class Pricing:
    """A session as the ledger priced it, with what a store keeps to walk past it later."""

    session_id: str
    start: datetime
    year: int
    channel: Channel
    plan: str
    stateful: bool
    inputs: str
    included_hours: Decimal
    credit: Decimal
    price: ServerPrice


@dataclass(frozen=True)
class Walk:
    """What a walk found: the claims and sessions it (re)priced, failures, the state after."""

    claims: tuple[ClaimResult, ...]
    priced: tuple[Pricing, ...]
    unpriced: Mapping[str, str]
    state: LedgerState


# ---------------------------------------------------------------------------- the walk


class _Walker:
    """The mutable state of one walk."""

    def __init__(self, state: LedgerState) -> None:
        self.year = state.year
        self.hours: dict[Channel, Drawn] = dict(state.hours)
        self.premium = state.premium
        self.credit_left = state.credit_left
        self.credit = state.credit

    def enter(self, year: int) -> None:
        if self.year is None or year > self.year:
            if self.year is not None:
                self.hours, self.premium = {}, Drawn()
            self.year = year

    def state(self) -> LedgerState:
        return LedgerState(self.year, dict(self.hours), self.premium, self.credit_left, self.credit)

    def inputs(
        self, rules: Rules, plan_id: str, channel: Channel, claim: ClaimResult | None
    ) -> str:
        """What a session's price depends on, as text; empty when it depends on nothing."""
        plan = rules.plans.plan(plan_id)
        terms = plan.terms(channel)
        parts = []
        if claim is not None:
            parts.append(f"p={claim.token()}")
        if not terms.costs_nothing:
            if terms.included_hours:
                drawn = self.hours.get(channel, Drawn())
                parts.append(f"h={_key(drawn)}")
            if plan.prepaid_credit:
                parts.append(f"c={self.credit_left}/{_key(self.credit)}")
        return ";".join(parts)

    def apply(self, channel: Channel, hours: Decimal, credit: Decimal, at: datetime) -> None:
        if hours:
            self.hours[channel] = self.hours.get(channel, Drawn()).plus(hours, at)
        if credit:
            self.credit_left -= credit
            self.credit = self.credit.plus(credit, at)


def _key(drawn: Drawn) -> str:
    last = drawn.last.isoformat() if drawn.last else ""
    return f"{drawn.amount}/{drawn.count}/{last}"


def _grant_claims(
    rules: Rules, terms: CustomerTerms, state: LedgerState, claims: Sequence[ClaimEntry]
) -> list[ClaimResult]:
    year, granted, last = state.year, state.premium.count, state.premium.last
    results = []
    for claim in sorted(claims, key=lambda c: (c.opened_at, c.incident_id)):
        claim_year = terms.year_of(rules, claim.opened_at)
        if year is None or claim_year > year:
            if year is not None:
                granted, last = 0, None
            year = claim_year
        size = terms.pack_size(claim_year)
        result = ClaimResult(
            incident_id=claim.incident_id,
            opened_at=claim.opened_at,
            year=claim_year,
            granted=granted < size,
            pack_incidents=size,
            granted_before=granted,
            last_granted_at=last,
        )
        if result.granted:
            granted, last = granted + 1, claim.opened_at
        results.append(result)
    return results


def walk(
    rules: Rules,
    terms: CustomerTerms,
    state: LedgerState,
    *,
    claims: Sequence[ClaimEntry] = (),
    sessions: Sequence[SessionEntry] = (),
    purchases: Sequence[Purchase] = (),
    grants: Mapping[str, ClaimResult] | None = None,
    now: datetime,
) -> Walk:
    """Walk a customer's entries from ``state`` on, in chronological order.

    The entries must be every claim and purchase at or after the instant ``state``
    describes, and every stateful session from then on plus the sessions to price;
    ``grants`` are the claims before that instant that those sessions' incidents made.
    The premium state of ``state`` is that of the claims before the instant.
    """
    claimed = _grant_claims(rules, terms, state, claims)
    by_incident = {**(grants or {}), **{c.incident_id: c for c in claimed}}
    walker = _Walker(state)
    events: list[tuple[datetime, int, str, Purchase | SessionEntry]] = [
        (p.at, 0, p.id, p) for p in purchases
    ]
    events += [(s.start, 2, s.id, s) for s in sessions]
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    priced: list[Pricing] = []
    unpriced: dict[str, str] = {}
    for at, _order, _id, entry in events:
        if isinstance(entry, Purchase):
            walker.credit_left += entry.amount
            continue
        year = terms.year_of(rules, at)
        walker.enter(year)
        stored = entry.stored
        if stored is not None:
            claim = by_incident.get(entry.incident_id) if "p=" in stored.inputs else None
            try:
                now_inputs: str | None = walker.inputs(rules, stored.plan, stored.channel, claim)
            except VardiaError:
                now_inputs = None  # the plan left the price list: the stored price stands
            if now_inputs is None or now_inputs == stored.inputs:
                walker.apply(stored.channel, stored.included_hours, stored.credit, at)
                continue
        session, incident = entry.load()
        try:
            pricing = _price(rules, terms, walker, session, incident, by_incident, year, now)
        except VardiaError as error:
            unpriced[session.id] = str(error)
            if stored is not None:
                walker.apply(stored.channel, stored.included_hours, stored.credit, at)
            continue
        walker.apply(pricing.channel, pricing.included_hours, pricing.credit, at)
        priced.append(pricing)
    return Walk(tuple(claimed), tuple(priced), unpriced, walker.state())


def _price(
    rules: Rules,
    terms: CustomerTerms,
    walker: _Walker,
    session: Session,
    incident: Incident | None,
    claims: Mapping[str, ClaimResult],
    year: int,
    now: datetime,
) -> Pricing:
    served_as = incident.eligibility.served_as if incident is not None else session.quote.plan
    claimed = incident is not None and claims_premium(incident)
    claim = claims.get(session.incident_id) if claimed else None
    plan = rules.plans.plan(served_as)
    channel = session.channel
    channel_terms = plan.terms(channel)
    inputs = walker.inputs(rules, plan.id, channel, claim)
    drawn = walker.hours.get(channel, Drawn())
    credit = walker.credit_left if plan.prepaid_credit else ZERO
    quote = price_session(
        rules,
        plan.id,
        channel,
        session.segments,
        included_used_hours=drawn.amount,
        credit=credit,
        premium_covered=claim is not None and claim.granted,
        expenses=session.expenses,
        out_of_town=terms.out_of_town and channel is Channel.ONSITE,
    )
    reasons: tuple[PriceReason, ...] = ()
    if quote != session.quote:
        reasons = _reasons(
            rules, terms, quote, session.quote, claim, channel_terms.included_hours, walker
        )
    return Pricing(
        session_id=session.id,
        start=first_second(session),
        year=year,
        channel=channel,
        plan=plan.id,
        stateful=bool(inputs),
        inputs=inputs,
        included_hours=quote.included_hours_debited,
        credit=quote.credit_debited,
        price=ServerPrice(
            quote=quote,
            revision=len(session.edits),
            priced_at=now,
            premium=claim.grant if claim is not None else None,
            reasons=reasons,
        ),
    )


def _local(rules: Rules, at: datetime | None) -> date | None:
    return rules.calendar.local_date(at) if at is not None else None


def _reasons(
    rules: Rules,
    terms: CustomerTerms,
    quote: Quote,
    device: Quote,
    claim: ClaimResult | None,
    included: Decimal,
    walker: _Walker,
) -> tuple[PriceReason, ...]:
    channel = quote.channel
    found = []
    if claim is not None and not claim.granted:
        found.append(
            PriceReason(
                kind=PriceReasonKind.PREMIUM,
                pack=terms.premium_pack,
                pack_incidents=claim.pack_incidents,
                count=claim.granted_before,
                last_on=_local(rules, claim.last_granted_at),
            )
        )
    if quote.included_hours_debited != device.included_hours_debited:
        drawn = walker.hours.get(channel, Drawn())
        found.append(
            PriceReason(
                kind=PriceReasonKind.INCLUDED_HOURS,
                channel=channel,
                included_hours=included,
                used_hours=drawn.amount,
                count=drawn.count,
                last_on=_local(rules, drawn.last),
            )
        )
    if quote.credit_debited != device.credit_debited:
        found.append(
            PriceReason(
                kind=PriceReasonKind.CREDIT,
                credit_left=walker.credit_left,
                count=walker.credit.count,
                last_on=_local(rules, walker.credit.last),
            )
        )
    if not found:
        found.append(PriceReason(kind=PriceReasonKind.PRICE_LIST))
    return tuple(found)


# --------------------------------------------------------------------- from scratch


def price_history(
    rules: Rules,
    customer_id: str,
    customer: Customer | None,
    sessions: Iterable[Session],
    incidents: Mapping[str, Incident],
    purchases: Iterable[Purchase],
    now: datetime,
) -> Walk:
    """The customer's whole ledger, priced from nothing: what any order of arrival must give."""
    terms = CustomerTerms.of(rules, customer_id, customer)
    claims = [
        ClaimEntry(i.id, i.opened_at)
        for i in incidents.values()
        if i.customer_id == customer_id and claims_premium(i)
    ]
    entries = [
        SessionEntry(
            s.id, first_second(s), s.incident_id, None, _loader(s, incidents.get(s.incident_id))
        )
        for s in sessions
        if s.customer_id == customer_id
    ]
    return walk(
        rules,
        terms,
        LedgerState(),
        claims=claims,
        sessions=entries,
        purchases=list(purchases),
        now=now,
    )


def _loader(session: Session, incident: Incident | None) -> Loader:
    return lambda: (session, incident)


# ------------------------------------------------------------------------ on a device


@dataclass(frozen=True)
class Standing:
    """What a customer has used and has left this contract year, as this side knows it.

    ``as_of`` is when the server's ledger last computed the base (None: never); the
    ``provisional`` sessions and claims are this device's, not yet seen by the server.
    """

    year: int
    used_hours: Mapping[Channel, Decimal]
    premium_used: int
    credit: Decimal
    as_of: datetime | None
    provisional_sessions: int = 0
    provisional_claims: int = 0

    @property
    def entitlements(self) -> Entitlements:
        return Entitlements(
            year=self.year,
            included_used_hours=dict(self.used_hours),
            premium_incidents_used=self.premium_used,
        )

    def with_customer(self, customer: Customer) -> Customer:
        """The customer record as if its entitlements and credit were this standing's."""
        return customer.model_copy(
            update={"entitlements": self.entitlements, "prepaid_credit": self.credit}
        )


Pending = tuple[str, Mapping[str, Any]]
"""A pending operation's kind and payload, as the outbox holds it."""


def standing(
    rules: Rules,
    customer: Customer,
    on: date,
    pending: Iterable[Pending] = (),
    stored_session: Callable[[str], Session | None] = lambda _id: None,
    *,
    sign: int = 1,
) -> Standing:
    """The customer's standing on local day ``on``: its record plus this device's pending work.

    A session recorded here and not yet pushed counts whole; an edit of a session the server
    has counts as the difference from what the server counted (its price as last pulled,
    else the quote before the edit). ``sign=-1`` takes the pending work out instead (to
    bring a record that already included it back to the server's base).
    """
    terms = CustomerTerms.of(rules, customer.id, customer)
    year = terms.year_plan.contract_year(on)
    base = customer.entitlements
    used: dict[Channel, Decimal] = {}
    premium = 0
    if base is not None and base.year == year:
        used, premium = dict(base.included_used_hours), base.premium_incidents_used
    credit = customer.prepaid_credit
    latest: dict[str, Session] = {}
    recorded: set[str] = set()
    edited_from: dict[str, Quote] = {}
    claims = 0
    for kind, payload in pending:
        if payload.get("customer_id") != customer.id:
            continue
        if kind == "incident.open":
            incident = Incident.model_validate(payload)
            if claims_premium(incident) and terms.year_of(rules, incident.opened_at) == year:
                claims += 1
            continue
        if kind not in ("session.record", "session.edit"):
            continue
        session = Session.model_validate(payload)
        latest[session.id] = session
        if kind == "session.record":
            recorded.add(session.id)
        elif session.id not in edited_from and session.edits:
            edited_from[session.id] = session.edits[-1].old_quote
    for session_id, session in latest.items():
        quote, when = session.quote, first_second(session)
        baseline: Quote | None = None
        if session_id not in recorded:
            held = stored_session(session_id)
            if held is not None and held.server_price is not None:
                baseline = held.server_price.quote
            else:
                baseline = edited_from.get(session_id)
        if terms.year_of(rules, when) == year:
            used[session.channel] = used.get(session.channel, ZERO) + sign * (
                quote.included_hours_debited
            )
        credit -= sign * quote.credit_debited
        if baseline is not None:
            old_start = session.edits[-1].old_segments[0].start if session.edits else when
            old_channel = session.edits[-1].old_channel if session.edits else session.channel
            if terms.year_of(rules, old_start) == year:
                used[old_channel] = used.get(old_channel, ZERO) - sign * (
                    baseline.included_hours_debited
                )
            credit += sign * baseline.credit_debited
    return Standing(
        year=year,
        used_hours={c: max(ZERO, h) for c, h in used.items()},
        premium_used=max(0, premium + sign * claims),
        credit=max(ZERO, credit),
        as_of=customer.ledger_as_of,
        provisional_sessions=len(latest),
        provisional_claims=claims,
    )


# ----------------------------------------------------------------------- in words


def day_text(day: date) -> str:
    """A day as the reasons name it: ``12 Nov``."""
    return f"{day.day} {_(_MONTHS[day.month - 1])}"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def explain(reason: PriceReason) -> str:
    """One sentence, in the device's language, of why the server's price differs."""
    last = day_text(reason.last_on) if reason.last_on is not None else ""
    match reason.kind:
        case PriceReasonKind.PREMIUM:
            if not reason.pack_incidents:
                return _(
                    "The contract holds no premium incident in this contract year, "
                    "so this incident is billed hourly."
                )
            return ngettext(
                "The {n} premium incident of the pack went to an incident opened on {last}, "
                "so this one is billed hourly.",
                "The {n} premium incidents of the pack went to incidents opened earlier, "
                "the last on {last}, so this one is billed hourly.",
                reason.pack_incidents,
            ).format(n=reason.pack_incidents, last=last)
        case PriceReasonKind.INCLUDED_HOURS:
            used = _number(reason.used_hours or ZERO)
            total = _number(reason.included_hours or ZERO)
            channel = reason.channel.value if reason.channel else ""
            if not reason.count:
                return _(
                    "None of the {total} included {channel} hours had been used before it."
                ).format(total=total, channel=channel)
            return ngettext(
                "{used} of the {total} included {channel} hours were used by a session on {last}.",
                "{used} of the {total} included {channel} hours were used by {count} "
                "sessions, the last on {last}.",
                reason.count,
            ).format(used=used, total=total, channel=channel, count=reason.count, last=last)
        case PriceReasonKind.CREDIT:
            left = f"{(reason.credit_left or ZERO):.2f}"
            if not reason.count:
                return _("{left} € of prepaid credit was there when it began.").format(left=left)
            return ngettext(
                "{left} € of prepaid credit was left after a session on {last}.",
                "{left} € of prepaid credit was left after {count} sessions, the last on {last}.",
                reason.count,
            ).format(left=left, count=reason.count, last=last)
        case _:
            return _("The server priced it with the vendor's current price list.")
