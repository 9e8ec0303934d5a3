"""Fixtures for the TUI tests: a real store in a temporary directory, seeded, and a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.clock import FrozenClock
from core.rules import Rules, load_rules
from core.store import Store
from server.embedded import LocalServer
from tests.tui.data import NOW, AppFactory, customers, incidents
from tui.app import VardiaApp, make_app


@pytest.fixture(scope="session")
def rules() -> Rules:
    return load_rules(None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def data_dir(
    tmp_path: Path, rules: Rules, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> Path:
    with Store.open(tmp_path, clock=clock, technician="tech") as store:
        people = customers()
        store.import_records(customers=people, incidents=incidents(rules, people))
    return tmp_path


@pytest.fixture
def open_app(data_dir: Path, rules: Rules, clock: FrozenClock) -> Iterator[AppFactory]:
    """Builds apps on the seeded store; each store is closed when the test ends."""
    stores: list[Store] = []

    def build(**kwargs: object) -> VardiaApp:
        store = Store.open(data_dir, clock=clock)
        stores.append(store)
        # No wall-clock ticking: tests move the frozen clock and call refresh_status themselves.
        options: dict[str, object] = {"tick": False, **kwargs}
        return make_app(rules, store, None, clock, **options)  # type: ignore[arg-type]

    yield build
    for store in stores:
        store.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    """A vardia-server address and database; ``start()`` runs a real server process on it."""
    local = LocalServer(tmp_path / "server-home")
    try:
        yield local
    finally:
        local.stop()
