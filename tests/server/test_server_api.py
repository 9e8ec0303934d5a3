"""The sync API over a real server process, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from core.models import Customer
from core.rules import load_rules
from core.sync.protocol import MAX_BODY_BYTES, OperationKind, PullResponse, PushResponse
from server.admin import count_applied, import_customers
from server.embedded import LocalServer
from tests.server.sync_factories import (
    incident,
    note,
    op,
    open_op,
    push_body,
    record_op,
    session,
    technician_client,
    update_op,
)


def _push(client: httpx.Client, body: dict[str, Any]) -> PushResponse:
    response = client.post("/v1/push", json=body)
    assert response.status_code == 200, response.text
    return PushResponse.model_validate_json(response.content)


def test_a_pushed_batch_applies_each_operation_once(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    ops = [
        open_op(incident("I-1")),
        record_op(session("S-1")),
        op(OperationKind.INCIDENT_NOTE, "I-1", note("N-1")),
    ]
    first = _push(alice, push_body(ops))
    again = _push(alice, push_body(ops + ops))

    assert [r.status for r in first.results] == ["applied"] * 3
    assert [r.status for r in again.results] == ["duplicate"] * 6
    assert count_applied(live_server.engine) == 3
    pulled = PullResponse.model_validate_json(alice.get("/v1/pull").content)
    assert [len(i.notes) for i in pulled.incidents] == [1]


def test_one_invalid_operation_is_reported_and_the_rest_applied(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    broken = op(OperationKind.SESSION_RECORD, "S-9", {"id": "S-9", "channel": "pigeon"})
    ops = [open_op(incident("I-1")), broken, record_op(session("S-1"))]

    results = _push(alice, push_body(ops)).results

    assert [r.status for r in results] == ["applied", "rejected", "applied"]
    assert results[1].reason and "session.record" in results[1].reason
    assert count_applied(live_server.engine) == 2


def test_the_server_value_stands_and_the_loser_gets_a_conflict(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    _push(alice, push_body([open_op(incident("I-1"))]))

    won = _push(alice, push_body([update_op("I-1", "status", "new", "in_progress")]))
    lost = _push(bob, push_body([update_op("I-1", "status", "new", "waiting", "dev-b")], "dev-b"))

    assert won.results[0].status == "applied"
    assert lost.results[0].status == "conflict"
    conflict = lost.results[0].conflicts[0]
    assert (conflict.field, conflict.local, conflict.server) == ("status", "waiting", "in_progress")
    pulled = PullResponse.model_validate_json(bob.get("/v1/pull").content)
    assert pulled.incidents[0].status == "in_progress"


def test_a_technician_cannot_record_or_alter_another_technicians_session(
    alice: httpx.Client, bob: httpx.Client
) -> None:
    _push(alice, push_body([open_op(incident("I-1")), record_op(session("S-1"))]))
    edited = session("S-1", note="changed by bob").model_dump(mode="json")
    forged = record_op(session("S-2", technician="alice", device_id="dev-b"))

    results = _push(
        bob,
        push_body([op(OperationKind.SESSION_EDIT, "S-1", edited, "dev-b"), forged], "dev-b"),
    ).results

    assert [r.status for r in results] == ["rejected", "rejected"]
    assert all("technician" in (r.reason or "") for r in results)


def test_sessions_from_a_skewed_clock_are_flagged_for_admins(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    skewed = session("S-2", clock_offset_seconds=-900.0)
    _push(
        alice, push_body([open_op(incident("I-1")), record_op(session("S-1")), record_op(skewed)])
    )
    with technician_client(live_server, "lead", admin=True) as admin:
        rows = admin.get("/v1/admin/sessions").json()
        incidents = admin.get("/v1/admin/incidents").json()
    refused = alice.get("/v1/admin/sessions")

    assert {r["session"]["id"]: r["skew_flagged"] for r in rows} == {"S-1": False, "S-2": True}
    assert refused.status_code == 403
    assert [i["id"] for i in incidents] == ["I-1"]


def test_a_revoked_token_is_refused(live_server: LocalServer, alice: httpx.Client) -> None:
    assert alice.get("/v1/whoami").status_code == 200
    from core.clock import SystemClock
    from server.auth import revoke_technician

    revoke_technician(live_server.engine, "alice", now=SystemClock().now())

    response = alice.get("/v1/whoami")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"device_id": "d", "sent_at": "2026-01-01T00:00:00Z", "operations": [], "x": 1}, 422),
        ({"device_id": "d", "sent_at": "2026-01-01T00:00:00", "operations": []}, 422),
        ({"device_id": "d", "sent_at": "2026-01-01T00:00:00Z", "operations": []}, 422),
        ({"device_id": "\u0000", "sent_at": "2026-01-01T00:00:00Z", "operations": []}, 422),
    ],
    ids=["unknown-field", "naive-time", "empty-batch", "nul"],
)
def test_bad_bodies_get_a_clear_4xx_and_write_nothing(
    live_server: LocalServer, alice: httpx.Client, body: dict[str, Any], status: int
) -> None:
    response = alice.post("/v1/push", json=body)

    assert response.status_code == status
    assert response.json()["detail"].endswith(".")
    assert count_applied(live_server.engine) == 0


def test_an_oversized_body_is_refused_with_413(alice: httpx.Client) -> None:
    response = alice.post(
        "/v1/push",
        content=b"{" + b" " * MAX_BODY_BYTES + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_a_request_flood_gets_429_with_retry_after(database_url: str, tmp_path: Any) -> None:
    server = LocalServer(tmp_path / "flood", database_url)
    server.start(rate=1.0, burst=5)
    try:
        with technician_client(server, "alice") as client:
            statuses = [client.get("/v1/whoami") for _ in range(8)]
    finally:
        server.stop()

    assert [r.status_code for r in statuses[:5]] == [200] * 5
    assert statuses[-1].status_code == 429
    assert int(statuses[-1].headers["Retry-After"]) >= 1


def test_pull_pages_through_every_change_once_and_resumes(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    customers = [Customer(id=f"C-{n:02}", name=f"Customer {n}") for n in range(23)]
    import_customers(live_server.engine, load_rules(), customers, datetime.now(UTC))
    _push(alice, push_body([open_op(incident(f"I-{n}")) for n in range(7)]))

    seen: list[str] = []
    cursor = ""
    while True:
        page = PullResponse.model_validate_json(
            alice.get("/v1/pull", params={"cursor": cursor, "limit": 4}).content
        )
        seen += [c.id for c in page.customers] + [i.id for i in page.incidents]
        cursor = page.cursor
        if not page.has_more:
            break
    _push(alice, push_body([update_op("I-3", "status", "new", "waiting")]))
    resumed = PullResponse.model_validate_json(
        alice.get("/v1/pull", params={"cursor": cursor}).content
    )

    assert sorted(seen) == sorted([c.id for c in customers] + [f"I-{n}" for n in range(7)])
    assert len(seen) == len(set(seen))
    assert [i.id for i in resumed.incidents] == ["I-3"]
    assert resumed.customers == []


@pytest.mark.parametrize("cursor", ["nonsense", "W10", "WzEsMl0"])
def test_a_forged_cursor_is_a_400(alice: httpx.Client, cursor: str) -> None:
    response = alice.get("/v1/pull", params={"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]
