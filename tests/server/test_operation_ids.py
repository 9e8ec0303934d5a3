"""Operation ids are their technician's own, and a known id is a duplicate only with the same
payload: another change under it is refused as a reused id, and the device keeps it (SPEC §7.2).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from core.models import Incident
from core.store import Store
from core.sync.client import SyncClient
from core.sync.protocol import Operation, OperationKind, OpResult, PullResponse, PushResponse
from core.sync.state import list_rejections
from server.admin import count_applied
from server.embedded import LocalServer
from tests.server.fixtures.previous import LEDGER_OPS, ledger_database
from tests.server.sync_factories import incident, note, op, open_op, push_body, technician_client


def _push(client: httpx.Client, operations: list[Operation], device: str = "dev-a") -> list[str]:
    return [result.status for result in _results(client, operations, device)]


def _results(
    client: httpx.Client, operations: list[Operation], device: str = "dev-a"
) -> list[OpResult]:
    response = client.post("/v1/push", json=push_body(operations, device))
    assert response.status_code == 200, response.text
    return PushResponse.model_validate_json(response.content).results


def _incidents(client: httpx.Client) -> dict[str, Incident]:
    page = PullResponse.model_validate_json(client.get("/v1/pull").content)
    return {found.id: found for found in page.incidents}


def _reworded(first: Operation, subject: str) -> Operation:
    """The same operation id, the same incident, another change."""
    payload = incident(first.entity_id, subject=subject).model_dump(mode="json")
    return first.model_copy(update={"payload": payload})


def test_the_same_operation_pushed_again_is_a_duplicate(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    first = open_op(incident("I-1"))

    assert _push(alice, [first]) == ["applied"]
    assert _push(alice, [first, first]) == ["duplicate", "duplicate"]
    assert count_applied(live_server.engine) == 1


def test_an_own_id_pushed_again_with_another_payload_is_refused_as_reused(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    first = open_op(incident("I-1"))
    assert _push(alice, [first]) == ["applied"]
    reworded = _reworded(first, "Scanner jams on every page")
    as_a_note = op(OperationKind.INCIDENT_NOTE, "N-1", note("N-1"), op_id=first.op_id)

    results = _results(alice, [reworded, as_a_note, first])

    assert [r.status for r in results] == ["rejected", "rejected", "duplicate"]
    for refused in results[:2]:
        reason = refused.reason or ""
        assert f"Operation id {first.op_id} was already used" in reason, reason
        assert "reused id" in reason and reason.endswith("."), reason
    [kept] = _incidents(alice).values()
    assert (kept.subject, kept.notes) == (incident("I-1").subject, ())
    assert count_applied(live_server.engine) == 1


def test_a_reused_id_within_one_batch_is_refused_after_the_first_applies(
    live_server: LocalServer, alice: httpx.Client
) -> None:
    first = open_op(incident("I-1"))

    assert _push(alice, [first, _reworded(first, "Scanner jams")]) == ["applied", "rejected"]
    assert _incidents(alice)["I-1"].subject == incident("I-1").subject


def test_a_colleagues_operation_under_a_known_id_is_applied_for_them(
    live_server: LocalServer, alice: httpx.Client, bob: httpx.Client
) -> None:
    mine = open_op(incident("I-1"))
    payload = incident("I-2", by="bob").model_dump(mode="json")
    theirs = op(OperationKind.INCIDENT_OPEN, "I-2", payload, device_id="dev-b", op_id=mine.op_id)

    assert _push(alice, [mine]) == ["applied"]
    assert _push(bob, [theirs], "dev-b") == ["applied"]
    assert _push(bob, [theirs], "dev-b") == ["duplicate"]
    assert _push(alice, [mine]) == ["duplicate"]

    assert {i.id: i.opened_by for i in _incidents(bob).values()} == {"I-1": "alice", "I-2": "bob"}
    assert count_applied(live_server.engine, [mine.op_id]) == 2


def test_a_reused_id_is_kept_on_the_device_with_its_whole_content(
    live_server: LocalServer, tmp_path: Path
) -> None:
    token = live_server.add_technician("alice")
    first = open_op(incident("I-1"))
    reworded = _reworded(first, "Scanner jams on every page")
    with (
        Store.open(tmp_path / "device", technician="alice") as store,
        SyncClient(store, live_server.url, token, device_id=store.device_id) as client,
    ):
        store.commit(first)
        assert client.sync().push.applied == 1
        store.commit(reworded)
        report = client.sync().push
        again = client.sync().push
        status = client.status()
        pending = store.pending_count()
        [kept] = list_rejections(store)

    assert (report.rejected, report.duplicate, report.applied) == (1, 0, 0)
    # Refused once, not acknowledged as done: it left the outbox for the Refused list.
    assert (again.rejected, pending, status.rejected) == (0, 0, 1)
    assert kept.op_id == first.op_id and kept.operation == reworded
    assert "reused id" in kept.reason


def test_operations_the_ledger_server_applied_are_still_answered_duplicate(
    database_url: str, tmp_path: Path
) -> None:
    ledger_database(database_url)
    server = LocalServer(tmp_path / "home", database_url)
    server.start()
    try:
        with technician_client(server, "alice") as alice, technician_client(server, "bob") as bob:
            # What the old rows applied is unknown: whatever comes under their ids is a repeat.
            replayed = [
                op(kind, entity_id, {"as": "the device kept it"}, op_id=op_id)
                for op_id, (kind, entity_id) in LEDGER_OPS.items()
            ]
            answered = _push(alice, replayed)
            payload = incident("I-2", by="bob").model_dump(mode="json")
            theirs = op(OperationKind.INCIDENT_OPEN, "I-2", payload, "dev-b", op_id="op-open")
            colleague = _push(bob, [theirs], "dev-b")
            fresh = open_op(incident("I-3"))
            applied = _push(alice, [fresh])
            reused = _push(alice, [_reworded(fresh, "Scanner jams")])
            held = set(_incidents(alice))
    finally:
        server.stop()

    assert answered == ["duplicate", "duplicate"]
    assert (colleague, applied, reused) == (["applied"], ["applied"], ["rejected"])
    assert held == {"I-1", "I-2", "I-3"}
