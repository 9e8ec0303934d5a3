"""A customer's month statement: which sessions it holds, what it adds up to, what is left."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InputError
from core.models import (
    Channel,
    Contract,
    Customer,
    Eligibility,
    Incident,
    Quote,
    QuoteLine,
    Segment,
    Session,
    SessionEdit,
)
from core.periods import Month
from core.rules import load_rules
from core.statements import (
    BOM,
    CSV_HEADER,
    CsvDialect,
    StatementTerms,
    build_statement,
    write_statement_csv,
)

ATHENS = ZoneInfo("Europe/Athens")
RULES = load_rules(None)
CENT = Decimal("0.01")


def at(text: str) -> datetime:
    """A local Athens wall-clock time, ``2026-11-23 17:30``."""
    return datetime.fromisoformat(text).replace(tzinfo=ATHENS)


def customer(
    plan: str | None = "basic",
    *,
    premium: str | None = None,
    credit: str = "0",
    valid: tuple[date, date] = (date(2020, 1, 1), date(2030, 12, 31)),
) -> Customer:
    contract = (
        Contract(plan=plan, premium_pack=premium, valid_from=valid[0], valid_until=valid[1])
        if plan
        else None
    )
    return Customer(
        id="c1", name="Ζαχαροπλαστείο Ηλιόπουλος", contract=contract, prepaid_credit=Decimal(credit)
    )


def quote(
    channel: Channel,
    net: str,
    *,
    plan: str = "basic",
    included: str = "0",
    credit: str = "0",
    expenses: Sequence[tuple[str, str]] = (),
    minutes: tuple[str, str] = ("60", "0"),
) -> Quote:
    lines = [QuoteLine(kind="time", label="time", amount=Decimal(net))]
    lines += [QuoteLine(kind=kind, label=kind, amount=Decimal(amount)) for kind, amount in expenses]
    total_net = sum((ln.amount for ln in lines), Decimal(0))
    vat = (total_net * Decimal("0.24")).quantize(CENT)
    in_h, after_h = (Decimal(m) for m in minutes)
    return Quote(
        plan=plan,
        channel=channel,
        in_hours_minutes=in_h,
        after_hours_minutes=after_h,
        billable_minutes=in_h + after_h,
        effective_minutes=in_h + after_h * Decimal("1.2"),
        included_hours_debited=Decimal(included),
        credit_debited=Decimal(credit),
        lines=tuple(lines),
        net=total_net,
        vat=vat,
        total=total_net + vat,
        due=total_net + vat,
        after_hours=after_h > 0,
    )


_ids = iter(range(10**9))


def session(
    start: datetime,
    q: Quote,
    *,
    customer_id: str = "c1",
    incident_id: str = "i1",
    technician: str = "nikos",
    edits: tuple[SessionEdit, ...] = (),
) -> Session:
    return Session(
        id=f"s{next(_ids):06d}",
        incident_id=incident_id,
        customer_id=customer_id,
        technician=technician,
        device_id="d1",
        channel=q.channel,
        segments=(Segment(start=start, end=start + timedelta(hours=1)),),
        quote=q,
        recorded_at=start + timedelta(hours=1),
        edits=edits,
    )


def incident(
    opened: datetime, *, premium: bool = False, id: str = "i1", customer_id: str = "c1"
) -> Incident:
    return Incident(
        id=id,
        ref=f"R-{id}",
        customer_id=customer_id,
        subject="Η εκτύπωση τιμολογίων κολλάει",
        opened_at=opened,
        opened_by="nikos",
        plan="maintenance",
        warn_at=opened + timedelta(days=2),
        deadline=opened + timedelta(days=5),
        eligibility=Eligibility(
            contract_in_force=True, served_as="maintenance", premium_used=premium
        ),
        updated_at=opened,
    )


def statement_for(cust: Customer, month: str, sessions: Sequence[Session], incidents=()):  # type: ignore[no-untyped-def]
    m = Month.parse(month)
    terms = StatementTerms.of(cust, m, RULES.plans, RULES.billing, RULES.timezone)
    return build_statement(cust, m, sessions, {i.id: i for i in incidents}, terms)


# -- months -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-11", Month(2026, 11)), (" 2026-01 ", Month(2026, 1)), ("1999-12", Month(1999, 12))],
)
def test_a_month_is_read_as_yyyy_mm(text: str, expected: Month) -> None:
    assert Month.parse(text) == expected
    assert str(expected) == text.strip()


@pytest.mark.parametrize(
    ("month", "previous", "following"),
    [
        (Month(2026, 1), Month(2025, 12), Month(2026, 2)),
        (Month(2026, 12), Month(2026, 11), Month(2027, 1)),
        (Month(2026, 6), Month(2026, 5), Month(2026, 7)),
    ],
)
def test_months_step_across_years(month: Month, previous: Month, following: Month) -> None:
    assert (month.previous, month.next) == (previous, following)
    assert month.next.previous == month == month.previous.next


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-1", "11-2026", "2026/11", "", "nov"])
def test_anything_else_is_refused_with_the_form_to_use(text: str) -> None:
    with pytest.raises(InputError, match="YYYY-MM"):
        Month.parse(text)


@pytest.mark.parametrize(
    ("month", "start", "end", "hours"),
    [
        # DST begins on the last Sunday of March: the month is an hour short.
        ("2026-03", "2026-02-28T22:00+00:00", "2026-03-31T21:00+00:00", 31 * 24 - 1),
        # DST ends on the last Sunday of October: the month is an hour long.
        ("2026-10", "2026-09-30T21:00+00:00", "2026-10-31T22:00+00:00", 31 * 24 + 1),
        ("2026-12", "2026-11-30T22:00+00:00", "2026-12-31T22:00+00:00", 31 * 24),
    ],
)
def test_a_month_runs_from_athens_midnight_to_athens_midnight(
    month: str, start: str, end: str, hours: int
) -> None:
    m = Month.parse(month)
    assert m.start(ATHENS) == datetime.fromisoformat(start)
    assert m.end(ATHENS) == datetime.fromisoformat(end)
    assert m.end(ATHENS) - m.start(ATHENS) == timedelta(hours=hours)


# -- which sessions ---------------------------------------------------------------------


def test_sessions_belong_to_the_athens_month_of_their_first_second_across_dst() -> None:
    q = quote(Channel.PHONE, "0")
    first = session(at("2026-03-01 00:30"), q)  # still 28 February in UTC
    last = session(at("2026-03-31 23:30"), q)  # after the spring-forward, +03:00
    april = session(at("2026-04-01 00:10"), q)  # 31 March 21:10 in UTC
    february = session(at("2026-02-28 23:50"), q)  # 1 March in nothing but its end
    st_ = statement_for(customer(), "2026-03", [april, last, february, first])
    assert [ln.session_id for ln in st_.lines] == [first.id, last.id]
    assert [ln.date for ln in st_.lines] == [date(2026, 3, 1), date(2026, 3, 31)]


def test_other_customers_sessions_are_left_out() -> None:
    mine = session(at("2026-11-23 11:00"), quote(Channel.REMOTE, "50"))
    theirs = session(at("2026-11-23 12:00"), quote(Channel.REMOTE, "70"), customer_id="c2")
    st_ = statement_for(customer(), "2026-11", [theirs, mine])
    assert [ln.session_id for ln in st_.lines] == [mine.id]
    assert st_.totals.net == Decimal("50.00")


def test_a_month_without_sessions_is_a_valid_statement_of_zeros() -> None:
    st_ = statement_for(customer("business"), "2026-11", [])
    assert st_.lines == ()
    t = st_.totals
    assert (t.sessions, t.net, t.vat, t.total) == (
        0,
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    )
    remote = next(a for a in st_.allowances if a.channel is Channel.REMOTE)
    assert (remote.included_hours, remote.left) == (Decimal(8), Decimal(8))


# -- the numbers ------------------------------------------------------------------------


def test_spec_worked_examples_add_up_with_vat_on_the_net() -> None:
    # SPEC §5: free phone Mon 17:30–18:30 with no credit is 55.00 + 13.20 = 68.20, and
    # basic remote with 3.5 of 4 h used is 30.00 + 7.20 = 37.20.
    free = statement_for(
        customer("free"),
        "2026-11",
        [session(at("2026-11-23 17:30"), quote(Channel.PHONE, "55.00", plan="free"))],
    )
    assert (free.totals.net, free.totals.vat, free.totals.total) == (
        Decimal("55.00"),
        Decimal("13.20"),
        Decimal("68.20"),
    )
    basic = statement_for(
        customer("basic"),
        "2026-11",
        [
            session(at("2026-11-02 11:00"), quote(Channel.REMOTE, "0", included="3.5")),
            session(at("2026-11-23 17:30"), quote(Channel.REMOTE, "30.00", included="0.5")),
        ],
    )
    assert (basic.totals.net, basic.totals.vat, basic.totals.total) == (
        Decimal("30.00"),
        Decimal("7.20"),
        Decimal("37.20"),
    )


def test_vat_is_charged_once_on_the_net_total_not_summed_per_session() -> None:
    # Three sessions of 0.10 €: per-session VAT would be 3 × 0.02 = 0.06; on the net 0.07.
    sessions = [session(at(f"2026-11-2{d} 11:00"), quote(Channel.PHONE, "0.10")) for d in (3, 4, 5)]
    st_ = statement_for(customer("free"), "2026-11", sessions)
    assert st_.totals.net == Decimal("0.30")
    assert st_.totals.vat == Decimal("0.07")
    assert st_.totals.total == Decimal("0.37")


def test_vat_rate_comes_from_the_price_list() -> None:
    m = Month(2026, 11)
    billing = RULES.billing.model_copy(update={"vat_rate": Decimal("0.13")})
    terms = StatementTerms.of(customer("free"), m, RULES.plans, billing, ATHENS)
    st_ = build_statement(
        customer("free"),
        m,
        [session(at("2026-11-23 11:00"), quote(Channel.PHONE, "100"))],
        {},
        terms,
    )
    assert (st_.totals.vat_rate, st_.totals.vat, st_.totals.total) == (
        Decimal("0.13"),
        Decimal("13.00"),
        Decimal("113.00"),
    )


def test_expenses_and_out_of_office_fees_are_shown_apart_from_the_time() -> None:
    onsite = quote(
        Channel.ONSITE,
        "25.00",
        expenses=(("expense", "40.00"), ("expense", "5.50"), ("out_of_office_fee", "20.00")),
    )
    st_ = statement_for(customer(), "2026-11", [session(at("2026-11-23 11:00"), onsite)])
    (line,) = st_.lines
    assert (line.amount, line.expenses, line.net) == (
        Decimal("25.00"),
        Decimal("65.50"),
        Decimal("90.50"),
    )
    t = st_.totals
    assert (t.time_charges, t.expenses, t.net, t.vat) == (
        Decimal("25.00"),
        Decimal("65.50"),
        Decimal("90.50"),
        Decimal("21.72"),
    )


def test_prepaid_credit_before_and_after_are_read_back_from_the_current_credit() -> None:
    # Now 30 € are left; December's session took 20 €, November's took 50 € and 15 €.
    sessions = [
        session(at("2026-11-05 11:00"), quote(Channel.PHONE, "50.00", plan="free", credit="50")),
        session(at("2026-11-20 11:00"), quote(Channel.PHONE, "25.00", plan="free", credit="15")),
        session(at("2026-12-02 11:00"), quote(Channel.PHONE, "20.00", plan="free", credit="20")),
    ]
    st_ = statement_for(customer("free", credit="30"), "2026-11", sessions)
    t = st_.totals
    assert (t.credit_after, t.credit_before, t.credit_applied) == (
        Decimal("50.00"),
        Decimal("115.00"),
        Decimal("65.00"),
    )
    # Credit is net money whose VAT was invoiced when it was bought.
    assert (t.net, t.net_due, t.vat, t.total) == (
        Decimal("75.00"),
        Decimal("10.00"),
        Decimal("2.40"),
        Decimal("12.40"),
    )


def test_included_hours_are_counted_for_the_contract_year_up_to_the_months_end() -> None:
    sessions = [
        session(at("2025-12-15 11:00"), quote(Channel.REMOTE, "0", included="3")),
        session(at("2026-01-12 11:00"), quote(Channel.REMOTE, "0", included="1.5")),
        session(at("2026-02-03 11:00"), quote(Channel.REMOTE, "0", included="2")),
        session(at("2026-02-27 11:00"), quote(Channel.REMOTE, "25.00", included="0.5")),
        session(at("2026-03-02 11:00"), quote(Channel.REMOTE, "50.00")),
    ]
    st_ = statement_for(customer("basic"), "2026-02", sessions)
    (remote,) = st_.allowances
    assert remote.channel is Channel.REMOTE
    assert (remote.included_hours, remote.used_before_month, remote.used_in_month) == (
        Decimal(4),
        Decimal("1.5"),
        Decimal("2.5"),
    )
    assert (remote.used_to_date, remote.left) == (Decimal(4), Decimal(0))


def test_the_included_hours_start_afresh_in_the_new_contract_year() -> None:
    sessions = [
        session(at("2025-12-31 23:00"), quote(Channel.REMOTE, "0", included="4")),
        session(at("2026-01-01 00:30"), quote(Channel.REMOTE, "0", included="1")),
    ]
    december = statement_for(customer("business"), "2025-12", sessions)
    january = statement_for(customer("business"), "2026-01", sessions)
    assert december.allowances[0].left == Decimal(4)
    assert (january.allowances[0].used_before_month, january.allowances[0].left) == (
        Decimal(0),
        Decimal(7),
    )


def test_a_contract_not_in_force_that_month_has_no_included_hours() -> None:
    expired = customer("business", valid=(date(2024, 1, 1), date(2025, 12, 31)))
    st_ = statement_for(expired, "2026-02", [])
    assert st_.allowances == ()


def test_premium_incidents_used_and_left_count_the_contract_year() -> None:
    cust = customer("maintenance", premium="premium-4")
    incidents = [
        incident(at("2025-12-10 11:00"), premium=True, id="old"),
        incident(at("2026-01-10 11:00"), premium=True, id="jan"),
        incident(at("2026-02-10 11:00"), premium=True, id="feb"),
        incident(at("2026-02-11 11:00"), premium=False, id="hourly"),
        incident(at("2026-02-12 11:00"), premium=True, id="other", customer_id="c2"),
        incident(at("2026-03-01 00:05"), premium=True, id="mar"),
    ]
    st_ = statement_for(cust, "2026-02", [], incidents)
    assert st_.premium is not None
    p = st_.premium
    assert (p.pack, p.incidents, p.used_in_month, p.used_to_date, p.left) == (
        "premium-4",
        4,
        1,
        2,
        2,
    )
    assert statement_for(customer("basic"), "2026-02", [], incidents).premium is None


@pytest.mark.parametrize(
    ("month", "day", "why"),
    [
        ("2026-04", "2026-04-13 11:00", "Orthodox Easter Monday"),
        ("2026-06", "2026-06-01 11:00", "Whit Monday"),
        ("2026-08", "2026-08-10 11:00", "summer closure"),
        ("2026-10", "2026-10-25 03:30", "the night the clocks go back"),
    ],
)
def test_closed_days_are_listed_with_the_after_hours_time_their_quote_holds(
    month: str, day: str, why: str
) -> None:
    q = quote(Channel.PHONE, "60.00", plan="free", minutes=("0", "60"))
    st_ = statement_for(customer("free"), month, [session(at(day), q)])
    (line,) = st_.lines
    assert line.date == at(day).date(), why
    assert (line.in_hours_minutes, line.after_hours_minutes) == (Decimal(0), Decimal(60))
    assert line.effective_minutes == Decimal(72)
    assert line.after_hours


def test_an_edited_session_shows_its_quote_now_and_the_edit() -> None:
    old = quote(Channel.REMOTE, "50.00")
    new = quote(Channel.REMOTE, "25.00", minutes=("30", "0"))
    start = at("2026-11-23 11:00")
    edit = SessionEdit(
        at=at("2026-11-24 09:00"),
        by="maria",
        reason="customer left early",
        old_segments=(Segment(start=start, end=start + timedelta(hours=1)),),
        old_channel=Channel.REMOTE,
        old_quote=old,
    )
    st_ = statement_for(customer(), "2026-11", [session(start, new, edits=(edit,))])
    (line,) = st_.lines
    assert line.amount == Decimal("25.00")
    (shown,) = line.edits
    assert (shown.by, shown.reason, shown.old_amount) == (
        "maria",
        "customer left early",
        Decimal("50.00"),
    )


# -- properties -------------------------------------------------------------------------

money_st = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False)


@st.composite
def months_of_sessions(draw: st.DrawFn) -> list[Session]:
    count = draw(st.integers(min_value=0, max_value=12))
    found = []
    for _ in range(count):
        day = draw(st.integers(min_value=1, max_value=30))
        minute = draw(st.integers(min_value=0, max_value=24 * 60 - 1))
        net = draw(money_st)
        credit = draw(st.decimals(min_value=0, max_value=net, places=2))
        fee = draw(money_st)
        q = quote(
            draw(st.sampled_from(list(Channel))),
            str(net),
            plan="free",
            credit=str(credit),
            expenses=(("expense", str(fee)),),
        )
        start = datetime(2026, 11, day, tzinfo=ATHENS) + timedelta(minutes=minute)
        found.append(session(start, q))
    return found


@given(months_of_sessions(), st.randoms())
def test_totals_add_up_from_the_quotes_in_any_order(
    sessions: list[Session], rnd: random.Random
) -> None:
    st_ = statement_for(customer("free", credit="0"), "2026-11", sessions)
    shuffled = list(sessions)
    rnd.shuffle(shuffled)
    assert statement_for(customer("free", credit="0"), "2026-11", shuffled) == st_
    net = sum((s.quote.net for s in sessions), Decimal(0))
    credit = sum((s.quote.credit_debited for s in sessions), Decimal(0))
    vat = ((net - credit) * Decimal("0.24")).quantize(CENT, rounding=ROUND_HALF_UP)
    t = st_.totals
    assert t.sessions == len(sessions)
    assert t.net == net == t.time_charges + t.expenses
    assert sum((ln.amount + ln.expenses for ln in st_.lines), Decimal(0)) == net
    assert (t.credit_applied, t.vat, t.total) == (credit, vat, net - credit + vat)
    assert t.credit_before - t.credit_after == t.credit_applied
    assert [ln.date for ln in st_.lines] == sorted(ln.date for ln in st_.lines)


# -- CSV --------------------------------------------------------------------------------


def test_csv_has_a_header_a_row_per_session_and_the_totals_with_greek_intact() -> None:
    sessions = [
        session(at("2026-11-23 11:00"), quote(Channel.REMOTE, "50.00", included="1")),
        session(
            at("2026-11-24 19:00"), quote(Channel.ONSITE, "30.00", expenses=(("expense", "12.00"),))
        ),
    ]
    incidents = [incident(at("2026-11-23 10:30"))]
    st_ = statement_for(customer("basic"), "2026-11", sessions, incidents)
    out = io.StringIO()
    write_statement_csv(st_, out, CsvDialect.EXCEL)
    assert out.getvalue().startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().removeprefix(BOM))))
    assert list(rows[0]) == list(CSV_HEADER)
    assert all(len(r) == len(CSV_HEADER) and None not in r for r in rows)
    session_rows = [r for r in rows if r["line"] == "session"]
    assert [r["session"] for r in session_rows] == [s.id for s in sessions]
    assert session_rows[0]["subject"] == "Η εκτύπωση τιμολογίων κολλάει"
    assert sum(Decimal(r["amount"]) + Decimal(r["expenses"]) for r in session_rows) == Decimal(
        "92.00"
    )
    by_label = {r["line"]: r for r in rows if r["line"] != "session"}
    assert by_label["net"]["amount"] == "92.00"
    assert by_label["VAT 24 %"]["amount"] == "22.08"
    assert by_label["total"]["amount"] == "114.08"
    assert by_label["remote included hours left"]["included_hours_drawn"] == "3"
