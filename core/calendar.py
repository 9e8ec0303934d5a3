"""The support calendar: support hours, Greek holidays and the summer closure (SPEC §2).

Every rule runs in the calendar's own time zone (Europe/Athens by default), never the
machine's: instants are converted to UTC for arithmetic (so a span across a DST change
is real elapsed time) and to the calendar's zone only to find the local date and hour.

How the spec was read where it leaves room:

- Support hours are the half-open interval ``[opens, closes)`` of each working day:
  10:00 is in hours, 18:00 is after hours.
- A *working day* is a configured weekday that is no public holiday, no closure day
  and no ``extra_closed`` day. An ``extra_open`` date is a working day whatever it
  would otherwise be (a make-up Saturday, a holiday the vendor works).
- The working-days clock counts the whole local day, midnight to midnight, in real
  elapsed time (23 or 25 hours on a DST day, should one ever be a working day).
- Advancing a clock by zero from an instant it does not count gives the next instant
  it counts ("opened while the clock doesn't run, it starts at the next instant it
  runs"); a deadline that uses up a day exactly lands on that day's closing instant.
- The "last second" of an interval is the instant just before its end.

Every walk is day by day, so its cost grows with the days spanned, never the minutes.
The ``holidays`` package (a fifth of a second to load every country it knows) is loaded
when a year's holidays are first needed and no earlier process kept them on disk
(``core.holiday_file``); each year's are computed once per process at most. The shipped
country is not checked when the rules load, as the pinned package has it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from core.errors import InputError, RuleError
from core.holiday_file import keep, kept
from core.i18n import _
from core.models import Segment
from core.settings import cache_dir

__all__ = [
    "ATHENS",
    "CalendarConfig",
    "Closure",
    "ClosureSpan",
    "Piece",
    "SlaClock",
    "Split",
    "SupportCalendar",
    "SupportHours",
    "month_day",
    "typed_instant",
    "typed_segment",
    "typed_span",
]

ATHENS = ZoneInfo("Europe/Athens")
"""The default zone of every business rule; the calendar's own is in calendar.toml."""
SHIPPED_HOLIDAYS = ("GR", None)
"""The holidays country and subdivision of the shipped calendar.toml."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# A calendar that never opens would make every walk endless; ten years is far past any SLA.
_MAX_DAYS = 3660
_DAY = timedelta(days=1)
_INSTANT = timedelta(microseconds=1)


class SlaClock(StrEnum):
    """Which time an SLA clock counts (SPEC §4)."""

    SUPPORT_HOURS = "support_hours"
    WORKING_DAYS = "working_days"


def month_day(value: str) -> tuple[int, int]:
    """Read ``"MM-DD"`` as (month, day), refusing dates no year has."""
    try:
        month, day = (int(part) for part in value.split("-"))
        date(2000, month, day)  # 2000 is a leap year, so 02-29 is accepted
    except ValueError:
        raise ValueError(f"{value!r} is not a month and day written as MM-DD") from None
    return month, day


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class SupportHours(_Config):
    """The weekdays and the local hours support is given."""

    weekdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    opens: time = time(10)
    closes: time = time(18)

    @model_validator(mode="after")
    def _opens_before_closes(self) -> SupportHours:
        if self.closes <= self.opens:
            raise ValueError("closes must be later than opens")
        return self


class ClosureSpan(_Config):
    """A closure from one month-day to another, both inclusive."""

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _is_month_day(cls, value: str) -> str:
        month_day(value)
        return value

    @model_validator(mode="after")
    def _start_before_end(self) -> ClosureSpan:
        if month_day(self.end) < month_day(self.start):
            raise ValueError("end must not be before start")
        return self


class Closure(ClosureSpan):
    """The summer closure: a default span, and per-year spans or ``"none"`` that replace it."""

    start: str = "08-05"
    end: str = "08-25"
    years: dict[int, ClosureSpan | Literal["none"]] = {}


class CalendarConfig(_Config):
    """The support calendar as written in ``calendar.toml``."""

    timezone: str = ATHENS.key
    holidays_country: str = "GR"
    holidays_subdivision: str | None = None
    support_hours: SupportHours = SupportHours()
    closure: Closure = Closure()
    extra_closed: tuple[date, ...] = ()
    extra_open: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone") from None
        return value

    @model_validator(mode="after")
    def _known_country(self) -> CalendarConfig:
        if (self.holidays_country, self.holidays_subdivision) == SHIPPED_HOLIDAYS:
            return self
        try:
            public_holidays(self.holidays_country, self.holidays_subdivision, None)
        except NotImplementedError:
            raise ValueError(
                f"the holidays package has no country {self.holidays_country!r}"
                f" (subdivision {self.holidays_subdivision!r})"
            ) from None
        return self


@cache
def public_holidays(country: str, subdivision: str | None, year: int | None) -> frozenset[date]:
    """A year's public holidays from the ``holidays`` package, computed once per process and
    kept on disk for the next ones (``core.holiday_file``).

    Raises NotImplementedError for a country or subdivision the package does not know.
    """
    folder = cache_dir()
    found = None if year is None else kept(folder, country, subdivision, year)
    if found is None:
        import holidays
        from holidays.version import __version__ as loaded

        found = frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))
        if year is not None:
            keep(folder, country, subdivision, year, found, loaded)
    return found


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of an interval that is wholly in support hours or wholly after hours."""

    start: datetime
    end: datetime
    in_hours: bool

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class Split:
    """An interval's in-hours and after-hours time, and the class of its last second.

    ``last_in_hours`` is False for an empty interval.
    """

    in_hours: timedelta
    after_hours: timedelta
    last_in_hours: bool

    @property
    def elapsed(self) -> timedelta:
        return self.in_hours + self.after_hours


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InputError(
            _("The time {at} has no UTC offset; give one, e.g. 2026-11-23T17:30+02:00.").format(
                at=at.isoformat()
            )
        )
    return at.astimezone(UTC)


