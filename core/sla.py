"""When an incident is due: its SLA targets, its state now, and the queue order (SPEC §4).

How the spec was read where it leaves room:

- Targets are fixed from the plan in force when the incident is opened; ``targets``
  walks that plan's clock from the opening instant (the clock starts at the next
  instant it runs when the incident is opened outside it).
- The *due time* is the response deadline until the first response, then the
  resolution target when the plan sets one, else none.
- An incident is *breached* strictly after its due time (a response at the deadline
  is on time) and *warned* from its warning instant on; the warning only applies to
  the response, since plans set no warning for resolution.
- ``queue_order`` orders what it is given; the caller passes the open incidents.
  Ties are broken by opening instant, then id, so the order is stable. Only an
  incident's rank moves with time, and only at its ``changes``: a queue kept between
  those instants needs no sort (``tui.live_queue``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar

from core.rules import Rules

__all__ = [
    "QueueKey",
    "Scheduled",
    "SlaState",
    "SlaTargets",
    "changes",
    "due_at",
    "progress",
    "queue_key",
    "queue_order",
    "state",
    "targets",
]

QueueKey = tuple[int, float, float, str]
"""Where an incident sorts in the queue: rank, due time, opening, id (unique by the id)."""


class SlaState(StrEnum):
    """Where an incident stands against its due time."""

    BREACHED = "breached"
    WARNED = "warned"
    ON_TIME = "on_time"


_RANK = {SlaState.BREACHED: 0, SlaState.WARNED: 1, SlaState.ON_TIME: 2}


class Scheduled(Protocol):
    """What the SLA reads of an incident: an ``Incident`` or the queue's ``QueueEntry``."""

    @property
    def id(self) -> str: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def plan(self) -> str: ...
    @property
    def warn_at(self) -> datetime: ...
    @property
    def deadline(self) -> datetime: ...
    @property
    def resolve_by(self) -> datetime | None: ...
    @property
    def first_response_at(self) -> datetime | None: ...


S = TypeVar("S", bound=Scheduled)


@dataclass(frozen=True, slots=True)
class SlaTargets:
    """The instants fixed when an incident is opened, in the calendar's time zone."""

    warn_at: datetime
    deadline: datetime
    resolve_by: datetime | None


def targets(rules: Rules, plan_id: str, opened: datetime) -> SlaTargets:
    """The warning, response deadline and resolution target of an incident opened now."""
    sla = rules.plans.plan(plan_id).sla
    calendar = rules.calendar
    resolve = sla.resolve
    return SlaTargets(
        warn_at=calendar.advance(sla.clock, opened, sla.warn),
        deadline=calendar.advance(sla.clock, opened, sla.deadline),
        resolve_by=None if resolve is None else calendar.advance(sla.clock, opened, resolve),
    )


def due_at(incident: Scheduled) -> datetime | None:
    """The response deadline until the first response, then the resolution target if any."""
    if incident.first_response_at is None:
        return incident.deadline
    return incident.resolve_by


def progress(rules: Rules, incident: Scheduled, now: datetime) -> float | None:
    """The share (0 to 1) of the time to the due instant used, counted on the plan's SLA clock."""
    due = due_at(incident)
    if due is None:
        return None
    clock = rules.plans.plan(incident.plan).sla.clock
    calendar = rules.calendar
    total = calendar.counted(clock, incident.opened_at, due)
    if not total:
        return 1.0 if now >= due else 0.0
    used = calendar.counted(clock, incident.opened_at, min(now, due))
    return used / total


def state(incident: Scheduled, now: datetime) -> SlaState:
    """Breached after the due time, warned from the warning on, else on time."""
    due = due_at(incident)
    if due is not None and now > due:
        return SlaState.BREACHED
    if incident.first_response_at is None and now >= incident.warn_at:
        return SlaState.WARNED
    return SlaState.ON_TIME


def changes(incident: Scheduled) -> list[tuple[datetime, bool]]:
    """The instants at which ``state`` may change, each with whether it changes only after it.

    Warned from the warning instant on (while there is no first response), breached
    strictly after the due time.
    """
    found = []
    if incident.first_response_at is None:
        found.append((incident.warn_at, False))
    due = due_at(incident)
    if due is not None:
        found.append((due, True))
    return found


def queue_key(incident: Scheduled, now: datetime) -> QueueKey:
    """Breached, warned, then the rest, each by due time; those with none last, oldest first."""
    due = due_at(incident)
    opened = incident.opened_at.timestamp()
    if due is None:
        return (len(_RANK), 0.0, opened, incident.id)
    return (_RANK[state(incident, now)], due.timestamp(), opened, incident.id)


def queue_order(incidents: Iterable[S], now: datetime) -> list[S]:
    """The incidents in queue order (``queue_key``)."""
    return sorted(incidents, key=lambda incident: queue_key(incident, now))
