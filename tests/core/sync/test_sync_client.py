"""The sync client against injected transports: faults, retries, conflicts, the clock offset."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.clock import FrozenClock
from core.errors import AuthError, ConfigError
from core.sync.backoff import Backoff
from core.sync.client import RetryLater, SyncClient
from core.sync.login import Login, load_login, save_login
from core.sync.state import list_conflicts, list_rejections, load_state
from tests.core.sync.memory_store import MemoryStore
from tests.server.sync_factories import incident, open_op, update_op

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


def _client(store: MemoryStore, handler: Handler, **options: Any) -> SyncClient:
    return SyncClient(
        store,
        "https://vardia.test",
        "secret",
        device_id="dev-a",
        clock=FrozenClock(NOW),
        transport=httpx.MockTransport(handler),
        **options,
    )


def _answer(statuses: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> Handler:
    """A server that applies every pushed op (or as ``statuses`` says) and has nothing to pull."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/pull"):
            body = {"customers": [], "incidents": [], "cursor": "c", "has_more": False}
            return httpx.Response(200, json={**body, "server_time": NOW.isoformat()})
        ops = json.loads(request.content)["operations"]
        results = [
            (statuses or (lambda o: {"op_id": o["op_id"], "status": "applied"}))(o) for o in ops
        ]
        body = {"results": results, "server_time": NOW.isoformat(), "clock_offset_seconds": 0}
        return httpx.Response(200, json=body)

    return handle


def _ops(count: int) -> MemoryStore:
    return MemoryStore(open_op(incident(f"I-{n}")) for n in range(count))


def test_pushes_the_outbox_in_batches_and_empties_it() -> None:
    store = _ops(7)
    sizes: list[int] = []
    answer = _answer()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/push"):
            sizes.append(len(json.loads(request.content)["operations"]))
        return answer(request)

    with _client(store, handle, batch_size=3) as client:
        report = client.sync().push

    assert sizes == [3, 3, 1]
    assert (report.applied, store.pending_count()) == (7, 0)


def _fail(response: httpx.Response | Exception) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if isinstance(response, Exception):
            raise response
        return response

    return handle


@pytest.mark.parametrize(
    ("fault", "error", "online"),
    [
        (httpx.ConnectError("refused"), RetryLater, False),
        (httpx.ReadTimeout("slow"), RetryLater, False),
        (httpx.Response(503), RetryLater, False),
        (httpx.Response(500, json={"detail": "boom"}), RetryLater, False),
        (httpx.Response(401, json={"detail": "The token is unknown or revoked."}), AuthError, True),
    ],
    ids=["refused", "timeout", "503", "500", "401"],
)
def test_a_failed_push_keeps_every_operation_and_records_the_error(
    fault: httpx.Response | Exception, error: type[Exception], online: bool
) -> None:
    store = _ops(3)
    with _client(store, _fail(fault)) as client, pytest.raises(error):
        client.sync()

    state = load_state(store)
    assert store.pending_count() == 3
    assert state.last_error and "\n" not in state.last_error
    assert state.online is online
    assert state.last_sync is None


def test_retry_after_is_a_floor_under_the_backoff() -> None:
    busy = httpx.Response(429, headers={"Retry-After": "42"})
    with _client(_ops(1), _fail(busy), backoff=Backoff(rng=random.Random(1))) as client:
        delays = [client.run_once() for _ in range(3)]

    assert all(delay >= 42 for delay in delays)


def test_the_backoff_resets_after_a_success() -> None:
    store = _ops(1)
    backoff = Backoff(base=1, cap=300, rng=random.Random(3))
    with _client(store, _fail(httpx.ConnectError("down")), backoff=backoff) as client:
        client.run_once()
        client.run_once()
    assert backoff.failures == 2
    with _client(store, _answer(), backoff=backoff, poll_seconds=30) as client:
        assert client.run_once() == 30
    assert backoff.failures == 0


@given(
    failures=st.integers(min_value=0, max_value=200),
    retry_after=st.none() | st.floats(min_value=0, max_value=1000),
    seed=st.integers(),
)
def test_backoff_draws_within_the_full_jitter_window(
    failures: int, retry_after: float | None, seed: int
) -> None:
    backoff = Backoff(base=0.5, cap=120, rng=random.Random(seed))
    backoff.failures = failures

    delay = backoff.next_delay(retry_after)

    assert 0 <= delay <= max(min(120, 0.5 * 2.0**failures), retry_after or 0)
    assert delay >= (retry_after or 0)


