"""Client and a real server process, with the server down, killed, or its answer lost."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import httpcore
import httpx
import pytest

from core.errors import AuthError
from core.sync.client import RetryLater, SyncClient
from core.sync.memory import MemoryStore
from core.sync.protocol import API_PREFIX, OperationKind
from core.sync.state import list_conflicts, list_rejections
from server.embedded import LocalServer
from server.service import count_applied
from tests.server.sync_factories import incident, op, open_op, record_op, session, update_op


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LocalServer]:
    """A server whose address exists but which is not started: connecting is refused."""
    local = LocalServer(tmp_path / "server-home", database_url)
    try:
        yield local
    finally:
        local.stop()


def _captured(count: int, technician: str = "alice") -> MemoryStore:
    store = MemoryStore()
    for n in range(count):
        store.enqueue(open_op(incident(f"I-{n}", by=technician)))
        store.enqueue(record_op(session(f"S-{n}", f"I-{n}", technician)))
    return store


def _client(server: LocalServer, store: MemoryStore, token: str, **options: object) -> SyncClient:
    return SyncClient(store, server.url, token, device_id="dev-a", **options)  # type: ignore[arg-type]


def _ids(store: MemoryStore) -> list[str]:
    return [o.op_id for o in store.outbox]


def test_captured_offline_then_synced_arrives_once(server: LocalServer) -> None:
    token = server.add_technician("alice")
    store = _captured(60)
    sent = _ids(store)

    with _client(server, store, token, batch_size=50) as client:
        with pytest.raises(RetryLater):
            client.sync()
        assert client.status().online is False
        server.start()
        report = client.sync()

    assert report.push.applied == 120
    assert store.pending_count() == 0
    assert count_applied(server.engine, sent) == count_applied(server.engine) == 120
    assert sorted(store.incidents) == sorted(f"I-{n}" for n in range(60))


class _KillAfterSending(httpx.BaseTransport):
    """Sends a push on a connection the server has accepted, then SIGKILLs the server.

    The listening socket outlives the server (``LocalServer`` keeps it for restarts), so a
    push sent on a connection the server had not accepted yet would wait in the kernel's
    backlog, unanswered, and reach the next server instead. A health check on the same
    single connection first proves the server holds it; the connection is never replaced.
    """

    def __init__(self, url: str, kill: Callable[[], None]) -> None:
        origin = httpx.URL(url)
        self._connection = httpcore.HTTPConnection(
            httpcore.Origin(b"http", origin.host.encode(), origin.port or 80)
        )
        self._kill = kill
        self._timeout = {"connect": 10.0, "read": 10.0, "write": 10.0, "pool": 10.0}

    def _send(
        self, method: str, url: str, headers: list[tuple[bytes, bytes]], body: object
    ) -> httpcore.Response:
        return self._connection.request(
            method, url, headers=headers, content=body, extensions={"timeout": self._timeout}
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path.endswith("/push"), "only pushes go through this transport"
        health = str(request.url.copy_with(path=f"{API_PREFIX}/health", query=None))
        assert self._send("GET", health, [(b"Host", request.url.netloc)], b"").status == 200
        body, kill = request.read(), self._kill

        def stream() -> Iterator[bytes]:
            yield body
            kill()

        try:
            answer = self._send(request.method, str(request.url), request.headers.raw, stream())
        except httpcore.NetworkError as error:
            raise httpx.ReadError(str(error)) from error
        except httpcore.RemoteProtocolError as error:
            raise httpx.RemoteProtocolError(str(error)) from error
        return httpx.Response(answer.status, headers=answer.headers, content=answer.content)

    def close(self) -> None:
        self._connection.close()


def test_a_server_killed_mid_push_loses_and_doubles_nothing(server: LocalServer) -> None:
    token = server.add_technician("alice")
    store = _captured(250)
    sent = _ids(store)
    server.start()

    def kill() -> None:
        os.kill(server.pid or 0, signal.SIGKILL)

    killing = _KillAfterSending(server.url, kill)
    with _client(server, store, token, transport=killing) as client:
        try:
            client.push()
        except RetryLater:
            answered = False
        else:
            # The server answered in the instant before it died: the client has its answer.
            answered = True
    server.kill()
    # The batch was one transaction: it landed whole or not at all.
    assert count_applied(server.engine) in ((500,) if answered else (0, 500))
    assert store.pending_count() == (0 if answered else 500)

    server.start()
    with _client(server, store, token) as client:
        client.sync()

    assert store.pending_count() == 0
    assert count_applied(server.engine, sent) == count_applied(server.engine) == 500


class _LoseResponses(httpx.BaseTransport):
    """Lets the server apply a push, then drops its answer, ``times`` times."""

    def __init__(self, times: int) -> None:
        self._inner = httpx.HTTPTransport()
        self.left = times

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._inner.handle_request(request)
        if request.url.path.endswith("/push") and self.left:
            self.left -= 1
            response.read()
            raise httpx.ReadError("connection reset before the answer arrived")
        return response


def test_a_lost_answer_then_a_retry_applies_once(server: LocalServer) -> None:
    token = server.add_technician("alice")
    store = _captured(5)
    sent = _ids(store)
    server.start()

    with _client(server, store, token, transport=_LoseResponses(1)) as client:
        with pytest.raises(RetryLater):
            client.sync()
        assert count_applied(server.engine) == 10
        assert store.pending_count() == 10
        report = client.sync()

    assert (report.push.duplicate, report.push.applied) == (10, 0)
    assert store.pending_count() == 0
    assert count_applied(server.engine, sent) == count_applied(server.engine) == 10


def test_one_invalid_operation_is_reported_and_the_rest_arrive(server: LocalServer) -> None:
    token = server.add_technician("alice")
    store = _captured(2)
    bad = op(OperationKind.INCIDENT_UPDATE, "I-0", {"changes": {"ref": {"from": 1, "to": 2}}})
    store.outbox.insert(2, bad)
    server.start()

    with _client(server, store, token) as client:
        report = client.sync().push

    assert (report.applied, report.rejected, store.pending_count()) == (4, 1, 0)
    [rejection] = list_rejections(store)
    assert rejection.op_id == bad.op_id and "ref" in rejection.reason


def test_two_technicians_edit_one_field_offline_and_the_loser_sees_it(
    server: LocalServer,
) -> None:
    alice_token, bob_token = server.add_technician("alice"), server.add_technician("bob")
    server.start()
    alice, bob = MemoryStore([open_op(incident("I-1"))]), MemoryStore()
    with _client(server, alice, alice_token) as a, _client(server, bob, bob_token) as b:
        a.sync()
        b.sync()
        assert bob.incidents["I-1"].status == "new"
        alice.enqueue(update_op("I-1", "status", "new", "in_progress"))
        bob.enqueue(update_op("I-1", "status", "new", "waiting", "dev-b"))
        a.sync()
        report = b.sync()
        status = b.status()

    assert report.push.conflict == 1
    assert bob.incidents["I-1"].status == "in_progress"
    [conflict] = list_conflicts(bob)
    assert (conflict.field, conflict.local, conflict.server) == ("status", "waiting", "in_progress")
    assert status.conflicts == 1 and list_conflicts(alice) == []


def test_a_revoked_technician_cannot_sync(server: LocalServer) -> None:
    token = server.add_technician("alice")
    server.start()
    store = _captured(1)
    from core.clock import SystemClock
    from server.service import revoke_technician

    revoke_technician(server.engine, "alice", now=SystemClock().now())
    with _client(server, store, token) as client, pytest.raises(AuthError, match="revoked"):
        client.sync()

    assert store.pending_count() == 2
