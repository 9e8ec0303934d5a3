"""The sync log a technician can send: attempts, failures and refusals, never a token, private
to its owner and rotated so it stays small."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from core.clock import FrozenClock
from core.errors import SyncError
from core.sync.client import SyncClient
from core.sync.log import BACKUPS, LOG, LOG_FILE, MAX_BYTES, close_log, open_log
from tests.core.sync.memory_store import MemoryStore
from tests.server.sync_factories import incident, open_op

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TOKEN = "tok-3Xq9-secret-secret-secret-secret-secret"


@pytest.fixture
def log_dir(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "log"
    open_log(folder)
    yield folder
    close_log(folder)


def _server(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/pull"):
        body = {"customers": [], "incidents": [], "cursor": "c", "has_more": False}
        return httpx.Response(200, json={**body, "server_time": NOW.isoformat()})
    ops = json.loads(request.content)["operations"]
    results = [
        {"op_id": ops[0]["op_id"], "status": "applied"},
        {"op_id": ops[1]["op_id"], "status": "rejected", "reason": "the customer is unknown"},
    ]
    body = {"results": results, "server_time": NOW.isoformat(), "clock_offset_seconds": 0}
    return httpx.Response(200, json=body)


def _client(store: MemoryStore, handler: object) -> SyncClient:
    return SyncClient(
        store,
        "https://vardia.test",
        TOKEN,
        device_id="dev-a",
        clock=FrozenClock(NOW),
        transport=httpx.MockTransport(handler),  # type: ignore[arg-type]
    )


def test_a_sync_and_its_refusals_are_logged_without_the_token(log_dir: Path) -> None:
    store = MemoryStore([open_op(incident("I-1")), open_op(incident("I-2"))])
    with _client(store, _server) as client:
        client.sync()

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"no route (Bearer {TOKEN})")

    with _client(store, down) as client, pytest.raises(SyncError):
        client.sync()
    LOG.info("a line that quotes the token %s by mistake", TOKEN)

    text = (log_dir / LOG_FILE).read_text()
    assert "sync with https://vardia.test: 1 applied" in text
    assert "refused incident.open I-2" in text and "the customer is unknown" in text
    assert "cannot be reached" in text
    assert TOKEN not in text and "[token]" in text
    assert stat.S_IMODE((log_dir / LOG_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700


def test_a_quiet_background_round_writes_nothing(log_dir: Path) -> None:
    store = MemoryStore()
    with _client(store, _server) as client:
        client.run_once()
        client.run_once()
    assert not (log_dir / LOG_FILE).exists()


def test_the_log_is_rotated_and_stays_small(log_dir: Path) -> None:
    for n in range(20_000):
        LOG.warning("the server refused session.record S-%06d: too long by far %s", n, "x" * 40)
    files = sorted(log_dir.iterdir())
    backups = [f"{LOG_FILE}.{n}" for n in range(1, BACKUPS + 1)]
    assert [f.name for f in files] == [LOG_FILE, *backups]
    assert all(f.stat().st_size <= MAX_BYTES for f in files)
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
