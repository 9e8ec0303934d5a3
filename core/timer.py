"""The technician's timer: start, pause, resume, stop — on disk from its first second (SPEC §5).

Stopping prices the session with the rules engine against the customer's ledger as this
device knows it (``core.intake.ledger_customer``), saves it with its outbox op and clears the
timer, all in one committed change. The price is provisional: the server prices the session
again on its ledger, and that price is the one owed (SPEC §7.1).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from core.clock import worked
from core.errors import InputError, RuleError, TimerError
from core.i18n import _
from core.ids import new_id
from core.incidents import claim
from core.intake import current_entitlements, ledger_customer
from core.ledger import billed_quote
from core.models import (
    OPEN_STATUSES,
    STATUS_LABELS,
    Channel,
    Customer,
    Expenses,
    Incident,
    Quote,
    Segment,
    Session,
    SessionEdit,
    Timer,
)
from core.pricing import price_session
from core.rules import Rules
from core.store import Store
from core.sync.protocol import OperationKind

__all__ = [
    "IfRunning",
    "debit",
    "discard",
    "edit_session",
    "elapsed",
    "pause",
    "price_for",
    "record",
    "restore",
    "resume",
    "segments_until",
    "start",
    "stop",
]

ZERO = Decimal(0)


class IfRunning(StrEnum):
    """What to do with the running timer when another start is asked for."""

    STOP = "stop"
    DISCARD = "discard"


def segments_until(timer: Timer, now: datetime) -> tuple[Segment, ...]:
    """The timer's segments, the running one closed at ``now``."""
    if timer.running_since is None:
        return timer.segments
    return (*timer.segments, Segment(start=timer.running_since, end=max(now, timer.running_since)))


def elapsed(timer: Timer, now: datetime) -> timedelta:
    """Real time worked so far, across pauses."""
    return worked(((s.start, s.end) for s in timer.segments), timer.running_since, now)


def _current(store: Store) -> Timer:
    timer = store.timer()
    if timer is None:
        raise TimerError(_("No timer is running; start one with `vardia timer start REF`."))
    return timer


def start(
    store: Store,
    rules: Rules,
    ref: str,
    channel: Channel,
    *,
    if_running: IfRunning | None = None,
) -> Timer:
    """Start timing work on an incident; a running timer must be stopped or discarded first.

    With ``[timer] claims_incident`` (the default) starting also takes the incident on
    (``core.incidents.claim``): assigned to this technician if nobody holds it, its first
    response recorded if it has none.
    """
    incident = store.incident(ref)
    if incident.status not in OPEN_STATUSES:
        raise TimerError(
            _("Incident {ref} is {status}; reopen it before timing work on it.").format(
                ref=incident.ref, status=STATUS_LABELS[incident.status]
            )
        )
    rules.plans.plan(incident.eligibility.served_as).terms(channel)
    running = store.timer()
    if running is not None:
        if if_running is None:
            on = store.incident(running.incident_id).ref
            raise TimerError(
                _(
                    "A timer is already running on {ref}; stop it or discard it first "
                    "(or start with --stop-running / --discard-running)."
                ).format(ref=on)
            )
        if if_running is IfRunning.STOP:
            stop(store, rules)
        else:
            discard(store)
    if rules.workflow.timer.claims_incident:
        incident = claim(store, incident)
    timer = Timer(
        incident_id=incident.id,
        technician=store.technician,
        channel=channel,
        running_since=store.clock.now(),
        ref=incident.ref,
        subject=incident.subject,
    )
    store.put_timer(timer)
    return timer


def pause(store: Store) -> Timer:
    timer = _current(store)
    if timer.running_since is None:
        raise TimerError(_("The timer is already paused; resume it with `vardia timer resume`."))
    paused = timer.model_copy(
        update={"segments": segments_until(timer, store.clock.now()), "running_since": None}
    )
    store.put_timer(paused)
    return paused


def resume(store: Store) -> Timer:
    timer = _current(store)
    if timer.running_since is not None:
        raise TimerError(_("The timer is already running; pause or stop it."))
    resumed = timer.model_copy(update={"running_since": store.clock.now()})
    store.put_timer(resumed)
    return resumed


def price_for(
    rules: Rules,
    incident: Incident,
    customer: Customer,
    channel: Channel,
    segments: Sequence[Segment],
    expenses: Expenses | None = None,
) -> Quote:
    """Price work on an incident with what the customer has left this contract year."""
    if expenses is not None:
        rules.bounds.check_expenses(expenses, channel)
    plan = rules.plans.plan(incident.eligibility.served_as)
    used = current_entitlements(rules, customer, rules.calendar.local_date(segments[0].start))
    return price_session(
        rules,
        plan.id,
        channel,
        segments,
        included_used_hours=used.included_used_hours.get(channel, ZERO),
        credit=customer.prepaid_credit if plan.prepaid_credit else ZERO,
        premium_covered=incident.eligibility.premium_used,
        expenses=expenses,
        out_of_town=customer.out_of_town and channel is Channel.ONSITE,
    )


def _ledger(store: Store, rules: Rules, customer_id: str, at: datetime) -> Customer:
    """The customer as work at ``at`` finds it, this device's pending work included."""
    on = rules.calendar.local_date(at)
    return ledger_customer(store, rules, store.customer(customer_id), on)


def debit(rules: Rules, customer: Customer, session: Session, sign: int = 1) -> Customer:
    """The customer after a session: included hours used and prepaid credit spent.

    With ``sign=-1``, the customer as if the session had not happened (to re-price an edit).
    """
    on = rules.calendar.local_date(session.segments[0].start)
    used = current_entitlements(rules, customer, on)
    hours = dict(used.included_used_hours)
    if session.quote.included_hours_debited:
        hours[session.channel] = (
            hours.get(session.channel, ZERO) + sign * session.quote.included_hours_debited
        )
    return customer.model_copy(
        update={
            "entitlements": used.model_copy(update={"included_used_hours": hours}),
            "prepaid_credit": customer.prepaid_credit - sign * session.quote.credit_debited,
        }
    )


