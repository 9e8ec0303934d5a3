"""The benchmark's data: generated from a seed, through the store's public API, cached on disk.

Scale 1 is a desk with 500 customers, 50,000 priced sessions (each on its own closed
incident) over the two years that end at ``NOW``, and 5,000 open incidents; scale N has
N times each. Besides the desk there are outboxes: a device that queued 10,000
operations offline (incidents opened, timed, noted and resolved through ``core``), and
outboxes of 10,000 and 100,000 queued notes for the acknowledgement budget.

Everything is made through ``Store.open`` / ``Store.import_records`` / ``Store.commit``
and the domain functions that call them, so the data follows the store through any
redesign. A dataset is cached in ``bench/.cache/<name>-<key>/``, where the key hashes
its parameters and the source of ``core`` and of this module: a changed store or
generator makes a new dataset, and the old one is removed. A dataset is built in a
temporary folder and renamed into place when complete, so a failed build leaves
nothing behind. Building skips fsync and happens in memory when there is room (see
``_staging``): a dataset is thrown away whole, never repaired, so its durability buys
nothing; the measured runs work on copies on the cache's disk and fsync as always.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import json
import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.calendar import ATHENS
from core.clock import FrozenClock
from core.models import (
    Channel,
    Contract,
    Customer,
    Eligibility,
    Entitlements,
    Expenses,
    Incident,
    IncidentStatus,
    Segment,
    Session,
    Timer,
)
from core.rules import Rules, load_rules

__all__ = [
    "CACHE",
    "NOW",
    "TECHNICIAN",
    "Dataset",
    "History",
    "Scale",
    "build",
    "copy_store",
    "customer_list",
    "customers_csv",
    "locate",
    "open_incidents",
    "priced_history",
    "scratch",
]

REPO = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("VARDIA_BENCH_CACHE", REPO / "bench" / ".cache"))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
"""Monday 23 Nov 2026, 11:00 in Athens: the history ends here and the queue is opened now."""
SEED = 7
HISTORY_DAYS = 730
OPEN_SPREAD = timedelta(days=14)
"""Open incidents were opened over the last two weeks: some breached, some warned, some not."""
TECHNICIAN = "bench"
STATEMENT_MONTH = "2026-10"
"""The month whose statement is benchmarked: the last whole month before ``NOW``."""

_PLANS: Sequence[tuple[str, str | None]] = (
    ("free", None),
    ("basic", None),
    ("business", None),
    ("maintenance", "premium-4"),
)
_NAMES = ("Λογιστικό Γραφείο Παπαδόπουλος", "Jewel Κοσμήματα", "Civil Μελετητική", "Φαρμακείο Ηλία")
_SUBJECTS = (
    "Η εκτύπωση τιμολογίων δεν βγαίνει",
    "Cannot log in after the update",
    "Το backup αποτυγχάνει τη νύχτα",
    "VAT report totals are wrong",
    "Αργή αναζήτηση στους πελάτες",
    "Licence expired message at start",
)
_TECHNICIANS = ("nikos", "maria", "giorgos", "eleni")
_CHANNELS = (Channel.PHONE, Channel.REMOTE, Channel.REMOTE, Channel.OFFICE, Channel.ONSITE)
_OPEN_STATUSES = (
    IncidentStatus.NEW,
    IncidentStatus.ACKNOWLEDGED,
    IncidentStatus.IN_PROGRESS,
    IncidentStatus.WAITING,
)


@dataclass(frozen=True)
class Scale:
    """How much data: ``factor`` times scale 1, the outboxes capped at SPEC's counts."""

    factor: float

    def _times(self, base: int, cap: bool = False) -> int:
        return max(1, round(base * (min(self.factor, 1.0) if cap else self.factor)))

    @property
    def sessions(self) -> int:
        return self._times(50_000)

    @property
    def open_incidents(self) -> int:
        return self._times(5_000)

    @property
    def customers(self) -> int:
        return self._times(500)

    @property
    def push_ops(self) -> int:
        """SPEC §9 pushes 10,000 operations at any scale; smaller scales push fewer."""
        return self._times(10_000, cap=True)

    @property
    def ack_ops(self) -> tuple[int, int]:
        """SPEC §9 compares acknowledging 10,000 and 100,000 operations."""
        return self._times(10_000, cap=True), self._times(100_000, cap=True)

    @property
    def label(self) -> str:
        return f"{self.factor:g}"


