"""The one place the app reaches the store and the use cases, one call at a time.

Workers call it from threads; a lock keeps one store call running at a time, so a reload
never reads a half-applied change and two saves never interleave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from core.clock import Clock
from core.errors import VardiaError
from core.i18n import _
from core.models import Answer, Category, Channel, Customer, Eligibility, Incident, Session, Timer
from core.rules import Rules

__all__ = ["Assessment", "Desk", "IncidentDetail", "IntakeForm"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class IntakeForm:
    """What the technician filled in on the intake screen."""

    customer_id: str
    subject: str
    description: str
    category: Category
    requested_via: Channel
    backups: Answer
    no_third_party: Answer
    override_reason: str | None
    scope_override_reason: str | None


@dataclass(frozen=True)
class Assessment:
    """What opening an incident for a customer now would give: eligibility and deadlines."""

    customer_id: str
    eligibility: Eligibility
    included: list[str]
    credit: Decimal
    warn_at: datetime
    deadline: datetime


class IncidentDetail:
    """An incident with its customer and its sessions, read together."""

    def __init__(self, incident: Incident, customer: Customer | None, sessions: list[Session]):
        self.incident = incident
        self.customer = customer
        self.sessions = sessions


class Desk:
    """The store and the use cases, as the screens need them."""

    def __init__(self, store: Any, rules: Rules, clock: Clock) -> None:
        self.store = store
        self.rules = rules
        self.clock = clock
        self._lock = threading.Lock()

    def _locked(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        with self._lock:
            return fn(*args, **kwargs)

    @property
    def technician(self) -> str:
        return str(self.store.technician)

    # ---- reading ----------------------------------------------------------------------

    def load_queue(self) -> tuple[list[Incident], dict[str, Customer]]:
        with self._lock:
            incidents = self.store.open_incidents()
            customers = {customer.id: customer for customer in self.store.customers()}
        return incidents, customers

    def customers(self) -> list[Customer]:
        return self._locked(self.store.customers)

    def load_timer(self) -> tuple[Timer | None, Incident | None, Customer | None]:
        with self._lock:
            timer = self.store.timer()
            if timer is None:
                return None, None, None
            incident = self.store.incident(timer.incident_id)
            return timer, incident, self._customer_or_none(incident.customer_id)

    def _customer_or_none(self, customer_id: str) -> Customer | None:
        try:
            customer: Customer = self.store.customer(customer_id)
        except VardiaError:
            return None
        return customer

    def incident_detail(self, incident_id: str) -> IncidentDetail:
        with self._lock:
            incident = self.store.incident(incident_id)
            return IncidentDetail(
                incident,
                self._customer_or_none(incident.customer_id),
                self.store.sessions(incident_id=incident.id),
            )

    def customer_detail(self, customer_id: str) -> tuple[Customer, list[Incident]]:
        with self._lock:
            return (
                self.store.customer(customer_id),
                self.store.incidents_for_customer(customer_id),
            )

    def pending_count(self) -> int:
        return int(self._locked(self.store.pending_count))

    def running_net(self, timer: Timer, now: datetime) -> Decimal | None:
        """The net cost of the timer if it stopped now; None when it cannot be priced yet."""
        return None

    def included_hours(self, customer: Customer) -> dict[str, str]:
        """Per channel with included hours: used and left this contract year, as text."""
        contract = customer.contract
        if contract is None or contract.plan not in self.rules.plans:
            return {}
        plan = self.rules.plans.plan(contract.plan)
        used = customer.entitlements.included_used_hours if customer.entitlements else {}
        found: dict[str, str] = {}
        for channel, terms in plan.channels.items():
            if terms.included_hours:
                spent = used.get(channel, Decimal(0))
                left = max(Decimal(0), terms.included_hours - spent)
                found[channel.value] = _("{used} h used of {total} h, {left} h left").format(
                    used=spent, total=terms.included_hours, left=left
                )
        return found
