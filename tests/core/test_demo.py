"""The demo data set: reproducible, realistic, and whole after a trip through the store."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.demo import generate, seed_store
from core.models import OPEN_STATUSES
from core.rules import load_rules
from core.sla import SlaState, state
from core.store import Store

RULES = load_rules()
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_the_same_seed_and_now_give_the_same_records() -> None:
    assert generate(RULES, NOW, seed=3) == generate(RULES, NOW, seed=3)
    assert generate(RULES, NOW, seed=3) != generate(RULES, NOW, seed=4)


@pytest.mark.parametrize("now", [NOW, datetime(2027, 4, 17, 22, 0, tzinfo=UTC)])
def test_the_set_covers_what_a_desk_meets(now: datetime) -> None:
    data = generate(RULES, now)
    open_ = [i for i in data.incidents if i.status in OPEN_STATUSES]
    today = RULES.calendar.local_date(now)
    assert len(data.customers) == 40 and len(open_) == 60
    assert {state(i, now) for i in open_} == set(SlaState)
    assert {c.contract.plan for c in data.customers if c.contract} >= {
        "free",
        "basic",
        "business",
        "maintenance",
    }
    assert {c.contract.premium_pack for c in data.customers if c.contract} >= {
        "premium-2",
        "premium-4",
        "premium-10",
        "premium-25",
    }
    assert any(c.contract is None or c.contract.valid_until < today for c in data.customers)
    assert any(c.overdue_amount > 0 for c in data.customers)
    assert any(c.out_of_town for c in data.customers)
    nearly_used = [
        c
        for c in data.customers
        if c.contract and c.contract.premium_pack and c.entitlements
        and RULES.plans.plan(c.contract.premium_pack).premium_incidents
        - c.entitlements.premium_incidents_used <= 1
    ]  # fmt: skip
    assert nearly_used
    spans = [s.recorded_at for s in data.sessions]
    assert max(spans) <= now and now - min(spans) >= timedelta(days=21)
    assert all(i.opened_at <= now for i in data.incidents)
    assert Counter(s.quote.net > 0 for s in data.sessions)[True] > 0


def test_seeded_store_reads_back_every_record_with_its_greek_text(tmp_path: Path) -> None:
    with Store.open(tmp_path, clock=FrozenClock(NOW)) as store:
        data = seed_store(store, RULES)
    with Store.open(tmp_path, clock=FrozenClock(NOW), read_only=True) as store:
        assert sorted(store.customers(), key=lambda c: c.id) == sorted(
            data.customers, key=lambda c: c.id
        )
        assert sorted(store.sessions(), key=lambda s: s.id) == sorted(
            data.sessions, key=lambda s: s.id
        )
        for incident in data.incidents:
            assert store.incident(incident.ref) == incident
        assert store.pending_count() == 0


def test_every_customer_carries_what_a_statement_names_it_by() -> None:
    customers = generate(RULES, NOW).customers
    for customer in customers:
        # Each value passed the record's own checks (the ΑΦΜ's check digit) to get here.
        assert len(customer.tax_id) == 9 and customer.tax_office.startswith("ΔΟΥ ")
        assert customer.city in customer.address and "@" in customer.email
        assert customer.phones and not any(ch.isdigit() for ch in customer.contact)
        RULES.bounds.check_customer(customer)
    assert len({c.tax_id for c in customers}) == len(customers)
    assert any(len(c.phones) > 1 for c in customers)
