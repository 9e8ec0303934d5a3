"""The app against a real vardia-server on 127.0.0.1: offline work, then sync by itself."""

from __future__ import annotations

import random
import re
from importlib.resources import files
from pathlib import Path

from core.clock import FrozenClock
from core.models import IncidentStatus
from core.rules import Rules
from core.store import Store
from core.sync.backoff import Backoff
from core.sync.client import SyncClient
from server.admin import admin_incidents, count_applied
from server.embedded import LocalServer
from tests.server.sync_factories import rewrite_incident
from tests.tui.sync_support import (
    header_sync,
    intake_form,
    queued,
    running_app,
    shared_incident,
    until,
    until_listed,
)
from tui.app import VardiaApp, make_app
from tui.widgets.status import SyncErrorLine


async def test_offline_work_is_kept_then_synced_once_the_server_is_up(
    data_dir: Path, rules: Rules, clock: FrozenClock, server: LocalServer
) -> None:
    token = server.add_technician("tech")
    with Store.open(data_dir, clock=clock) as store:
        backoff = Backoff(base=0.05, cap=0.2)
        with SyncClient(store, server.url, token, device_id=store.device_id, backoff=backoff) as c:
            app: VardiaApp = make_app(rules, store, c, clock, tick=False)
            async with app.run_test() as pilot:
                await until(pilot, lambda: app.sync_view.configured)
                assert app.sync_view.online is False

                app.change("opened", lambda: app.desk.open_incident(intake_form("Offline work")))
                await until(pilot, lambda: app.sync_view.pending == 1)
                assert app.sync_view.online is False  # the app kept working offline

                server.start()
                await until(pilot, lambda: app.sync_view.online and app.sync_view.pending == 0)
                assert app.sync_view.last_error is None
            assert count_applied(server.engine) == 1


async def test_a_change_online_shows_as_pending_then_syncs_by_itself_once(
    tmp_path: Path, rules: Rules, clock: FrozenClock, server: LocalServer
) -> None:
    with shared_incident(tmp_path, server, rules, ("dispatch", clock), ("tech", clock)) as (
        _dispatch,
        tech,
        incident,
    ):
        app = running_app(tech, rules, clock)
        async with app.run_test() as pilot:
            await until_listed(pilot, app, incident)
            assert header_sync(app) == "● synced just now · 0 pending"

            await pilot.press("a")  # acknowledge the incident under the cursor
            await until(pilot, lambda: app.sync_view.pending == 1)
            assert header_sync(app) == "● synced just now · 1 pending"

            await until(pilot, lambda: app.sync_view.pending == 0)
            assert header_sync(app) == "● synced just now · 0 pending"
    assert count_applied(server.engine) == 2  # the opening, and the acknowledgement once
    [on_server] = admin_incidents(server.engine, limit=10, offset=0)
    assert on_server.status is IncidentStatus.ACKNOWLEDGED


async def test_a_record_kept_aside_shows_in_the_header_with_the_reason_under_it(
    tmp_path: Path, rules: Rules, clock: FrozenClock, server: LocalServer
) -> None:
    with shared_incident(tmp_path, server, rules, ("dispatch", clock), ("tech", clock)) as (
        _dispatch,
        tech,
        incident,
    ):
        rewrite_incident(server, incident.id, opened_at="9999-12-31T00:00:00Z")
        app = running_app(tech, rules, clock)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: app.sync_view.kept_aside == 1)
            await pilot.pause()
            line = str(app.screen.query_one(SyncErrorLine).content)
            assert line.startswith("⚠ 1 record from the server kept aside · last sync: ")
            assert f"kept aside (incident {incident.id}" in line
            assert queued(app) == []


class _Longest(random.Random):
    """Draws the longest delay the backoff allows."""

    def uniform(self, a: float, b: float) -> float:
        return b


async def test_the_header_says_when_it_synced_r_says_what_it_did_and_a_probe_finds_the_server(
    data_dir: Path, rules: Rules, clock: FrozenClock, server: LocalServer
) -> None:
    """Offline: when the next try is and that it never synced; ``R`` says so; the server
    back, a probe runs the round at once, minutes before the backoff's turn."""
    token = server.add_technician("tech")
    with Store.open(data_dir, clock=clock) as store:
        backoff = Backoff(base=600, cap=600, rng=_Longest())  # alone it would wait 10 minutes
        with SyncClient(store, server.url, token, device_id=store.device_id, backoff=backoff) as c:
            app: VardiaApp = make_app(rules, store, c, clock, tick=False)
            app.probe_seconds = 0.05
            async with app.run_test(size=(80, 24)) as pilot:
                await until(pilot, lambda: app.sync_view.configured)
                await pilot.pause()
                assert header_sync(app) == "○ offline · 0 pending"
                line = str(app.screen.query_one(SyncErrorLine).content)
                assert re.match(r"⚠ retrying in \d+ s · never synced · last sync: The server", line)

                app.clear_notifications()
                await pilot.press("R")
                await until(pilot, lambda: bool(app._notifications))
                [said] = [n.message for n in app._notifications]
                assert said.startswith("Still offline: The server at ") and "Next try in" in said

                server.start()
                await until(pilot, lambda: app.sync_view.online)
                assert app.sync_view.retry_at is None and backoff.failures == 0
                await pilot.pause()
                assert header_sync(app) == "● synced just now · 0 pending"
                assert app.screen.query_one(SyncErrorLine).has_class("-idle")

                app.clear_notifications()
                app.change("opened", lambda: app.desk.open_incident(intake_form("Online")))
                await pilot.press("R")
                await until(pilot, lambda: app.sync_view.pending == 0 and bool(app._notifications))
                assert [n.message for n in app._notifications][-1] == (
                    "Synced: nothing waits to be sent."
                )


async def test_a_new_price_list_from_the_server_is_followed_without_a_restart(
    data_dir: Path, rules: Rules, clock: FrozenClock, server: LocalServer
) -> None:
    """The vendor shortened Business's SLA: after the round that brings the price list, new
    incidents are timed by it, and the app says so once."""
    config = server.home / "config"
    config.mkdir()
    plans = files("core").joinpath("defaults", "plans.toml").read_text("utf-8")
    shorter = plans.replace(
        'sla = { clock = "working_days", warn_percent = 75, deadline_hours = 24 }',
        'sla = { clock = "working_days", warn_percent = 75, deadline_hours = 12 }',
    )
    assert shorter != plans
    (config / "plans.toml").write_text(shorter)
    server.start()
    token = server.add_technician("tech")
    with (
        Store.open(data_dir, clock=clock) as store,
        SyncClient(store, server.url, token, device_id=store.device_id) as c,
    ):
        app: VardiaApp = make_app(rules, store, c, clock, tick=False)
        assert app.rules.plans.plan("business").sla.deadline_hours == 24
        async with app.run_test() as pilot:
            await until(pilot, lambda: app.sync_view.online)
            await pilot.pause()
            assert app.rules.plans.plan("business").sla.deadline_hours == 12
            said = [n.message for n in app._notifications]
            changed = "The vendor's price list changed: new work is priced and timed by it."
            assert said.count(changed) == 1
