"""Two technicians' devices sync through a proxy that loses the server's answers, while their
``vardia sync`` processes and the server are killed: every operation arrives once.

A real ``vardia-server`` on 127.0.0.1 and a real ``vardia`` per device, each in its own data
directory, logged in through its own ``FaultyProxy`` (tests/e2e/fault_proxy.py): a seeded
share of the answers is delayed, dropped or cut after the server has processed the request.
The devices capture work round by round (incidents opened, moved on, noted by both
technicians, timed sessions), some of it through the command line and the rest through the
same use cases in the test process, and sync after each round. Some syncs are SIGKILLed
just after the server applied their push, or while they store a pulled page; the server is
SIGKILLed mid-push and restarted on the same database. At the end, with the faults off, each
device syncs until its outbox is empty, and the server and both stores are compared record by
record: nothing lost, nothing doubled.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from core import incidents, intake
from core import timer as timer_rules
from core.clock import FrozenClock, SystemClock
from core.intake import IntakeRequest
from core.models import Channel, Contract, Customer, Incident, IncidentStatus, Session
from core.rules import Rules, load_rules
from core.store import Store
from core.sync.protocol import Operation, OperationKind
from core.sync.state import list_conflicts, list_rejections
from server.admin import import_customers
from server.db import applied_ops, records, sessions
from server.embedded import LocalServer
from tests.e2e.fault_proxy import Fault, FaultyProxy, Moment

pytestmark = pytest.mark.slow

SEED = 20261202
ROUNDS = 10
INCIDENTS_PER_ROUND = 3
FAULTS = {Fault.PASS: 2, Fault.DELAY: 1, Fault.DROP: 1, Fault.CUT: 1}
"""A deck of answers' fates: three in five pushes and pulls are delayed, dropped or cut."""
CUSTOMER = "C-1"
SYNC_SECONDS = 120.0
SETTLE_SECONDS = 120.0


