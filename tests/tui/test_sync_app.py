"""The app against a real vardia-server on 127.0.0.1: offline work, then sync by itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from core.clock import FrozenClock
from core.models import Answer, Category, Channel
from core.rules import Rules
from core.store import Store
from core.sync.backoff import Backoff
from core.sync.client import SyncClient
from server.embedded import LocalServer
from server.service import count_applied
from tui.app import VardiaApp, make_app
from tui.desk import IntakeForm

ROUNDS = 2000  # bounds a failing wait; each round yields to the app once


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    local = LocalServer(tmp_path / "server-home")
    try:
        yield local
    finally:
        local.stop()


async def _until(pilot: Pilot[None], condition: Callable[[], bool]) -> None:
    for _round in range(ROUNDS):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("the app never reached the expected state")


def _form(subject: str) -> IntakeForm:
    return IntakeForm(
        customer_id="c0000",
        subject=subject,
        description="",
        category=Category.SOFTWARE,
        requested_via=Channel.PHONE,
        backups=Answer.YES,
        no_third_party=Answer.YES,
        override_reason=None,
        scope_override_reason=None,
        bill_without_premium=False,
    )


async def test_offline_work_is_kept_then_synced_once_the_server_is_up(
    data_dir: Path, rules: Rules, clock: FrozenClock, server: LocalServer
) -> None:
    token = server.add_technician("tech")
    with Store.open(data_dir, clock=clock) as store:
        backoff = Backoff(base=0.05, cap=0.2)
        with SyncClient(store, server.url, token, device_id=store.device_id, backoff=backoff) as c:
            app: VardiaApp = make_app(rules, store, c, clock, tick=False)
            async with app.run_test() as pilot:
                await _until(pilot, lambda: app.sync_view.configured)
                assert app.sync_view.online is False

                app.change("opened", lambda: app.desk.open_incident(_form("Offline work")))
                await _until(pilot, lambda: app.sync_view.pending == 1)
                assert app.sync_view.online is False  # the app kept working offline

                server.start()
                await _until(pilot, lambda: app.sync_view.online and app.sync_view.pending == 0)
                assert app.sync_view.last_error is None
            assert count_applied(server.engine) == 1
