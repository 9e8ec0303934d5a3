"""Every screen at 80×24 and 120×40, with a frozen clock and a known store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from core.clock import FrozenClock
from core.rules import Rules
from core.store import Store
from tests.tui.data import NOW, AppFactory, refuse_some_work
from tui.app import VardiaApp, make_app
from tui.widgets.status import SyncView

SIZES = [(80, 24), (120, 40)]


async def _settle(pilot: Pilot[None]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _then(*keys: str) -> Callable[[Pilot[None]], object]:
    async def run(pilot: Pilot[None]) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)
        # A blinking cursor, or a toast that expires on the wall clock, would make the
        # picture depend on when it is taken (a busy machine takes it seconds later).
        pilot.app.clear_notifications()
        for screen in pilot.app.screen_stack:
            await screen.query("Toast").remove()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        # A TextArea paints its cursor only in the blink's visible half, whatever
        # cursor_blink says afterwards: the picture is taken with the note unfocused.
        for area in pilot.app.screen.query(TextArea):
            area.blur()
        await pilot.pause()

    return run


SCREENS = {
    "queue": (),
    "queue_breached": ("b",),
    "incident": ("down", "down", "enter"),
    "customer": ("c",),
    "customers": ("L", *"ar"),
    "intake": ("n",),
    "intake_blocked": ("n", *"c0001", "enter"),
    "help": ("question_mark",),
    "timer": ("down", "enter", "t", "enter"),
    "timer_stop": ("down", "enter", "t", "enter", "x"),
    "statement": ("S",),
    "report": ("W",),
    "session_add": ("down", "down", "enter", "w"),
    "session_history": (
        "down",
        "down",
        "enter",
        "w",
        *"9:00/9:40",
        "tab",
        "tab",
        *"forgot",
        "ctrl+s",
        "e",
        "ctrl+u",
        *"9:00/9:20",
        "tab",
        "tab",
        *"shorter",
        "ctrl+s",
        "e",
    ),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(snap_compare, open_app: AppFactory, screen: str, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(open_app(), terminal_size=size, run_before=_then(*SCREENS[screen]))


REFUSED = {
    "refused": ("F",),
    "refused_fix": ("F", "down", "e"),
}
"""Screens of a store holding refused work: a note and a session the server refused."""


@pytest.fixture
def refused_app(
    data_dir: Path, rules: Rules, clock: FrozenClock, open_app: AppFactory
) -> AppFactory:
    with Store.open(data_dir, clock=clock) as store:
        refuse_some_work(store, rules)
    return open_app


@pytest.mark.parametrize("screen", list(REFUSED))
def test_refused_screen(snap_compare, refused_app: AppFactory, screen: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(refused_app(), terminal_size=(80, 24), run_before=_then(*REFUSED[screen]))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_intake_without_colour(  # type: ignore[no-untyped-def]
    snap_compare, open_app: AppFactory, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under NO_COLOR the field being typed into still shows: its label in reverse video,
    here on Subject, where a picked customer sends the focus."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = open_app()
    assert app.no_color
    assert snap_compare(app, terminal_size=size, run_before=_then("n", *"delta", "enter"))


SYNC_STATES = {
    "synced": SyncView(
        configured=True, online=True, pending=2, last_sync=NOW - timedelta(minutes=2)
    ),
    "offline": SyncView(
        configured=True,
        pending=4,
        last_sync=NOW - timedelta(hours=3),
        retry_at=NOW + timedelta(seconds=40),
        last_error="The server at https://sync.example.gr cannot be reached; changes stay queued.",
    ),
    "refused": SyncView(
        configured=True,
        online=True,
        refused=1,
        conflicts=1,
        last_sync=NOW - timedelta(minutes=20),
        retry_at=NOW + timedelta(seconds=75),
        last_error="The server refused the token (revoked); run `vardia login` again.",
    ),
}
"""The header in each sync state, as a round leaves it (the app under test has no server)."""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("state", list(SYNC_STATES))
def test_header_in_each_sync_state(  # type: ignore[no-untyped-def]
    snap_compare, open_app: AppFactory, state: str, size: tuple[int, int]
) -> None:
    async def run(pilot: Pilot[None]) -> None:
        await _then()(pilot)
        app = pilot.app
        assert isinstance(app, VardiaApp)
        app.sync_view = SYNC_STATES[state]
        app.refresh_status()
        await pilot.pause()

    assert snap_compare(open_app(), terminal_size=size, run_before=run)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_read_only_banner(  # type: ignore[no-untyped-def]
    snap_compare, data_dir: Path, rules: Rules, clock: FrozenClock, size: tuple[int, int]
) -> None:
    """``vardia --read-only``: the banner, and a footer without a key that writes."""
    with Store.open(data_dir, clock=clock, read_only=True) as reader:
        app = make_app(rules, reader, None, clock, tick=False)
        assert snap_compare(app, terminal_size=size, run_before=_then())
