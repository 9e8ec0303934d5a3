"""A TinyDB storage that writes atomically and durably, and refuses damaged or newer files.

Each write serialises with orjson into a temp file in the same directory, fsyncs it,
keeps a hard link to the previous version as ``<file>.bak``, renames the temp file over
the original with ``os.replace`` and fsyncs the directory. A crash at any moment leaves
either the old or the new file, never a mix. Reads are served from memory after the
first load, since this process is the only writer (see ``lock.py``).

On disk every file is an envelope ``{"schema": N, "header": {...}, "tables": {...}}``:
TinyDB sees only ``tables``; the store keeps its bookkeeping (the journal sequence a
file has applied) in ``header``.

**Tails.** A big file (a month of sessions, a full outbox chunk) is not rewritten for a
small change: the records changed since it was last written go, whole, into its *tail*
``<file>.tail`` (an envelope whose ``removed`` lists the keys taken out), written the same
atomic way. A tail names the ``generation`` of the file it extends; rewriting the file
gives it the next generation and folds the tail in, so a tail left by a crash just after
that rewrite is recognised as stale and ignored. The file is rewritten when the tail
would hold more than ``TAIL_MAX_RECORDS`` records, so a save costs one small write and
the big one is paid once every so many saves.

**Deferred fsync.** ``batch(durable=False)`` writes atomically (a kill leaves the old or
the new file) but leaves the fsyncs to ``sync()``; the store does this for record files
whose changes its journal already holds durably, and syncs them before it forgets them.
Such a file's ``.bak`` is made when it is synced, not at each write: the backup is the file
as of the last checkpoint, and the journal holds every change since.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from core.bulk import collector_paused
from core.errors import SchemaTooNewError, StoreDamagedError, StoreError
from core.files import writing
from core.i18n import _
from core.store.layout import TABLE

__all__ = [
    "SCHEMA_VERSION",
    "TEMP_MARKER",
    "AtomicStorage",
    "KeyedTable",
    "atomic_write",
    "damaged",
    "fsync_dir",
    "fsync_file",
    "month_of",
    "open_db",
    "read_envelope",
    "remove_stale_temp_files",
]

SCHEMA_VERSION = 6
Unfiled = tuple[int, str, dict[str, Any] | None]
"""A journal entry's change to a file: its sequence, the record's key, the record (None:
removed)."""
TAIL_SUFFIX = ".tail"
TAIL_FROM_BYTES = 64 * 1024
"""A file at least this big takes small changes in its tail instead of being rewritten."""
TAIL_MAX_RECORDS = 64
COPIES_DIR = "refused"
"""A folder of the data directory that holds plain JSON copies a person asked for (refused
work copied out, core.sync.refused), not store files: nothing reads or migrates it."""
TEMP_MARKER = ".tmp-"

Tables = dict[str, dict[str, Any]]


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(
    path: Path, data: bytes, *, keep_backup: bool = True, durable: bool = True
) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new content, whole.

    ``durable`` False skips the fsyncs: the file survives a killed process, and a power
    cut once ``fsync_file`` and ``fsync_dir`` have run on it. Raises StoreWriteError, with
    the reason in a sentence, when the disk refuses.
    """
    with writing(path):
        _atomic_write(path, data, keep_backup=keep_backup, durable=durable)