def _word(text: str) -> str:
    """``text`` casefolded and without accents, so ``Παρ.``, ``παρ`` and ``ΠΑΡ`` are one word
    (casefolding also makes a final ς a σ)."""
    bare = unicodedata.normalize("NFD", text.casefold().rstrip("."))
    return "".join(c for c in bare if not unicodedata.combining(c))


_DAYS_BACK = {
    _word(name): n
    for name, n in {"today": 0, "σήμερα": 0, "yesterday": 1, "χθες": 1, "χτες": 1}.items()
}
"""Words for a day counted back from today."""
_WEEKDAY_NAMES = {
    _word(name): day
    for day, names in enumerate(
        (
            ("mon", "monday", "δευ", "δευτερα"),
            ("tue", "tues", "tuesday", "τρι", "τριτη"),
            ("wed", "wednesday", "τετ", "τεταρτη"),
            ("thu", "thur", "thurs", "thursday", "πεμ", "πεμπτη"),
            ("fri", "friday", "παρ", "παρασκευη"),
            ("sat", "saturday", "σαβ", "σαββατο"),
            ("sun", "sunday", "κυρ", "κυριακη"),
        )
    )
    for name in names
}
"""Weekday names (Monday is 0) in English and Greek, short or whole."""


def _local_day(word: str, clock: time, local_now: datetime) -> date | None:
    """The day a word names, counted back from ``local_now``; None for no day word.

    A weekday is the latest such day whose ``clock`` is not still to come: ``Fri 9:30`` on
    a Friday at 10:00 is today, at 9:00 it is a week ago.
    """
    key = _word(word)
    if key in _DAYS_BACK:
        return local_now.date() - timedelta(days=_DAYS_BACK[key])
    if key not in _WEEKDAY_NAMES:
        return None
    day = local_now.date() - timedelta(days=(local_now.weekday() - _WEEKDAY_NAMES[key]) % 7)
    if datetime.combine(day, clock) > local_now.replace(tzinfo=None):
        day -= timedelta(days=7)
    return day


