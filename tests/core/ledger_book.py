"""A customer's ledger kept the way a store keeps it: stored debits, re-priced by suffix.

The book is what the server does in SQL, done on dictionaries: on each arrival it finds
the earliest instant the change affects, reads the state just before it as sums of the
debits it stores, and walks only from there (``core.ledger.walk``). The property tests
compare it with pricing everything from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

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
    claims_premium,
    first_second,
    walk,
)
from core.models import Channel, Customer, Incident, Session
from core.rules import Rules

__all__ = ["Book"]

ZERO = Decimal(0)


@dataclass
class Book:
    """One customer's sessions, incidents, purchases and what the ledger stored for them."""

    rules: Rules
    customer: Customer
    now: datetime
    sessions: dict[str, Session] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    purchases: dict[str, Purchase] = field(default_factory=dict)
    priced: dict[str, Pricing] = field(default_factory=dict)
    claims: dict[str, ClaimResult] = field(default_factory=dict)
    walked: int = 0
    resumed: int = 0
    """Walks that began after entries already priced: the ones that test the stored sums."""

    @property
    def terms(self) -> CustomerTerms:
        return CustomerTerms.of(self.rules, self.customer.id, self.customer)

    def arrive(
        self,
        *,
        sessions: Iterable[Session] = (),
        incidents: Iterable[Incident] = (),
        purchases: Iterable[Purchase] = (),
    ) -> None:
        """Take a batch of arrivals, then settle the ledger from the earliest one on."""
        moments: list[datetime] = []
        dirty: set[str] = set()
        for incident in incidents:
            before = self.incidents.get(incident.id)
            self.incidents[incident.id] = incident
            if before is None or before.eligibility != incident.eligibility:
                moments.append(incident.opened_at)
                for session in self.sessions.values():
                    if session.incident_id == incident.id:
                        dirty.add(session.id)
                        moments.append(first_second(session))
        for session in sessions:
            old = self.sessions.get(session.id)
            if old is not None:
                moments.append(first_second(old))
            self.sessions[session.id] = session
            moments.append(first_second(session))
            dirty.add(session.id)
        for purchase in purchases:
            self.purchases[purchase.id] = purchase
            moments.append(purchase.at)
        if moments:
            self._settle(min(moments), dirty)

    def _claiming(self) -> list[Incident]:
        return [i for i in self.incidents.values() if claims_premium(i)]

    def _settle(self, start: datetime, dirty: set[str]) -> None:
        # A later claim's grant can move; its sessions may begin before it was opened.
        while True:
            later = {i.id for i in self._claiming() if i.opened_at >= start}
            earliest = min(
                (first_second(s) for s in self.sessions.values() if s.incident_id in later),
                default=start,
            )
            if earliest >= start:
                break
            start = earliest
        state = self._state_before(start)
        if any(p.start < start for p in self.priced.values()):
            self.resumed += 1
        claims = [ClaimEntry(i.id, i.opened_at) for i in self._claiming() if i.opened_at >= start]
        entries = []
        for session in self.sessions.values():
            began = first_second(session)
            if began < start:
                continue
            kept = self.priced.get(session.id)
            if session.id not in dirty and (kept is None or not kept.stateful):
                continue
            stored = None
            if session.id not in dirty and kept is not None:
                stored = Stored(
                    kept.plan, kept.channel, kept.inputs, kept.included_hours, kept.credit
                )
            entries.append(
                SessionEntry(
                    session.id,
                    began,
                    session.incident_id,
                    stored,
                    self._loader(session),
                )
            )
        grants = {c.incident_id: c for c in self.claims.values() if c.opened_at < start}
        result = walk(
            self.rules,
            self.terms,
            state,
            claims=claims,
            sessions=entries,
            purchases=[p for p in self.purchases.values() if p.at >= start],
            grants=grants,
            now=self.now,
        )
        self.walked += len(result.priced)
        self.claims.update({c.incident_id: c for c in result.claims})
        self.priced.update({p.session_id: p for p in result.priced})

    def _loader(self, session: Session):  # type: ignore[no-untyped-def]
        return lambda: (session, self.incidents.get(session.incident_id))

    def _state_before(self, start: datetime) -> LedgerState:
        """The sums a store reads: debits before ``start``, that year's hours and grants."""
        terms = self.terms
        year = terms.year_of(self.rules, start)
        hours: dict[Channel, Drawn] = {}
        credit = Drawn()
        credit_left = sum((p.amount for p in self.purchases.values() if p.at < start), ZERO)
        before = sorted((p for p in self.priced.values() if p.start < start), key=lambda p: p.start)
        for pricing in before:
            if pricing.year == year and pricing.included_hours:
                hours[pricing.channel] = hours.get(pricing.channel, Drawn()).plus(
                    pricing.included_hours, pricing.start
                )
            if pricing.credit:
                credit = credit.plus(pricing.credit, pricing.start)
                credit_left -= pricing.credit
        granted = sorted(
            c.opened_at
            for c in self.claims.values()
            if c.granted and c.year == year and c.opened_at < start
        )
        premium = Drawn(Decimal(len(granted)), len(granted), granted[-1] if granted else None)
        return LedgerState(year, hours, premium, credit_left, credit)
