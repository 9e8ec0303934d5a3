"""SLA targets, states and the queue order (SPEC §4), on the worked examples and the hard weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InputError
from core.models import Eligibility, Incident
from core.rules import load_rules
from core.sla import SlaState, due_at, queue_order, state, targets
from tests.core.oracle import OracleCalendar

ATHENS = ZoneInfo("Europe/Athens")
RULES = load_rules()
ORACLE = OracleCalendar(RULES.calendar.config)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ATHENS)


@pytest.mark.parametrize(
    ("plan", "opened", "warn_at", "deadline"),
    [
        # SPEC §4, the three worked examples
        ("business", "2026-11-20 17:00", "2026-11-23 11:00", "2026-11-23 17:00"),
        ("basic", "2026-11-20 17:00", "2026-11-24 05:00", "2026-11-24 17:00"),
        ("free", "2026-11-20 17:00", "2026-11-24 17:00", "2026-11-27 17:00"),
        # Christmas in three years
        ("business", "2026-12-24 12:00", "2026-12-28 06:00", "2026-12-28 12:00"),
        ("free", "2025-12-24 12:00", "2025-12-30 12:00", "2026-01-05 12:00"),
        ("basic", "2027-12-23 18:00", "2027-12-27 06:00", "2027-12-27 18:00"),
        # Orthodox Easter: Good Friday and Easter Monday
        ("business", "2026-04-10 09:00", "2026-04-14 18:00", "2026-04-15 00:00"),
        # 2027: Labour Day falls on Easter Saturday and moves to Tuesday 4 May
        ("basic", "2027-04-29 15:00", "2027-05-06 03:00", "2027-05-06 15:00"),
        ("free", "2028-04-14 11:00", "2028-04-19 18:00", "2028-04-24 18:00"),
        # Whit Monday
        ("business", "2026-05-29 12:00", "2026-06-02 06:00", "2026-06-02 12:00"),
        ("basic", "2027-06-18 20:00", "2027-06-23 08:00", "2027-06-23 20:00"),
        ("maintenance", "2028-06-02 16:00", "2028-06-07 16:00", "2028-06-12 16:00"),
        # the summer closure: before it, and opened inside it
        ("business", "2026-08-04 20:00", "2026-08-26 14:00", "2026-08-26 20:00"),
        ("free", "2026-08-05 11:00", "2026-08-27 18:00", "2026-09-01 18:00"),
        # weekends and opened outside support hours
        ("basic", "2026-11-21 10:00", "2026-11-24 12:00", "2026-11-25 00:00"),
        ("free", "2026-11-23 07:00", "2026-11-24 18:00", "2026-11-27 18:00"),
        ("premium-4", "2026-11-23 19:00", "2026-11-25 18:00", "2026-11-30 18:00"),
        ("business", "2026-11-23 10:00", "2026-11-24 04:00", "2026-11-24 10:00"),
        # DST weeks (October back, March forward) and Ohi Day
        ("business", "2026-10-23 22:00", "2026-10-26 16:00", "2026-10-26 22:00"),
        ("basic", "2026-03-27 12:00", "2026-03-31 00:00", "2026-03-31 12:00"),
        ("free", "2026-10-27 17:00", "2026-10-30 17:00", "2026-11-04 17:00"),
    ],
)
def test_targets(plan: str, opened: str, warn_at: str, deadline: str) -> None:
    found = targets(RULES, plan, at(opened))
    assert (found.warn_at, found.deadline, found.resolve_by) == (at(warn_at), at(deadline), None)
    sla = RULES.plans[plan].sla
    assert ORACLE.advance(sla.clock, at(opened), sla.deadline) == at(deadline)


def test_targets_are_shown_in_the_business_zone_whatever_the_input_offset() -> None:
    found = targets(RULES, "business", at("2026-11-20 17:00").astimezone(ZoneInfo("Asia/Tokyo")))
    assert found.deadline.isoformat() == "2026-11-23T17:00:00+02:00"


def test_an_unknown_plan_is_refused() -> None:
    with pytest.raises(InputError, match="no plan 'gold'"):
        targets(RULES, "gold", at("2026-11-20 17:00"))


def test_a_resolution_target_when_the_plan_sets_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "plans.toml").write_text("[plans.business.sla]\nresolve_hours = 48\n")
    found = targets(load_rules(tmp_path), "business", at("2026-11-20 17:00"))
    assert found.resolve_by == at("2026-11-24 17:00")


def incident(
    id_: str,
    opened: str,
    plan: str = "business",
    responded: str | None = None,
    resolve_by: str | None = None,
) -> Incident:
    found = targets(RULES, plan, at(opened))
    return Incident(
        id=id_,
        ref=id_,
        customer_id="c1",
        subject="printing fails",
        opened_at=at(opened),
        opened_by="tech",
        plan=plan,
        warn_at=found.warn_at,
        deadline=found.deadline,
        resolve_by=at(resolve_by) if resolve_by else None,
        first_response_at=at(responded) if responded else None,
        eligibility=Eligibility(contract_in_force=True, served_as=plan),
        updated_at=at(opened),
    )


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-23 10:59", SlaState.ON_TIME),
        ("2026-11-23 11:00", SlaState.WARNED),
        ("2026-11-23 17:00", SlaState.WARNED),  # a response at the deadline is on time
        ("2026-11-23 17:01", SlaState.BREACHED),
    ],
)
def test_state(now: str, expected: SlaState) -> None:
    assert state(incident("a", "2026-11-20 17:00"), at(now)) is expected


def test_after_the_first_response_the_resolution_target_is_due() -> None:
    answered = incident("a", "2026-11-20 17:00", responded="2026-11-23 09:00")
    assert due_at(answered) is None
    assert state(answered, at("2026-12-31 12:00")) is SlaState.ON_TIME
    with_target = incident(
        "b", "2026-11-20 17:00", responded="2026-11-23 09:00", resolve_by="2026-11-25 12:00"
    )
    assert due_at(with_target) == at("2026-11-25 12:00")
    assert state(with_target, at("2026-11-24 12:00")) is SlaState.ON_TIME  # no warning for it
    assert state(with_target, at("2026-11-25 12:01")) is SlaState.BREACHED


def test_queue_order() -> None:
    now = at("2026-11-24 12:00")
    breached_late = incident("breached-late", "2026-11-20 17:00")  # due Mon 17:00
    breached_early = incident("breached-early", "2026-11-20 12:00")  # due Mon 12:00
    warned = incident("warned", "2026-11-23 17:00")  # warn Tue 11:00, due Tue 17:00
    on_time_late = incident("on-time-late", "2026-11-24 11:00", plan="free")
    on_time_early = incident("on-time-early", "2026-11-24 11:00")
    no_due_new = incident("no-due-new", "2026-11-19 12:00", responded="2026-11-19 13:00")
    no_due_old = incident("no-due-old", "2026-11-18 12:00", responded="2026-11-18 13:00")
    given_order = [
        no_due_new,
        on_time_late,
        warned,
        no_due_old,
        breached_late,
        on_time_early,
        breached_early,
    ]
    assert [i.id for i in queue_order(given_order, now)] == [
        "breached-early",
        "breached-late",
        "warned",
        "on-time-early",
        "on-time-late",
        "no-due-old",
        "no-due-new",
    ]


_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
instants = st.integers(0, 6 * 365 * 24 * 60).map(lambda m: _EPOCH + timedelta(minutes=m))


@given(st.sampled_from(sorted(RULES.plans)), instants, st.integers(0, 30 * 24 * 60))
def test_a_later_opening_never_gives_earlier_targets(
    plan: str, opened: datetime, later: int
) -> None:
    first = targets(RULES, plan, opened)
    second = targets(RULES, plan, opened + timedelta(minutes=later))
    assert second.warn_at >= first.warn_at
    assert second.deadline >= first.deadline
    assert opened <= first.warn_at <= first.deadline
    clock = RULES.plans[plan].sla.clock
    assert RULES.calendar.counts(clock, first.deadline - timedelta(microseconds=1))
