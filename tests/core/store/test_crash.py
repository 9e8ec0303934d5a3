"""Crash safety with real processes: a writer killed with SIGKILL loses no acknowledged write.

A forked child writes in a loop — incidents, timers, sessions, like a technician's day —
and reports each write on a pipe once the store has returned. The parent kills it with
SIGKILL after a random number of reports, so the kill lands somewhere inside the next
write, then opens the store and checks that every reported write is there, and that the
incident index (written inside the same commits, before the records) names every stored
incident where it is and nothing else.

Every test runs twice: as the files come, and with every file taking its changes in a
tail and the journal checkpointing every few commits (core.store.storage, tails and
deferred fsync), so the kills also land inside those write paths.
"""

from __future__ import annotations

import os
import random
import select
import shutil
import signal
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.models import Channel, Incident, IncidentStatus, Timer
from core.store import Store, storage
from core.store import store as store_module
from core.store.index import INDEX
from core.sync.protocol import OperationKind
from tests.core.store.store_records import T0, customer, incident, session

KILLS_PER_TEST = 25
ROUNDS = 8  # 8 × 25 = 200 kills, spread over the xdist workers


@pytest.fixture(params=["whole files", "tails"], autouse=True)
def write_paths(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """With "tails", every file takes small changes in its tail and folds after four;
    the journal checkpoints every third commit. Forked children inherit the setting."""
    if request.param == "tails":
        monkeypatch.setattr(storage, "TAIL_FROM_BYTES", 0)
        monkeypatch.setattr(storage, "TAIL_MAX_RECORDS", 4)
        monkeypatch.setattr(store_module, "CHECKPOINT_EVERY", 3)
    return str(request.param)


def _write_forever(data_dir: Path, out: int, seed: int) -> None:
    """The child's loop: every line it writes to ``out`` is a write the store confirmed."""
    rng = random.Random(seed)
    store = Store.open(data_dir, clock=FrozenClock(T0))
    cust = store.customers()[0]
    while True:
        inc = incident(store, cust.id)
        store.commit(store.operation(OperationKind.INCIDENT_OPEN, inc.id, {}), incidents=[inc])
        os.write(out, f"incident {inc.id}\n".encode())
        if rng.random() < 0.25:
            # Closing moves it from the queue to its month's history, and its index entry.
            closed = inc.model_copy(update={"status": IncidentStatus.CLOSED})
            store.commit(
                store.operation(OperationKind.INCIDENT_UPDATE, inc.id, {}), incidents=[closed]
            )
            os.write(out, f"closed {inc.id}\n".encode())
            continue
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


def _indexed(data_dir: Path) -> dict[str, str]:
    """Every incident the index names, and the file it names for it."""
    found = {}
    for bucket in (data_dir / INDEX).glob("*.json"):
        records = (storage.AtomicStorage(bucket, read_only=True).read() or {})["records"]
        for key, entry in records.items():
            if key.startswith("id:"):
                found[key.removeprefix("id:")] = entry["file"]
    return found


@pytest.mark.slow
@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_no_confirmed_write_is_lost_to_sigkill(tmp_path: Path, round_no: int) -> None:
    data_dir = tmp_path / "data"
    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        store.import_records(customers=[customer()])
    rng = random.Random(round_no)
    incidents: set[str] = set()
    closed: set[str] = set()
    sessions: dict[str, str] = {}
    for _kill in range(KILLS_PER_TEST):
        reports = _run_child_until_killed(data_dir, rng)
        last_timer = None
        for report in reports:
            if report[0] == "incident":
                incidents.add(report[1])
            elif report[0] == "closed":
                closed.add(report[1])
            elif report[0] == "timer":
                last_timer = report[1]
            else:
                sessions[report[1]] = report[2]
                last_timer = None if last_timer == report[2] else last_timer

        with Store.open(data_dir, clock=FrozenClock(T0)) as store:
            stored = store.incidents_for_customer(store.customers()[0].id)
            stored_incidents = {i.id for i in stored}
            assert closed <= {i.id for i in stored if i.status is IncidentStatus.CLOSED}
            assert _indexed(data_dir) == {
                i.id: "open.json"
                if i.status is not IncidentStatus.CLOSED
                else f"history/incidents-{i.opened_at:%Y-%m}.json"
                for i in stored
            }
            assert all(store.incident(i.ref).id == i.id for i in stored)
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


def _killed_at_fsync(n: int, work: Callable[[], None]) -> bool:
    """Run ``work`` in a child that SIGKILLs itself at its ``n``-th fsync; True if it did."""
    pid = os.fork()
    if pid == 0:
        try:
            real, calls = os.fsync, [0]

            def fsync(fd: int) -> None:
                calls[0] += 1
                if calls[0] == n:
                    os.kill(os.getpid(), signal.SIGKILL)
                real(fd)

            os.fsync = fsync
            work()
        finally:
            os._exit(0)
    _pid, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


def test_a_kill_at_every_durable_step_of_a_move_leaves_the_index_true(tmp_path: Path) -> None:
    n = 0
    while True:
        n += 1
        data_dir = tmp_path / str(n)
        with Store.open(data_dir, clock=FrozenClock(T0)) as store:
            store.import_records(customers=[customer()])
            inc = incident(store, store.customers()[0].id, T0 - timedelta(days=40))
            store.commit(store.operation(OperationKind.INCIDENT_OPEN, inc.id, {}), incidents=[inc])

        def close(inc: Incident = inc, data_dir: Path = data_dir) -> None:
            with Store.open(data_dir, clock=FrozenClock(T0)) as store:
                closed = inc.model_copy(update={"status": IncidentStatus.CLOSED})
                op = store.operation(OperationKind.INCIDENT_UPDATE, inc.id, {})
                store.commit(op, incidents=[closed])

        killed = _killed_at_fsync(n, close)
        (data_dir / "vardia.lock").unlink(missing_ok=True)
        with Store.open(data_dir, clock=FrozenClock(T0)) as store:
            found = store.incident(inc.ref)
            committed = store.pending_count() == 2
            assert found.status is (IncidentStatus.CLOSED if committed else IncidentStatus.NEW)
            where = (
                "open.json" if not committed else f"history/incidents-{inc.opened_at:%Y-%m}.json"
            )
            assert _indexed(data_dir) == {inc.id: where}
        if not killed:
            break
    assert n > 6  # the journal, the index, the history month and the queue were each cut


def test_a_kill_at_every_durable_step_of_the_index_migration_is_mended(tmp_path: Path) -> None:
    fixture = Path(__file__).parent / "fixtures" / "v3"
    n = 0
    while True:
        n += 1
        data_dir = tmp_path / str(n)
        shutil.copytree(fixture, data_dir)
        killed = _killed_at_fsync(n, lambda d=data_dir: Store.open(d).close())
        (data_dir / "vardia.lock").unlink(missing_ok=True)
        with Store.open(data_dir, clock=FrozenClock(T0)) as store:
            assert {store.incident(r).id for r in ("v3-0001", "v3-0002", "v3-0003")} == {
                "i-sept",
                "i-oct",
                "i-open",
            }
        assert set(_indexed(data_dir)) == {"i-sept", "i-oct", "i-open"}
        if not killed:
            break
    assert n > 3
