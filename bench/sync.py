"""Pushing a queued outbox to a local vardia-server: batched versus one request per operation.

Both runs push the same kind of operations (incidents opened, sessions recorded) through
the real client to a real server process on SQLite, each on a fresh database. The
one-per-request baseline pushes a sample of ``BASELINE_OPS`` (at ~5 ms a request, 10,000
would take a minute) and the ratio compares seconds per operation.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from core.sync.client import SyncClient
from core.sync.protocol import MAX_BATCH
from server.admin import count_applied
from server.embedded import LocalServer
from tests.core.sync.memory_store import MemoryStore
from tests.server.sync_factories import incident, open_op, record_op, session

__all__ = ["run"]

OPS = 10_000
BASELINE_OPS = 2_000


def _outbox(count: int) -> MemoryStore:
    store = MemoryStore()
    for n in range(count // 2):
        store.enqueue(open_op(incident(f"I-{n}")))
        store.enqueue(record_op(session(f"S-{n}", f"I-{n}")))
    return store


def _push(root: Path, count: int, batch_size: int) -> float:
    """Seconds to push ``count`` queued operations in batches of ``batch_size``."""
    server = LocalServer(root)
    token = server.add_technician("alice")
    server.start(rate=1e9, burst=10**9)
    store = _outbox(count)
    try:
        with SyncClient(store, server.url, token, device_id="dev-a", batch_size=batch_size) as c:
            started = time.perf_counter()
            c.push()
            elapsed = time.perf_counter() - started
        if store.pending_count() or count_applied(server.engine) != count:
            raise RuntimeError("the benchmark push did not apply every operation once")
    finally:
        server.stop()
    return elapsed


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="vardia-bench-sync-") as tmp:
        batched = _push(Path(tmp) / "batched", OPS, MAX_BATCH)
        single = _push(Path(tmp) / "single", BASELINE_OPS, 1)
    batched_per_op = batched / OPS
    single_per_op = single / BASELINE_OPS
    ratio = single_per_op / batched_per_op
    return {
        "ops": OPS,
        "batch_size": MAX_BATCH,
        "batched_seconds": round(batched, 3),
        "batched_ops_per_second": round(OPS / batched, 1),
        "baseline_ops": BASELINE_OPS,
        "baseline_seconds": round(single, 3),
        "baseline_ops_per_second": round(BASELINE_OPS / single, 1),
        "speedup": round(ratio, 1),
        "target_speedup": 20,
        "meets_target": ratio >= 20,
    }
