"""The Refused view: refused work with its reason, fixed and resent, copied out, discarded."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static, TextArea

from core.clock import FrozenClock
from core.rules import Rules
from core.store import Store
from core.sync.refused import COPIES_DIR
from core.sync.state import list_rejections
from tests.tui.data import AppFactory, refuse_some_work
from tests.tui.sync_support import header_sync, until
from tui.app import VardiaApp
from tui.screens.dialogs import ChoiceDialog
from tui.screens.incident import IncidentScreen
from tui.screens.refused import FixDialog, RefusedScreen


def _refuse(data_dir: Path, rules: Rules, clock: FrozenClock) -> None:
    with Store.open(data_dir, clock=clock) as store:
        refuse_some_work(store, rules)


async def _refused_screen(app: VardiaApp, pilot: Pilot[None]) -> RefusedScreen:
    await pilot.press("F")
    screen = app.screen
    assert isinstance(screen, RefusedScreen)
    await until(pilot, lambda: screen.loaded)
    return screen


@asynccontextmanager
async def _refused(
    data_dir: Path, rules: Rules, clock: FrozenClock, open_app: AppFactory
) -> AsyncIterator[tuple[VardiaApp, Pilot[None], RefusedScreen]]:
    """The app on a store holding a refused note and session, its Refused view open."""
    _refuse(data_dir, rules, clock)
    app = open_app()
    async with app.run_test() as pilot:
        yield app, pilot, await _refused_screen(app, pilot)


async def test_refused_work_is_counted_in_the_header_and_listed_with_its_reason(
    data_dir: Path, rules: Rules, clock: FrozenClock, open_app: AppFactory
) -> None:
    _refuse(data_dir, rules, clock)
    app = open_app()
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.sync_view.refused == 2)
        assert header_sync(app) == "local only · 0 pending · 2 refused"
        screen = await _refused_screen(app, pilot)
        options = screen.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert shown[0].startswith("note on TST-1 · Mon 23 Nov 11:00")
        assert "vardia keeps at most 1,000" in shown[0]
        assert shown[1].startswith("session on TST-1")


async def test_a_note_fixed_in_the_dialog_is_queued_again_and_leaves_the_list(
    data_dir: Path, rules: Rules, clock: FrozenClock, open_app: AppFactory
) -> None:
    async with _refused(data_dir, rules, clock, open_app) as (app, pilot, screen):
        await pilot.press("e")
        dialog = app.screen
        assert isinstance(dialog, FixDialog)
        area = dialog.query_one(TextArea)
        area.text = "Greek font pack installed; invoices print."
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.sync_view.pending == 1 and len(screen.items) == 1)
        assert app.sync_view.refused == 1
        assert screen.items[0].what == "session on TST-1"
    with Store.open(data_dir, clock=clock, read_only=True) as store:
        [queued] = store.pending_operations(10)
        notes = store.incident("TST-1").notes
    assert queued.payload["text"] == "Greek font pack installed; invoices print."
    assert [note.text for note in notes] == ["Greek font pack installed; invoices print."]


async def test_a_fix_out_of_bounds_is_said_beside_its_field_and_not_sent(
    data_dir: Path, rules: Rules, clock: FrozenClock, open_app: AppFactory
) -> None:
    async with _refused(data_dir, rules, clock, open_app) as (app, pilot, _screen):
        await pilot.press("down", "e")
        dialog = app.screen
        assert isinstance(dialog, FixDialog)
        travel = dialog.focused
        assert isinstance(travel, Input) and travel.value == "180", "the field the reason names"
        travel.value = "1e9"
        await pilot.press("ctrl+s")
        assert app.screen is dialog
        errors = [str(s.content) for s in dialog.query(".field-error") if not s.has_class("-clear")]
        assert "The travel expense is above the ceiling of 2,000.00 €; check the amount." in errors
        assert app.sync_view.pending == 0


async def test_copy_out_writes_the_whole_operation_to_a_file_and_discard_asks_first(
    data_dir: Path, rules: Rules, clock: FrozenClock, open_app: AppFactory
) -> None:
    async with _refused(data_dir, rules, clock, open_app) as (app, pilot, screen):
        first = screen.items[0].rejection
        await pilot.press("y")
        copy = data_dir / COPIES_DIR / f"{first.op_id}.json"
        await until(pilot, copy.exists)
        assert json.loads(copy.read_text("utf-8"))["operation"]["op_id"] == first.op_id

        await pilot.press("d")
        assert isinstance(app.screen, ChoiceDialog)
        await pilot.press("enter")  # "Keep it" is the choice offered first
        await pilot.press("d", "up", "enter")
        await until(pilot, lambda: len(screen.items) == 1)
        empty = screen.query_one("#refused-empty", Static)
        assert empty.has_class("-clear")
    with Store.open(data_dir, clock=clock, read_only=True) as store:
        assert [r.kind for r in list_rejections(store)] == ["session.record"]
        assert store.incident("TST-1").notes == ()


async def test_the_incident_marks_its_refused_note_and_session_until_they_are_dealt_with(
    data_dir: Path, rules: Rules, clock: FrozenClock, open_app: AppFactory
) -> None:
    _refuse(data_dir, rules, clock)
    app = open_app()
    async with app.run_test() as pilot:
        app.open_incident("i00000")
        await until(pilot, lambda: isinstance(app.screen, IncidentScreen) and app.screen.detail)
        notes = str(app.screen.query_one("#incident-notes", Static).content)
        sessions = [str(s.content) for s in app.screen.query(".session").results(Static)]
    assert notes.startswith("[refused] Mon 23 Nov 11:00 tech: Customer says")
    assert len(sessions) == 1 and sessions[0].startswith("[refused] Mon 23 Nov 11:00 · onsite")
