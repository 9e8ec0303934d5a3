"""Crash safety with real processes: a writer killed with SIGKILL loses no acknowledged write.

A forked child writes in a loop — incidents, timers, sessions, like a technician's day —
and reports each write on a pipe once the store has returned. The parent kills it with
SIGKILL after a random number of reports, so the kill lands somewhere inside the next
write, then opens the store and checks that every reported write is there.
"""

from __future__ import annotations

import os
import random
import select
import signal
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.models import Channel, Timer
from core.store import Store
from core.sync.protocol import OperationKind
from tests.core.store.store_records import T0, customer, incident, session

KILLS_PER_TEST = 25
ROUNDS = 8  # 8 × 25 = 200 kills, spread over the xdist workers


def _write_forever(data_dir: Path, out: int, seed: int) -> None:
    """The child's loop: every line it writes to ``out`` is a write the store confirmed."""
    rng = random.Random(seed)
    store = Store.open(data_dir, clock=FrozenClock(T0))
    cust = store.customers()[0]
    while True:
        inc = incident(store, cust.id)
        store.commit(store.operation(OperationKind.INCIDENT_OPEN, inc.id, {}), incidents=[inc])
        os.write(out, f"incident {inc.id}\n".encode())
        if rng.random() < 0.5:
            continue
        timer = Timer(
            incident_id=inc.id, technician=store.technician, channel=Channel.PHONE, running_since=T0
        )
        store.put_timer(timer)
        os.write(out, f"timer {inc.id}\n".encode())
        done = session(store, inc)
        store.commit(
            store.operation(OperationKind.SESSION_RECORD, done.id, {}),
            sessions=[done],
            customers=[cust],
            clear_timer_of=store.technician,
        )
        os.write(out, f"session {done.id} {inc.id}\n".encode())


def _run_child_until_killed(data_dir: Path, rng: random.Random) -> list[list[str]]:
    """Fork a writer, SIGKILL it after a random number of reports; return the reports."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            _write_forever(data_dir, write_end, rng.randrange(1 << 30))
        finally:
            os._exit(1)
    os.close(write_end)
    wanted = rng.randint(1, 6)
    buffer = b""
    while buffer.count(b"\n") < wanted:
        chunk = os.read(read_end, 4096)
        if not chunk:
            break
        buffer += chunk
    # Let the next write run for a random few milliseconds (a write is several fsyncs), so
    # kills land anywhere in it: before, inside and after its commit point.
    select.select([], [], [], rng.uniform(0, 0.015))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    # Reports already in the pipe were confirmed before the kill: they count too.
    os.set_blocking(read_end, False)
    try:
        while chunk := os.read(read_end, 65536):
            buffer += chunk
    except BlockingIOError:
        pass
    os.close(read_end)
    lines = buffer.decode().splitlines()
    complete = lines if buffer.endswith(b"\n") else lines[:-1]
    assert complete, "the writer died before confirming any write"
    return [line.split() for line in complete]


@pytest.mark.slow
@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_no_confirmed_write_is_lost_to_sigkill(tmp_path: Path, round_no: int) -> None:
    data_dir = tmp_path / "data"
    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        store.import_records(customers=[customer()])
    rng = random.Random(round_no)
    incidents: set[str] = set()
    sessions: dict[str, str] = {}
    for _kill in range(KILLS_PER_TEST):
        reports = _run_child_until_killed(data_dir, rng)
        last_timer = None
        for report in reports:
            if report[0] == "incident":
                incidents.add(report[1])
            elif report[0] == "timer":
                last_timer = report[1]
            else:
                sessions[report[1]] = report[2]
                last_timer = None if last_timer == report[2] else last_timer

        with Store.open(data_dir, clock=FrozenClock(T0)) as store:
            stored_incidents = {i.id for i in store.open_incidents()}
            stored_sessions = {s.id: s.incident_id for s in store.sessions()}
            assert incidents <= stored_incidents
            assert sessions.items() <= stored_sessions.items()
            pending = {op.entity_id for op in store.pending_operations(1_000_000)}
            assert incidents | sessions.keys() <= pending
            # The outbox and the records change together: no op without its change.
            assert pending == stored_incidents | stored_sessions.keys()
            if last_timer is not None:
                # Either still running, or stopped in a write the kill did not let it report.
                timer = store.timer()
                assert (timer is not None and timer.incident_id == last_timer) or (
                    last_timer in stored_sessions.values()
                )
            # A session recorded with its timer cleared: never both, never neither.
            timer = store.timer()
            assert timer is None or timer.incident_id not in stored_sessions.values()
