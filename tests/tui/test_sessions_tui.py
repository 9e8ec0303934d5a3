"""Sessions corrected from the keyboard: work added without the timer, an edit with its
reason and history, a running timer discarded after asking, and undo."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import Input, Static

from tests.tui.data import AppFactory
from tui.app import VardiaApp
from tui.screens.dialogs import ChoiceDialog
from tui.screens.incident import IncidentScreen
from tui.screens.session_editor import SessionEditor


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def _fill(app: VardiaApp, pilot, segments: str, reason: str) -> None:  # type: ignore[no-untyped-def]
    app.screen.query_one("#session-segments", Input).value = segments
    app.screen.query_one("#session-reason", Input).value = reason
    await pilot.press("ctrl+s")
    await _settle(app, pilot)


async def _add_work(app: VardiaApp, pilot) -> str:  # type: ignore[no-untyped-def]
    """Open the first incident of the queue and its editor of work added by hand."""
    await _settle(app, pilot)
    await pilot.press("enter")
    await _settle(app, pilot)
    assert isinstance(app.screen, IncidentScreen)
    incident_id = app.screen.incident_id
    await pilot.press("w")
    await pilot.pause()
    assert isinstance(app.screen, SessionEditor)
    return incident_id


def _sessions(app: VardiaApp, incident_id: str):  # type: ignore[no-untyped-def]
    return app.desk.store.sessions(incident_id=incident_id)


async def test_work_added_then_edited_keeps_its_history_and_undo_edits_it_back(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        incident_id = await _add_work(app, pilot)
        await _fill(app, pilot, "9:00/9:40", "forgot the timer")
        [added] = _sessions(app, incident_id)
        assert added.edits[0].reason == "forgot the timer" and not added.edits[0].old_segments
        assert isinstance(app.screen, IncidentScreen)

        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, SessionEditor)
        assert "forgot the timer" in str(app.screen.query_one("#session-history Static").render())
        await _fill(app, pilot, "9:00/9:20", "it was twenty minutes")
        [edited] = _sessions(app, incident_id)
        assert edited.segments[0].end - edited.segments[0].start == timedelta(minutes=20)

        await pilot.press("u")
        await _settle(app, pilot)
        [reverted] = _sessions(app, incident_id)
        assert reverted.segments == added.segments
        assert [e.reason for e in reverted.edits] == [
            "forgot the timer",
            "it was twenty minutes",
            "undo",
        ]
        await pilot.press("u")  # an undo is not undone
        await _settle(app, pilot)
        assert len(_sessions(app, incident_id)[0].edits) == 3


async def test_the_editor_says_each_fields_mistake_beside_it_and_stays_open(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        incident_id = await _add_work(app, pilot)
        await _fill(app, pilot, "10:00/9:00", "")
        editor = app.screen
        assert isinstance(editor, SessionEditor)
        segments_error = str(editor.query_one("#session-segments-error", Static).render())
        reason_error = str(editor.query_one("#session-reason-error", Static).render())
        assert "is before the start" in segments_error
        assert reason_error.startswith("Say why")
        await _fill(app, pilot, "11:00/12:00", "x")
        assert "is still to come" in str(editor.query_one("#session-segments-error").render())
        await pilot.press("escape")
        await pilot.pause()
        assert _sessions(app, incident_id) == []


async def test_a_running_timer_is_discarded_after_asking_and_undo_brings_it_back(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("t", "enter")
        await _settle(app, pilot)
        started = app.timer
        assert started is not None
        app.clock.advance(timedelta(minutes=5))
        await pilot.press("X")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # the first choice keeps it
        await _settle(app, pilot)
        assert app.timer is not None
        await pilot.press("X")
        await pilot.pause()
        await pilot.press("down", "enter")
        await _settle(app, pilot)
        assert app.timer is None and app.desk.store.timer() is None
        await pilot.press("u")
        await _settle(app, pilot)
        assert app.timer is not None and app.timer.timer == started.timer


async def test_a_stopped_timer_says_why_it_cannot_be_undone(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("t", "enter")
        await _settle(app, pilot)
        app.clock.advance(timedelta(minutes=30))
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert app.timer is None
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.undo, str) and app.undo.startswith("A stopped timer cannot be undone")
        assert any(n.message == app.undo for n in app._notifications)