def stop(
    store: Store,
    rules: Rules,
    *,
    note: str = "",
    expenses: Expenses | None = None,
    at: datetime | None = None,
) -> Session:
    """Stop the timer: price the session, save it, debit the customer's entitlements.

    ``at`` stops it earlier than now, at the time the work ended (a timer left running).
    """
    timer = _current(store)
    now = store.clock.now()
    segments = segments_until(timer, _stop_time(timer, at, now))
    if not segments:
        raise InputError(_("The timer has no recorded time; discard it instead."))
    try:
        rules.bounds.check_segments(segments, now)
    except InputError as error:
        raise InputError(
            _(
                "{problem} If the timer was left running, stop it at the time the work "
                "ended (`vardia timer stop --at HH:MM`), or discard it (`vardia timer discard`)."
            ).format(problem=error)
        ) from None
    incident = store.incident(timer.incident_id)
    return record(
        store,
        rules,
        incident,
        timer.channel,
        segments,
        note=note,
        expenses=expenses,
        clear_timer=True,
    )


def record(
    store: Store,
    rules: Rules,
    incident: Incident,
    channel: Channel,
    segments: Sequence[Segment],
    *,
    note: str = "",
    expenses: Expenses | None = None,
    edits: Sequence[SessionEdit] = (),
    clear_timer: bool = False,
) -> Session:
    """Price work on an incident and save it as this technician's session, queued to sync.

    The timer's stop records its segments (and clears it); work added by hand records the
    typed ones, its reason in ``edits``.
    """
    now = store.clock.now()
    ordered = tuple(sorted(segments, key=lambda segment: segment.start))
    customer = _ledger(store, rules, incident.customer_id, ordered[0].start)
    session = Session(
        id=new_id(),
        incident_id=incident.id,
        customer_id=customer.id,
        technician=store.technician,
        device_id=store.device_id,
        channel=channel,
        segments=ordered,
        note=note.strip(),
        expenses=expenses or Expenses(),
        quote=price_for(rules, incident, customer, channel, ordered, expenses),
        recorded_at=now,
        edits=tuple(edits),
    )
    rules.bounds.check_session(session, now)
    op = store.operation(OperationKind.SESSION_RECORD, session.id, session.model_dump(mode="json"))
    store.commit(op, sessions=[session], clear_timer_of=store.technician if clear_timer else None)
    return session


def _stop_time(timer: Timer, at: datetime | None, now: datetime) -> datetime:
    """When the running segment ends: ``at`` if given and possible, else now."""
    if at is None:
        return now
    if timer.running_since is None:
        raise TimerError(
            _("The timer is paused, so its time already ends at the pause; stop it without --at.")
        )
    if at > now:
        raise InputError(
            _("The stop time {at} is still to come; give the time the work ended.").format(
                at=at.isoformat(timespec="minutes")
            )
        )
    if at < timer.running_since:
        raise InputError(
            _("The stop time {at} is before the timer last started, at {start}.").format(
                at=at.isoformat(timespec="minutes"),
                start=timer.running_since.isoformat(timespec="minutes"),
            )
        )
    return at


def discard(store: Store) -> Timer:
    """Throw the running or paused timer away: it records nothing and sends nothing."""
    timer = _current(store)
    store.discard_timer()
    return timer


def restore(store: Store, timer: Timer) -> Timer:
    """Put back a timer discarded by mistake, as it was; refused while another one exists."""
    running = store.timer()
    if running is not None:
        raise TimerError(
            _("A timer is running now; stop or discard it before the old one comes back.")
        )
    store.put_timer(timer)
    return timer


def edit_session(
    store: Store,
    rules: Rules,
    session_id: str,
    *,
    segments: Sequence[Segment],
    reason: str,
    channel: Channel | None = None,
) -> Session:
    """Change a session's times (or channel) and re-price it, keeping the old values, who and why.

    The vendor's measurement is authoritative (SPEC §5): nothing is overwritten without trace.
    """
    why = reason.strip()
    if not why:
        raise InputError(_("Say why the session's times change; the reason is kept with it."))
    if not segments:
        raise InputError(_("A session needs at least one segment of time."))
    old = store.session(session_id)
    if old.technician != store.technician:
        raise RuleError(
            _("Only {author} can change this session; sessions belong to their author.").format(
                author=old.technician
            )
        )
    incident = store.incident(old.incident_id)
    # The ledger without the session as it was counted: the server's price of it if known.
    counted = old.model_copy(update={"quote": billed_quote(old)})
    ledger = _ledger(store, rules, old.customer_id, old.started_at)
    before = debit(rules, ledger, counted, sign=-1)
    new_channel = channel or old.channel
    ordered = tuple(sorted(segments, key=lambda segment: segment.start))
    now = store.clock.now()
    edit = SessionEdit(
        at=now,
        by=store.technician,
        reason=why,
        old_segments=old.segments,
        old_channel=old.channel,
        old_quote=old.quote,
    )
    edited = old.model_copy(
        update={
            "segments": ordered,
            "channel": new_channel,
            "quote": price_for(rules, incident, before, new_channel, ordered, old.expenses),
            "edits": (*old.edits, edit),
        }
    )
    rules.bounds.check_session(edited, now)
    op = store.operation(OperationKind.SESSION_EDIT, edited.id, edited.model_dump(mode="json"))
    store.commit(op, sessions=[edited], replacing=[old])
    return edited
