"""The desk's sync round holds the store lock only around store calls, never across a request."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from core.clock import FrozenClock
from core.rules import Rules
from core.store import Store
from core.sync.client import SyncClient
from tui.desk import Desk

BOUND = 30.0  # only bounds a failing run; a passing one never waits for it


def test_screens_read_the_store_while_a_sync_request_waits_on_the_server(
    data_dir: Path, rules: Rules, clock: FrozenClock
) -> None:
    in_flight, release = threading.Event(), threading.Event()

    def stalled(request: httpx.Request) -> httpx.Response:
        in_flight.set()
        release.wait(BOUND)
        return httpx.Response(503)

    with Store.open(data_dir, clock=clock) as store:
        client = SyncClient(
            store, "https://vardia.test", "t", device_id="d", transport=httpx.MockTransport(stalled)
        )
        desk = Desk(store, rules, clock, client.store_lock)
        syncing = threading.Thread(target=desk.sync_round, args=(client,))
        syncing.start()
        try:
            assert in_flight.wait(BOUND)
            read: list[int] = []
            reader = threading.Thread(target=lambda: read.append(len(desk.load_queue()[0])))
            reader.start()
            reader.join(BOUND)
            assert read and read[0] > 0, "the queue could not be read during the request"
        finally:
            release.set()
            syncing.join(BOUND)
            client.close()
    assert not syncing.is_alive()
