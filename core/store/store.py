"""The technician's local store: the system of record between syncs, crash-safe and fast.

Layout of the data directory (every file written by ``AtomicStorage``)::

    vardia.lock                      held by the one process that may write
    meta.json                        identity (technician, device id, ref prefix) and counters
    outbox/NNNNNNNNNNNN.json         the journal: pending Operations, in chunks of 256
    customers.json                   customers and their contracts
    open.json                        open incidents — the queue reads only this file
    history/incidents-YYYY-MM.json   resolved and closed incidents, by month opened
    sessions/YYYY-MM/XX.json         sessions, by month (Europe/Athens) their work began,
                                     in 64 files by customer (``layout.sessions_file``)
    timer.json                       the running timer of each technician
    docs/NAME.json                   small documents (sync cursor, conflicts)
    index/XX.json                    the incident index: id or reference → file (index.py)

**Why the outbox is the journal.** A change usually touches several files (stopping the
timer writes a session, the customer's entitlements and the timer), and a rename is
atomic for one file only. So each change is committed by ONE atomic write of the
newest outbox chunk, appending its Operation together with the record writes it implies
(its *effects*). That write is the commit point: before it nothing happened, after it
the change is durable. The effects are then applied to the record files, each of which
remembers in its header the last journal sequence it has applied. When vardia starts,
the journal entries that keep their effects are applied again, in order, to every file
that had not applied them yet (applying is idempotent: whole records replace whole
records), so a crash between the commit and the last record write loses nothing and
duplicates nothing.

**One write per change.** As the journal holds a change durably, its effects are applied
to the record files in memory only (``batch(deferred=True)``): this process reads them
from memory, and a killed one has them in its journal. Every ``CHECKPOINT_EVERY``
commits, before the outbox starts a new chunk and when the store closes, the files
changed are written, atomically, and fsynced; only then do the entries before lose their
effects and keep just their Operation, which the sync client pushes and then acknowledges.
A read-only store (another command, a second window) lays the newest chunk's effects over
the files it reads, each from the entry after the last its file has applied, so it sees
every committed change, filed or not.

**Why these files.** The hot writes — starting a timer, saving a session — touch the
timer file, the journal (pending changes only), one month of sessions and the customer
list: none grows with years of history, so their cost stays flat. Reads follow the same
rule: an incident is found through the index (``core.store.index``), whose entries are
effects of the same journaled change as the incident, so they are replayed with it; a
customer's sessions (a statement, an incident's work) are read from the customer's file of
each month they cover, a sixty-fourth of the month. A read-only store serves one command,
so a month or history file it reads is filtered and dropped, never kept: its memory is that
of the largest file read, not of every file.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Generic, NamedTuple, TypeVar, cast

from pydantic import BaseModel, ValidationError
from tinydb import TinyDB

from core.bulk import collector_paused
from core.clock import Clock, SystemClock
from core.errors import NotFoundError, StoreError, StoreWriteError, first_problem
from core.files import writing
from core.i18n import _
from core.ids import device_ref_prefix, new_device_id, new_id, short_ref
from core.models import OPEN_STATUSES, Customer, Incident, Session, Timer
from core.queue_entry import QueueEntry
from core.settings import Paths
from core.store.index import INDEX, bucket_of, entries_of, id_key, ref_key
from core.store.journal import newest_chunk, unfiled_changes
from core.store.layout import (
    CUSTOMERS,
    META,
    OPEN,
    OUTBOX,
    OUTBOX_CHUNK,
    SESSIONS,
    TABLE,
    TIMER,
    session_shard,
    sessions_file,
)
from core.store.lock import DirectoryLock
from core.store.migrations import migrate, rebuild_index
from core.store.storage import (
    TAIL_SUFFIX,
    AtomicStorage,
    KeyedTable,
    Unfiled,
    damaged,
    month_of,
    open_db,
    remove_stale_temp_files,
)
from core.sync.effects import incident_of, keep_local_work
from core.sync.protocol import Operation, OperationKind, SessionPrice
from core.sync.state import list_rejections

__all__ = ["Store"]

CHECKPOINT_EVERY = 32
"""Commits whose record files may wait for their fsync (see the module docstring)."""
_LAID_ON = frozenset({OperationKind.INCIDENT_NOTE, OperationKind.INCIDENT_UPDATE})
"""The kinds of pending operations a pulled incident keeps (``merge_from_server``)."""
_DOC_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
DEFAULT_TECHNICIAN = "technician"
"""The name a new store records work as when the caller names nobody (tests, tools)."""


class Effect(NamedTuple):
    """One record write a change implies: the file, the record's key, its new document.

    ``doc`` None removes the record. The journal keeps effects as JSON lists in this order.
    """

    file: str
    key: str
    doc: dict[str, Any] | None


def incident_file(incident: Incident) -> str:
    if incident.status in OPEN_STATUSES:
        return OPEN
    return f"history/incidents-{month_of(incident.opened_at)}.json"


def session_file(session: Session) -> str:
    return sessions_file(month_of(session.started_at), session.customer_id)


def _not_filed(error: StoreWriteError) -> str:
    return _(
        "The change was saved and waits to be sent, but not yet filed: {why} "
        "vardia finishes filing it when it next starts."
    ).format(why=error)


def _chunk_name(first_seq: int) -> str:
    return f"{OUTBOX}/{first_seq:012d}.json"


def _dump(record: BaseModel) -> dict[str, Any]:
    return record.model_dump(mode="json")


class _Parsed(NamedTuple, Generic[T]):
    """A file's records as one version of it holds them, and each by key with its document."""

    version: int
    records: list[T]
    """The records of ``by_key`` in order, kept: copying them is a twentieth of the cost of
    walking ``by_key`` again, at every read of an unchanged file."""
    by_key: dict[str, tuple[dict[str, Any], T]]