@dataclass
class Device:
    """One technician's machine: a data directory, its proxy, and what it captured."""

    name: str
    home: Path
    proxy: FaultyProxy
    rules: Rules
    clock: FrozenClock
    rng: random.Random
    made: dict[str, Operation] = field(default_factory=dict)
    """Every operation this device captured, by op_id, read from its outbox."""
    exits: Counter[int] = field(default_factory=Counter)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "VARDIA_HOME": str(self.home), "VARDIA_TECHNICIAN": self.name}

    def vardia(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "tui", *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=SYNC_SECONDS,
        )
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def sync(self, moment: Moment | None = None, action: Callable[[], None] | None = None) -> int:
        """One ``vardia sync``; ``moment`` kills it there (or runs ``action`` there instead)."""
        started = threading.Event()
        process: list[subprocess.Popen[str]] = []

        def kill_client() -> None:
            started.wait(SYNC_SECONDS)
            os.kill(process[0].pid, signal.SIGKILL)

        if moment is not None:
            self.proxy.arm(moment, action or kill_client)
        command = [sys.executable, "-m", "tui", "sync", "--json"]
        with subprocess.Popen(
            command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as running:
            process.append(running)
            started.set()
            _, stderr = running.communicate(timeout=SYNC_SECONDS)
        assert "Traceback" not in stderr, stderr
        self.exits[running.returncode] += 1
        # 0 synced, 3 the server could not be reached (the work is kept), -9 killed.
        assert running.returncode in (0, 3, -signal.SIGKILL), stderr
        return running.returncode

    def sync_until_it_happens(
        self, moment: Moment, action: Callable[[], None] | None = None
    ) -> None:
        """Sync until the armed moment is reached: a sync the other device's server kill
        interrupted may not get there."""
        deadline = time.monotonic() + SYNC_SECONDS
        self.sync(moment, action)
        while self.proxy.armed:
            assert time.monotonic() < deadline, f"{self.name} never reached {moment}"
            self.sync()

    def open_store(self, **options: Any) -> Store:
        return Store.open(self.home, clock=self.clock, technician=self.name, **options)

    def capture(self, round_: int) -> None:
        """A round of work: one change through the command line, the rest in process."""
        self._capture_on_the_command_line(round_)
        with self.open_store() as store:
            self._capture_in_process(store, round_)
            for op in store.pending_operations(store.pending_count()):
                self.made.setdefault(op.op_id, op)

    def _own_incidents(self, store: Store) -> list[str]:
        return sorted(i.id for i in store.open_incidents() if i.opened_by == self.name)

    def _capture_on_the_command_line(self, round_: int) -> None:
        with self.open_store(read_only=True) as store:
            own = self._own_incidents(store)
        kind = round_ % 3 if own else 0
        if kind == 0:
            subject = f"{self.name}: the scanner jams (round {round_})"
            done = self.vardia("incident", "open", "--customer", CUSTOMER, "--subject", subject)
        elif kind == 1:
            text = f"{self.name} called back about it in round {round_}."
            done = self.vardia("incident", "note", self.rng.choice(own), text)
        else:
            started = self.vardia("timer", "start", self.rng.choice(own), "--channel", "phone")
            assert started.returncode == 0, started.stderr
            done = self.vardia("timer", "stop", "--note", f"Round {round_} on the phone.")
        assert done.returncode == 0, done.stderr

    def _capture_in_process(self, store: Store, round_: int) -> None:
        for n in range(INCIDENTS_PER_ROUND):
            subject = f"{self.name}: printer {round_}.{n} prints boxes"
            request = IntakeRequest(customer_id=CUSTOMER, subject=subject)
            opened = intake.open_incident(store, self.rules, request)
            incidents.change_status(store, opened.id, IncidentStatus.ACKNOWLEDGED)
            incidents.add_note(store, self.rules, opened.id, f"Asked for the model of {n}.")
            timer_rules.start(store, self.rules, opened.id, Channel.PHONE)
            self.clock.advance(timedelta(minutes=self.rng.randint(5, 40)))
            timer_rules.stop(store, self.rules, note="Reinstalled the driver.")
        # A note on a colleague's incident, once the pulls have brought one.
        theirs = sorted(i.id for i in store.open_incidents() if i.opened_by != self.name)
        if theirs:
            words = f"{self.name} had the same printer in round {round_}."
            incidents.add_note(store, self.rules, self.rng.choice(theirs), words)


def _customer() -> Customer:
    today = date.today()
    contract = Contract(
        plan="basic",
        valid_from=today - timedelta(days=365),
        valid_until=today + timedelta(days=365),
    )
    return Customer(id=CUSTOMER, name="Acme", city="Athens", contract=contract)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    local = LocalServer(tmp_path / "server-home", f"sqlite:///{tmp_path / 'server.db'}")
    import_customers(local.engine, load_rules(None), [_customer()], SystemClock().now())
    local.start()
    try:
        yield local
    finally:
        local.stop()


def _device(server: LocalServer, tmp_path: Path, name: str, seed: int) -> Device:
    token = server.add_technician(name)
    proxy = FaultyProxy(server.port, seed, FAULTS)
    # The device's work happened over the last days, each round later than the one before.
    clock = FrozenClock(datetime.now(UTC) - timedelta(days=3))
    device = Device(name, tmp_path / name, proxy, load_rules(None), clock, random.Random(seed))
    proxy.faulty = False
    login = device.vardia("login", "--server", proxy.url, stdin=token + "\n")
    assert login.returncode == 0, login.stderr
    assert device.sync() == 0  # the customer, before any work
    proxy.faulty = True
    return device


def _kill_server(server: LocalServer, kills: list[int]) -> Callable[[], None]:
    """kill -9 the server with a push in its hands, and start another on the same database."""
    one_at_a_time = threading.Lock()

    def action() -> None:
        with one_at_a_time:
            server.kill(signal.SIGKILL)
            kills.append(1)
            server.start()

    return action


Step = Moment | Callable[[], None]
"""A round's sync: killed at a moment, or with the server killed as its push arrives."""


def _work(device: Device, plan: dict[int, Step]) -> None:
    for round_ in range(ROUNDS):
        device.capture(round_)
        step = plan.get(round_)
        if step is None:
            device.sync()
        elif isinstance(step, Moment):
            device.sync_until_it_happens(step)
        else:
            device.sync_until_it_happens(Moment.PUSH_SENT, step)


def _settle(devices: list[Device]) -> None:
    """Faults off: sync each device until its outbox is empty, then once more each, so each
    has pulled what the other pushed last."""
    for device in devices:
        device.proxy.faulty = False
    deadline = time.monotonic() + SETTLE_SECONDS
    for device in devices:
        while device.sync() != 0 or _pending(device):
            assert time.monotonic() < deadline, f"{device.name}'s outbox never emptied"
    for device in devices:
        assert device.sync() == 0


def _pending(device: Device) -> int:
    with device.open_store(read_only=True) as store:
        return store.pending_count()


def _server_state(server: LocalServer) -> tuple[dict[str, Incident], list[Session], Counter[str]]:
    with server.engine.connect() as conn:
        held = conn.execute(select(records.c.data).where(records.c.kind == "incident"))
        on_server = {i.id: i for i in (Incident.model_validate_json(row.data) for row in held)}
        worked = [
            Session.model_validate_json(row.data) for row in conn.execute(select(sessions.c.data))
        ]
        applied = Counter(
            f"{row.technician}:{row.op_id}"
            for row in conn.execute(select(applied_ops.c.technician, applied_ops.c.op_id))
        )
    return on_server, worked, applied


@pytest.fixture
def devices(server: LocalServer, tmp_path: Path) -> Iterator[dict[str, Device]]:
    """alice's and bob's devices, logged in through their own proxies, holding the customer."""
    made: dict[str, Device] = {}
    try:
        for offset, name in enumerate(("alice", "bob")):
            made[name] = _device(server, tmp_path, name, SEED + offset)
        yield made
    finally:
        for device in made.values():
            device.proxy.close()


def _run_in_parallel(devices: dict[str, Device], plans: dict[str, dict[int, Step]]) -> None:
    """Both devices work their rounds at once, each in a thread; the first failure is raised."""
    failures: list[BaseException] = []

    def work(device: Device) -> None:
        try:
            _work(device, plans[device.name])
        except BaseException as error:  # handed to the test's thread, which fails with it
            failures.append(error)

    threads = [threading.Thread(target=work, args=(d,)) for d in devices.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def test_faults_and_kills_lose_and_double_nothing(
    server: LocalServer, devices: dict[str, Device]
) -> None:
    began = time.monotonic()
    server_kills: list[int] = []
    kill_server = _kill_server(server, server_kills)
    plans: dict[str, dict[int, Step]] = {
        "alice": {
            2: Moment.PUSH_ANSWERED,
            4: kill_server,
            6: Moment.PULL_RELAYED,
            8: Moment.PUSH_ANSWERED,
        },
        "bob": {
            3: Moment.PUSH_ANSWERED,
            5: Moment.PULL_RELAYED,
            7: kill_server,
            9: Moment.PUSH_ANSWERED,
        },
    }

    _run_in_parallel(devices, plans)
    _settle(list(devices.values()))
    on_server, worked, applied = _server_state(server)

    made = {f"{d.name}:{op_id}": op for d in devices.values() for op_id, op in d.made.items()}
    opened = {op.entity_id for op in made.values() if op.kind is OperationKind.INCIDENT_OPEN}
    noted = Counter(
        (op.payload["incident_id"], op.entity_id)
        for op in made.values()
        if op.kind is OperationKind.INCIDENT_NOTE
    )
    moved_on = {op.entity_id for op in made.values() if op.kind is OperationKind.INCIDENT_UPDATE}
    recorded = Counter(
        op.entity_id for op in made.values() if op.kind is OperationKind.SESSION_RECORD
    )
    client_kills = sum(d.exits[-signal.SIGKILL] for d in devices.values())
    faults = sum((d.proxy.counts for d in devices.values()), Counter())
    print(
        f"\nfault injection: {len(made)} operations, {client_kills} client kills, "
        f"{len(server_kills)} server kills, answers {dict(sorted(faults.items()))}, "
        f"syncs {[dict(d.exits) for d in devices.values()]}, {time.monotonic() - began:.0f} s"
    )

    # What the run was: hundreds of operations, every fault on pushes the server applied,
    # every kill.
    assert len(made) >= 200
    # A sync killed as its pull page arrives may, rarely, have finished first.
    assert client_kills >= 4 and len(server_kills) == 2
    assert all(faults[f"push {fault}"] for fault in (Fault.DELAY, Fault.DROP, Fault.CUT))
    # Every operation applied once, for its technician; none the devices did not make.
    assert applied == Counter(made.keys())
    # Every incident once, moved on if it was; every note once, on its incident; every
    # session once.
    assert sorted(on_server) == sorted(opened)
    # Moved on: acknowledged, or claimed by the first timer started on it (working), and
    # in both cases taken on by the technician who timed it.
    assert {i.id for i in on_server.values() if i.status is not IncidentStatus.NEW} == moved_on
    assert {i.id for i in on_server.values() if i.assignee == i.opened_by} == moved_on
    assert Counter((i.id, n.id) for i in on_server.values() for n in i.notes) == noted
    assert Counter(s.id for s in worked) == recorded
    # And each device holds what the server holds: every incident, its own sessions.
    for device in devices.values():
        with device.open_store(read_only=True) as store:
            assert store.pending_count() == 0
            assert list_rejections(store) == [] and list_conflicts(store) == []
            local = {i.id: i for i in store.open_incidents()}
            own = {s.id: s for s in store.sessions(technician=device.name)}
        assert sorted(local) == sorted(on_server)
        for incident_id, remote in on_server.items():
            mine = local[incident_id]
            assert (mine.status, mine.notes) == (remote.status, remote.notes), incident_id
        theirs = {s.id: s for s in worked if s.technician == device.name}
        assert sorted(own) == sorted(theirs)
        assert all(own[i].segments == theirs[i].segments for i in own)
