"""One ledger per customer: hours, premium and credit spent once, in order, whatever the arrival."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from core.ledger import (
    Pricing,
    Purchase,
    Walk,
    billed_quote,
    explain,
    is_provisional,
    price_history,
    standing,
)
from core.models import (
    Channel,
    Contract,
    Customer,
    Eligibility,
    Entitlements,
    Incident,
    PremiumGrant,
    PriceReason,
    PriceReasonKind,
    Segment,
    ServerPrice,
    Session,
    SessionEdit,
)
from core.pricing import price_session
from core.rules import load_rules
from tests.core.ledger_book import Book

ATHENS = ZoneInfo("Europe/Athens")
RULES = load_rules(None)
NOW = datetime(2027, 2, 1, 12, 0, tzinfo=UTC)
ZERO = Decimal(0)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ATHENS)


def customer(plan: str = "basic", pack: str | None = None, **changes: Any) -> Customer:
    return Customer(
        id="C-1",
        name="Acme",
        contract=Contract(
            plan=plan,
            premium_pack=pack,
            valid_from=date(2020, 1, 1),
            valid_until=date(2030, 12, 31),
        ),
        **changes,
    )


def incident(
    incident_id: str, served_as: str = "basic", opened: str = "2026-11-02 10:00", **kw: Any
) -> Incident:
    when = at(opened)
    return Incident(
        id=incident_id,
        ref=incident_id,
        customer_id="C-1",
        subject="Printer",
        opened_at=when,
        opened_by="alice",
        plan=served_as,
        warn_at=when + timedelta(days=1),
        deadline=when + timedelta(days=2),
        eligibility=Eligibility(contract_in_force=True, served_as=served_as, **kw),
        updated_at=when,
    )


def session(
    session_id: str,
    incident_id: str,
    start: str,
    minutes: int,
    channel: Channel = Channel.REMOTE,
    plan: str = "basic",
    technician: str = "alice",
    **pricing: Any,
) -> Session:
    began = at(start)
    segments = (Segment(start=began, end=began + timedelta(minutes=minutes)),)
    return Session(
        id=session_id,
        incident_id=incident_id,
        customer_id="C-1",
        technician=technician,
        device_id=f"dev-{technician}",
        channel=channel,
        segments=segments,
        quote=price_session(RULES, plan, channel, segments, **pricing),
        recorded_at=segments[-1].end,
    )


def edited(old: Session, new: Session, reason: str = "fixed") -> Session:
    """``new`` as an edit of ``old``: it keeps the old values, who and why."""
    edit = SessionEdit(
        at=NOW,
        by="alice",
        reason=reason,
        old_segments=old.segments,
        old_channel=old.channel,
        old_quote=old.quote,
    )
    return new.model_copy(update={"edits": (*old.edits, edit)})


def priced(walk: Walk) -> dict[str, Pricing]:
    return {p.session_id: p for p in walk.priced}


# ------------------------------------------------------------------------ examples


def test_two_devices_offline_share_the_included_hours_in_chronological_order() -> None:
    # Each device saw 0 of 4 hours used and quoted its 3-hour session as included.
    first = session("S-1", "I-1", "2026-11-12 11:00", 180)
    second = session("S-2", "I-2", "2026-11-16 11:00", 180, technician="bob")
    incidents = {i.id: i for i in (incident("I-1"), incident("I-2"))}
    result = priced(price_history(RULES, "C-1", customer(), [second, first], incidents, [], NOW))

    assert result["S-1"].included_hours == Decimal(3)
    assert result["S-1"].price.reasons == ()
    assert result["S-2"].included_hours == Decimal(1)
    assert result["S-2"].price.quote.net == Decimal("100.00")  # 2 h at 50 €
    (reason,) = result["S-2"].price.reasons
    assert reason == PriceReason(
        kind=PriceReasonKind.INCLUDED_HOURS,
        channel=Channel.REMOTE,
        included_hours=Decimal(4),
        used_hours=Decimal(3),
        count=1,
        last_on=date(2026, 11, 12),
    )
    assert explain(reason) == "3 of the 4 included remote hours were used by a session on 12 Nov."


def test_prepaid_credit_is_debited_once_by_the_earlier_session() -> None:
    free = customer("free")
    first = session("S-1", "I-1", "2026-11-12 11:00", 12, Channel.PHONE, "free", credit=10)
    second = session("S-2", "I-2", "2026-11-12 12:00", 12, Channel.PHONE, "free", credit=10)
    incidents = {i.id: i for i in (incident("I-1", "free"), incident("I-2", "free"))}
    bought = Purchase("P-1", at("2026-11-01 09:00"), Decimal(10))
    result = priced(price_history(RULES, "C-1", free, [second, first], incidents, [bought], NOW))

    assert result["S-1"].credit == Decimal("10.00")
    assert result["S-2"].credit == ZERO
    assert result["S-2"].price.quote.due == Decimal("15.50")  # 12.50 net + 24 % VAT
    (reason,) = result["S-2"].price.reasons
    assert explain(reason) == "0.00 € of prepaid credit was left after a session on 12 Nov."


def test_credit_bought_after_a_session_began_does_not_cover_it() -> None:
    free = customer("free")
    late = session("S-1", "I-1", "2026-11-12 11:00", 60, Channel.PHONE, "free")
    bought = Purchase("P-1", at("2026-11-12 11:30"), Decimal(100))
    result = priced(
        price_history(RULES, "C-1", free, [late], {"I-1": incident("I-1", "free")}, [bought], NOW)
    )
    assert result["S-1"].credit == ZERO


def test_premium_incidents_go_by_opening_time_and_the_rest_are_billed_hourly() -> None:
    holder = customer("maintenance", "premium-2")
    claims = {
        f"I-{n}": incident(f"I-{n}", "maintenance", opened, premium_used=True)
        for n, opened in enumerate(["2026-11-20 10:00", "2026-11-03 10:00", "2026-11-10 10:00"])
    }
    sessions = [
        session(f"S-{n}", f"I-{n}", f"2026-11-2{n + 3} 11:00", 30, Channel.PHONE, "maintenance")
        for n in range(3)
    ]
    sessions = [s.model_copy(update={"quote": _covered(s)}) for s in sessions]
    walk = price_history(RULES, "C-1", holder, sessions, claims, [], NOW)
    grants = {c.incident_id: c.granted for c in walk.claims}
    assert grants == {"I-1": True, "I-2": True, "I-0": False}
    result = priced(walk)
    assert result["S-0"].price.premium is PremiumGrant.BEYOND_PACK
    assert result["S-0"].price.quote.net == Decimal("25.00")  # half an hour at free's phone rate
    assert result["S-1"].price.premium is PremiumGrant.GRANTED
    assert result["S-1"].price.quote.net == ZERO
    assert explain(result["S-0"].price.reasons[0]) == (
        "The 2 premium incidents of the pack went to incidents opened earlier, the last on "
        "10 Nov, so this one is billed hourly."
    )


def _covered(s: Session) -> Any:
    return price_session(RULES, "maintenance", s.channel, s.segments, premium_covered=True)


def _priced(
    *sessions: Session, served_as: str = "basic", purchases: tuple[Purchase, ...] = ()
) -> dict[str, Pricing]:
    """The sessions (all on incident I-1) priced from scratch for the customer."""
    opened = {"I-1": incident("I-1", served_as, "2025-12-01 10:00")}
    return priced(price_history(RULES, "C-1", customer(), sessions, opened, purchases, NOW))


def test_included_hours_start_afresh_each_contract_year() -> None:
    december = session("S-1", "I-1", "2026-12-30 11:00", 240)
    january = session("S-2", "I-1", "2027-01-04 11:00", 60)
    result = _priced(january, december)
    assert (result["S-1"].year, result["S-2"].year) == (2026, 2027)
    assert result["S-2"].included_hours == Decimal(1)


def test_prepaid_credit_carries_over_into_the_next_contract_year() -> None:
    december = session("S-1", "I-1", "2026-12-30 11:00", 60, Channel.PHONE, "free")
    january = session("S-2", "I-1", "2027-01-04 11:00", 60, Channel.PHONE, "free")
    bought = Purchase("P-1", at("2026-12-01 09:00"), Decimal(80))
    result = _priced(january, december, served_as="free", purchases=(bought,))
    assert (result["S-1"].credit, result["S-2"].credit) == (Decimal(50), Decimal(30))


def test_a_session_across_new_year_draws_from_the_old_year() -> None:
    used_up = session("S-1", "I-1", "2026-12-30 11:00", 240)
    across = session("S-2", "I-1", "2026-12-31 23:30", 60)
    result = _priced(across, used_up)
    assert result["S-2"].year == 2026
    assert result["S-2"].included_hours == ZERO


def test_sessions_that_cannot_depend_on_the_ledger_are_not_stateful() -> None:
    phone = session("S-1", "I-1", "2026-11-12 11:00", 60, Channel.PHONE)
    remote = session("S-2", "I-1", "2026-11-12 13:00", 60, Channel.REMOTE)
    result = _priced(phone, remote)
    assert not result["S-1"].stateful  # basic phone costs nothing
    assert result["S-2"].stateful


# ------------------------------------------------------------- provisional on a device


def _price(s: Session, quote: Any, revision: int = 0) -> Session:
    return s.model_copy(
        update={"server_price": ServerPrice(quote=quote, revision=revision, priced_at=NOW)}
    )


def test_a_session_is_provisional_until_the_server_prices_its_revision() -> None:
    s = session("S-1", "I-1", "2026-11-12 11:00", 60)
    assert is_provisional(s)
    assert billed_quote(s) == s.quote
    server_quote = s.quote.model_copy(update={"net": Decimal("50.00")})
    confirmed = _price(s, server_quote)
    assert not is_provisional(confirmed)
    assert billed_quote(confirmed) == server_quote
    changed = edited(confirmed, confirmed, "typo")
    assert is_provisional(changed)
    assert billed_quote(changed) == s.quote


def _op(kind: str, record: Session | Incident) -> tuple[str, dict[str, Any]]:
    return kind, record.model_dump(mode="json", exclude={"server_price"})


def test_standing_is_the_server_ledger_plus_this_devices_pending_work() -> None:
    base = customer(
        "basic",
        entitlements=Entitlements(year=2026, included_used_hours={Channel.REMOTE: Decimal(1)}),
        ledger_as_of=NOW,
    )
    pending = session("S-9", "I-1", "2026-11-20 11:00", 60, included_used_hours=Decimal(1))
    other_year = session("S-8", "I-1", "2025-11-20 11:00", 60)
    someone_else = session("S-7", "I-1", "2026-11-20 11:00", 60).model_copy(
        update={"customer_id": "C-2"}
    )
    found = standing(
        RULES,
        base,
        date(2026, 11, 23),
        [_op("session.record", s) for s in (pending, other_year, someone_else)],
    )
    assert found.used_hours == {Channel.REMOTE: Decimal(2)}
    assert found.as_of == NOW
    assert found.provisional_sessions == 2


def test_an_edit_of_a_pushed_session_counts_only_its_difference() -> None:
    base = customer(
        "free",
        prepaid_credit=Decimal(40),
        entitlements=Entitlements(year=2026),
        ledger_as_of=NOW,
    )
    old = session("S-1", "I-1", "2026-11-20 11:00", 60, Channel.PHONE, "free", credit=50)
    held = _price(old, old.quote)  # the server debited 50 of 90, leaving 40
    # Priced on the device with the 40 left plus the 50 the server counted for it.
    longer = session("S-1", "I-1", "2026-11-20 11:00", 72, Channel.PHONE, "free", credit=90)
    change = edited(old, longer, "forgot the call back")
    found = standing(RULES, base, date(2026, 11, 23), [_op("session.edit", change)], lambda _: held)
    assert found.credit == Decimal("27.50")  # the edit adds 12.50 of debit


def test_pending_premium_claims_count_against_the_pack() -> None:
    base = customer(
        "maintenance", "premium-2", entitlements=Entitlements(year=2026, premium_incidents_used=1)
    )
    claim = incident("I-5", "maintenance", "2026-11-23 10:00", premium_used=True)
    found = standing(RULES, base, date(2026, 11, 23), [_op("incident.open", claim)])
    assert found.premium_used == 2
    back = standing(RULES, base, date(2026, 11, 23), [_op("incident.open", claim)], sign=-1)
    assert back.premium_used == 0


# ----------------------------------------------------------------- the property

_START = datetime(2025, 12, 15, 6, 0, tzinfo=UTC)
_SPAN_MINUTES = 60 * 24 * 35  # mid-December 2025 to mid-January 2026: across a New Year
# Remote draws included hours on basic; each channel costs something on free.
_CHANNELS = [Channel.REMOTE, Channel.REMOTE, Channel.REMOTE, Channel.PHONE, Channel.ONSITE]
_SERVED = ["basic", "basic", "free", "maintenance"]


@st.composite
def histories(draw: st.DrawFn) -> dict[str, Any]:
    """A customer's incidents, sessions (some edited later), credit purchases, in an order."""
    incidents = []
    for n in range(draw(st.integers(1, 4))):
        served = draw(st.sampled_from(_SERVED))
        claim = served == "maintenance" and draw(st.booleans())
        minute = draw(st.integers(0, _SPAN_MINUTES))
        opened = _START + timedelta(minutes=minute)
        incidents.append(
            incident(
                f"I-{n}", served, opened.astimezone(ATHENS).strftime("%Y-%m-%d %H:%M")
            ).model_copy(
                update={
                    "eligibility": Eligibility(
                        contract_in_force=True, served_as=served, premium_used=claim
                    )
                }
            )
        )
    events: list[tuple[str, Any]] = [("incident", i) for i in incidents]
    for n in range(draw(st.integers(0, 16))):
        owner = draw(st.sampled_from(incidents))
        plan = owner.eligibility.served_as
        channel = draw(st.sampled_from(_CHANNELS))
        made = _drawn_session(draw, f"S-{n}", owner.id, channel, plan)
        events.append(("session", made))
        if draw(st.integers(0, 3)) == 0:
            changed = _drawn_session(
                draw, f"S-{n}", owner.id, draw(st.sampled_from(_CHANNELS)), plan
            )
            events.append(("session", edited(made, changed)))
    for n in range(draw(st.integers(0, 3))):
        minute = draw(st.integers(0, _SPAN_MINUTES))
        amount = Decimal(draw(st.integers(1, 12))) * 10
        events.append(("purchase", Purchase(f"P-{n}", _START + timedelta(minutes=minute), amount)))
    order = draw(st.permutations(range(len(events))))
    # An edit arrives after the session it edits; incidents before their sessions.
    arrival = sorted(order, key=lambda i: _rank(events, i, order))
    sizes = st.sampled_from([1, 1, 1, 2, 3])
    batches = draw(st.lists(sizes, min_size=len(events), max_size=len(events)))
    return {"events": [events[i] for i in arrival], "batches": batches}


