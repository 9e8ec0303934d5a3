"""A data directory written by the first schema opens in this vardia with nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from core.clock import FrozenClock
from core.errors import StoreError
from core.store import Store
from core.store.migrations import STEPS
from core.store.storage import SCHEMA_VERSION
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
        STEPS[1](data_dir)

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
