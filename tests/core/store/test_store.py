"""The store keeps what it was given, in the right files, with an outbox op per change."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import FrozenClock
from core.errors import NotFoundError, StoreError
from core.models import Channel, IncidentStatus, Timer
from core.store import Store
from core.sync.protocol import Operation, OperationKind
from tests.core.store.store_records import T0, customer, incident, session

Opener = Callable[..., Store]


def test_identity_is_set_on_first_open_and_kept(open_store: Opener) -> None:
    first = open_store(technician="eleni")
    device = first.device_id
    first.close()
    again = open_store(technician="someone-else")
    assert (again.technician, again.device_id) == ("eleni", device)
    assert again.next_ref() == f"{again.ref_prefix}-1"


def test_the_store_reads_no_environment(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The technician's name comes from the caller, who read it at the edge."""
    monkeypatch.setenv("VARDIA_TECHNICIAN", "from-the-environment")
    assert open_store().technician == "technician"


def test_a_committed_change_is_readable_after_reopening_and_queued_for_sync(
    open_store: Opener,
) -> None:
    store = open_store()
    cust = customer()
    store.import_records(customers=[cust])
    inc = incident(store, cust.id)
    op = store.operation(OperationKind.INCIDENT_OPEN, inc.id, inc.model_dump(mode="json"))
    store.commit(op, incidents=[inc])
    store.close()

    again = open_store()
    assert again.incident(inc.ref) == inc
    assert again.incident(inc.id.upper().lower()) == inc
    assert again.customer(cust.id).name == "Παπαδόπουλος Α.Ε."
    assert again.pending_operations(10) == [op]
    assert again.next_ref() == f"{again.ref_prefix}-2"


def test_a_change_reads_again_only_the_records_it_changed(open_store: Opener) -> None:
    """After a change the file's other records are the ones already read, the very objects;
    the changed, the added and the removed ones are read as they now are."""
    store = open_store()
    cust = customer()
    store.import_records(customers=[cust])
    first, second, third = (incident(store, cust.id) for _ in range(3))
    store.import_records(incidents=[first, second, third])
    before = {entry.id: entry for entry in store.queue_entries()}
    models = {i.id: i for i in store.open_incidents()}

    moved = second.model_copy(update={"status": IncidentStatus.WAITING, "assignee": "maria"})
    closed = third.model_copy(update={"status": IncidentStatus.CLOSED})
    fourth = incident(store, cust.id)
    store.commit(
        store.operation(OperationKind.INCIDENT_UPDATE, second.id, {}),
        incidents=[moved, closed, fourth],
    )

    after = {entry.id: entry for entry in store.queue_entries()}
    assert after.keys() == {first.id, second.id, fourth.id}
    assert after[first.id] is before[first.id]
    assert (after[second.id].status, after[second.id].assignee) == (IncidentStatus.WAITING, "maria")
    assert after[fourth.id].ref == fourth.ref
    again = {i.id: i for i in store.open_incidents()}
    assert again[first.id] is models[first.id]
    assert again[second.id] == moved


def test_closing_an_incident_moves_it_to_the_month_history(open_store: Opener) -> None:
    store = open_store()
    cust = customer()
    inc = incident(store, cust.id)
    open_op = store.operation(OperationKind.INCIDENT_OPEN, inc.id, {})
    store.commit(open_op, incidents=[inc])
    closed = inc.model_copy(update={"status": IncidentStatus.CLOSED})
    store.commit(store.operation(OperationKind.INCIDENT_UPDATE, inc.id, {}), incidents=[closed])

    assert store.open_incidents() == []
    assert store.incident(inc.ref).status is IncidentStatus.CLOSED
    assert store.incidents_for_customer(cust.id) == [closed]
    store.close()  # files the changes
    assert (store.data_dir / "history" / "incidents-2026-11.json").exists()


def test_sessions_filter_by_customer_month_and_technician(open_store: Opener) -> None:
    store = open_store()
    a, b = customer("Α"), customer("Β")
    inc_a, inc_b = incident(store, a.id), incident(store, b.id)
    s1 = session(store, inc_a, T0)
    s2 = session(store, inc_a, T0 + timedelta(days=20))
    s3 = session(store, inc_b, T0 + timedelta(days=1))
    store.import_records(customers=[a, b], incidents=[inc_a, inc_b], sessions=[s1, s2, s3])

    assert store.sessions() == [s1, s3, s2]
    assert store.sessions(customer_id=a.id) == [s1, s2]
    assert store.sessions(month="2026-11") == [s1, s3]
    assert store.sessions(month="2026-12", customer_id=b.id) == []
    assert store.sessions(technician="nobody") == []