def _rank(events: list[tuple[str, Any]], index: int, order: list[int]) -> tuple[int, int]:
    kind, record = events[index]
    position = order.index(index)
    if kind == "incident":
        return (0, position)
    if kind == "session":
        return (1 + len(record.edits), position)
    return (1, position)


def _drawn_session(
    draw: st.DrawFn, session_id: str, incident_id: str, channel: Channel, plan: str
) -> Session:
    minute = draw(st.integers(0, _SPAN_MINUTES))
    began = _START + timedelta(minutes=minute)
    pieces = [Segment(start=began, end=began + timedelta(minutes=draw(st.integers(5, 300))))]
    if draw(st.booleans()):
        later = pieces[0].end + timedelta(minutes=draw(st.integers(1, 120)))
        pieces.append(Segment(start=later, end=later + timedelta(minutes=draw(st.integers(5, 90)))))
    segments = tuple(pieces)
    return Session(
        id=session_id,
        incident_id=incident_id,
        customer_id="C-1",
        technician="alice",
        device_id="dev-a",
        channel=channel,
        segments=segments,
        quote=price_session(RULES, plan, channel, segments),
        recorded_at=segments[-1].end,
    )


def _comparable(p: Pricing) -> tuple[Any, ...]:
    price = p.price.model_copy(update={"priced_at": NOW})
    return (
        p.start,
        p.year,
        p.channel,
        p.plan,
        p.stateful,
        p.inputs,
        p.included_hours,
        p.credit,
        price,
    )


