"""The server is the ledger: pushes priced chronologically, pulls bring prices and standing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from core.ledger import Purchase
from core.models import (
    Channel,
    Contract,
    Customer,
    Eligibility,
    PremiumGrant,
    Segment,
    ServerPrice,
    Session,
    SessionEdit,
)
from core.pricing import price_session
from core.rules import load_rules
from core.sync.protocol import OperationKind, PullResponse, PushResponse
from server.admin import import_customers
from server.embedded import LocalServer
from tests.server.sync_factories import (
    OPENED,
    incident,
    op,
    open_op,
    push_body,
    record_op,
    session,
)

RULES = load_rules()
DAY = timedelta(days=1)


def push(who: httpx.Client, *ops: object, device: str = "dev-a") -> PushResponse:
    response = who.post("/v1/push", json=push_body(list(ops), device))  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    result = PushResponse.model_validate_json(response.content)
    assert [r.status for r in result.results] != [] and all(
        r.status.value == "applied" for r in result.results
    ), result
    return result


def pull_all(who: httpx.Client) -> tuple[dict[str, ServerPrice], dict[str, Customer]]:
    """Every page from the start: the last price of each session, the last of each customer."""
    prices: dict[str, ServerPrice] = {}
    customers: dict[str, Customer] = {}
    cursor = ""
    while True:
        page = PullResponse.model_validate_json(
            who.get("/v1/pull", params={"cursor": cursor, "limit": 3}).content
        )
        prices |= {p.session_id: p.price for p in page.prices}
        customers |= {c.id: c for c in page.customers}
        cursor = page.cursor
        if not page.has_more:
            return prices, customers


def free_customer(server: LocalServer, credit: str) -> None:
    bought = [Purchase("p-1", OPENED - DAY, Decimal(credit))]
    customer = Customer(id="C-1", name="Acme")
    import_customers(server.engine, RULES, [customer], datetime.now(UTC), {"C-1": bought})


def hour_at(start: datetime, hours: float = 1) -> tuple[Segment, ...]:
    return (Segment(start=start, end=start + timedelta(hours=hours)),)


def previewed(worked: Session, credit: str) -> Session:
    """The session as a device priced it: free rates, against the credit it knew of."""
    quote = price_session(RULES, "free", worked.channel, worked.segments, credit=Decimal(credit))
    return worked.model_copy(update={"quote": quote})


FREE = Eligibility(contract_in_force=False, served_as="free")


def test_credit_is_spent_once_in_chronological_order_whatever_order_it_arrives_in(
    live_server: LocalServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    free_customer(live_server, "10.00")
    push(alice, open_op(incident("I-1", eligibility=FREE)))
    # Alice's session is the later one, but it reaches the server first: it takes the credit.
    later = previewed(session("S-late", segments=hour_at(OPENED + DAY)), "10.00")
    push(alice, record_op(later))
    alice_prices, _ = pull_all(alice)
    assert alice_prices["S-late"].quote.credit_debited == Decimal("10.00")

    earlier = session("S-early", technician="bob", device_id="dev-b", segments=hour_at(OPENED))
    earlier = previewed(earlier, "10.00")
    push(bob, record_op(earlier), device="dev-b")

    alice_prices, customers = pull_all(alice)
    bob_prices, _ = pull_all(bob)
    # Each technician pulls the prices of their own sessions only.
    assert set(alice_prices) == {"S-late"} and set(bob_prices) == {"S-early"}
    assert bob_prices["S-early"].quote.credit_debited == Decimal("10.00")
    assert bob_prices["S-early"].quote.due == Decimal("49.60")  # 40 € net + 24 % VAT
    late = alice_prices["S-late"]
    assert late.quote.credit_debited == 0
    assert late.quote.net == Decimal("50.00")
    assert [r.kind.value for r in late.reasons] == ["credit"]
    assert late.reasons[0].count == 1 and late.reasons[0].last_on == OPENED.date()
    # The customer record carries the ledger: the credit left, and when it was computed.
    acme = customers["C-1"]
    assert acme.prepaid_credit == 0
    assert acme.ledger_as_of is not None
    assert acme.entitlements is not None and acme.entitlements.year == datetime.now(UTC).year


def test_premium_incidents_beyond_the_pack_are_billed_hourly_and_flagged(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    contract = Contract(
        plan="maintenance",
        premium_pack="premium-2",
        valid_from=OPENED.date().replace(month=1, day=1),
        valid_until=OPENED.date().replace(month=12, day=31),
    )
    customer = Customer(id="C-1", name="Acme", contract=contract)
    import_customers(live_server.engine, RULES, [customer], datetime.now(UTC))
    claimed = Eligibility(contract_in_force=True, served_as="maintenance", premium_used=True)
    opened = {"I-3": OPENED + 2 * DAY, "I-1": OPENED, "I-2": OPENED + DAY}
    # Opened in one order, arriving in another: the pack goes by opening time.
    for incident_id, at in opened.items():
        claim = incident(incident_id, opened_at=at, eligibility=claimed, plan="maintenance")
        push(
            alice,
            open_op(claim),
            record_op(session(f"S-{incident_id}", incident_id, segments=hour_at(at))),
        )
    prices, customers = pull_all(alice)
    assert prices["S-I-1"].premium is PremiumGrant.GRANTED
    assert prices["S-I-2"].premium is PremiumGrant.GRANTED
    beyond = prices["S-I-3"]
    assert beyond.premium is PremiumGrant.BEYOND_PACK
    assert beyond.quote.net == Decimal("50.00")  # an hour by phone at free rates
    assert beyond.reasons[0].kind.value == "premium"
    assert (prices["S-I-1"].quote.net, prices["S-I-2"].quote.net) == (0, 0)
    entitlements = customers["C-1"].entitlements
    assert entitlements is not None and entitlements.premium_incidents_used == (
        2 if entitlements.year == OPENED.year else 0
    )


def test_an_edit_re_prices_the_sessions_after_it(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    contract = Contract(
        plan="basic",
        valid_from=OPENED.date().replace(month=1, day=1),
        valid_until=OPENED.date().replace(month=12, day=31),
    )
    customer = Customer(id="C-1", name="Acme", contract=contract)
    import_customers(live_server.engine, RULES, [customer], datetime.now(UTC))
    push(alice, open_op(incident("I-1")))
    first = session("S-1", channel=Channel.REMOTE, segments=hour_at(OPENED, 3))
    second = session("S-2", channel=Channel.REMOTE, segments=hour_at(OPENED + DAY, 2))
    push(alice, record_op(first), record_op(second))
    prices, _ = pull_all(alice)
    # 3 of the 4 included remote hours went to the first: the second pays for one hour.
    assert prices["S-2"].quote.included_hours_debited == 1
    assert prices["S-2"].quote.net == Decimal("50.00")

    edit = SessionEdit(
        at=OPENED + 2 * DAY,
        by="alice",
        reason="the call ended sooner",
        old_segments=first.segments,
        old_channel=first.channel,
        old_quote=first.quote,
    )
    shorter = first.model_copy(update={"segments": hour_at(OPENED, 1), "edits": (edit,)})
    push(alice, op(OperationKind.SESSION_EDIT, "S-1", shorter.model_dump(mode="json")))
    prices, _ = pull_all(alice)
    assert prices["S-1"].revision == 1
    assert prices["S-1"].quote.included_hours_debited == 1
    assert prices["S-2"].quote.included_hours_debited == 2
    assert prices["S-2"].quote.net == 0


def test_a_device_cannot_push_a_price_of_its_own(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    free_customer(live_server, "0")
    push(alice, open_op(incident("I-1", eligibility=FREE)))
    worked = session("S-1")
    forged = ServerPrice(quote=worked.quote, revision=0, priced_at=OPENED)
    push(alice, record_op(worked.model_copy(update={"server_price": forged})))
    prices, _ = pull_all(alice)
    assert prices["S-1"].quote.net == Decimal("50.00")
    assert prices["S-1"].priced_at != OPENED
