"""Pricing a session (SPEC §5): the worked examples, the awkward sessions, and properties."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import InputError
from core.models import Expenses, Segment
from core.pricing import price_session
from core.rules import load_rules
from tests.core.oracle import OracleCalendar

ATHENS = ZoneInfo("Europe/Athens")
RULES = load_rules()
D = Decimal


def instant(text: str) -> datetime:
    """ISO 8601; a time without an offset is read in Athens."""
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ATHENS)


def segs(*spans: str) -> list[Segment]:
    return [
        Segment(start=instant(start), end=instant(end))
        for start, end in (span.split("/") for span in spans)
    ]


MON = "2026-11-23T"  # a working Monday

CASES: list[tuple[str, str, list[str], dict[str, Any], str, str, str]] = [
    # SPEC §5, the three worked examples
    ("free", "phone", [f"{MON}17:30/{MON}18:30"], {}, "55.00", "13.20", "68.20"),
    (
        "basic",
        "remote",
        [f"{MON}17:30/{MON}18:30"],
        {"included_used_hours": D("3.5")},
        "30.00",
        "7.20",
        "37.20",
    ),
    ("basic", "phone", [f"{MON}17:30/{MON}18:30"], {}, "0.00", "0.00", "0.00"),
    # rounding up to 15 min, in hours
    ("free", "phone", [f"{MON}11:00/{MON}11:50"], {}, "50.00", "12.00", "62.00"),
    # rounding across the after-hours edge: the added minutes take the last second's class
    ("free", "remote", [f"{MON}17:50/{MON}18:02"], {}, "13.33", "3.20", "16.53"),
    ("free", "phone", [f"{MON}09:55/{MON}10:02"], {}, "13.33", "3.20", "16.53"),
    # pauses: three segments, rounded once
    (
        "free",
        "phone",
        [f"{MON}11:00/{MON}11:10", f"{MON}11:30/{MON}11:35", f"{MON}17:55/{MON}18:05"],
        {},
        "26.67",
        "6.40",
        "33.07",
    ),
    # across midnight, and across both DST changes (real elapsed time: 5 h and 4 h)
    ("free", "onsite", ["2026-11-23T23:30/2026-11-24T00:30"], {}, "54.00", "12.96", "66.96"),
    (
        "free",
        "phone",
        ["2026-10-24T23:30+03:00/2026-10-25T03:30+02:00"],
        {},
        "300.00",
        "72.00",
        "372.00",
    ),
    (
        "free",
        "phone",
        ["2026-03-28T23:30+02:00/2026-03-29T04:30+03:00"],
        {},
        "240.00",
        "57.60",
        "297.60",
    ),
    # a holiday and the closure are after hours
    ("business", "remote", ["2026-12-25T11:00/2026-12-25T12:00"], {}, "0.00", "0.00", "0.00"),
    ("free", "office", ["2026-08-12T11:00/2026-08-12T12:00"], {}, "30.00", "7.20", "37.20"),
    ("free", "remote", ["2027-05-03T11:00/2027-05-03T11:15"], {}, "15.00", "3.60", "18.60"),
    # included hours partly used, exhausted, plenty
    (
        "business",
        "remote",
        [f"{MON}11:00/{MON}13:00"],
        {"included_used_hours": D("7.5")},
        "75.00",
        "18.00",
        "93.00",
    ),
    (
        "basic",
        "remote",
        [f"{MON}11:00/{MON}12:00"],
        {"included_used_hours": D(4)},
        "50.00",
        "12.00",
        "62.00",
    ),
    (
        "basic",
        "remote",
        [f"{MON}11:00/{MON}12:00"],
        {"included_used_hours": D(9)},
        "50.00",
        "12.00",
        "62.00",
    ),
    ("basic", "remote", [f"{MON}11:00/{MON}12:00"], {}, "0.00", "0.00", "0.00"),
    # drawn chronologically: the after-hours start uses the included half hour (36 eff. min)
    (
        "basic",
        "remote",
        [f"{MON}09:30/{MON}10:30"],
        {"included_used_hours": D("3.5")},
        "30.00",
        "7.20",
        "37.20",
    ),
    # free channels cost nothing after hours or at weekends
    ("business", "phone", ["2026-11-21T12:00/2026-11-21T13:00"], {}, "0.00", "0.00", "0.00"),
    ("basic", "office", [f"{MON}20:00/{MON}22:00"], {}, "0.00", "0.00", "0.00"),
    ("free", "remote", ["2026-11-21T12:00/2026-11-21T12:20"], {}, "30.00", "7.20", "37.20"),
    # maintenance: written included, the rest at free rates; premium incidents
    ("maintenance", "written", [f"{MON}17:30/{MON}18:30"], {}, "0.00", "0.00", "0.00"),
    ("maintenance", "phone", [f"{MON}11:00/{MON}12:00"], {}, "50.00", "12.00", "62.00"),
    (
        "premium-4",
        "phone",
        [f"{MON}11:00/{MON}12:00"],
        {"premium_covered": True},
        "0.00",
        "0.00",
        "0.00",
    ),
    (
        "premium-4",
        "phone",
        [f"{MON}17:30/{MON}18:30"],
        {"premium_covered": True},
        "30.00",
        "7.20",
        "37.20",
    ),
    # out of town: expenses without surcharge
    (
        "free",
        "onsite",
        [f"{MON}17:00/{MON}19:00"],
        {"out_of_town": True, "expenses": Expenses(travel=D(40), parking=D("5.5"))},
        "144.50",
        "34.68",
        "179.18",
    ),
    # exactly one billing unit, nothing to round
    ("free", "office", [f"{MON}11:00/{MON}11:15"], {}, "6.25", "1.50", "7.75"),
]


@pytest.mark.parametrize(("plan", "channel", "spans", "kwargs", "net", "vat", "total"), CASES)
def test_price(
    plan: str,
    channel: str,
    spans: list[str],
    kwargs: dict[str, Any],
    net: str,
    vat: str,
    total: str,
) -> None:
    quote = price_session(RULES, plan, channel, segs(*spans), **kwargs)
    assert (quote.net, quote.vat, quote.total) == (D(net), D(vat), D(total))
    assert sum(line.amount for line in quote.lines) == quote.net
    for line in quote.lines:
        if line.minutes is not None and line.rate is not None:
            assert line.amount == (line.minutes * line.rate / 60).quantize(D("0.01"))


def test_the_worked_example_lines_say_why() -> None:
    quote = price_session(
        RULES, "basic", "remote", segs(f"{MON}17:30/{MON}18:30"), included_used_hours=D("3.5")
    )
    assert (quote.in_hours_minutes, quote.after_hours_minutes) == (30, 30)
    assert (quote.billable_minutes, quote.effective_minutes) == (60, 66)
    assert quote.included_hours_debited == D("0.5")
    assert quote.after_hours
    assert [(line.kind, line.minutes, line.rate, line.amount) for line in quote.lines] == [
        ("included", 30, 0, D("0.00")),
        ("after_hours", 36, 50, D("30.00")),
    ]
    assert quote.lines[1].label == "remote after hours, 30 min × 1.2"


def test_rounding_goes_to_the_class_of_the_last_second() -> None:
    quote = price_session(RULES, "free", "remote", segs(f"{MON}17:50/{MON}18:02"))
    assert (quote.in_hours_minutes, quote.after_hours_minutes, quote.billable_minutes) == (
        10,
        2,
        15,
    )
    assert [line.minutes for line in quote.lines] == [10, 6]  # 5 after-hours min × 1.2


def test_a_free_channel_after_hours_is_still_marked_after_hours() -> None:
    quote = price_session(RULES, "basic", "phone", segs(f"{MON}17:30/{MON}18:30"))
    assert quote.after_hours and quote.net == 0 and quote.included_hours_debited == 0


def test_included_hours_are_drawn_in_effective_time_across_the_edge() -> None:
    quote = price_session(
        RULES, "basic", "remote", segs(f"{MON}09:30/{MON}10:30"), included_used_hours=D("3.5")
    )
    assert [(line.kind, line.minutes, line.amount) for line in quote.lines] == [
        ("included", 30, D("0.00")),  # 25 after-hours minutes × 1.2
        ("in_hours", 30, D("25.00")),
        ("after_hours", 6, D("5.00")),  # the other 5 after-hours minutes × 1.2
    ]


@pytest.mark.parametrize(
    ("credit", "debited", "due"),
    [(D(0), D(0), D("62.00")), (D(20), D(20), D("37.20")), (D(100), D("50.00"), D("0.00"))],
)
def test_free_credit_is_debited_before_anything_is_due(credit: D, debited: D, due: D) -> None:
    quote = price_session(RULES, "free", "phone", segs(f"{MON}11:00/{MON}12:00"), credit=credit)
    assert (quote.total, quote.credit_debited, quote.due) == (D("62.00"), debited, due)


def test_credit_is_not_spent_on_expenses() -> None:
    quote = price_session(
        RULES,
        "free",
        "onsite",
        segs(f"{MON}11:00/{MON}12:00"),
        credit=D(500),
        out_of_town=True,
        expenses=Expenses(lodging=D(80)),
    )
    assert (quote.net, quote.credit_debited, quote.due) == (D("125.00"), D("45.00"), D("99.20"))


def test_the_out_of_office_fee_is_a_setting(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text('[billing]\nout_of_office_fee = "30"\n')
    quote = price_session(
        load_rules(tmp_path), "basic", "onsite", segs(f"{MON}11:00/{MON}12:00"), out_of_town=True
    )
    assert [(line.kind, line.amount) for line in quote.lines] == [
        ("in_hours", D("25.00")),
        ("out_of_office_fee", D("30.00")),
    ]


@pytest.mark.parametrize(
    ("plan", "channel", "spans", "kwargs", "message"),
    [
        ("gold", "phone", [f"{MON}11:00/{MON}12:00"], {}, "no plan 'gold'"),
        ("free", "fax", [f"{MON}11:00/{MON}12:00"], {}, "no channel 'fax'"),
        ("free", "phone", [], {}, "at least one segment"),
        ("free", "phone", [f"{MON}11:00/{MON}12:00", f"{MON}11:30/{MON}12:30"], {}, "overlap"),
        ("basic", "phone", [f"{MON}11:00/{MON}12:00"], {"credit": D(5)}, "no prepaid credit"),
        ("free", "phone", [f"{MON}11:00/{MON}12:00"], {"credit": D(-5)}, "cannot be negative"),
        ("free", "phone", [f"{MON}11:00/{MON}12:00"], {"out_of_town": True}, "on-site"),
    ],
)
def test_bad_input(
    plan: str, channel: str, spans: list[str], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        price_session(RULES, plan, channel, segs(*spans), **kwargs)


def test_a_channel_not_offered(tmp_path: Path) -> None:
    (tmp_path / "plans.toml").write_text("[plans.free.channels.onsite]\noffered = false\n")
    with pytest.raises(InputError, match="does not offer onsite; use one of: phone"):
        price_session(load_rules(tmp_path), "free", "onsite", segs(f"{MON}11:00/{MON}12:00"))


# -- properties -------------------------------------------------------------------------

_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
instants = st.integers(0, 6 * 365 * 24 * 3600).map(lambda s: _EPOCH + timedelta(seconds=s))
lengths = st.integers(1, 3 * 24 * 3600).map(lambda s: timedelta(seconds=s))
plans_channels = st.sampled_from(
    [("free", "phone"), ("basic", "remote"), ("business", "remote"), ("free", "onsite")]
)


@given(plans_channels, instants, lengths, st.floats(0, 1), st.integers(0, 12))
def test_cutting_a_session_in_two_costs_the_same(
    plan_channel: tuple[str, str], start: datetime, length: timedelta, cut: float, used: int
) -> None:
    plan, channel = plan_channel
    end = start + length
    middle = start + length * cut
    whole = price_session(
        RULES, plan, channel, [Segment(start=start, end=end)], included_used_hours=D(used) / 2
    )
    parts = price_session(
        RULES,
        plan,
        channel,
        [Segment(start=start, end=middle), Segment(start=middle, end=end)],
        included_used_hours=D(used) / 2,
    )
    assert parts == whole
    assert whole.billable_minutes >= whole.in_hours_minutes + whole.after_hours_minutes - D("0.01")


minute_instants = st.integers(0, 6 * 365 * 24 * 60).map(lambda m: _EPOCH + timedelta(minutes=m))


@settings(max_examples=50, deadline=None)
@given(plans_channels, minute_instants, st.integers(1, 2 * 24 * 60))
def test_pricing_agrees_with_the_oracle_calendar(
    plan_channel: tuple[str, str], start: datetime, minutes: int
) -> None:
    oracle_rules = dataclasses.replace(RULES, calendar=OracleCalendar(RULES.calendar.config))
    segments = [Segment(start=start, end=start + timedelta(minutes=minutes))]
    assert price_session(RULES, *plan_channel, segments) == price_session(
        oracle_rules,  # type: ignore[arg-type]
        *plan_channel,
        segments,
    )
