"""The periods vardia reports on: calendar months (statements) and ISO weeks (week reports).

Both are named by the local calendar (Europe/Athens by default) and bounded by local
midnights, handed out as UTC instants so that they compare with the records' instants.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from core.errors import InputError
from core.i18n import _

__all__ = ["IsoWeek", "Month", "months"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-?W(\d{2})$", re.IGNORECASE)
_DAY = timedelta(days=1)


@dataclass(frozen=True, order=True)
class Month:
    """A calendar month, whose bounds are local midnights."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        found = _MONTH.match(text.strip())
        if found is None or not 1 <= int(found[2]) <= 12:
            raise InputError(
                _("“{text}” is not a month: write it as YYYY-MM, e.g. 2026-11.").format(text=text)
            )
        return cls(int(found[1]), int(found[2]))

    @classmethod
    def of(cls, at: datetime, tz: tzinfo) -> Month:
        """The month an instant falls in, in the time zone ``tz``."""
        local = at.astimezone(tz)
        return cls(local.year, local.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next.first_day - _DAY

    @property
    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    @property
    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def start(self, tz: tzinfo) -> datetime:
        return datetime.combine(self.first_day, time(), tz).astimezone(UTC)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the month."""
        return self.next.start(tz)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months(first: Month, last: Month) -> Iterator[Month]:
    """Every month from ``first`` to ``last``, both included (none when last is earlier)."""
    while first <= last:
        yield first
        first = first.next


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week, Monday to Sunday, whose bounds are local midnights."""

    year: int
    week: int

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        found = _WEEK.match(text.strip())
        if found is not None:
            try:
                date.fromisocalendar(int(found[1]), int(found[2]), 1)
                return cls(int(found[1]), int(found[2]))
            except ValueError:
                pass
        raise InputError(
            _("“{text}” is not an ISO week: write it as YYYY-Www, e.g. 2026-W48.").format(text=text)
        )

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def days(self) -> tuple[date, ...]:
        monday = date.fromisocalendar(self.year, self.week, 1)
        return tuple(monday + i * _DAY for i in range(7))

    @property
    def months(self) -> tuple[Month, ...]:
        """The months the week's days fall in: one, or two across a month's end."""
        return tuple(sorted({Month(d.year, d.month) for d in self.days}))

    def start(self, tz: tzinfo) -> datetime:
        return datetime.combine(self.days[0], time(), tz).astimezone(UTC)

    def end(self, tz: tzinfo) -> datetime:
        """The first instant after the week."""
        return datetime.combine(self.days[-1] + _DAY, time(), tz).astimezone(UTC)

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"
