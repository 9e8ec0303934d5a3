"""A TinyDB storage that writes atomically and durably, and refuses damaged or newer files.

Each write serialises with orjson into a temp file in the same directory, fsyncs it,
keeps a hard link to the previous version as ``<file>.bak``, renames the temp file over
the original with ``os.replace`` and fsyncs the directory. A crash at any moment leaves
either the old or the new file, never a mix. Reads are served from memory after the
first load, since this process is the only writer (see ``lock.py``).

On disk every file is an envelope ``{"schema": N, "header": {...}, "tables": {...}}``:
TinyDB sees only ``tables``; the store keeps its bookkeeping (the journal sequence a
file has applied) in ``header``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from core.calendar import ATHENS
from core.errors import SchemaTooNewError, StoreDamagedError, StoreError
from core.files import writing
from core.i18n import _

__all__ = [
    "SCHEMA_VERSION",
    "TEMP_MARKER",
    "AtomicStorage",
    "KeyedTable",
    "atomic_write",
    "damaged",
    "fsync_dir",
    "month_of",
    "open_db",
    "read_envelope",
    "remove_stale_temp_files",
]

SCHEMA_VERSION = 4
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


def atomic_write(path: Path, data: bytes, *, keep_backup: bool = True) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new content, whole.

    Raises StoreWriteError, with the reason in a sentence, when the disk refuses.
    """
    with writing(path):
        _atomic_write(path, data, keep_backup=keep_backup)


def _atomic_write(path: Path, data: bytes, *, keep_backup: bool) -> None:
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{path.name}{TEMP_MARKER}{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        if keep_backup and path.exists():
            # A hard link costs no copy: the old inode lives on as the backup.
            bak_tmp = directory / f".{path.name}.bak{TEMP_MARKER}{secrets.token_hex(4)}"
            os.link(path, bak_tmp)
            os.replace(bak_tmp, path.with_name(path.name + ".bak"))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(directory)


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
    and land on disk as a single atomic write when the block ends.
    """

    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        self.read_only = read_only
        self.header: dict[str, Any] = {}
        self._tables: Tables | None = None
        self._loaded = False
        self._depth = 0
        self._dirty = False
        self.version = 0

    def read(self) -> Tables | None:
        if not self._loaded:
            envelope = read_envelope(self.path)
            if envelope is not None and envelope["schema"] != SCHEMA_VERSION:
                raise StoreError(
                    _(
                        "The data file {path} is in an older format (schema {found}); start "
                        "vardia once with write access, with no other vardia running, to "
                        "upgrade it."
                    ).format(path=self.path, found=envelope["schema"])
                )
            self._tables = None if envelope is None else envelope["tables"]
            self.header = {} if envelope is None else dict(envelope.get("header", {}))
            self._loaded = True
        return self._tables

    def write(self, data: Tables) -> None:
        if self.read_only:
            raise RuntimeError("write to a store opened read-only")
        self._tables = data
        self._loaded = True
        self._dirty = True
        self.version += 1
        if self._depth == 0:
            self.flush()

    def flush(self) -> None:
        """Put the in-memory state on disk; on failure forget it so the disk stays the truth."""
        if not self._dirty:
            return
        envelope = {"schema": SCHEMA_VERSION, "header": self.header, "tables": self._tables or {}}
        try:
            atomic_write(self.path, orjson.dumps(envelope))
        except BaseException:
            self.forget()
            raise
        self._dirty = False

    def forget(self) -> None:
        """Drop the in-memory copy; the next read loads the file again."""
        self._tables = None
        self._loaded = False
        self._dirty = False
        self.header = {}
        self.version += 1

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        self.read()
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            self.forget()
            raise
        self._depth -= 1
        if self._depth == 0:
            self.flush()

    def close(self) -> None:
        self.flush()


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

        Returns whether anything changed: removing what is not there writes nothing.
        """
        current = self._read_table()
        changes = {k: doc for k, doc in changes.items() if doc is not None or k in current}

        def updater(table: dict[str, Any]) -> None:
            for key, doc in changes.items():
                if doc is None:
                    table.pop(key, None)
                else:
                    table[key] = doc

        if changes:
            self._update_table(updater)  # type: ignore[arg-type]
        return bool(changes)

    def raw(self) -> dict[str, Any]:
        """The stored documents by key, without copying them: callers must not mutate them."""
        result: dict[str, Any] = self._read_table()
        return result


class _DB(TinyDB):
    table_class = KeyedTable


def open_db(path: Path, *, read_only: bool = False) -> tuple[TinyDB, AtomicStorage]:
    """A TinyDB on ``path`` with the atomic storage, and the storage itself."""
    db = _DB(path, storage=_storage_factory(read_only))
    return db, cast(AtomicStorage, db.storage)


def _storage_factory(read_only: bool) -> Callable[[Path], AtomicStorage]:
    def make(path: Path) -> AtomicStorage:
        return AtomicStorage(Path(path), read_only=read_only)

    return make


def month_of(instant: datetime) -> str:
    """The YYYY-MM of an instant in Europe/Athens: the month files sessions and history live in."""
    return instant.astimezone(ATHENS).strftime("%Y-%m")
