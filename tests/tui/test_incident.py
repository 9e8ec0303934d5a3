"""The incident page: acknowledge, assign to me, add a note, change status — from the keyboard."""

from __future__ import annotations

from core.models import IncidentStatus
from tests.tui.data import AppFactory
from tui.app import VardiaApp
from tui.screens.dialogs import ChoiceDialog, TextDialog
from tui.screens.incident import IncidentScreen


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_actions_on_an_incident(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IncidentScreen)

        await pilot.press("a", "m")
        await _settle(app, pilot)
        incident = app.desk.incident_detail(screen.incident_id).incident
        assert incident.status is IncidentStatus.ACKNOWLEDGED
        assert incident.first_response_at is not None and incident.assignee == "tech"

        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, TextDialog)
        await pilot.press(*"Called back", "enter")
        await _settle(app, pilot)
        assert [n.text for n in app.desk.incident_detail(screen.incident_id).incident.notes] == [
            "Called back"
        ]
        assert "Called back" in str(screen.query_one("#incident-notes").render())

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("down", "down", "enter")  # new, acknowledged, in progress
        await _settle(app, pilot)
        incident = app.desk.incident_detail(screen.incident_id).incident
        assert incident.status is IncidentStatus.IN_PROGRESS


async def test_a_refused_change_is_one_sentence(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")
        await _settle(app, pilot)
        await pilot.press("s", "enter")  # new → new is not allowed
        await _settle(app, pilot)
        errors = [n.message for n in app._notifications if n.severity == "error"]
        assert errors and "cannot go from new to new" in errors[-1]
