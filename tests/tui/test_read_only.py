"""``vardia --read-only``: a second look at data another vardia writes, without writing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from textual.widgets import Static

from core.clock import FrozenClock
from core.intake import IntakeRequest, open_incident
from core.models import Channel
from core.rules import Rules
from core.store import Store
from tests.tui.sync_support import queued, until
from tui.app import make_app
from tui.screens.queue import QueueScreen


async def test_the_app_offers_nothing_that_writes_and_shows_what_the_writer_commits(
    data_dir: Path, rules: Rules, clock: FrozenClock
) -> None:
    with Store.open(data_dir, clock=clock) as writer:
        reader = Store.open(data_dir, clock=clock, read_only=True)
        app = make_app(rules, reader, None, clock, tick=False)
        app.watch_seconds = 0.02
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: len(queued(app)) == 12)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            banner = str(screen.query_one(".read-only-banner", Static).content)
            assert banner.startswith("READ-ONLY")
            offered = {b.binding.action for b in screen.active_bindings.values()}
            assert "app.intake" not in offered and "acknowledge" not in offered
            assert "open" in offered and "search" in offered
            await pilot.press("t")  # the timer key does nothing here
            await pilot.pause()
            assert app.timer is None and screen is app.screen

            customer = writer.customers()[0]
            request = IntakeRequest(
                customer_id=customer.id, subject="Written elsewhere", requested_via=Channel.PHONE
            )
            opened = open_incident(writer, rules, request)
            await until(pilot, lambda: opened.id in queued(app))
        reader.close()


def test_a_command_under_read_only_changes_nothing_and_says_so(data_dir: Path) -> None:
    with Store.open(data_dir, read_only=True) as store:
        incident = store.open_incidents()[0]
    env = {"VARDIA_HOME": str(data_dir), "PATH": ""}
    asked = ["--read-only", "incident", "note", incident.ref, "a note"]
    done = subprocess.run(
        [sys.executable, "-m", "tui", *asked], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "read-only" in done.stderr
    with Store.open(data_dir, read_only=True) as store:
        assert store.incident(incident.id) == incident
