"""Opening an incident under the intake rules of SPEC §3: contract, overdue, premium, scope.

``assess`` says what opening an incident for a customer now would give, without writing;
``open_incident`` applies the same rules and saves the incident with its outbox op.
Outcomes a person must decide on are errors carrying the sentence to show:
``BlockedError`` (overdue amounts, no override reason) and ``NoPremiumLeftError`` (the
premium pack is used up: bill hourly at free rates, or decline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from core.contact import dialled
from core.errors import BlockedError, InputError, NoPremiumLeftError, NotFoundError
from core.i18n import _
from core.ids import new_id
from core.ledger import Standing, standing
from core.models import (
    OUT_OF_SCOPE,
    Category,
    Channel,
    Customer,
    Eligibility,
    Entitlements,
    Incident,
    Prerequisites,
    Session,
)
from core.rules import Rules
from core.sla import SlaTargets, targets
from core.store import Store
from core.sync.protocol import OperationKind
from core.text import fold, latin_forms

__all__ = [
    "FREE_PLAN",
    "IntakeRequest",
    "assess",
    "build_incident",
    "contract_in_force",
    "contract_in_force_at",
    "current_entitlements",
    "find_customer",
    "find_stored_customer",
    "ledger_customer",
    "matches_customer",
    "open_incident",
    "plan_in_force",
    "ready_for_search",
    "standing_of",
]

FREE_PLAN = "free"
PREMIUM_CHANNELS = frozenset({Channel.PHONE, Channel.WRITTEN})


@dataclass(frozen=True)
class IntakeRequest:
    """What the technician enters to open an incident."""

    customer_id: str
    subject: str
    description: str = ""
    category: Category = Category.SOFTWARE
    requested_via: Channel = Channel.PHONE
    prerequisites: Prerequisites = field(default_factory=Prerequisites)
    override_reason: str | None = None
    """Why support is given although the customer has overdue amounts."""
    scope_override_reason: str | None = None
    """Why an out-of-scope incident is served under the customer's plan."""
    bill_without_premium: bool = False
    """With the premium pack used up: open it billed hourly at free rates."""


def contract_in_force(customer: Customer, on: date) -> bool:
    """Whether the customer's contract covers the local day ``on`` (both ends included)."""
    contract = customer.contract
    return contract is not None and contract.valid_from <= on <= contract.valid_until


def contract_in_force_at(rules: Rules, customer: Customer, at: datetime) -> bool:
    """Whether the customer's contract is in force at an instant, read on the local calendar."""
    return contract_in_force(customer, rules.calendar.local_date(at))


def plan_in_force(rules: Rules, customer: Customer, at: datetime) -> str:
    """The plan whose SLA an incident opened at ``at`` gets: the contract's, else free."""
    contract = customer.contract
    if contract is not None and contract_in_force_at(rules, customer, at):
        return contract.plan
    return FREE_PLAN


def sla_at_opening(rules: Rules, customer: Customer, at: datetime) -> SlaTargets:
    """The SLA an incident opened at ``at`` gets, whatever its category: the plan in force's."""
    return targets(rules, plan_in_force(rules, customer, at), at)


_PHONE_DIGITS = 3
"""The fewest digits a search reads as part of a phone number."""
_PHONE_TYPED = re.compile(r"\+?[0-9 ()./-]+")
_latin_forms = lru_cache(maxsize=8192)(latin_forms)
"""A desk's names, transliterated once rather than on every key typed."""


def ready_for_search(customers: Iterable[Customer]) -> None:
    """Spell the customers' names in Latin letters once, ahead of the keys typed: a search
    screen's worker does it as it reads them, so the first Latin letter typed does not pay
    for every name (half a second at 5,000 customers)."""
    for customer in customers:
        _latin_forms(customer.name)


def matches_customer(customer: Customer, typed: str) -> bool:
    """Whether ``typed`` is part of the customer's name or of one of its phone numbers.

    The name is compared without case or accents, and in its Latin spelling too (``stath``
    finds ``Σταθόπουλος``); a number by its digits alone, without spaces, dashes or the
    +30 prefix (``3530829`` finds ``210 353 0829``).
    """
    fragment = fold(typed.strip())
    if fragment in fold(customer.name):
        return True
    if fragment.isascii() and any(fragment in form for form in _latin_forms(customer.name)):
        return True
    digits = dialled(typed)
    return (
        len(digits) >= _PHONE_DIGITS
        and _PHONE_TYPED.fullmatch(typed.strip()) is not None
        and any(digits in dialled(phone) for phone in customer.phones)
    )


def find_customer(customers: Sequence[Customer], wanted: str) -> Customer:
    """The one customer ``wanted`` names: its id, a unique id prefix, or what uniquely
    ``matches_customer`` (part of its name, in Greek or Latin letters, or of a phone).

    An exact id wins; otherwise the id prefixes are tried, then the names and phones. None
    or several matches are an InputError naming what to type instead.
    """
    text = wanted.strip()
    if not text:
        raise InputError(_("Give a customer: its id, the start of its id or part of its name."))
    exact = [c for c in customers if c.id == text]
    by_id = [c for c in customers if c.id.casefold().startswith(text.casefold())]
    by_name = [c for c in customers if matches_customer(c, text)]
    for found in (exact, by_id, by_name):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            shown = ", ".join(f"{c.id} {c.name}" for c in found[:5])
            more = "…" if len(found) > 5 else ""
            raise InputError(
                _(
                    "“{text}” matches {n} customers: {shown}{more}; give more of the id or name."
                ).format(text=text, n=len(found), shown=shown, more=more)
            )
    raise NotFoundError(
        _("No customer matches “{text}”; `vardia customer list` shows them.").format(text=text)
    )


