"""Sync: pushing the real store's outbox to a real local server, and acknowledging.

**Push.** A copy of the device that worked offline (10,000 operations queued by real
commits: incidents opened, timed, noted and resolved) pushes through the real client
to a ``vardia-server`` process on SQLite on 127.0.0.1, which knows the device's
customers (imported with ``vardia-server import-customers``). The baseline pushes the
same outbox one request per operation: a sample (its first ``BASELINE_OPS``
operations, the rest acknowledged beforehand) whose seconds per operation are scaled
to the whole outbox. Both runs must apply every operation they push.

**Acknowledge.** Acknowledging operations the server applied, batch by batch as the
client does after each push, on outboxes of 10,000 and 100,000 queued operations: the
ratio of the two times shows whether the work grows with the operations or faster.
One run each: at 100,000 operations a run is long enough not to need the best of several.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.budgets import finish
from bench.data import Dataset, copy_store, scratch
from core.clock import SystemClock
from core.store import Store
from core.sync.client import SyncClient
from core.sync.protocol import MAX_BATCH
from server.embedded import LocalServer

__all__ = ["DATASETS", "measure"]

DATASETS = ("push-outbox", "ack-outboxes")
BASELINE_OPS = 500
REPO = Path(__file__).resolve().parent.parent


def _server(home: Path, customers_csv: Path) -> tuple[LocalServer, str]:
    server = LocalServer(home)
    token = server.add_technician("bench")
    admin = [sys.executable, "-m", "server", "--home", str(home), "--database", server.database]
    subprocess.run(
        [*admin, "import-customers", str(customers_csv)],
        check=True,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    server.start(rate=1e9, burst=10**9)
    return server, token


def _push(
    device: Path, server_home: Path, csv: Path, batch: int, keep: int | None
) -> tuple[float, int]:
    """Seconds to push the device's outbox in batches of ``batch``, and how many were pushed."""
    server, token = _server(server_home, csv)
    try:
        with Store.open(device, clock=SystemClock()) as store:
            if keep is not None:
                rest = [op.op_id for op in store.pending_operations(store.pending_count())][keep:]
                store.acknowledge(rest)
            count = store.pending_count()
            with SyncClient(
                store, server.url, token, device_id=store.device_id, batch_size=batch
            ) as client:
                began = time.perf_counter()
                report = client.push()
                elapsed = time.perf_counter() - began
            left = store.pending_count()
    finally:
        server.stop()
    if left or report.rejected or report.applied + report.conflict != count:
        raise RuntimeError(f"the push did not apply every operation once: {report}, {left} left")
    return elapsed, count


def _acknowledge(outbox: Path) -> tuple[float, int]:
    """Seconds to acknowledge every queued operation, in the client's batches, oldest first."""
    with Store.open(outbox, clock=SystemClock()) as store:
        ids = [op.op_id for op in store.pending_operations(store.pending_count())]
        began = time.perf_counter()
        for at in range(0, len(ids), MAX_BATCH):
            store.acknowledge(ids[at : at + MAX_BATCH])
        elapsed = time.perf_counter() - began
        if store.pending_count():
            raise RuntimeError("acknowledging left operations in the outbox")
    return elapsed, len(ids)


def measure(datasets: dict[str, Dataset], repeats: int) -> dict[str, dict[str, Any]]:
    push, acks = datasets["push-outbox"], datasets["ack-outboxes"]
    csv = push.path / push.manifest["customers_csv"]
    smaller, larger = acks.manifest["outboxes"]
    with scratch("sync") as tmp:
        batched, count = _push(
            copy_store(push.home, tmp / "batched"), tmp / "s1", csv, MAX_BATCH, None
        )
        sample = min(BASELINE_OPS, count)
        single, sampled = _push(copy_store(push.home, tmp / "single"), tmp / "s2", csv, 1, sample)
        one_by_one = single / sampled * count
        acked = {
            size: _acknowledge(copy_store(acks.path / str(size), tmp / f"ack-{size}"))[0]
            for size in (smaller, larger)
        }
    return {
        "sync.push": finish(
            "sync.push",
            batched,
            one_by_one,
            ops=count,
            batch_size=MAX_BATCH,
            baseline_sampled_ops=sampled,
            baseline_sampled_seconds=single,
            server="vardia-server on SQLite, 127.0.0.1",
            measured="in-process: the client's push() with its acknowledgements",
        ),
        "sync.acknowledge": finish(
            "sync.acknowledge",
            acked[larger],
            acked[smaller],
            ops=larger,
            baseline_ops=smaller,
            baseline_label=f"acknowledge {smaller:,}",
            batch_size=MAX_BATCH,
            measured="in-process: Store.acknowledge in batches of the client's size",
        ),
    }