def test_acknowledged_operations_leave_the_outbox_durably(open_store: Opener) -> None:
    store = open_store()
    ops = [store.operation(OperationKind.INCIDENT_NOTE, str(i), {}) for i in range(5)]
    for op in ops:
        store.commit(op)
    store.acknowledge([ops[0].op_id, ops[2].op_id, "unknown"])
    store.close()

    again = open_store()
    assert again.pending_count() == 3
    assert again.pending_operations(2) == [ops[1], ops[3]]


def test_server_records_merge_without_outbox_operations(open_store: Opener) -> None:
    store = open_store()
    cust = customer()
    inc = incident(store, cust.id)
    store.merge_from_server([cust], [inc])
    assert store.pending_count() == 0
    assert store.open_incidents() == [inc]
    assert store.customers() == [cust]


def test_documents_round_trip_and_survive_reopening(open_store: Opener) -> None:
    store = open_store()
    assert store.read_doc("sync-state") is None
    store.write_doc("sync-state", {"cursor": "42", "ελληνικά": "ναι"})
    store.close()
    assert open_store().read_doc("sync-state") == {"cursor": "42", "ελληνικά": "ναι"}


def test_timer_is_on_disk_from_its_first_write(open_store: Opener) -> None:
    store = open_store()
    timer = Timer(
        incident_id="x", technician=store.technician, channel=Channel.REMOTE, running_since=T0
    )
    store.put_timer(timer)
    store.close()
    assert open_store().timer() == timer


def test_unknown_ids_say_what_to_do(open_store: Opener) -> None:
    store = open_store()
    with pytest.raises(NotFoundError, match="vardia queue"):
        store.incident("ZZZ-9")
    with pytest.raises(NotFoundError, match="customer list"):
        store.customer("nope")


def test_read_only_store_reads_while_the_writer_runs_and_refuses_changes(
    open_store: Opener,
) -> None:
    writer = open_store()
    cust = customer()
    writer.import_records(customers=[cust])
    reader = open_store(read_only=True)
    assert reader.customers() == [cust]
    with pytest.raises(StoreError, match="read-only"):
        reader.import_records(customers=[cust])


def _record_files(data_dir: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(data_dir)): (path.stat().st_mtime_ns, path.stat().st_size)
        for path in data_dir.rglob("*")
        if path.is_file() and path.relative_to(data_dir).parts[0] != "outbox"
    }


def test_a_change_writes_its_journal_entry_alone_and_a_reader_sees_it_before_it_is_filed(
    open_store: Opener, data_dir: Path
) -> None:
    writer = open_store()
    cust = customer()
    writer.import_records(customers=[cust])
    inc = incident(writer, cust.id)
    writer.commit(writer.operation(OperationKind.INCIDENT_OPEN, inc.id, {}), incidents=[inc])
    before = _record_files(data_dir)

    done = session(writer, inc)
    writer.commit(
        writer.operation(OperationKind.SESSION_RECORD, done.id, {}),
        sessions=[done],
        incidents=[inc.model_copy(update={"status": IncidentStatus.IN_PROGRESS})],
    )
    assert _record_files(data_dir) == before  # only the journal was written
    assert writer.sessions(customer_id=cust.id) == [done]

    reader = open_store(read_only=True)
    assert reader.sessions(customer_id=cust.id) == [done]
    assert reader.incident(inc.ref).status is IncidentStatus.IN_PROGRESS
    assert reader.open_incidents()[0].status is IncidentStatus.IN_PROGRESS

    writer.close()  # files everything
    assert _record_files(data_dir) != before
    with Store.open(data_dir, clock=FrozenClock(T0), read_only=True) as after:
        assert after.sessions(customer_id=cust.id) == [done]
        assert after.incident(inc.ref).status is IncidentStatus.IN_PROGRESS


def test_stale_temp_files_are_removed_at_start(open_store: Opener, data_dir: Path) -> None:
    open_store().close()
    stale = data_dir / "sessions" / ".2026-11.json.tmp-deadbeef"
    stale.parent.mkdir()
    stale.write_bytes(b'{"half": ')
    open_store()
    assert not stale.exists()


def test_each_write_keeps_the_previous_version_as_bak(open_store: Opener, data_dir: Path) -> None:
    store = open_store()
    first, second = customer("Α"), customer("Β")
    store.import_records(customers=[first])
    before = (data_dir / "customers.json").read_bytes()
    store.import_records(customers=[second])
    assert (data_dir / "customers.json.bak").read_bytes() == before


