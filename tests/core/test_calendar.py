"""The support calendar: hours, holidays, closure, overrides, DST, the machine's zone (SPEC §2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import SlaClock, SupportCalendar, typed_instant, typed_segment
from core.errors import InputError
from core.rules import load_rules
from tests.core.oracle import OracleCalendar

ATHENS = ZoneInfo("Europe/Athens")
CAL = load_rules().calendar
ORACLE = OracleCalendar(CAL.config)
H = timedelta(hours=1)


def at(text: str) -> datetime:
    """An Athens wall time written 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=ATHENS)


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        ("2026-11-23 10:00", True),  # Monday, opening instant
        ("2026-11-23 09:59", False),
        ("2026-11-23 17:59", True),
        ("2026-11-23 18:00", False),  # closing instant is after hours
        ("2026-11-21 12:00", False),  # Saturday
        ("2026-11-22 12:00", False),  # Sunday
        ("2025-12-25 12:00", False),  # Christmas, three years
        ("2026-12-25 12:00", False),
        ("2028-12-25 12:00", False),
        ("2025-04-21 12:00", False),  # Orthodox Easter Monday
        ("2026-04-13 12:00", False),
        ("2027-05-03 12:00", False),
        ("2028-04-17 12:00", False),
        ("2025-06-09 12:00", False),  # Whit Monday
        ("2026-06-01 12:00", False),
        ("2027-06-21 12:00", False),
        ("2028-06-05 12:00", False),
        ("2026-04-14 12:00", True),  # the Tuesday after Easter Monday works
        ("2026-08-04 12:00", True),  # the day before the closure
        ("2026-08-05 12:00", False),  # closure, first day
        ("2026-08-25 17:00", False),  # closure, last day
        ("2026-08-26 10:00", True),
        ("2026-10-26 10:00", True),  # Monday after the October DST change
        ("2026-03-30 09:59", False),  # Monday after the March DST change
    ],
)
def test_support_time(when: str, open_: bool) -> None:
    assert CAL.is_support_time(at(when)) is open_
    assert ORACLE.is_support_time(at(when)) is open_


def test_the_same_instant_in_any_offset_gives_the_same_answer() -> None:
    instant = at("2026-11-23 17:30")
    for zone in ("UTC", "America/New_York", "Asia/Tokyo"):
        assert CAL.split(instant.astimezone(ZoneInfo(zone)), instant + H) == CAL.split(
            instant, instant + H
        )


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(InputError, match="no UTC offset"):
        CAL.is_support_time(datetime(2026, 11, 23, 12))


def test_an_end_before_its_start_is_refused() -> None:
    with pytest.raises(InputError, match="before the start"):
        CAL.split(at("2026-11-23 12:00"), at("2026-11-23 11:00"))


@pytest.mark.parametrize(
    ("start", "end", "in_hours", "after_hours", "last_in_hours"),
    [
        ("2026-11-23 17:30", "2026-11-23 18:30", 0.5, 0.5, False),
        ("2026-11-23 09:30", "2026-11-23 10:30", 0.5, 0.5, True),
        ("2026-11-23 09:00", "2026-11-24 11:00", 9, 17, True),  # across midnight
        ("2026-11-20 17:00", "2026-11-23 11:00", 2, 64, True),  # across a weekend
        ("2026-12-24 17:00", "2026-12-28 10:30", 1.5, 88, True),  # across Christmas
        ("2026-10-24 23:00", "2026-10-25 05:00", 0, 7, False),  # clocks go back: 7 real hours
        ("2026-03-28 23:00", "2026-03-29 05:00", 0, 5, False),  # clocks go forward: 5 hours
        ("2026-10-23 17:00", "2026-10-26 11:00", 2, 65, True),  # a DST weekend: 67 real hours
        ("2026-08-04 17:00", "2026-08-26 10:15", 1.25, 520, True),  # the whole closure
        ("2026-11-23 12:00", "2026-11-23 12:00", 0, 0, False),
    ],
)
def test_split(
    start: str, end: str, in_hours: float, after_hours: float, last_in_hours: bool
) -> None:
    split = CAL.split(at(start), at(end))
    assert (split.in_hours, split.after_hours) == (in_hours * H, after_hours * H)
    assert split.last_in_hours is last_in_hours
    assert ORACLE.split(at(start), at(end)) == (in_hours * H, after_hours * H)


@pytest.mark.parametrize(
    ("clock", "start", "hours", "expected"),
    [
        (SlaClock.SUPPORT_HOURS, "2026-11-20 17:00", 16, "2026-11-24 17:00"),
        (SlaClock.SUPPORT_HOURS, "2026-11-20 17:00", 40, "2026-11-27 17:00"),
        (SlaClock.WORKING_DAYS, "2026-11-20 17:00", 18, "2026-11-23 11:00"),
        (SlaClock.WORKING_DAYS, "2026-11-20 17:00", 24, "2026-11-23 17:00"),
        (SlaClock.SUPPORT_HOURS, "2026-11-21 09:00", 0, "2026-11-23 10:00"),  # starts when it runs
        (SlaClock.SUPPORT_HOURS, "2026-11-23 10:00", 8, "2026-11-23 18:00"),  # a day used exactly
        (SlaClock.WORKING_DAYS, "2026-11-23 00:00", 24, "2026-11-24 00:00"),
        (SlaClock.SUPPORT_HOURS, "2026-08-04 17:00", 2, "2026-08-26 11:00"),  # over the closure
        (SlaClock.WORKING_DAYS, "2026-10-23 12:00", 24, "2026-10-26 12:00"),  # over a DST weekend
    ],
)
def test_advance(clock: SlaClock, start: str, hours: int, expected: str) -> None:
    assert CAL.advance(clock, at(start), hours * H) == at(expected)
    assert ORACLE.advance(clock, at(start), hours * H) == at(expected)


