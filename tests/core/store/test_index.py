"""Incidents are found through the index, reading only the files that hold them; a month's
statement reads the months it covers and the files of the incidents it shows."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest

from core.errors import NotFoundError
from core.models import IncidentStatus
from core.periods import Month
from core.rules import load_rules
from core.statements import load_statement
from core.store import Store
from core.store.index import bucket_of, id_key
from core.store.layout import sessions_file
from core.store.storage import atomic_write
from core.sync.protocol import OperationKind
from tests.core.store.store_records import T0, contracted, customer, incident, session

Opener = Callable[..., Store]


def _closed(store: Store, customer_id: str, at: datetime) -> str:
    """An incident opened and closed through commits; returns its id."""
    opened = incident(store, customer_id, at)
    store.commit(store.operation(OperationKind.INCIDENT_OPEN, opened.id, {}), incidents=[opened])
    closed = opened.model_copy(update={"status": IncidentStatus.CLOSED})
    store.commit(store.operation(OperationKind.INCIDENT_UPDATE, opened.id, {}), incidents=[closed])
    return opened.id


def _one_closed(open_store: Opener) -> str:
    """A store holding one incident closed 40 days ago, closed again; its id."""
    store = open_store()
    cust = customer()
    store.import_records(customers=[cust])
    closed = _closed(store, cust.id, T0 - timedelta(days=40))
    store.close()
    return closed


def test_an_incident_is_found_where_it_moved_reading_only_its_file(open_store: Opener) -> None:
    store = open_store()
    cust = customer()
    store.import_records(customers=[cust])
    ids = [_closed(store, cust.id, T0 - timedelta(days=31 * n)) for n in range(4)]
    wanted = store.incident(ids[2])
    store.close()

    reader = open_store(read_only=True)
    assert reader.incident(wanted.ref.lower()) == wanted
    assert reader.incident(wanted.id).status is IncidentStatus.CLOSED
    read = {f for f in reader.files_read if not f.startswith("index/")}
    # Besides, the journal's newest chunk, for the changes its writer has not filed yet.
    assert read == {
        f"history/incidents-{wanted.opened_at:%Y-%m}.json",
        "meta.json",
        "outbox/000000000001.json",
    }
    with pytest.raises(NotFoundError):
        reader.incident("nothing-like-it")


def test_an_entry_a_crash_left_pointing_elsewhere_is_searched_past_and_mended(
    open_store: Opener, data_dir: Path
) -> None:
    closed = _one_closed(open_store)
    bucket = data_dir / bucket_of(id_key(closed))
    envelope = orjson.loads(bucket.read_bytes())
    # As a crash after the index moved on, before the incident's own file was written.
    envelope["tables"]["records"][id_key(closed)] = {"file": "open.json"}
    atomic_write(bucket, orjson.dumps(envelope))

    store = open_store()
    assert store.incident(closed).status is IncidentStatus.CLOSED
    store.close()
    mended = orjson.loads(bucket.read_bytes())["tables"]["records"][id_key(closed)]
    assert mended["file"].startswith("history/")


def test_a_missing_index_is_rebuilt_when_the_store_opens(
    open_store: Opener, data_dir: Path
) -> None:
    closed = _one_closed(open_store)
    shutil.rmtree(data_dir / "index")

    store = open_store()
    assert (data_dir / "index").is_dir()
    assert store.incident(closed).id == closed


def test_a_dropped_incident_leaves_the_index(open_store: Opener) -> None:
    store = open_store()
    cust = customer()
    store.import_records(customers=[cust])
    dropped = incident(store, cust.id)
    store.import_records(incidents=[dropped])
    store.drop_records(incidents=[dropped])
    with pytest.raises(NotFoundError):
        store.incident(dropped.ref)
    assert store.incidents_by_id([dropped.id]) == {}


def _history(store: Store, customer_id: str, starts: list[datetime]) -> None:
    """A closed incident per start, each with a session at that start."""
    for start in starts:
        done = incident(store, customer_id, start, IncidentStatus.CLOSED)
        store.import_records(incidents=[done], sessions=[session(store, done, start)])


@pytest.mark.parametrize("pack", [None, "premium-4"], ids=["plain", "premium-pack"])
def test_a_statement_reads_its_months_and_the_files_of_its_incidents(
    open_store: Opener, pack: str | None
) -> None:
    rules = load_rules()
    store = open_store()
    cust = contracted("maintenance" if pack else "business", pack=pack)
    other = contracted("business")
    store.import_records(customers=[cust, other])
    first = datetime(2025, 10, 6, 9, tzinfo=T0.tzinfo)
    starts = [first + timedelta(days=30 * n) for n in range(13)]  # Oct 2025 … Sep 2026
    _history(store, cust.id, starts)
    _history(store, other.id, starts)
    queued = incident(store, cust.id)
    store.import_records(incidents=[queued])
    store.close()

    reader = open_store(read_only=True)
    statement = load_statement(reader, rules, cust.id, Month.parse("2026-03"))
    assert len(statement.lines) == 1
    read = reader.files_read
    assert all(count == 1 for count in read.values())
    # The customer's file of each month of the contract year up to March, no other.
    assert {f for f in read if f.startswith("sessions/")} == {
        sessions_file(f"2026-{m:02d}", cust.id) for m in (1, 2, 3)
    }
    history = {f for f in read if f.startswith("history/")}
    if pack is None:
        # Only the month's incident is shown: its file alone, and not the queue.
        assert history == {"history/incidents-2026-03.json"}
        assert "open.json" not in read
    else:
        # The contract year's premium incidents are counted: those of its sessions.
        assert history == {f"history/incidents-2026-{m:02d}.json" for m in (1, 2, 3)}
        assert "open.json" in read
