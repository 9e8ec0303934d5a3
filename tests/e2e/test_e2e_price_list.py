"""The vendor's price list travels from a real server process to a technician's real store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.clock import SystemClock
from core.models import Segment
from core.pricing import price_session
from core.store import Store
from core.sync.client import SyncClient
from core.sync.price_list import PRICE_LIST_DOC, load_rules_for
from core.sync.protocol import API_PREFIX
from server.embedded import LocalServer

ATHENS = ZoneInfo("Europe/Athens")
# A working Monday, 11:00–12:00: one hour in support hours.
HOUR = [
    Segment(
        start=datetime(2026, 11, 23, 11, tzinfo=ATHENS),
        end=datetime(2026, 11, 23, 12, tzinfo=ATHENS),
    )
]
PHONE_AT = "[plans.free.channels.phone]\nrate = {rate}\n"


@pytest.fixture
def vendor(database_url: str, tmp_path: Path) -> Iterator[LocalServer]:
    """A server whose own plans.toml prices the free plan's phone hour at 60 €."""
    server = LocalServer(tmp_path / "server-home", database_url)
    (server.home / "config").mkdir()
    (server.home / "config" / "plans.toml").write_text(PHONE_AT.format(rate=60))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "me" / "data", clock=SystemClock()) as opened:
        yield opened


def free_phone_hour(config_dir: Path, store: Store) -> Decimal:
    return price_session(load_rules_for(config_dir, store), "free", "phone", HOUR).net


def test_the_servers_price_list_prices_after_a_sync(
    vendor: LocalServer, store: Store, tmp_path: Path
) -> None:
    config = tmp_path / "me" / "config"
    assert free_phone_hour(config, store) == Decimal("50.00")
    with SyncClient(store, vendor.url, vendor.add_technician("alice"), device_id="d") as client:
        client.sync()
    assert free_phone_hour(config, store) == Decimal("60.00")
    config.mkdir(parents=True)
    (config / "plans.toml").write_text(PHONE_AT.format(rate=70))
    assert free_phone_hour(config, store) == Decimal("70.00")


def test_the_same_version_is_neither_sent_nor_written_again(
    vendor: LocalServer, store: Store
) -> None:
    token = vendor.add_technician("alice")
    with SyncClient(store, vendor.url, token, device_id="d") as client:
        client.sync()
        doc = store.data_dir / "docs" / f"{PRICE_LIST_DOC}.json"
        first = doc.stat()
        client.sync()
    again = doc.stat()
    # The store replaces a file to write it: a rewrite would change its inode.
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    version = store.read_doc(PRICE_LIST_DOC)["version"]  # type: ignore[index]
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=vendor.url + API_PREFIX, headers=headers, timeout=10) as http:
        pages = [
            http.get("/pull", params=params).json()
            for params in ({"price_list": version}, {"price_list": ""}, {})
        ]
    assert [page.get("price_list") is None for page in pages] == [True, False, True]
    assert pages[1]["price_list"]["version"] == version
