"""Durable writes: starting a timer and saving a session, against the physical floor.

Both are the store operation itself, timed in this process on a copy of the desk (the
technician's app keeps its store open): ``core.timer.start`` and ``core.timer.stop``,
the session going into the month of ``NOW``, which already holds its share of the
history. The floor is what any durable write costs on this disk, measured in the same
run, alternating with the operations so both meet the same disk and the same load: a
small file written, fsynced, renamed over the old one, and its directory fsynced. The
figures are medians; the first save after opening the store (cold files) is reported
beside them.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.budgets import finish
from bench.data import NOW, Dataset, copy_store, scratch
from core.clock import FrozenClock
from core.models import Channel
from core.rules import load_rules
from core.store import Store
from core.timer import start, stop

__all__ = ["DATASETS", "floor", "measure"]

DATASETS = ("desk",)
FLOOR_BYTES = 1024
"""About one session's JSON."""


def floor(directory: Path) -> float:
    """Seconds to replace a small file durably: write, fsync, rename, fsync the directory."""
    target, tmp = directory / "floor.json", directory / ".floor.json.tmp"
    data = os.urandom(FLOOR_BYTES // 2).hex().encode()
    began = time.perf_counter()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, target)
    dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return time.perf_counter() - began


def _timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def measure(datasets: dict[str, Dataset], repeats: int) -> dict[str, dict[str, Any]]:
    desk = datasets["desk"]
    rules = load_rules(None)
    ref = desk.manifest["timer_ref"]
    samples = 4 * repeats
    with scratch("durable") as tmp:
        home = copy_store(desk.home, Path(tmp) / "home")
        floor_dir = Path(tmp) / "floor"
        floor_dir.mkdir()
        clock = FrozenClock(NOW)
        floors: list[float] = []
        starts: list[float] = []
        saves: list[float] = []
        with Store.open(home, clock=clock) as store:
            store.discard_timer()
            start(store, rules, ref, Channel.REMOTE)
            clock.advance(timedelta(minutes=25))
            cold_save = _timed(lambda: stop(store, rules, note="cold"))
            for _ in range(samples):
                floors.append(floor(floor_dir))
                starts.append(_timed(lambda: start(store, rules, ref, Channel.REMOTE)))
                clock.advance(timedelta(minutes=25))
                floors.append(floor(floor_dir))
                saves.append(_timed(lambda: stop(store, rules, note="bench")))
                clock.advance(timedelta(minutes=5))
            month_sessions = len(store.sessions(month=f"{NOW:%Y-%m}")) - 1 - samples
    physical = statistics.median(floors)
    common = {
        "samples": samples,
        "open_incidents": desk.manifest["open_incidents"],
        "sessions": desk.manifest["sessions"],
        "measured": "in-process: the store operation alone, against the floor in-process",
    }
    return {
        "durable.timer_start": finish(
            "durable.timer_start", statistics.median(starts), physical, **common
        ),
        "durable.session_save": finish(
            "durable.session_save",
            statistics.median(saves),
            physical,
            month=f"{NOW:%Y-%m}",
            sessions_in_month=month_sessions,
            first_save_after_open=cold_save,
            **common,
        ),
    }