def fsync_file(path: Path) -> None:
    """Make a file's content durable (one written with ``durable=False``)."""
    with writing(path):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _atomic_write(path: Path, data: bytes, *, keep_backup: bool, durable: bool) -> None:
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{path.name}{TEMP_MARKER}{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if durable:
            os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if keep_backup and path.exists():
            _keep_as_backup(path)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(directory)


def _keep_as_backup(path: Path) -> None:
    """``path`` as it is becomes ``<file>.bak``: a hard link costs no copy."""
    bak_tmp = path.with_name(f".{path.name}.bak{TEMP_MARKER}{secrets.token_hex(4)}")
    os.link(path, bak_tmp)
    os.replace(bak_tmp, path.with_name(path.name + ".bak"))


def remove_stale_temp_files(root: Path) -> list[Path]:
    """Delete temp files a crashed writer left behind; they never hold the only copy."""
    removed = []
    for tmp in root.rglob(f"*{TEMP_MARKER}*"):
        if tmp.is_file():
            tmp.unlink()
            removed.append(tmp)
    return removed


def damaged(path: Path, why: str) -> StoreDamagedError:
    return StoreDamagedError(
        _(
            "The data file {path} is damaged ({why}); it was left as it is: "
            "restore {path}.bak over it, or move it away to start without it."
        ).format(path=path, why=why)
    )


def read_envelope(path: Path) -> dict[str, Any] | None:
    """Load a file's envelope, or None when it does not exist; refuse damaged or newer files."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StoreError(
            _("The data file {path} cannot be read: {reason}.").format(
                path=path, reason=error.strerror or error
            )
        ) from None
    try:
        with collector_paused():
            envelope = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise damaged(path, _("not valid JSON: {error}").format(error=error)) from None
    if (
        not isinstance(envelope, dict)
        or not isinstance(envelope.get("schema"), int)
        or not isinstance(envelope.get("tables"), dict)
        or not isinstance(envelope.get("header", {}), dict)
        or not all(
            isinstance(table, dict) and all(isinstance(doc, dict) for doc in table.values())
            for table in envelope["tables"].values()
        )
    ):
        raise damaged(path, _("not a vardia data file"))
    if envelope["schema"] > SCHEMA_VERSION:
        raise SchemaTooNewError(
            _(
                "The data file {path} was written by a newer vardia (schema {found}, this one "
                "reads up to {known}); upgrade vardia to use it — the file was left as it is."
            ).format(path=path, found=envelope["schema"], known=SCHEMA_VERSION)
        )
    return envelope


class AtomicStorage(Storage):
    """TinyDB storage: atomic durable writes, an in-memory copy, and batches of writes.

    Inside ``with storage.batch():`` TinyDB's writes (one per table operation) are held
    and land on disk as a single atomic write when the block ends: the file's tail when
    the change is small and the file big (see the module docstring), else the whole file.
    """

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        upgrading: bool = False,
        journal: Sequence[Unfiled] = (),
    ) -> None:
        """``upgrading`` reads a file of an older schema too (``migrations``); it is written
        in the current one. ``journal`` are the journal's changes to the file, oldest first,
        laid over it when read (a read-only store's view of what its writer has not filed).
        """
        self.path = path
        self._journal = journal
        self.upgrading = upgrading
        self.tail_path = path.with_name(path.name + TAIL_SUFFIX)
        self.read_only = read_only
        self.header: dict[str, Any] = {}
        self._tables: Tables | None = None
        self._loaded = False
        self._depth = 0
        self._dirty = False
        self._durable = True
        self.version = 0
        self._generation = 0
        self._file_bytes = 0
        self._tail: dict[str, dict[str, Any | None]] = {}
        """Per table, the records changed since the file was written (None: removed)."""
        self._tail_on_disk = False
        """Whether a tail file may be beside the file, stale or not."""
        self._changes: dict[str, dict[str, Any | None]] | None = {}
        """The changes not yet on disk; None when a write did not say what it changed."""
        self._noted = False
        self.deferred = False
        """Whether the in-memory state holds changes not written, which the journal holds."""
        self.backup_each_write = True
        """False: the ``.bak`` is made by ``keep_backup`` alone (the journal's, at checkpoints)."""
        self.unsynced: set[Path] = set()
        """Files written with ``durable=False`` and not yet synced."""

    def read(self) -> Tables | None:
        if not self._loaded:
            envelope = read_envelope(self.path)
            # read_envelope refuses a newer schema: an other one is older.
            if envelope is not None and envelope["schema"] != SCHEMA_VERSION and not self.upgrading:
                raise StoreError(
                    _(
                        "The data file {path} is in an older format (schema {found}); start "
                        "vardia once with write access, with no other vardia running, to "
                        "upgrade it."
                    ).format(path=self.path, found=envelope["schema"])
                )
            self._tables = None if envelope is None else envelope["tables"]
            self.header = {} if envelope is None else dict(envelope.get("header", {}))
            self._generation = 0 if envelope is None else int(envelope.get("generation", 0))
            self._file_bytes = 0 if envelope is None else self.path.stat().st_size
            self._tail = {}
            self._changes = {}
            if envelope is not None:
                self._lay_tail()
            self._lay_journal()
            self._loaded = True
        return self._tables

    def _lay_journal(self) -> None:
        """Lay the journal's changes the file has not applied yet (see ``__init__``)."""
        applied = int(self.header.get("applied_seq", 0))
        later = [(key, doc) for seq, key, doc in self._journal if seq > applied]
        if not later:
            return
        if self._tables is None:
            self._tables = {}
        records = self._tables.setdefault(TABLE, {})
        for key, doc in later:
            if doc is None:
                records.pop(key, None)
            else:
                records[key] = doc

    def _lay_tail(self) -> None:
        """Apply the file's tail, when there is one for this generation of the file."""
        tail = read_envelope(self.tail_path)
        self._tail_on_disk = tail is not None
        if tail is None or tail.get("base") != self._generation:
            return
        removed = tail.get("removed", {})
        if not isinstance(removed, dict) or not all(
            isinstance(keys, list) and all(isinstance(k, str) for k in keys)
            for keys in removed.values()
        ):
            raise damaged(self.tail_path, _("not a vardia data file"))
        tables = cast(Tables, self._tables)
        for name, docs in tail["tables"].items():
            tables.setdefault(name, {}).update(docs)
            self._tail.setdefault(name, {}).update(docs)
        for name, keys in removed.items():
            for key in keys:
                tables.get(name, {}).pop(key, None)
                self._tail.setdefault(name, {})[key] = None
        self.header = dict(tail.get("header", {}))

    def note(self, table: str, changes: dict[str, Any | None]) -> None:
        """Say which records the next ``write`` changes, so a tail can carry them."""
        if self._changes is not None:
            self._changes.setdefault(table, {}).update(changes)
        self._noted = True

    def write(self, data: Tables) -> None:
        if self.read_only:
            raise RuntimeError("write to a store opened read-only")
        if not self._noted:
            self._changes = None
        self._noted = False
        self._tables = data
        self._loaded = True
        self._dirty = True
        self.version += 1
        if self._depth == 0:
            self.flush()

    def flush(self) -> None:
        """Put the in-memory state on disk; on failure forget it so the disk stays the truth,
        unless the journal holds the changes (``batch(deferred=True)``): they are kept."""
        if not self._dirty:
            return
        # Cleared first: the write's own sync must not write the same changes again.
        deferred, self.deferred = self.deferred, False
        try:
            tail = self._grown_tail()
            if tail is not None:
                self._write(self.tail_path, self._tail_envelope(tail), keep_backup=False)
                self._tail, self._tail_on_disk = tail, True
            else:
                self._write_whole()
        except BaseException:
            if deferred:
                self.deferred = True
            else:
                self.forget()
            raise
        self._dirty = False
        self._changes = {}

    def _grown_tail(self) -> dict[str, dict[str, Any | None]] | None:
        """The tail with the pending changes, or None when the whole file is to be written."""
        if self._changes is None or not self._file_bytes or self._file_bytes < TAIL_FROM_BYTES:
            # A tail extends a file that is on disk (an envelope is never empty).
            return None
        tail = {name: dict(docs) for name, docs in self._tail.items()}
        for name, docs in self._changes.items():
            tail.setdefault(name, {}).update(docs)
        if sum(len(docs) for docs in tail.values()) > TAIL_MAX_RECORDS:
            return None
        return tail

    def _tail_envelope(self, tail: dict[str, dict[str, Any | None]]) -> bytes:
        return orjson.dumps(
            {
                "schema": SCHEMA_VERSION,
                "base": self._generation,
                "header": self.header,
                "tables": {
                    n: {k: d for k, d in docs.items() if d is not None} for n, docs in tail.items()
                },
                "removed": {
                    n: [k for k, d in docs.items() if d is None] for n, docs in tail.items()
                },
            }
        )

    def _write_whole(self) -> None:
        generation = self._generation + 1
        data = orjson.dumps(
            {
                "schema": SCHEMA_VERSION,
                "generation": generation,
                "header": self.header,
                "tables": self._tables or {},
            }
        )
        # A file the journal backs is written without fsync, and its backup waits for the
        # fsync too (``sync``): the backup is then the file as of the last checkpoint, and
        # the journal holds every change since.
        self._write(self.path, data, keep_backup=self._durable and self.backup_each_write)
        self._generation, self._file_bytes, self._tail = generation, len(data), {}
        if self._tail_on_disk:
            # Stale from now on (it names the previous generation); removed to keep tidy.
            with writing(self.tail_path):
                self.tail_path.unlink(missing_ok=True)
            self._tail_on_disk = False
        self.unsynced.discard(self.tail_path)

    def _write(self, path: Path, data: bytes, *, keep_backup: bool) -> None:
        atomic_write(path, data, keep_backup=keep_backup, durable=self._durable)
        if self._durable:
            self.unsynced.discard(path)
            self.sync()
        else:
            self.unsynced.add(path)

    def keep_backup(self) -> None:
        """The file as it is on disk becomes its ``.bak``."""
        if self.path.exists():
            with writing(self.path):
                _keep_as_backup(self.path)

    def put_header(self, **values: Any) -> None:
        """Change header values alone, in one durable write (a tail's, for a big file)."""
        self.read()
        self.header.update(values)
        self._dirty = True
        self.flush()

    def sync(self, *, on_disk: bool = False) -> None:
        """Write what was deferred and make durable what was written with ``durable=False``;
        ``on_disk`` the file and its tail as they are on disk, whoever wrote them (a process
        killed before its fsyncs)."""
        if self.deferred:
            self._durable = False
            try:
                self.flush()
            finally:
                self._durable = True
        if on_disk:
            self.unsynced |= {self.path, self.tail_path}
        for path in sorted(self.unsynced):
            if path.exists():
                fsync_file(path)
                if path == self.path:
                    self.keep_backup()
        if self.unsynced and self.path.parent.is_dir():
            fsync_dir(self.path.parent)
        self.unsynced.clear()

    def forget(self) -> None:
        """Drop the in-memory copy; the next read loads the file again."""
        self._tables = None
        self._loaded = False
        self._dirty = self._noted = self.deferred = False
        self.header = {}
        self.version += 1

    @contextlib.contextmanager
    def batch(self, *, durable: bool = True, deferred: bool = False) -> Iterator[None]:
        """Hold TinyDB's writes and write them as one when the block ends.

        ``deferred`` changes whose journal entry is durable: they stay in memory, and are
        written with the next ``sync`` (a checkpoint) or any write of the file.
        """
        self.read()
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            self.forget()
            raise
        self._depth -= 1
        if self._depth == 0 and deferred:
            self.deferred = self.deferred or self._dirty
        elif self._depth == 0:
            self._durable = durable
            try:
                self.flush()
            finally:
                self._durable = True

    def close(self) -> None:
        self.flush()
        self.sync()


class KeyedTable(Table):
    """A TinyDB table whose documents are keyed by the record's own string id."""

    document_id_class = str  # type: ignore[assignment]

    def put(self, key: str, doc: dict[str, Any]) -> None:
        """Insert or wholly replace the document under ``key``."""
        self.apply({key: doc})

    def drop(self, key: str) -> None:
        self.apply({key: None})

    def doc(self, key: str) -> dict[str, Any] | None:
        """The stored document under ``key``, not copied: callers must not mutate it."""
        found: dict[str, Any] | None = self.raw().get(key)
        return found

    def apply(self, changes: dict[str, dict[str, Any] | None]) -> bool:
        """Put (or, for None, remove) many documents in one table update and one write.

        Returns whether anything changed: removing what is not there writes nothing. The
        table is changed in place, so a change costs what it changes, not the table's size.
        """
        storage = cast(AtomicStorage, self._storage)
        tables = storage.read() or {}
        current = tables.get(self.name, {})
        changes = {k: doc for k, doc in changes.items() if doc is not None or k in current}
        if not changes:
            return False
        table = tables.setdefault(self.name, current)
        for key, doc in changes.items():
            if doc is None:
                table.pop(key, None)
            else:
                table[key] = doc
        self.clear_cache()
        storage.note(self.name, changes)
        storage.write(tables)
        return True

    def raw(self) -> dict[str, Any]:
        """The stored documents by key, without copying them: callers must not mutate them."""
        result: dict[str, Any] = self._read_table()
        return result


class _DB(TinyDB):
    table_class = KeyedTable


def open_db(
    path: Path, *, read_only: bool = False, journal: Sequence[Unfiled] = ()
) -> tuple[TinyDB, AtomicStorage]:
    """A TinyDB on ``path`` with the atomic storage, and the storage itself."""
    db = _DB(path, storage=_storage_factory(read_only, journal))
    return db, cast(AtomicStorage, db.storage)


def _storage_factory(
    read_only: bool, journal: Sequence[Unfiled]
) -> Callable[[Path], AtomicStorage]:
    def make(path: Path) -> AtomicStorage:
        return AtomicStorage(Path(path), read_only=read_only, journal=journal)

    return make


def month_of(instant: datetime) -> str:
    """The YYYY-MM of an instant in Europe/Athens: the month files sessions and history live in."""
    from core.calendar import ATHENS

    return instant.astimezone(ATHENS).strftime("%Y-%m")
