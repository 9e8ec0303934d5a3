"""One writer per data directory; damaged and newer files are named, explained and kept."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from core.errors import SchemaTooNewError, StoreDamagedError, StoreLockedError
from core.queue_entry import QueueEntry
from core.store import Store
from core.sync.protocol import OperationKind
from tests.core.store.store_records import customer, incident

Opener = Callable[..., Store]

OPEN_IN_CHILD = """
import sys
from core.errors import VardiaError
from core.store import Store
try:
    Store.open(sys.argv[1])
except VardiaError as error:
    print(error)
    sys.exit(2)
"""


def test_a_second_process_is_refused_while_the_first_holds_the_store(
    open_store: Opener, data_dir: Path
) -> None:
    store = open_store()
    child = subprocess.run(
        [sys.executable, "-c", OPEN_IN_CHILD, str(data_dir)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 2
    assert "Another vardia" in child.stdout and "read-only" in child.stdout
    store.close()
    again = subprocess.run(
        [sys.executable, "-c", OPEN_IN_CHILD, str(data_dir)], capture_output=True, check=False
    )
    assert again.returncode == 0


def test_a_second_writer_in_the_same_process_is_refused(open_store: Opener) -> None:
    open_store()
    with pytest.raises(StoreLockedError):
        open_store()


def _truncate(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


def _records_of(record: object) -> Callable[[bytes], bytes]:
    """A spoiler that keeps the envelope and puts ``record`` in place of every record."""

    def spoil(raw: bytes) -> bytes:
        envelope = orjson.loads(raw)
        envelope["tables"] = {"records": {"x": record}}
        return orjson.dumps(envelope)

    return spoil


def _newer(raw: bytes) -> bytes:
    return orjson.dumps({**orjson.loads(raw), "schema": 99})


@pytest.mark.parametrize(
    ("spoil", "error", "says"),
    [
        (lambda raw: b"\x00\x13garbage", StoreDamagedError, "restore"),
        (_truncate, StoreDamagedError, "restore"),
        (lambda raw: b"[1, 2, 3]", StoreDamagedError, "not a vardia data file"),
        (_records_of(5), StoreDamagedError, "not a vardia data file"),
        (_newer, SchemaTooNewError, "upgrade vardia"),
    ],
    ids=["garbage", "truncated", "foreign", "records-not-objects", "newer-schema"],
)
@pytest.mark.parametrize("name", ["customers.json", "meta.json", "outbox/000000000001.json"])
def test_a_spoilt_file_is_named_explained_and_left_as_it_was(
    open_store: Opener,
    data_dir: Path,
    name: str,
    spoil: Callable[[bytes], bytes],
    error: type[Exception],
    says: str,
) -> None:
    store = open_store()
    store.import_records(customers=[customer()])
    store.write_doc("x", {})
    store.commit(store.operation(OperationKind.INCIDENT_NOTE, "e", {}))
    store.close()
    path = data_dir / name
    spoilt = spoil(path.read_bytes())
    path.write_bytes(spoilt)

    with pytest.raises(error, match=says) as raised:
        reopened = open_store()
        reopened.customers()
    assert str(path) in str(raised.value)
    assert path.read_bytes() == spoilt


def test_a_record_of_the_wrong_shape_names_its_file_as_damaged(
    open_store: Opener, data_dir: Path
) -> None:
    store = open_store()
    store.import_records(customers=[customer()])
    store.close()
    path = data_dir / "customers.json"
    path.write_bytes(_records_of({"name": "no id, no plan"})(path.read_bytes()))

    with pytest.raises(StoreDamagedError, match="wrong shape, id: Field required") as raised:
        open_store().customers()
    assert str(path) in str(raised.value) and "restore" in str(raised.value)


def _open_with_one(open_store: Opener, data_dir: Path, change: dict[str, object]) -> Path:
    """A store whose one open incident's stored record has ``change`` laid over it."""
    store = open_store()
    store.import_records(customers=[customer()], incidents=[incident(store, "c1")])
    store.close()
    path = data_dir / "open.json"
    envelope = orjson.loads(path.read_bytes())
    for doc in envelope["tables"]["records"].values():
        doc.update(change)
    path.write_bytes(orjson.dumps(envelope))
    return path


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"deadline": "2026-03-02T10:00:00"}, "deadline: Input should have timezone info"),
        ({"subject": 12}, "subject: Input should be a valid string"),
        ({"status": "lost"}, "status: Input should be"),
    ],
)
def test_an_open_incident_the_queue_cannot_read_names_its_file_as_damaged(
    open_store: Opener, data_dir: Path, change: dict[str, object], says: str
) -> None:
    path = _open_with_one(open_store, data_dir, change)
    with pytest.raises(StoreDamagedError, match=says) as raised:
        open_store().queue_entries()
    assert str(path) in str(raised.value)


def test_the_queue_reads_what_the_records_say(open_store: Opener, data_dir: Path) -> None:
    # A time in another zone than the writer's, as a record from elsewhere may hold.
    _open_with_one(open_store, data_dir, {"warn_at": "2026-03-02T09:00:00-05:00"})
    store = open_store()
    assert store.queue_entries() == [QueueEntry.of(i) for i in store.open_incidents()]
