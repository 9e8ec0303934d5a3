"""The queue's order kept current as time passes, sorted once when the rows are first loaded.

An incident changes rank only when one of its SLA thresholds passes (``core.sla.changes``);
within a rank the order is fixed by due time, opening and id. So a tick that crosses a
threshold moves only the incidents whose threshold it crossed, each by a bisection out
and one in, in the whole queue and in a filtered view of it alike: at 50,000 open
incidents a threshold costs what its own rows cost, not a sort. A later load (after a
change, or a sync) moves the same way only the rows it changed.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
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

    def move(self, old: QueueKey | None, new: QueueKey, row: QueueRow, shown: bool) -> None:
        """Take the row out from under ``old`` (if any) and, if ``shown``, put it back under
        ``new``."""
        at = None if old is None else self.find(old)
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
        self._ahead = [threshold for _key, row in keyed for threshold in _thresholds(row, now)]
        heapq.heapify(self._ahead)

    def key_of(self, incident_id: str) -> QueueKey | None:
        placed = self._placed.get(incident_id)
        return None if placed is None else placed[0]

    def row_of(self, incident_id: str) -> QueueRow | None:
        placed = self._placed.get(incident_id)
        return None if placed is None else placed[1]

    def update(self, rows: Iterable[QueueRow], now: datetime) -> LiveQueue:
        """The queue of a new load of the rows. A row that is the one placed stays where it
        is; the others go in (or out, for incidents no longer listed) by bisection, with
        their thresholds ahead: a change to one incident costs its own row, not a sort.
        When most rows are new the whole queue is sorted again instead."""
        rows = list(rows)
        placed = self._placed
        new = [row for row in rows if placed.get(row.incident.id, (None, None))[1] is not row]
        if len(new) > len(rows) // 8:
            return LiveQueue(rows, now)
        listed = {row.incident.id for row in rows}
        for incident_id in placed.keys() - listed:
            key, row = placed.pop(incident_id)
            self.all.move(key, key, row, False)
        for row in new:
            known = placed.get(row.incident.id)
            key = sla.queue_key(row.incident, now)
            self.all.move(None if known is None else known[0], key, row, True)
            placed[row.incident.id] = (key, row)
            for threshold in _thresholds(row, now):
                heapq.heappush(self._ahead, threshold)
        return self

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
            placed = self._placed.get(incident_id)
            if placed is None:
                continue  # no longer listed
            old, row = placed
            new = sla.queue_key(row.incident, now)
            if new == old:
                continue
            self._placed[incident_id] = (new, row)
            self.all.move(old, new, row, True)
            for view, keep in views:
                view.move(old, new, row, keep(row, now))
            moved.append(row)
        return moved


def _thresholds(row: QueueRow, now: datetime) -> Iterator[tuple[datetime, bool, str]]:
    """The row's thresholds still ahead at ``now``, as the heap holds them."""
    for instant, after in sla.changes(row.incident):
        if not _passed(instant, after, now):
            yield instant, after, row.incident.id


def _passed(instant: datetime, after: bool, now: datetime) -> bool:
    return now > instant if after else now >= instant
