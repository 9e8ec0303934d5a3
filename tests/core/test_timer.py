"""The timer's life: on disk from its first second, paused in segments, priced when stopped."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.errors import TimerError
from core.intake import IntakeRequest, ledger_customer, open_incident
from core.models import Channel, Customer, Entitlements, Incident, IncidentStatus
from core.rules import load_rules
from core.store import Store
from core.sync.protocol import OperationKind
from core.timer import IfRunning, elapsed, pause, resume, start, stop
from tests.core.store.store_records import contracted

MON_1730 = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # Monday 17:30 in Athens
RULES = load_rules()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MON_1730)


@pytest.fixture
def store(tmp_path: Path, clock: FrozenClock) -> Iterator[Store]:
    with Store.open(tmp_path, clock=clock) as opened:
        yield opened


def _incident(store: Store, customer: Customer) -> Incident:
    store.import_records(customers=[customer])
    return open_incident(store, RULES, IntakeRequest(customer_id=customer.id, subject="Σφάλμα"))


def test_a_running_timer_survives_a_restart(tmp_path: Path, clock: FrozenClock) -> None:
    with Store.open(tmp_path, clock=clock) as store:
        incident = _incident(store, contracted("basic"))
        started = start(store, RULES, incident.ref, Channel.REMOTE)
    clock.advance(timedelta(minutes=40))
    with Store.open(tmp_path, clock=clock) as store:
        assert store.timer() == started
        assert elapsed(started, clock.now()) == timedelta(minutes=40)


def test_a_glance_at_the_timer_sees_what_the_running_app_has_not_filed(
    tmp_path: Path, clock: FrozenClock
) -> None:
    """``vardia timer status`` reads the files, and the journal beside them."""
    from core.store.glance import running_timer

    with Store.open(tmp_path, clock=clock) as app:
        incident = _incident(app, contracted("basic"))
        start(app, RULES, incident.ref, Channel.REMOTE)
        found = running_timer(tmp_path)
        assert found is not None and found[1] is not None and found[1]["ref"] == incident.ref
        clock.advance(timedelta(minutes=25))
        stop(app, RULES)  # the app keeps the cleared timer in memory and in its journal
        assert running_timer(tmp_path) is None
    assert running_timer(tmp_path) is None


def test_pause_and_resume_make_segments_and_stop_records_them(
    store: Store, clock: FrozenClock
) -> None:
    incident = _incident(store, contracted("basic"))
    start(store, RULES, incident.ref, Channel.PHONE)
    clock.advance(timedelta(minutes=20))
    paused = pause(store)
    clock.advance(timedelta(minutes=30))
    assert elapsed(paused, clock.now()) == timedelta(minutes=20)
    resume(store)
    clock.advance(timedelta(minutes=10))
    session = stop(store, RULES, note=" restarted the service ")

    assert [(s.end - s.start) for s in session.segments] == [
        timedelta(minutes=20),
        timedelta(minutes=10),
    ]
    assert session.note == "restarted the service"
    assert store.timer() is None
    assert store.sessions(incident_id=incident.id) == [session]
    ops = store.pending_operations(10)
    assert (ops[-1].kind, ops[-1].entity_id) == (OperationKind.SESSION_RECORD, session.id)


@pytest.mark.parametrize(
    ("customer", "channel", "net", "total"),
    [
        (contracted("free"), Channel.PHONE, "55.00", "68.20"),
        (
            contracted(
                "basic",
                entitlements=Entitlements(
                    year=2026, included_used_hours={Channel.REMOTE: Decimal("3.5")}
                ),
            ),
            Channel.REMOTE,
            "30.00",
            "37.20",
        ),
        (contracted("basic"), Channel.PHONE, "0.00", "0.00"),
    ],
    ids=["free-phone", "basic-remote-3.5-used", "basic-phone"],
)
def test_stop_prices_the_worked_examples(
    store: Store, clock: FrozenClock, customer: Customer, channel: Channel, net: str, total: str
) -> None:
    incident = _incident(store, customer)
    start(store, RULES, incident.ref, channel)
    clock.advance(timedelta(hours=1))
    session = stop(store, RULES)
    assert (session.quote.net, session.quote.total) == (Decimal(net), Decimal(total))


def test_stop_debits_included_hours_and_prepaid_credit(store: Store, clock: FrozenClock) -> None:
    basic = contracted(
        "basic",
        entitlements=Entitlements(year=2026, included_used_hours={Channel.REMOTE: Decimal("3.5")}),
    )
    free = contracted("free", credit="100")
    for customer, channel in ((basic, Channel.REMOTE), (free, Channel.PHONE)):
        incident = _incident(store, customer)
        start(store, RULES, incident.ref, channel)
        clock.advance(timedelta(hours=1))
        stop(store, RULES)
    now = clock.now()

    def ledger(customer: Customer) -> Customer:
        return ledger_customer(store, RULES, store.customer(customer.id), now.date())

    after_basic = ledger(basic).entitlements
    assert after_basic is not None
    assert after_basic.included_used_hours[Channel.REMOTE] == Decimal("4.0")
    # The free customer's hour runs 18:30–19:30, all after hours: 1.2 × 50 € from the credit.
    assert ledger_customer(
        store, RULES, store.customer(free.id), now.date()
    ).prepaid_credit == Decimal("40.00")
    # The records keep the server's ledger: the debits are this device's pending work.
    assert store.customer(basic.id) == basic
    assert store.customer(free.id).prepaid_credit == Decimal("100")


def test_a_second_start_asks_what_to_do_with_the_running_timer(
    store: Store, clock: FrozenClock
) -> None:
    first = _incident(store, contracted("basic"))
    second = _incident(store, contracted("business"))
    start(store, RULES, first.ref, Channel.PHONE)
    with pytest.raises(TimerError, match=f"already running on {first.ref}"):
        start(store, RULES, second.ref, Channel.PHONE)

    clock.advance(timedelta(minutes=5))
    start(store, RULES, second.ref, Channel.PHONE, if_running=IfRunning.STOP)
    assert [s.incident_id for s in store.sessions()] == [first.id]

    start(store, RULES, first.ref, Channel.REMOTE, if_running=IfRunning.DISCARD)
    timer = store.timer()
    assert timer is not None and timer.incident_id == first.id
    assert len(store.sessions()) == 1


@pytest.mark.parametrize(
    ("action", "message"),
    [(pause, "No timer is running"), (resume, "No timer is running")],
)
def test_nothing_to_pause_or_resume(store: Store, action: object, message: str) -> None:
    with pytest.raises(TimerError, match=message):
        action(store)  # type: ignore[operator]


def test_timer_refuses_double_pause_and_double_resume(store: Store) -> None:
    incident = _incident(store, contracted("basic"))
    start(store, RULES, incident.ref, Channel.PHONE)
    with pytest.raises(TimerError, match="already running"):
        resume(store)
    pause(store)
    with pytest.raises(TimerError, match="already paused"):
        pause(store)


def test_timer_refuses_a_closed_incident(store: Store) -> None:
    incident = _incident(store, contracted("basic"))
    store.import_records(incidents=[incident.model_copy(update={"status": IncidentStatus.CLOSED})])
    with pytest.raises(TimerError, match="reopen"):
        start(store, RULES, incident.ref, Channel.PHONE)
