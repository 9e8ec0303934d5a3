"""Record factories for the store tests: plain valid records, no rules engine needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from core.ids import new_id
from core.models import (
    Channel,
    Contract,
    Customer,
    Eligibility,
    Entitlements,
    Incident,
    IncidentStatus,
    Quote,
    Segment,
    Session,
)
from core.store import Store

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def customer(name: str = "Παπαδόπουλος Α.Ε.") -> Customer:
    return Customer(id=new_id(), name=name, city="Αθήνα")


def incident(
    store: Store, customer_id: str, at: datetime = T0, status: IncidentStatus = IncidentStatus.NEW
) -> Incident:
    return Incident(
        id=new_id(),
        ref=store.next_ref(),
        customer_id=customer_id,
        subject="Δεν τυπώνει τιμολόγια",
        opened_at=at,
        opened_by=store.technician,
        plan="basic",
        warn_at=at + timedelta(hours=36),
        deadline=at + timedelta(hours=48),
        status=status,
        eligibility=Eligibility(contract_in_force=True, served_as="basic"),
        updated_at=at,
    )


def session(store: Store, inc: Incident, start: datetime = T0) -> Session:
    zero = Decimal("0")
    quote = Quote(
        plan=inc.plan,
        channel=Channel.PHONE,
        in_hours_minutes=Decimal(30),
        after_hours_minutes=zero,
        billable_minutes=Decimal(30),
        effective_minutes=Decimal(30),
        net=zero,
        vat=zero,
        total=zero,
        due=zero,
    )
    return Session(
        id=new_id(),
        incident_id=inc.id,
        customer_id=inc.customer_id,
        technician=store.technician,
        device_id=store.device_id,
        channel=Channel.PHONE,
        segments=(Segment(start=start, end=start + timedelta(minutes=30)),),
        quote=quote,
        recorded_at=start + timedelta(minutes=30),
    )


def contracted(
    plan: str | None,
    *,
    pack: str | None = None,
    until: date = date(2026, 12, 31),
    overdue: str = "0",
    credit: str = "0",
    entitlements: Entitlements | None = None,
    out_of_town: bool = False,
) -> Customer:
    """A customer on ``plan`` (None: no contract) valid through ``until``."""
    contract = (
        None
        if plan is None
        else Contract(plan=plan, premium_pack=pack, valid_from=date(2026, 1, 1), valid_until=until)
    )
    return Customer(
        id=new_id(),
        name="Ζαχαροπλαστεία Ηλιόπουλος",
        contract=contract,
        overdue_amount=Decimal(overdue),
        prepaid_credit=Decimal(credit),
        entitlements=entitlements,
        out_of_town=out_of_town,
    )
