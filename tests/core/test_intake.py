"""The intake rules of SPEC §3 as outcomes: served as, blocked, premium used, out of scope."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import BlockedError, InputError, NoPremiumLeftError
from core.intake import (
    IntakeRequest,
    assess,
    build_incident,
    contract_in_force_at,
    open_incident,
    plan_in_force,
    standing_of,
)
from core.models import (
    Answer,
    Category,
    Channel,
    Customer,
    Entitlements,
    Prerequisites,
    Segment,
)
from core.rules import load_rules
from core.sla import targets
from core.store import Store
from core.sync.protocol import OperationKind
from core.timer import price_for
from tests.core.store.store_records import contracted

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 10:00 in Athens
RULES = load_rules()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path, clock=FrozenClock(NOW)) as opened:
        yield opened


def _ask(customer: Customer, **fields: object) -> IntakeRequest:
    return IntakeRequest(customer_id=customer.id, subject="Λάθος ΦΠΑ", **fields)  # type: ignore[arg-type]


def used(premium: int, year: int = 2026) -> Entitlements:
    return Entitlements(year=year, premium_incidents_used=premium)


@pytest.mark.parametrize(
    ("customer", "fields", "served_as", "in_force", "premium_used", "premium_left", "scope"),
    [
        (contracted(None), {}, "free", False, False, None, False),
        (contracted("business", until=date(2026, 6, 30)), {}, "free", False, False, None, False),
        (contracted("basic"), {}, "basic", True, False, None, False),
        (contracted("basic"), {"category": Category.VIRUS}, "free", True, False, None, True),
        (
            contracted("basic"),
            {"category": Category.HARDWARE, "scope_override_reason": "agreed by phone"},
            "basic",
            True,
            False,
            None,
            True,
        ),
        (contracted("maintenance", pack="premium-2"), {}, "maintenance", True, True, 1, False),
        (
            contracted("maintenance", pack="premium-2", entitlements=used(1)),
            {"requested_via": Channel.WRITTEN},
            "maintenance",
            True,
            True,
            0,
            False,
        ),
        (
            contracted("maintenance", pack="premium-2", entitlements=used(2, year=2025)),
            {},
            "maintenance",
            True,
            True,
            1,
            False,
        ),
        (
            contracted("maintenance", pack="premium-4"),
            {"requested_via": Channel.ONSITE},
            "maintenance",
            True,
            False,
            None,
            False,
        ),
        (
            contracted("maintenance", pack="premium-2", entitlements=used(2)),
            {"bill_without_premium": True},
            "maintenance",
            True,
            False,
            0,
            False,
        ),
    ],
    ids=[
        "no-contract",
        "expired",
        "basic",
        "out-of-scope",
        "out-of-scope-overridden",
        "premium-first",
        "premium-last-written",
        "premium-new-year",
        "premium-not-by-onsite",
        "premium-none-left-billed-hourly",
    ],
)
def test_intake_outcomes(
    customer: Customer,
    fields: dict[str, object],
    served_as: str,
    in_force: bool,
    premium_used: bool,
    premium_left: int | None,
    scope: bool,
) -> None:
    found = assess(RULES, customer, _ask(customer, **fields), NOW)
    assert found.served_as == served_as
    assert found.contract_in_force is in_force
    assert (found.premium_used, found.premium_left) == (premium_used, premium_left)
    assert found.out_of_scope is scope
    assert not found.blocked


def test_overdue_customer_is_blocked_without_a_reason_and_the_reason_is_kept() -> None:
    customer = contracted("business", overdue="120.50")
    with pytest.raises(BlockedError, match=r"120\.50 € overdue.*override reason"):
        assess(RULES, customer, _ask(customer), NOW)
    with pytest.raises(BlockedError):
        assess(RULES, customer, _ask(customer, override_reason="   "), NOW)
    found = assess(RULES, customer, _ask(customer, override_reason=" paid by cheque "), NOW)
    assert (found.blocked, found.override_reason, found.overdue_amount) == (
        True,
        "paid by cheque",
        Decimal("120.50"),
    )


def test_a_used_up_pack_asks_to_bill_hourly_or_decline() -> None:
    customer = contracted("maintenance", pack="premium-2", entitlements=used(2))
    with pytest.raises(NoPremiumLeftError, match=r"bill.*hourly at free rates, or decline"):
        assess(RULES, customer, _ask(customer), NOW)


@pytest.mark.parametrize("opens", [1, 4, 6])
def test_each_phone_incident_spends_one_premium_incident_until_none_are_left(
    store: Store, opens: int
) -> None:
    customer = contracted("maintenance", pack="premium-4")
    store.import_records(customers=[customer])
    outcomes = []
    for _n in range(opens):
        try:
            outcomes.append(open_incident(store, RULES, _ask(customer)).eligibility.premium_left)
        except NoPremiumLeftError:
            outcomes.append("refused")
    expected: list[object] = [3, 2, 1, 0, "refused", "refused"]
    assert outcomes == expected[:opens]
    # Counted from this device's pending incidents; the record keeps the server's ledger.
    ledger = standing_of(store, RULES, store.customer(customer.id), NOW.date())
    assert ledger.premium_used == min(opens, 4)
    assert store.customer(customer.id) == customer


def test_opened_incident_has_its_sla_prerequisites_ref_and_outbox_op(store: Store) -> None:
    customer = contracted("business")
    store.import_records(customers=[customer])
    request = _ask(
        customer,
        requested_via=Channel.WRITTEN,
        prerequisites=Prerequisites(backups=Answer.YES, no_third_party=Answer.NO),
    )
    incident = open_incident(store, RULES, request)
    due = targets(RULES, "business", NOW)
    assert (incident.warn_at, incident.deadline) == (due.warn_at, due.deadline)
    assert incident.ref == f"{store.ref_prefix}-1"
    assert store.incident(incident.ref) == incident
    assert incident.prerequisites.backups is Answer.YES
    [op] = store.pending_operations(10)
    assert (op.kind, op.entity_id) == (OperationKind.INCIDENT_OPEN, incident.id)
    assert open_incident(store, RULES, request).ref == f"{store.ref_prefix}-2"


def test_an_incident_needs_a_subject(store: Store) -> None:
    customer = contracted("basic")
    store.import_records(customers=[customer])
    with pytest.raises(InputError, match="subject"):
        open_incident(store, RULES, IntakeRequest(customer_id=customer.id, subject="  "))


@pytest.mark.parametrize(
    ("customer", "fields", "plan", "priced_as", "charged"),
    [
        (contracted("business"), {"category": Category.NETWORK_STORAGE}, "business", "free", True),
        (
            contracted("business"),
            {"category": Category.NETWORK_STORAGE, "scope_override_reason": "agreed"},
            "business",
            "business",
            False,
        ),
        (contracted("business"), {}, "business", "business", False),
        (contracted("business", until=date(2026, 6, 30)), {}, "free", "free", True),
        (
            contracted("maintenance", pack="premium-2"),
            {"category": Category.VIRUS},
            "maintenance",
            "free",
            True,
        ),
    ],
    ids=["out-of-scope", "out-of-scope-overridden", "in-scope", "expired", "out-of-scope-premium"],
)
def test_sla_follows_the_plan_in_force_and_only_billing_the_scope(
    customer: Customer, fields: dict[str, object], plan: str, priced_as: str, charged: bool
) -> None:
    incident = build_incident(
        RULES, customer, _ask(customer, **fields), at=NOW, incident_id="i", ref="R-1", by="t"
    )
    due = targets(RULES, plan, NOW)
    assert (incident.plan, incident.warn_at, incident.deadline) == (plan, due.warn_at, due.deadline)
    assert incident.eligibility.served_as == priced_as
    segment = Segment(start=NOW, end=NOW + timedelta(seconds=18))
    quote = price_for(RULES, incident, customer, Channel.REMOTE, [segment])
    assert quote.plan == priced_as
    assert (quote.net > 0) is charged
    assert not incident.eligibility.premium_used


@pytest.mark.parametrize(
    ("until", "at", "in_force"),
    [
        (date(2026, 11, 22), datetime(2026, 11, 22, 21, 59, tzinfo=UTC), True),
        (date(2026, 11, 22), datetime(2026, 11, 22, 22, 0, tzinfo=UTC), False),
        (date(2026, 12, 31), NOW, True),
    ],
    ids=["last-athens-minute", "first-athens-minute-after", "mid-contract"],
)
def test_a_contract_is_in_force_through_its_last_local_day(
    until: date, at: datetime, in_force: bool
) -> None:
    customer = contracted("basic", until=until)
    assert contract_in_force_at(RULES, customer, at) is in_force
    assert plan_in_force(RULES, customer, at) == ("basic" if in_force else "free")