def test_advance_refuses_a_negative_duration() -> None:
    with pytest.raises(InputError):
        CAL.advance_support_hours(at("2026-11-23 12:00"), -H)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-23 12:00", "2026-11-23 18:00"),
        ("2026-11-23 18:00", "2026-11-24 10:00"),
        ("2026-11-20 18:30", "2026-11-23 10:00"),
        ("2026-12-24 19:00", "2026-12-28 10:00"),
    ],
)
def test_next_change(now: str, expected: str) -> None:
    assert CAL.next_change(at(now)) == at(expected)
    assert ORACLE.next_change(at(now)) == at(expected)


def _calendar(tmp_path: Path, toml: str) -> SupportCalendar:
    (tmp_path / "calendar.toml").write_text(toml)
    return load_rules(tmp_path).calendar


def test_the_closure_is_set_per_year(tmp_path: Path) -> None:
    cal = _calendar(
        tmp_path,
        '[closure.years]\n2027 = { start = "08-09", end = "08-13" }\n2028 = "none"\n',
    )
    assert not cal.is_working_day(date(2026, 8, 5))  # default span still applies
    assert cal.is_working_day(date(2027, 8, 5))
    assert not cal.is_working_day(date(2027, 8, 9))
    assert cal.is_working_day(date(2028, 8, 10))


def test_extra_closed_and_open_days_override(tmp_path: Path) -> None:
    cal = _calendar(
        tmp_path, "extra_closed = [2026-12-24]\nextra_open = [2026-11-21, 2026-08-10]\n"
    )
    assert not cal.is_working_day(date(2026, 12, 24))
    assert cal.is_working_day(date(2026, 11, 21))  # a make-up Saturday
    assert cal.is_working_day(date(2026, 8, 10))  # worked during the closure
    assert cal.is_support_time(at("2026-11-21 11:00"))


def test_support_hours_come_from_the_config(tmp_path: Path) -> None:
    cal = _calendar(tmp_path, '[support_hours]\nopens = "09:00"\nweekdays = ["mon"]\n')
    assert cal.is_support_time(at("2026-11-23 09:00"))
    assert not cal.is_support_time(at("2026-11-24 12:00"))


_SCRIPT = """
import json
from datetime import datetime, timedelta
from core.rules import load_rules
cal = load_rules().calendar
opened = datetime.fromisoformat("2026-11-20T17:00+02:00")
split = cal.split(datetime.fromisoformat("2026-10-24T23:00+03:00"),
                  datetime.fromisoformat("2026-10-26T11:00+02:00"))
print(json.dumps([
    cal.advance_working_days(opened, timedelta(hours=18)).isoformat(),
    cal.advance_support_hours(opened, timedelta(hours=40)).isoformat(),
    split.in_hours.total_seconds(), split.after_hours.total_seconds(),
    cal.is_support_time(datetime.fromisoformat("2026-11-23T08:30+00:00")),
]))
"""


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kolkata"])
def test_the_machine_time_zone_does_not_matter(zone: str) -> None:
    env = {**os.environ, "TZ": zone}
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT], env=env, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [
        "2026-11-23T11:00:00+02:00",
        "2026-11-27T17:00:00+02:00",
        3600.0,
        36 * 3600.0,
        True,
    ]


# -- properties -------------------------------------------------------------------------

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
instants = st.integers(0, 7 * 365 * 24 * 60).map(lambda m: _EPOCH + timedelta(minutes=m))
short = st.integers(0, 5 * 24 * 60).map(lambda m: timedelta(minutes=m))
zones = st.sampled_from([UTC, ATHENS, ZoneInfo("America/New_York")])


@given(instants, st.integers(0, 400 * 24 * 60).map(lambda m: timedelta(minutes=m)), zones)
def test_in_hours_plus_after_hours_is_elapsed(
    start: datetime, length: timedelta, zone: ZoneInfo
) -> None:
    split = CAL.split(start.astimezone(zone), start + length)
    assert split.in_hours + split.after_hours == length


@given(instants, short, st.floats(0, 1))
def test_splitting_an_interval_keeps_its_totals(
    start: datetime, length: timedelta, cut: float
) -> None:
    middle = start + length * cut
    first, second, whole = (
        CAL.split(start, middle),
        CAL.split(middle, start + length),
        CAL.split(start, start + length),
    )
    assert first.in_hours + second.in_hours == whole.in_hours
    assert first.after_hours + second.after_hours == whole.after_hours


