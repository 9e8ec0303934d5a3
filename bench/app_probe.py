"""The countdown tick, measured inside the real app drawing to a real terminal.

``python -m bench.app_probe HOME NOW RESULT TICKS`` runs the app (``tui.app.make_app``,
no sync) on the store in HOME with a clock frozen at NOW, in the terminal it was
started in, and moves the clock itself instead of once a second: TICKS plain ticks
(one second on, no SLA threshold crossed), then TICKS ticks that land on the next SLA
thresholds (a warning or a deadline passes, so the queue re-sorts). Each tick is run
by the app's own message loop, as its timer would; its cost is the process's CPU
from then until the app is idle again (the frame rendered and written), less what
the idle app spends over as long. RESULT gets the costs in seconds.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from core.clock import FrozenClock
from core.rules import load_rules
from core.store import Store
from tui.app import make_app

QUIET_STEP = 0.05
QUIET_CPU = 0.002
"""A step of QUIET_STEP seconds with less CPU than this means the app is idle."""


async def _until_idle(limit: float = 30.0) -> tuple[float, float]:
    """Wait until the app is idle; the CPU and wall seconds spent since the call."""
    cpu, wall = time.process_time(), time.monotonic()
    steps = 0
    while time.monotonic() - wall < limit:
        step_cpu = time.process_time()
        await asyncio.sleep(QUIET_STEP)
        steps += 1
        if steps >= 3 and time.process_time() - step_cpu < QUIET_CPU:
            break
    return time.process_time() - cpu, time.monotonic() - wall


def _thresholds(store: Store, now: datetime) -> list[datetime]:
    return sorted(
        {
            instant
            for incident in store.open_incidents()
            for instant in (incident.warn_at, incident.deadline, incident.resolve_by)
            if instant is not None and instant > now
        }
    )


def main(home: Path, now: datetime, result: Path, ticks: int) -> None:
    clock = FrozenClock(now)
    rules = load_rules(None)
    store = Store.open(home, clock=clock)
    instants = _thresholds(store, now)
    app = make_app(rules, store, None, clock, tick=False)
    found: dict[str, Any] = {"plain": [], "resort": [], "thresholds_ahead": len(instants)}

    async def tick_at(at: datetime) -> float:
        clock.set(at)
        cpu_before = time.process_time()
        app.call_later(app.refresh_status)
        _cpu, wall = await _until_idle()
        spent = time.process_time() - cpu_before
        idle_rate: float = found["idle_cpu_per_second"]
        return max(0.0, spent - idle_rate * wall)

    async def probe() -> None:
        try:
            while not app.is_running:
                await asyncio.sleep(0.05)
            found["load_seconds"] = (await _until_idle(120.0))[1]
            await asyncio.sleep(0.5)
            idle_cpu, idle_wall = 0.0, 0.0
            for _ in range(5):
                cpu, wall = await _until_idle()
                idle_cpu, idle_wall = idle_cpu + cpu, idle_wall + wall
            found["idle_cpu_per_second"] = idle_cpu / idle_wall
            # Plain ticks need a quiet stretch: a gap of more than TICKS seconds between thresholds.
            edges = [now, *instants]
            gap = next(
                (
                    i
                    for i in range(len(edges) - 1)
                    if edges[i + 1] - edges[i] > timedelta(seconds=ticks + 2)
                ),
                None,
            )
            if gap is not None:
                if gap:
                    await tick_at(edges[gap])  # the re-sort this costs is not counted
                for second in range(1, ticks + 1):
                    found["plain"].append(await tick_at(edges[gap] + timedelta(seconds=second)))
            for at in instants[gap or 0 :][:ticks]:
                if at > clock.now():
                    found["resort"].append(await tick_at(at))
            found["open_incidents"] = len(store.open_incidents())
        finally:
            app.exit()

    async def run() -> None:
        task = asyncio.create_task(probe())
        await app.run_async()
        if not task.done():  # the app ended on its own: it failed
            task.cancel()
            raise SystemExit(f"the app ended before the probe: {app.return_code}")
        await task

    try:
        asyncio.run(run())
    finally:
        store.close()
    result.write_text(json.dumps(found))


if __name__ == "__main__":
    main(
        Path(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
    )
