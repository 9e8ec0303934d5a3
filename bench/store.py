"""Store benchmark: the durable writes of a timer start and a session save, against stock TinyDB.

Both stores hold the same data — 50,000 priced sessions (and their closed incidents),
5,000 open incidents, 500 customers — ours in its partitioned layout, stock TinyDB's
``JSONStorage`` in one file. Each write is timed the same way in the same run and the
ratio is reported (goal: at least 10x). The baseline is generous to stock TinyDB: it
does not fsync, and a session save is counted as the one ``insert`` it needs for the
session alone, where ours also debits the customer, clears the timer and queues the
outbox op, all durably. Also measured: opening the store and ordering the queue in a
fresh process, and that process's peak memory.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import JSONStorage

from bench.common import timed
from bench.statement import priced_history
from core.clock import FrozenClock
from core.ids import new_id
from core.models import Channel, Incident, IncidentStatus, Timer
from core.rules import Rules, load_rules
from core.store import Store
from core.sync.protocol import OperationKind
from core.timer import IfRunning, start, stop

__all__ = ["run"]

SESSIONS = 50_000
OPEN_INCIDENTS = 5_000
CUSTOMERS = 500
PENDING_OPS = 200
REPEATS = 7
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 11:00 in Athens

QUEUE_IN_FRESH_PROCESS = """
import json, sys, time
started = time.perf_counter()
def peak_mib():
    # VmHWM belongs to this program's memory; ru_maxrss would carry the parent's over exec.
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
from core.clock import FrozenClock
from core.sla import queue_order
from core.store import Store
from datetime import datetime
imported = time.perf_counter()
now = datetime.fromisoformat(sys.argv[2])
with Store.open(sys.argv[1], clock=FrozenClock(now), read_only=True) as store:
    queue = queue_order(store.open_incidents(), now)
done = time.perf_counter()
print(json.dumps({
    "queue_length": len(queue),
    "open_and_queue_seconds": done - imported,
    "with_imports_seconds": done - started,
    "peak_rss_mib": peak_mib(),
}))
"""


def _open_incidents(closed: list[Incident]) -> list[Incident]:
    """Open incidents like the closed ones, opened over the last two weeks, at every status."""
    statuses = [IncidentStatus.NEW, IncidentStatus.ACKNOWLEDGED, IncidentStatus.IN_PROGRESS]
    return [
        template.model_copy(
            update={
                "id": new_id(),
                "ref": f"O-{n}",
                "status": statuses[n % len(statuses)],
                "opened_at": NOW - timedelta(minutes=4 * n),
                "warn_at": NOW + timedelta(hours=12) - timedelta(minutes=4 * n),
                "deadline": NOW + timedelta(hours=24) - timedelta(minutes=4 * n),
                "first_response_at": None,
            }
        )
        for n, template in enumerate(closed[:OPEN_INCIDENTS])
    ]


def _samples(action: Callable[[], object], before: Callable[[], object]) -> list[float]:
    found = []
    for _ in range(REPEATS):
        before()
        began = time.perf_counter()
        action()
        found.append(time.perf_counter() - began)
    return found


def _ours(home: Path, rules: Rules, history: Any, open_incidents: list[Incident]) -> dict[str, Any]:
    clock = FrozenClock(NOW)
    with Store.open(home, clock=clock) as store:
        seeded = time.perf_counter()
        store.import_records(
            customers=history.customers,
            incidents=[*history.incidents, *open_incidents],
            sessions=history.sessions,
        )
        seed_seconds = time.perf_counter() - seeded
        for n in range(PENDING_OPS):
            store.commit(store.operation(OperationKind.INCIDENT_NOTE, f"pending-{n}", {}))
        # One incident per plan family, so stop prices real work.
        ref = next(i.ref for i in open_incidents if i.plan == "basic")

        def discard() -> None:
            store.discard_timer()

        def started() -> None:
            if store.timer() is None:
                start(store, rules, ref, Channel.REMOTE)
            clock.advance(timedelta(minutes=25))

        starts = _samples(lambda: start(store, rules, ref, Channel.REMOTE), discard)
        store.discard_timer()
        stops = _samples(lambda: stop(store, rules, note="bench"), started)
        start(store, rules, ref, Channel.PHONE, if_running=IfRunning.DISCARD)
        hot_files = {
            name: (home / name).stat().st_size
            for name in ("timer.json", "customers.json", "open.json")
        }
        hot_files["newest outbox chunk"] = max((home / "outbox").glob("*.json")).stat().st_size
        month = max((home / "sessions").glob("*.json"), key=lambda p: p.stat().st_size)
        hot_files["largest sessions month"] = month.stat().st_size
    return {
        "seed_seconds": round(seed_seconds, 2),
        "timer_start_seconds": statistics.median(starts),
        "session_save_seconds": statistics.median(stops),
        "hot_file_bytes": hot_files,
    }


def _stock(path: Path, history: Any, open_incidents: list[Incident]) -> dict[str, Any]:
    def dump(records: list[Any]) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json") for r in records]

    db = TinyDB(path, storage=JSONStorage)
    db.table("customers").insert_multiple(dump(history.customers))
    db.table("incidents").insert_multiple(dump([*history.incidents, *open_incidents]))
    db.table("sessions").insert_multiple(dump(history.sessions))
    timer = Timer(
        incident_id=open_incidents[0].id,
        technician="bench",
        channel=Channel.REMOTE,
        running_since=NOW,
    ).model_dump(mode="json")
    session = dump(history.sessions[:1])[0]
    timers, sessions = db.table("timers"), db.table("sessions")
    result = {
        "timer_start_seconds": timed(lambda: timers.insert(timer), repeat=3),
        "session_save_seconds": timed(lambda: sessions.insert(session), repeat=3),
        "file_bytes": path.stat().st_size,
    }
    db.close()
    return result


def _queue_in_fresh_process(home: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", QUEUE_IN_FRESH_PROCESS, str(home), NOW.isoformat()],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    found: dict[str, Any] = json.loads(out.stdout)
    return found


def run() -> dict[str, Any]:
    rules = load_rules()
    history = priced_history(
        rules, customers=CUSTOMERS, sessions=SESSIONS, start=date(2024, 11, 1), days=730
    )
    open_incidents = _open_incidents(history.incidents)
    with tempfile.TemporaryDirectory(prefix="vardia-bench-store-") as tmp:
        root = Path(tmp)
        ours = _ours(root / "ours", rules, history, open_incidents)
        queue = _queue_in_fresh_process(root / "ours")
        stock = _stock(root / "stock.json", history, open_incidents)
    ratios = {
        "timer_start": stock["timer_start_seconds"] / ours["timer_start_seconds"],
        "session_save": stock["session_save_seconds"] / ours["session_save_seconds"],
    }
    return {
        "data": {
            "sessions": SESSIONS,
            "open_incidents": OPEN_INCIDENTS,
            "customers": CUSTOMERS,
            "pending_ops": PENDING_OPS,
        },
        "ours": ours,
        "stock_tinydb": stock,
        "speedup": {k: round(v, 1) for k, v in ratios.items()},
        "goal_10x_met": all(v >= 10 for v in ratios.values()),
        "queue": queue,
    }


if __name__ == "__main__":
    result = run()
    print(json.dumps(result, indent=2))
    print(
        f"timer start {result['speedup']['timer_start']}x, "
        f"session save {result['speedup']['session_save']}x faster than stock TinyDB"
    )