def _matches_scratch(book: Book) -> None:
    scratch = price_history(
        RULES,
        "C-1",
        book.customer,
        book.sessions.values(),
        book.incidents,
        book.purchases.values(),
        NOW,
    )
    assert {k: _comparable(v) for k, v in book.priced.items()} == {
        p.session_id: _comparable(p) for p in scratch.priced
    }
    assert {c.incident_id: c for c in scratch.claims} == book.claims


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories(), st.sampled_from(["basic", "free", "maintenance"]))
def test_any_order_of_arrival_gives_the_ledger_priced_from_scratch(
    history: dict[str, Any], contract_plan: str
) -> None:
    """After every batch, the ledger equals pricing what arrived so far from scratch."""
    book = Book(RULES, customer(contract_plan, "premium-2", out_of_town=True), NOW)
    events = history["events"]
    sizes = iter(history["batches"])
    index = 0
    while index < len(events):
        batch = events[index : index + next(sizes)]
        index += len(batch)
        book.arrive(
            incidents=[r for k, r in batch if k == "incident"],
            sessions=[r for k, r in batch if k == "session"],
            purchases=[r for k, r in batch if k == "purchase"],
        )
        _matches_scratch(book)
    target(float(book.resumed))


def test_a_late_arrival_reprices_only_the_suffix_it_affects() -> None:
    book = Book(RULES, customer(), NOW)
    book.arrive(incidents=[incident("I-1", opened="2026-01-02 10:00")])
    early = [session(f"S-{n}", "I-1", f"2026-01-{n + 5:02d} 11:00", 15) for n in range(10)]
    book.arrive(sessions=early)
    walked = book.walked
    book.arrive(sessions=[session("S-late", "I-1", "2026-01-14 15:00", 15)])
    # Only the late one: nothing after it, and nothing before it is walked again.
    assert book.walked - walked == 1
    book.arrive(sessions=[session("S-first", "I-1", "2026-01-03 11:00", 15)])
    assert book.walked - walked == 1 + 12  # it and every stateful session after it
    phone_only = Book(RULES, customer(), NOW)
    phone_only.arrive(incidents=[incident("I-1", opened="2026-01-02 10:00")])
    phone_only.arrive(
        sessions=[
            session(f"S-{n}", "I-1", f"2026-01-{n + 5:02d} 11:00", 15, Channel.PHONE)
            for n in range(10)
        ]
    )
    before = phone_only.walked
    phone_only.arrive(sessions=[session("S-first", "I-1", "2026-01-03 11:00", 15, Channel.PHONE)])
    assert phone_only.walked - before == 1  # the phone sessions cannot depend on the ledger


@pytest.mark.parametrize(
    ("reason", "sentence"),
    [
        (
            PriceReason(
                kind=PriceReasonKind.INCLUDED_HOURS,
                channel=Channel.REMOTE,
                included_hours=Decimal(4),
                used_hours=Decimal("2.5"),
                count=3,
                last_on=date(2026, 11, 12),
            ),
            "2.5 of the 4 included remote hours were used by 3 sessions, the last on 12 Nov.",
        ),
        (
            PriceReason(kind=PriceReasonKind.CREDIT, credit_left=Decimal(5), count=0),
            "5.00 € of prepaid credit was there when it began.",
        ),
        (
            PriceReason(kind=PriceReasonKind.PREMIUM, pack_incidents=0),
            "The contract holds no premium incident in this contract year, so this incident "
            "is billed hourly.",
        ),
        (
            PriceReason(kind=PriceReasonKind.PRICE_LIST),
            "The server priced it with the vendor's current price list.",
        ),
    ],
)
def test_every_reason_reads_as_one_sentence(reason: PriceReason, sentence: str) -> None:
    assert explain(reason) == sentence
