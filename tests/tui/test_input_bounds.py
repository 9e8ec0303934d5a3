"""The app refuses what no session or incident can hold, with a sentence beside the field."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from textual.widgets import Input, Static, TextArea

from core.errors import InputError
from core.models import Expenses
from tests.tui.data import AppFactory
from tui.app import VardiaApp
from tui.screens.dialogs import StopDialog, TextDialog
from tui.screens.intake import IntakeScreen


async def _settle(app: VardiaApp, pilot) -> None:  # type: ignore[no-untyped-def]
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _said(screen: object, selector: str) -> str:
    assert isinstance(screen, StopDialog | IntakeScreen)
    return str(screen.query_one(selector, Static).render())


@pytest.mark.parametrize(
    ("field", "typed", "says"),
    [
        ("#stop-travel", "1e9", "travel expense is above the ceiling of 2,000.00 €"),
        ("#stop-parking", "-5", "parking expense cannot be negative"),
        ("#stop-lodging", "lots", "lodging expense 'lots' is not a number"),
    ],
)
async def test_an_absurd_expense_is_refused_beside_the_fields(
    open_app: AppFactory, field: str, typed: str, says: str
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"acme", "enter")  # Acme is out of town
        await pilot.press("t", "down", "down", "down", "enter")  # on site
        await _settle(app, pilot)
        app.clock.advance(timedelta(hours=1))
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one(field, Input).value = typed
        await pilot.press("ctrl+s")
        await _settle(app, pilot)

        assert isinstance(app.screen, StopDialog), "the dialog stays open to fix the amount"
        assert says in _said(app.screen, "#stop-error")
        assert app.last_session is None and app.timer is not None

        app.screen.query_one(field, Input).value = "2000"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert app.last_session is not None and app.timer is None


async def test_a_phone_session_has_no_expenses_to_enter_and_refuses_them(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"acme", "enter")
        await pilot.press("t", "enter")  # phone
        await _settle(app, pilot)
        app.clock.advance(timedelta(minutes=30))
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, StopDialog)
        assert not app.screen.query("#stop-travel")
        await pilot.press("escape")
        await pilot.pause()

        with pytest.raises(InputError, match="Only an on-site session carries travel"):
            app.desk.stop_timer("", Expenses(travel=Decimal(50)))
        assert app.timer is not None and app.desk.store.timer() is not None


async def test_an_overlong_subject_is_refused_beside_it(open_app: AppFactory) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("n")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, IntakeScreen)
        await pilot.press(*"delta", "enter")
        await _settle(app, pilot)
        subject = screen.query_one("#intake-subject", Input)
        subject.value = "x" * 200
        await pilot.pause()
        assert _said(screen, "#intake-subject-error") == ""
        # Said as it is typed (a pasted page), not only at the save; the field stays one line.
        subject.value = "x" * 600
        await pilot.pause()
        said = _said(screen, "#intake-subject-error")
        assert "subject is 600 characters long" in said and "at most 200" in said
        assert subject.region.height == 1
        subject.value = "x" * 201
        await pilot.press("ctrl+s")
        await _settle(app, pilot)

        assert isinstance(app.screen, IntakeScreen)
        assert "subject is 201 characters long" in _said(screen, "#intake-subject-error")
        screen.query_one("#intake-subject", Input).value = r"Printer prints \u0000"
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert not isinstance(app.screen, IntakeScreen)


async def test_an_overlong_note_is_refused_beside_it_and_the_dialog_stays(
    open_app: AppFactory,
) -> None:
    app = open_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("enter")  # the first incident of the queue
        await _settle(app, pilot)
        await pilot.press("n")
        await _settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, TextDialog)
        dialog.query_one(TextArea).text = "Called; " * 1300
        await pilot.press("ctrl+s")
        await _settle(app, pilot)

        assert app.screen is dialog  # nothing typed is thrown away
        said = str(dialog.query_one(".field-error", Static).render())
        assert "note is 10,399 characters long; vardia keeps at most 10,000" in said
        dialog.query_one(TextArea).text = "Called back."
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert not isinstance(app.screen, TextDialog)
