"""The queue's order kept current as time passes, sorted once when the rows are loaded.

An incident changes rank only when one of its SLA thresholds passes (``core.sla.changes``);
within a rank the order is fixed by due time, opening and id. So a tick that crosses a
threshold moves only the incidents whose threshold it crossed, each by a bisection out
and one in, in the whole queue and in a filtered view of it alike: at 50,000 open
incidents a threshold costs what its own rows cost, not a sort.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from core import sla
from core.sla import QueueKey
from tui.widgets.queue_table import QueueRow

__all__ = ["LiveQueue", "Ordered", "RowFilter"]

RowFilter = Callable[[QueueRow, datetime], bool]
"""Whether a row is shown at an instant (a breached-only filter depends on the instant)."""


class Ordered:
    """Rows in queue order beside their sort keys, found and moved by bisection."""

    def __init__(self, keyed: Iterable[tuple[QueueKey, QueueRow]]) -> None:
        self.keys: list[QueueKey] = []
        self.rows: list[QueueRow] = []
        for key, row in keyed:
            self.keys.append(key)
            self.rows.append(row)

    def __len__(self) -> int:
        return len(self.rows)

    def find(self, key: QueueKey) -> int | None:
        at = bisect_left(self.keys, key)
        return at if at < len(self.keys) and self.keys[at] == key else None

    def move(self, old: QueueKey, new: QueueKey, row: QueueRow, shown: bool) -> None:
        """Take the row out from under ``old`` and, if ``shown``, put it back under ``new``."""
        at = self.find(old)
        if at is not None:
            del self.keys[at], self.rows[at]
        if shown:
            at = bisect_left(self.keys, new)
            self.keys.insert(at, new)
            self.rows.insert(at, row)


class LiveQueue:
    """Every open incident's row in queue order, and the thresholds still ahead of it."""

    def __init__(self, rows: Iterable[QueueRow], now: datetime) -> None:
        keyed = sorted((sla.queue_key(row.incident, now), row) for row in rows)
        self.all = Ordered(keyed)
        self._placed = {row.incident.id: (key, row) for key, row in keyed}
        """Each row by incident id, with its key now."""
        self._ahead = [
            (instant, after, row.incident.id)
            for _key, row in keyed
            for instant, after in sla.changes(row.incident)
            if not _passed(instant, after, now)
        ]
        heapq.heapify(self._ahead)

    def key_of(self, incident_id: str) -> QueueKey | None:
        placed = self._placed.get(incident_id)
        return None if placed is None else placed[0]

    def where(self, keep: RowFilter, now: datetime) -> Ordered:
        """The rows ``keep`` shows, in order: a view that ``advance`` keeps in step."""
        pairs = zip(self.all.keys, self.all.rows, strict=True)
        return Ordered((key, row) for key, row in pairs if keep(row, now))

    def crossed(self, now: datetime) -> bool:
        """Whether a threshold has passed since the rows were last put in order."""
        return bool(self._ahead) and _passed(self._ahead[0][0], self._ahead[0][1], now)

    def advance(
        self, now: datetime, views: Sequence[tuple[Ordered, RowFilter]] = ()
    ) -> list[QueueRow]:
        """Move the rows whose thresholds have passed, here and in each filtered view; the
        rows moved, whose SLA state changed."""
        moved = []
        while self.crossed(now):
            _instant, _after, incident_id = heapq.heappop(self._ahead)
            old, row = self._placed[incident_id]
            new = sla.queue_key(row.incident, now)
            if new == old:
                continue
            self._placed[incident_id] = (new, row)
            self.all.move(old, new, row, True)
            for view, keep in views:
                view.move(old, new, row, keep(row, now))
            moved.append(row)
        return moved


def _passed(instant: datetime, after: bool, now: datetime) -> bool:
    return now > instant if after else now >= instant
