"""Two technicians change one incident field unsynced; the second to sync reviews the conflict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from textual.widgets import OptionList

from core.clock import FrozenClock
from core.models import STATUS_LABELS, Incident, IncidentStatus
from core.rules import Rules
from core.sync.state import list_conflicts
from server.admin import admin_incidents
from server.embedded import LocalServer
from tests.tui.sync_support import header_sync, running_app, shared_incident, until, until_listed
from tui.app import VardiaApp
from tui.desk import Desk
from tui.screens.conflicts import ConflictsScreen


@dataclass(frozen=True)
class Clash:
    """One field both change: the first's change through the desk, the second's by a queue key."""

    field: str
    first: Callable[[Desk, str], Incident]
    key: str
    first_value: str
    second_value: str


CLASHES = [
    Clash(
        "status",
        lambda desk, incident_id: desk.set_status(incident_id, IncidentStatus.IN_PROGRESS),
        "a",
        "in_progress",
        "acknowledged",
    ),
    Clash("assignee", Desk.assign_to_me, "m", "anna", "bea"),
]


def syncing(app: VardiaApp) -> bool:
    return any(worker.group == "sync" and not worker.is_finished for worker in app.workers)


@pytest.mark.parametrize("resolution", ["dismiss", "reapply"])
@pytest.mark.parametrize("clash", CLASHES, ids=lambda clash: clash.field)
async def test_the_second_technician_sees_the_conflict_and_dismisses_or_reapplies_it(
    tmp_path: Path,
    rules: Rules,
    clock: FrozenClock,
    server: LocalServer,
    clash: Clash,
    resolution: str,
) -> None:
    # Anna's device clock runs a few minutes ahead, as two real devices' do.
    anna_clock = FrozenClock(clock.now() + timedelta(minutes=5))
    with shared_incident(tmp_path, server, rules, ("anna", anna_clock), ("bea", clock)) as (
        anna,
        bea,
        incident,
    ):
        app = running_app(bea, rules, clock)
        async with app.run_test() as pilot:
            await until_listed(pilot, app, incident)

            # Bea's change waits out the app's debounce before it is pushed; in that window,
            # with no round of hers under way and none able to start, Anna changes and syncs.
            await until(pilot, lambda: not syncing(app))
            await pilot.press(clash.key)
            await until(pilot, lambda: app.sync_view.pending == 1)
            clash.first(anna.desk, incident.id)
            anna.client.sync()
            assert bea.desk.pending_count() == 1, "Bea synced before Anna"

            await until(pilot, lambda: app.sync_view.conflicts > 0)
            assert header_sync(app) == "● synced just now · 0 pending · 1 conflict"

            await pilot.press("C")
            screen = app.screen
            assert isinstance(screen, ConflictsScreen)
            await until(pilot, lambda: screen.loaded)
            [conflict] = screen.conflicts
            assert (conflict.field, conflict.local, conflict.server) == (
                clash.field,
                clash.second_value,
                clash.first_value,
            )
            shown = str(screen.query_one(OptionList).get_option_at_index(0).prompt)
            # A status by the name people read (working, not in_progress).
            named = STATUS_LABELS if clash.field == "status" else {}
            for value in (clash.second_value, clash.first_value):
                assert repr(named.get(value, value)) in shown

            if resolution == "dismiss":
                await pilot.press("d")
                expected = clash.first_value
            else:
                await pilot.press("a")
                await until(pilot, lambda: app.sync_view.pending == 1)
                expected = clash.second_value
            await until(pilot, lambda: app.sync_view.pending == 0 and not screen.conflicts)
            assert screen.query_one(OptionList).option_count == 0
            assert bea.desk.locked(list_conflicts, bea.store) == []
    [on_server] = admin_incidents(server.engine, limit=10, offset=0)
    assert getattr(on_server, clash.field) == expected