@dataclass(frozen=True)
class Dataset:
    """A built dataset: its folder and what its builder recorded about it."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        """The vardia data directory (``$VARDIA_HOME``) of the dataset."""
        return self.path / "home"


# ----------------------------------------------------------------------------- records


def _uuid(rnd: random.Random) -> str:
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


def customer_list(count: int) -> list[Customer]:
    """Customers on every plan in turn (one in four with a premium pack), a seventh out of town."""
    return [
        Customer(
            id=f"c{i:04d}",
            name=f"{_NAMES[i % len(_NAMES)]} {i}",
            out_of_town=i % 7 == 0,
            contract=Contract(
                plan=_PLANS[i % len(_PLANS)][0],
                premium_pack=_PLANS[i % len(_PLANS)][1],
                valid_from=date(2000, 1, 1),
                valid_until=date(2099, 12, 31),
            ),
            prepaid_credit=Decimal(500) if _PLANS[i % len(_PLANS)][0] == "free" else Decimal(0),
        )
        for i in range(count)
    ]


def customers_csv(people: Sequence[Customer], path: Path) -> Path:
    """The customers as the CSV ``vardia-server import-customers`` reads."""
    columns = ["id", "name", "contact", "city", "out_of_town", "plan", "premium_pack"]
    columns += ["valid_from", "valid_until", "prepaid_credit", "overdue_amount"]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for c in people:
            contract = c.contract
            writer.writerow(
                [
                    c.id,
                    c.name,
                    c.contact,
                    c.city,
                    "yes" if c.out_of_town else "no",
                    contract.plan if contract else "",
                    (contract.premium_pack or "") if contract else "",
                    contract.valid_from.isoformat() if contract else "",
                    contract.valid_until.isoformat() if contract else "",
                    str(c.prepaid_credit),
                    str(c.overdue_amount),
                ]
            )
    return path


def open_incidents(
    rules: Rules, people: Sequence[Customer], count: int, now: datetime, seed: int = SEED
) -> list[Incident]:
    """Open incidents opened over the two weeks before ``now``, with their real SLA targets.

    The same seed gives the same incidents (ids, refs, customers, statuses) at any
    ``now``: the app benchmark moves the same queue to the present.
    """
    from core import sla

    rnd = random.Random(seed * 1_000_003 + count)
    found = []
    for n in range(count):
        customer = people[rnd.randrange(len(people))]
        assert customer.contract is not None
        plan = customer.contract.plan
        opened = now - timedelta(seconds=rnd.randrange(int(OPEN_SPREAD.total_seconds())))
        due = sla.targets(rules, plan, opened)
        status = _OPEN_STATUSES[rnd.randrange(len(_OPEN_STATUSES))]
        assignee = rnd.choice((TECHNICIAN, "maria", None))
        found.append(
            Incident(
                id=_uuid(rnd),
                ref=f"Q-{n + 1:06d}",
                customer_id=customer.id,
                subject=f"{_SUBJECTS[n % len(_SUBJECTS)]} ({n + 1})",
                requested_via=rnd.choice(_CHANNELS),
                opened_at=opened,
                opened_by=rnd.choice(_TECHNICIANS),
                plan=plan,
                warn_at=due.warn_at,
                deadline=due.deadline,
                resolve_by=due.resolve_by,
                first_response_at=None
                if status is IncidentStatus.NEW
                else min(now, opened + timedelta(minutes=rnd.randrange(5, 240))),
                status=status,
                assignee=assignee,
                eligibility=Eligibility(contract_in_force=True, served_as=plan),
                updated_at=opened,
            )
        )
    return found


@dataclass(frozen=True)
class History:
    """Customers with their credit as it stands after the sessions, incidents and sessions."""

    customers: list[Customer]
    incidents: list[Incident]
    sessions: list[Session]


@dataclass
class _Ledger:
    """What the customers have used and paid as the history is priced, in order."""

    credit: dict[str, Decimal]
    used: dict[tuple[str, int, Channel], Decimal] = field(default_factory=dict)
    premium: dict[tuple[str, int], int] = field(default_factory=dict)


def _priced(
    rules: Rules,
    people: Sequence[Customer],
    ledger: _Ledger,
    *,
    sessions: int,
    start: date,
    days: int,
    seed: int,
) -> Iterator[tuple[Incident, Session]]:
    """Sessions priced in order by the real rules, as the timer would have priced them.

    Each is on a closed incident of its own, at working hours mostly, some after hours.
    Included hours are drawn per year and channel, prepaid credit is debited, premium
    incidents are used while the pack lasts: what a statement must read back.
    """
    from core.pricing import price_session

    rnd = random.Random(seed)
    first = datetime.combine(start, datetime.min.time(), ATHENS)
    starts = sorted(
        first
        + timedelta(days=rnd.randrange(days))
        + timedelta(hours=rnd.choice((8, 10, 11, 12, 14, 15, 16, 17, 17, 19, 22)))
        + timedelta(minutes=rnd.randrange(60))
        for _ in range(sessions)
    )
    for n, began in enumerate(starts):
        customer = people[rnd.randrange(len(people))]
        assert customer.contract is not None
        plan, pack = customer.contract.plan, customer.contract.premium_pack
        channel = rnd.choice(_CHANNELS)
        if plan == "maintenance":
            channel = Channel.PHONE if rnd.random() < 0.7 else Channel.WRITTEN
        end = began + timedelta(minutes=rnd.randrange(5, 150))
        segments = (Segment(start=began, end=end),)
        year = began.year
        covered = False
        if pack and channel is Channel.PHONE and rules.calendar.is_support_time(began):
            count = ledger.premium.get((customer.id, year), 0)
            if count < rules.plans.plan(pack).premium_incidents:
                ledger.premium[(customer.id, year)] = count + 1
                covered = True
        out_of_town = customer.out_of_town and channel is Channel.ONSITE
        key = (customer.id, year, channel)
        quote = price_session(
            rules,
            plan,
            channel,
            segments,
            included_used_hours=ledger.used.get(key, Decimal(0)),
            credit=ledger.credit[customer.id],
            premium_covered=covered,
            expenses=Expenses(travel=Decimal("18.40"), parking=Decimal(5)) if out_of_town else None,
            out_of_town=out_of_town,
        )
        ledger.used[key] = ledger.used.get(key, Decimal(0)) + quote.included_hours_debited
        ledger.credit[customer.id] -= quote.credit_debited
        technician = _TECHNICIANS[n % len(_TECHNICIANS)]
        incident = Incident(
            id=f"i{n:06d}",
            ref=f"B-{n:06d}",
            customer_id=customer.id,
            subject=f"Αίτημα {n}: η εκτύπωση δεν βγαίνει",
            requested_via=channel,
            opened_at=began - timedelta(minutes=5),
            opened_by=technician,
            plan=plan,
            warn_at=began + timedelta(hours=12),
            deadline=began + timedelta(hours=24),
            first_response_at=began,
            status=IncidentStatus.CLOSED,
            assignee=technician,
            eligibility=Eligibility(contract_in_force=True, served_as=plan, premium_used=covered),
            updated_at=end,
        )
        session = Session(
            id=f"s{n:06d}",
            incident_id=incident.id,
            customer_id=customer.id,
            technician=technician,
            device_id="bench",
            channel=channel,
            segments=segments,
            quote=quote,
            recorded_at=end,
        )
        yield incident, session


def priced_history(
    rules: Rules, *, customers: int, sessions: int, start: date, days: int, seed: int = SEED
) -> History:
    """``sessions`` priced sessions over ``days`` from ``start``, for ``customers`` customers."""
    people = customer_list(customers)
    ledger = _Ledger(credit={c.id: c.prepaid_credit for c in people})
    incidents: list[Incident] = []
    found: list[Session] = []
    for incident, session in _priced(
        rules, people, ledger, sessions=sessions, start=start, days=days, seed=seed
    ):
        incidents.append(incident)
        found.append(session)
    people = [c.model_copy(update={"prepaid_credit": ledger.credit[c.id]}) for c in people]
    return History(people, incidents, found)


def _after_history(rules: Rules, customer: Customer, ledger: _Ledger) -> Customer:
    """The customer with this contract year's use and the credit left after the history."""
    assert customer.contract is not None
    year = rules.calendar.local_date(NOW).year
    hours = {ch: h for (who, y, ch), h in ledger.used.items() if who == customer.id and y == year}
    return customer.model_copy(
        update={
            "prepaid_credit": ledger.credit[customer.id],
            "entitlements": Entitlements(
                year=year,
                included_used_hours=hours,
                premium_incidents_used=ledger.premium.get((customer.id, year), 0),
            ),
        }
    )


