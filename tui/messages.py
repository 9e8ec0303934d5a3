"""App-wide messages: workers and screens report up, the app sets attributes down.

A screen's own requests are messages nested in its class (``IncidentScreen.Acknowledge``);
those that several screens make share a base here, so one handler of the app serves them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from core.queue_entry import QueueEntry

if TYPE_CHECKING:
    from tui.desk import TimerState
    from tui.widgets.status import SyncView

__all__ = [
    "Changed",
    "CustomerRequest",
    "IncidentRequest",
    "PendingCounted",
    "QueueLoaded",
    "ScreenShown",
    "ServerBack",
    "StoreChanged",
    "SyncRoundDone",
    "TimerLoaded",
    "Undo",
    "WorkFailed",
]


class IncidentRequest(Message):
    """A screen asks the app to do something to, or with, one incident."""

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id


class CustomerRequest(Message):
    """A screen asks the app to do something with one customer."""

    def __init__(self, customer_id: str) -> None:
        super().__init__()
        self.customer_id = customer_id


class ScreenShown(Message):
    """A desk screen came back on top: its bars want the current status at once."""


class QueueLoaded(Message):
    """The open incidents (as the queue shows them) and the customers' names were read."""

    def __init__(self, incidents: Sequence[QueueEntry], customers: dict[str, str]) -> None:
        super().__init__()
        self.incidents = incidents
        self.customers = customers


class TimerLoaded(Message):
    """The timer on disk, with the incident and customer it runs for (None when idle)."""

    def __init__(self, state: TimerState | None) -> None:
        super().__init__()
        self.state = state


class PendingCounted(Message):
    """How many local changes wait to be sent, and how many were refused, counted at once
    after a change."""

    def __init__(self, pending: int, refused: int = 0) -> None:
        super().__init__()
        self.pending = pending
        self.refused = refused


class Changed(Message):
    """A local change was saved (``result`` is what it made); screens reload, a sync is due."""

    def __init__(self, summary: str, result: object = None, undo: Undo | str = "") -> None:
        super().__init__()
        self.summary = summary
        self.result = result
        self.undo = undo


@dataclass(frozen=True)
class Undo:
    """How to revert the last change: ``summary`` says it was, ``work`` does it."""

    summary: str
    work: Callable[[], object]


class WorkFailed(Message):
    """A worker's job was refused or failed: ``reason`` is one sentence for the person.

    Changes, reads and unexpected errors alike end here, and the app reports them in one
    handler; a screen may also show the sentence in place of what it could not read.
    """

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class SyncRoundDone(Message):
    """The sync worker finished a round: what the header shows now, and the next round in.

    Not ``core.sync.client.SyncReport`` (what one push and pull did): this is what the
    header shows after a round, whatever the round did. ``price_list_changed``: the round
    brought a new price list, which the desk's rules now follow.
    """

    def __init__(
        self, view: SyncView, next_in: float | None, *, price_list_changed: bool = False
    ) -> None:
        super().__init__()
        self.view = view
        self.next_in = next_in
        self.price_list_changed = price_list_changed


class StoreChanged(Message):
    """Read-only: the vardia that writes the data committed a change since it was shown."""

    def __init__(self, stamp: object) -> None:
        super().__init__()
        self.stamp = stamp


class ServerBack(Message):
    """The offline probe reached the server: sync now rather than at the backoff's turn."""
