"""The statement a device shows: the server's when it answers, else its own, partial."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from core.clock import FrozenClock
from core.errors import AuthError
from core.models import Customer
from core.periods import Month
from core.rules import load_rules
from core.statements import Statement, StatementTerms, build_statement
from core.sync.client import SyncClient
from core.sync.statements import statement_for
from tests.core.sync.memory_store import MemoryStore

RULES = load_rules(None)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
MONTH = Month(2026, 11)
CUSTOMER = Customer(id="c/1 ά", name="Άλφα")


def _empty(partial: bool) -> Statement:
    terms = StatementTerms.of(CUSTOMER, MONTH, RULES.plans, RULES.billing, RULES.timezone)
    built = build_statement(CUSTOMER, MONTH, [], {}, terms)
    return built.model_copy(update={"partial": partial, "as_of": NOW if partial else None})


def _client(answer: httpx.Response, seen: list[httpx.Request]) -> SyncClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answer

    return SyncClient(
        MemoryStore(),
        "https://vardia.test",
        "secret",
        device_id="dev-a",
        clock=FrozenClock(NOW),
        transport=httpx.MockTransport(handle),
    )


def test_the_servers_statement_is_asked_for_the_customer_and_month() -> None:
    seen: list[httpx.Request] = []
    server = _empty(partial=False)
    with _client(httpx.Response(200, content=server.model_dump_json()), seen) as client:
        found, reason = statement_for(client, lambda: _empty(partial=True), CUSTOMER.id, MONTH)
    assert (found, reason) == (server, None)
    [request] = seen
    assert request.url.raw_path == b"/v1/statements/c%2F1%20%CE%AC?month=2026-11"


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (httpx.Response(503), "busy or failing"),
        (httpx.Response(404, json={"detail": "No customer c/1 ά."}), "No customer c/1 ά."),
        (httpx.Response(200, content=b"{}"), "cannot read"),
    ],
    ids=["unreachable", "unknown-there", "unreadable"],
)
def test_without_the_servers_statement_the_device_shows_its_own_and_says_why(
    answer: httpx.Response, said: str
) -> None:
    with _client(answer, []) as client:
        found, reason = statement_for(client, lambda: _empty(partial=True), CUSTOMER.id, MONTH)
    assert found.partial and found.as_of == NOW
    assert reason is not None and said in reason


def test_a_refused_token_falls_back_too_and_a_device_never_logged_in_asks_nobody() -> None:
    with _client(httpx.Response(401), []) as client, pytest.raises(AuthError):
        client.statement(CUSTOMER.id, MONTH)
    found, reason = statement_for(None, lambda: _empty(partial=True), CUSTOMER.id, MONTH)
    assert found.partial and reason is None
