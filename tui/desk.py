"""The one place the app reaches the store and the use cases, one call at a time.

Workers call it from threads; a lock keeps one store call running at a time, so a reload
never reads a half-applied change and two saves never interleave.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from core import incidents, intake, sessions
from core import timer as timer_rules
from core.clock import Clock
from core.errors import InputError, NoPremiumLeftError, VardiaError
from core.i18n import _
from core.intake import IntakeRequest
from core.models import (
    Answer,
    Category,
    Channel,
    Customer,
    Eligibility,
    Expenses,
    Incident,
    IncidentStatus,
    Note,
    Prerequisites,
    Segment,
    Session,
    Timer,
)
from core.periods import IsoWeek, Month
from core.queue_entry import QueueEntry
from core.reports import WeekReport, load_week_report, week_technicians
from core.rules import Rules
from core.statements import Statement
from core.sync import refused as refused_work
from core.sync.client import SyncClient, SyncStatus
from core.sync.price_list import held_version, load_rules_for
from core.sync.protocol import Operation
from core.sync.state import Conflict, Rejection, dismiss_conflict, list_conflicts, list_rejections
from core.sync.statements import held_statement, statement_for
from core.text import fold, found_in
from tui.format import CHANNEL_LABELS, quantity

__all__ = ["Assessment", "Desk", "IncidentDetail", "IntakeForm", "RefusedItem", "TimerState"]

# Set by the status change that carries it: the server's value stands, the status is decided.
FOLLOWING = frozenset({"first_response_at"})
PAST_LIMIT = 100
"""The most closed incidents a queue search lists: the newest, the ones looked for."""

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
    bill_without_premium: bool


@dataclass(frozen=True)
class Assessment:
    """What opening an incident for a customer now would give: eligibility and deadlines."""

    customer_id: str
    eligibility: Eligibility
    premium_exhausted: bool
    included: list[str]
    credit: Decimal
    warn_at: datetime
    deadline: datetime
    assessed_at: datetime
    ledger_as_of: datetime | None
    """When the server computed the ledger the preview stands on; None: never synced."""
    after_hours: bool = False
    """Assessed outside support hours (premium covers working hours only)."""


@dataclass(frozen=True)
class SessionForm:
    """What the session editor was given: the segments (none: delete), the channel and why."""

    segments: tuple[Segment, ...]
    channel: Channel
    reason: str


@dataclass(frozen=True)
class TimerState:
    """The timer on disk, with the incident and customer it runs for (when still known).

    The customer is as the device's ledger has it (``Desk.ledger``), for the running price.
    """

    timer: Timer
    incident: Incident | None
    customer: Customer | None

    @property
    def ref(self) -> str:
        return self.incident.ref if self.incident else self.timer.incident_id


class IncidentDetail:
    """An incident with its customer and its sessions, read together; ``refused`` are the
    ids of its notes and sessions the server refused (kept here until fixed or discarded)."""

    def __init__(
        self,
        incident: Incident,
        customer: Customer | None,
        sessions: list[Session],
        refused: frozenset[str] = frozenset(),
    ):
        self.incident = incident
        self.customer = customer
        self.sessions = sessions
        self.refused = refused


@dataclass(frozen=True)
class RefusedItem:
    """A refused operation, with what it was in words ("note on INC-0042")."""

    rejection: Rejection
    what: str


class Desk:
    """The store and the use cases, as the screens need them."""

    def __init__(
        self, store: Any, rules: Rules, clock: Clock, lock: threading.Lock | None = None
    ) -> None:
        self.store = store
        self.rules = rules
        self._price_list = held_version(store)
        """The version of the synced price list ``rules`` follow."""
        self.clock = clock
        # Shared with the sync client, which takes it only around its own store calls.
        self._lock = lock or threading.Lock()

    def locked(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run ``fn`` while no other worker uses the store."""
        with self._lock:
            return fn(*args, **kwargs)

    @property
    def technician(self) -> str:
        return str(self.store.technician)

    @property
    def read_only(self) -> bool:
        """Watching data another vardia writes (``vardia --read-only``): nothing is changed."""
        return bool(self.store.read_only)

    def changed_since(self, stamp: object) -> object | None:
        """The store's change stamp if a writer has committed since ``stamp`` (and the store
        then reads afresh), else None."""
        with self._lock:
            now: object = self.store.change_stamp()
            if now == stamp:
                return None
            self.store.reread()
            return now

    # ---- reading ----------------------------------------------------------------------

    def load_queue(self) -> tuple[list[QueueEntry], dict[str, str]]:
        """The open incidents as the queue shows them, and each customer's name by id."""
        with self._lock:
            return self.store.queue_entries(), self.store.customer_names()

    def past_incidents(self, typed: str, names: Mapping[str, str]) -> list[Incident]:
        """Closed and resolved incidents whose reference, subject or customer's name (from
        ``names``, by customer id) holds ``typed``, newest first, up to PAST_LIMIT."""
        needle = fold(typed.strip())

        def keep(doc: dict[str, Any]) -> bool:
            customer = names.get(str(doc.get("customer_id")), "")
            return found_in(needle, customer, str(doc.get("ref")), str(doc.get("subject")))

        return self.locked(self.store.past_incidents, keep, PAST_LIMIT)

    def customers(self) -> list[Customer]:
        return self.locked(self.store.customers)

    def load_timer(self) -> TimerState | None:
        with self._lock:
            timer = self.store.timer()
            if timer is None:
                return None
            incident = self.store.incident(timer.incident_id)
            customer = self._customer_or_none(incident.customer_id)
            return TimerState(timer, incident, customer and self._ledger(customer))

    def _customer_or_none(self, customer_id: str) -> Customer | None:
        try:
            customer: Customer = self.store.customer(customer_id)
        except VardiaError:
            return None
        return customer

    def _ledger(self, customer: Customer) -> Customer:
        """The customer as the freshest ledger this device has: the server's as last pulled
        plus this device's pending work (called under the lock)."""
        today = self.rules.calendar.local_date(self.clock.now())
        return intake.ledger_customer(self.store, self.rules, customer, today)

    def incident_detail(self, incident_id: str) -> IncidentDetail:
        with self._lock:
            incident = self.store.incident(incident_id)
            return IncidentDetail(
                incident,
                self._customer_or_none(incident.customer_id),
                self.store.sessions(customer_id=incident.customer_id, incident_id=incident.id),
                frozenset(r.entity_id for r in list_rejections(self.store)),
            )

    def customer_detail(self, customer_id: str) -> tuple[Customer, list[Incident]]:
        with self._lock:
            return (
                self._ledger(self.store.customer(customer_id)),
                self.store.incidents_for_customer(customer_id),
            )

    def pending_count(self) -> int:
        return int(self.locked(self.store.pending_count))

    def running_net(
        self, timer: Timer, incident: Incident | None, customer: Customer | None, now: datetime
    ) -> Decimal | None:
        """The net cost of the timer if it stopped now; None when it cannot be priced."""
        segments = timer_rules.segments_until(timer, now)
        if incident is None or customer is None or not segments:
            return None
        try:
            quote = timer_rules.price_for(self.rules, incident, customer, timer.channel, segments)
        except VardiaError:
            return None
        return quote.net

    # ---- intake -----------------------------------------------------------------------

    def assess(
        self, customer_id: str, category: Category, via: Channel, scope_reason: str | None
    ) -> Assessment:
        """What opening an incident now would give, before the person decides anything."""
        with self._lock:
            customer = self._ledger(self.store.customer(customer_id))
        now = self.clock.now()
        request = IntakeRequest(
            customer_id=customer_id,
            subject="",
            category=category,
            requested_via=via,
            # The preview shows what a blocked customer would get once overridden.
            override_reason="preview" if customer.overdue_amount > 0 else None,
            scope_override_reason=scope_reason,
        )
        exhausted = False
        try:
            eligibility = intake.assess(self.rules, customer, request, now)
        except NoPremiumLeftError:
            exhausted = True
            request = replace(request, bill_without_premium=True)
            eligibility = intake.assess(self.rules, customer, request, now)
        due = intake.sla_at_opening(self.rules, customer, now)
        return Assessment(
            customer_id=customer_id,
            eligibility=eligibility,
            premium_exhausted=exhausted,
            included=self.included_hours(customer),
            credit=customer.prepaid_credit,
            warn_at=due.warn_at,
            deadline=due.deadline,
            assessed_at=now,
            ledger_as_of=customer.ledger_as_of,
            after_hours=not self.rules.calendar.is_support_time(now),
        )

    def open_incident(self, form: IntakeForm) -> Incident:
        request = IntakeRequest(
            customer_id=form.customer_id,
            subject=form.subject,
            description=form.description,
            category=form.category,
            requested_via=form.requested_via,
            prerequisites=Prerequisites(backups=form.backups, no_third_party=form.no_third_party),
            override_reason=form.override_reason,
            scope_override_reason=form.scope_override_reason,
            bill_without_premium=form.bill_without_premium,
        )
        return self.locked(intake.open_incident, self.store, self.rules, request)

    # ---- incidents and the timer ------------------------------------------------------

    def acknowledge(self, incident_id: str) -> Incident:
        return self.set_status(incident_id, IncidentStatus.ACKNOWLEDGED)

    def set_status(self, incident_id: str, status: IncidentStatus) -> Incident:
        return self.locked(incidents.change_status, self.store, incident_id, status)

    def assign_to_me(self, incident_id: str) -> Incident:
        return self.locked(incidents.assign, self.store, self.rules, incident_id, self.technician)

    def add_note(self, incident_id: str, text: str) -> Note:
        return self.locked(incidents.add_note, self.store, self.rules, incident_id, text)

    def start_timer(
        self, incident_id: str, channel: Channel, if_running: timer_rules.IfRunning | None = None
    ) -> Timer:
        return self.locked(
            timer_rules.start, self.store, self.rules, incident_id, channel, if_running=if_running
        )

    def pause_timer(self) -> Timer:
        return self.locked(timer_rules.pause, self.store)

    def resume_timer(self) -> Timer:
        return self.locked(timer_rules.resume, self.store)

    def discard_timer(self) -> Timer:
        return self.locked(timer_rules.discard, self.store)

    def restore_timer(self, timer: Timer) -> Timer:
        return self.locked(timer_rules.restore, self.store, timer)

    def add_session(self, incident_id: str, form: SessionForm) -> Session:
        return self.locked(
            sessions.add_session,
            self.store,
            self.rules,
            incident_id,
            form.channel,
            form.segments,
            reason=form.reason,
        )

    def edit_session(self, session_id: str, form: SessionForm) -> Session:
        """Change a session as the editor says; no time at all deletes it (kept in history)."""
        if not form.segments:
            return self.locked(
                sessions.delete_session, self.store, self.rules, session_id, reason=form.reason
            )
        return self.locked(
            timer_rules.edit_session,
            self.store,
            self.rules,
            session_id,
            segments=form.segments,
            channel=form.channel,
            reason=form.reason,
        )

    def revert_session(self, session_id: str, reason: str) -> Session:
        return self.locked(
            sessions.revert_last_edit, self.store, self.rules, session_id, reason=reason
        )

    def stop_timer(self, note: str, expenses: Expenses) -> Session:
        return self.locked(timer_rules.stop, self.store, self.rules, note=note, expenses=expenses)

    def statement(
        self, customer_id: str, month: Month, client: SyncClient | None, *, issue: bool = False
    ) -> Statement:
        """The server's statement when ``client`` reaches it, else this store's, partial;
        ``issue``: as a document the server numbers (this store's is a draft).

        The request waits outside the lock: screens reload meanwhile.
        """
        found, _reason = statement_for(
            client,
            lambda: self.locked(held_statement, self.store, self.rules, customer_id, month),
            customer_id,
            month,
            issue=issue,
            send_first=not self.store.read_only,
        )
        return found

    def week_report(self, week: IsoWeek, technician: str | None) -> WeekReport:
        return self.locked(load_week_report, self.store, self.rules, week, technician)

    def week_technicians(self, week: IsoWeek) -> list[str]:
        """Whose week can be reported: this technician, and each with sessions around it."""
        found = self.locked(week_technicians, self.store, week)
        return [self.technician, *(t for t in found if t != self.technician)]

    # ---- sync -------------------------------------------------------------------------

    def take_price_list(self, config_dir: Path | None) -> bool:
        """After a sync round: if it brought a new price list, the rules follow it from now
        on (new work is priced and timed by it); whether they changed."""
        with self._lock:
            version = held_version(self.store)
            if version == self._price_list:
                return False
            self.rules = load_rules_for(config_dir, self.store)
            self._price_list = version
        return True

    def sync_round(self, client: SyncClient) -> tuple[float, SyncStatus]:
        """One background sync round; never raises a SyncError (the state records it).

        Not under the desk's lock: the client takes it (shared) only around store calls,
        so screens reload while a request waits on the network.
        """
        delay = client.run_once()
        return delay, client.status()

    def conflicts(self) -> list[Conflict]:
        """The conflicts to decide on; one on a field that follows another is settled with it."""
        return [c for c in self.locked(list_conflicts, self.store) if c.field not in FOLLOWING]

    def dismiss_conflict(self, conflict: Conflict) -> None:
        """Forget the conflict and those its change brought along (a first response time)."""
        with self._lock:
            for kept in list_conflicts(self.store):
                if kept.id == conflict.id or (
                    kept.op_id == conflict.op_id and kept.field in FOLLOWING
                ):
                    dismiss_conflict(self.store, kept.id)

    def reapply_conflict(self, conflict: Conflict) -> Incident:
        """Make the rejected local value a new change, then forget the conflict."""
        if conflict.field == "status":
            incident = self.set_status(conflict.incident_id, IncidentStatus(conflict.local))
        elif conflict.field == "assignee":
            incident = self.locked(
                incidents.assign, self.store, self.rules, conflict.incident_id, conflict.local
            )
        else:
            raise InputError(
                _("A change to {field} cannot be reapplied here; dismiss it instead.").format(
                    field=conflict.field
                )
            )
        self.dismiss_conflict(conflict)
        return incident

    def refused(self) -> list[RefusedItem]:
        """The refused work kept on this device, oldest first, each said in words."""
        with self._lock:
            return [
                RefusedItem(r, refused_work.describe(self.store, r))
                for r in refused_work.refused(self.store)
            ]

    def refused_count(self) -> int:
        return len(self.locked(list_rejections, self.store))

    def refused_fields(self, rejection: Rejection) -> list[refused_work.Field]:
        return refused_work.fields(rejection, self.rules)

    def resend(self, rejection: Rejection, values: dict[str, str]) -> Operation:
        """Queue the refused work again, corrected; InputError while it breaks the bounds."""
        return self.locked(refused_work.resend, self.store, self.rules, rejection, values)

    def discard_refused(self, rejection: Rejection) -> None:
        self.locked(refused_work.discard, self.store, rejection)

    def copy_refused(self, rejection: Rejection) -> tuple[str, str]:
        """The refused work as JSON text, and the file in the data folder it was saved to."""
        path = self.locked(refused_work.save_copy, self.store, rejection)
        return refused_work.copy_text(rejection), str(path)

    def included_hours(self, customer: Customer) -> list[str]:
        """Per channel with included hours: used and left this contract year, as text.

        ``customer`` as ``customer_detail`` and ``assess`` read it, with the device's ledger.
        """
        contract = customer.contract
        today = self.rules.calendar.local_date(self.clock.now())
        # A plan not in force includes nothing: the customer is served as free.
        if (
            contract is None
            or contract.plan not in self.rules.plans
            or not intake.contract_in_force(customer, today)
        ):
            return []
        plan = self.rules.plans.plan(contract.plan)
        used = intake.current_entitlements(self.rules, customer, today).included_used_hours
        found: list[str] = []
        for channel, terms in plan.channels.items():
            if terms.included_hours:
                spent = used.get(channel, Decimal(0))
                left = max(Decimal(0), terms.included_hours - spent)
                found.append(
                    _("{channel}: {used} of {total} h used, {left} h left").format(
                        channel=CHANNEL_LABELS[channel],
                        used=quantity(spent),
                        total=quantity(terms.included_hours),
                        left=quantity(left),
                    )
                )
        return found