def _parsed(typed: str, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The wall time (or, with an offset, the instant) that ``typed`` names, or None."""
    import pendulum  # a twentieth of a second, paid only by a command that reads a time

    def parse(part: str) -> object:
        try:
            return pendulum.parse(part, exact=True, tz=None)
        except ValueError:  # pendulum's ParserError is one
            return None

    whole = parse(typed)
    if isinstance(whole, pendulum.DateTime):
        return datetime.fromisoformat(whole.isoformat())
    local_now = now.astimezone(zone)
    if isinstance(whole, pendulum.Time):
        return datetime.combine(local_now.date(), time(whole.hour, whole.minute, whole.second))
    words = typed.split(" ")
    if len(words) != 2:
        return None
    clock = parse(words[1])
    if not isinstance(clock, pendulum.Time):
        return None
    at = time(clock.hour, clock.minute, clock.second)
    day = parse(words[0])
    if isinstance(day, pendulum.Date) and not isinstance(day, pendulum.DateTime):
        return datetime.combine(date(day.year, day.month, day.day), at)
    named = _local_day(words[0], at, local_now)
    return None if named is None else datetime.combine(named, at)


def typed_instant(text: str, what: str, zone: ZoneInfo, now: datetime) -> datetime:
    """A time as a person says it, as the wall time in ``zone`` unless it carries an offset:

    - ``14:00`` — today;
    - ``yesterday 14:00``, ``today 9:30`` (``χθες``, ``σήμερα``);
    - ``Fri 9:30``, ``friday 9:30``, ``Παρ 9:30`` — the latest Friday whose 9:30 is not still
      to come (today included);
    - ``2026-11-23 14:00``, ``2026-11-23 9:30``, and ISO 8601 (``2026-11-23T14:00``, with an
      offset or without one, SPEC §10).

    Whether the instant may lie ahead is the caller's rule (a quote may price planned work).
    A wall time the clocks skip (the spring change) is refused: it names no instant.
    Raises InputError with the sentence to show.
    """
    typed = " ".join(text.split())
    parsed = _parsed(typed, zone, now) if typed else None
    if parsed is None:
        raise InputError(
            _(
                "The {what} {text!r} is not a date and time; write e.g. 14:00, "
                "yesterday 14:00, Fri 9:30 or 2026-11-23 14:00."
            ).format(what=what, text=text)
        )
    if parsed.tzinfo is not None:
        return parsed
    local = parsed.replace(tzinfo=zone)
    try:
        round_trip = local.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    except OverflowError:  # the first or last hours datetime can hold
        raise InputError(
            _("The {what} {text!r} is outside the dates vardia accepts; check the date.").format(
                what=what, text=text
            )
        ) from None
    if round_trip != parsed:
        raise InputError(
            _(
                "The {what} {text!r} does not exist in {zone}: the clocks skip that hour; "
                "give the time with its offset."
            ).format(what=what, text=text, zone=zone.key)
        )
    return local


class SupportCalendar:
    """Answers when support is open and walks the two SLA clocks (SPEC §2, §4).

    A value: built once from a :class:`CalendarConfig`, its answers never change; it
    only remembers the days it has already looked up.
    """

    __slots__ = (
        "_extra_closed",
        "_extra_open",
        "_holidays",
        "_weekdays",
        "_windows",
        "_working",
        "config",
        "tz",
    )

    def __init__(self, config: CalendarConfig) -> None:
        self.config = config
        self.tz = ZoneInfo(config.timezone)
        self._weekdays = frozenset(WEEKDAYS.index(day) for day in config.support_hours.weekdays)
        self._extra_open = frozenset(config.extra_open)
        self._extra_closed = frozenset(config.extra_closed)
        self._holidays: dict[int, frozenset[date]] = {}
        self._working: dict[date, bool] = {}
        self._windows: dict[tuple[SlaClock, date], tuple[datetime, datetime] | None] = {}

    def __repr__(self) -> str:
        return f"SupportCalendar({self.config!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SupportCalendar) and other.config == self.config

    def __hash__(self) -> int:
        return hash(self.config)

    # -- days -------------------------------------------------------------------------

    def holidays_of(self, year: int) -> frozenset[date]:
        """The public holidays of a year, from the ``holidays`` package."""
        found = self._holidays.get(year)
        if found is None:
            found = self._holidays[year] = public_holidays(
                self.config.holidays_country, self.config.holidays_subdivision, year
            )
        return found

    def closure_of(self, year: int) -> tuple[date, date] | None:
        """The first and last day of a year's summer closure, or None if it has none."""
        span = self.config.closure.years.get(year, self.config.closure)
        if isinstance(span, str):  # "none": no closure that year
            return None
        return date(year, *month_day(span.start)), date(year, *month_day(span.end))

    def is_holiday(self, d: date) -> bool:
        return d in self.holidays_of(d.year)

    def is_closure_day(self, d: date) -> bool:
        span = self.closure_of(d.year)
        return span is not None and span[0] <= d <= span[1]

    def is_working_day(self, d: date) -> bool:
        """A weekday that is no holiday, closure or extra closed day, or an extra open day."""
        known = self._working.get(d)
        if known is None:
            if d in self._extra_open:
                known = True
            else:
                known = (
                    d.weekday() in self._weekdays
                    and d not in self._extra_closed
                    and not self.is_holiday(d)
                    and not self.is_closure_day(d)
                )
            self._working[d] = known
        return known

    def local_date(self, at: datetime) -> date:
        """The calendar date of an instant in the calendar's time zone."""
        return _utc(at).astimezone(self.tz).date()

    # -- the clocks -------------------------------------------------------------------

    def _window(self, clock: SlaClock, d: date) -> tuple[datetime, datetime] | None:
        key = (clock, d)
        if key in self._windows:
            return self._windows[key]
        window = None
        if self.is_working_day(d):
            if clock is SlaClock.SUPPORT_HOURS:
                hours = self.config.support_hours
                window = (self._instant(d, hours.opens), self._instant(d, hours.closes))
            else:
                window = (self._instant(d, time(0)), self._instant(d + _DAY, time(0)))
        self._windows[key] = window
        return window

    def _instant(self, d: date, t: time) -> datetime:
        return datetime.combine(d, t, tzinfo=self.tz).astimezone(UTC)

    def counts(self, clock: SlaClock, at: datetime) -> bool:
        """Whether the clock runs at this instant."""
        at = _utc(at)
        window = self._window(clock, self.local_date(at))
        return window is not None and window[0] <= at < window[1]

    def is_support_time(self, at: datetime) -> bool:
        """Whether an instant is inside support hours."""
        return self.counts(SlaClock.SUPPORT_HOURS, at)

    def next_change(self, at: datetime) -> datetime:
        """The next instant after ``at`` when support hours open or close."""
        at = _utc(at)
        d = self.local_date(at)
        for _day in range(_MAX_DAYS):
            window = self._window(SlaClock.SUPPORT_HOURS, d)
            if window is not None:
                for edge in window:
                    if at < edge:
                        return edge.astimezone(self.tz)
            d += _DAY
        raise self._never_open()

    def pieces(self, start: datetime, end: datetime) -> tuple[Piece, ...]:
        """The interval cut at support-hours edges, in chronological order, in UTC."""
        start, end = _utc(start), _utc(end)
        if end < start:
            raise InputError(
                _("The end {end} is before the start {start}; swap them.").format(
                    end=end.isoformat(), start=start.isoformat()
                )
            )
        pieces: list[Piece] = []
        cursor = start
        d, last = self.local_date(start), self.local_date(end)
        while d <= last:
            window = self._window(SlaClock.SUPPORT_HOURS, d)
            if window is not None:
                opens, closes = max(window[0], start), min(window[1], end)
                if opens < closes:
                    if cursor < opens:
                        pieces.append(Piece(cursor, opens, in_hours=False))
                    pieces.append(Piece(opens, closes, in_hours=True))
                    cursor = closes
            d += _DAY
        if cursor < end:
            pieces.append(Piece(cursor, end, in_hours=False))
        return tuple(pieces)

    def split(self, start: datetime, end: datetime) -> Split:
        """The in-hours and after-hours time of an interval."""
        pieces = self.pieces(start, end)
        in_hours = sum((p.duration for p in pieces if p.in_hours), timedelta())
        after_hours = sum((p.duration for p in pieces if not p.in_hours), timedelta())
        return Split(in_hours, after_hours, last_in_hours=bool(pieces) and pieces[-1].in_hours)

    def counted(self, clock: SlaClock, start: datetime, end: datetime) -> timedelta:
        """How much time the clock counts between two instants (none if ``end`` is earlier)."""
        start, end = _utc(start), _utc(end)
        total = timedelta()
        d, last = self.local_date(start), self.local_date(end)
        while d <= last:
            window = self._window(clock, d)
            if window is not None:
                opens, closes = max(window[0], start), min(window[1], end)
                if opens < closes:
                    total += closes - opens
            d += _DAY
        return total

    def advance(self, clock: SlaClock, start: datetime, duration: timedelta) -> datetime:
        """The instant at which the clock, started at ``start``, has counted ``duration``."""
        if duration < timedelta():
            raise InputError(_("A duration cannot be negative; give zero or more."))
        start = _utc(start)
        remaining = duration
        d = self.local_date(start)
        for _day in range(_MAX_DAYS):
            window = self._window(clock, d)
            if window is not None and window[1] > start:
                begin = max(window[0], start)
                available = window[1] - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(self.tz)
                remaining -= available
            d += _DAY
        raise self._never_open()

    def advance_support_hours(self, start: datetime, duration: timedelta) -> datetime:
        """Advance the support-hours clock: only support hours count."""
        return self.advance(SlaClock.SUPPORT_HOURS, start, duration)

    def advance_working_days(self, start: datetime, duration: timedelta) -> datetime:
        """Advance the working-days clock: every hour of every working day counts."""
        return self.advance(SlaClock.WORKING_DAYS, start, duration)

    def _never_open(self) -> RuleError:
        return RuleError(
            _(
                "The support calendar has no support hours in ten years;"
                " check support_hours and the closures in calendar.toml."
            )
        )


def typed_span(
    start: str, end: str, zone: ZoneInfo, now: datetime, *, happened: bool = False
) -> Segment:
    """A stretch of work from its typed start and end (as :func:`typed_instant` reads them).

    An end before the start is refused; with ``happened``, so is an end still to come
    (work recorded after the fact, not planned).
    """
    began = typed_instant(start, _("start"), zone, now)
    ended = typed_instant(end, _("end"), zone, now)
    if ended < began:
        raise InputError(
            _("The end {end} is before the start {start}; swap them.").format(
                end=end.strip(), start=start.strip()
            )
        )
    if happened and ended > now:
        raise InputError(
            _("The end {end} is still to come; give the time the work ended.").format(
                end=end.strip()
            )
        )
    return Segment(start=began, end=ended)


def typed_segment(text: str, zone: ZoneInfo, now: datetime, *, happened: bool = False) -> Segment:
    """``START/END`` as typed on the command line (see :func:`typed_span`)."""
    parts = text.split("/")
    if len(parts) != 2:
        raise InputError(
            _("The segment {text!r} is not START/END; write e.g. {example}.").format(
                text=text, example="14:00/14:40"
            )
        )
    return typed_span(parts[0], parts[1], zone, now, happened=happened)
