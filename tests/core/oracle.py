"""A deliberately simple, per-minute model of the support calendar, to check the fast one against.

It reads the same configuration but shares none of the calendar's logic: it looks at
every minute on its own, in local time, and asks "is this minute open?". Arithmetic runs
in UTC, since adding a minute to a wall-clock time would skip or repeat an hour at a DST
change. Instants must fall on whole minutes (every zone vardia serves has whole-minute
offsets).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

from core.calendar import CalendarConfig, Piece, SlaClock

MINUTE = timedelta(minutes=1)
_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OracleCalendar:
    """Answers like ``SupportCalendar``, one minute at a time."""

    def __init__(self, config: CalendarConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self._holidays = holidays.country_holidays(
            config.holidays_country, subdiv=config.holidays_subdivision
        )

    def is_working_day(self, d: date) -> bool:
        if d in self.config.extra_open:
            return True
        if d in self.config.extra_closed or d in self._holidays:
            return False
        if _NAMES[d.weekday()] not in self.config.support_hours.weekdays:
            return False
        span = self.config.closure.years.get(d.year, self.config.closure)
        if isinstance(span, str):
            return True
        first = date.fromisoformat(f"{d.year}-{span.start}")
        last = date.fromisoformat(f"{d.year}-{span.end}")
        return not first <= d <= last

    def counts(self, clock: SlaClock, at: datetime) -> bool:
        local = at.astimezone(self.tz)
        if not self.is_working_day(local.date()):
            return False
        if clock is SlaClock.WORKING_DAYS:
            return True
        hours = self.config.support_hours
        return hours.opens <= local.time().replace(tzinfo=None) < hours.closes

    def is_support_time(self, at: datetime) -> bool:
        return self.counts(SlaClock.SUPPORT_HOURS, at)

    def pieces(self, start: datetime, end: datetime) -> tuple[Piece, ...]:
        pieces: list[Piece] = []
        at, end = start.astimezone(UTC), end.astimezone(UTC)
        while at < end:
            in_hours = self.is_support_time(at)
            if pieces and pieces[-1].in_hours == in_hours:
                pieces[-1] = Piece(pieces[-1].start, at + MINUTE, in_hours)
            else:
                pieces.append(Piece(at, at + MINUTE, in_hours))
            at += MINUTE
        return tuple(pieces)

    def split(self, start: datetime, end: datetime) -> tuple[timedelta, timedelta]:
        pieces = self.pieces(start, end)
        in_hours = sum((p.duration for p in pieces if p.in_hours), timedelta())
        return in_hours, (end.astimezone(UTC) - start.astimezone(UTC)) - in_hours

    def advance(self, clock: SlaClock, start: datetime, duration: timedelta) -> datetime:
        remaining = duration // MINUTE
        at = start.astimezone(UTC)
        while remaining > 0:
            if self.counts(clock, at):
                remaining -= 1
            at += MINUTE
        while duration == timedelta() and not self.counts(clock, at):
            at += MINUTE
        return at

    def advance_support_hours(self, start: datetime, duration: timedelta) -> datetime:
        return self.advance(SlaClock.SUPPORT_HOURS, start, duration)

    def advance_working_days(self, start: datetime, duration: timedelta) -> datetime:
        return self.advance(SlaClock.WORKING_DAYS, start, duration)

    def next_change(self, at: datetime) -> datetime:
        now = self.is_support_time(at)
        step = at.astimezone(UTC) + MINUTE
        while self.is_support_time(step) == now:
            step += MINUTE
        return step
