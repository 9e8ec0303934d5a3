"""Where vardia reads the time: a real clock in use, a frozen or stepped one in tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FrozenClock", "SystemClock", "worked"]


def worked(
    spans: Iterable[tuple[datetime, datetime]], running_since: datetime | None, now: datetime
) -> timedelta:
    """Real time in closed spans plus the one running since ``running_since`` (until ``now``):
    what a timer reads, from its models (``core.timer``) or its file (``core.store.glance``)."""
    running = () if running_since is None else ((running_since, max(now, running_since)),)
    return sum((end - start for start, end in (*spans, *running)), timedelta())


class Clock(Protocol):
    """Tells the current instant, always timezone-aware."""

    def now(self) -> datetime: ...


class SystemClock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs a timezone-aware instant")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at
