"""A small, known desk for the TUI tests: customers on every plan, incidents in each SLA state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core import sla
from core import timer as timer_rules
from core.clock import FrozenClock
from core.contact import tax_id_check_digit
from core.incidents import add_note
from core.models import (
    Category,
    Channel,
    Contract,
    Customer,
    Eligibility,
    Entitlements,
    Expenses,
    Incident,
)
from core.rules import Rules
from core.store import Store
from core.sync.state import Rejection, add_rejections
from tui.app import VardiaApp

AppFactory = Callable[..., VardiaApp]

__all__ = ["NOW", "AppFactory", "customers", "incidents", "refuse", "refuse_some_work"]

# Monday 23 Nov 2026, 11:00 in Athens: inside support hours.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

_PLANS = ["business", "basic", "free", "maintenance"]
_NAMES = [
    "Acme Accounting",
    "Βήτα Λογιστική",
    "Civil Works SA",
    "Delta Clinic",
    "Epsilon Bakery",
    "Zeta Shipping",
    "Eta Pharmacy",
    "Theta Builders",
]
_SUBJECTS = [
    "Invoices do not print",
    "Cannot log in after update",
    "Backup job fails at night",
    "VAT report totals are wrong",
    "Slow search in customer list",
    "Licence expired message",
]


def _tax_id(index: int) -> str:
    first_eight = f"{99_000_000 + index * 1_001:08d}"
    return first_eight + str(tax_id_check_digit(first_eight))


def customers(count: int = 8) -> list[Customer]:
    """Customers on every plan; the second is blocked with an overdue amount."""
    found = []
    for index in range(count):
        plan = _PLANS[index % len(_PLANS)]
        found.append(
            Customer(
                id=f"c{index:04d}",
                name=_NAMES[index % len(_NAMES)] + ("" if index < len(_NAMES) else f" {index}"),
                city="Athens" if index % 3 else "Patras",
                out_of_town=index % 3 == 0,
                contact="Μαρία Σταθοπούλου" if index % 2 else "Nikos Alexiou",
                tax_id=_tax_id(index),
                tax_office="ΔΟΥ Α' Αθηνών" if index % 3 else "ΔΟΥ Α' Πατρών",
                address=f"Ερμού {index + 1}, 105 63 Αθήνα" if index % 3 else "",
                email=f"desk{index}@example.gr",
                phones=(f"210 555 01{index:02d}",) + (("697 765 4321",) if index == 0 else ()),
                contract=Contract(
                    plan=plan,
                    premium_pack="premium-2" if plan == "maintenance" else None,
                    valid_from=date(2026, 1, 1),
                    valid_until=date(2026, 12, 31),
                ),
                entitlements=Entitlements(
                    year=2026, included_used_hours={Channel.REMOTE: Decimal("1.5")}
                ),
                prepaid_credit=Decimal("100") if plan == "free" else Decimal("0"),
                overdue_amount=Decimal("240.00") if index == 1 else Decimal("0"),
            )
        )
    return found


def incidents(rules: Rules, people: list[Customer], count: int = 12) -> list[Incident]:
    """Open incidents opened over the last days, so some are breached, some warned, some not."""
    found = []
    for index in range(count):
        customer = people[index % len(people)]
        assert customer.contract is not None
        plan = customer.contract.plan
        opened = NOW - timedelta(hours=13 * index + 1)
        targets = sla.targets(rules, plan, opened)
        found.append(
            Incident(
                id=f"i{index:05d}",
                ref=f"TST-{index + 1}",
                customer_id=customer.id,
                subject=_SUBJECTS[index % len(_SUBJECTS)],
                category=Category.SOFTWARE,
                requested_via=Channel.PHONE,
                opened_at=opened,
                opened_by="maria",
                plan=plan,
                warn_at=targets.warn_at,
                deadline=targets.deadline,
                resolve_by=targets.resolve_by,
                assignee=("tech" if index % 3 == 0 else None),
                eligibility=Eligibility(contract_in_force=True, served_as=plan),
                updated_at=opened,
            )
        )
    return found


def refuse_some_work(store: Store, rules: Rules) -> None:
    """A note and a session the server refused, kept on the device with their reasons.

    Made as a technician makes them, then sent as a sync sends them (``refuse``).
    """
    first = incidents(rules, customers())[0]
    add_note(store, rules, first.id, "Customer says the Greek invoices print as boxes. " * 30)
    timer_rules.start(store, rules, first.id, Channel.ONSITE)
    started = store.clock
    store.clock = FrozenClock(started.now() + timedelta(minutes=50))
    timer_rules.stop(store, rules, note="Font pack", expenses=Expenses(travel=Decimal("180")))
    store.clock = started
    refuse(
        store,
        {
            "incident.note": "The note is 1,500 characters long; vardia keeps at most 1,000.",
            "session.record": (
                "The travel expense is above the ceiling of 150.00 €; check the amount."
            ),
        },
    )


def refuse(store: Store, reasons: dict[str, str]) -> None:
    """What a sync does to the outbox: it leaves, and the operations of a kind in ``reasons``
    are kept as refused, with that reason."""
    ops = store.pending_operations(1000)
    add_rejections(
        store,
        [
            Rejection(
                op_id=op.op_id,
                kind=op.kind,
                entity_id=op.entity_id,
                reason=reasons[op.kind],
                at=store.clock.now(),
                operation=op,
            )
            for op in ops
            if op.kind in reasons
        ],
    )
    store.acknowledge(op.op_id for op in ops)
