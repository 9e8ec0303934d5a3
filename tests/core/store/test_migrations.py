"""A data directory written by the first schema opens in this vardia with nothing lost."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from core.clock import FrozenClock
from core.errors import StoreError
from core.store import COPIES_DIR, Store
from core.store.layout import session_shard
from core.store.migrations import STEPS
from core.store.storage import SCHEMA_VERSION, TEMP_MARKER
from tests.core.store.store_records import T0

FIXTURE = Path(__file__).parent / "fixtures" / "v1"


def _schema(path: Path) -> int:
    return int(orjson.loads(path.read_bytes())["schema"])


@pytest.mark.parametrize("interrupted", [False, True], ids=["clean", "after-a-crash"])
def test_first_schema_directory_is_migrated(tmp_path: Path, interrupted: bool) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE, data_dir)
    legacy = orjson.loads((data_dir / "sessions.json").read_bytes())["tables"]["records"]
    if interrupted:
        # The step ran but vardia died before meta.json said so: the next open redoes it.
        STEPS[1](data_dir, T0)

    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        assert store.technician == "nikos"
        assert {s.id for s in store.sessions()} == set(legacy)
        assert len(store.sessions(month="2026-11")) == 2
        assert len(store.sessions(month="2026-12")) == 1
        assert store.pending_count() == 2
        assert store.timer() is not None
        assert [i.customer_id for i in store.open_incidents()] == [store.customers()[0].id]

    assert not (data_dir / "sessions.json").exists()
    assert {_schema(p) for p in data_dir.rglob("*.json")} == {SCHEMA_VERSION}


def test_a_read_only_open_of_an_old_directory_says_how_to_upgrade(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "data")
    before = (tmp_path / "data" / "customers.json").read_bytes()
    with (
        pytest.raises(StoreError, match=r"older format.*with write access"),
        Store.open(tmp_path / "data", read_only=True) as store,
    ):
        store.customers()
    assert (tmp_path / "data" / "customers.json").read_bytes() == before


FIXTURE_V2 = Path(__file__).parent / "fixtures" / "v2"
"""Made by the vardia before one ledger per customer: three customers, five pending
operations (three incidents, of which one claimed the premium pack, and two sessions) whose
debits that vardia wrote into the customer records."""


@pytest.mark.parametrize("interrupted", [False, True], ids=["clean", "after-a-crash"])
def test_customers_lose_the_unpushed_work_the_second_schema_debited_into_them(
    tmp_path: Path, interrupted: bool
) -> None:
    from core.intake import standing_of
    from core.models import Channel
    from core.rules import load_rules

    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE_V2, data_dir)
    records = orjson.loads((data_dir / "customers.json").read_bytes())["tables"]["records"]
    assert records["c-basic"]["entitlements"]["included_used_hours"] == {"remote": "3.0000"}
    if interrupted:
        STEPS[2](data_dir, T0)

    rules = load_rules()
    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        assert store.pending_count() == 5
        basic, pack, free = (store.customer(c) for c in ("c-basic", "c-pack", "c-free"))
        # The server's ledger as the device last had it...
        assert basic.entitlements is not None and pack.entitlements is not None
        assert basic.entitlements.included_used_hours[Channel.REMOTE] == 2
        assert pack.entitlements.premium_incidents_used == 1
        assert free.prepaid_credit == 10
        # ...and the previews still count the pending work once.
        today = T0.date()
        assert standing_of(store, rules, basic, today).used_hours[Channel.REMOTE] == 3
        assert standing_of(store, rules, pack, today).premium_used == 2
        assert standing_of(store, rules, free, today).credit == 0
    assert {_schema(p) for p in data_dir.rglob("*.json")} == {SCHEMA_VERSION}


def test_copies_of_refused_work_in_the_data_folder_are_left_alone_by_a_migration(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE_V2, data_dir)
    copy = data_dir / COPIES_DIR / "0193-refused.json"
    copy.parent.mkdir()
    copy.write_text('{"op_id": "0193", "reason": "too long"}\n', "utf-8")
    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        assert store.pending_count() == 5
    assert copy.read_text("utf-8") == '{"op_id": "0193", "reason": "too long"}\n'


FIXTURE_V3 = Path(__file__).parent / "fixtures" / "v3"
"""Made by the vardia before the incident index: one customer, incidents closed in
September (V3-0001) and resolved in October (V3-0002, with a session), one open (V3-0003)."""


@pytest.mark.parametrize("interrupted", [False, True], ids=["clean", "after-a-crash"])
def test_the_third_schema_gets_an_index_that_finds_every_incident(
    tmp_path: Path, interrupted: bool
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE_V3, data_dir)
    if interrupted:
        # The index was built but vardia died before meta.json said so, with a build
        # half done beside it: the next open builds it again.
        STEPS[3](data_dir, T0)
        (data_dir / f".index{TEMP_MARKER}dead" / "index").mkdir(parents=True)

    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        where = {ref: store.incident(ref.lower()).id for ref in ("V3-0001", "V3-0002", "V3-0003")}
        assert where == {"V3-0001": "i-sept", "V3-0002": "i-oct", "V3-0003": "i-open"}
        history_reads = {f for f in store.files_read if f.startswith("history/")}
        # Found through the index: only the files that hold them were read.
        assert history_reads == {"history/incidents-2026-09.json", "history/incidents-2026-10.json"}
        assert set(store.incidents_by_id(["i-oct", "i-open", "i-gone"])) == {"i-oct", "i-open"}
        assert store.pending_count() == 2
        assert [s.id for s in store.sessions(incident_id="i-oct")] == ["s-oct"]

    assert {_schema(p) for p in data_dir.rglob("*.json")} == {SCHEMA_VERSION}
    assert not list(data_dir.glob(f".index{TEMP_MARKER}*"))


def test_the_fourth_schema_opens_in_the_current_one_with_everything_in_it(tmp_path: Path) -> None:
    """Schema 5 adds tails; a store written by the version before opens with all its work,
    and its files say the current schema, so a vardia that does not read tails refuses them."""
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE_V3.with_name("v4"), data_dir)
    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        assert {store.incident(r).id for r in ("V3-0001", "V3-0002", "V3-0003")} == {
            "i-sept",
            "i-oct",
            "i-open",
        }
        assert store.pending_count() == 2
        assert [s.id for s in store.sessions(incident_id="i-oct")] == ["s-oct"]
    assert {_schema(p) for p in data_dir.rglob("*.json")} == {SCHEMA_VERSION}


FIXTURE_V5 = Path(__file__).parent / "fixtures" / "v5"
"""Made by the vardia before sessions were kept by customer: customers c-alpha and c-beta,
sessions s-oct-a, s-oct-b (October), s-nov-a (November) and two November sessions saved by
the timer (journal entries 1, alpha's, and 2, beta's, still pending), which its month file
holds in its tail."""
TIMED = {1: "01a237c3-bcf4-7d4a-a059-0e3dce326811", 2: "01a237c3-bd4b-79e8-84da-d231ac265b78"}


def _edit_envelope(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    envelope = orjson.loads(path.read_bytes())
    change(envelope)
    path.write_bytes(orjson.dumps(envelope))


def _killed_before_filing_the_last_session(data_dir: Path) -> None:
    """As if vardia died after journaling entry 2 and before filing its session."""

    def unfiled(tail: dict[str, Any]) -> None:
        del tail["tables"]["records"][TIMED[2]]
        tail["header"]["applied_seq"] = 1

    def not_synced(tail: dict[str, Any]) -> None:
        tail["header"]["synced_seq"] = 1

    _edit_envelope(data_dir / "sessions" / "2026-11.json.tail", unfiled)
    _edit_envelope(data_dir / "outbox" / "000000000001.json.tail", not_synced)


@pytest.mark.parametrize("crash", ["none", "before-filing", "mid-migration"])
def test_the_fifth_schema_keeps_each_customers_sessions_in_its_own_file(
    tmp_path: Path, crash: str
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE_V5, data_dir)
    if crash == "before-filing":
        _killed_before_filing_the_last_session(data_dir)
    if crash == "mid-migration":
        # The step ran but vardia died before meta.json said so: the next open redoes it.
        STEPS[5](data_dir, T0)

    with Store.open(data_dir, clock=FrozenClock(T0)) as store:
        by_customer = {
            who: [s.id for s in store.sessions(customer_id=who)] for who in ("c-alpha", "c-beta")
        }
        assert by_customer == {
            "c-alpha": ["s-oct-a", "s-nov-a", TIMED[1]],
            "c-beta": ["s-oct-b", TIMED[2]],
        }
        assert store.pending_count() == 2
        assert [s.id for s in store.sessions(month="2026-11")] == ["s-nov-a", TIMED[1], TIMED[2]]

    files = {
        str(p.relative_to(data_dir / "sessions"))
        for p in (data_dir / "sessions").rglob("*")
        if p.suffix != ".bak"
    }
    alpha, beta = session_shard("c-alpha"), session_shard("c-beta")
    assert files == {
        "2026-10",
        "2026-11",
        *(f"{month}/{shard}" for month in ("2026-10", "2026-11") for shard in (alpha, beta)),
    }
    assert {_schema(p) for p in data_dir.rglob("*.json")} == {SCHEMA_VERSION}
    with Store.open(data_dir, read_only=True) as reader:
        assert [s.id for s in reader.sessions(customer_id="c-beta", month="2026-11")] == [TIMED[2]]
        assert set(reader.files_read) == {
            "meta.json",
            "outbox/000000000001.json",
            f"sessions/2026-11/{beta}",
        }