def test_a_batch_the_server_cannot_read_is_halved_until_the_culprit_is_alone() -> None:
    store = _ops(6)
    culprit = store.outbox[4].op_id
    answer = _answer()

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/push"):
            ids = [o["op_id"] for o in json.loads(request.content)["operations"]]
            if culprit in ids:
                return httpx.Response(422, json={"detail": "Invalid request at body."})
        return answer(request)

    with _client(store, handle) as client:
        report = client.sync().push

    assert (report.applied, report.rejected, store.pending_count()) == (5, 1, 0)
    [rejection] = list_rejections(store)
    assert rejection.op_id == culprit
    assert "Invalid request" in rejection.reason


def test_rejected_operations_stop_retrying_and_say_why() -> None:
    store = _ops(3)
    refused = store.outbox[1].op_id

    def verdict(o: dict[str, Any]) -> dict[str, Any]:
        if o["op_id"] == refused:
            return {"op_id": refused, "status": "rejected", "reason": "no such customer"}
        return {"op_id": o["op_id"], "status": "applied"}

    with _client(store, _answer(verdict)) as client:
        report = client.sync().push

    assert (report.applied, report.rejected, store.pending_count()) == (2, 1, 0)
    assert [(r.op_id, r.reason) for r in list_rejections(store)] == [(refused, "no such customer")]


def test_a_conflict_is_kept_once_even_when_the_server_repeats_it() -> None:
    edit = update_op("I-1", "status", "new", "waiting")
    conflict = {"incident_id": "I-1", "field": "status", "base": "new", "local": "waiting"}
    verdicts = iter(["conflict", "duplicate"])

    def verdict(o: dict[str, Any]) -> dict[str, Any]:
        details = {**conflict, "server": "in_progress"}
        return {"op_id": o["op_id"], "status": next(verdicts), "conflicts": [details]}

    store = MemoryStore([edit])
    with _client(store, _answer(verdict)) as client:
        client.sync()
        store.enqueue(edit)
        client.sync()

    [kept] = list_conflicts(store)
    assert (kept.field, kept.local, kept.server) == ("status", "waiting", "in_progress")


def test_pull_follows_pages_and_saves_the_cursor_for_a_resume() -> None:
    pages = {"": ("p1", True, "I-1"), "p1": ("p2", True, "I-2"), "p2": ("p3", False, "I-3")}
    asked: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params["cursor"]
        asked.append(cursor)
        following, more, incident_id = pages[cursor]
        body = {
            "customers": [],
            "incidents": [incident(incident_id).model_dump(mode="json")],
            "cursor": following,
            "has_more": more,
            "server_time": NOW.isoformat(),
        }
        return httpx.Response(200, json=body)

    store = MemoryStore()
    with _client(store, handle) as client:
        assert client.pull().stored == 3
        pages["p3"] = ("p3", False, "I-3")
        client.pull()

    assert asked == ["", "p1", "p2", "p3"]
    assert sorted(store.incidents) == ["I-1", "I-2", "I-3"]
    assert load_state(store).cursor == "p3"


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=7), timedelta(seconds=-42)])
def test_the_client_keeps_its_offset_to_the_server_clock(skew: timedelta) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        body = {"customers": [], "incidents": [], "cursor": "", "has_more": False}
        return httpx.Response(200, json={**body, "server_time": (NOW + skew).isoformat()})

    store = MemoryStore()
    with _client(store, handle) as client:
        client.sync()
        status = client.status()

    assert status.clock_offset_seconds == skew.total_seconds()
    assert status.online and status.last_sync == NOW and status.last_error is None


def test_the_login_is_private_to_its_owner(tmp_path: Path) -> None:
    login = Login(server="http://127.0.0.1:8765", token="t0k3n", technician="alice")
    path = save_login(tmp_path, login)

    assert load_login(tmp_path) == login
    assert os.stat(path).st_mode & 0o777 == 0o600
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_login(tmp_path)


def test_no_login_is_none(tmp_path: Path) -> None:
    assert load_login(tmp_path) is None