@settings(max_examples=60, deadline=None)
@given(instants, short)
def test_split_agrees_with_the_oracle(start: datetime, length: timedelta) -> None:
    split = CAL.split(start, start + length)
    assert (split.in_hours, split.after_hours) == ORACLE.split(start, start + length)
    assert [(p.start, p.end, p.in_hours) for p in CAL.pieces(start, start + length)] == [
        (p.start, p.end, p.in_hours) for p in ORACLE.pieces(start, start + length)
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(SlaClock), instants, st.integers(0, 60 * 60).map(lambda m: timedelta(minutes=m))
)
def test_advance_agrees_with_the_oracle(
    clock: SlaClock, start: datetime, duration: timedelta
) -> None:
    assert CAL.advance(clock, start, duration) == ORACLE.advance(clock, start, duration)


@given(
    st.sampled_from(SlaClock), instants, st.integers(0, 10**6).map(lambda s: timedelta(seconds=s))
)
def test_a_deadline_lies_in_counted_time(
    clock: SlaClock, start: datetime, duration: timedelta
) -> None:
    deadline = CAL.advance(clock, start, duration)
    assert deadline >= start
    if duration:
        assert CAL.counts(clock, deadline - timedelta(microseconds=1))
    else:
        assert CAL.counts(clock, deadline)


@given(
    st.sampled_from(SlaClock),
    instants,
    short,
    st.integers(0, 10**6).map(lambda s: timedelta(seconds=s)),
)
def test_a_later_opening_never_gives_an_earlier_deadline(
    clock: SlaClock, start: datetime, later: timedelta, duration: timedelta
) -> None:
    assert CAL.advance(clock, start + later, duration) >= CAL.advance(clock, start, duration)


@given(st.datetimes(), st.sampled_from(["", "Z", "+02:00", "-05:00"]))
def test_any_typed_time_is_an_instant_or_one_sentence(moment: datetime, offset: str) -> None:
    text = moment.isoformat() + offset
    try:
        found = typed_instant(text, "time", ATHENS, datetime(2026, 11, 23, 10, tzinfo=UTC))
    except InputError as error:
        assert str(error).startswith("The time ")
    else:
        assert found.tzinfo is not None


# Wednesday 2 December 2026, 10:00 in Athens.
SAID_AT = datetime(2026, 12, 2, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("said", "wall"),
    [
        ("14:00", "2026-12-02T14:00"),
        (" 9:30 ", "2026-12-02T09:30"),
        ("yesterday 14:00", "2026-12-01T14:00"),
        ("Today 9:05", "2026-12-02T09:05"),
        ("χθες 9:30", "2026-12-01T09:30"),
        ("ΣΉΜΕΡΑ 08:00", "2026-12-02T08:00"),
        ("Fri 9:30", "2026-11-27T09:30"),
        ("friday  9:30", "2026-11-27T09:30"),
        ("Παρ 9:30", "2026-11-27T09:30"),
        ("Παρασκευή 9:30", "2026-11-27T09:30"),
        # Today's weekday is today while its time has come, a week ago when it is still ahead.
        ("Wed 9:30", "2026-12-02T09:30"),
        ("wed 10:00", "2026-12-02T10:00"),
        ("Wed 11:00", "2026-11-25T11:00"),
        ("Thu 9:30", "2026-11-26T09:30"),
        ("2026-11-23 14:00", "2026-11-23T14:00"),
        ("2026-11-23 9:30", "2026-11-23T09:30"),
        ("2026-11-23T14:00", "2026-11-23T14:00"),
    ],
)
def test_times_are_read_as_people_say_them(said: str, wall: str) -> None:
    assert typed_instant(said, "time", ATHENS, SAID_AT) == at(wall)


def test_a_time_with_an_offset_keeps_it() -> None:
    found = typed_instant("2026-11-23T14:00+03:00", "time", ATHENS, SAID_AT)
    assert found == datetime(2026, 11, 23, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "said", ["", "noon", "Fri", "someday 9:30", "2026-11-23", "25:00", "Fri 9:30 am", "14:00 Fri"]
)
def test_what_is_no_time_is_one_sentence(said: str) -> None:
    with pytest.raises(
        InputError, match=r"^The time .* is not a date and time; write e\.g\. 14:00"
    ):
        typed_instant(said, "time", ATHENS, SAID_AT)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("14:00/13:00", "The end 13:00 is before the start 14:00; swap them."),
        ("9:00/11:00", "The end 11:00 is still to come; give the time the work ended."),
        ("9:00", "The segment '9:00' is not START/END; write e.g. 14:00/14:40."),
    ],
)
def test_a_segment_of_work_done_ends_after_it_starts_and_not_ahead(typed: str, says: str) -> None:
    with pytest.raises(InputError) as raised:
        typed_segment(typed, ATHENS, SAID_AT, happened=True)
    assert str(raised.value) == says


def test_a_planned_segment_may_lie_ahead() -> None:
    segment = typed_segment("9:00/11:00", ATHENS, SAID_AT)
    assert (segment.start, segment.end) == (at("2026-12-02T09:00"), at("2026-12-02T11:00"))