class _OutboxIndex:
    """The outbox's chunks, oldest first, and the chunk of each pending operation read so far.

    ``pending_operations`` reads the journal in order and notes where each operation it
    returns lives, ``commit`` notes the chunk it wrote, ``acknowledge`` forgets what it
    removes, with the chunks it empties: so acknowledging what was just pushed reads and
    rewrites only the chunks that hold it. An id it does not know makes it read the rest
    of the journal once (``complete``). Chunks never split or merge, so an operation stays
    in its chunk until it is acknowledged; the lock (``lock.py``) makes this process the
    outbox's one writer, so the files cannot change underneath.
    """

    def __init__(self, chunks: list[str]) -> None:
        self.chunks = chunks
        self.where: dict[str, str] = {}
        self.complete = False

    def note(self, chunk: str, entries: Iterable[dict[str, Any]]) -> None:
        self.where.update((entry["op"]["op_id"], chunk) for entry in entries)

    def add(self, op_id: str, chunk: str) -> None:
        if chunk != self.chunks[-1]:
            self.chunks.append(chunk)
        self.where[op_id] = chunk

    def forget(self, op_ids: Iterable[str]) -> None:
        for op_id in op_ids:
            self.where.pop(op_id, None)


class Store:
    """The local store; open it with ``Store.open`` and close it (or use ``with``)."""

    def __init__(
        self, data_dir: Path, clock: Clock, read_only: bool, technician: str = DEFAULT_TECHNICIAN
    ) -> None:
        self.data_dir = data_dir
        self.clock = clock
        self.read_only = read_only
        self._lock = DirectoryLock(data_dir)
        self._dbs: dict[str, tuple[TinyDB, AtomicStorage]] = {}
        self._parsed: dict[tuple[str, type], _Parsed[Any]] = {}
        self._broken: str | None = None
        self._outbox: _OutboxIndex | None = None
        self._synced_seq = 0
        """The newest journal entry whose record files are durable (see ``_checkpoint``)."""
        self._unsynced_commits = 0
        self._journal: dict[str, list[Unfiled]] | None = None
        """A read-only store's view of the journal: its changes by file (``_unfiled``)."""
        self.files_read: Counter[str] = Counter()
        """How many times each file (relative path) was read from disk: what a command costs."""
        self.unfiled: str | None = None
        """Set when a change was recorded but its record files could not be written."""
        self._new_technician = technician
        self.technician = ""
        self.device_id = ""
        self.ref_prefix = ""

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(
        cls,
        where: Paths | Path | str,
        *,
        clock: Clock | None = None,
        read_only: bool = False,
        technician: str | None = None,
    ) -> Store:
        """Open (creating if needed) the store in a data directory or ``Paths.data_dir``.

        ``technician`` is who a new store records work as (the edge reads it, see
        ``core.settings.technician_name``); a store that exists keeps its own.

        Raises StoreLockedError when another vardia writes there, StoreDamagedError or
        SchemaTooNewError when a file cannot be used; the files are left as they are.
        """
        data_dir = where.data_dir if isinstance(where, Paths) else Path(where)
        store = cls(
            data_dir.expanduser(),
            clock or SystemClock(),
            read_only,
            technician or DEFAULT_TECHNICIAN,
        )
        store._start()
        return store

    def _start(self) -> None:
        if not self.read_only:
            with writing(self.data_dir):
                self.data_dir.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        try:
            if not self.read_only:
                remove_stale_temp_files(self.data_dir)
                migrate(self.data_dir, self.clock.now())
                if not (self.data_dir / INDEX).is_dir():
                    # Derived data: a missing index (a new store, or one deleted) is rebuilt.
                    rebuild_index(self.data_dir)
            self._load_identity()
            if not self.read_only:
                self._replay()
        except BaseException:
            self._lock.release()
            raise

    def _load_identity(self) -> None:
        meta = self._table(META)
        identity = meta.doc("identity")
        if identity is None:
            device_id = new_device_id()
            identity = {
                "technician": self._new_technician,
                "device_id": device_id,
                "ref_prefix": device_ref_prefix(device_id),
            }
            if not self.read_only:
                meta.put("identity", identity)
        self.technician = identity["technician"]
        self.device_id = identity["device_id"]
        self.ref_prefix = identity["ref_prefix"]

    def close(self) -> None:
        try:
            if not self.read_only and self._broken is None and self._unsynced_commits:
                # The next start need not replay what is durable now.
                self._checkpoint(self._last_seq())
                self._storage(self._chunks()[-1]).put_header(synced_seq=self._synced_seq)
        except StoreWriteError as error:
            self._broken = self.unfiled = _not_filed(error)
        finally:
            self._dbs.clear()
            self._parsed.clear()
            self._outbox = None
            if not self.read_only:
                self._lock.release()

    def change_stamp(self) -> tuple[str | None, int, int]:
        """What moves whenever a writer commits a change: the journal's newest chunk, its
        time and size. A reader compares two to know whether to read again."""
        newest = newest_chunk(self.data_dir)
        if newest is None:
            return None, 0, 0
        try:
            stat = (self.data_dir / newest).stat()
        except FileNotFoundError:  # a checkpoint replaced it between the glob and now
            return newest, 0, 0
        return newest, stat.st_mtime_ns, stat.st_size

    def reread(self) -> None:
        """Forget what a read-only store has read, so that its next reads see what the
        writer has committed since; a writable store holds the latest already."""
        if not self.read_only:
            return
        self._dbs.clear()
        self._parsed.clear()
        self._journal = None
        self._outbox = None

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ file plumbing

    def _db(self, rel: str) -> tuple[TinyDB, AtomicStorage]:
        found = self._dbs.get(rel)
        if found is None:
            found = open_db(
                self.data_dir / rel, read_only=self.read_only, journal=self._unfiled(rel)
            )
            # A journal chunk's backup is made at checkpoints, like the record files'.
            found[1].backup_each_write = not rel.startswith(f"{OUTBOX}/")
            self._dbs[rel] = found
            self.files_read[rel] += 1
        return found

    def _peek(self, rel: str) -> dict[str, Any]:
        """The raw records of a partition file (a month of sessions or of history).

        A writable store keeps the file, as it will write and read it again; a read-only
        one reads it for this call alone (see the module docstring).
        """
        if not self.read_only or rel in self._dbs:
            return self._table(rel).raw()
        self.files_read[rel] += 1
        tables = AtomicStorage(
            self.data_dir / rel, read_only=True, journal=self._unfiled(rel)
        ).read()
        found: dict[str, Any] = (tables or {}).get(TABLE, {})
        return found

    def _unfiled(self, rel: str) -> list[Unfiled]:
        """What the journal changes in ``rel``, oldest first, for a read-only store."""
        if not self.read_only or rel.startswith(f"{OUTBOX}/"):
            return []
        return self._journal_changes().get(rel, [])

    def _journal_changes(self) -> dict[str, list[Unfiled]]:
        """A read-only store's view of the changes its writer may not have filed, by file."""
        if self._journal is None:
            newest = newest_chunk(self.data_dir)
            if newest is not None:
                self.files_read[newest] += 1
            self._journal = unfiled_changes(self.data_dir, newest)
        return self._journal

    def _table(self, rel: str) -> KeyedTable:
        return cast(KeyedTable, self._db(rel)[0].table(TABLE))

    def _storage(self, rel: str) -> AtomicStorage:
        return self._db(rel)[1]

    def _records(self, rel: str, model: type[M]) -> list[M]:
        """Every record of one file, parsed once per version of the file."""
        return self._read_all(rel, model, lambda doc: self._valid(rel, model, doc))

    def _read_all(self, rel: str, kind: type[T], read: Callable[[dict[str, Any]], T]) -> list[T]:
        """Every record of one file as ``read`` makes it, once per version of the file.

        A new version reads only the documents it changed: a change puts a new document in
        place of the old one and never alters a stored one, so a document that is still the
        same object is still the same record (at 50,000 open incidents, reading them all
        again after each change took a fifth of a second).
        """
        storage = self._storage(rel)
        raw = self._table(rel).raw()
        cached = self._parsed.get((rel, kind))
        if cached is not None and cached.version == storage.version:
            return list(cached.records)
        known = {} if cached is None else cached.by_key
        by_key: dict[str, tuple[dict[str, Any], T]] = {}
        with collector_paused():
            for key, doc in raw.items():
                kept = known.get(key)
                by_key[key] = kept if kept is not None and kept[0] is doc else (doc, read(doc))
        records = [record for _doc, record in by_key.values()]
        self._parsed[(rel, kind)] = _Parsed(storage.version, records, by_key)
        return list(records)

    def _valid(self, rel: str, model: type[M], doc: dict[str, Any]) -> M:
        """A stored record as its model; one of the wrong shape names its file as damaged."""
        try:
            return model.model_validate(doc)
        except ValidationError as error:
            where, problem = first_problem(error, "?")
            why = _("a record of the wrong shape, {field}: {problem}").format(
                field=where, problem=problem
            )
            raise damaged(self.data_dir / rel, why) from None

    def _files(self, folder: str, prefix: str = "") -> list[str]:
        """Relative names of the partition files in a folder, oldest month first."""
        return self._partition_files(f"{folder}/{prefix}*.json")

    def _partition_files(self, pattern: str) -> list[str]:
        """The data files whose relative name matches the glob ``pattern``, sorted: those on
        disk and those changes made that are not filed yet."""
        return sorted({*self._on_disk(pattern), *fnmatch.filter(self._unwritten(), pattern)})

    def _on_disk(self, pattern: str) -> list[str]:
        return sorted(
            str(path.relative_to(self.data_dir))
            for path in self.data_dir.glob(pattern)
            if not path.name.startswith(".")
        )

    def _unwritten(self) -> list[str]:
        """Files that changes made or changed and that are not written yet."""
        if self.read_only:
            return list(self._journal_changes())
        return [rel for rel, (_db, storage) in self._dbs.items() if storage.deferred]

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(_("This vardia opened the data read-only; nothing can be changed."))
        if self._broken is not None:
            raise StoreError(self._broken)

    def _apply(self, effects: Iterable[Effect], seq: int | None, *, deferred: bool = False) -> None:
        """Write effects file by file, one atomic write per file; record ``seq`` as applied.

        ``deferred`` (effects the journal holds) leaves the writes to the next ``_checkpoint``.
        """
        by_file: dict[str, list[Effect]] = {}
        for effect in effects:
            by_file.setdefault(effect.file, []).append(effect)
        for rel, file_effects in by_file.items():
            storage = self._storage(rel)
            storage.read()
            if seq is not None and storage.header.get("applied_seq", 0) >= seq:
                continue
            with storage.batch(deferred=deferred):
                # A file the change leaves as it was is not written, nor marked applied:
                # replaying a no-op is a no-op.
                changed = self._table(rel).apply({e.key: e.doc for e in file_effects})
                if changed and seq is not None:
                    storage.header["applied_seq"] = seq

    def _incident_effects(self, incident: Incident) -> list[Effect]:
        target = incident_file(incident)
        history = f"history/incidents-{month_of(incident.opened_at)}.json"
        other = history if target == OPEN else OPEN
        return [Effect(target, incident.id, _dump(incident)), Effect(other, incident.id, None)]

    def _index_effects(
        self, incidents: Sequence[Incident], *, dropped: bool = False
    ) -> list[Effect]:
        """The index entries that change with these incidents (none when they stay put).

        Callers write them before the incidents' records, or after them when ``dropped``
        removes them, so a stored incident always has its entries (``core.store.index``).
        """
        effects: dict[tuple[str, str], Effect] = {}
        for incident in incidents:
            for key, entry in entries_of(incident.id, incident.ref, incident_file(incident)):
                rel = bucket_of(key)
                current = self._table(rel).doc(key)
                if dropped:
                    owned = key.startswith("id:") or (current or {}).get("id") == incident.id
                    if current is not None and owned:
                        effects[rel, key] = Effect(rel, key, None)
                elif current != entry:
                    effects[rel, key] = Effect(rel, key, entry)
        return list(effects.values())

    def _chunks(self) -> list[str]:
        """The outbox's chunk files, oldest first; the newest holds the journal's last seq.

        A read-only store lists them each time: the writer may add one meanwhile.
        """
        if self.read_only:
            return self._on_disk(f"{OUTBOX}/*.json") or [_chunk_name(1)]
        return list(self._index().chunks)

    def _index(self) -> _OutboxIndex:
        """Listed from the folder once; this process, the outbox's one writer, keeps it."""
        if self._outbox is None:
            self._outbox = _OutboxIndex(self._on_disk(f"{OUTBOX}/*.json") or [_chunk_name(1)])
        return self._outbox

    def _replay(self) -> None:
        """Finish applying the journal entries not yet known durable, oldest first.

        The newest chunk's header says up to which entry the record files were fsynced
        (``synced_seq``). The later entries are applied in memory, then each file they
        change is written and fsynced once (one a kill left applied but not fsynced, too).
        """
        newest = self._chunks()[-1]
        entries = self._table(newest).raw()
        self._synced_seq = int(self._storage(newest).header.get("synced_seq", 0))
        kept = sorted(
            (e for e in entries.values() if e.get("effects") and e["seq"] > self._synced_seq),
            key=lambda e: e["seq"],
        )
        files: set[str] = set()
        for entry in kept:
            effects = [Effect(*effect) for effect in entry["effects"]]
            self._apply(effects, entry["seq"], deferred=True)
            files |= {effect.file for effect in effects}
            self._synced_seq = entry["seq"]
        for rel in sorted(files):
            self._storage(rel).sync(on_disk=True)

    def _last_seq(self) -> int:
        """The journal's last sequence number, from the newest chunk's header."""
        newest = self._storage(self._chunks()[-1])
        newest.read()
        return int(newest.header.get("last_seq", 0))

    def _checkpoint(self, seq: int) -> None:
        """Write and fsync the record files changed since the last checkpoint: entries up to
        ``seq`` need their effects no more (the next commit drops them from the journal)."""
        for _db, storage in self._dbs.values():
            storage.sync()
        self._storage(self._chunks()[-1]).keep_backup()
        self._synced_seq = seq
        self._unsynced_commits = 0

    # ------------------------------------------------------------------ writing

    def operation(self, kind: OperationKind, entity_id: str, payload: dict[str, Any]) -> Operation:
        """A new Operation made on this device now."""
        return Operation(
            op_id=new_id(),
            kind=kind,
            entity_id=entity_id,
            payload=payload,
            created_at=self.clock.now(),
            device_id=self.device_id,
        )

    def next_ref(self) -> str:
        """The human reference the next incident opened on this device gets."""
        counters = self._table(META).doc("counters") or {}
        return short_ref(self.ref_prefix, int(counters.get("ref", 0)) + 1)

    def commit(
        self,
        op: Operation,
        *,
        incidents: Sequence[Incident] = (),
        sessions: Sequence[Session] = (),
        customers: Sequence[Customer] = (),
        clear_timer_of: str | None = None,
        replacing: Sequence[Session] = (),
        docs: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        """Make a change durable together with its Operation (see the module docstring).

        ``replacing`` are the stored versions of edited sessions: one whose month changed
        leaves its old month's file. ``docs`` are small documents (``write_doc``) the change
        rewrites: they are written as its effects, so they change if and only if it commits.

        Returns once the change is on disk: a crash after that loses nothing.
        """
        self._writable()
        effects = self._index_effects(incidents)
        for incident in incidents:
            effects.extend(self._incident_effects(incident))
        effects.extend(Effect(session_file(s), s.id, None) for s in replacing)
        effects.extend(Effect(session_file(s), s.id, _dump(s)) for s in sessions)
        effects.extend(Effect(CUSTOMERS, c.id, _dump(c)) for c in customers)
        effects.extend(self._timer_effects(incidents, clear_timer_of))
        if clear_timer_of is not None:
            effects.append(Effect(TIMER, clear_timer_of, None))
        effects.extend(
            Effect(self._doc_file(name), "doc", doc) for name, doc in (docs or {}).items()
        )
        counter = self._ref_counter_after(incidents)
        if counter is not None:
            effects.append(Effect(META, "counters", {"ref": counter}))

        for rel in {effect.file for effect in effects}:
            # A file the change cannot be filed into stops it here, before it is recorded.
            self._storage(rel).read()
        newest = self._chunks()[-1]
        seq = self._last_seq() + 1
        # The outbox grows in chunks, so a long time offline never makes commits bigger.
        chunk = newest
        if len(self._table(newest).raw()) >= OUTBOX_CHUNK:
            # Only the newest chunk is replayed: what the older ones hold must be durable.
            self._checkpoint(seq - 1)
            chunk = _chunk_name(seq)
        outbox = self._table(chunk)
        storage = self._storage(chunk)
        try:
            with storage.batch():
                # Entries whose record files are durable need their effects no more.
                stale = {
                    k: {**e, "effects": None}
                    for k, e in outbox.raw().items()
                    if e["effects"] and e["seq"] <= self._synced_seq
                }
                entry = {
                    "seq": seq,
                    "op": op.model_dump(mode="json"),
                    "effects": [list(effect) for effect in effects],
                }
                outbox.apply({**stale, f"{seq:012d}": entry})
                storage.header["last_seq"] = seq
                storage.header["synced_seq"] = self._synced_seq
        except BaseException:
            # A failed write may or may not have reached the disk: the index is read again.
            self._outbox = None
            raise
        if self._outbox is not None:
            self._outbox.add(op.op_id, chunk)
        try:
            self._apply(effects, seq, deferred=True)
            self._unsynced_commits += 1
            if self._unsynced_commits >= CHECKPOINT_EVERY:
                self._checkpoint(seq)
        except StoreWriteError as error:
            # The change is recorded (and will be pushed); only its filing waits, and the
            # next start finishes it. So the command succeeds, and says so.
            self._broken = self.unfiled = _not_filed(error)
        except BaseException:
            self._broken = _(
                "A change was saved but could not be filed completely; restart vardia to finish it."
            )
            raise

    def _timer_effects(self, incidents: Sequence[Incident], cleared: str | None) -> list[Effect]:
        """A timer on a changed incident keeps its reference and subject (``Timer.ref``)."""
        changed = {incident.id: incident for incident in incidents}
        effects = []
        for technician, doc in self._table(TIMER).raw().items() if changed else ():
            on = changed.get(doc["incident_id"])
            if on is None or technician == cleared:
                continue
            if (doc.get("ref"), doc.get("subject")) != (on.ref, on.subject):
                effects.append(
                    Effect(TIMER, technician, {**doc, "ref": on.ref, "subject": on.subject})
                )
        return effects

    def _ref_counter_after(self, incidents: Sequence[Incident]) -> int | None:
        counters = self._table(META).doc("counters") or {}
        current = int(counters.get("ref", 0))
        highest = current
        for incident in incidents:
            prefix, _sep, number = incident.ref.rpartition("-")
            if prefix == self.ref_prefix and number.isdigit():
                highest = max(highest, int(number))
        return highest if highest > current else None

    def put_timer(self, timer: Timer) -> None:
        """Save the technician's timer (one atomic write of a small file)."""
        self._writable()
        self._table(TIMER).put(timer.technician, _dump(timer))

    def discard_timer(self, technician: str | None = None) -> None:
        """Throw away the technician's timer without recording a session."""
        self._writable()
        self._table(TIMER).drop(technician or self.technician)

    def import_records(
        self,
        *,
        customers: Sequence[Customer] = (),
        incidents: Sequence[Incident] = (),
        sessions: Sequence[Session] = (),
        replacing: Sequence[Session] = (),
    ) -> None:
        """Upsert records made elsewhere (server, CSV, demo) without writing Operations.

        ``replacing`` are stored versions of ``sessions``: one in another month's file
        leaves it, after the new version is written (a crash in between keeps both).
        One atomic write per file touched; the whole import is idempotent, so an import
        interrupted by a crash is completed by running it again.
        """
        self._writable()
        effects = self._index_effects(incidents)
        effects.extend(Effect(CUSTOMERS, c.id, _dump(c)) for c in customers)
        for incident in incidents:
            effects.extend(self._incident_effects(incident))
        effects.extend(Effect(session_file(s), s.id, _dump(s)) for s in sessions)
        written = {(e.file, e.key) for e in effects}
        effects.extend(
            Effect(session_file(s), s.id, None)
            for s in replacing
            if (session_file(s), s.id) not in written
        )
        self._apply(effects, None)

    def drop_records(
        self, *, incidents: Sequence[Incident] = (), sessions: Sequence[Session] = ()
    ) -> None:
        """Remove records from this device alone, without Operations: work the server never
        accepted, discarded by the technician (core.sync.refused). Idempotent, as an import."""
        self._writable()
        effects: list[Effect] = []
        for incident in incidents:
            effects.extend(e._replace(doc=None) for e in self._incident_effects(incident))
        effects.extend(Effect(session_file(s), s.id, None) for s in sessions)
        effects.extend(self._index_effects(incidents, dropped=True))
        self._apply(effects, None)

    # ------------------------------------------------------------------ reading

    def customers(self) -> list[Customer]:
        return sorted(self._records(CUSTOMERS, Customer), key=lambda c: c.name.casefold())

    def customer(self, customer_id: str) -> Customer:
        doc = self._table(CUSTOMERS).doc(customer_id)
        if doc is None:
            raise NotFoundError(
                _("No customer with id {id}; `vardia customer list` shows them.").format(
                    id=customer_id
                )
            )
        return self._valid(CUSTOMERS, Customer, doc)

    def customer_names(self) -> dict[str, str]:
        """Each customer's name by id, read from the stored records (the queue shows no more)."""

        def name(doc: dict[str, Any]) -> str:
            found = doc.get("name")
            return found if isinstance(found, str) else self._valid(CUSTOMERS, Customer, doc).name

        return {customer_id: name(doc) for customer_id, doc in self._table(CUSTOMERS).raw().items()}

    def queue_entries(self) -> list[QueueEntry]:
        """The open incidents as the queue shows them, in no particular order, read from their
        stored records; one that does not read plainly is validated, which names a damaged file.
        """

        def entry(doc: dict[str, Any]) -> QueueEntry:
            return QueueEntry.from_doc(doc) or QueueEntry.of(self._valid(OPEN, Incident, doc))

        return self._read_all(OPEN, QueueEntry, entry)

    def open_incidents(self) -> list[Incident]:
        """The open incidents, in no particular order (``core.sla.queue_order`` sorts them)."""
        return self._records(OPEN, Incident)

    def _history_incidents(self) -> Iterator[Incident]:
        for rel in reversed(self._files("history", "incidents-")):
            yield from self._records(rel, Incident)

    def incident(self, ref_or_id: str) -> Incident:
        """An incident by its id or its human reference (case does not matter)."""
        wanted = ref_or_id.strip()
        incident_id = wanted
        entry = self._index_entry(id_key(wanted))
        by_ref = None if entry is not None else self._index_entry(ref_key(wanted))
        if by_ref is not None:
            incident_id = by_ref["id"]
            entry = self._index_entry(id_key(incident_id))
        if entry is not None:
            doc = self._peek(entry["file"]).get(incident_id)
            if doc is not None and (
                by_ref is None or str(doc.get("ref")).upper() == wanted.upper()
            ):
                return self._valid(entry["file"], Incident, doc)
        if by_ref is not None or entry is not None or not (self.data_dir / INDEX).is_dir():
            # An entry a crash left behind, or no index yet: every file is searched.
            found = self._search_incident(wanted)
            if found is not None:
                return found
        raise NotFoundError(
            _("No incident {ref}; `vardia queue` lists the open ones.").format(ref=ref_or_id)
        )

    def incidents_by_id(self, incident_ids: Iterable[str]) -> dict[str, Incident]:
        """The incidents of these ids that the store holds, reading each file they are in once."""
        by_file: dict[str, list[str]] = {}
        for incident_id in set(incident_ids):
            entry = self._index_entry(id_key(incident_id))
            by_file.setdefault(entry["file"] if entry else "", []).append(incident_id)
        found: dict[str, Incident] = {}
        missing = by_file.pop("", []) if not (self.data_dir / INDEX).is_dir() else []
        for rel, wanted in sorted(by_file.items()):
            if not rel:
                continue
            raw = self._peek(rel)
            for incident_id in wanted:
                doc = raw.get(incident_id)
                if doc is None:
                    missing.append(incident_id)
                else:
                    found[incident_id] = self._valid(rel, Incident, doc)
        for incident_id in missing:
            searched = self._search_incident(incident_id)
            if searched is not None:
                found[incident_id] = searched
        return found

    def open_incidents_of(self, customer_id: str) -> list[Incident]:
        """A customer's open incidents, the others left unread (in no particular order)."""
        raw = self._peek(OPEN)
        return [
            self._valid(OPEN, Incident, doc)
            for doc in raw.values()
            if doc.get("customer_id") == customer_id
        ]

    def _index_entry(self, key: str) -> dict[str, Any] | None:
        return self._table(bucket_of(key)).doc(key)

    def _search_incident(self, wanted: str) -> Incident | None:
        """An incident looked for in every file, newest first; the index is mended after."""
        upper = wanted.upper()
        for rel in [OPEN, *reversed(self._files("history", "incidents-"))]:
            raw = self._peek(rel)
            doc = raw.get(wanted)
            if doc is None:
                doc = next((d for d in raw.values() if str(d.get("ref")).upper() == upper), None)
            if doc is not None:
                found = self._valid(rel, Incident, doc)
                if not self.read_only and self._broken is None:
                    self._apply(self._index_effects([found]), None)
                return found
        return None

    def past_incidents(self, keep: Callable[[dict[str, Any]], bool], limit: int) -> list[Incident]:
        """Up to ``limit`` closed and resolved incidents whose stored record ``keep`` accepts,
        newest month first; only those are read into records."""
        found: list[Incident] = []
        for rel in reversed(self._files("history", "incidents-")):
            kept = [doc for doc in self._peek(rel).values() if keep(doc)]
            kept.sort(key=lambda doc: str(doc.get("opened_at")), reverse=True)
            found.extend(self._valid(rel, Incident, doc) for doc in kept[: limit - len(found)])
            if len(found) >= limit:
                break
        return found

    def incidents_for_customer(self, customer_id: str) -> list[Incident]:
        """All of a customer's incidents, open and past, newest first."""
        found = [i for i in self.open_incidents() if i.customer_id == customer_id]
        found.extend(i for i in self._history_incidents() if i.customer_id == customer_id)
        return sorted(found, key=lambda i: i.opened_at, reverse=True)

    def sessions(
        self,
        *,
        customer_id: str | None = None,
        month: str | None = None,
        technician: str | None = None,
        incident_id: str | None = None,
    ) -> list[Session]:
        """Sessions, oldest first, filtered by customer, month (YYYY-MM), technician, incident.

        Given a customer, only that customer's file of each month is read.
        """
        wanted = {"customer_id": customer_id, "technician": technician, "incident_id": incident_id}
        filters = {k: v for k, v in wanted.items() if v is not None}
        found: list[Session] = []
        for rel in self._session_files(month, customer_id):
            for doc in self._peek(rel).values():
                if all(doc.get(k) == v for k, v in filters.items()):
                    found.append(self._valid(rel, Session, doc))
        return sorted(found, key=lambda s: s.started_at)

    def _session_files(self, month: str | None, customer_id: str | None) -> list[str]:
        """The session files of a month (every month when None), of one customer's share
        when ``customer_id`` is given; oldest month first."""
        name = session_shard(customer_id) if customer_id else "*.json"
        return self._partition_files(f"{SESSIONS}/{month or '*'}/{name}")

    def session(self, session_id: str) -> Session:
        """A session by its id, searched from the newest month back."""
        found = self._find_session(session_id)
        if found is None:
            raise NotFoundError(_("No session with id {id}.").format(id=session_id))
        return found

    def _find_session(self, session_id: str) -> Session | None:
        for rel in reversed(self._session_files(None, None)):
            doc = self._table(rel).doc(session_id)
            if doc is not None:
                return self._valid(rel, Session, doc)
        return None

    def timer(self, technician: str | None = None) -> Timer | None:
        """The technician's timer (this store's technician by default), running or paused."""
        doc = self._table(TIMER).doc(technician or self.technician)
        return None if doc is None else self._valid(TIMER, Timer, doc)

    # --------------------------------------------------------------------- sync

    def pending_operations(self, limit: int) -> list[Operation]:
        """The oldest ``limit`` operations not yet acknowledged by the server."""
        found: list[Operation] = []
        index = self._index()
        for rel in self._chunks():
            entries = sorted(self._table(rel).raw().values(), key=lambda entry: entry["seq"])
            taken = entries[: limit - len(found)]
            index.note(rel, taken)
            found.extend(Operation.model_validate(e["op"]) for e in taken)
            if len(found) >= limit:
                break
        return found

    def pending_count(self) -> int:
        return sum(len(self._table(rel).raw()) for rel in self._chunks())

    def acknowledge(self, op_ids: Iterable[str]) -> None:
        """Durably drop operations the server has applied; unknown ids are ignored.

        Only the chunks holding them are rewritten, each in one atomic write: the work is
        proportional to the operations acknowledged, not to the outbox.
        """
        self._writable()
        if self._unsynced_commits:
            # What is acknowledged leaves the journal: the changes it holds are filed first.
            self._checkpoint(self._last_seq())
        index = self._index()
        wanted = set(op_ids)
        if not index.complete and not wanted <= index.where.keys():
            for rel in index.chunks:
                index.note(rel, self._table(rel).raw().values())
            index.complete = True
        by_chunk: dict[str, set[str]] = {}
        for op_id in wanted:
            holder = index.where.get(op_id)
            if holder is not None:
                by_chunk.setdefault(holder, set()).add(op_id)
        newest = index.chunks[-1]
        for rel in sorted(by_chunk):
            done = by_chunk[rel]
            outbox = self._table(rel)
            outbox.apply({k: None for k, e in outbox.raw().items() if e["op"]["op_id"] in done})
            index.forget(done)
            if rel != newest and not outbox.raw():
                # An emptied chunk goes; the newest stays, as it holds the last sequence number.
                self._dbs.pop(rel)
                index.chunks.remove(rel)
                for path in (
                    self.data_dir / rel,
                    self.data_dir / f"{rel}.bak",
                    self.data_dir / f"{rel}{TAIL_SUFFIX}",
                ):
                    path.unlink(missing_ok=True)

    def rewrite_pending(self, change: Callable[[Operation], Operation]) -> int:
        """Replace each pending operation by ``change(op)``, in place; returns how many changed.

        One atomic write per outbox chunk; ``change`` must be idempotent, so an interrupted
        rewrite is finished by running it again.
        """
        self._writable()
        changed = 0
        for rel in self._chunks():
            outbox = self._table(rel)
            updates: dict[str, dict[str, Any] | None] = {}
            for key, entry in outbox.raw().items():
                op = Operation.model_validate(entry["op"])
                new = change(op)
                if new != op:
                    updates[key] = {**entry, "op": new.model_dump(mode="json")}
            if updates:
                outbox.apply(updates)
                changed += len(updates)
        if changed:
            # ``change`` may give an operation another id: the index is read again when needed.
            self._outbox = None
        return changed

    def set_technician(self, name: str) -> None:
        """From now on this store records its changes as ``name`` (after a login)."""
        self._writable()
        meta = self._table(META)
        meta.put("identity", {**(meta.doc("identity") or {}), "technician": name})
        self.technician = name

    def merge_from_server(
        self,
        customers: Sequence[Customer],
        incidents: Sequence[Incident],
        prices: Sequence[SessionPrice] = (),
    ) -> None:
        """Take a page from the server, without making Operations.

        Customers carry the server's ledger; ``prices`` go into the held sessions'
        ``server_price`` (a price of a session this device does not hold is skipped). An
        incident keeps this device's work the server has not accepted: its pending and its
        refused notes and edits are laid over the server's copy (core.sync.effects). The
        page is written like ``import_records``: idempotent, so a crash is mended by pulling
        the page again, which the cursor (saved after it) makes happen.
        """
        priced = []
        for price in prices:
            found = self._find_session(price.session_id)
            if found is not None:
                priced.append(found.model_copy(update={"server_price": price.price}))
        if incidents:
            incidents = keep_local_work(incidents, self._unaccepted({i.id for i in incidents}))
        self.import_records(customers=customers, incidents=incidents, sessions=priced)

    def _unaccepted(self, incident_ids: set[str]) -> list[Operation]:
        """This device's refused, then pending, operations on these incidents, oldest first."""
        refused = [
            r.operation
            for r in list_rejections(self)
            if r.operation is not None and incident_of(r.operation) in incident_ids
        ]
        # Read raw, as ``pending_work`` does: a page costs nothing for other incidents' work.
        entries = [
            entry
            for rel in self._chunks()
            for entry in self._table(rel).raw().values()
            if entry["op"]["kind"] in _LAID_ON
            and entry["op"]["payload"].get("incident_id", entry["op"]["entity_id"]) in incident_ids
        ]
        pending = [
            Operation.model_validate(entry["op"])
            for entry in sorted(entries, key=lambda entry: entry["seq"])
        ]
        return [*refused, *pending]

    def pending_work(self, customer_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The kind and payload of each pending operation about a customer, oldest first.

        Read from the journal as it is, so a preview costs nothing for other customers' work.
        """
        found: list[tuple[int, str, dict[str, Any]]] = []
        for rel in self._chunks():
            for entry in self._table(rel).raw().values():
                op = entry["op"]
                if op["payload"].get("customer_id") == customer_id:
                    found.append((entry["seq"], op["kind"], op["payload"]))
        return [(kind, payload) for _seq, kind, payload in sorted(found, key=lambda f: f[0])]

    def _doc_file(self, name: str) -> str:
        return str(self._doc_path(name).relative_to(self.data_dir))

    def _doc_path(self, name: str) -> Path:
        if not _DOC_NAME.match(name):
            raise ValueError(f"not a document name: {name!r}")
        return self.data_dir / "docs" / f"{name}.json"

    def read_doc(self, name: str) -> dict[str, Any] | None:
        """A small document saved with ``write_doc``, or None."""
        doc = self._table_for_doc(name).doc("doc")
        return None if doc is None else dict(doc)

    def write_doc(self, name: str, doc: dict[str, Any]) -> None:
        """Durably save a small JSON document (one atomic write)."""
        self._writable()
        self._table_for_doc(name).put("doc", dict(doc))

    def _table_for_doc(self, name: str) -> KeyedTable:
        return self._table(self._doc_file(name))
