"""The app with 5,000 open incidents: time to the first frame of the queue, cost of the countdowns.

Both run in Textual's headless runner on generated data. The launch is compared with a
launch on an empty store in the same run; the refresh is CPU time per simulated second.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from core.clock import FrozenClock
from core.rules import Rules, load_rules
from core.store import Store
from tests.tui.data import NOW, customers, incidents
from tui.app import make_app
from tui.screens.queue import QueueScreen

OPEN_INCIDENTS = 5_000
CUSTOMERS = 500
TICKS = 30


def _seed(home: Path, rules: Rules, count: int) -> None:
    with Store.open(home, clock=FrozenClock(NOW)) as store:
        people = customers(CUSTOMERS)
        store.import_records(customers=people, incidents=incidents(rules, people, count))


async def _launch(home: Path, rules: Rules, expected: int) -> tuple[float, float]:
    """Seconds from building the app to a frame with the queue; CPU share of the countdowns."""
    clock = FrozenClock(NOW)
    started = time.perf_counter()
    store = Store.open(home, clock=clock)
    try:
        app = make_app(rules, store, None, clock, tick=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, QueueScreen) and len(screen.table.rows) == expected
            first_frame = time.perf_counter() - started
            cpu = time.process_time()
            for _tick in range(TICKS):
                clock.advance(timedelta(seconds=1))
                app.refresh_status()
                await pilot.pause()
            per_second = (time.process_time() - cpu) / TICKS
    finally:
        store.close()
    return first_frame, per_second


def run() -> dict[str, object]:
    os.environ.setdefault("VARDIA_TECHNICIAN", "bench")
    rules = load_rules(None)
    with tempfile.TemporaryDirectory(prefix="vardia-bench-tui-") as tmp:
        empty, full = Path(tmp) / "empty", Path(tmp) / "full"
        _seed(empty, rules, 0)
        _seed(full, rules, OPEN_INCIDENTS)
        baseline, _cpu = asyncio.run(_launch(empty, rules, 0))
        launch, refresh = asyncio.run(_launch(full, rules, OPEN_INCIDENTS))
    return {
        "tui": {
            "open_incidents": OPEN_INCIDENTS,
            "first_frame_s": round(launch, 3),
            "first_frame_empty_store_s": round(baseline, 3),
            "ratio_full_over_empty": round(launch / baseline, 2),
            "countdown_refresh_cpu_share": round(refresh, 4),
            "budget": "first frame under 1 s; countdown refresh under 5 % of one core",
            "met": launch < 1.0 and refresh < 0.05,
        }
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
