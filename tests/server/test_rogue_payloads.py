"""A careless or hostile client talking to the API directly: absurd values are never stored.

A push's envelope outside the bounds is a 422 with one sentence. An operation outside them
is rejected with its sentence while the rest of its batch applies; nothing of it is stored.
The six characters ``\\u0000`` typed as text are text; a real NUL character is refused.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from core.models import Channel, Expenses, Segment
from core.sync.protocol import OperationKind, PullResponse, PushResponse
from server.admin import count_applied
from server.embedded import LocalServer
from tests.server.sync_factories import (
    OPENED,
    incident,
    note,
    op,
    open_op,
    push_body,
    record_op,
    session,
)

FAR = datetime(9999, 12, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def alice(live_server: LocalServer) -> Iterator[httpx.Client]:
    token = live_server.add_technician("alice")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server.url, headers=headers, timeout=30) as client:
        yield client


def _session_json(**changes: Any) -> dict[str, Any]:
    return session("S-9", **changes).model_dump(mode="json")


def _priced_at(amount: str) -> dict[str, Any]:
    data = _session_json()
    data["quote"] = {**data["quote"], "net": amount, "total": amount}
    return data


def _with(data: dict[str, Any], **values: Any) -> dict[str, Any]:
    return {**data, **values}


ROGUE_OPERATIONS = {
    "incident in 9999": (
        OperationKind.INCIDENT_OPEN,
        "I-9",
        incident("I-9", opened_at=FAR, updated_at=FAR).model_dump(mode="json"),
        "opening time 9999-12-31T12:00:00+00:00 is outside the dates vardia accepts",
    ),
    "session in 9999": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _session_json(segments=(Segment(start=FAR, end=FAR + timedelta(hours=1)),)),
        "segment start 9999-12-31T12:00:00+00:00 is outside the dates",
    ),
    "a 50-year session": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _session_json(
            segments=(Segment(start=datetime(1976, 1, 1, tzinfo=UTC), end=OPENED),),
        ),
        "segment start 1976-01-01T00:00:00+00:00 is outside the dates",
    ),
    "a 26-year segment": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _session_json(segments=(Segment(start=datetime(2000, 1, 2, tzinfo=UTC), end=OPENED),)),
        "lasts more than 24 hours",
    ),
    "priced at -1e9 €": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _priced_at("-1000000000"),
        "quote's net cannot be negative",
    ),
    "an expense of -1e9 €": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _session_json(channel=Channel.ONSITE, expenses=Expenses(travel=Decimal("-1e9"))),
        "travel expense cannot be negative",
    ),
    "an expense of 1e9 €": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _session_json(channel=Channel.ONSITE, expenses=Expenses(lodging=Decimal("1e9"))),
        "lodging expense is above the ceiling of 2,000.00 €",
    ),
    "travel on a phone session": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _session_json(expenses=Expenses(travel=Decimal(40))),
        "Only an on-site session carries travel",
    ),
    "a NaN clock offset": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _with(_session_json(), clock_offset_seconds=float("nan")),
        "clock_offset_seconds is nan, not a finite number",
    ),
    "an infinite clock offset": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _with(_session_json(), clock_offset_seconds=float("inf")),
        "not a finite number",
    ),
    "a 5,000-character device id in the session": (
        OperationKind.SESSION_RECORD,
        "S-9",
        _session_json(device_id="d" * 5000),
        "is not one vardia makes",
    ),
    "a 20,000-character note": (
        OperationKind.INCIDENT_NOTE,
        "N-9",
        _with(note("N-9"), text="x" * 20_000),
        "note is 20,000 characters long; vardia keeps at most 10,000",
    ),
    "a resolve-by date in 9999": (
        OperationKind.INCIDENT_UPDATE,
        "I-1",
        {"changes": {"resolve_by": {"from": None, "to": FAR.isoformat()}}},
        "resolve-by time 9999-12-31T12:00:00+00:00 is outside the dates",
    ),
}


@pytest.mark.parametrize(
    ("kind", "entity_id", "payload", "says"), ROGUE_OPERATIONS.values(), ids=ROGUE_OPERATIONS
)
def test_an_operation_outside_the_bounds_is_refused_with_a_sentence_and_stores_nothing(
    live_server: LocalServer,
    alice: httpx.Client,
    kind: OperationKind,
    entity_id: str,
    payload: dict[str, Any],
    says: str,
) -> None:
    rogue = op(kind, entity_id, payload)
    body = push_body([open_op(incident("I-1")), rogue, record_op(session("S-1"))])
    body["operations"][1]["payload"] = payload  # as sent: a NaN stays a NaN

    response = alice.post(
        "/v1/push",
        content=json.dumps(body),  # as a careless client sends it: NaN and all
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text
    results = PushResponse.model_validate_json(response.content).results
    assert [r.status for r in results] == ["applied", "rejected", "applied"]
    reason = results[1].reason or ""
    assert says in reason and reason.endswith("."), reason
    assert count_applied(live_server.engine) == 2
    pulled = PullResponse.model_validate_json(alice.get("/v1/pull").content)
    assert [(i.id, i.resolve_by, len(i.notes)) for i in pulled.incidents] == [("I-1", None, 0)]
    with _admin(live_server) as admin:
        assert [row["session"]["id"] for row in admin.get("/v1/admin/sessions").json()] == ["S-1"]


def _admin(server: LocalServer) -> httpx.Client:
    token = server.add_technician("lead", admin=True)
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"device_id": "d" * 5000}, "String should have at most 128 characters"),
        ({"device_id": "dev a/b"}, "is not one vardia makes"),
        ({"sent_at": FAR.isoformat()}, "is not a believable clock offset"),
        ({"sent_at": "0001-01-01T00:00:00+00:00"}, "is not a believable clock offset"),
    ],
    ids=["5000-char-device-id", "device-id-shape", "sent-in-9999", "sent-in-year-1"],
)
def test_a_push_envelope_outside_the_bounds_is_a_422_with_a_sentence(
    live_server: LocalServer, alice: httpx.Client, change: dict[str, Any], says: str
) -> None:
    body = {**push_body([open_op(incident("I-1"))]), **change}

    response = alice.post("/v1/push", json=body)

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert says in detail and detail.endswith("."), detail
    assert count_applied(live_server.engine) == 0


def test_a_real_nul_is_refused_and_the_typed_text_backslash_u0000_is_kept(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    typed = r"The log shows \u0000 where the name should be"
    nul = _with(note("N-2"), text="a real \x00 character")

    refused = alice.post(
        "/v1/push",
        json=push_body([open_op(incident("I-1")), op(OperationKind.INCIDENT_NOTE, "N-2", nul)]),
    )
    kept = alice.post(
        "/v1/push",
        json=push_body(
            [
                open_op(incident("I-1", subject=typed)),
                op(OperationKind.INCIDENT_NOTE, "N-1", _with(note("N-1"), text=typed)),
            ]
        ),
    )

    assert refused.status_code == 422 and refused.json()["detail"].endswith(".")
    assert kept.status_code == 200, kept.text
    results = PushResponse.model_validate_json(kept.content).results
    assert [r.status for r in results] == ["applied", "applied"]
    pulled = PullResponse.model_validate_json(alice.get("/v1/pull").content)
    assert pulled.incidents[0].subject == typed
    assert [n.text for n in pulled.incidents[0].notes] == [typed]
