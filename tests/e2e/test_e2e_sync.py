"""A technician's real store and a real server process, with the server down, killed, or its
answer lost: every change captured by the use cases arrives once."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from core import incidents, intake
from core import timer as timer_rules
from core.clock import FrozenClock
from core.errors import AuthError
from core.intake import IntakeRequest
from core.models import Channel, Incident, IncidentStatus
from core.rules import Rules, load_rules
from core.store import Store
from core.sync.client import RetryLater, SyncClient
from core.sync.identity import adopt_technician
from core.sync.protocol import API_PREFIX, OperationKind
from core.sync.state import list_conflicts, list_rejections
from server.admin import count_applied
from server.embedded import LocalServer
from tests.tui.data import NOW, customers


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(None)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[LocalServer]:
    """A server whose address exists but which is not started: connecting is refused."""
    local = LocalServer(tmp_path / "server-home", database_url)
    try:
        yield local
    finally:
        local.stop()


class Technician:
    """One technician's machine: a real store in its own VARDIA_HOME, on a clock we move."""

    def __init__(self, home: Path, name: str, rules: Rules, monkeypatch: pytest.MonkeyPatch):
        monkeypatch.setenv("VARDIA_HOME", str(home))
        monkeypatch.setenv("VARDIA_TECHNICIAN", name)
        self.clock = FrozenClock(NOW)
        self.rules = rules
        self.store = Store.open(home / "data", clock=self.clock, technician=name)
        self.store.import_records(customers=customers(2))

    def capture(self, count: int) -> list[Incident]:
        """What a day's work makes: incidents opened, moved on, noted, and timed sessions."""
        opened = []
        for n in range(count):
            request = IntakeRequest(customer_id="c0000", subject=f"Printer {n} prints boxes")
            incident = intake.open_incident(self.store, self.rules, request)
            incidents.change_status(self.store, incident.id, IncidentStatus.ACKNOWLEDGED)
            incidents.add_note(
                self.store, self.rules, incident.id, f"Called the customer about {n}."
            )
            timer_rules.start(self.store, self.rules, incident.id, Channel.PHONE)
            self.clock.advance(timedelta(minutes=20))
            timer_rules.stop(self.store, self.rules, note="Reinstalled the driver.")
            opened.append(self.store.incident(incident.id))
        return opened

    def pending_ids(self) -> list[str]:
        return [op.op_id for op in self.store.pending_operations(10**6)]

    def client(self, server: LocalServer, token: str, **options: Any) -> SyncClient:
        return SyncClient(self.store, server.url, token, device_id=self.store.device_id, **options)


@pytest.fixture
def alice(tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch) -> Iterator[Technician]:
    technician = Technician(tmp_path / "alice", "alice", rules, monkeypatch)
    yield technician
    technician.store.close()


@pytest.fixture
def bob(tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch) -> Iterator[Technician]:
    technician = Technician(tmp_path / "bob", "bob", rules, monkeypatch)
    yield technician
    technician.store.close()


def _admin_get(server: LocalServer, path: str) -> list[dict[str, Any]]:
    token = server.add_technician(f"admin-{os.urandom(4).hex()}", admin=True)
    with httpx.Client(base_url=server.url + API_PREFIX, timeout=10.0) as http:
        response = http.get(
            path, params={"limit": 1000}, headers={"Authorization": f"Bearer {token}"}
        )
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


def _assert_arrived_once(server: LocalServer, sent: list[str], opened: list[Incident]) -> None:
    """Every op applied once, and the server holds what the technician's store holds."""
    assert count_applied(server.engine, sent) == count_applied(server.engine) == len(sent)
    on_server = {
        i["id"]: Incident.model_validate(i) for i in _admin_get(server, "/admin/incidents")
    }
    assert sorted(on_server) == sorted(i.id for i in opened)
    for local in opened:
        remote = on_server[local.id]
        assert (remote.status, remote.notes) == (local.status, local.notes)
    sessions = _admin_get(server, "/admin/sessions")
    assert sorted(s["session"]["incident_id"] for s in sessions) == sorted(i.id for i in opened)


def test_captured_offline_then_synced_arrives_once(server: LocalServer, alice: Technician) -> None:
    token = server.add_technician("alice")
    opened = alice.capture(15)
    sent = alice.pending_ids()

    with alice.client(server, token, batch_size=20) as client:
        with pytest.raises(RetryLater):
            client.sync()
        assert client.status().online is False
        server.start()
        report = client.sync()

    assert list_rejections(alice.store) == []
    assert report.push.applied == len(sent)
    assert alice.store.pending_count() == 0
    _assert_arrived_once(server, sent, opened)


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


def test_a_server_killed_mid_push_loses_and_doubles_nothing(
    server: LocalServer, alice: Technician
) -> None:
    token = server.add_technician("alice")
    opened = alice.capture(40)
    sent = alice.pending_ids()
    server.start()

    def kill() -> None:
        os.kill(server.pid or 0, signal.SIGKILL)

    killing = _KillAfterSending(server.url, kill)
    with alice.client(server, token, transport=killing) as client:
        try:
            client.push()
        except RetryLater:
            answered = False
        else:
            # The server answered in the instant before it died: the client has its answer.
            answered = True
    server.kill()
    # The batch was one transaction: it landed whole or not at all.
    assert count_applied(server.engine) in ((len(sent),) if answered else (0, len(sent)))
    assert alice.store.pending_count() == (0 if answered else len(sent))

    server.start()
    with alice.client(server, token) as client:
        client.sync()

    assert alice.store.pending_count() == 0
    _assert_arrived_once(server, sent, opened)


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


