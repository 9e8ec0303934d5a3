"""Tails and deferred fsync (core.store.storage, core.store.store): a small change to a big
file writes a small file, and what a power cut could take back the journal gives back."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.store import Store, storage
from core.store import store as store_module
from core.store.storage import open_db
from core.sync.protocol import OperationKind
from tests.core.store.store_records import T0, customer, incident, session


def _records(path: Path) -> dict[str, object]:
    return (storage.AtomicStorage(path, read_only=True).read() or {}).get("records", {})


def test_small_changes_to_a_big_file_go_to_its_tail_until_it_is_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(storage, "TAIL_FROM_BYTES", 1)
    monkeypatch.setattr(storage, "TAIL_MAX_RECORDS", 2)
    path = tmp_path / "big.json"
    db, _storage = open_db(path)
    table = db.table("records")
    table.put("a", {"n": 1})  # no file yet: written whole
    whole = path.read_bytes()
    table.put("b", {"n": 2})
    table.put("a", {"n": 3})
    table.drop("a")
    assert path.read_bytes() == whole  # the file stays; the tail holds the changes
    assert _records(path) == {"b": {"n": 2}}
    tail = path.with_name("big.json.tail").read_bytes()

    table.put("c", {"n": 4})  # a third key in the tail: the file is rewritten instead
    assert not path.with_name("big.json.tail").exists()
    assert _records(path) == {"b": {"n": 2}, "c": {"n": 4}}
    # A tail a crash left beside the rewritten file names the generation before: ignored.
    path.with_name("big.json.tail").write_bytes(tail)
    assert _records(path) == {"b": {"n": 2}, "c": {"n": 4}}


def test_record_files_a_power_cut_takes_back_are_refilled_from_the_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "CHECKPOINT_EVERY", 100)
    data_dir = tmp_path / "data"
    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        store.import_records(customers=[customer()])
        inc = incident(store, store.customers()[0].id)
        store.commit(store.operation(OperationKind.INCIDENT_OPEN, inc.id, {}), incidents=[inc])
    before = tmp_path / "before"
    shutil.copytree(data_dir, before)

    pid = os.fork()
    if pid == 0:  # saves three sessions and dies before any checkpoint
        try:
            store = Store.open(data_dir, clock=FrozenClock(T0))
            for _n in range(3):
                done = session(store, inc)
                op = store.operation(OperationKind.SESSION_RECORD, done.id, {})
                store.commit(op, sessions=[done])
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    (data_dir / "vardia.lock").unlink(missing_ok=True)
    # The power cut: the record files' unsynced renames are lost, the journal's are not.
    shutil.rmtree(data_dir / "sessions", ignore_errors=True)
    for name in ("open.json", "timer.json"):
        if (before / name).exists():
            shutil.copy2(before / name, data_dir / name)

    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        stored = {s.id for s in store.sessions()}
        pending = {op.entity_id for op in store.pending_operations(100)}
        assert len(stored) == 3
        assert stored <= pending


def test_a_change_acknowledged_before_it_was_filed_survives_a_kill(tmp_path: Path) -> None:
    """Acknowledging takes entries out of the journal: what they hold is filed first."""
    data_dir = tmp_path / "data"
    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        store.import_records(customers=[customer()])
        inc = incident(store, store.customers()[0].id)
        store.import_records(incidents=[inc])

    pid = os.fork()
    if pid == 0:  # saves a session, has it acknowledged, and dies without closing
        try:
            store = Store.open(data_dir, clock=FrozenClock(T0))
            done = session(store, inc)
            op = store.operation(OperationKind.SESSION_RECORD, done.id, {})
            store.commit(op, sessions=[done])
            store.acknowledge([op.op_id])
            (data_dir / "saved").write_text(done.id)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    (data_dir / "vardia.lock").unlink(missing_ok=True)

    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        assert store.pending_count() == 0
        assert [s.id for s in store.sessions()] == [(data_dir / "saved").read_text()]