def find_stored_customer(store: Store, wanted: str) -> Customer:
    """``find_customer`` among the store's customers; an exact id is read alone, unparsed
    the rest."""
    try:
        return store.customer(wanted.strip())
    except NotFoundError:
        return find_customer(store.customers(), wanted)


def current_entitlements(rules: Rules, customer: Customer, on: date) -> Entitlements:
    """What the customer has used this contract year; a new year starts from nothing."""
    contract = customer.contract
    plan_id = contract.plan if contract and contract.plan in rules.plans else FREE_PLAN
    year = rules.plans.plan(plan_id).contract_year(on)
    used = customer.entitlements
    return used if used is not None and used.year == year else Entitlements(year=year)


def standing_of(store: Store, rules: Rules, customer: Customer, on: date) -> Standing:
    """The customer's ledger on day ``on`` as this device knows it (SPEC §7.1).

    The stored record holds the server's ledger as last pulled; this device's work the
    server has not acknowledged yet is added from the outbox, so a pull never hides it.
    """

    def held(session_id: str) -> Session | None:
        try:
            return store.session(session_id)
        except NotFoundError:
            return None

    return standing(rules, customer, on, store.pending_work(customer.id), held)


def ledger_customer(store: Store, rules: Rules, customer: Customer, on: date) -> Customer:
    """The customer record as work on day ``on`` finds it: with ``standing_of``'s ledger."""
    return standing_of(store, rules, customer, on).with_customer(customer)


def _reason(text: str | None) -> str | None:
    cleaned = (text or "").strip()
    return cleaned or None


def assess(rules: Rules, customer: Customer, request: IntakeRequest, at: datetime) -> Eligibility:
    """Apply the intake rules to a customer at an instant; raises when a person must decide."""
    today = rules.calendar.local_date(at)
    in_force = contract_in_force_at(rules, customer, at)
    override = _reason(request.override_reason)
    blocked = customer.overdue_amount > 0
    if blocked and override is None:
        raise BlockedError(
            _(
                "{name} has {amount} € overdue, so support is blocked; give an override "
                "reason to serve them anyway."
            ).format(name=customer.name, amount=customer.overdue_amount)
        )
    out_of_scope = request.category in OUT_OF_SCOPE
    scope_override = _reason(request.scope_override_reason) if out_of_scope else None
    contract = customer.contract
    served_as = plan_in_force(rules, customer, at)
    if out_of_scope and scope_override is None:
        served_as = FREE_PLAN

    premium_used, premium_left = False, None
    pack = contract.premium_pack if in_force and contract is not None else None
    if pack is not None and served_as != FREE_PLAN and request.requested_via in PREMIUM_CHANNELS:
        allowance = rules.plans.plan(pack).premium_incidents
        used = current_entitlements(rules, customer, today).premium_incidents_used
        premium_left = max(0, allowance - used)
        if premium_left > 0:
            premium_used, premium_left = True, premium_left - 1
        elif not request.bill_without_premium:
            raise NoPremiumLeftError(
                _(
                    "{name} has no premium incident left on {pack} this year; open it billed "
                    "hourly at free rates, or decline it."
                ).format(name=customer.name, pack=pack)
            )
    return Eligibility(
        contract_in_force=in_force,
        served_as=served_as,
        blocked=blocked,
        overdue_amount=customer.overdue_amount,
        override_reason=override if blocked else None,
        premium_used=premium_used,
        premium_left=premium_left,
        out_of_scope=out_of_scope,
        scope_override_reason=scope_override,
    )


def build_incident(
    rules: Rules,
    customer: Customer,
    request: IntakeRequest,
    *,
    at: datetime,
    incident_id: str,
    ref: str,
    by: str,
) -> Incident:
    """A new incident under the intake rules.

    Its ``plan`` and SLA come from the plan in force at opening (SPEC §4); being out of
    scope only changes billing, which follows ``eligibility.served_as`` (SPEC §3).
    """
    subject = request.subject.strip()
    if not subject:
        raise InputError(_("An incident needs a subject; say in a few words what is wrong."))
    eligibility = assess(rules, customer, request, at)
    plan = plan_in_force(rules, customer, at)
    due = sla_at_opening(rules, customer, at)
    return Incident(
        id=incident_id,
        ref=ref,
        customer_id=customer.id,
        subject=subject,
        description=request.description.strip(),
        category=request.category,
        requested_via=request.requested_via,
        opened_at=at,
        opened_by=by,
        plan=plan,
        warn_at=due.warn_at,
        deadline=due.deadline,
        resolve_by=due.resolve_by,
        prerequisites=request.prerequisites,
        eligibility=eligibility,
        updated_at=at,
    )


def open_incident(store: Store, rules: Rules, request: IntakeRequest) -> Incident:
    """Open an incident now: assess it, fix its SLA, save it with its outbox op.

    The premium pack it may claim is counted on the ledger (``standing_of``); the claim
    itself reaches the ledger as the incident's operation, so no customer record changes.
    """
    now = store.clock.now()
    stored = store.customer(request.customer_id)
    customer = ledger_customer(store, rules, stored, rules.calendar.local_date(now))
    incident = build_incident(
        rules,
        customer,
        request,
        at=now,
        incident_id=new_id(),
        ref=store.next_ref(),
        by=store.technician,
    )
    rules.bounds.check_incident(incident, now)
    op = store.operation(OperationKind.INCIDENT_OPEN, incident.id, incident.model_dump(mode="json"))
    store.commit(op, incidents=[incident])
    return incident
