"""A technician's week: hours per day in and after hours, per customer and channel, incidents."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InputError
from core.models import (
    Channel,
    Customer,
    Eligibility,
    Incident,
    IncidentStatus,
    Quote,
    Segment,
    Session,
)
from core.periods import IsoWeek
from core.reports import WeekReport, build_week_report
from core.rules import load_rules

ATHENS = ZoneInfo("Europe/Athens")
CALENDAR = load_rules(None).calendar
NOW = datetime(2030, 1, 1, tzinfo=ATHENS)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ATHENS)


_ZERO_QUOTE = Quote(
    plan="basic",
    channel=Channel.PHONE,
    in_hours_minutes=Decimal(0),
    after_hours_minutes=Decimal(0),
    billable_minutes=Decimal(0),
    effective_minutes=Decimal(0),
    net=Decimal(0),
    vat=Decimal(0),
    total=Decimal(0),
    due=Decimal(0),
)
_ids = iter(range(10**9))


def session(
    *spans: tuple[datetime, datetime],
    technician: str = "nikos",
    customer_id: str = "c1",
    channel: Channel = Channel.PHONE,
) -> Session:
    return Session(
        id=f"s{next(_ids)}",
        incident_id="i1",
        customer_id=customer_id,
        technician=technician,
        device_id="d1",
        channel=channel,
        segments=tuple(Segment(start=a, end=b) for a, b in spans),
        quote=_ZERO_QUOTE.model_copy(update={"channel": channel}),
        recorded_at=spans[-1][1],
    )


def report(week: str, sessions: list[Session], **kwargs) -> WeekReport:  # type: ignore[no-untyped-def]
    return build_week_report(
        IsoWeek.parse(week), sessions, kwargs.pop("incidents", []), CALENDAR, now=NOW, **kwargs
    )


def day(rep: WeekReport, d: date) -> tuple[Decimal, Decimal]:
    found = next(x for x in rep.days if x.day == d)
    return found.in_hours_minutes, found.after_hours_minutes


@pytest.mark.parametrize(
    ("text", "monday"),
    [
        ("2026-W48", date(2026, 11, 23)),
        ("2026W01", date(2025, 12, 29)),
        ("2020-w53", date(2020, 12, 28)),
    ],
)
def test_an_iso_week_runs_monday_to_sunday(text: str, monday: date) -> None:
    week = IsoWeek.parse(text)
    assert week.days[0] == monday
    assert week.days[-1] == monday + timedelta(days=6)
    assert IsoWeek.of(monday + timedelta(days=3)) == week


@pytest.mark.parametrize("text", ["2026-W54", "2026-W00", "2026-48", "W48", "2025-W53", ""])
def test_anything_else_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(InputError, match="YYYY-Www"):
        IsoWeek.parse(text)


def test_a_session_across_midnight_counts_on_each_day_in_and_after_hours() -> None:
    rep = report("2026-W48", [session((at("2026-11-23 17:00"), at("2026-11-24 01:00")))])
    assert day(rep, date(2026, 11, 23)) == (Decimal(60), Decimal(360))
    assert day(rep, date(2026, 11, 24)) == (Decimal(0), Decimal(60))
    assert rep.total_minutes == Decimal(480)
    assert rep.sessions == 1


def test_only_the_part_inside_the_week_counts() -> None:
    across = session((at("2026-11-29 23:00"), at("2026-11-30 01:00")))
    this, following = report("2026-W48", [across]), report("2026-W49", [across])
    assert (this.total_minutes, following.total_minutes) == (Decimal(60), Decimal(60))
    assert day(this, date(2026, 11, 29)) == (Decimal(0), Decimal(60))


def test_the_night_the_clocks_go_back_counts_real_elapsed_time() -> None:
    # Sunday 25 October 2026, 02:00–05:00 local: 03:00–04:00 happens twice, 4 real hours.
    start = at("2026-10-25 02:00")
    end = datetime(2026, 10, 25, 5, tzinfo=ATHENS)
    rep = report("2026-W43", [session((start, end))])
    assert day(rep, date(2026, 10, 25)) == (Decimal(0), Decimal(240))


@pytest.mark.parametrize(
    ("week", "when", "why"),
    [
        ("2026-W16", "2026-04-13", "Orthodox Easter Monday"),
        ("2026-W32", "2026-08-05", "first day of the summer closure"),
        ("2026-W23", "2026-06-01", "Whit Monday"),
    ],
)
def test_office_hours_on_a_closed_day_are_after_hours(week: str, when: str, why: str) -> None:
    rep = report(week, [session((at(f"{when} 11:00"), at(f"{when} 12:30")))])
    assert day(rep, date.fromisoformat(when)) == (Decimal(0), Decimal(90)), why
    assert not next(d for d in rep.days if d.day == date.fromisoformat(when)).working_day


def test_a_technician_sees_only_their_own_sessions_per_customer_and_channel() -> None:
    sessions = [
        session((at("2026-11-23 10:00"), at("2026-11-23 11:00")), customer_id="c1"),
        session(
            (at("2026-11-24 10:00"), at("2026-11-24 10:30")),
            (at("2026-11-24 19:00"), at("2026-11-24 19:30")),
            customer_id="c2",
            channel=Channel.REMOTE,
        ),
        session((at("2026-11-25 10:00"), at("2026-11-25 14:00")), technician="maria"),
    ]
    customers = {"c2": Customer(id="c2", name="Κοσμηματοπωλείο Αθηνά")}
    rep = report("2026-W48", sessions, technician="nikos", customers=customers)
    assert rep.total_minutes == Decimal(120)
    assert [(b.label, b.in_hours_minutes, b.after_hours_minutes) for b in rep.customers] == [
        ("c1", Decimal(60), Decimal(0)),
        ("Κοσμηματοπωλείο Αθηνά", Decimal(30), Decimal(30)),
    ]
    assert [(b.key, b.total_minutes) for b in rep.channels] == [
        ("phone", Decimal(60)),
        ("remote", Decimal(60)),
    ]
    team = report("2026-W48", sessions)
    assert team.total_minutes == Decimal(360)
    assert team.sessions == 3


def incident(
    id: str,
    opened: datetime,
    *,
    by: str = "nikos",
    assignee: str | None = "nikos",
    status: IncidentStatus = IncidentStatus.NEW,
    responded: datetime | None = None,
    deadline_in: timedelta = timedelta(days=1),
    updated: datetime | None = None,
) -> Incident:
    return Incident(
        id=id,
        ref=f"R-{id}",
        customer_id="c1",
        subject="Δεν τυπώνει",
        opened_at=opened,
        opened_by=by,
        plan="business",
        warn_at=opened + deadline_in * 3 / 4,
        deadline=opened + deadline_in,
        first_response_at=responded,
        status=status,
        assignee=assignee,
        eligibility=Eligibility(contract_in_force=True, served_as="business"),
        updated_at=updated or opened,
    )


def test_incidents_opened_resolved_and_breached_in_the_week() -> None:
    incidents = [
        incident("open", at("2026-11-23 11:00"), responded=at("2026-11-23 12:00")),
        incident(
            "done",
            at("2026-11-16 11:00"),
            status=IncidentStatus.RESOLVED,
            responded=at("2026-11-16 12:00"),
            updated=at("2026-11-25 15:00"),
        ),
        incident("late", at("2026-11-24 11:00"), responded=at("2026-11-26 09:00")),
        incident("silent", at("2026-11-22 11:00")),
        incident("hers", at("2026-11-24 11:00"), by="maria", assignee="maria"),
        incident("future", at("2026-11-27 11:00"), deadline_in=timedelta(days=5)),
    ]
    rep = report("2026-W48", [], incidents=incidents, technician="nikos")
    assert [e.id for e in rep.opened] == ["open", "late", "future"]
    assert [e.id for e in rep.resolved] == ["done"]
    assert [e.id for e in rep.breaches] == ["silent", "late"]
    team = report("2026-W48", [], incidents=incidents)
    assert [e.id for e in team.breaches] == ["silent", "hers", "late"]  # same deadline: by ref


def test_a_deadline_still_ahead_is_no_breach() -> None:
    pending = incident("pending", at("2026-11-23 11:00"))
    rep = build_week_report(IsoWeek(2026, 48), [], [pending], CALENDAR, now=at("2026-11-24 10:59"))
    assert rep.breaches == ()
    rep = build_week_report(IsoWeek(2026, 48), [], [pending], CALENDAR, now=at("2026-11-24 11:01"))
    assert [e.id for e in rep.breaches] == ["pending"]


@st.composite
def week_sessions(draw: st.DrawFn) -> list[Session]:
    found = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        start = at("2026-10-18 12:00").astimezone(UTC) + timedelta(
            minutes=draw(st.integers(0, 9 * 24 * 60))
        )
        spans = []
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            end = start + timedelta(minutes=draw(st.integers(0, 20 * 60)))
            spans.append((start, end))
            start = end + timedelta(minutes=draw(st.integers(0, 120)))
        found.append(
            session(
                *spans,
                customer_id=draw(st.sampled_from(["c1", "c2"])),
                channel=draw(st.sampled_from(list(Channel))),
            )
        )
    return found


@given(week_sessions())
def test_days_customers_and_channels_each_add_up_to_the_week(sessions: list[Session]) -> None:
    # Week 43 of 2026 holds the night the clocks go back.
    rep = report("2026-W43", sessions)
    start, end = IsoWeek(2026, 43).start(ATHENS), IsoWeek(2026, 43).end(ATHENS)
    inside = sum(
        (
            max(timedelta(), min(s.end, end) - max(s.start, start))
            for x in sessions
            for s in x.segments
        ),
        timedelta(),
    )
    assert abs(rep.total_minutes - Decimal(inside.total_seconds()) / 60) < Decimal("0.01")
    for parts in (rep.days, rep.customers, rep.channels):
        assert abs(sum(p.total_minutes for p in parts) - rep.total_minutes) <= Decimal("0.05")
        for p in parts:
            assert p.in_hours_minutes + p.after_hours_minutes == p.total_minutes