def test_the_outbox_grows_in_chunks_and_acknowledged_chunks_go(
    open_store: Opener, data_dir: Path
) -> None:
    store = open_store()
    ops = [store.operation(OperationKind.INCIDENT_NOTE, str(i), {}) for i in range(600)]
    for op in ops:
        store.commit(op)
    chunks = sorted((data_dir / "outbox").glob("*.json"))
    assert len(chunks) == 3
    assert store.pending_operations(1000) == ops
    assert store.pending_operations(300) == ops[:300]

    store.acknowledge(op.op_id for op in ops[:300])
    assert not chunks[0].exists()
    store.acknowledge(op.op_id for op in ops[300:])
    assert store.pending_count() == 0
    store.close()

    again = open_store()
    later = again.operation(OperationKind.INCIDENT_NOTE, "later", {})
    again.commit(later)
    assert again.pending_operations(10) == [later]
    seqs = [entry["seq"] for entry in again._table(again._chunks()[-1]).raw().values()]
    assert seqs == [601]


_OPENED: list[str] | None = None
"""While a test counts, the paths this process opens (``sys.addaudithook`` cannot be undone)."""


def _count_opens(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _OPENED is not None and isinstance(args[0], str | Path):
        _OPENED.append(str(args[0]))


sys.addaudithook(_count_opens)


@contextmanager
def _chunks_opened(data_dir: Path) -> Iterator[set[str]]:
    """The outbox chunks read or written inside the block (a write opens ``.NAME.tmp-…``)."""
    global _OPENED
    _OPENED = []
    touched: set[str] = set()
    try:
        yield touched
    finally:
        opened, _OPENED = _OPENED, None
    outbox = data_dir / "outbox"
    touched.update(
        Path(path).name.lstrip(".").split(".")[0] for path in opened if Path(path).parent == outbox
    )


def _commit_notes(store: Store, count: int) -> list[Operation]:
    ops = [store.operation(OperationKind.INCIDENT_NOTE, str(i), {}) for i in range(count)]
    for op in ops:
        store.commit(op)
    return ops


def test_acknowledging_what_was_pushed_touches_only_its_chunks(
    open_store: Opener, data_dir: Path
) -> None:
    """The client pushes the oldest operations and acknowledges them: the work is theirs."""
    first = open_store()
    _commit_notes(first, 1000)
    first.close()
    store = open_store()
    names = [f"{seq:012d}" for seq in (1, 257, 513, 769)]
    with _chunks_opened(data_dir) as read:
        pushed = store.pending_operations(500)
    assert read == set(names[:2])
    with _chunks_opened(data_dir) as acknowledged:
        store.acknowledge(op.op_id for op in pushed)
    assert acknowledged == set(names[:2])
    assert store.pending_count() == 500


def test_acknowledging_one_operation_rewrites_only_its_chunk(
    open_store: Opener, data_dir: Path
) -> None:
    first = open_store()
    ops = _commit_notes(first, 1000)
    first.close()
    store = open_store()
    chunks = sorted((data_dir / "outbox").glob("*.json"))
    assert len(chunks) == 4

    def files() -> list[tuple[int, int]]:
        return [(path.stat().st_ino, path.stat().st_mtime_ns) for path in chunks]

    before = files()
    store.acknowledge([ops[300].op_id])
    after = files()
    assert [b == a for b, a in zip(before, after, strict=True)] == [True, False, True, True]

    store.acknowledge([ops[10].op_id, ops[900].op_id, "unknown"])
    again = files()
    assert [a == b for a, b in zip(after, again, strict=True)] == [False, True, True, False]
    assert store.pending_count() == 997
    assert ops[300] not in store.pending_operations(1000)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sets(st.integers(0, 40), max_size=6)), max_size=30))
def test_pending_operations_are_the_commits_not_yet_acknowledged_in_order(
    steps: list[set[int] | None],
) -> None:
    """``None`` commits an op; a set acknowledges the ops made at those positions."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        Store.open(Path(tmp), clock=FrozenClock(T0)) as store,
    ):
        made: list[Operation] = []
        pending: list[Operation] = []
        for step in steps:
            if step is None:
                op = store.operation(OperationKind.INCIDENT_NOTE, str(len(made)), {})
                store.commit(op)
                made.append(op)
                pending.append(op)
            else:
                gone = {made[i].op_id for i in step if i < len(made)}
                store.acknowledge(gone)
                pending = [op for op in pending if op.op_id not in gone]
        assert store.pending_operations(1000) == pending
        assert store.pending_count() == len(pending)
