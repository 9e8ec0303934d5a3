"""The app: first frame of the queue, idle terminal output, and the countdown tick.

**First frame and idle output** come from the real ``vardia`` started in a real
pseudo-terminal of 80x24, as a technician starts it: the clock runs from the fork of
the process (imports counted) to the first output that shows a row of the queue (a
reference among the first screenful of incidents in queue order). The desk's open
incidents are first moved to the present (the same incidents, opened as long before
now as they were before the dataset's ``NOW``), so countdowns, warnings and breaches
run as on a working day, and the timer is stopped: an idle queue. After the first
frame has settled, every byte the app writes is counted for a while; thresholds
(warnings, deadlines) that fall in that window are counted too, since each re-sorts
the queue. Baseline: the same on a store holding one open incident.

**The tick** is measured by ``bench/app_probe.py``, the app in a real terminal with a
clock of its own (see there).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.budgets import finish
from bench.data import TECHNICIAN, Dataset, copy_store, customer_list, open_incidents, scratch
from bench.proc import REPO, Terminal, base_env, vardia
from core.models import Incident
from core.rules import load_rules
from core.sla import queue_order
from core.store import Store

__all__ = ["DATASETS", "measure"]

DATASETS = ("desk",)
COLUMNS, LINES = 80, 24
FIRST_FRAME_TIMEOUT = 180.0
PROBE_TIMEOUT = 900.0


def _to_present(home: Path, people: int, count: int, now: datetime) -> list[Incident]:
    """Move the desk's open incidents to ``now`` (same ids and refs) and stop the timer."""
    rules = load_rules(None)
    moved = open_incidents(rules, customer_list(people), count, now)
    with Store.open(home) as store:
        store.discard_timer()
        store.import_records(incidents=moved)
    return moved


def _to_present_one(home: Path) -> Incident:
    """A store with one customer and one open incident, opened a little before now."""
    rules = load_rules(None)
    people = customer_list(1)
    incident = open_incidents(rules, people, 1, datetime.now(UTC))[0]
    with Store.open(home, technician=TECHNICIAN) as store:
        store.import_records(customers=people, incidents=[incident])
    return incident


def _crossings(incidents: list[Incident], start: datetime, end: datetime) -> int:
    return sum(
        1
        for incident in incidents
        for instant in (incident.warn_at, incident.deadline, incident.resolve_by)
        if instant is not None and start <= instant < end
    )


def _launch(
    home: Path, scratch_dir: Path, refs: set[str], idle: tuple[float, float]
) -> dict[str, Any]:
    """One start of ``vardia``: seconds to the first frame, idle bytes, peak memory."""
    env = base_env(home, scratch_dir)
    with Terminal(vardia(), env, columns=COLUMNS, lines=LINES) as term:
        shown = term.wait_for(lambda text: any(ref in text for ref in refs), FIRST_FRAME_TIMEOUT)
        settle, idle_seconds = idle
        quiet: dict[str, Any] = {}
        if shown is not None and idle_seconds:
            term.read(settle)
            began_at, began = datetime.now(UTC), time.monotonic()
            term.read(idle_seconds)
            ended = time.monotonic()
            quiet = {
                "bytes": term.bytes_between(began, ended),
                "seconds": ended - began,
                "window_utc": [began_at.isoformat(), datetime.now(UTC).isoformat()],
            }
        usage = term.finish()
        if shown is None:
            tail = term.output()[-2000:]
            raise RuntimeError(
                f"no row of the queue was shown; the terminal's last output: {tail!r}"
            )
    return {
        "first_frame": shown - usage.started,
        "peak_rss_mib": usage.peak_rss_mib,
        **quiet,
    }


def _first_rows(incidents: list[Incident], now: datetime) -> set[str]:
    return {incident.ref for incident in queue_order(incidents, now)[:LINES]}


def _probe(home: Path, scratch_dir: Path, now: datetime, ticks: int) -> dict[str, Any]:
    result = scratch_dir / "probe.json"
    argv = [sys.executable, "-m", "bench.app_probe", str(home), now.isoformat(), str(result)]
    with Terminal([*argv, str(ticks)], base_env(home, scratch_dir), cwd=REPO) as term:
        deadline = time.monotonic() + PROBE_TIMEOUT
        while term.read(1.0) and time.monotonic() < deadline:
            pass
        usage = term.finish(quit_keys=b"")
        if usage.returncode != 0 or not result.exists():
            tail = term.output()[-2000:]
            raise RuntimeError(f"the tick probe failed ({usage.returncode}): {tail!r}")
    found: dict[str, Any] = json.loads(result.read_text())
    found["peak_rss_mib"] = usage.peak_rss_mib
    return found


def measure(datasets: dict[str, Dataset], repeats: int) -> dict[str, dict[str, Any]]:
    desk = datasets["desk"]
    count, people = desk.manifest["open_incidents"], desk.manifest["customers"]
    # Settle after the first frame, then count: (seconds, seconds).
    idle = (3.0, 10.0) if count >= 1_000 else (1.0, 2.0)
    first_only = (0.0, 0.0)
    with scratch("app") as tmp:
        home = copy_store(desk.home, tmp / "home")
        now = datetime.now(UTC)
        moved = _to_present(home, people, count, now)
        refs = _first_rows(moved, now + timedelta(seconds=5))
        runs = [_launch(home, tmp, refs, idle)]
        runs += [_launch(home, tmp, refs, first_only) for _ in range(repeats - 1)]
        one = tmp / "one"
        single = _to_present_one(one)
        base = [_launch(one, tmp, {single.ref}, idle)]
        base += [_launch(one, tmp, {single.ref}, first_only) for _ in range(max(0, repeats - 2))]
        ticks = _probe(home, tmp, datetime.now(UTC), 5 if repeats > 1 else 2)
    first = min(r["first_frame"] for r in runs)
    peak = max(r["peak_rss_mib"] for r in runs)
    quiet = runs[0]
    start, end = (datetime.fromisoformat(t) for t in quiet["window_utc"])
    common = {"open_incidents": count, "terminal": f"{COLUMNS}x{LINES}", "samples": repeats}
    entries = {
        "app.first_frame": finish(
            "app.first_frame",
            first,
            min(r["first_frame"] for r in base),
            limit=1.0 if count <= 5_000 else 1.5,
            peak_rss_mib=peak,
            measured="the installed vardia in a pty, from fork to the first row of the queue",
            **common,
        ),
        "app.idle_output": finish(
            "app.idle_output",
            quiet["bytes"] / quiet["seconds"],
            base[0]["bytes"] / base[0]["seconds"],
            peak_rss_mib=quiet["peak_rss_mib"],
            seconds=quiet["seconds"],
            bytes=quiet["bytes"],
            thresholds_crossed=_crossings(moved, start, end),
            measured="bytes read from the pty's master while the queue sat idle",
            **common,
        ),
    }
    if ticks["resort"]:
        entries["app.tick"] = finish(
            "app.tick",
            statistics.median(ticks["resort"]),
            statistics.median(ticks["plain"]) if ticks["plain"] else None,
            peak_rss_mib=ticks["peak_rss_mib"],
            resort_ticks=ticks["resort"],
            plain_ticks=ticks["plain"],
            measured="CPU of the app's process from the tick to idle, drawn to a real pty",
            **common,
        )
    else:
        entries["app.tick"] = {"error": "no SLA threshold ahead of the clock to cross"}
    return entries
