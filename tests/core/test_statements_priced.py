"""Statements over a year of sessions priced by the real rules, checked against the quotes."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from bench.data import History, priced_history
from core.models import Channel, Session
from core.periods import Month
from core.rules import load_rules
from core.statements import Statement, StatementTerms, build_statement

RULES = load_rules(None)
HISTORY: History = priced_history(
    RULES, customers=12, sessions=1500, start=date(2025, 11, 1), days=455, seed=3
)
TZ = RULES.timezone

# DST starts, Easter and Whit Monday, the summer closure, DST ends, a contract year ends
# and the next begins.
MONTHS = ["2026-03", "2026-04", "2026-06", "2026-08", "2026-10", "2025-12", "2026-01"]


def statement(customer_id: str, month: str) -> Statement:
    customer = next(c for c in HISTORY.customers if c.id == customer_id)
    m = Month.parse(month)
    terms = StatementTerms.of(customer, m, RULES.plans, RULES.billing, TZ)
    incidents = {i.id: i for i in HISTORY.incidents}
    return build_statement(customer, m, HISTORY.sessions, incidents, terms)


def local_month(session: Session) -> str:
    return session.segments[0].start.astimezone(TZ).strftime("%Y-%m")


@pytest.mark.parametrize("month", MONTHS)
@pytest.mark.parametrize("customer_id", [c.id for c in HISTORY.customers])
def test_statement_totals_are_the_sums_of_the_months_quotes(customer_id: str, month: str) -> None:
    mine = [s for s in HISTORY.sessions if s.customer_id == customer_id and local_month(s) == month]
    st = statement(customer_id, month)
    assert [ln.session_id for ln in st.lines] == [s.id for s in mine]
    net = sum((s.quote.net for s in mine), Decimal(0))
    credit = sum((s.quote.credit_debited for s in mine), Decimal(0))
    vat = ((net - credit) * Decimal("0.24")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    t = st.totals
    assert (t.net, t.credit_applied, t.vat, t.total) == (net, credit, vat, net - credit + vat)
    assert t.in_hours_minutes == sum((s.quote.in_hours_minutes for s in mine), Decimal(0))
    assert t.after_hours_minutes == sum((s.quote.after_hours_minutes for s in mine), Decimal(0))
    # Without prepaid credit, what each quote says is due adds up to the statement, give or
    # take a cent of VAT rounding per session.
    if not credit:
        due = sum((s.quote.due for s in mine), Decimal(0))
        assert abs(due - t.total) <= Decimal("0.01") * len(mine)


@pytest.mark.parametrize("customer_id", [c.id for c in HISTORY.customers])
def test_included_hours_left_follow_the_quotes_and_reset_on_1_january(customer_id: str) -> None:
    for month in ("2025-12", "2026-01", "2026-02"):
        st = statement(customer_id, month)
        m = Month.parse(month)
        for allowance in st.allowances:
            drawn = sum(
                (
                    s.quote.included_hours_debited
                    for s in HISTORY.sessions
                    if s.customer_id == customer_id
                    and s.channel is allowance.channel
                    and datetime(m.year, 1, 1, tzinfo=TZ) <= s.segments[0].start < m.end(TZ)
                ),
                Decimal(0),
            )
            assert allowance.used_to_date == drawn
            assert allowance.left == max(Decimal(0), allowance.included_hours - drawn)
    january = statement(customer_id, "2026-01")
    assert all(a.used_before_month == 0 for a in january.allowances)


def test_the_history_exercises_included_hours_credit_and_premium() -> None:
    business = [c for c in HISTORY.customers if c.contract and c.contract.plan == "business"]
    st = statement(business[0].id, "2025-12")
    assert any(a.channel is Channel.REMOTE and a.used_to_date > 0 for a in st.allowances)
    assert any(s.quote.credit_debited for s in HISTORY.sessions)
    assert any(i.eligibility.premium_used for i in HISTORY.incidents)


@pytest.mark.parametrize("customer_id", [c.id for c in HISTORY.customers])
def test_prepaid_credit_chains_from_month_to_month(customer_id: str) -> None:
    months = [Month(2025, 11)]
    while months[-1] < Month(2027, 1):
        months.append(months[-1].next)
    statements = [statement(customer_id, str(m)) for m in months]
    for before, after in itertools.pairwise(statements):
        assert before.totals.credit_after == after.totals.credit_before
    start = next(c for c in HISTORY.customers if c.id == customer_id)
    debited = sum(s.quote.credit_debited for s in HISTORY.sessions if s.customer_id == start.id)
    assert statements[0].totals.credit_before == start.prepaid_credit + debited
    assert statements[-1].totals.credit_after == start.prepaid_credit


def test_premium_incidents_used_match_the_incidents_opened_against_the_pack() -> None:
    premium = [c for c in HISTORY.customers if c.contract and c.contract.premium_pack]
    for customer in premium:
        st = statement(customer.id, "2026-12")
        assert st.premium is not None
        used = sum(
            1
            for i in HISTORY.incidents
            if i.customer_id == customer.id
            and i.eligibility.premium_used
            and i.opened_at.astimezone(TZ).year == 2026
        )
        assert (st.premium.used_to_date, st.premium.left) == (used, max(0, 4 - used))


def test_a_statement_made_again_is_the_same() -> None:
    customer_id = HISTORY.customers[0].id
    assert (
        statement(customer_id, "2026-03").model_dump_json()
        == statement(customer_id, "2026-03").model_dump_json()
    )


def test_every_demo_customers_statements_add_up_from_their_quotes() -> None:
    from core.demo import generate

    now = datetime(2026, 11, 23, 11, tzinfo=TZ)
    demo = generate(RULES, now)
    incidents = {i.id: i for i in demo.incidents}
    checked = 0
    for month in (Month(2026, 10), Month(2026, 11)):
        for customer in demo.customers:
            terms = StatementTerms.of(customer, month, RULES.plans, RULES.billing, TZ)
            st = build_statement(customer, month, demo.sessions, incidents, terms)
            mine = [
                s
                for s in demo.sessions
                if s.customer_id == customer.id and local_month(s) == str(month)
            ]
            net = sum((s.quote.net for s in mine), Decimal(0))
            credit = sum((s.quote.credit_debited for s in mine), Decimal(0))
            vat = ((net - credit) * Decimal("0.24")).quantize(Decimal("0.01"), ROUND_HALF_UP)
            t = st.totals
            assert (t.sessions, t.net, t.vat, t.total) == (len(mine), net, vat, net - credit + vat)
            assert t.credit_after == customer.prepaid_credit + sum(
                (
                    s.quote.credit_debited
                    for s in demo.sessions
                    if s.customer_id == customer.id and local_month(s) > str(month)
                ),
                Decimal(0),
            )
            checked += len(mine)
    assert checked == len(demo.sessions)
