"""Who is on it: the timer claims what it times, keys show only what the rules allow, and a
status has one name everywhere."""

from __future__ import annotations

from textual.widgets import Static
from textual.widgets._footer import FooterKey

from core.models import IncidentStatus
from tests.tui.data import AppFactory
from tui.app import VardiaApp
from tui.screens.incident import IncidentScreen
from tui.screens.queue import QueueScreen


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _first_incident(app: VardiaApp, pilot) -> IncidentScreen:  # type: ignore[no-untyped-def]
    """The page of the queue's first incident, loaded."""
    await _settle(app, pilot)
    await pilot.press("enter")
    await _settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, IncidentScreen)
    return screen


def _keys(screen: object) -> dict[str, FooterKey]:
    assert isinstance(screen, IncidentScreen | QueueScreen)
    return {
        key.key: key for key in screen.query(FooterKey) if "-command-palette" not in key.classes
    }


async def test_starting_the_timer_puts_the_incident_in_my_queue(open_app: AppFactory) -> None:
    """Three incidents worked used to leave "Queue: mine" at 0: the timer now claims them."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        first = queue.current_incident_id
        assert first is not None
        assert app.desk.incident_detail(first).incident.assignee is None
        mine = {i.id for i in app.desk.load_queue()[0] if i.assignee == "tech"}
        await pilot.press("t", "enter")  # the phone
        await _settle(app, pilot)
        claimed = app.desk.incident_detail(first).incident
        assert claimed.assignee == "tech" and claimed.first_response_at is not None
        assert claimed.status is IncidentStatus.IN_PROGRESS
        await pilot.press("f")  # mine
        await _settle(app, pilot)
        count = str(queue.query_one("#queue-count", Static).render())
        assert count.startswith(f"{len(mine) + 1} of ")
        assert {row.incident.id for row in queue.table.rows} == mine | {first}
        lines = [queue.table.render_line(y).text for y in range(len(queue.table.rows))]
        assert any(" working " in line and claimed.ref in line for line in lines)


async def test_the_incident_offers_only_what_its_status_allows(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _first_incident(app, pilot)
        assert {"a", "s", "n", "w", "t"} <= set(_keys(screen))
        assert "e" not in _keys(screen)  # no session yet

        app.desk.set_status(screen.incident_id, IncidentStatus.RESOLVED)
        screen.reload()
        await _settle(app, pilot)
        keys = _keys(screen)
        # Resolved: no acknowledge, no timer (it refuses), but a status to reopen or close.
        assert "a" not in keys and "t" not in keys and "s" in keys
        await pilot.press("a")
        await _settle(app, pilot)
        assert app.desk.incident_detail(screen.incident_id).incident.status is (
            IncidentStatus.RESOLVED
        )

        app.desk.set_status(screen.incident_id, IncidentStatus.CLOSED)
        screen.reload()
        await _settle(app, pilot)
        assert "s" not in _keys(screen)


async def test_the_incident_footer_fits_80_columns(open_app: AppFactory) -> None:
    """The most keys an incident offers: new (acknowledge), with a session to edit."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _first_incident(app, pilot)
        await pilot.press("w", *"9:00/9:40", "tab", "tab", *"forgot", "ctrl+s")
        await _settle(app, pilot)
        keys = _keys(screen)
        assert {"a", "s", "n", "e", "w", "question_mark", "t"} <= set(keys)
        palette = next(k for k in screen.query(FooterKey) if "-command-palette" in k.classes)
        assert all(key.region.right <= palette.region.x for key in keys.values())