def _frame(session: Session) -> str:
    """A session as a Watson frame: [start, stop, project, id, tags, updated]."""
    return json.dumps(
        [
            int(session.segments[0].start.timestamp()),
            int(session.segments[-1].end.timestamp()),
            session.customer_id,
            session.id.replace("-", ""),
            [session.channel.value],
            int(session.recorded_at.timestamp()),
        ]
    )


# ------------------------------------------------------------------------- builders


def _store(home: Path, clock: FrozenClock) -> Any:
    from core.store import Store

    return Store.open(home, clock=clock, technician=TECHNICIAN)


def _by_month(
    pairs: Iterator[tuple[Incident, Session]],
) -> Iterator[tuple[str, list[Incident], list[Session]]]:
    """The priced history a month (Europe/Athens, of the work's start) at a time."""
    month = ""
    incidents: list[Incident] = []
    sessions: list[Session] = []
    for incident, session in pairs:
        began = session.segments[0].start.astimezone(ATHENS).strftime("%Y-%m")
        if began != month and sessions:
            yield month, incidents, sessions
            incidents, sessions = [], []
        month = began
        incidents.append(incident)
        sessions.append(session)
    if sessions:
        yield month, incidents, sessions


def _build_desk(path: Path, scale: Scale) -> dict[str, Any]:
    """The technician's desk at ``scale``, and the same sessions as Watson frames."""
    rules = load_rules(None)
    people = customer_list(scale.customers)
    ledger = _Ledger(credit={c.id: c.prepaid_credit for c in people})
    history = _priced(
        rules,
        people,
        ledger,
        sessions=scale.sessions,
        start=(NOW - timedelta(days=HISTORY_DAYS)).date(),
        days=HISTORY_DAYS,
        seed=SEED,
    )
    in_month: dict[str, int] = {}
    watson = path / "watson"
    watson.mkdir(parents=True)
    (watson / "state").write_text("{}")
    with _store(path / "home", FrozenClock(NOW)) as store, (watson / "frames").open("w") as frames:
        frames.write("[")
        separator = ""
        for month, incidents, sessions in _by_month(history):
            store.import_records(incidents=incidents, sessions=sessions)
            for session in sessions:
                frames.write(separator + _frame(session))
                separator = ","
                if month == STATEMENT_MONTH:
                    in_month[session.customer_id] = in_month.get(session.customer_id, 0) + 1
        frames.write("]")
        people = [_after_history(rules, c, ledger) for c in people]
        queue = open_incidents(rules, people, scale.open_incidents, NOW)
        store.import_records(customers=people, incidents=queue)
        # A timer runs, as on any working day: `vardia timer status` has something to show.
        timed = next(i for i in queue if i.plan in {"basic", "business"})
        store.put_timer(
            Timer(
                incident_id=timed.id,
                technician=store.technician,
                channel=Channel.REMOTE,
                running_since=NOW - timedelta(minutes=10),
                ref=timed.ref,
                subject=timed.subject,
            )
        )
    customer = max(sorted(in_month), key=lambda c: in_month[c])
    return {
        "sessions": scale.sessions,
        "open_incidents": scale.open_incidents,
        "customers": scale.customers,
        "now": NOW.isoformat(),
        "statement": {
            "customer": customer,
            "month": STATEMENT_MONTH,
            "sessions": in_month[customer],
            "sessions_in_month": sum(in_month.values()),
        },
        "timer_ref": timed.ref,
    }


