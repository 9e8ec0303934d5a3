"""App-wide messages: workers and screens report up, the app sets attributes down."""

from __future__ import annotations

from collections.abc import Sequence

from textual.message import Message

from core.models import Customer, Incident, Timer

__all__ = [
    "ChangeFailed",
    "Changed",
    "QueueLoaded",
    "SyncRoundDone",
    "TimerLoaded",
]


class QueueLoaded(Message):
    """The open incidents and the customers were read from the store."""

    def __init__(self, incidents: Sequence[Incident], customers: dict[str, Customer]) -> None:
        super().__init__()
        self.incidents = incidents
        self.customers = customers


class TimerLoaded(Message):
    """The timer on disk, with the incident and customer it runs for (all None when idle)."""

    def __init__(
        self, timer: Timer | None, incident: Incident | None, customer: Customer | None
    ) -> None:
        super().__init__()
        self.timer = timer
        self.incident = incident
        self.customer = customer


class Changed(Message):
    """A local change was saved (``result`` is what it made); screens reload, a sync is due."""

    def __init__(self, summary: str, result: object = None) -> None:
        super().__init__()
        self.summary = summary
        self.result = result


class ChangeFailed(Message):
    """A change was refused or could not be saved; ``reason`` is one sentence for the person."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class SyncRoundDone(Message):
    """The sync worker finished a round: reachable or not, pending, conflicts, next round in.

    Not ``core.sync.client.SyncReport`` (what one push and pull did): this is what the
    header shows after a round, whatever the round did.
    """

    def __init__(
        self,
        *,
        configured: bool,
        online: bool,
        pending: int,
        conflicts: int,
        last_error: str | None,
        next_in: float | None,
    ) -> None:
        super().__init__()
        self.configured = configured
        self.online = online
        self.pending = pending
        self.conflicts = conflicts
        self.last_error = last_error
        self.next_in = next_in
