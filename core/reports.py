"""Builds a week of a technician's (or the team's) work: hours, incidents, breaches.

Readings of what the records do not say outright:

- Hours are measured time, the segments as recorded (not rounded up to the billing unit,
  not weighted by the after-hours surcharge); a segment across midnight or across the
  week's edge counts on each day for the part that falls in it.
- An incident counts as opened in the week when it was opened then (by the technician,
  when one is named), and as resolved when it is resolved or closed and was last changed
  in the week (by its assignee, when a technician is named).
- A breach is an incident whose response deadline fell in the week (up to now) with no
  first response before it; a technician's breaches are those assigned to them (or
  opened by them, while unassigned).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict

from core.calendar import SupportCalendar
from core.models import Customer, Incident, IncidentStatus, Session
from core.periods import IsoWeek

if TYPE_CHECKING:
    from core.rules import Rules
    from core.store import Store

__all__ = [
    "Breakdown",
    "DayHours",
    "IncidentEntry",
    "WeekReport",
    "build_week_report",
    "load_week_report",
    "week_technicians",
]

_DAY = timedelta(days=1)
_DONE = frozenset({IncidentStatus.RESOLVED, IncidentStatus.CLOSED})


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)


class DayHours(_Out):
    """The measured time of one day, in and after support hours, in minutes."""

    day: date
    working_day: bool
    in_hours_minutes: Decimal
    after_hours_minutes: Decimal
    total_minutes: Decimal


class Breakdown(_Out):
    """The measured time spent for one customer or on one channel, in minutes."""

    key: str
    label: str
    sessions: int
    in_hours_minutes: Decimal
    after_hours_minutes: Decimal
    total_minutes: Decimal


class IncidentEntry(_Out):
    """An incident as the report lists it, with the instant it is listed for."""

    id: str
    ref: str
    customer_id: str
    subject: str
    at: datetime
    assignee: str | None


class WeekReport(_Out):
    """A week of a technician's (or, with none named, the team's) work."""

    week: str
    technician: str | None
    period_start: datetime
    period_end: datetime
    days: tuple[DayHours, ...]
    customers: tuple[Breakdown, ...]
    channels: tuple[Breakdown, ...]
    sessions: int
    in_hours_minutes: Decimal
    after_hours_minutes: Decimal
    total_minutes: Decimal
    opened: tuple[IncidentEntry, ...]
    resolved: tuple[IncidentEntry, ...]
    breaches: tuple[IncidentEntry, ...]


def _minutes(span: timedelta) -> Decimal:
    return (Decimal(span // timedelta(microseconds=1)) / 60_000_000).quantize(Decimal("0.01"))


class _Tally:
    """In-hours and after-hours time, and how many sessions it came from."""

    __slots__ = ("after_hours", "in_hours", "sessions")

    def __init__(self) -> None:
        self.in_hours = timedelta()
        self.after_hours = timedelta()
        self.sessions = 0

    def breakdown(self, key: str, label: str) -> Breakdown:
        return Breakdown(
            key=key,
            label=label,
            sessions=self.sessions,
            in_hours_minutes=_minutes(self.in_hours),
            after_hours_minutes=_minutes(self.after_hours),
            total_minutes=_minutes(self.in_hours + self.after_hours),
        )


def _entry(incident: Incident, at: datetime) -> IncidentEntry:
    return IncidentEntry(
        id=incident.id,
        ref=incident.ref,
        customer_id=incident.customer_id,
        subject=incident.subject,
        at=at,
        assignee=incident.assignee,
    )


def build_week_report(
    week: IsoWeek,
    sessions: Iterable[Session],
    incidents: Iterable[Incident],
    calendar: SupportCalendar,
    *,
    now: datetime,
    technician: str | None = None,
    customers: Mapping[str, Customer] | None = None,
) -> WeekReport:
    """The week's report for ``technician``, or for everyone when None.

    ``sessions`` and ``incidents`` may hold more than the week: what falls outside it,
    or belongs to another technician, is left out here.
    """
    tz = calendar.tz
    start, end = week.start(tz), week.end(tz)
    days = {d: _Tally() for d in week.days}
    per_customer: dict[str, _Tally] = {}
    per_channel: dict[str, _Tally] = {}
    total = _Tally()
    for session in sessions:
        if technician is not None and session.technician != technician:
            continue
        tallies = (
            per_customer.setdefault(session.customer_id, _Tally()),
            per_channel.setdefault(session.channel.value, _Tally()),
            total,
        )
        counted = False
        for segment in session.segments:
            seg_start, seg_end = max(segment.start, start), min(segment.end, end)
            if seg_start >= seg_end:
                continue
            counted = True
            for piece in calendar.pieces(seg_start, seg_end):
                # A piece never spans a support-hours edge, but an after-hours piece spans
                # nights: cut it at local midnights to give each day its part.
                cursor = piece.start
                while cursor < piece.end:
                    day = calendar.local_date(cursor)
                    midnight = datetime.combine(day + _DAY, time(), tz).astimezone(UTC)
                    cut = min(piece.end, midnight)
                    for tally in (days[day], *tallies):
                        if piece.in_hours:
                            tally.in_hours += cut - cursor
                        else:
                            tally.after_hours += cut - cursor
                    cursor = cut
        if counted:
            for tally in tallies:
                tally.sessions += 1
    names = customers or {}

    def label(customer_id: str) -> str:
        found = names.get(customer_id)
        return found.name if found else customer_id

    opened: list[IncidentEntry] = []
    resolved: list[IncidentEntry] = []
    breaches: list[IncidentEntry] = []
    horizon = min(now, end)
    for incident in incidents:
        owner = incident.assignee or incident.opened_by
        if start <= incident.opened_at < end and technician in (None, incident.opened_by):
            opened.append(_entry(incident, incident.opened_at))
        if (
            incident.status in _DONE
            and start <= incident.updated_at < end
            and technician in (None, incident.assignee)
        ):
            resolved.append(_entry(incident, incident.updated_at))
        responded = incident.first_response_at
        if (
            start <= incident.deadline < horizon
            and (responded is None or responded > incident.deadline)
            and technician in (None, owner)
        ):
            breaches.append(_entry(incident, incident.deadline))
    for found in (opened, resolved, breaches):
        found.sort(key=lambda e: (e.at, e.ref))
    return WeekReport(
        week=str(week),
        technician=technician,
        period_start=start,
        period_end=end,
        days=tuple(
            DayHours(
                day=d,
                working_day=calendar.is_working_day(d),
                in_hours_minutes=_minutes(t.in_hours),
                after_hours_minutes=_minutes(t.after_hours),
                total_minutes=_minutes(t.in_hours + t.after_hours),
            )
            for d, t in days.items()
        ),
        customers=tuple(
            sorted(
                (t.breakdown(k, label(k)) for k, t in per_customer.items() if t.sessions),
                key=lambda b: (-b.total_minutes, b.label),
            )
        ),
        channels=tuple(
            sorted(
                (t.breakdown(k, k) for k, t in per_channel.items() if t.sessions),
                key=lambda b: (-b.total_minutes, b.label),
            )
        ),
        sessions=total.sessions,
        in_hours_minutes=_minutes(total.in_hours),
        after_hours_minutes=_minutes(total.after_hours),
        total_minutes=_minutes(total.in_hours + total.after_hours),
        opened=tuple(opened),
        resolved=tuple(resolved),
        breaches=tuple(breaches),
    )


def week_technicians(store: Store, week: IsoWeek) -> list[str]:
    """The technicians with sessions in the week's months: those a report can be for."""
    return sorted({s.technician for m in week.months for s in store.sessions(month=str(m))})


def load_week_report(
    store: Store, rules: Rules, week: IsoWeek, technician: str | None
) -> WeekReport:
    """The week's report for a technician (or the team), from what the store holds."""
    sessions = [s for m in week.months for s in store.sessions(month=str(m), technician=technician)]
    customers = {c.id: c for c in store.customers()}
    incidents = {i.id: i for i in store.open_incidents()}
    for customer_id in customers:
        incidents.update((i.id, i) for i in store.incidents_for_customer(customer_id))
    return build_week_report(
        week,
        sessions,
        incidents.values(),
        rules.calendar,
        now=store.clock.now(),
        technician=technician,
        customers=customers,
    )