def _build_push_outbox(path: Path, scale: Scale) -> dict[str, Any]:
    """A device that worked offline: per incident opened, timed, noted and resolved (4 ops)."""
    from core.incidents import add_note, change_status
    from core.intake import IntakeRequest, open_incident
    from core.timer import start, stop

    rules = load_rules(None)
    people = [
        c for c in customer_list(40) if c.contract and c.contract.plan in {"basic", "business"}
    ]
    rounds = max(1, scale.push_ops // 4)
    clock = FrozenClock(NOW - timedelta(hours=rounds))
    rnd = random.Random(SEED)
    with _store(path / "home", clock) as store:
        store.import_records(customers=people)
        for n in range(rounds):
            customer = people[n % len(people)]
            request = IntakeRequest(
                customer_id=customer.id,
                subject=_SUBJECTS[n % len(_SUBJECTS)],
                description="Τηλεφώνησε ο λογιστής· το πρόβλημα εμφανίστηκε μετά την ενημέρωση.",
                requested_via=Channel.REMOTE,
            )
            incident = open_incident(store, rules, request)
            clock.advance(timedelta(minutes=rnd.randrange(2, 10)))
            start(store, rules, incident.ref, Channel.REMOTE)
            clock.advance(timedelta(minutes=rnd.randrange(5, 40)))
            stop(store, rules, note="Επανεγκατάσταση οδηγού εκτυπωτή")
            add_note(store, rules, incident.ref, "Ο πελάτης επιβεβαίωσε ότι λειτουργεί.")
            change_status(store, incident.ref, IncidentStatus.RESOLVED)
            clock.set(NOW - timedelta(hours=rounds - n - 1))
        pending = store.pending_count()
    people_csv = customers_csv(people, path / "customers.csv")
    return {"ops": pending, "incidents": rounds, "customers_csv": people_csv.name}


def _build_ack_outboxes(path: Path, scale: Scale) -> dict[str, Any]:
    """Two outboxes of queued notes, committed one by one: the smaller is the larger's start."""
    from core.sync.protocol import OperationKind

    smaller, larger = scale.ack_ops
    rnd = random.Random(SEED)
    incident_ids = [_uuid(rnd) for _ in range(200)]
    clock = FrozenClock(NOW - timedelta(minutes=larger))
    made = 0

    def fill(store: Any, upto: int) -> None:
        nonlocal made
        while made < upto:
            note_id = _uuid(rnd)
            payload = {
                "id": note_id,
                "author": store.technician,
                "at": clock.now().isoformat(),
                "text": f"Κλήση {made + 1}: ο πελάτης ενημερώθηκε για την πρόοδο.",
                "incident_id": incident_ids[made % len(incident_ids)],
            }
            store.commit(store.operation(OperationKind.INCIDENT_NOTE, note_id, payload))
            clock.advance(timedelta(minutes=1))
            made += 1

    with _store(path / str(smaller), clock) as store:
        fill(store, smaller)
    shutil.copytree(path / str(smaller), path / str(larger), symlinks=True)
    (path / str(larger) / "vardia.lock").unlink(missing_ok=True)
    with _store(path / str(larger), clock) as store:
        fill(store, larger)
    return {"outboxes": [smaller, larger]}


_BUILDERS: dict[str, Callable[[Path, Scale], dict[str, Any]]] = {
    "desk": _build_desk,
    "push-outbox": _build_push_outbox,
    "ack-outboxes": _build_ack_outboxes,
}
_SCALED = {"desk"}
"""Datasets whose size follows the scale; the outboxes only shrink below scale 1."""


_ESTIMATED_BYTES = {"desk": 120e6, "push-outbox": 40e6, "ack-outboxes": 200e6}
"""Roughly what each takes at scale 1 while it is built (backups included)."""


def _staging(needed: float) -> Path | None:
    """Where to build: memory (``/dev/shm``) when it has room, else the cache's own disk.

    Renaming a file over another makes ext4 write the new one out at once, fsync or not,
    and a store commits by renames: built in memory, then copied, the same data comes
    several times sooner. ``VARDIA_BENCH_STAGING`` names another folder, or ``none``.
    """
    chosen = os.environ.get("VARDIA_BENCH_STAGING", "/dev/shm")
    if chosen == "none" or not Path(chosen).is_dir():
        return None
    free = shutil.disk_usage(chosen).free
    return Path(chosen) if free > 2 * needed else None


def _sources_digest() -> str:
    digest = hashlib.sha256()
    files = sorted((REPO / "core").rglob("*.py")) + sorted((REPO / "core" / "defaults").glob("*"))
    for source in [*files, Path(__file__)]:
        digest.update(str(source.relative_to(REPO)).encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def _key(name: str, scale: Scale) -> str:
    if name in _SCALED:
        size = scale.label
    elif name == "push-outbox":
        size = str(scale.push_ops)
    else:
        size = "-".join(map(str, scale.ack_ops))
    digest = hashlib.sha256(f"{name}:{size}:{SEED}:{_sources_digest()}".encode())
    return f"{name}-{size}-{digest.hexdigest()[:12]}"


def locate(name: str, scale: Scale, cache: Path | None = None) -> Dataset | None:
    """The cached dataset, or None when it must be built first."""
    path = (cache or CACHE) / _key(name, scale)
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return None
    return Dataset(path, json.loads(manifest.read_text("utf-8")))


def build(name: str, scale: Scale, cache: Path | None = None) -> Dataset:
    """Build a dataset into the cache (if another run has not just built it); returns it."""
    cache = cache or CACHE
    cache.mkdir(parents=True, exist_ok=True)
    key = _key(name, scale)
    lock_name = f".{key}.lock"
    with (cache / lock_name).open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = locate(name, scale, cache)
        if found is not None:
            return found
        for stale in cache.glob(f".{key}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)  # a build that was killed
        tmp = cache / f".{key}.tmp-{os.getpid()}"
        size = scale.factor if name in _SCALED else min(scale.factor, 1.0)
        staging = _staging(_ESTIMATED_BYTES[name] * size)
        if staging is not None:
            for stale in staging.glob(f".{key}.*"):
                shutil.rmtree(stale, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=staging)) if staging else tmp
        stage.mkdir(exist_ok=True)
        real_fsync = os.fsync
        os.fsync = lambda fd: None  # see the module docstring
        started = time.perf_counter()
        try:
            manifest = _BUILDERS[name](stage, scale)
            if stage != tmp:
                shutil.copytree(stage, tmp, symlinks=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        finally:
            os.fsync = real_fsync
            if stage != tmp:
                shutil.rmtree(stage, ignore_errors=True)
        manifest.update(
            name=name,
            key=key,
            scale=scale.factor,
            build_seconds=round(time.perf_counter() - started, 1),
            bytes=sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file()),
        )
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
        os.replace(tmp, cache / key)
        prefix = key.rsplit("-", 1)[0] + "-"
        for old in cache.glob(f"{prefix}*"):
            if old.name != key and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)  # made by an older store or generator
        for old_lock in cache.glob(f".{prefix}*.lock"):
            if old_lock.name != lock_name:
                old_lock.unlink(missing_ok=True)
        return Dataset(cache / key, manifest)


@contextlib.contextmanager
def scratch(name: str) -> Iterator[Path]:
    """A folder for one benchmark's working copies, on the cache's disk, removed after."""
    root = CACHE / "work"
    root.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def copy_store(source: Path, target: Path) -> Path:
    """A private copy of a cached store to write into: the cache itself stays as built."""
    shutil.copytree(source, target, symlinks=True)
    (target / "vardia.lock").unlink(missing_ok=True)
    return target
