"""The timer from the keyboard: start, pause, resume, stop and price; it survives a relaunch."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual import events
from textual.widgets import Input, TextArea
from textual.widgets._footer import FooterKey

from tests.tui.data import AppFactory
from tui.app import VardiaApp
from tui.screens.dialogs import ChoiceDialog, StopDialog
from tui.widgets.status import TimerBar


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _bar(app: VardiaApp) -> str:
    bar = app.screen.query_one(TimerBar)
    return "" if bar.has_class("-idle") else str(bar.render())


async def test_start_pause_resume_stop_shows_the_priced_session(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        incident_id = app.screen.current_incident_id  # type: ignore[attr-defined]
        await pilot.press("t", "down", "enter")  # remote
        await _settle(app, pilot)
        assert app.timer is not None and app.timer.timer.incident_id == incident_id
        app.clock.advance(timedelta(minutes=40))
        app.refresh_status()
        assert "0:40:00" in _bar(app) and "remote" in _bar(app) and "net" in _bar(app)

        await pilot.press("p")
        await _settle(app, pilot)
        assert app.timer is not None and app.timer.timer.running_since is None
        assert "PAUSED" in _bar(app)
        app.clock.advance(timedelta(minutes=30))  # paused time is not counted
        await pilot.press("r")
        await _settle(app, pilot)
        app.clock.advance(timedelta(minutes=20))
        app.refresh_status()
        assert "1:00:00" in _bar(app)

        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, StopDialog)
        app.screen.query_one(TextArea).insert("Rebuilt the index")
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert app.timer is None and _bar(app) == ""
        session = app.last_session
        assert session is not None and session.note == "Rebuilt the index"
        assert session.quote.billable_minutes == 60
        shown = [n.message for n in app._notifications]
        assert any(f"net {session.quote.net:.2f} €" in text for text in shown)


async def test_a_running_timer_survives_a_relaunch(open_app: AppFactory) -> None:
    first = open_app()
    async with first.run_test(size=(80, 24)) as pilot:
        await _settle(first, pilot)
        await pilot.press("t", "enter")
        await _settle(first, pilot)
        assert first.timer is not None
    first.desk.store.close()

    first.clock.advance(timedelta(hours=1, minutes=5))
    again = open_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await _settle(again, pilot)
        assert again.timer is not None and again.timer.timer.running_since is not None
        again.refresh_status()
        assert "1:05:00" in _bar(again)


async def test_out_of_town_onsite_stop_asks_for_expenses(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"acme", "enter")  # Acme is out of town
        await pilot.press("t", "down", "down", "down", "enter")  # on site
        await _settle(app, pilot)
        app.clock.advance(timedelta(hours=1))
        await pilot.press("x")
        await pilot.pause()
        travel = app.screen.query_one("#stop-travel", Input)
        travel.value = "12,5"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        session = app.last_session
        assert session is not None and str(session.expenses.travel) == "12.50"


def _footer(app: VardiaApp) -> dict[str, tuple[int, int]]:
    """What the footer shows: description → (left, right) column on screen."""
    return {
        key.description: (key.region.x, key.region.right)
        for key in app.screen.query(FooterKey)
        if key.region.width
    }


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_footer_fits_and_the_timer_bar_names_the_timer_keys(
    open_app: AppFactory, size: tuple[int, int]
) -> None:
    app = open_app()
    async with app.run_test(size=size) as pilot:
        await _settle(app, pilot)
        shown = _footer(app)
        for wanted in ("Open", "New incident", "Search", "Filter", "Timer", "Help"):
            assert wanted in shown
        assert max(right for _left, right in shown.values()) <= size[0]
        await pilot.press("t", "enter")
        await _settle(app, pilot)
        assert "p pause · x stop" in _bar(app)
        await pilot.press("p")
        await _settle(app, pilot)
        assert "r resume · x stop" in _bar(app)
        await pilot.press("p")
        await pilot.pause()
        assert app._notifications and "already paused" in list(app._notifications)[-1].message
        await pilot.press("r", "x")
        await _settle(app, pilot)
        assert isinstance(app.screen, StopDialog)
        app.refresh_status()
        bar = app.screen_stack[-2].query_one(TimerBar)
        assert "p pause · x stop" in str(bar.render())


@pytest.mark.parametrize(
    ("choice", "saved"), [(0, True), (1, False)], ids=["stop-and-save", "discard"]
)
async def test_starting_on_another_incident_asks_about_the_running_timer(
    open_app: AppFactory, choice: int, saved: bool
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        first = app.screen.current_incident_id  # type: ignore[attr-defined]
        await pilot.press("t", "enter")
        await _settle(app, pilot)
        app.clock.advance(timedelta(minutes=10))
        # The timer claimed the first (first response recorded): it left the head of the
        # queue, which another incident now holds.
        await pilot.press("home")
        second = app.screen.current_incident_id  # type: ignore[attr-defined]
        assert second != first
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press(*["down"] * choice, "enter")
        await pilot.pause()
        await pilot.press("enter")  # channel: phone
        await _settle(app, pilot)
        assert app.timer is not None and app.timer.timer.incident_id == second
        sessions = app.desk.incident_detail(first).sessions
        assert bool(sessions) is saved


async def test_cancel_keeps_the_running_timer(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        first = app.screen.current_incident_id  # type: ignore[attr-defined]
        await pilot.press("t", "enter")
        await _settle(app, pilot)
        await pilot.press("j", "t", "down", "down", "enter")
        await _settle(app, pilot)
        assert app.timer is not None and app.timer.timer.incident_id == first


async def test_keys_typed_in_one_burst_all_land_before_ctrl_s_saves(open_app: AppFactory) -> None:
    """Over SSH keys arrive in bursts: the note and Ctrl+S in one read. The save waits for the
    keys before it, so nothing typed is lost."""
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("t", "enter")
        await _settle(app, pilot)
        app.clock.advance(timedelta(hours=1))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, StopDialog)
        burst = [*(events.Key(c, c) for c in "new toner"), events.Key("ctrl+s", None)]
        for key in burst:  # as the driver delivers them: no pause between
            app.post_message(key)
        await _settle(app, pilot)
        session = app.last_session
        assert session is not None and session.note == "new toner"
