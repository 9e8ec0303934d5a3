"""Fixtures of the store tests: a store on a fresh tmp data directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.store import Store
from tests.core.store.store_records import T0


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def open_store(data_dir: Path) -> Iterator[Callable[..., Store]]:
    """Opens stores on the test's data directory and closes them at the end."""
    opened: list[Store] = []

    def opener(read_only: bool = False, technician: str | None = None) -> Store:
        store = Store.open(
            data_dir, clock=FrozenClock(T0), read_only=read_only, technician=technician
        )
        opened.append(store)
        return store

    yield opener
    for store in opened:
        store.close()