def test_a_lost_answer_then_a_retry_applies_once(server: LocalServer, alice: Technician) -> None:
    token = server.add_technician("alice")
    opened = alice.capture(3)
    sent = alice.pending_ids()
    server.start()

    with alice.client(server, token, transport=_LoseResponses(1)) as client:
        with pytest.raises(RetryLater):
            client.sync()
        assert count_applied(server.engine) == len(sent)
        assert alice.store.pending_count() == len(sent)
        report = client.sync()

    assert (report.push.duplicate, report.push.applied) == (len(sent), 0)
    assert alice.store.pending_count() == 0
    _assert_arrived_once(server, sent, opened)


def test_one_invalid_operation_is_reported_and_the_rest_arrive(
    server: LocalServer, alice: Technician
) -> None:
    token = server.add_technician("alice")
    [first] = alice.capture(1)
    store = alice.store
    bad = store.operation(
        OperationKind.INCIDENT_UPDATE, first.id, {"changes": {"ref": {"from": 1, "to": 2}}}
    )
    store.commit(bad)
    [second] = alice.capture(1)
    server.start()

    with alice.client(server, token) as client:
        report = client.sync().push

    assert (report.rejected, store.pending_count()) == (1, 0)
    assert report.applied == count_applied(server.engine) > 0
    [rejection] = list_rejections(store)
    assert rejection.op_id == bad.op_id and "ref" in rejection.reason
    assert {i["id"] for i in _admin_get(server, "/admin/incidents")} == {first.id, second.id}


def test_two_technicians_edit_one_field_offline_and_the_loser_sees_it(
    server: LocalServer, alice: Technician, bob: Technician
) -> None:
    alice_token, bob_token = server.add_technician("alice"), server.add_technician("bob")
    server.start()
    request = IntakeRequest(customer_id="c0000", subject="Backup job fails at night")
    shared = intake.open_incident(alice.store, alice.rules, request)
    incidents.change_status(alice.store, shared.id, IncidentStatus.ACKNOWLEDGED)
    with alice.client(server, alice_token) as a, bob.client(server, bob_token) as b:
        a.sync()
        b.sync()
        assert bob.store.incident(shared.id).status is IncidentStatus.ACKNOWLEDGED
        # Both offline now, each moving the same incident on.
        incidents.change_status(alice.store, shared.id, IncidentStatus.IN_PROGRESS)
        incidents.change_status(bob.store, shared.id, IncidentStatus.WAITING)
        a.sync()
        report = b.sync()
        status = b.status()

    assert report.push.conflict == 1
    assert bob.store.incident(shared.id).status is IncidentStatus.IN_PROGRESS
    [conflict] = list_conflicts(bob.store)
    assert (conflict.field, conflict.local, conflict.server) == ("status", "waiting", "in_progress")
    assert status.conflicts == 1 and list_conflicts(alice.store) == []
    [on_server] = _admin_get(server, "/admin/incidents")
    assert on_server["status"] == "in_progress"


def test_a_revoked_technician_cannot_sync(server: LocalServer, alice: Technician) -> None:
    token = server.add_technician("alice")
    server.start()
    alice.capture(1)
    pending = alice.store.pending_count()
    from core.clock import SystemClock
    from server.auth import revoke_technician

    revoke_technician(server.engine, "alice", now=SystemClock().now())
    with alice.client(server, token) as client, pytest.raises(AuthError, match="revoked"):
        client.sync()

    assert alice.store.pending_count() == pending


def test_work_captured_before_login_is_sent_as_the_logged_in_technician(
    server: LocalServer, tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OS user's unsent work becomes the token owner's; what was already sent stays."""
    token = server.add_technician("alice")
    server.start()
    nikos = Technician(tmp_path / "nikos", "nikos", rules, monkeypatch)
    try:
        [sent_before] = nikos.capture(1)
        pushed_as_nikos = nikos.pending_ids()
        with nikos.client(server, token) as client:
            client.sync()  # Refused: the server knows this token as alice, not nikos.
        refused = {r.op_id for r in list_rejections(nikos.store)}
        opened = nikos.capture(2)
        timer_rules.start(nikos.store, rules, opened[0].id, Channel.PHONE)
        queued = nikos.pending_ids()

        moved = adopt_technician(nikos.store, "alice")
        with nikos.client(server, token) as client:
            report = client.sync()
        store = nikos.store
        local_sessions = store.sessions(incident_id=opened[1].id)
        timer = store.timer()
    finally:
        nikos.store.close()

    assert refused and refused <= set(pushed_as_nikos)
    assert moved == len(queued) - 2  # the two status changes name nobody
    assert report.push.rejected == 0 and report.push.applied == len(queued)
    assert store.technician == "alice" and timer is not None and timer.technician == "alice"
    assert [s.technician for s in local_sessions] == ["alice"]
    sessions = _admin_get(server, "/admin/sessions")
    assert sorted(s["session"]["incident_id"] for s in sessions) == sorted(i.id for i in opened)
    on_server = {i["id"]: i for i in _admin_get(server, "/admin/incidents")}
    assert {on_server[i.id]["opened_by"] for i in opened} == {"alice"}
    assert on_server[sent_before.id]["opened_by"] == "nikos"
    assert [n["author"] for i in opened for n in on_server[i.id]["notes"]] == ["alice", "alice"]
